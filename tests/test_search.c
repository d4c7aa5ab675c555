/* Searching a small fictional index: matching, ranking, grouping, paging, snippets. */
#include "helpers.h"

#include "utf8.h"

#define ix group_index()

static const jkb_doc docs[] = {
    {"c1", "2031-101", "架空印刷 ランサムウェア被害のお知らせ", "架空印刷", "", "2031-04-02",
     "当社サーバーがランサムウェアに感染しました。委託先のお客様の情報が暗号化されました。", "", "t:1", NULL, 0},
    {"c2", "2031-101", "架空市 委託先におけるランサムウェア被害", "架空市", "", "2031-04-05",
     "本市の委託先である架空印刷でランサムウェア被害が発生しました。", "", "t:2", NULL, 0},
    {"c3", "2031-101", "架空町 委託業者の被害について", "架空町", "", "2031-04-06",
     "委託業者で障害が発生しました。詳細は調査中です。", "", "t:3", NULL, 0},
    {"t1", "2031-201", "ウイルス感染のお知らせ", "架空工業", "", "2031-05-01",
     "社内の端末で不審な動作を確認しました。", "", "t:4", NULL, 0},
    {"b1", "2031-202", "社内端末に関するお知らせ", "架空商事", "", "2031-05-01",
     "社内の端末でウイルスが見つかり、その後別の端末でも感染を確認しました。", "", "t:5", NULL, 0},
    {"a1", "2031-203", "社内端末に関するご報告", "架空物産", "", "2031-05-01",
     "社内の端末でウイルス感染を確認しました。", "", "t:6", NULL, 0},
    {"d-old", "", "メール誤送信のお詫び", "", "", "2031-01-10",
     "メールを誤って送信しました。", "", "t:7", NULL, 0},
    {"d-new", "", "メール誤送信のお詫び", "", "", "2031-03-10",
     "メールを誤って送信しました。", "", "t:8", NULL, 0},
};

static int setup(void **state)
{
    (void)state;
    return setup_index_of(docs, sizeof docs / sizeof docs[0]);
}

static jkb_results *search(const char *q, size_t limit, size_t offset, int no_group)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    o.limit = limit;
    o.offset = offset;
    o.no_group = no_group;
    if (jkb_search(ix, q, &o, &r) != 0)
        fail_msg("search \"%s\": %s", q, jkb_index_errmsg(ix));
    return r;
}

static const char *ids(const jkb_results *r, char *buf, size_t cap)
{
    size_t i, len = 0;
    buf[0] = 0;
    for (i = 0; i < jkb_results_count(r); i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "",
                                jkb_results_hit(r, i)->id);
    return buf;
}

static const struct {
    const char *query;
    int no_group;
    const char *ids; /* in rank order */
} rows[] = {
    /* every word must match; the title counts more than the body */
    {"ランサムウェア 委託先", 1, "c2 c1"},
    /* a word MeCab splits: adjacent parts rank first */
    {"ウイルス感染", 1, "t1 a1 b1"},
    /* the same spelling variants meet */
    {"ランサムウエア", 1, "c1 c2"},
    /* equal scores: the newer release first */
    {"誤送信", 1, "d-new d-old"},
    /* grouped: one hit for the case, its best release */
    {"ランサムウェア", 0, "c1"},
    {"存在しない語句", 1, ""},
};

static void test_ranking(void **state)
{
    size_t i;
    char buf[256];
    (void)state;
    need_dictionary();
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        jkb_results *r = search(rows[i].query, 10, 0, rows[i].no_group);
        if (strcmp(ids(r, buf, sizeof buf), rows[i].ids) != 0)
            fail_msg("\"%s\"%s: got [%s], expected [%s]", rows[i].query,
                     rows[i].no_group ? " --no-group" : "", buf, rows[i].ids);
        jkb_results_free(r);
    }
}

static void test_grouping(void **state)
{
    jkb_results *r;
    const jkb_hit *h;
    (void)state;
    need_dictionary();
    r = search("委託先", 10, 0, 0);
    assert_int_equal(jkb_results_total(r), 1);
    assert_int_equal(jkb_results_count(r), 1);
    h = jkb_results_hit(r, 0);
    assert_string_equal(h->case_no, "2031-101");
    /* the other two releases, oldest first, whether they match or not */
    assert_int_equal(h->n_related, 2);
    {
        const jkb_related *x = &h->related[0], *y = &h->related[1];
        const char *other = strcmp(h->id, "c1") == 0 ? "c2" : "c1";
        assert_string_equal(x->id, other);
        assert_true(x->matched);
        assert_string_equal(y->id, "c3");
        assert_false(y->matched);
        assert_string_equal(y->date, "2031-04-06");
    }
    jkb_results_free(r);
    r = search("委託先", 10, 0, 1);
    assert_int_equal(jkb_results_total(r), 2);
    assert_int_equal(jkb_results_hit(r, 0)->n_related, 0);
    jkb_results_free(r);
}

