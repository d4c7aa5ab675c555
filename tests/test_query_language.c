/* The query language end to end over ../shared/corpus/casebook-sample.txt: every operator,
   precedence case and filter with releases that must and must not come back, every malformed
   query with the offset of its error, --explain adding up, and paging. */
#include <math.h>

#include "helpers.h"
#include "postings.h"

#define ix group_index()

/* The sample's releases in the file's order: the tests name them by case number and place,
   not by their text. */
static struct {
    char *id;
    char *case_no;
    char *label;
} releases[256];
static size_t n_releases;

static int setup(void **state)
{
    char path[512];
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *d;
    (void)state;
    snprintf(path, sizeof path, "%s/corpus/casebook-sample.txt", JKB_SHARED_DIR);
    if (access(JKB_DEFAULT_DICDIR "/sys.dic", R_OK) != 0 || access(path, R_OK) != 0)
        return 0; /* each test skips, or fails under CI */
    setup_group_dir(NULL);
    o.create = 1;
    if (jkb_index_open(&ix, group_dir(), &o) != 0 || jkb_reader_open(&r, path, NULL) != 0)
        return -1;
    while (jkb_reader_next(r, &d) > 0) {
        if (n_releases == sizeof releases / sizeof releases[0] || jkb_index_add(ix, d) != 0)
            return -1;
        releases[n_releases].id = strdup(d->id);
        releases[n_releases].case_no = strdup(d->case_no);
        releases[n_releases++].label = strdup(d->label);
    }
    jkb_reader_close(r);
    return jkb_index_commit(ix);
}

static int teardown(void **state)
{
    size_t i;
    for (i = 0; i < n_releases; i++) {
        free(releases[i].id);
        free(releases[i].case_no);
        free(releases[i].label);
    }
    return teardown_index(state);
}


static void need_sample(void)
{
    char path[512];
    need_dictionary();
    shared_file(path, sizeof path, "corpus/casebook-sample.txt");
}

/* Whether a hit is the release ref names: "CASE" any release of a case, "CASE/N" its N-th in
   the sample's order, "-/N" the N-th without a case. */
static int is(const jkb_hit *h, const char *ref)
{
    const char *slash = strchr(ref, '/');
    size_t clen = slash ? (size_t)(slash - ref) : strlen(ref), i, nth = 0;
    if (clen == 1 && ref[0] == '-')
        clen = 0;
    if (strlen(h->case_no) != clen || strncmp(h->case_no, ref, clen) != 0)
        return 0;
    if (slash == NULL)
        return 1;
    for (i = 0; i < n_releases; i++)
        if (strcmp(releases[i].case_no, h->case_no) == 0 &&
            ++nth == (size_t)atoi(slash + 1))
            return strcmp(releases[i].id, h->id) == 0;
    return 0;
}

static jkb_results *run(const char *query, size_t limit, size_t offset, int grouped)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    o.limit = limit;
    o.offset = offset;
    o.no_group = !grouped;
    if (jkb_search(ix, query, &o, &r) != 0)
        fail_msg("\"%s\": %s", query, jkb_index_errmsg(ix));
    return r;
}

