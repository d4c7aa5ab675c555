#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const messages[] = {
    "success",
    "out of memory",
    "invalid argument",
    "I/O error",
    "not found",
    "index is corrupt",
    "disk or index size limit full",
    "morphological analysis failed",
    "index has another format version",
    "index was built with another analyzer",
    "malformed input",
    "malformed query",
};

const char *jkb_strerror(int code)
{
    if (code > 0 || -code >= (int)(sizeof messages / sizeof messages[0]))
        return "unknown error";
    return messages[-code];
}

int jkb__err_set(jkb__err *err, int code, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL)
        return code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}
