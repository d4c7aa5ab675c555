#include <utf8proc.h>

#include "helpers.h"

#include "normalize.h"
#include "utf8.h"

static const struct {
    const char *name;
    const char *in;
    const char *out;
} folds[] = {
    {"full-width latin and digits", "ＡＢＣ１２３", "abc123"},
    {"half-width katakana", "ｶﾀｶﾅ", "カタカナ"},
    {"half-width voiced mark composes", "ｶﾞｲﾄﾞ", "ガイド"},
    {"case folding", "Emotet GMAIL", "emotet gmail"},
    {"ideographic space", "個人　情報", "個人 情報"},
    {"no-break space", "a\xC2\xA0" "b", "a b"},
    {"wave dash", "1〜3", "1~3"},
    {"full-width tilde", "1～3", "1~3"},
    {"circled number", "①②", "12"},
    {"full-width punctuation", "！？", "!?"},
    {"kanji and kana unchanged", "漏えい 漏洩", "漏えい 漏洩"},
    {"long vowel mark kept", "サーバー", "サーバー"},
    {"tab and CR to space", "a\tb\rc", "a b c"},
    {"newline kept", "a\nb", "a\nb"},
    {"invalid byte replaced", "a\xFF" "b", "a\xEF\xBF\xBD" "b"},
    {"combining acute composes", "e\xCC\x81", "\xC3\xA9"},
    {"full-width run, the last joined", "ＡＥ\xCC\x81", "a\xC3\xA9"},
    {"capitals between kana", "新型AndroidとLTE", "新型androidとlte"},
};

static void test_folding(void **state)
{
    jkb__norm n = JKB__NORM_INIT;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof folds / sizeof folds[0]; i++) {
        assert_int_equal(jkb__normalize(&n, (const uint8_t *)folds[i].in, strlen(folds[i].in)), 0);
        if (n.text.len != strlen(folds[i].out) || memcmp(n.text.data, folds[i].out, n.text.len))
            fail_msg("%s: got \"%s\", expected \"%s\"", folds[i].name, (char *)n.text.data,
                     folds[i].out);
        assert_int_equal(n.text.data[n.text.len], 0);
    }
    jkb__norm_fin(&n);
}

/* Every output character maps back to the source bytes it came from. */
static void test_offset_map(void **state)
{
    const char *src = "ＡＢ　漏洩ｶﾞ①x";
    jkb__norm n = JKB__NORM_INIT;
    (void)state;
    assert_int_equal(jkb__normalize(&n, (const uint8_t *)src, strlen(src)), 0);
    assert_string_equal((char *)n.text.data, "ab 漏洩ガ1x");
    /* "b" (output byte 1) came from "Ｂ" at source bytes 3..6 */
    assert_int_equal(jkb__norm_src_start(&n, 1), 3);
    assert_int_equal(jkb__norm_src_end(&n, 2), 6);
    /* "漏洩" (output 3..9) came from source 9..15 */
    assert_int_equal(jkb__norm_src_start(&n, 3), 9);
    assert_int_equal(jkb__norm_src_end(&n, 9), 15);
    /* "ガ" (output 9..12) came from "ｶﾞ", two source characters, 15..21 */
    assert_int_equal(jkb__norm_src_start(&n, 9), 15);
    assert_int_equal(jkb__norm_src_end(&n, 12), 21);
    /* "1" from "①" (21..24), "x" at 24 */
    assert_int_equal(jkb__norm_src_end(&n, 13), 24);
    assert_int_equal(jkb__norm_src_end(&n, n.text.len), strlen(src));
    /* ASCII capitals fold within a run, byte for byte; one joined by a combining mark
       composes first */
    src = "新型Android端末とLTE対応E\xCC\x81";
    assert_int_equal(jkb__normalize(&n, (const uint8_t *)src, strlen(src)), 0);
    assert_string_equal((char *)n.text.data, "新型android端末とlte対応\xC3\xA9");
    assert_int_equal(jkb__norm_src_start(&n, 6), 6);   /* "a" of android */
    assert_int_equal(jkb__norm_src_end(&n, 13), 13);   /* after "android" */
    assert_int_equal(jkb__norm_src_start(&n, 22), 22); /* "lte" */
    assert_int_equal(jkb__norm_src_end(&n, 25), 25);
    assert_int_equal(jkb__norm_src_start(&n, 31), 31); /* "é" from "E" + U+0301 */
    assert_int_equal(jkb__norm_src_end(&n, n.text.len), strlen(src));
    jkb__norm_fin(&n);
}

static void test_empty(void **state)
{
    jkb__norm n = JKB__NORM_INIT;
    (void)state;
    assert_int_equal(jkb__normalize(&n, (const uint8_t *)"", 0), 0);
    assert_int_equal(n.text.len, 0);
    assert_int_equal(jkb__norm_src_end(&n, 0), 0);
    jkb__norm_fin(&n);
}

