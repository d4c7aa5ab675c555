/*
 * jikenbo beside Groonga 13 (TokenMecab and TokenBigram, NormalizerNFKC121) and SQLite FTS5
 * (trigram, each query word quoted), loaded with the same documents and asked the same
 * queries in the same run:
 *   - relevance on graded judgments (the casebook sample): nDCG@10 (gain 2^grade - 1, log2
 *     discount, ideal from the listed grades), MRR and recall@10, one hit per release;
 *   - speed on a corpus: build time, bytes on disk (jikenbo: a compacted copy; Groonga: blocks
 *     in use; SQLite: the file after VACUUM), and over a query file the time of each query,
 *     top 10 with a highlighted snippet per hit (jikenbo's own, Groonga's snippet_html,
 *     FTS5's snippet()), from one process, with the queries that find nothing and errors.
 *     The file is asked PASSES times in a row and a query's time is the median of its
 *     times: on a shared machine one pass's slowest queries are as often the machine's
 *     hiccups as their own work.
 * Groonga's times are its own elapsed_time per command (process start not counted).
 * A hit matches a judged release by case number ("-" for none) and the start of its title.
 *
 * usage: compare relevance WORKDIR SAMPLE DEV_QUERIES.tsv
 *        compare speed WORKDIR CORPUS QUERIES.txt
 */
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "bench_common.h"

#define K 10
#define MAX_JUDGED 32
#define MAX_QUERIES 1000
#define PASSES 3

typedef struct hit {
    char case_no[32];
    char title[512];
} hit;

typedef struct answer {
    hit hits[K];
    int n;
    long long total;
    int error;
    double ms; /* the engine's time for this query */
} answer;

typedef struct engine {
    const char *name;
    /* loads the documents of path into dir; returns 0 */
    int (*load)(struct engine *e, const char *dir, const char *path);
    /* answers queries[0..n) into out, with a highlighted snippet per hit when snippets */
    void (*run)(struct engine *e, char **queries, int n, answer *out, int snippets);
    long long (*bytes)(struct engine *e);
    void (*close)(struct engine *e);
    const char *tokenizer; /* Groonga's */
    char path[1024];
    jkb_index *ix;
    sqlite3 *db;
} engine;

static long long file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static long long dir_bytes(const char *prefix)
{
    char cmd[1200], line[64];
    long long n = 0;
    FILE *p;
    snprintf(cmd, sizeof cmd, "du -c -B1 %s* | tail -n 1", prefix); /* blocks in use */
    if ((p = popen(cmd, "r")) != NULL) {
        if (fgets(line, sizeof line, p))
            n = atoll(line);
        pclose(p);
    }
    return n;
}

/* ---- jikenbo ---- */

static int jkb_load(engine *e, const char *dir, const char *path)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *d;
    snprintf(e->path, sizeof e->path, "%s/jikenbo.db", dir);
    o.create = 1;
    if (jkb_index_open(&e->ix, e->path, &o) != 0 || jkb_reader_open(&r, path, NULL) != 0)
        return -1;
    while (jkb_reader_next(r, &d) > 0)
        jkb_index_add(e->ix, d);
    jkb_reader_close(r);
    return jkb_index_commit(e->ix);
}

static void jkb_run(engine *e, char **queries, int n, answer *out, int snippets)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    int i;
    size_t j;
    (void)snippets; /* every hit has its snippet */
    o.no_group = 1;
    o.limit = K;
    for (i = 0; i < n; i++) {
        jkb_results *r;
        double t0 = bench_now();
        int rc;
        memset(&out[i], 0, sizeof out[i]);
        rc = jkb_search(e->ix, queries[i], &o, &r);
        out[i].ms = (bench_now() - t0) * 1000;
        if (rc != 0) {
            out[i].error = 1;
            continue;
        }
        out[i].total = (long long)jkb_results_total(r);
        for (j = 0; j < jkb_results_count(r); j++) {
            const jkb_hit *h = jkb_results_hit(r, j);
            snprintf(out[i].hits[j].case_no, sizeof out[i].hits[j].case_no, "%s", h->case_no);
            snprintf(out[i].hits[j].title, sizeof out[i].hits[j].title, "%s", h->title);
        }
        out[i].n = (int)j;
        jkb_results_free(r);
    }
}

