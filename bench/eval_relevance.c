/*
 * Relevance on graded judgments: nDCG@10 (gain 2^grade - 1, log2 discount, ideal ranking
 * from the listed grades), MRR (first hit of grade >= 1) and recall@10 (judged releases of
 * grade >= 1 found in the top 10), each averaged over the queries, searching with --no-group.
 * A hit matches a judged release by case number ("-" for none) and the start of its title.
 *
 * usage: eval_relevance INDEX QUERIES.tsv
 */
#include <math.h>
#include <string.h>

#include "bench_common.h"

#define K 10
#define MAX_JUDGED 32

typedef struct judged {
    char case_no[32];
    char title[256];
    int grade;
} judged;

static int parse_judgments(char *s, judged *out)
{
    int n = 0;
    char *item, *save;
    for (item = strtok_r(s, ",", &save); item && n < MAX_JUDGED; item = strtok_r(NULL, ",", &save)) {
        char *bar = strchr(item, '|'), *eq = strrchr(item, '=');
        if (bar == NULL || eq == NULL || eq < bar)
            continue;
        *bar = *eq = 0;
        snprintf(out[n].case_no, sizeof out[n].case_no, "%s", strcmp(item, "-") ? item : "");
        snprintf(out[n].title, sizeof out[n].title, "%s", bar + 1);
        out[n].grade = atoi(eq + 1);
        n++;
    }
    return n;
}

static int grade_of(const jkb_hit *h, const judged *j, int n, int *which)
{
    int i;
    for (i = 0; i < n; i++) {
        if (strcmp(h->case_no, j[i].case_no) == 0 &&
            strncmp(h->title, j[i].title, strlen(j[i].title)) == 0) {
            *which = i;
            return j[i].grade;
        }
    }
    *which = -1;
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

int main(int argc, char **argv)
{
    jkb_index *ix;
    FILE *f;
    char line[8192];
    double ndcg_sum = 0, mrr_sum = 0, recall_sum = 0;
    int n_queries = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: eval_relevance INDEX QUERIES.tsv\n");
        return 2;
    }
    ix = bench_open(argv[1]);
    if ((f = fopen(argv[2], "r")) == NULL) {
        perror(argv[2]);
        return 1;
    }
    printf("%-28s %7s %5s %7s\n", "query", "nDCG@10", "RR", "R@10");
    while (fgets(line, sizeof line, f)) {
        jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
        jkb_results *res;
        judged j[MAX_JUDGED];
        int grades[MAX_JUDGED], found[MAX_JUDGED] = {0}, n, i, relevant = 0, hits_rel = 0;
        double dcg = 0, idcg = 0, rr = 0;
        char *tab;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
            continue;
        *tab = 0;
        n = parse_judgments(tab + 1, j);
        o.limit = K;
        o.no_group = 1;
        if (jkb_search(ix, line, &o, &res) != 0) {
            fprintf(stderr, "%s: %s\n", line, jkb_index_errmsg(ix));
            res = NULL;
        }
        for (i = 0; res && i < (int)jkb_results_count(res); i++) {
            int which, g = grade_of(jkb_results_hit(res, i), j, n, &which);
            if (which >= 0 && found[which])
                g = 0; /* a release counts once */
            if (which >= 0)
                found[which] = 1;
            dcg += (pow(2, g) - 1) / log2(i + 2.0);
            if (g > 0 && rr == 0)
                rr = 1.0 / (i + 1);
        }
        for (i = 0; i < n; i++) {
            grades[i] = j[i].grade;
            relevant += j[i].grade > 0;
            hits_rel += j[i].grade > 0 && found[i];
        }
        qsort(grades, (size_t)n, sizeof *grades, cmp_desc);
        for (i = 0; i < n && i < K; i++)
            idcg += (pow(2, grades[i]) - 1) / log2(i + 2.0);
        printf("%-28s %7.3f %5.2f %7.2f\n", line, idcg > 0 ? dcg / idcg : 0, rr,
               relevant ? (double)hits_rel / relevant : 0);
        ndcg_sum += idcg > 0 ? dcg / idcg : 0;
        mrr_sum += rr;
        recall_sum += relevant ? (double)hits_rel / relevant : 0;
        n_queries++;
        jkb_results_free(res);
    }
    fclose(f);
    jkb_index_close(ix);
    if (n_queries == 0)
        return 1;
    printf("\n%d queries: nDCG@10 %.3f  MRR %.3f  recall@10 %.3f\n", n_queries,
           ndcg_sum / n_queries, mrr_sum / n_queries, recall_sum / n_queries);
    return 0;
}
