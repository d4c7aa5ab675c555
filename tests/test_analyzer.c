#include <fcntl.h>
#include <sys/stat.h>

#include "analyzer.h"
#include "helpers.h"

typedef struct collected {
    char terms[4096];   /* "term@pos[start,end) " ... */
    size_t n;
    uint32_t last_pos;
    int monotonic;
} collected;

static int collect(const jkb__token *tok, void *payload)
{
    collected *c = payload;
    size_t len = strlen(c->terms);
    if (c->n > 0 && tok->pos < c->last_pos) /* a compound and its first part share one */
        c->monotonic = 0;
    c->last_pos = tok->pos;
    c->n++;
    if (len + tok->term_len + 32 < sizeof c->terms)
        snprintf(c->terms + len, sizeof c->terms - len, "%.*s@%u ", (int)tok->term_len,
                 tok->term, tok->pos);
    return 0;
}

typedef analyzer_fixture fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    *state = f;
    return f ? analyzer_open(f) : -1;
}

static int teardown(void **state)
{
    analyzer_close(*state);
    free(*state);
    return 0;
}

static const char *analyze(fixture *f, jkb__mode mode, const char *text, collected *c)
{
    memset(c, 0, sizeof *c);
    c->monotonic = 1;
    assert_int_equal(jkb__analyze(f->an, mode, text, strlen(text), 0, collect, c, NULL), 0);
    return c->terms;
}

static const struct {
    const char *name;
    const char *text;
    const char *terms;
} rows[] = {
    /* particles and auxiliaries take a position but are not terms; verbs by base form */
    {"particles dropped, verb base form", "ランサムウェア被害が発生した",
     "ランサムウェア@0 被害@1 発生@3 する@4 "},
    {"user dictionary word", "フィッシングメールを送信", "フィッシング@0 メール@1 送信@3 "},
    {"rule ウエ -> ウェ", "ランサムウエア", "ランサムウェア@0 "},
    {"rule ウイ -> ウィ", "ウイルス", "ウィルス@0 "},
    {"rule ヴァ -> バ", "ヴァイオリン", "バイオリン@0 "},
    {"variant table 漏洩", "漏洩", "漏えい@0 "},
    {"variant table 問合せ", "問合せ", "問い合わせ@0 "},
    {"long vowel サーバー", "サーバー", "サーバ@0 "},
    {"short word keeps its mark", "キー", "キー@0 "},
    {"流出 is not 漏えい", "流出", "流出@0 "},
    /* compounds: whole, spanning two positions, and each part at its own */
    {"no split into single kanji", "有象無象", "有象無象@0 "},
    {"prefix + noun", "要注意!", "要注意@0 要@0 注意@1 "},
    {"IPADIC compound", "コンピューターウイルス感染",
     "コンピューターウィルス@0 コンピュータ@0 ウィルス@1 感染@2 "},
    {"user dictionary splits", "ランサムウエアグループ", "ランサムウェア@0 グループ@1 "},
    {"unknown katakana compound", "セキュリティヘッダー",
     "セキュリティヘッダ@0 セキュリティ@0 ヘッダ@1 "},
    {"organisation name", "元旦ビューティ工業", "元旦ビューティ工業@0 元旦@0 ビューティ@1 工業@2 "},
    {"user dictionary compound", "標的型攻撃メール", "標的型攻撃@0 標的@0 型@1 攻撃@2 メール@3 "},
    {"short katakana word stays whole", "ユーザー", "ユーザ@0 "},
    {"full width folds", "ｇｍｅｉｌ", "gmeil@0 "},
    {"symbols dropped", "「gmail」", "gmail@1 "},
    /* a document keeps a verb's surface beside its base form */
    {"verb surface kept", "部屋を片付けた", "部屋@0 片付け@2 片付ける@2 "},
};

static void test_terms(void **state)
{
    fixture *f = *state;
    collected c;
    size_t i;
    need_dictionary();
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *got = analyze(f, JKB__MODE_DOCUMENT, rows[i].text, &c);
        if (strcmp(got, rows[i].terms) != 0)
            fail_msg("%s: got \"%s\", expected \"%s\"", rows[i].name, got, rows[i].terms);
    }
}

static void test_prefix_not_split(void **state)
{
    fixture *f = *state;
    collected c;
    need_dictionary();
    /* a query has the parts of a compound, not the compound */
    assert_string_equal(analyze(f, JKB__MODE_QUERY, "コンピューターウイルス", &c),
                        "コンピュータ@0 ウィルス@1 ");
    /* MeCab would cut ランサム into ラン + サム */
    assert_string_equal(analyze(f, JKB__MODE_PREFIX, " ランサム ", &c), "ランサム@0 ");
    assert_string_equal(analyze(f, JKB__MODE_PREFIX, "ＲＡＮ", &c), "ran@0 ");
    assert_string_equal(analyze(f, JKB__MODE_PREFIX, "   ", &c), "");
}