static long long jkb_bytes(engine *e)
{
    char cmd[4800], copy[1100];
    snprintf(copy, sizeof copy, "%s-compact", e->path);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir '%s' && mdb_copy -c '%s' '%s'", copy, copy,
             e->path, copy);
    if (system(cmd) != 0)
        return 0;
    snprintf(cmd, sizeof cmd, "%s/data.mdb", copy);
    return file_bytes(cmd);
}

static void jkb_close(engine *e)
{
    jkb_index_close(e->ix);
}

/* ---- Groonga, through its command line: one process per batch of commands ---- */

/* Writes s as a JSON string (for load). */
static void put_json_string(FILE *f, const char *s)
{
    json_t *j = json_string(s);
    char *t = json_dumps(j, JSON_ENCODE_ANY);
    fputs(t ? t : "\"\"", f);
    free(t);
    json_decref(j);
}

/* Writes s as a Groonga command-line value in single quotes. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static int grn_exec(engine *e, const char *commands, const char *output)
{
    char cmd[4000];
    snprintf(cmd, sizeof cmd, "groonga %s'%s' < '%s' > '%s' 2>/dev/null",
             file_bytes(e->path) ? "" : "-n ", e->path, commands, output);
    return system(cmd);
}

static int grn_load(engine *e, const char *dir, const char *path)
{
    char cmds[1100], out[1100];
    jkb_reader *r;
    const jkb_doc *d;
    FILE *f;
    int first = 1;
    snprintf(e->path, sizeof e->path, "%s/groonga-%s.db", dir, e->tokenizer);
    snprintf(cmds, sizeof cmds, "%s/groonga-%s.load", dir, e->tokenizer);
    snprintf(out, sizeof out, "%s/groonga-%s.out", dir, e->tokenizer);
    if ((f = fopen(cmds, "w")) == NULL || jkb_reader_open(&r, path, NULL) != 0)
        return -1;
    fputs("table_create Docs TABLE_HASH_KEY ShortText\n"
          "column_create Docs case COLUMN_SCALAR ShortText\n"
          "column_create Docs title COLUMN_SCALAR ShortText\n"
          "column_create Docs body COLUMN_SCALAR Text\n", f);
    fprintf(f, "table_create Terms TABLE_PAT_KEY ShortText --default_tokenizer %s "
               "--normalizer NormalizerNFKC121\n", e->tokenizer);
    fputs("column_create Terms index COLUMN_INDEX|WITH_POSITION|WITH_SECTION Docs title,body\n"
          "load --table Docs\n[\n", f);
    while (jkb_reader_next(r, &d) > 0) {
        fputs(first ? "{\"_key\":" : ",\n{\"_key\":", f);
        put_json_string(f, d->id);
        fputs(",\"case\":", f);
        put_json_string(f, d->case_no);
        fputs(",\"title\":", f);
        put_json_string(f, d->title);
        fputs(",\"body\":", f);
        put_json_string(f, d->body);
        fputc('}', f);
        first = 0;
    }
    fputs("\n]\n", f);
    jkb_reader_close(r);
    fclose(f);
    return grn_exec(e, cmds, out);
}

static void grn_run(engine *e, char **queries, int n, answer *out, int snippets)
{
    char cmds[1100], outp[1100], *line = NULL;
    size_t cap = 0;
    FILE *f;
    int i;
    snprintf(cmds, sizeof cmds, "%s.select", e->path);
    snprintf(outp, sizeof outp, "%s.results", e->path);
    if ((f = fopen(cmds, "w")) == NULL)
        return;
    for (i = 0; i < n; i++) {
        fputs("select Docs --match_columns 'title * 2 || body' --query ", f);
        put_quoted(f, queries[i]);
        fprintf(f, " --output_columns '%s' --sort_keys '-_score' --limit %d"
                   " --command_version 3\n", snippets ? "case,title,snippet_html(body)" : "case,title", K);
    }
    fclose(f);
    grn_exec(e, cmds, outp);
    f = fopen(outp, "r");
    for (i = 0; i < n; i++) {
        json_t *o = NULL, *records;
        size_t j;
        json_error_t err;
        memset(&out[i], 0, sizeof out[i]);
        if (f == NULL || getline(&line, &cap, f) < 0 || (o = json_loads(line, 0, &err)) == NULL ||
            json_integer_value(json_object_get(json_object_get(o, "header"), "return_code"))) {
            out[i].error = 1;
            json_decref(o);
            continue;
        }
        out[i].total = json_integer_value(json_object_get(json_object_get(o, "body"), "n_hits"));
        out[i].ms = 1000 * json_real_value(json_object_get(json_object_get(o, "header"),
                                                           "elapsed_time"));
        records = json_object_get(json_object_get(o, "body"), "records");
        for (j = 0; j < json_array_size(records) && j < K; j++) {
            json_t *rec = json_array_get(records, j);
            snprintf(out[i].hits[j].case_no, sizeof out[i].hits[j].case_no, "%s",
                     json_string_value(json_array_get(rec, 0)) ? json_string_value(json_array_get(rec, 0)) : "");
            snprintf(out[i].hits[j].title, sizeof out[i].hits[j].title, "%s",
                     json_string_value(json_array_get(rec, 1)) ? json_string_value(json_array_get(rec, 1)) : "");
        }
        out[i].n = (int)j;
        json_decref(o);
    }
    free(line);
    if (f)
        fclose(f);
}

static long long grn_bytes(engine *e)
{
    return dir_bytes(e->path);
}

static void grn_close(engine *e)
{
    (void)e;
}

/* ---- SQLite FTS5, trigram ---- */

