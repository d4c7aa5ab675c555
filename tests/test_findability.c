/* What an analyst types finds what the notices say: variants, compounds, partial words. */
#include <math.h>

#include "helpers.h"

#define ix group_index()

/* Fictional releases, each holding one spelling. */
static const jkb_doc docs[] = {
    {"virus", "", "端末の調査", "", "", "", "社内の端末でコンピューターウイルスを検知しました。", "", "", NULL, 0},
    {"place", "", "事務所の移転", "", "", "", "本社を東京都新宿区に移転しました。", "", "", NULL, 0},
    {"ransom-e", "", "被害の報告", "", "", "", "ランサムウェアによる暗号化被害が発生しました。", "", "", NULL, 0},
    {"ransom-ue", "", "被害のご報告", "", "", "", "ランサムウエアの攻撃を受けました。", "", "", NULL, 0},
    {"server", "", "障害のお知らせ", "", "", "", "サーバが停止しました。", "", "", NULL, 0},
    {"leak", "", "個人情報の件", "", "", "", "個人情報が漏えいした可能性があります。", "", "", NULL, 0},
    {"typo", "", "誤送信の件", "", "", "", "宛先をgmeilと入力しました。", "", "", NULL, 0},
    {"org", "", "元旦ビューティ工業のお知らせ", "", "", "", "弊社サイトを更新しました。", "", "", NULL, 0},
    {"locker", "", "アプリの紹介", "", "", "", "Dot Lockerというアプリです。", "", "", NULL, 0},
    {"unknown", "", "新製品の比較", "", "", "", "ザムテツクという新しいサービスとQuorblexを試しました。",
     "", "", NULL, 0},
    /* MeCab keeps スマートフォン whole before 向け, splits it before を */
    {"phone-whole", "", "アプリの公開", "", "", "", "新しいスマートフォン向けアプリを公開しました。", "",
     "", NULL, 0},
    {"phone-parts", "", "端末の紛失", "", "", "", "社員がスマートフォンを紛失しました。", "", "", NULL, 0},
};

static int setup(void **state)
{
    (void)state;
    return setup_index_of(docs, sizeof docs / sizeof docs[0]);
}

/* The ids a query finds, sorted, space-separated. */
static void found(const char *query, int complete, char *out, size_t cap)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    const char *ids[16];
    size_t i, j, n, len = 0;
    o.no_group = 1;
    o.complete = complete;
    if (jkb_search(ix, query, &o, &r) != 0)
        fail_msg("%s: %s", query, jkb_index_errmsg(ix));
    n = jkb_results_count(r);
    for (i = 0; i < n && i < 16; i++) {
        const char *id = jkb_results_hit(r, i)->id;
        for (j = i; j > 0 && strcmp(ids[j - 1], id) > 0; j--)
            ids[j] = ids[j - 1];
        ids[j] = id;
    }
    out[0] = 0;
    for (i = 0; i < n && i < 16; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "", ids[i]);
    jkb_results_free(r);
}

static const struct {
    const char *query;
    int complete;
    const char *ids;
} rows[] = {
    {"ウイルス", 0, "virus"},                       /* inside an IPADIC compound */
    {"ウィルス", 0, "virus"},                       /* and spelled the other way */
    {"コンピュータウィルス", 0, "virus"},
    {"新宿", 0, "place"},                           /* inside an address */
    {"ビューティ", 0, "org"},                       /* inside an organisation's name */
    {"ランサムウエア", 0, "ransom-e ransom-ue"},    /* both spellings, either way */
    {"ランサムウェア", 0, "ransom-e ransom-ue"},
    {"サーバー", 0, "server"},
    {"漏洩", 0, "leak"},
    {"ランサム*", 0, "ransom-e ransom-ue"},         /* a prefix MeCab would cut */
    {"ランサム", 1, "ransom-e ransom-ue"},          /* completion of a search box */
    {"ｇｍｅｉｌ", 0, "typo"},                      /* full width folds */
    {"流出", 0, ""},                                /* 漏えい is another word */
    {"Locke", 0, "locker"},                        /* nothing exact: as a prefix */
    {"ocke", 0, "locker"},                         /* then inside a word */
    {"ムテツ", 0, "unknown"},                       /* a katakana run inside an unknown word */
    {"テツク", 0, "unknown"},                       /* or ending it */
    {"blex", 0, "unknown"},
    {"ムテツ orble", 0, "unknown"},                 /* both runs, read in one pass */
    {"ムテツ ocke", 0, ""},                         /* runs of two releases: no release holds both */
};

static void test_findability(void **state)
{
    char got[256];
    size_t i;
    (void)state;
    need_dictionary();
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        found(rows[i].query, rows[i].complete, got, sizeof got);
        if (strcmp(got, rows[i].ids) != 0)
            fail_msg("\"%s\"%s: found [%s], expected [%s]", rows[i].query,
                     rows[i].complete ? " (completing)" : "", got, rows[i].ids);
    }
}

/* The ids and proximity boosts of query q's hits (at most cap); returns how many hits. */
static size_t proximities(const char *q, char (*ids)[32], double *prox, size_t cap)
{
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    size_t i, n;
    o.no_group = 1;
    o.explain = 1;
    if (jkb_search(ix, q, &o, &r) != 0)
        fail_msg("%s: %s", q, jkb_index_errmsg(ix));
    n = jkb_results_count(r);
    for (i = 0; i < n && i < cap; i++) {
        snprintf(ids[i], sizeof ids[i], "%s", jkb_results_hit(r, i)->id);
        prox[i] = jkb_results_hit(r, i)->proximity;
    }
    jkb_results_free(r);
    return n;
}

/* A word MeCab splits alone matches as its parts or as the whole: the whole is the parts'
   alternative, not their neighbour, so a release holding both earns the boost of the parts
   standing together, as the phrase of the parts does, and no more. */
static void test_split_word_boost(void **state)
{
    char ids[4][32], phrase_ids[4][32];
    double prox[4], phrase_prox[4];
    size_t n, i, j;
    (void)state;
    need_dictionary();
    n = proximities("スマートフォン", ids, prox, 4);
    assert_int_equal(n, 2);
    assert_int_equal(proximities("\"スマート フォン\"", phrase_ids, phrase_prox, 4), 2);
    for (i = 0; i < n; i++) {
        for (j = 0; j < n && strcmp(ids[i], phrase_ids[j]) != 0; j++)
            ;
        assert_true(j < n);
        assert_true(prox[i] > 0);
        if (fabs(prox[i] - phrase_prox[j]) > 1e-9)
            fail_msg("%s: proximity %.6f for the word, %.6f for the phrase", ids[i], prox[i],
                     phrase_prox[j]);
    }
}

static void test_suggest(void **state)
{
    jkb_suggestion s[4];
    size_t n;
    (void)state;
    need_dictionary();
    assert_int_equal(jkb_suggest(ix, "ランサム", s, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].term, "ランサムウェア");
    assert_int_equal(s[0].df, 2);
    /* folded like text: half-width and full-width prefixes complete the same */
    assert_int_equal(jkb_suggest(ix, "ﾗﾝｻﾑ", s, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(jkb_suggest(ix, "存在しない接頭辞", s, 4, &n), 0);
    assert_int_equal(n, 0);
    /* the most frequent first */
    assert_int_equal(jkb_suggest(ix, "被", s, 4, &n), 0);
    assert_true(n >= 1);
    assert_string_equal(s[0].term, "被害");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_findability),
        cmocka_unit_test(test_split_word_boost),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, setup, teardown_index);
}