/* Text far longer than a chunk is analysed whole, with positions in order. */
static void test_long_text(void **state)
{
    fixture *f = *state;
    const char *sentence = "不正アクセスによる情報漏えいを確認しました。";
    size_t n = 5000, len = strlen(sentence), i;
    char *text = malloc(n * len + 1);
    collected c;
    need_dictionary();
    for (i = 0; i < n; i++)
        memcpy(text + i * len, sentence, len);
    text[n * len] = '\0';
    memset(&c, 0, sizeof c);
    c.monotonic = 1;
    assert_int_equal(jkb__analyze(f->an, JKB__MODE_DOCUMENT, text, n * len, 0, collect, &c,
                                  NULL), 0);
    assert_true(c.monotonic);
    /* 不正 アクセス 情報 漏えい 確認 する */
    assert_int_equal(c.n, n * 6);
    /* one line without any sentence end: cut at character boundaries, nothing lost */
    for (i = 0; i < n * len / 3; i++)
        memcpy(text + i * 3, "ア", 3);
    text[(n * len / 3) * 3] = '\0';
    memset(&c, 0, sizeof c);
    c.monotonic = 1;
    assert_int_equal(jkb__analyze(f->an, JKB__MODE_DOCUMENT, text, strlen(text), 0, collect, &c,
                                  NULL), 0);
    assert_true(c.n > 0);
    free(text);
}

static void copy_file(const char *from, const char *to)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

/* d's fingerprint, told of a fingerprint seen when its files' stat was seen_stat. */
static const char *fingerprint_seen(jkb__dict *d, const char *seen, uint64_t seen_stat)
{
    const char *fp;
    jkb__err err;
    if (jkb__dict_fingerprint(d, seen, seen ? strlen(seen) : 0, seen_stat, &fp, &err) != 0)
        fail_msg("%s", err.msg);
    return fp;
}

static const char *fingerprint(jkb__dict *d)
{
    return fingerprint_seen(d, NULL, 0);
}

/* The fingerprint follows the contents of the data files, not their paths. */
static void test_fingerprint(void **state)
{
    fixture *f = *state;
    char *dir = temp_dir(), path[512];
    jkb__dict *other;
    jkb__err err;
    const char *extra = "\nサーバー\tサーバ\n";
    FILE *fp;
    need_dictionary();
    snprintf(path, sizeof path, "%s/security.dic", dir);
    copy_file(JKB_DATA_DIR_FOR_TESTS "/security.dic", path);
    snprintf(path, sizeof path, "%s/variants.tsv", dir);
    copy_file(JKB_DATA_DIR_FOR_TESTS "/variants.tsv", path);
    assert_int_equal(jkb__dict_open(&other, NULL, dir, &err), 0);
    assert_string_equal(fingerprint(other), fingerprint(f->dict));
    jkb__dict_close(other);

    fp = fopen(path, "a");
    assert_non_null(fp);
    fputs(extra, fp);
    fclose(fp);
    /* another path, so the process-wide cache does not answer */
    snprintf(path, sizeof path, "%s/", dir);
    assert_int_equal(jkb__dict_open(&other, NULL, path, &err), 0);
    assert_string_not_equal(fingerprint(other), fingerprint(f->dict));
    jkb__dict_close(other);
    rm_tree(dir);
}

/*
 * The system dictionary's files are read for the fingerprint unless a fingerprint seen with
 * their stat as it is now says what they hold: a stat that differs (another size, time or
 * file) has them read again.
 */
static void test_fingerprint_from_stat(void **state)
{
    char *dir = temp_dir(), cmd[1024], path[512], real[96];
    jkb__dict *d;
    jkb__err err;
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    uint64_t stat_now;
    (void)state;
    need_dictionary();
    snprintf(cmd, sizeof cmd, "cp -p %s/* '%s'", JKB_DEFAULT_DICDIR, dir);
    assert_int_equal(system(cmd), 0);
    /* each open under another spelling of the path: the process-wide cache does not answer */
    assert_int_equal(jkb__dict_open(&d, dir, NULL, &err), 0);
    snprintf(real, sizeof real, "%s", fingerprint(d)); /* d keeps its own until closed */
    stat_now = jkb__dict_files_stat(d);
    assert_int_equal(strncmp(real, "mecab:", 6), 0);
    jkb__dict_close(d);

    snprintf(path, sizeof path, "%s/", dir);
    assert_int_equal(jkb__dict_open(&d, path, NULL, &err), 0);
    assert_true(jkb__dict_files_stat(d) == stat_now);
    assert_int_equal(strncmp(fingerprint_seen(d, "mecab:0badf00d user:0", stat_now),
                             "mecab:0badf00d ", 15), 0); /* taken, not read */
    jkb__dict_close(d);

    snprintf(path, sizeof path, "%s//", dir);
    assert_int_equal(jkb__dict_open(&d, path, NULL, &err), 0);
    assert_int_equal(strncmp(fingerprint_seen(d, "mecab:0badf00d user:0", stat_now + 1),
                             real, 14), 0); /* another stat: read */
    jkb__dict_close(d);

    snprintf(path, sizeof path, "%s/unk.dic", dir);
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
    snprintf(path, sizeof path, "%s///", dir);
    assert_int_equal(jkb__dict_open(&d, path, NULL, &err), 0);
    assert_true(jkb__dict_files_stat(d) != stat_now); /* a file's time changed */
    assert_int_equal(strncmp(fingerprint_seen(d, "mecab:0badf00d user:0", stat_now), real, 14),
                     0);
    jkb__dict_close(d);
    rm_tree(dir);
}

static void test_bad_dictionary(void **state)
{
    jkb__dict *d = NULL;
    jkb__err err;
    (void)state;
    assert_int_equal(jkb__dict_open(&d, "/nonexistent/dic", NULL, &err), JKB_ETOKENIZE);
    assert_null(d);
    assert_non_null(strstr(err.msg, "/nonexistent/dic"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),
        cmocka_unit_test(test_prefix_not_split),
        cmocka_unit_test(test_long_text),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_fingerprint_from_stat),
        cmocka_unit_test(test_bad_dictionary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