#define MAX_LIST 6
static const struct {
    const char *query;
    size_t total; /* releases, --no-group */
    const char *must[MAX_LIST];
    const char *must_not[MAX_LIST];
} rows[] = {
    {"ランサムウェア", 5, {"2024-217/1", "2024-028", "-/3"}, {"2024-230"}},
    /* OR and | */
    {"ランサムウェア OR フィッシング", 7, {"2024-230", "2024-217/1"}, {"2024-226"}},
    {"ランサムウェア | フィッシング", 7, {"2024-230", "2024-217/1"}, {"2024-226"}},
    /* NOT */
    {"ランサムウェア -委託", 2, {"2024-028", "-/3"}, {"2024-217/1", "2024-215"}},
    {"-ランサムウェア 委託先", 1, {"2024-228"}, {"2024-217/1"}},
    {"ランサムウェア -(委託 OR 印刷)", 2, {"2024-028"}, {"2024-217/1"}},
    /* precedence: A B OR C is A AND (B OR C); parentheses change it */
    {"委託 ランサムウェア OR フィッシング", 4, {"2024-217/1", "2024-229"}, {"2024-230"}},
    {"(委託 ランサムウェア) OR フィッシング", 5, {"2024-230", "2024-217/1"}, {"2024-028"}},
    /* phrases: adjacent, across a particle */
    {"\"個人情報の漏えい\"", 8, {"2024-235", "2024-212"}, {"2024-217/1"}},
    {"「ドメイン盗難」", 1, {"2024-226"}, {NULL}},
    /* prefix */
    {"ランサム* 委託", 3, {"2024-217/1"}, {"2024-028"}},
    /* fields */
    {"case:2024-217", 3, {"2024-217/1", "2024-217/2", "2024-217/3"}, {"2024-115"}},
    {"#2024-115", 2, {"2024-115/1", "2024-115/2"}, {NULL}},
    {"#2024-217 茅ケ崎市", 1, {"2024-217/2"}, {"2024-217/1"}},
    {"org:徳島県", 1, {"2024-217/1"}, {"2024-217/2"}},
    {"title:ドメイン", 1, {"2024-226"}, {"2024-222"}},
    {"body:ドメイン", 4, {"2024-226", "2024-222"}, {NULL}},
    {"USBメモリ -case:2024-212", 2, {"2024-225"}, {"2024-212"}},
    /* dates: ranges, open ends, comparisons, periods */
    {"date:2024-04-01..2024-04-30", 2, {"2024-209", "2024-208"}, {"2024-224"}},
    {"date:..2024-04-20", 1, {"2024-208"}, {"2024-209"}},
    {"date:>=2024-06-05", 4, {"2024-235", "2024-217/1"}, {"2024-230"}},
    {"date:<2024-05", 2, {"2024-209", "2024-208"}, {NULL}},
    {"date:2024-04", 2, {"2024-208"}, {NULL}},
    {"ランサム* date:2024-05", 2, {"2024-028", "2024-215"}, {"2024-217/1"}},
    /* an unknown field name is text */
    {"A05:2021", 0, {NULL}, {NULL}},
};

static void test_operators_and_filters(void **state)
{
    size_t i, j, k;
    (void)state;
    need_sample();
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        jkb_results *r = run(rows[i].query, 100, 0, 0);
        if (jkb_results_total(r) != rows[i].total)
            fail_msg("\"%s\": %llu releases, expected %zu", rows[i].query,
                     (unsigned long long)jkb_results_total(r), rows[i].total);
        for (j = 0; j < MAX_LIST && rows[i].must[j]; j++) {
            for (k = 0; k < jkb_results_count(r) && !is(jkb_results_hit(r, k), rows[i].must[j]);
                 k++)
                ;
            if (k == jkb_results_count(r))
                fail_msg("\"%s\": %s missing", rows[i].query, rows[i].must[j]);
        }
        for (j = 0; j < MAX_LIST && rows[i].must_not[j]; j++)
            for (k = 0; k < jkb_results_count(r); k++)
                if (is(jkb_results_hit(r, k), rows[i].must_not[j]))
                    fail_msg("\"%s\": %s came back", rows[i].query, rows[i].must_not[j]);
        jkb_results_free(r);
    }
}

/* label: finds each release by the caption the sample gives it. */
static void test_label_filter(void **state)
{
    size_t i, k, labels = 0;
    (void)state;
    need_sample();
    for (i = 0; i < n_releases; i++) {
        char query[256];
        jkb_results *r;
        if (releases[i].label[0] == 0)
            continue;
        labels++;
        snprintf(query, sizeof query, "label:%s", releases[i].label);
        r = run(query, 100, 0, 0);
        for (k = 0; k < jkb_results_count(r) && strcmp(jkb_results_hit(r, k)->id, releases[i].id);
             k++)
            ;
        if (k == jkb_results_count(r))
            fail_msg("\"%s\": %s missing", query, releases[i].id);
        jkb_results_free(r);
    }
    assert_true(labels > 0);
}

static const struct {
    const char *query;
    long offset; /* code points */
} malformed[] = {
    {"", 0},
    {"\"個人情報", 0},
    {"委託 「ドメイン", 3},
    {"(ランサムウェア 委託", 0},
    {"ランサムウェア )", 8},
    {"()", 1},
    {"OR 委託", 0},
    {"委託 OR", 3},
    {"委託 | | 印刷", 3},
    {"委託 -", 3},
    {"- 委託", 0},
    {"-委託", 0},
    {"date:2024-13", 5},
    {"委託 date:yesterday", 8},
    {"date:2024-01..x", 5},
    {"case:", 5},
    {"、 「」", 0},
};

