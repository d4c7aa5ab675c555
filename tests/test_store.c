#include <sys/wait.h>

#include "helpers.h"

#include "buf.h"
#include "index.h"
#include "store.h"

static void test_put_get_cursor(void **state)
{
    scratch x;
    jkb__cursor *c;
    jkb__val k, v;
    uint8_t key[8];
    uint32_t i;
    (void)state;
    scratch_open(&x);
    for (i = 1; i <= 300; i++) {
        jkb__be32_put(key, 7);
        jkb__be32_put(key + 4, i * 10);
        assert_int_equal(jkb__put(x.t, JKB__T_POST, key, 8, &i, sizeof i), 0);
    }
    assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);

    assert_int_equal(jkb__txn_begin(x.s, 0, &x.t, &x.err), 0);
    assert_int_equal(jkb__cursor_open(x.t, JKB__T_POST, &c), 0);
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
    assert_int_equal(jkb__get(x.t, JKB__T_DOCS, "x", 1, &v), JKB_ENOTFOUND);
    scratch_close(&x);
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

/* Two handles of one process on one directory share its environment (LMDB forbids two). */
static void test_shared_in_process(void **state)
{
    char *dir = temp_dir();
    jkb__store *w, *r;
    jkb__txn *t;
    jkb__val v;
    jkb__err err;
    (void)state;
    assert_int_equal(jkb__store_open(&w, dir, 0, 1, 0, &err), 0);
    assert_int_equal(jkb__store_open(&r, dir, 1, 0, 0, &err), 0);
    assert_ptr_equal(w, r);
    assert_int_equal(jkb__txn_begin(w, 1, &t, &err), 0);
    assert_int_equal(jkb__put(t, JKB__T_IDS, "a", 1, "1", 1), 0);
    assert_int_equal(jkb__txn_commit(t, &err), 0);
    jkb__store_close(w);
    assert_int_equal(jkb__txn_begin(r, 0, &t, &err), 0); /* still open for the other */
    assert_int_equal(jkb__get(t, JKB__T_IDS, "a", 1, &v), 0);
    jkb__txn_abort(t);
    jkb__store_close(r);
    /* open read-only first, it cannot be had for writing too */
    assert_int_equal(jkb__store_open(&r, dir, 1, 0, 0, &err), 0);
    assert_int_equal(jkb__store_open(&w, dir, 0, 0, 0, &err), JKB_EINVAL);
    assert_non_null(strstr(err.msg, "read-only in this process"));
    jkb__store_close(r);
    assert_int_equal(jkb__store_open(&w, dir, 0, 0, 0, &err), 0);
    jkb__store_close(w);
    rm_tree(dir);
}

/* A reader process whose map another process outgrew adopts the new size and reads on. */
static void test_resized_by_another_process(void **state)
{
    char *dir = temp_dir();
    static uint8_t big[64 << 10];
    jkb__store *s;
    jkb__txn *t;
    jkb__err err;
    uint8_t key[4];
    int ready[2], go[2], status, rc = 0;
    uint32_t i;
    char c;
    pid_t pid;
    (void)state;
    assert_int_equal(jkb__store_open(&s, dir, 0, 1, (size_t)1 << 20, &err), 0);
    jkb__store_close(s);
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(go), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* the reader: opens at 1 MiB, reads after the writer grew the map */
        jkb__val v;
        int ok = jkb__store_open(&s, dir, 1, 0, (size_t)1 << 20, &err) == 0;
        ok = ok && write(ready[1], "r", 1) == 1 && read(go[0], &c, 1) == 1;
        ok = ok && jkb__txn_begin(s, 0, &t, &err) == 0;
        if (ok) {
            jkb__be32_put(key, 31);
            ok = jkb__get(t, JKB__T_DOCS, key, 4, &v) == 0 && v.len == sizeof big;
            jkb__txn_abort(t);
        }
        if (!ok)
            fprintf(stderr, "reader: %s\n", err.msg);
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(jkb__store_open(&s, dir, 0, 0, (size_t)1 << 20, &err), 0);
    assert_int_equal(jkb__store_grow(s, &err), 0);
    assert_int_equal(jkb__store_grow(s, &err), 0);
    assert_int_equal(jkb__txn_begin(s, 1, &t, &err), 0);
    for (i = 0; i < 32 && rc == 0; i++) { /* 2 MiB */
        jkb__be32_put(key, i);
        rc = jkb__put(t, JKB__T_DOCS, key, 4, big, sizeof big);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__txn_commit(t, &err), 0);
    assert_int_equal(write(go[1], "g", 1), 1);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    jkb__store_close(s);
    rm_tree(dir);
}

/* Stored records cut to fit LMDB's leaf pages come back whole, in two transactions that carry
   the room left on the last page over, and fill their pages: pieces of one size, or whole
   records, would leave a tenth of each page or more free. */
static void test_docs_fill_pages(void **state)
{
    enum { DOCS = 400 };
    static uint8_t recs[DOCS][9000];
    static size_t lens[DOCS];
    scratch x;
    jkb__table_stat st;
    jkb__cursor *c;
    jkb__val k, v;
    uint64_t payload = 0;
    uint32_t room = 0, x32 = 77, doc;
    jkb__buf got = JKB__BUF_INIT;
    int rc = 0;
    (void)state;
    scratch_open(&x);
    for (doc = 0; doc < DOCS; doc++) {
        size_t i;
        lens[doc] = doc % 50 == 0 ? 1 + doc % 7 : 200 + (x32 = x32 * 1103515245u + 12345u) % 8000;
        for (i = 0; i < lens[doc]; i++)
            recs[doc][i] = (uint8_t)((x32 = x32 * 1103515245u + 12345u) >> 16);
        payload += lens[doc];
        assert_int_equal(jkb__docs_put(x.t, doc + 1, recs[doc], lens[doc], &room), 0);
        if (doc == DOCS / 2) { /* a second transaction goes on from the room kept */
            assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);
            assert_int_equal(jkb__txn_begin(x.s, 1, &x.t, &x.err), 0);
        }
    }
    assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);
    assert_int_equal(jkb__txn_begin(x.s, 0, &x.t, &x.err), 0);
    assert_int_equal(jkb__cursor_open(x.t, JKB__T_DOCS, &c), 0);
    doc = 1;
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v); rc == 0; rc = jkb__cursor_next(c, &k, &v)) {
        assert_int_equal(k.len, 6);
        assert_true(v.len <= 2024); /* on a leaf page, not an overflow page */
        if (jkb__be32_get(k.data) != doc) { /* the previous record is complete */
            assert_int_equal(got.len, lens[doc - 1]);
            assert_memory_equal(got.data, recs[doc - 1], got.len);
            got.len = 0;
            doc = jkb__be32_get(k.data);
        }
        jkb__buf_put(&rc, &got, v.data, v.len);
    }
    assert_int_equal(rc, JKB_ENOTFOUND);
    assert_int_equal(doc, DOCS);
    assert_memory_equal(got.data, recs[DOCS - 1], lens[DOCS - 1]);
    assert_int_equal(jkb__store_table_stat(x.t, JKB__T_DOCS, &st), 0);
    assert_true(st.bytes < payload + payload / 25);
    jkb__cursor_close(c);
    jkb__buf_fin(&got);
    scratch_close(&x);
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
        cmocka_unit_test(test_shared_in_process),
        cmocka_unit_test(test_resized_by_another_process),
        cmocka_unit_test(test_docs_fill_pages),
        cmocka_unit_test(test_not_an_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
