/* The query language end to end over ../shared/corpus/casebook-sample.txt: every operator,
   precedence case and filter with releases that must and must not come back, every malformed
   query with the offset of its error, --explain adding up, and paging. */
#include <math.h>

#include "helpers.h"
#include "postings.h"

#define ix group_index()

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
    while (jkb_reader_next(r, &d) > 0)
        if (jkb_index_add(ix, d) != 0)
            return -1;
    jkb_reader_close(r);
    return jkb_index_commit(ix);
}


static void need_sample(void)
{
    char path[512];
    need_dictionary();
    shared_file(path, sizeof path, "corpus/casebook-sample.txt");
}

/* Whether a hit is the release "CASE|title start" ("-" for no case). */
static int is(const jkb_hit *h, const char *release)
{
    const char *bar = strchr(release, '|');
    size_t clen = (size_t)(bar - release);
    if (clen == 1 && release[0] == '-')
        clen = 0;
    return strlen(h->case_no) == clen && strncmp(h->case_no, release, clen) == 0 &&
           strncmp(h->title, bar + 1, strlen(bar + 1)) == 0;
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
    {"ランサムウェア", 5, {"2024-217|徳島県", "2024-028|株式会社ほくやく", "-|ランサムウェアギャング"},
     {"2024-230|明治薬科大学"}},
    /* OR and | */
    {"ランサムウェア OR フィッシング", 7, {"2024-230|明治薬科大学", "2024-217|徳島県"}, {"2024-226|夢展望"}},
    {"ランサムウェア | フィッシング", 7, {"2024-230|明治薬科大学", "2024-217|徳島県"}, {"2024-226|夢展望"}},
    /* NOT */
    {"ランサムウェア -委託", 2, {"2024-028|株式会社ほくやく", "-|ランサムウェアギャング"},
     {"2024-217|徳島県", "2024-215|株式会社フォーバル"}},
    {"-ランサムウェア 委託先", 1, {"2024-228|ビルコム"}, {"2024-217|徳島県"}},
    {"ランサムウェア -(委託 OR 印刷)", 2, {"2024-028|株式会社ほくやく"}, {"2024-217|徳島県"}},
    /* precedence: A B OR C is A AND (B OR C); parentheses change it */
    {"委託 ランサムウェア OR フィッシング", 4, {"2024-217|徳島県", "2024-229|株式会社ワークポート"},
     {"2024-230|明治薬科大学"}},
    {"(委託 ランサムウェア) OR フィッシング", 5, {"2024-230|明治薬科大学", "2024-217|徳島県"},
     {"2024-028|株式会社ほくやく"}},
    /* phrases: adjacent, across a particle */
    {"\"個人情報の漏えい\"", 8, {"2024-235|日経BP", "2024-212|川崎市"}, {"2024-217|徳島県"}},
    {"「ドメイン盗難」", 1, {"2024-226|夢展望"}, {NULL}},
    /* prefix */
    {"ランサム* 委託", 3, {"2024-217|徳島県"}, {"2024-028|株式会社ほくやく"}},
    /* fields */
    {"case:2024-217", 3, {"2024-217|徳島県", "2024-217|茅ケ崎市", "2024-217|藤沢市"}, {"2024-115|"}},
    {"#2024-115", 2, {"2024-115|ワークスタイルテック", "2024-115|株式会社イオンイーハート"}, {NULL}},
    {"#2024-217 茅ケ崎市", 1, {"2024-217|茅ケ崎市"}, {"2024-217|徳島県"}},
    {"org:徳島県", 1, {"2024-217|徳島県"}, {"2024-217|茅ケ崎市"}},
    {"label:イセトー", 1, {"2024-217|徳島県"}, {NULL}},
    {"title:ドメイン", 1, {"2024-226|夢展望"}, {"2024-222|滋賀県立"}},
    {"body:ドメイン", 4, {"2024-226|夢展望", "2024-222|滋賀県立"}, {NULL}},
    {"USBメモリ -case:2024-212", 2, {"2024-225|えちご上越"}, {"2024-212|川崎市"}},
    /* dates: ranges, open ends, comparisons, periods */
    {"date:2024-04-01..2024-04-30", 2, {"2024-209|", "2024-208|山口県"}, {"2024-224|上尾市"}},
    {"date:..2024-04-20", 1, {"2024-208|山口県"}, {"2024-209|"}},
    {"date:>=2024-06-05", 4, {"2024-235|日経BP", "2024-217|徳島県"}, {"2024-230|明治薬科大学"}},
    {"date:<2024-05", 2, {"2024-209|", "2024-208|山口県"}, {NULL}},
    {"date:2024-04", 2, {"2024-208|山口県"}, {NULL}},
    {"ランサム* date:2024-05", 2, {"2024-028|株式会社ほくやく", "2024-215|株式会社フォーバル"},
     {"2024-217|徳島県"}},
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
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_explain_adds_up),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_paging),
    };
    return cmocka_run_group_tests(tests, setup, teardown_index);
}