static int fts_load(engine *e, const char *dir, const char *path)
{
    jkb_reader *r;
    const jkb_doc *d;
    sqlite3_stmt *st;
    snprintf(e->path, sizeof e->path, "%s/fts5.sqlite", dir);
    remove(e->path);
    if (sqlite3_open(e->path, &e->db) != SQLITE_OK ||
        sqlite3_exec(e->db, "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, case_no "
                     "UNINDEXED, title, body, tokenize='trigram'); BEGIN", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(e->db, "INSERT INTO docs VALUES (?, ?, ?, ?)", -1, &st, NULL) !=
            SQLITE_OK ||
        jkb_reader_open(&r, path, NULL) != 0)
        return -1;
    while (jkb_reader_next(r, &d) > 0) {
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, d->case_no, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, d->title, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, d->body, -1, SQLITE_TRANSIENT);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    jkb_reader_close(r);
    sqlite3_finalize(st);
    return sqlite3_exec(e->db, "COMMIT; VACUUM", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Each word of q in double quotes (a phrase of one word), joined by spaces: AND. */
static void fts_query(const char *q, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = q;
    while (*p && n + 8 < cap) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        out[n++] = '"';
        while (*p && *p != ' ' && n + 4 < cap) {
            if (*p == '"')
                out[n++] = '"';
            out[n++] = *p++;
        }
        out[n++] = '"';
        out[n++] = ' ';
    }
    out[n] = 0;
}

static void fts_run(engine *e, char **queries, int n, answer *out, int snippets)
{
    sqlite3_stmt *st, *count;
    char q[2048];
    int i;
    sqlite3_prepare_v2(e->db, snippets ? "SELECT case_no, title, snippet(docs, 3, '<b>', '</b>', "
                       "'…', 24) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 0, 0, 2.0, 1.0) "
                       "LIMIT 10" : "SELECT case_no, title FROM docs WHERE docs MATCH ? "
                       "ORDER BY bm25(docs, 0, 0, 2.0, 1.0) LIMIT 10", -1, &st, NULL);
    sqlite3_prepare_v2(e->db, "SELECT count(*) FROM docs WHERE docs MATCH ?", -1, &count, NULL);
    for (i = 0; i < n; i++) {
        int rc, j = 0;
        double t0 = bench_now();
        memset(&out[i], 0, sizeof out[i]);
        fts_query(queries[i], q, sizeof q);
        sqlite3_bind_text(st, 1, q, -1, SQLITE_TRANSIENT);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && j < K) {
            snprintf(out[i].hits[j].case_no, sizeof out[i].hits[j].case_no, "%s",
                     (const char *)sqlite3_column_text(st, 0));
            snprintf(out[i].hits[j].title, sizeof out[i].hits[j].title, "%s",
                     (const char *)sqlite3_column_text(st, 1));
            j++;
        }
        out[i].error = rc != SQLITE_DONE && rc != SQLITE_ROW;
        out[i].n = j;
        out[i].ms = (bench_now() - t0) * 1000; /* the page; counting all matches is not timed */
        sqlite3_reset(st);
        sqlite3_bind_text(count, 1, q, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(count) == SQLITE_ROW)
            out[i].total = sqlite3_column_int64(count, 0);
        sqlite3_reset(count);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(count);
}

static long long fts_bytes(engine *e)
{
    return file_bytes(e->path);
}

static void fts_close(engine *e)
{
    sqlite3_close(e->db);
}

/* ---- evaluation ---- */

typedef struct judged {
    char case_no[32];
    char title[256];
    int grade;
} judged;

typedef struct dev_query {
    char *text;
    judged j[MAX_JUDGED];
    int n;
} dev_query;

static int read_dev(const char *path, dev_query *out)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    int n = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) && n < MAX_QUERIES) {
        char *tab, *item, *save;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
            continue;
        *tab = 0;
        out[n].text = strdup(line);
        out[n].n = 0;
        for (item = strtok_r(tab + 1, ",", &save); item && out[n].n < MAX_JUDGED;
             item = strtok_r(NULL, ",", &save)) {
            char *bar = strchr(item, '|'), *eq = strrchr(item, '=');
            judged *jd = &out[n].j[out[n].n];
            if (bar == NULL || eq == NULL || eq < bar)
                continue;
            *bar = *eq = 0;
            snprintf(jd->case_no, sizeof jd->case_no, "%s", strcmp(item, "-") ? item : "");
            snprintf(jd->title, sizeof jd->title, "%s", bar + 1);
            jd->grade = atoi(eq + 1);
            out[n].n++;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int read_lines(const char *path, char **out)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int n = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) && n < MAX_QUERIES) {
        line[strcspn(line, "\r\n")] = 0;
        out[n++] = strdup(line);
    }
    fclose(f);
    return n;
}

