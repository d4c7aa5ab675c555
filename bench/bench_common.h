/* Shared pieces of the benchmark programs: a clock and opening an index read-only. */
#ifndef JKB_BENCH_COMMON_H
#define JKB_BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "jikenbo.h"

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline jkb_index *bench_open(const char *path)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    o.readonly = 1;
    if (jkb_index_open(&ix, path, &o) != 0) {
        fprintf(stderr, "%s: %s\n", path, jkb_index_errmsg(ix));
        exit(1);
    }
    return ix;
}

#endif
