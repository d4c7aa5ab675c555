/* Document frequencies in blocks: against a plain array. */
#include "helpers.h"

#include "buf.h"
#include "docfreq.h"

#define N 300

static void test_against_model(void **state)
{
    scratch x;
    uint64_t model[N] = {0}, got, n, want_n = 0;
    uint32_t tid;
    (void)state;
    scratch_open(&x);
    for (tid = 0; tid < N; tid += 3) { /* sparse, with some large counts */
        int64_t add = tid % 7 == 0 ? 100000 + tid : 1 + tid % 5;
        assert_int_equal(jkb__df_add(x.t, tid, add), 0);
        model[tid] += (uint64_t)add;
    }
    for (tid = 0; tid < N; tid += 6) /* back to zero, or down */
        if (model[tid]) {
            int64_t sub = tid % 12 == 0 ? (int64_t)model[tid] : 1;
            assert_int_equal(jkb__df_add(x.t, tid, -sub), 0);
            model[tid] -= (uint64_t)sub;
        }
    assert_int_equal(jkb__df_add(x.t, 1, -1), JKB_ECORRUPT); /* below zero */
    assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);

    assert_int_equal(jkb__txn_begin(x.s, 0, &x.t, &x.err), 0);
    for (tid = 0; tid < N + 70; tid++) {
        assert_int_equal(jkb__df_get(x.t, tid, &got), 0);
        assert_int_equal(got, tid < N ? model[tid] : 0);
        want_n += tid < N && model[tid] != 0;
    }
    assert_int_equal(jkb__df_count(x.t, &n), 0);
    assert_int_equal(n, want_n);
    scratch_close(&x);
}

/* Changes gathered in any order, several to a term and spread over blocks, land as if
   applied one by one; removals that would take a frequency below 0 fail. */
static void test_apply_gathered(void **state)
{
    scratch x;
    jkb__df_delta d[3 * N];
    uint64_t model[N] = {0}, got;
    uint32_t tid, seed = 12345;
    size_t n = 0, i;
    (void)state;
    scratch_open(&x);
    for (i = 0; i < 2 * N; i++) { /* additions, in a scrambled order */
        seed = seed * 1103515245u + 12345u;
        tid = (seed >> 8) % N;
        d[n].tid = tid;
        d[n++].delta = 1 + (seed >> 20) % 4;
        model[tid] += 1 + (seed >> 20) % 4;
    }
    for (tid = 0; tid < N; tid += 5) /* and removals of part of them, listed after */
        if (model[tid]) {
            d[n].tid = tid;
            d[n++].delta = -1;
            model[tid]--;
        }
    assert_int_equal(jkb__df_apply(x.t, d, n), 0);
    for (tid = 0; tid < N; tid++) {
        assert_int_equal(jkb__df_get(x.t, tid, &got), 0);
        assert_int_equal(got, model[tid]);
    }
    for (tid = 0; tid < N && model[tid] == 0; tid++)
        ;
    d[0].tid = tid; /* one more than its frequency goes, in two removals */
    d[0].delta = -1;
    d[1].tid = tid;
    d[1].delta = -(int64_t)model[tid];
    assert_int_equal(jkb__df_apply(x.t, d, 2), JKB_ECORRUPT);
    scratch_close(&x);
}

/* A block emptied is deleted; a block cut short is corrupt. */
static void test_empty_and_corrupt(void **state)
{
    scratch x;
    jkb__table_stat ts;
    uint8_t key[4], bad[3] = {1, 2, 3};
    uint64_t df;
    (void)state;
    scratch_open(&x);
    assert_int_equal(jkb__df_add(x.t, 70, 2), 0);
    assert_int_equal(jkb__df_add(x.t, 70, -2), 0);
    assert_int_equal(jkb__store_table_stat(x.t, JKB__T_TINFO, &ts), 0);
    assert_int_equal(ts.entries, 0);
    jkb__be32_put(key, 0);
    assert_int_equal(jkb__put(x.t, JKB__T_TINFO, key, 4, bad, sizeof bad), 0);
    assert_int_equal(jkb__df_get(x.t, 5, &df), JKB_ECORRUPT);
    assert_int_equal(jkb__df_add(x.t, 5, 1), JKB_ECORRUPT);
    scratch_close(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_apply_gathered),
        cmocka_unit_test(test_empty_and_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
