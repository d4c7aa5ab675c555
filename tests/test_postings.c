#include "helpers.h"

#include "postings.h"

/* xorshift: every random test prints its seed so a failure can be replayed. */
static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void fill_random(jkb__postings *p, size_t n, uint32_t first, uint32_t max_gap)
{
    uint32_t doc = first;
    size_t i;
    int rc = 0;
    for (i = 0; i < n; i++) {
        unsigned f;
        if (i > 0)
            doc += 1 + rnd() % max_gap;
        jkb__postings_add_doc(&rc, p, doc);
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t k, tf = (f == (unsigned)(i % JKB__NFIELDS)) ? 1 + rnd() % 5 : rnd() % 2;
            uint32_t pos = rnd() % 100;
            for (k = 0; k < tf; k++) {
                jkb__postings_add_pos(&rc, p, f, pos);
                pos += rnd() % 50; /* gaps of 0 allowed: a compound and its part */
            }
        }
    }
    assert_int_equal(rc, 0);
}

static void assert_same(const jkb__postings *a, size_t from, const jkb__postings *b)
{
    size_t i;
    for (i = 0; i < b->n; i++) {
        size_t na = a->pos_off[from + i + 1] - a->pos_off[from + i];
        size_t nb = b->pos_off[i + 1] - b->pos_off[i];
        assert_int_equal(a->docs[from + i], b->docs[i]);
        assert_memory_equal(a->tf + (from + i) * JKB__NFIELDS, b->tf + i * JKB__NFIELDS,
                            JKB__NFIELDS * sizeof *a->tf);
        assert_int_equal(na, nb);
        if (na)
            assert_memory_equal(a->pos + a->pos_off[from + i], b->pos + b->pos_off[i],
                                na * sizeof *a->pos);
    }
}

static const uint8_t codecs[] = {JKB__CODEC_VARINT, JKB__CODEC_PACKED};

/* Each document's positions alone from block out, decoded into q as what says, are p's
   (documents [from, from + q->n)): in a scrambled order, then in ascending order, as a walk
   reads them. */
static void assert_doc_positions(const jkb__buf *out, const jkb__postings *p, size_t from,
                                 jkb__postings *q)
{
    jkb__pos_index ix = {0};
    size_t k, n = q->n;
    for (k = 0; k < 2 * n; k++) {
        size_t i = k < n ? (k * 7 + n / 2) % n : k - n;
        size_t want = p->pos_off[from + i + 1] - p->pos_off[from + i];
        assert_int_equal(jkb__block_doc_positions(out->data, out->len, q, i, &ix), 0);
        assert_int_equal(q->pos_len, want);
        if (want)
            assert_memory_equal(q->pos, p->pos + p->pos_off[from + i], want * sizeof *p->pos);
    }
}

/* Encodes [from, from + n) of p in codec (0: the encoder's choice) and decodes it back every
   way: whole, without positions, frequencies left by field, one document's positions at a
   time. The encoded length. */