/* What the normaliser folds without utf8proc (printable ASCII, kana, kanji and CJK
   punctuation left as they are; the full-width forms and the ideographic space folded) it
   folds as NFKC with case folding does; 〜 (U+301C) is the one deliberate exception. */
static void test_fast_paths_as_nfkc(void **state)
{
    static const uint32_t ranges[][2] = {{0x20, 0x7E}, {0x3000, 0x9FFF}, {0xFF01, 0xFF5E}};
    jkb__norm n = JKB__NORM_INIT;
    size_t r;
    (void)state;
    for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        uint32_t c;
        for (c = ranges[r][0]; c <= ranges[r][1]; c++) {
            uint8_t in[4];
            utf8proc_uint8_t *want = NULL;
            size_t len = jkb__utf8_encode(in, c);
            if (c == 0x301C)
                continue;
            assert_true(utf8proc_map(in, (utf8proc_ssize_t)len, &want, UTF8PROC_STABLE |
                                     UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD) > 0);
            assert_int_equal(jkb__normalize(&n, in, len), 0);
            assert_string_equal((char *)n.text.data, (char *)want);
            free(want);
        }
    }
    jkb__norm_fin(&n);
}

/* Characters of the random texts below, none of which joins the one before it. */
static const char *const pieces[] = {
    "a", "Z", "7", " ", "\n", "!", "Ａ", "ｚ", "０", "（", "　", "、", "か", "ア", "ｶ", "漢",
    "丈", "①", "㌔", "é", "\t", "〜", "\xE4\xB7\x80" /* U+4DC0, not a kanji */,
};

/*
 * Random texts of the characters above, each of which folds alone: the output is the
 * characters' folds one after another, and each fold maps back to exactly its character,
 * whichever path (a byte-for-byte run, a run of full-width forms, one folded character)
 * the normaliser took. Then with combining marks (U+0301, U+3099, ﾞ) among them: the
 * output is NFKC with case folding of the whole text.
 */
static void test_random_texts(void **state)
{
    jkb__norm n = JKB__NORM_INIT, one = JKB__NORM_INIT;
    jkb__buf src = JKB__BUF_INIT, want = JKB__BUF_INIT;
    size_t n_pieces = sizeof pieces / sizeof pieces[0];
    int round, rc = 0;
    (void)state;
    srand(7);
    for (round = 0; round < 2000; round++) {
        size_t k, len = (size_t)(rand() % 40), at[41], out[41];
        src.len = want.len = 0;
        for (k = 0; k < len; k++) {
            const char *p = pieces[rand() % n_pieces];
            at[k] = src.len;
            out[k] = want.len;
            jkb__buf_put(&rc, &src, p, strlen(p));
            assert_int_equal(jkb__normalize(&one, (const uint8_t *)p, strlen(p)), 0);
            jkb__buf_put(&rc, &want, one.text.data, one.text.len);
        }
        at[len] = src.len;
        out[len] = want.len;
        assert_int_equal(rc, 0);
        assert_int_equal(jkb__normalize(&n, src.data, src.len), 0);
        assert_int_equal(n.text.len, want.len);
        assert_memory_equal(n.text.data, want.data, want.len);
        for (k = 0; k < len; k++) {
            if (out[k] == out[k + 1])
                continue;
            assert_int_equal(jkb__norm_src_start(&n, out[k]), at[k]);
            assert_int_equal(jkb__norm_src_end(&n, out[k + 1]), at[k + 1]);
        }
    }
    for (round = 0; round < 2000; round++) {
        static const char *const marks[] = {"\xCC\x81", "\xE3\x82\x99", "ﾞ"};
        utf8proc_uint8_t *nfkc = NULL;
        size_t k, len = (size_t)(rand() % 20);
        src.len = 0;
        for (k = 0; k < len; k++) {
            const char *p = rand() % 4 ? pieces[rand() % n_pieces] : marks[rand() % 3];
            if (strcmp(p, "\t") == 0 || strcmp(p, "〜") == 0)
                continue; /* folded on purpose unlike NFKC */
            jkb__buf_put(&rc, &src, p, strlen(p));
        }
        jkb__buf_terminate(&rc, &src);
        assert_int_equal(rc, 0);
        assert_true(utf8proc_map(src.data, (utf8proc_ssize_t)src.len, &nfkc, UTF8PROC_STABLE |
                                 UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD) >= 0);
        assert_int_equal(jkb__normalize(&n, src.data, src.len), 0);
        if (strcmp((char *)n.text.data, (char *)nfkc) != 0)
            fail_msg("\"%s\" folded to \"%s\", NFKC \"%s\"", (char *)src.data,
                     (char *)n.text.data, (char *)nfkc);
        free(nfkc);
    }
    jkb__buf_fin(&src);
    jkb__buf_fin(&want);
    jkb__norm_fin(&n);
    jkb__norm_fin(&one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_offset_map),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_fast_paths_as_nfkc),
        cmocka_unit_test(test_random_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
