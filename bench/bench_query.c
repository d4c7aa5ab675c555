/*
 * Query latency: runs every query of a file once, in order, from one process and one open
 * index, top 10 with snippets, as `jikenbo search --batch` does; nothing is cached across
 * queries. Prints the batch wall time, p50, p99, mean, queries per second and the number of
 * queries that found nothing.
 *
 * usage: bench_query INDEX QUERIES.txt [--no-group]
 */
#include <string.h>

#include "bench_common.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_index *ix;
    FILE *f;
    char line[4096];
    double *ms = NULL, start, wall, sum = 0;
    size_t n = 0, cap = 0, zero = 0, errors = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_query INDEX QUERIES.txt [--no-group]\n");
        return 2;
    }
    o.no_group = argc > 3 && strcmp(argv[3], "--no-group") == 0;
    ix = bench_open(argv[1]);
    if ((f = fopen(argv[2], "r")) == NULL) {
        perror(argv[2]);
        return 1;
    }
    start = bench_now();
    while (fgets(line, sizeof line, f)) {
        jkb_results *res;
        double t0;
        line[strcspn(line, "\r\n")] = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            ms = realloc(ms, cap * sizeof *ms);
            if (ms == NULL)
                return 1;
        }
        t0 = bench_now();
        if (jkb_search(ix, line, &o, &res) != 0) {
            errors++;
            res = NULL;
        }
        ms[n] = (bench_now() - t0) * 1000;
        if (res && jkb_results_total(res) == 0)
            zero++;
        jkb_results_free(res);
        sum += ms[n++];
    }
    wall = bench_now() - start;
    fclose(f);
    jkb_index_close(ix);
    if (n == 0)
        return 1;
    qsort(ms, n, sizeof *ms, cmp_double);
    /* nearest-rank percentiles */
    printf("queries %zu  wall %.3f s  p50 %.3f ms  p99 %.3f ms  mean %.3f ms  %.0f q/s  "
           "zero-result %zu  errors %zu\n", n, wall, ms[(n - 1) / 2], ms[(n * 99 + 99) / 100 - 1],
           sum / (double)n, (double)n / wall, zero, errors);
    free(ms);
    return 0;
}
