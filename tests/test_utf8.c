#include "helpers.h"

#include "utf8.h"

static const struct {
    const char *name;
    const char *s;
    size_t len;
    size_t invalid_at;
} cases[] = {
    {"ascii", "abc", 3, 3},
    {"japanese", "漏えい", 9, 9},
    {"lone continuation", "a\x80", 2, 1},
    {"truncated 3-byte", "あ\xE3\x81", 5, 3},
    {"overlong slash", "\xC0\xAF", 2, 0},
    {"overlong 3-byte", "\xE0\x80\xAF", 3, 0},
    {"surrogate", "\xED\xA0\x80", 3, 0},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 4, 0},
    {"NUL byte", "ab\0c", 4, 2},
    {"4-byte emoji", "\xF0\x9F\x98\x80", 4, 4},
};

static void test_invalid_at(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t at = jkb__utf8_invalid_at((const uint8_t *)cases[i].s, cases[i].len);
        if (at != cases[i].invalid_at)
            fail_msg("%s: invalid at %zu, expected %zu", cases[i].name, at, cases[i].invalid_at);
    }
}

static void test_floor_never_splits(void **state)
{
    const uint8_t *s = (const uint8_t *)"aあ😀b";
    size_t n, len = strlen((const char *)s);
    (void)state;
    for (n = 0; n <= len; n++) {
        size_t f = jkb__utf8_floor(s, n);
        assert_true(f <= n);
        assert_int_equal(jkb__utf8_invalid_at(s, f), f);
        /* the floor is the largest valid prefix */
        if (f < n)
            assert_true(jkb__utf8_invalid_at(s, n) < n);
    }
    assert_int_equal(jkb__utf8_floor(s, 3), 1);
    assert_int_equal(jkb__utf8_floor(s, 4), 4);
}

static void test_encode_decode(void **state)
{
    static const uint32_t cps[] = {0x24, 0xA2, 0x3042, 0xFFFD, 0x1F600, 0x10FFFF};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        uint8_t buf[4];
        uint32_t back;
        size_t n = jkb__utf8_encode(buf, cps[i]);
        assert_int_equal(jkb__utf8_decode(buf, n, &back), n);
        assert_int_equal(back, cps[i]);
        assert_int_equal(jkb__utf8_count(buf, n), 1);
    }
}

/* The count of code points, read a word at a time, agrees with decoding one by one at every
   length and alignment. */
static void test_count(void **state)
{
    static const uint32_t cps[] = {'a', 0xE9, 0x3042, 0x6F0F, 0x1F600, '\n', 0xFF21};
    uint8_t text[400];
    size_t len = 0, from, to;
    unsigned seed = 7;
    (void)state;
    while (len + 4 <= sizeof text) {
        seed = seed * 1103515245u + 12345u;
        len += jkb__utf8_encode(text + len, cps[(seed >> 16) % 7]);
    }
    for (from = 0; from < 9; from++) {
        for (to = from; to <= len; to++) {
            size_t i = from, expect = 0;
            uint32_t cp;
            while (i < to && (text[i] & 0xC0) == 0x80)
                i++; /* characters that start in the range count */
            for (; i < to; expect++)
                i += jkb__utf8_decode(text + i, len - i, &cp);
            assert_int_equal(jkb__utf8_count(text + from, to - from), expect);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invalid_at),
        cmocka_unit_test(test_floor_never_splits),
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
