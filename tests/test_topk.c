/*
 * Top-k pruning: a query walked one document at a time, passing over postings blocks which
 * cannot reach its page, finds the same page as through document sets scoring every match,
 * for any weights, paging and grouping, over an index written in several commits whose
 * average lengths drift, with replaced and deleted releases.
 */
#include <math.h>

#include "helpers.h"
#include "match.h"

#define N_DOCS 3000
#define N_CASES 400

#define ix group_index()

static unsigned rng = 12345;

static unsigned next_rand(unsigned n)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) % n;
}

static const char *const sentences[] = {
    "ランサムウェアによるファイルの暗号化が確認されました。",
    "社内の共有サーバに対し外部から侵入された痕跡が見つかりました。",
    "偽装メールの添付ファイルからマルウェアに感染したと判明しました。",
    "設定の誤りにより個人情報が閲覧可能な状態となっていました。",
    "現在、外部の専門機関と連携して調査を進めております。",
    "委託先が運用するサーバで不正なアクセスがありました。",
    "関係する取引先への個別の連絡を順次行っております。",
    "脆弱性を突いた攻撃で顧客データが外部に送られたおそれがあります。",
};

/* Release i of a commit whose bodies have between min and max sentences. Four in 500, side
   by side, are about ランサムウェア (in their titles, and again and again in their bodies): the
   releases that make that word's page of releases, which the blocks of the other releases
   cannot reach. */
static void add_release(unsigned i, unsigned min, unsigned max, unsigned version)
{
    char id[32], case_no[32], title[256], body[8192];
    size_t len = 0;
    unsigned k, n = min + next_rand(max - min + 1);
    int focus = i % 500 < 4;
    jkb_doc d;
    memset(&d, 0, sizeof d);
    snprintf(id, sizeof id, "r-%05u", i);
    /* the releases about it fall in three cases: their page of cases needs others too */
    snprintf(case_no, sizeof case_no, "2025-%u", 1 + next_rand(focus ? 3 : N_CASES));
    snprintf(title, sizeof title, "%s%s第%u報", i < 300 ? "速報 " : "",
             focus ? sentences[0] : sentences[1 + next_rand(7)], version);
    for (k = 0; k < n + (focus ? 6 : 0); k++)
        len += (size_t)snprintf(body + len, sizeof body - len, "%s",
                                sentences[focus && k < 6 ? 0 : next_rand(8)]);
    d.id = id;
    d.case_no = next_rand(5) == 0 && !focus ? "" : case_no;
    d.title = title;
    d.org = "";
    d.label = "";
    d.date = "2025-04-01";
    d.body = body;
    d.url = "";
    d.source_ref = "";
    assert_int_equal(jkb_index_add(ix, &d), 0);
}

/* A release of no case, titled お知らせ, with id prefix-i. */
static void add_notice(const char *prefix, unsigned i, const char *date, const char *body)
{
    char id[32];
    jkb_doc d;
    memset(&d, 0, sizeof d);
    snprintf(id, sizeof id, "%s-%05u", prefix, i);
    d.id = id;
    d.case_no = "";
    d.title = "お知らせ";
    d.org = "";
    d.label = "";
    d.date = date;
    d.body = body;
    d.url = "";
    d.source_ref = "";
    assert_int_equal(jkb_index_add(ix, &d), 0);
}

/* Release i of the last commit, about 緊急対応: far apart, its parts many times (a high
   BM25F, no proximity), or standing together once (a lower BM25F, the whole boost of a
   word split in two). The second kind, after the first and in postings blocks of their
   own, make the page: their blocks cannot reach a floor of BM25F plus the largest boost. */
static void add_urgent(unsigned i, int together)
{
    char body[4096];
    size_t len = 0;
    unsigned k;
    if (together) /* the last, shorter, make the page */
        len += (size_t)snprintf(body, sizeof body, "緊急対応を行いました。%s%s", sentences[4],
                                i < 450 ? sentences[6] : "");
    for (k = 0; !together && k < 12; k++)
        len += (size_t)snprintf(body + len, sizeof body - len, "緊急の点検です。%s対応します。",
                                sentences[1 + next_rand(7)]);
    add_notice("u", i, "2025-05-01", body);
}

