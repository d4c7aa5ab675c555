/* Error messages: a code plus a tag-path detail kept in the handle that failed. */
#ifndef JKB_CORE_ERROR_H
#define JKB_CORE_ERROR_H

#include "jikenbo.h"

#define JKB__ERRMSG_MAX 512

typedef struct jkb__err {
    char msg[JKB__ERRMSG_MAX];
} jkb__err;

/* Formats a message like "[store][put] map full" into err and returns code. */
int jkb__err_set(jkb__err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
