/* Columns in chunks: put, get, delete, the writer of many and the reader against a plain
   model. */
#include "helpers.h"

#include "buf.h"
#include "cols.h"

#define N (2 * JKB__COLS_CHUNK + 300) /* three chunks, the middle one emptied */

static jkb__cols make(uint32_t doc)
{
    jkb__cols c;
    int f;
    c.day = doc % 7 == 0 ? JKB__NO_DATE : (int32_t)(19000 + doc);
    c.case_key = doc * 3;
    for (f = 0; f < JKB__NFIELDS; f++)
        c.len[f] = doc + (uint32_t)f;
    return c;
}

static void test_chunks(void **state)
{
    scratch x;
    jkb__colreader r;
    jkb__cols c, want;
    jkb__colwriter w;
    unsigned char present[N] = {0};
    uint8_t key[4];
    uint32_t doc, seen;
    jkb__val v;
    (void)state;
    scratch_open(&x);
    /* holes: every 5th, and all of 64..95; most through one writer, ascending, the last
       chunk's one at a time */
    jkb__colwriter_init(&w);
    for (doc = 0; doc < N; doc++)
        if (doc % 5 != 3 && (doc < 64 || doc >= 96)) {
            want = make(doc);
            if (doc < 2 * JKB__COLS_CHUNK)
                assert_int_equal(jkb__colwriter_put(&w, x.t, doc, &want), 0);
            else
                assert_int_equal(jkb__cols_put(x.t, doc, &want), 0);
            present[doc] = 1;
        }
    assert_int_equal(jkb__colwriter_finish(&w, x.t), 0);
    for (doc = 0; doc < N; doc += 11) /* deletes, and a delete of what is not there */
        if (present[doc]) {
            assert_int_equal(jkb__cols_del(x.t, doc), 0);
            present[doc] = 0;
        } else {
            assert_int_equal(jkb__cols_del(x.t, doc), JKB_ENOTFOUND);
        }
    for (doc = JKB__COLS_CHUNK; doc < 2 * JKB__COLS_CHUNK; doc++) /* the middle chunk emptied */
        if (present[doc]) {
            assert_int_equal(jkb__cols_del(x.t, doc), 0);
            present[doc] = 0;
        }
    jkb__be32_put(key, 1);
    assert_int_equal(jkb__get(x.t, JKB__T_COLS, key, 4, &v), JKB_ENOTFOUND);
    want = make(1000); /* a replacement */
    assert_int_equal(jkb__cols_put(x.t, 1, &want), 0);
    assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);

    assert_int_equal(jkb__txn_begin(x.s, 0, &x.t, &x.err), 0);
    assert_int_equal(jkb__colreader_open(&r, x.t), 0);
    for (doc = 0; doc < N + 40; doc++) { /* ascending, as a query reads them */
        int rc = jkb__colreader_get(&r, doc, &c);
        if (doc < N && present[doc]) {
            assert_int_equal(rc, 0);
            want = make(doc == 1 ? 1000 : doc);
            assert_memory_equal(&c, &want, sizeof c);
        } else {
            assert_int_equal(rc, JKB_ENOTFOUND);
        }
    }
    for (doc = N; doc-- > 0;) /* descending, and point lookups */
        assert_int_equal(jkb__colreader_get(&r, doc, &c), present[doc] ? 0 : JKB_ENOTFOUND);
    for (doc = 0; doc < N; doc += 7)
        assert_int_equal(jkb__cols_get(x.t, doc, &c), present[doc] ? 0 : JKB_ENOTFOUND);
    for (doc = 0, seen = 0; jkb__colreader_next(&r, &doc, &c) == 0; doc++, seen++) {
        assert_true(doc < N && present[doc]);
        assert_int_equal(c.case_key, doc == 1 ? 3000 : doc * 3);
    }
    for (doc = 0; doc < N; doc++)
        seen -= present[doc];
    assert_int_equal(seen, 0);
    jkb__colreader_close(&r);
    scratch_close(&x);
}

/* A chunk whose length is not its bitmap and whole entries, or whose bitmap has documents
   beyond its entries, is corrupt, not read past. */
static void test_corrupt(void **state)
{
    static const size_t lens[] = {JKB__COLS_MAP - 1, JKB__COLS_MAP + 4,
                                  JKB__COLS_MAP + 2 * JKB__COLS_BYTES};
    uint8_t bad[JKB__COLS_MAP + 2 * JKB__COLS_BYTES] = {0}, key[4];
    size_t i;
    (void)state;
    bad[0] = 0x07; /* three documents: room for two at most */
    jkb__be32_put(key, 0);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        scratch x;
        jkb__cols c = make(2);
        jkb__colreader r;
        jkb__colwriter w;
        uint32_t doc = 0;
        scratch_open(&x);
        assert_int_equal(jkb__put(x.t, JKB__T_COLS, key, 4, bad, lens[i]), 0);
        assert_int_equal(jkb__cols_get(x.t, 1, &c), JKB_ECORRUPT);
        assert_int_equal(jkb__cols_put(x.t, 2, &c), JKB_ECORRUPT);
        assert_int_equal(jkb__cols_del(x.t, 0), JKB_ECORRUPT);
        jkb__colwriter_init(&w);
        assert_int_equal(jkb__colwriter_put(&w, x.t, 5, &c), JKB_ECORRUPT);
        /* the reader too, for any document of the chunk and for the walk */
        assert_int_equal(jkb__colreader_open(&r, x.t), 0);
        assert_int_equal(jkb__colreader_get(&r, 0, &c), JKB_ECORRUPT);
        assert_int_equal(jkb__colreader_get(&r, 1, &c), JKB_ECORRUPT);
        assert_int_equal(jkb__colreader_next(&r, &doc, &c), JKB_ECORRUPT);
        jkb__colreader_close(&r);
        scratch_close(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