static size_t round_trip_as(const jkb__postings *p, size_t from, size_t n, uint8_t codec)
{
    jkb__buf out = JKB__BUF_INIT;
    jkb__postings back, ids_only, by_field;
    jkb__block_header h;
    size_t len, i;
    int rc = 0;
    jkb__postings_init(&back);
    jkb__postings_init(&ids_only);
    jkb__postings_init(&by_field);
    if (codec)
        jkb__block_encode_as(&rc, &out, p, from, n, (uint32_t)(from * 1000 + n), codec);
    else
        jkb__block_encode(&rc, &out, p, from, n, (uint32_t)(from * 1000 + n));
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__block_header_read(out.data, out.len, &h), 0);
    if (codec)
        assert_int_equal(h.codec, codec);
    assert_int_equal(h.n, n);
    assert_int_equal(h.bound, from * 1000 + n);
    assert_int_equal(jkb__block_decode(out.data, out.len, p->docs[from + n - 1], &back,
                                       JKB__DECODE_POSITIONS),
                     0);
    assert_int_equal(back.n, n);
    assert_same(p, from, &back);
    /* without positions: the same ids and frequencies */
    assert_int_equal(jkb__block_decode(out.data, out.len, p->docs[from + n - 1], &ids_only,
                                       JKB__DECODE_FREQS),
                     0);
    /* stored under another key: corrupt */
    assert_int_equal(jkb__block_decode(out.data, out.len, p->docs[from + n - 1] - 1, &back,
                                       JKB__DECODE_FREQS),
                     JKB_ECORRUPT);
    assert_int_equal(ids_only.n, n);
    assert_memory_equal(ids_only.docs, p->docs + from, n * sizeof *p->docs);
    assert_memory_equal(ids_only.tf, p->tf + from * JKB__NFIELDS,
                        n * JKB__NFIELDS * sizeof *p->tf);
    /* the frequencies left by field: each document's read alone */
    assert_int_equal(jkb__block_decode(out.data, out.len, p->docs[from + n - 1], &by_field,
                                       JKB__DECODE_BY_FIELD),
                     0);
    assert_int_equal(by_field.n, n);
    assert_memory_equal(by_field.docs, p->docs + from, n * sizeof *p->docs);
    for (i = 0; i < n; i++) {
        unsigned f;
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t tf = p->tf[(from + i) * JKB__NFIELDS + f];
            assert_int_equal(jkb__postings_tf(&by_field, i, f), tf);
            assert_true(tf == 0 || (jkb__postings_fields(&by_field) >> f & 1));
        }
    }
    /* one document's positions at a time, in any order */
    assert_doc_positions(&out, p, from, &ids_only);
    assert_doc_positions(&out, p, from, &by_field);
    len = out.len;
    jkb__postings_fin(&back);
    jkb__postings_fin(&ids_only);
    jkb__postings_fin(&by_field);
    jkb__buf_fin(&out);
    return len;
}

/* Both codecs round-trip; the encoder keeps the smaller. */
static void round_trip(const jkb__postings *p, size_t from, size_t n)
{
    size_t varint = round_trip_as(p, from, n, JKB__CODEC_VARINT);
    size_t packed = round_trip_as(p, from, n, JKB__CODEC_PACKED);
    assert_int_equal(round_trip_as(p, from, n, 0), varint < packed ? varint : packed);
}

static void test_boundaries(void **state)
{
    static const uint32_t firsts[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX - 200};
    size_t i;
    (void)state;
    rng_state = 42;
    for (i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        jkb__postings p;
        jkb__postings_init(&p);
        fill_random(&p, 1, firsts[i], 1);
        round_trip(&p, 0, 1);
        jkb__postings_fin(&p);
    }
    {
        /* the largest gap a 32-bit id can take */
        jkb__postings p;
        int rc = 0;
        jkb__postings_init(&p);
        jkb__postings_add_doc(&rc, &p, 0);
        jkb__postings_add_pos(&rc, &p, JKB__FIELD_BODY, UINT32_MAX);
        jkb__postings_add_doc(&rc, &p, UINT32_MAX);
        jkb__postings_add_pos(&rc, &p, JKB__FIELD_TITLE, 0);
        assert_int_equal(rc, 0);
        round_trip(&p, 0, 2);
        jkb__postings_fin(&p);
    }
    {
        /* wide frequencies in two fields, a run of equal positions (gaps of 0), a field
           every document has and one that only some have */
        jkb__postings p;
        uint32_t k;
        int rc = 0, d;
        jkb__postings_init(&p);
        for (d = 0; d < 20; d++) {
            jkb__postings_add_doc(&rc, &p, (uint32_t)(d * 3));
            for (k = 0; k < (d == 5 ? 300u : 1u + d % 3); k++)
                jkb__postings_add_pos(&rc, &p, JKB__FIELD_TITLE, d == 7 ? 4 : k * 2);
            for (k = 0; d % 4 == 0 && k < (d == 8 ? 70000u : 2u); k++)
                jkb__postings_add_pos(&rc, &p, JKB__FIELD_ORG, 9);
        }
        assert_int_equal(rc, 0);
        round_trip(&p, 0, p.n);
        jkb__postings_fin(&p);
    }
}

