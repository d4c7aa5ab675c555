/* The term dictionary in front-coded blocks: against a sorted array. */
#include "helpers.h"

#include "buf.h"
#include "termdict.h"

#define MAX_TERMS 6000

typedef struct model_term {
    uint8_t t[JKB__TERM_MAX];
    size_t len;
    uint32_t id;
} model_term;

static uint64_t rng = 1;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static int cmp_term(const void *a, const void *b)
{
    const model_term *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->t, y->t, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* A term of a few letters (so that neighbours share prefixes), sometimes kana-like UTF-8
   bytes, sometimes up to the longest allowed, sometimes starting with a low byte. */
static void random_term(model_term *m)
{
    static const uint8_t letters[] = {'a', 'b', 'c', 0xE3, 0x81, 0x82, 0x83};
    size_t i, len = rnd() % 50 == 0 ? JKB__TERM_MAX - rnd() % 3 : 1 + rnd() % 12;
    for (i = 0; i < len; i++)
        m->t[i] = letters[rnd() % sizeof letters];
    if (rnd() % 40 == 0)
        m->t[0] = (uint8_t)(8 + rnd() % 8);
    m->len = len;
}

static model_term *find(model_term *model, size_t n, const model_term *key)
{
    return bsearch(key, model, n, sizeof *model, cmp_term);
}

/* Every block: its key is its first term, and key and value fit the size that fills pages. */
static void assert_blocks(jkb__txn *t)
{
    jkb__cursor *c;
    jkb__val k, v;
    int rc;
    assert_int_equal(jkb__cursor_open(t, JKB__T_TERMS, &c), 0);
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v); rc == 0; rc = jkb__cursor_next(c, &k, &v)) {
        jkb__term_iter it;
        assert_true(k.len + v.len <= JKB__TERMS_BLOCK_MAX);
        assert_int_equal(jkb__terms_open(t, &it), 0);
        assert_int_equal(jkb__terms_seek(&it, k.data, k.len), 0);
        assert_int_equal(it.len, k.len);
        assert_memory_equal(it.term, k.data, k.len);
        jkb__terms_close(&it);
    }
    assert_int_equal(rc, JKB_ENOTFOUND);
    jkb__cursor_close(c);
}

/* What the dictionary holds equals the model: each term's id, the walk in order, a seek from
   anywhere landing on the first term at or after it, absent terms absent. */