/* Release i of the last commit about 復旧作業: first a few with its parts standing together,
   then many with them far apart (a lower BM25F, no boost). Only a floor that holds the
   first ones' boost passes over the blocks of the others. */
static void add_recovery(unsigned i)
{
    char body[4096];
    if (i < 20)
        snprintf(body, sizeof body, "復旧作業を終えました。");
    else
        snprintf(body, sizeof body, "復旧の見込みについて。%s%s%s作業を続けます。",
                 sentences[1 + next_rand(7)], sentences[1 + next_rand(7)],
                 sentences[1 + next_rand(7)]);
    add_notice("w", i, "2025-06-01", body);
}

static int setup(void **state)
{
    jkb_options o = JKB_OPTIONS_INIT;
    unsigned i;
    (void)state;
    if (access("/var/lib/mecab/dic/ipadic-utf8/sys.dic", R_OK) != 0)
        return 0;
    setup_group_dir(NULL);
    o.create = 1;
    if (jkb_index_open(&group_index(), group_dir(), &o) != 0)
        return -1;
    /* short releases first, then longer ones: later commits have larger averages */
    for (i = 0; i < N_DOCS; i++) {
        add_release(i, i < N_DOCS / 3 ? 2 : 3, i < N_DOCS / 3 ? 6 : 8, 1);
        if ((i + 1) % (N_DOCS / 3) == 0 && jkb_index_commit(ix) != 0)
            return -1;
    }
    /* some replaced, some deleted */
    for (i = 0; i < N_DOCS; i += 7)
        add_release(i, 2, 10, 2);
    for (i = 3; i < N_DOCS; i += 11) {
        char id[32];
        snprintf(id, sizeof id, "r-%05u", i);
        if (jkb_index_delete(ix, id) != 0)
            return -1;
    }
    if (jkb_index_commit(ix) != 0)
        return -1;
    for (i = 0; i < 600; i++)
        add_urgent(i, i >= 300);
    for (i = 0; i < 600; i++)
        add_recovery(i);
    return jkb_index_commit(ix) == 0 && jkb_index_check(ix) == 0 ? 0 : -1;
}

static jkb_results *search(const char *q, const jkb_search_options *o, int walking)
{
    jkb_results *r;
    jkb__matcher_walking = walking;
    if (jkb_search(ix, q, o, &r) != 0)
        fail_msg("%s: %s", q, jkb_index_errmsg(ix));
    jkb__matcher_walking = 1;
    return r;
}

/* The page found with pruning is the page found scoring everything; says if it pruned. */
static int same_page(const char *q, const jkb_search_options *o)
{
    jkb_results *all = search(q, o, 0), *top = search(q, o, 1);
    size_t i, j, n = jkb_results_count(all);
    int pruned = !jkb_results_total_exact(top);
    assert_true(jkb_results_total_exact(all));
    assert_int_equal(jkb_results_count(top), n);
    for (i = 0; i < n; i++) {
        const jkb_hit *a = jkb_results_hit(all, i), *b = jkb_results_hit(top, i);
        if (strcmp(a->id, b->id) != 0 || a->score != b->score)
            fail_msg("\"%s\" (offset %zu, %s): hit %zu is %s %.6f, not %s %.6f", q, o->offset,
                     o->no_group ? "releases" : "cases", i, b->id, b->score, a->id, a->score);
        assert_string_equal(a->snippet, b->snippet);
        assert_int_equal(a->n_related, b->n_related);
        for (j = 0; j < a->n_related; j++) {
            assert_string_equal(a->related[j].id, b->related[j].id);
            assert_int_equal(a->related[j].matched, b->related[j].matched);
        }
    }
    /* a pruned total counts the documents scored: a lower bound */
    assert_true(jkb_results_total(top) <= jkb_results_total(all));
    if (!pruned)
        assert_int_equal(jkb_results_total(top), jkb_results_total(all));
    jkb_results_free(all);
    jkb_results_free(top);
    return pruned;
}