/* Rice codes with values far from their run's mean: one id gap and one position gap near
   2^32 among gaps of one (long unary codes), and a document of thousands of positions whose
   codes the per-document index passes eight bytes at a time. Sizes stay near the values'
   entropy rather than 128 times the widest. */
static void test_rice_outliers(void **state)
{
    jkb__postings p;
    uint32_t k;
    size_t len;
    int rc = 0, d;
    (void)state;
    jkb__postings_init(&p);
    for (d = 0; d < JKB__BLOCK_DOCS; d++) {
        jkb__postings_add_doc(&rc, &p, d == JKB__BLOCK_DOCS - 1 ? 4000000000u : (uint32_t)d);
        jkb__postings_add_pos(&rc, &p, JKB__FIELD_TITLE, (uint32_t)d % 3);
        for (k = 0; k < (d == 40 ? 5000u : 2u); k++)
            jkb__postings_add_pos(&rc, &p, JKB__FIELD_BODY, k * 2 + 1);
        if (d == 90)
            jkb__postings_add_pos(&rc, &p, JKB__FIELD_BODY, 3000000000u);
    }
    assert_int_equal(rc, 0);
    len = round_trip_as(&p, 0, p.n, JKB__CODEC_PACKED);
    /* the mean puts k at 19 for the gaps (5,254 of 2 and one of 3e9): 20 bits each, where
       k = 1 would write the outlier in 1.5e9 bits */
    assert_true(len < 16000);
    round_trip(&p, 0, p.n);
    jkb__postings_fin(&p);
}

/* Keys read back as written, sort as their numbers do, take the fewest bytes, and any other
   bytes are corrupt. */
static void test_keys(void **state)
{
    static const uint32_t edges[] = {0,           1,           127,         128,
                                     16383,       16384,       (1u << 21) - 1, 1u << 21,
                                     (1u << 28) - 1, 1u << 28, UINT32_MAX - 1, UINT32_MAX};
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"", 0},                     /* empty */
        {"\x05", 1},                 /* one number */
        {"\x05\x06\x07", 3},         /* a byte after the two */
        {"\x80\x05\x06", 3},         /* 5 in two bytes */
        {"\xF8\x00\x00\x00\x00\x01", 6}, /* five leading ones */
        {"\xF1\x00\x00\x00\x00\x01", 6}, /* bits in the five-byte prefix */
        {"\x01\xC0\x00", 3},         /* cut short */
    };
    size_t i, j;
    (void)state;
    rng_state = 5;
    for (i = 0; i < sizeof edges / sizeof *edges; i++)
        for (j = 0; j < sizeof edges / sizeof *edges; j++) {
            uint8_t key[JKB__POST_KEY_MAX];
            uint32_t tid, doc;
            size_t len = jkb__post_key(key, edges[i], edges[j]);
            assert_int_equal(len, 2 + (edges[i] >= 128) + (edges[i] >= 16384) +
                                      (edges[i] >= 1u << 21) + (edges[i] >= 1u << 28) +
                                      (edges[j] >= 128) + (edges[j] >= 16384) +
                                      (edges[j] >= 1u << 21) + (edges[j] >= 1u << 28));
            assert_int_equal(jkb__post_key_read(key, len, &tid, &doc), 0);
            assert_int_equal(tid, edges[i]);
            assert_int_equal(doc, edges[j]);
        }
    for (i = 0; i < 20000; i++) { /* byte order is (term, doc) order */
        uint8_t a[JKB__POST_KEY_MAX], b[JKB__POST_KEY_MAX];
        uint32_t ta = rnd() >> (rnd() % 32), da = rnd() >> (rnd() % 32);
        uint32_t tb = i % 3 ? rnd() >> (rnd() % 32) : ta, db = rnd() >> (rnd() % 32);
        size_t la = jkb__post_key(a, ta, da), lb = jkb__post_key(b, tb, db);
        int c = memcmp(a, b, la < lb ? la : lb), want;
        c = c ? c : (la > lb) - (la < lb);
        want = ta != tb ? (ta > tb) - (ta < tb) : (da > db) - (da < db);
        assert_int_equal((c > 0) - (c < 0), want);
    }
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint32_t tid, doc;
        assert_int_equal(jkb__post_key_read((const uint8_t *)bad[i].bytes, bad[i].len, &tid, &doc),
                         JKB_ECORRUPT);
    }
}