/* Paging with offset visits every hit exactly once, in the order of the full list. */
static void test_paging(void **state)
{
    const char *queries[] = {"お知らせ", "端末", "メール"};
    size_t qi, i;
    int no_group;
    (void)state;
    need_dictionary();
    for (qi = 0; qi < 3; qi++) {
        for (no_group = 0; no_group < 2; no_group++) {
            jkb_results *all = search(queries[qi], 100, 0, no_group);
            uint64_t total = jkb_results_total(all);
            assert_int_equal(jkb_results_count(all), total);
            assert_true(total > 0);
            for (i = 0; i < total; i++) {
                jkb_results *page = search(queries[qi], 1, i, no_group);
                assert_int_equal(jkb_results_count(page), 1);
                assert_string_equal(jkb_results_hit(page, 0)->id, jkb_results_hit(all, i)->id);
                jkb_results_free(page);
            }
            {
                jkb_results *past = search(queries[qi], 1, total, no_group);
                assert_int_equal(jkb_results_count(past), 0);
                jkb_results_free(past);
            }
            jkb_results_free(all);
        }
    }
}

/* The text a highlight covers, as a string. */
static void highlighted(const char *snippet, uint32_t start, uint32_t len, char *out, size_t cap)
{
    const uint8_t *s = (const uint8_t *)snippet;
    size_t n = strlen(snippet), b, e;
    uint32_t c;
    for (b = 0, c = 0; b < n && c < start; b++)
        c += (s[b + 1] & 0xC0) != 0x80 || b + 1 == n;
    for (e = b, c = 0; e < n && c < len; e++)
        c += (s[e + 1] & 0xC0) != 0x80 || e + 1 == n;
    snprintf(out, cap, "%.*s", (int)(e - b), snippet + b);
}

static void test_snippets(void **state)
{
    jkb_results *r;
    const jkb_hit *h;
    char word[128];
    size_t i;
    (void)state;
    need_dictionary();
    r = search("ランサムウェア 委託先", 10, 0, 1);
    for (i = 0; i < jkb_results_count(r); i++) {
        h = jkb_results_hit(r, i);
        assert_int_equal(jkb__utf8_invalid_at((const uint8_t *)h->snippet, strlen(h->snippet)),
                         strlen(h->snippet));
        assert_true(h->n_highlights >= 2);
    }
    h = jkb_results_hit(r, 0);
    assert_string_equal(h->id, "c2");
    /* both words, the split one (委託 + 先) highlighted whole */
    assert_non_null(strstr(h->snippet, "委託先"));
    highlighted(h->snippet, h->highlights[0], h->highlights[1], word, sizeof word);
    assert_string_equal(word, "委託先");
    highlighted(h->snippet, h->highlights[2], h->highlights[3], word, sizeof word);
    assert_string_equal(word, "ランサムウェア");
    jkb_results_free(r);

    /* a variant spelling in the query highlights the text's own spelling */
    r = search("ランサムウエア", 10, 0, 1);
    h = jkb_results_hit(r, 0);
    highlighted(h->snippet, h->highlights[0], h->highlights[1], word, sizeof word);
    assert_string_equal(word, "ランサムウェア");
    jkb_results_free(r);
}

static void test_bad_queries(void **state)
{
    jkb_results *r = NULL;
    (void)state;
    need_dictionary();
    assert_int_equal(jkb_search(ix, "", NULL, &r), JKB_EQUERY);
    assert_null(r);
    assert_int_equal(jkb_index_erroffset(ix), 0);
    assert_int_equal(jkb_search(ix, "   　 ", NULL, &r), JKB_EQUERY);
    assert_int_equal(jkb_search(ix, "、 「」", NULL, &r), JKB_EQUERY); /* symbols only */
    assert_non_null(strstr(jkb_index_errmsg(ix), "no searchable word"));
    assert_int_equal(jkb_search(ix, "ab\xFF", NULL, &r), JKB_EQUERY);
    assert_int_equal(jkb_index_erroffset(ix), 2);
    /* a word that analyses to nothing is dropped, the rest still searched */
    r = search("「」 ランサムウェア", 10, 0, 1);
    assert_int_equal(jkb_results_total(r), 2);
    jkb_results_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking),
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_paging),
        cmocka_unit_test(test_snippets),
        cmocka_unit_test(test_bad_queries),
    };
    return cmocka_run_group_tests(tests, setup, teardown_index);
}
