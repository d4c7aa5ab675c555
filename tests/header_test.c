/* Compiles include/jikenbo.h alone: it must pull in all it needs. */
#include "jikenbo.h"

int jkb_header_test(void);
int jkb_header_test(void)
{
    return JKB_OK;
}