static void test_random_blocks(void **state)
{
    int iter;
    (void)state;
    rng_state = (uint64_t)time(NULL) | 1;
    print_message("seed %llu\n", (unsigned long long)rng_state);
    for (iter = 0; iter < 200; iter++) {
        jkb__postings p;
        size_t n = 1 + rnd() % (3 * JKB__BLOCK_DOCS), from;
        jkb__postings_init(&p);
        fill_random(&p, n, rnd() % 1000, 1 + rnd() % 5000);
        for (from = 0; from < n; from += JKB__BLOCK_DOCS)
            round_trip(&p, from, n - from < JKB__BLOCK_DOCS ? n - from : JKB__BLOCK_DOCS);
        jkb__postings_fin(&p);
    }
}

/* Dense blocks (ids one or two apart, the packed codec's parameter 0: the unary part of the
   ids is a bitmap of their range) round-trip, full and partial. */
static void test_dense_blocks(void **state)
{
    uint32_t max_gap;
    (void)state;
    rng_state = 42;
    for (max_gap = 1; max_gap <= 3; max_gap++) {
        jkb__postings p;
        size_t from, n = 2 * JKB__BLOCK_DOCS + 37;
        jkb__postings_init(&p);
        fill_random(&p, n, max_gap * 1000, max_gap);
        for (from = 0; from < n; from += JKB__BLOCK_DOCS)
            round_trip(&p, from, n - from < JKB__BLOCK_DOCS ? n - from : JKB__BLOCK_DOCS);
        jkb__postings_fin(&p);
    }
}

static void test_remove_and_copy(void **state)
{
    jkb__postings p, q;
    int rc = 0;
    size_t i;
    (void)state;
    rng_state = 7;
    jkb__postings_init(&p);
    jkb__postings_init(&q);
    fill_random(&p, 10, 5, 10);
    for (i = 0; i < p.n; i++)
        if (i != 3)
            jkb__postings_copy_doc(&rc, &q, &p, i, p.docs[i]);
    assert_int_equal(rc, 0);
    jkb__postings_remove(&p, 3);
    assert_int_equal(p.n, 9);
    assert_same(&p, 0, &q);
    round_trip(&p, 0, p.n);
    jkb__postings_fin(&p);
    jkb__postings_fin(&q);
}