static int cmp_desc(const void *a, const void *b)
{
    return *(const int *)b - *(const int *)a;
}

/* Adds one query's nDCG@10, reciprocal rank and recall@10 to sums[0..2]. */
static void score(const dev_query *q, const answer *a, double *sums)
{
    int found[MAX_JUDGED] = {0}, grades[MAX_JUDGED], i, k, relevant = 0, hit_rel = 0;
    double dcg = 0, idcg = 0, rr = 0;
    for (i = 0; i < a->n; i++) {
        int g = 0;
        for (k = 0; k < q->n; k++) {
            if (strcmp(a->hits[i].case_no, q->j[k].case_no) == 0 &&
                strncmp(a->hits[i].title, q->j[k].title, strlen(q->j[k].title)) == 0) {
                g = found[k] ? 0 : q->j[k].grade; /* a release counts once */
                found[k] = 1;
                break;
            }
        }
        dcg += (pow(2, g) - 1) / log2(i + 2.0);
        if (g > 0 && rr == 0)
            rr = 1.0 / (i + 1);
    }
    for (k = 0; k < q->n; k++) {
        grades[k] = q->j[k].grade;
        relevant += q->j[k].grade > 0;
        hit_rel += q->j[k].grade > 0 && found[k];
    }
    qsort(grades, (size_t)q->n, sizeof *grades, cmp_desc);
    for (k = 0; k < q->n && k < K; k++)
        idcg += (pow(2, grades[k]) - 1) / log2(k + 2.0);
    sums[0] += idcg > 0 ? dcg / idcg : 0;
    sums[1] += rr;
    sums[2] += relevant ? (double)hit_rel / relevant : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static engine engines[] = {
    {"jikenbo", jkb_load, jkb_run, jkb_bytes, jkb_close, NULL, "", NULL, NULL},
    {"groonga TokenMecab", grn_load, grn_run, grn_bytes, grn_close, "TokenMecab", "", NULL, NULL},
    {"groonga TokenBigram", grn_load, grn_run, grn_bytes, grn_close, "TokenBigram", "", NULL,
     NULL},
    {"sqlite fts5 trigram", fts_load, fts_run, fts_bytes, fts_close, NULL, "", NULL, NULL},
};
#define N_ENGINES (sizeof engines / sizeof engines[0])

static int relevance(const char *work, const char *sample, const char *dev_path)
{
    static dev_query dev[MAX_QUERIES];
    static char *text[MAX_QUERIES];
    static answer answers[MAX_QUERIES];
    char dir[1024];
    size_t e;
    int n, i;
    if ((n = read_dev(dev_path, dev)) <= 0)
        return 1;
    for (i = 0; i < n; i++)
        text[i] = dev[i].text;
    printf("%-22s %8s %6s %9s\n", "engine", "nDCG@10", "MRR", "recall@10");
    for (e = 0; e < N_ENGINES; e++) {
        engine *en = &engines[e];
        double sums[3] = {0, 0, 0};
        snprintf(dir, sizeof dir, "%s/sample-%zu", work, e);
        mkdir(dir, 0777);
        if (en->load(en, dir, sample) != 0) {
            printf("%-22s could not load %s\n", en->name, sample);
            continue;
        }
        en->run(en, text, n, answers, 0);
        en->close(en);
        for (i = 0; i < n; i++)
            score(&dev[i], &answers[i], sums);
        printf("%-22s %8.3f %6.3f %9.3f\n", en->name, sums[0] / n, sums[1] / n, sums[2] / n);
        fflush(stdout);
    }
    printf("(%d graded queries, one hit per release)\n", n);
    return 0;
}

typedef struct speed_row {
    double load_s, wall_s, p50, p99;
    double pass_p99[PASSES];
    long long bytes;
    int zero, errors, ok;
} speed_row;

/* The nearest-rank p99 of ms[0..n), which it sorts. */
static double p99_of(double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_double);
    return ms[(n * 99 + 99) / 100 - 1];
}