static void assert_model(jkb__txn *t, model_term *model, size_t n)
{
    jkb__term_iter it;
    size_t i;
    int rc;
    uint32_t id;
    assert_int_equal(jkb__terms_open(t, &it), 0);
    for (i = 0, rc = jkb__terms_seek(&it, NULL, 0); rc == 0; rc = jkb__terms_next(&it), i++) {
        assert_true(i < n);
        assert_int_equal(it.len, model[i].len);
        assert_memory_equal(it.term, model[i].t, it.len);
        assert_int_equal(it.id, model[i].id);
    }
    assert_int_equal(rc, JKB_ENOTFOUND);
    assert_int_equal(i, n);
    for (i = 0; i < 300; i++) {
        model_term probe;
        size_t lo = 0, hi = n;
        random_term(&probe);
        while (lo < hi) { /* the model's first term >= probe */
            size_t mid = lo + (hi - lo) / 2;
            if (cmp_term(&model[mid], &probe) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        rc = jkb__terms_seek(&it, probe.t, probe.len);
        if (lo == n) {
            assert_int_equal(rc, JKB_ENOTFOUND);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(it.id, model[lo].id);
        }
        rc = jkb__terms_get(t, probe.t, probe.len, &id);
        if (lo < n && cmp_term(&model[lo], &probe) == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(id, model[lo].id);
        } else {
            assert_int_equal(rc, JKB_ENOTFOUND);
        }
    }
    jkb__terms_close(&it);
    for (i = 0; i < n; i++) {
        assert_int_equal(jkb__terms_get(t, model[i].t, model[i].len, &id), 0);
        assert_int_equal(id, model[i].id);
    }
}

/* Batches of sorted terms, old and new, each in its own transaction: the new take the next
   ids in their order, the old keep theirs, and blocks split as they fill. */
static void test_against_model(void **state)
{
    static model_term model[MAX_TERMS], batch[1200];
    static jkb__term_ref refs[1200];
    scratch x;
    size_t n = 0, n0, b, i, round;
    uint32_t next_id = 0, expect;
    (void)state;
    rng = 2026;
    scratch_open(&x);
    {
        jkb__term_iter it; /* an empty dictionary */
        uint32_t id;
        assert_int_equal(jkb__terms_open(x.t, &it), 0);
        assert_int_equal(jkb__terms_seek(&it, NULL, 0), JKB_ENOTFOUND);
        jkb__terms_close(&it);
        assert_int_equal(jkb__terms_get(x.t, "a", 1, &id), JKB_ENOTFOUND);
    }
    for (round = 0; round < 6; round++) {
        size_t want = round == 0 ? 1200 : 200 + rnd() % 900;
        for (b = 0; b < want; b++) /* some terms the dictionary has, mostly new ones */
            if (n > 0 && rnd() % 4 == 0)
                batch[b] = model[rnd() % n];
            else
                random_term(&batch[b]);
        if (round > 0) { /* a term before every other: the first block takes a new key */
            batch[0].t[0] = (uint8_t)(6 - round);
            batch[0].len = 1;
        }
        qsort(batch, want, sizeof *batch, cmp_term);
        for (i = b = 0; i < want; i++) /* distinct */
            if (b == 0 || cmp_term(&batch[b - 1], &batch[i]) != 0)
                batch[b++] = batch[i];
        for (i = 0; i < b; i++) {
            refs[i].term = batch[i].t;
            refs[i].len = batch[i].len;
            refs[i].id = UINT32_MAX;
        }
        expect = next_id;
        assert_int_equal(jkb__terms_resolve(x.t, refs, b, &next_id), 0);
        for (i = 0, n0 = n; i < b; i++) {
            model_term *old = find(model, n0, &batch[i]);
            if (old) {
                assert_int_equal(refs[i].id, old->id);
                continue;
            }
            assert_int_equal(refs[i].id, expect++);
            batch[i].id = refs[i].id;
            assert_true(n < MAX_TERMS);
            model[n++] = batch[i];
        }
        qsort(model, n, sizeof *model, cmp_term);
        assert_int_equal(next_id, n);
        assert_int_equal(jkb__txn_commit(x.t, &x.err), 0);
        assert_int_equal(jkb__txn_begin(x.s, round < 5, &x.t, &x.err), 0);
        assert_model(x.t, model, n);
        assert_blocks(x.t);
    }
    scratch_close(&x);
}

/* A garbled block is an error to every reader, never a crash or a read past its end. */
static void test_corrupt_blocks(void **state)
{
    static const struct {
        const char *key;
        const char *val;
        size_t len;
    } bad[] = {
        {"b", "\x01\x05\x01", 3},      /* shares 5 bytes of a 1-byte term */
        {"b", "\x01\x01\x00\x02", 4},  /* an empty rest */
        {"b", "\x01\x00\x03xy", 5},    /* a rest longer than the block */
        {"b", "\x01\x00\x01z\x80", 5}, /* an id cut short */
        {"b", "\x80", 1},              /* the first id cut short */
        {"b", "\x01\x00\x01z", 4},      /* an entry without its id */
        {"b", "\x01\x01\x80", 3},       /* past the longest term */
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scratch x;
        jkb__term_iter it;
        uint32_t id;
        int rc;
        scratch_open(&x);
        assert_int_equal(jkb__put(x.t, JKB__T_TERMS, bad[i].key, 1, bad[i].val, bad[i].len), 0);
        assert_int_equal(jkb__terms_open(x.t, &it), 0);
        rc = jkb__terms_seek(&it, NULL, 0);
        while (rc == 0)
            rc = jkb__terms_next(&it);
        assert_int_equal(rc, JKB_ECORRUPT);
        jkb__terms_close(&it);
        assert_int_equal(jkb__terms_get(x.t, "bz", 2, &id), JKB_ECORRUPT);
        {
            jkb__term_ref ref = {"bz", 2, 0};
            uint32_t next = 10;
            assert_int_equal(jkb__terms_resolve(x.t, &ref, 1, &next), JKB_ECORRUPT);
        }
        scratch_close(&x);
    }
    {
        /* blocks out of order: a later block's terms before an earlier one's */
        scratch x;
        jkb__term_ref ref = {"c", 1, 0};
        uint32_t next = 10;
        scratch_open(&x);
        assert_int_equal(jkb__put(x.t, JKB__T_TERMS, "a", 1, "\x01\x00\x01z\x02", 5), 0);
        assert_int_equal(jkb__put(x.t, JKB__T_TERMS, "b", 1, "\x03\x00\x01a\x04", 5), 0);
        assert_int_equal(jkb__terms_resolve(x.t, &ref, 1, &next), JKB_ECORRUPT);
        scratch_close(&x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_model),
        cmocka_unit_test(test_corrupt_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