/* Truncated or garbled blocks of codec are errors, never crashes or reads past the end. */
static void corrupt_blocks(uint8_t codec)
{
    jkb__postings p, back, by_field;
    uint32_t last;
    jkb__buf out = JKB__BUF_INIT;
    size_t len, i;
    int rc = 0, r;
    rng_state = 99;
    jkb__postings_init(&p);
    jkb__postings_init(&back);
    jkb__postings_init(&by_field);
    fill_random(&p, 50, 1, 100);
    last = p.docs[49];
    jkb__block_encode_as(&rc, &out, &p, 0, 50, 99, codec);
    assert_int_equal(rc, 0);
    for (len = 0; len < out.len; len++) {
        /* a copy of exactly len bytes, so that ASan sees any read beyond it */
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, out.data, len);
        assert_int_equal(jkb__block_decode(cut, len, last, &back, JKB__DECODE_POSITIONS),
                         JKB_ECORRUPT);
        r = jkb__block_decode(cut, len, last, &back, JKB__DECODE_FREQS);
        assert_int_equal(jkb__block_decode(cut, len, last, &by_field, JKB__DECODE_BY_FIELD), r);
        if (r == 0) { /* cut in the positions */
            jkb__pos_index ix = {0}, ix2 = {0};
            assert_int_equal(jkb__block_doc_positions(cut, len, &back, 0, &ix), JKB_ECORRUPT);
            assert_int_equal(jkb__block_doc_positions(cut, len, &by_field, 0, &ix2),
                             JKB_ECORRUPT);
        }
        free(cut);
    }
    for (i = 0; i < 2000; i++) {
        uint8_t *bad = malloc(out.len);
        memcpy(bad, out.data, out.len);
        bad[rnd() % out.len] ^= (uint8_t)(1 + rnd() % 255);
        r = jkb__block_decode(bad, out.len, last, &back, JKB__DECODE_POSITIONS);
        assert_true(r == 0 || r == JKB_ECORRUPT);
        r = jkb__block_decode(bad, out.len, last, &back, JKB__DECODE_FREQS);
        assert_int_equal(jkb__block_decode(bad, out.len, last, &by_field, JKB__DECODE_BY_FIELD),
                         r);
        if (r == 0) {
            jkb__pos_index ix = {0}, ix2 = {0};
            size_t k;
            for (k = 0; k < back.n; k++) {
                r = jkb__block_doc_positions(bad, out.len, &back, k, &ix);
                assert_true(r == 0 || r == JKB_ECORRUPT);
                assert_int_equal(jkb__block_doc_positions(bad, out.len, &by_field, k, &ix2), r);
            }
        }
        free(bad);
    }
    if (codec == JKB__CODEC_PACKED) {
        /* a zero byte after a last unary part of one byte, which a reader takes in with it:
           corrupt, read whole or one document at a time */
        jkb__postings one;
        jkb__pos_index ix = {0};
        jkb__postings_init(&one);
        jkb__postings_add_doc(&rc, &one, 5);
        jkb__postings_add_pos(&rc, &one, JKB__FIELD_BODY, 0);
        jkb__postings_add_pos(&rc, &one, JKB__FIELD_BODY, 1);
        out.len = 0;
        jkb__block_encode_as(&rc, &out, &one, 0, 1, 1, codec);
        jkb__buf_putc(&rc, &out, 0);
        assert_int_equal(rc, 0);
        assert_int_equal(jkb__block_decode(out.data, out.len - 1, 5, &back, JKB__DECODE_POSITIONS),
                         0);
        assert_int_equal(jkb__block_decode(out.data, out.len, 5, &back, JKB__DECODE_POSITIONS),
                         JKB_ECORRUPT);
        assert_int_equal(jkb__block_decode(out.data, out.len, 5, &back, JKB__DECODE_FREQS), 0);
        assert_int_equal(jkb__block_doc_positions(out.data, out.len, &back, 0, &ix),
                         JKB_ECORRUPT);
        jkb__postings_fin(&one);
    }
    if (codec == JKB__CODEC_PACKED) {
        /* the same after the ids' unary part, the header saying the ids take that byte */
        jkb__block_header h;
        jkb__buf grown = JKB__BUF_INIT;
        size_t end_ids;
        out.len = 0;
        jkb__block_encode_as(&rc, &out, &p, 0, 50, 99, codec);
        assert_int_equal(jkb__block_header_read(out.data, out.len, &h), 0);
        assert_true(h.ids_len < 127 && out.data[3] == h.ids_len); /* one-byte varints */
        end_ids = h.header_len + h.ids_len;
        jkb__buf_put(&rc, &grown, out.data, end_ids);
        jkb__buf_putc(&rc, &grown, 0);
        jkb__buf_put(&rc, &grown, out.data + end_ids, out.len - end_ids);
        assert_int_equal(rc, 0);
        grown.data[3]++;
        assert_int_equal(jkb__block_decode(grown.data, grown.len, last, &back, JKB__DECODE_FREQS),
                         JKB_ECORRUPT);
        jkb__buf_fin(&grown);
    }
    {
        uint8_t unknown_codec = 99;
        assert_int_equal(
            jkb__block_decode(&unknown_codec, 1, last, &back, JKB__DECODE_POSITIONS),
            JKB_ECORRUPT);
    }
    jkb__buf_fin(&out);
    jkb__postings_fin(&p);
    jkb__postings_fin(&back);
    jkb__postings_fin(&by_field);
}

static void test_corrupt(void **state)
{
    size_t c;
    (void)state;
    for (c = 0; c < sizeof codecs; c++)
        corrupt_blocks(codecs[c]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_rice_outliers),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_random_blocks),
        cmocka_unit_test(test_dense_blocks),
        cmocka_unit_test(test_remove_and_copy),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
