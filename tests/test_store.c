#include "helpers.h"

#include "buf.h"
#include "store.h"

static void test_put_get_cursor(void **state)
{
    char *dir = temp_dir();
    jkb__store *s;
    jkb__txn *t;
    jkb__cursor *c;
    jkb__val k, v;
    jkb__err err;
    uint8_t key[8];
    uint32_t i;
    (void)state;
    assert_int_equal(jkb__store_open(&s, dir, 0, 1, 0, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    for (i = 1; i <= 300; i++) {
        jkb__be32_put(key, 7);
        jkb__be32_put(key + 4, i * 10);
        assert_int_equal(jkb__put(t, JKB__T_POST, key, 8, &i, sizeof i), 0);
    }
    assert_int_equal(jkb__txn_commit(t, &err), 0);

    assert_int_equal(jkb__txn_begin(s, 0, &t, &err), 0);
    assert_int_equal(jkb__cursor_open(t, JKB__T_POST, &c), 0);
    /* seeking (7, 1234) lands on the first key >= it: (7, 1240) */
    jkb__be32_put(key, 7);
    jkb__be32_put(key + 4, 1234);
    assert_int_equal(jkb__cursor_seek(c, key, 8, &k, &v), 0);
    assert_int_equal(jkb__be32_get(k.data + 4), 1240);
    assert_int_equal(jkb__cursor_prev(c, &k, &v), 0);
    assert_int_equal(jkb__be32_get(k.data + 4), 1230);
    assert_int_equal(jkb__cursor_last(c, &k, &v), 0);
    assert_int_equal(jkb__be32_get(k.data + 4), 3000);
    assert_int_equal(jkb__cursor_next(c, &k, &v), JKB_ENOTFOUND);
    jkb__be32_put(key, 8);
    assert_int_equal(jkb__cursor_seek(c, key, 8, &k, &v), JKB_ENOTFOUND);
    jkb__cursor_close(c);
    assert_int_equal(jkb__get(t, JKB__T_DOCS, "x", 1, &v), JKB_ENOTFOUND);
    jkb__txn_abort(t);
    jkb__store_close(s);
    rm_tree(dir);
}

/* An aborted transaction leaves nothing behind; a committed one survives reopening. */
static void test_atomic(void **state)
{
    char *dir = temp_dir();
    jkb__store *s;
    jkb__txn *t;
    jkb__val v;
    jkb__err err;
    (void)state;
    assert_int_equal(jkb__store_open(&s, dir, 0, 1, 0, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    assert_int_equal(jkb__put(t, JKB__T_IDS, "kept", 4, "1", 1), 0);
    assert_int_equal(jkb__txn_commit(t, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    assert_int_equal(jkb__put(t, JKB__T_IDS, "dropped", 7, "2", 1), 0);
    jkb__txn_abort(t);
    jkb__store_close(s);

    assert_int_equal(jkb__store_open(&s, dir, 1, 0, 0, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 0, &t, &err), 0);
    assert_int_equal(jkb__get(t, JKB__T_IDS, "kept", 4, &v), 0);
    assert_int_equal(jkb__get(t, JKB__T_IDS, "dropped", 7, &v), JKB_ENOTFOUND);
    jkb__txn_abort(t);
    jkb__store_close(s);
    rm_tree(dir);
}

static void test_map_full_then_grow(void **state)
{
    char *dir = temp_dir();
    jkb__store *s;
    jkb__txn *t;
    jkb__err err;
    static uint8_t big[64 << 10];
    uint8_t key[4];
    uint32_t i;
    int rc = 0;
    (void)state;
    /* 2 MiB of values do not fit a 1 MiB map */
    assert_int_equal(jkb__store_open(&s, dir, 0, 1, (size_t)1 << 20, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    for (i = 0; i < 32 && rc == 0; i++) {
        jkb__be32_put(key, i);
        rc = jkb__put(t, JKB__T_DOCS, key, 4, big, sizeof big);
    }
    assert_int_equal(rc, JKB__EMAPFULL);
    jkb__txn_abort(t);
    /* doubled twice, the same batch fits */
    assert_int_equal(jkb__store_grow(s, &err), 0);
    assert_int_equal(jkb__store_grow(s, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    for (i = 0, rc = 0; i < 32 && rc == 0; i++) {
        jkb__be32_put(key, i);
        rc = jkb__put(t, JKB__T_DOCS, key, 4, big, sizeof big);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__txn_commit(t, &err), 0);
    jkb__store_close(s);
    rm_tree(dir);
}

static void test_not_an_index(void **state)
{
    char *dir = temp_dir(), *file;
    jkb__store *s;
    jkb__err err;
    (void)state;
    assert_int_equal(jkb__store_open(&s, "/nonexistent/index", 1, 0, 0, &err), JKB_ENOTFOUND);
    assert_int_equal(jkb__store_open(&s, dir, 1, 0, 0, &err), JKB_ENOTFOUND);
    file = write_file(dir, "data.mdb", "this is not LMDB, just text long enough", 40);
    assert_int_not_equal(jkb__store_open(&s, dir, 1, 0, 0, &err), 0);
    assert_null(s);
    assert_int_not_equal(jkb__store_open(&s, file, 1, 0, 0, &err), 0);
    free(file);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_cursor),
        cmocka_unit_test(test_atomic),
        cmocka_unit_test(test_map_full_then_grow),
        cmocka_unit_test(test_not_an_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