static void test_same_pages(void **state)
{
    static const char *const queries[] = {
        "ランサムウェア", "サーバ", "調査", "個人情報", "攻撃", "取引先", "マルウェア 感染",
        "ランサムウェア 調査", "委託先 サーバ", "外部 アクセス", "暗号化 第2報",
        "ランサムウェア OR 暗号化", "(ランサムウェア | マルウェア) 調査", "\"外部から侵入\" サーバ",
        "ランサムウェア -調査", "ランサムウェアによる暗号化",
        "速報 OR ランサムウェア", /* a word of the first releases only, or one of all */
        "緊急対応",
        "title:ランサムウェア", "title:ランサムウェア 調査", /* held in the body too */
    };
    static const double weights[][JKB_FIELDS] = {
        {0, 0, 0, 0}, {10, 1, 1, 1}, {0, 0, 1, 0}, {1, 1, 4, 1},
    };
    jkb_search_options releases = JKB_SEARCH_OPTIONS_INIT;
    size_t q, w, pruned = 0, runs = 0;
    (void)state;
    need_dictionary();
    releases.no_group = 1;
    assert_true(same_page("ランサムウェア", &releases));
    assert_true(same_page("復旧作業", &releases));
    same_page("\"復旧作業\"", &releases); /* its parts far apart hold both terms */
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        for (w = 0; w < sizeof weights / sizeof weights[0]; w++) {
            jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
            memcpy(o.weights, weights[w], sizeof o.weights);
            pruned += (size_t)same_page(queries[q], &o);
            o.no_group = 1;
            pruned += (size_t)same_page(queries[q], &o);
            o.offset = 20;
            o.limit = 5;
            pruned += (size_t)same_page(queries[q], &o);
            o.no_group = 0;
            pruned += (size_t)same_page(queries[q], &o);
            runs += 4;
        }
    }
    /* The comparison means something only if blocks were passed over: the page of the word
       a few releases are about is found without scoring every release that mentions it. */
    if (pruned == 0)
        fail_msg("none of %zu searches passed over a block", runs);
}

/* A term the page needs: once the floor is above what a release without ランサムウェア can
   score (痕跡 alone, in blocks that also hold releases about ランサムウェア), only releases
   holding it are scored, fewer than hold it. */
static void test_needed_term(void **state)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *needed, *either;
    (void)state;
    need_dictionary();
    o.no_group = 1;
    assert_true(same_page("ランサムウェア OR 痕跡", &o));
    assert_true(same_page("ランサムウェア OR 痕跡 OR 委託先", &o));
    needed = search("ランサムウェア", &o, 0);
    either = search("ランサムウェア OR 痕跡", &o, 1);
    assert_true(jkb_results_total_exact(needed));
    assert_true(jkb_results_total(either) < jkb_results_total(needed));
    jkb_results_free(needed);
    jkb_results_free(either);
}

/* A release holding both words whose rarer word alone, with the other's block bound, leaves
   it below the floor is passed over before the other is sought: no block of ランサムウェア
   and 調査 can be passed over (the releases about ランサムウェア are spread among them), yet
   fewer releases are scored than hold both. */
static void test_lead_term(void **state)
{
    static const char *const queries[] = {"ランサムウェア 調査", "調査 ランサムウェア"};
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    size_t q;
    (void)state;
    need_dictionary();
    o.no_group = 1;
    for (q = 0; q < 2; q++) {
        jkb_results *all = search(queries[q], &o, 0), *top = search(queries[q], &o, 1);
        assert_true(same_page(queries[q], &o));
        assert_true(jkb_results_total(top) < jkb_results_total(all) * 3 / 4);
        jkb_results_free(all);
        jkb_results_free(top);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_pages),
        cmocka_unit_test(test_needed_term),
        cmocka_unit_test(test_lead_term),
    };
    return cmocka_run_group_tests(tests, setup, teardown_index);
}