static int speed(const char *work, const char *corpus, const char *queries_path)
{
    static char *queries[MAX_QUERIES];
    static answer answers[MAX_QUERIES];
    static double pass_ms[PASSES][MAX_QUERIES];
    double ms[MAX_QUERIES];
    speed_row rows[N_ENGINES];
    char dir[1024];
    size_t e;
    int n, i, p;
    if ((n = read_lines(queries_path, queries)) <= 0)
        return 1;
    memset(rows, 0, sizeof rows);
    for (e = 0; e < N_ENGINES; e++) {
        engine *en = &engines[e];
        speed_row *r = &rows[e];
        double t0;
        snprintf(dir, sizeof dir, "%s/corpus-%zu", work, e);
        mkdir(dir, 0777);
        t0 = bench_now();
        if (en->load(en, dir, corpus) != 0) {
            printf("%-22s could not load %s\n", en->name, corpus);
            continue;
        }
        r->load_s = bench_now() - t0;
        for (p = 0; p < PASSES; p++) {
            en->run(en, queries, n, answers, 1);
            for (i = 0; i < n; i++)
                ms[i] = pass_ms[p][i] = answers[i].ms;
            r->pass_p99[p] = p99_of(ms, n);
        }
        en->close(en);
        for (i = 0; i < n; i++) {
            double t[PASSES];
            for (p = 0; p < PASSES; p++)
                t[p] = pass_ms[p][i];
            qsort(t, PASSES, sizeof *t, cmp_double);
            ms[i] = t[PASSES / 2];
            r->wall_s += ms[i] / 1000;
            r->zero += !answers[i].error && answers[i].total == 0;
            r->errors += answers[i].error;
        }
        r->p99 = p99_of(ms, n);
        r->p50 = ms[(n - 1) / 2];
        r->bytes = en->bytes(en);
        r->ok = 1;
    }
    printf("%-22s %9s %8s %12s %7s %9s %9s %9s %6s %6s\n", "engine", "build s", "x", "index bytes",
           "x", "queries s", "p50 ms", "p99 ms", "empty", "errors");
    for (e = 0; e < N_ENGINES; e++) {
        const speed_row *r = &rows[e], *j = &rows[0];
        if (!r->ok)
            continue;
        printf("%-22s %9.2f %8.2f %12lld %7.2f %9.3f %9.3f %9.3f %6d %6d\n", engines[e].name,
               r->load_s, r->load_s / j->load_s, r->bytes, (double)r->bytes / (double)j->bytes,
               r->wall_s, r->p50, r->p99, r->zero, r->errors);
    }
    printf("ratios to jikenbo: ");
    for (e = 1; e < N_ENGINES; e++)
        if (rows[e].ok)
            printf("%s queries %.2fx p99 %.2fx; ", engines[e].name,
                   rows[e].wall_s / rows[0].wall_s, rows[e].p99 / rows[0].p99);
    printf("\np99 ms of each pass alone:");
    for (e = 0; e < N_ENGINES; e++) {
        if (!rows[e].ok)
            continue;
        printf("%s %s", e ? ";" : "", engines[e].name);
        for (p = 0; p < PASSES; p++)
            printf("%s%.3f", p ? " / " : " ", rows[e].pass_p99[p]);
    }
    printf("\n(%d queries asked %d times, a query's time the median of its %d; top %d with a "
           "highlighted snippet per hit, one process each)\n", n, PASSES, PASSES, K);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "relevance") == 0)
        return relevance(argv[2], argv[3], argv[4]);
    if (argc == 5 && strcmp(argv[1], "speed") == 0)
        return speed(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: compare relevance WORKDIR SAMPLE DEV_QUERIES.tsv\n"
                    "       compare speed WORKDIR CORPUS QUERIES.txt\n");
    return 2;
}
