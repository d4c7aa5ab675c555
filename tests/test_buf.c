#include "helpers.h"

#include "buf.h"
#include "jikenbo.h"

static void test_varint_boundaries(void **state)
{
    static const uint64_t values[] = {0, 1, 127, 128, 16383, 16384, 2097151, 2097152,
                                      UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX};
    static const size_t sizes[] = {1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 10};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t buf[JKB__VARINT_MAX];
        const uint8_t *p = buf;
        uint64_t back;
        size_t n = jkb__varint_put(buf, values[i]);
        assert_int_equal(n, sizes[i]);
        assert_int_equal(jkb__varint_get(&p, buf + n, &back), 0);
        assert_true(back == values[i]);
        assert_ptr_equal(p, buf + n);
        /* every truncation is an error, never a read past the end */
        p = buf;
        if (n > 1)
            assert_int_equal(jkb__varint_get(&p, buf + n - 1, &back), JKB_ECORRUPT);
    }
}

static void test_varint_corrupt(void **state)
{
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t overflow[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    static const uint8_t big32[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    const uint8_t *p = eleven;
    uint64_t v;
    uint32_t v32;
    (void)state;
    assert_int_equal(jkb__varint_get(&p, eleven + sizeof eleven, &v), JKB_ECORRUPT);
    p = overflow;
    assert_int_equal(jkb__varint_get(&p, overflow + sizeof overflow, &v), JKB_ECORRUPT);
    p = big32;
    assert_int_equal(jkb__varint_get32(&p, big32 + sizeof big32, &v32), JKB_ECORRUPT);
    assert_ptr_equal(p, big32); /* a failed read does not advance */
}

static void test_buf_sticky(void **state)
{
    jkb__buf b = JKB__BUF_INIT;
    int rc = 0;
    (void)state;
    jkb__buf_put_str(&rc, &b, "abc");
    jkb__buf_putc(&rc, &b, 'd');
    jkb__buf_put_varint(&rc, &b, 2);
    jkb__buf_put(&rc, &b, "xy", 2);
    jkb__buf_terminate(&rc, &b);
    assert_int_equal(rc, 0);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "abcd\x02xy", 7);
    assert_int_equal(b.data[7], 0);
    rc = JKB_ENOMEM; /* once set, nothing more is appended */
    jkb__buf_put_str(&rc, &b, "zzz");
    assert_int_equal(b.len, 7);
    jkb__buf_fin(&b);
}

static void test_be32_order(void **state)
{
    uint8_t a[4], b[4];
    (void)state;
    jkb__be32_put(a, 255);
    jkb__be32_put(b, 256);
    assert_true(memcmp(a, b, 4) < 0);
    assert_int_equal(jkb__be32_get(b), 256);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint_boundaries),
        cmocka_unit_test(test_varint_corrupt),
        cmocka_unit_test(test_buf_sticky),
        cmocka_unit_test(test_be32_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
