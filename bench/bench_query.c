/*
 * Query latency: runs every query of a file, in order, from one process and one open index,
 * top 10 with snippets, as `jikenbo search --batch` does; nothing is cached across queries.
 * Prints the batch wall time, p50, p99, mean, queries per second and the number of queries
 * that found nothing. With --passes N the file is asked N times in a row, a query's time is
 * the median of its N and the wall time the median of the passes' (as bench/compare does).
 *
 * usage: bench_query INDEX QUERIES.txt [--no-group] [--passes N]
 */
#include <string.h>

#include "bench_common.h"

#define MAX_PASSES 9

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_query INDEX QUERIES.txt [--no-group] [--passes N]\n");
    return 2;
}

int main(int argc, char **argv)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_index *ix;
    FILE *f;
    char line[4096], **queries = NULL;
    double *ms[MAX_PASSES], walls[MAX_PASSES], *mid, sum = 0;
    size_t n = 0, cap = 0, zero = 0, errors = 0, i;
    int passes = 1, p, a;

    if (argc < 3)
        return usage();
    for (a = 3; a < argc; a++) {
        if (strcmp(argv[a], "--no-group") == 0)
            o.no_group = 1;
        else if (strcmp(argv[a], "--passes") == 0 && a + 1 < argc &&
                 (passes = atoi(argv[++a])) >= 1 && passes <= MAX_PASSES)
            continue;
        else
            return usage();
    }
    if ((f = fopen(argv[2], "r")) == NULL) {
        perror(argv[2]);
        return 1;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            if ((queries = realloc(queries, cap * sizeof *queries)) == NULL)
                return 1;
        }
        if ((queries[n++] = strdup(line)) == NULL)
            return 1;
    }
    fclose(f);
    if (n == 0)
        return 1;
    ix = bench_open(argv[1]);
    for (p = 0; p < passes; p++) {
        double start = bench_now();
        if ((ms[p] = malloc(n * sizeof *ms[p])) == NULL)
            return 1;
        for (i = 0; i < n; i++) {
            jkb_results *res;
            double t0 = bench_now();
            if (jkb_search(ix, queries[i], &o, &res) != 0) {
                errors += p == 0;
                res = NULL;
            }
            ms[p][i] = (bench_now() - t0) * 1000;
            if (p == 0 && res && jkb_results_total(res) == 0)
                zero++;
            jkb_results_free(res);
        }
        walls[p] = bench_now() - start;
    }
    jkb_index_close(ix);
    /* each query's median over the passes, into the first pass's array */
    mid = ms[0];
    for (i = 0; i < n; i++) {
        double t[MAX_PASSES];
        for (p = 0; p < passes; p++)
            t[p] = ms[p][i];
        qsort(t, (size_t)passes, sizeof *t, cmp_double);
        mid[i] = t[passes / 2];
        sum += mid[i];
    }
    qsort(mid, n, sizeof *mid, cmp_double);
    qsort(walls, (size_t)passes, sizeof *walls, cmp_double);
    /* nearest-rank percentiles */
    printf("queries %zu  wall %.3f s  p50 %.3f ms  p99 %.3f ms  mean %.3f ms  %.0f q/s  "
           "zero-result %zu  errors %zu%s\n", n, walls[passes / 2], mid[(n - 1) / 2],
           mid[(n * 99 + 99) / 100 - 1], sum / (double)n, (double)n / walls[passes / 2], zero,
           errors, passes > 1 ? "  (median of each query's passes)" : "");
    for (p = 0; p < passes; p++)
        free(ms[p]);
    for (i = 0; i < n; i++)
        free(queries[i]);
    free(queries);
    return 0;
}