static void test_malformed(void **state)
{
    size_t i;
    (void)state;
    need_sample();
    for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        jkb_results *r = NULL;
        int rc = jkb_search(ix, malformed[i].query, NULL, &r);
        if (rc != JKB_EQUERY)
            fail_msg("\"%s\": %d, expected a malformed query", malformed[i].query, rc);
        assert_null(r);
        if (jkb_index_erroffset(ix) != malformed[i].offset)
            fail_msg("\"%s\": error at %ld, expected %ld (%s)", malformed[i].query,
                     jkb_index_erroffset(ix), malformed[i].offset, jkb_index_errmsg(ix));
    }
}

/* The explanation's parts add up to the score, for every hit of several queries. */
static void test_explain_adds_up(void **state)
{
    const char *queries[] = {"ランサムウェア 委託先", "個人情報 漏えい OR 流出", "title:不正アクセス 被害",
                             "ランサム* 委託"};
    size_t qi, i, j;
    int f;
    (void)state;
    need_sample();
    for (qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
        jkb_results *r;
        o.explain = 1;
        o.limit = 20;
        assert_int_equal(jkb_search(ix, queries[qi], &o, &r), 0);
        assert_true(jkb_results_count(r) > 0);
        for (i = 0; i < jkb_results_count(r); i++) {
            const jkb_hit *h = jkb_results_hit(r, i);
            double sum = h->proximity;
            assert_true(h->n_explain > 0);
            for (j = 0; j < h->n_explain; j++)
                for (f = 0; f < JKB_FIELDS; f++)
                    sum += h->explain[j].field[f];
            if (fabs(sum - h->score) > 1e-9 * (1 + h->score))
                fail_msg("\"%s\" hit %s: parts add up to %.12f, score %.12f", queries[qi], h->id,
                         sum, h->score);
        }
        jkb_results_free(r);
    }
}

/* Field weights are the caller's: with the title weighted 0, titles add nothing. */
static void test_weights(void **state)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    size_t i, j;
    (void)state;
    need_sample();
    o.explain = 1;
    o.no_group = 1;
    o.limit = 50;
    o.weights[JKB__FIELD_TITLE] = 0;
    o.weights[JKB__FIELD_BODY] = 1;
    assert_int_equal(jkb_search(ix, "ドメイン", &o, &r), 0);
    assert_true(jkb_results_count(r) >= 2);
    for (i = 0; i < jkb_results_count(r); i++) {
        const jkb_hit *h = jkb_results_hit(r, i);
        for (j = 0; j < h->n_explain; j++)
            assert_true(h->explain[j].field[JKB__FIELD_TITLE] == 0);
    }
    jkb_results_free(r);
}

/* Paging through results with offset visits every hit exactly once. */
static void test_paging(void **state)
{
    const char *queries[] = {"個人情報 OR 不正アクセス", "date:2024-05 -ランサムウェア", "不正アクセス"};
    size_t qi, i, j;
    int grouped;
    (void)state;
    need_sample();
    for (qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        for (grouped = 0; grouped < 2; grouped++) {
            jkb_results *all = run(queries[qi], 1000, 0, grouped);
            size_t total = (size_t)jkb_results_total(all), seen = 0;
            char ids[64][64];
            assert_true(total > 2 && total <= 64);
            assert_int_equal(jkb_results_count(all), total);
            for (i = 0; i < total; i += 3) { /* pages of three */
                jkb_results *page = run(queries[qi], 3, i, grouped);
                for (j = 0; j < jkb_results_count(page); j++, seen++) {
                    snprintf(ids[seen], sizeof ids[seen], "%s", jkb_results_hit(page, j)->id);
                    assert_string_equal(ids[seen], jkb_results_hit(all, seen)->id);
                }
                jkb_results_free(page);
            }
            assert_int_equal(seen, total);
            for (i = 0; i < seen; i++)
                for (j = i + 1; j < seen; j++)
                    assert_string_not_equal(ids[i], ids[j]);
            jkb_results_free(all);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators_and_filters),
        cmocka_unit_test(test_label_filter),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_explain_adds_up),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_paging),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
