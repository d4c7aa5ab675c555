/* The only file that knows the postings byte format (see postings.h). */
#include "postings.h"

#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"

#define ONES2(n) n, n + 1, n + 1, n + 2
#define ONES4(n) ONES2(n), ONES2(n + 1), ONES2(n + 1), ONES2(n + 2)
#define ONES6(n) ONES4(n), ONES4(n + 1), ONES4(n + 1), ONES4(n + 2)
const uint8_t jkb__ones8[256] = {ONES6(0), ONES6(1), ONES6(1), ONES6(2)};

void jkb__postings_init(jkb__postings *p)
{
    memset(p, 0, sizeof *p);
}

void jkb__postings_fin(jkb__postings *p)
{
    free(p->docs);
    free(p->tf);
    free(p->pos_off);
    free(p->pos);
    free(p->fields);
    jkb__postings_init(p);
}

void jkb__postings_clear(jkb__postings *p)
{
    p->n = 0;
    p->pos_len = 0;
    p->by_field = 0;
    if (p->pos_off)
        p->pos_off[0] = 0;
}

static int grow_docs(jkb__postings *p, size_t want)
{
    size_t cap = p->cap ? p->cap : 4;
    uint32_t *d, *t, *o;
    if (want <= p->cap)
        return 0;
    while (cap < want)
        cap *= 2;
    d = realloc(p->docs, cap * sizeof *d);
    if (d == NULL)
        return JKB_ENOMEM;
    p->docs = d;
    t = realloc(p->tf, cap * JKB__NFIELDS * sizeof *t);
    if (t == NULL)
        return JKB_ENOMEM;
    p->tf = t;
    o = realloc(p->pos_off, (cap + 1) * sizeof *o);
    if (o == NULL)
        return JKB_ENOMEM;
    if (p->pos_off == NULL)
        o[0] = 0;
    p->pos_off = o;
    p->cap = cap;
    return 0;
}

static int grow_pos(jkb__postings *p, size_t want)
{
    size_t cap = p->pos_cap ? p->pos_cap : 16;
    uint32_t *q;
    if (want <= p->pos_cap)
        return 0;
    while (cap < want)
        cap *= 2;
    q = realloc(p->pos, cap * sizeof *q);
    if (q == NULL)
        return JKB_ENOMEM;
    p->pos = q;
    p->pos_cap = cap;
    return 0;
}

void jkb__postings_add_doc(int *rc, jkb__postings *p, uint32_t doc)
{
    if (*rc)
        return;
    if ((*rc = grow_docs(p, p->n + 1)) != 0)
        return;
    p->docs[p->n] = doc;
    memset(p->tf + p->n * JKB__NFIELDS, 0, JKB__NFIELDS * sizeof *p->tf);
    p->n++;
    p->pos_off[p->n] = (uint32_t)p->pos_len;
}

void jkb__postings_add_pos(int *rc, jkb__postings *p, unsigned f, uint32_t pos)
{
    if (*rc)
        return;
    if ((*rc = grow_pos(p, p->pos_len + 1)) != 0)
        return;
    p->pos[p->pos_len++] = pos;
    p->tf[(p->n - 1) * JKB__NFIELDS + f]++;
    p->pos_off[p->n] = (uint32_t)p->pos_len;
}

void jkb__postings_copy_doc(int *rc, jkb__postings *dst, const jkb__postings *src, size_t i,
                            uint32_t doc)
{
    size_t np = src->pos_off[i + 1] - src->pos_off[i];
    jkb__postings_add_doc(rc, dst, doc);
    if (*rc)
        return;
    memcpy(dst->tf + (dst->n - 1) * JKB__NFIELDS, src->tf + i * JKB__NFIELDS,
           JKB__NFIELDS * sizeof *dst->tf);
    if ((*rc = grow_pos(dst, dst->pos_len + np)) != 0)
        return;
    if (np)
        memcpy(dst->pos + dst->pos_len, src->pos + src->pos_off[i], np * sizeof *dst->pos);
    dst->pos_len += np;
    dst->pos_off[dst->n] = (uint32_t)dst->pos_len;
}

void jkb__postings_remove(jkb__postings *p, size_t i)
{
    size_t j, a = p->pos_off[i], b = p->pos_off[i + 1], np = b - a;
    memmove(p->pos + a, p->pos + b, (p->pos_len - b) * sizeof *p->pos);
    p->pos_len -= np;
    memmove(p->docs + i, p->docs + i + 1, (p->n - i - 1) * sizeof *p->docs);
    memmove(p->tf + i * JKB__NFIELDS, p->tf + (i + 1) * JKB__NFIELDS,
            (p->n - i - 1) * JKB__NFIELDS * sizeof *p->tf);
    for (j = i + 1; j < p->n; j++)
        p->pos_off[j] = p->pos_off[j + 1] - (uint32_t)np;
    p->n--;
}

/* ---- keys ---- */

static size_t ordered_put(uint8_t *out, uint32_t v)
{
    size_t n = v < 1u << 7 ? 0 : v < 1u << 14 ? 1 : v < 1u << 21 ? 2 : v < 1u << 28 ? 3 : 4, i;
    for (i = n; i > 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
    out[0] = (uint8_t)(n == 4 ? 0xF0 : (0xFF00u >> n & 0xFF) | v);
    return n + 1;
}

static int ordered_get(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    static const uint32_t least[5] = {0, 1u << 7, 1u << 14, 1u << 21, 1u << 28};
    unsigned n = 0, i;
    uint32_t v;
    if (*p >= end)
        return JKB_ECORRUPT;
    while (n < 5 && (**p << n & 0x80))
        n++;
    if (n == 5 || (n == 4 && (**p & 0x0F)) || (size_t)(end - *p) <= n)
        return JKB_ECORRUPT;
    v = **p & (0x7Fu >> n);
    for (i = 1; i <= n; i++)
        v = v << 8 | (*p)[i];
    if (v < least[n])
        return JKB_ECORRUPT; /* not the fewest bytes: it would sort out of place */
    *p += n + 1;
    *out = v;
    return 0;
}

size_t jkb__post_key(uint8_t *out, uint32_t tid, uint32_t doc)
{
    size_t n = ordered_put(out, tid);
    return n + ordered_put(out + n, doc);
}

int jkb__post_key_read(const uint8_t *key, size_t len, uint32_t *tid, uint32_t *doc)
{
    const uint8_t *end = key + len;
    if (ordered_get(&key, end, tid) || ordered_get(&key, end, doc) || key != end)
        return JKB_ECORRUPT;
    return 0;
}

/* A document's position count: its frequencies tf summed over fields. */
static uint64_t doc_total(const uint32_t *tf)
{
    uint64_t total = 0;
    unsigned f;
    for (f = 0; f < JKB__NFIELDS; f++)
        total += tf[f];
    return total;
}

/* The fields holding the term in document i, as a mask. */
static unsigned fields_of(const jkb__postings *p, size_t i)
{
    const uint32_t *tf = p->tf + i * JKB__NFIELDS;
    unsigned f, m = 0;
    for (f = 0; f < JKB__NFIELDS; f++)
        m |= (unsigned)(tf[f] != 0) << f;
    return m;
}

/* ---- the varint codec ---- */

/* jkb__varint_get32 with the one-byte case inline: most gaps and frequencies are small. */
static inline int get32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    if (*p < end && **p < 0x80) {
        *out = *(*p)++;
        return 0;
    }
    return jkb__varint_get32(p, end, out);
}

/* Frequencies: a document with one field and a frequency below SMALL_TF takes one byte,
   field * SMALL_TF + tf; any other takes MULTI + mask, then one varint per field present. */
#define SMALL_TF 16
#define MULTI (SMALL_TF * JKB__NFIELDS)

/* Whether the varint codec writes a document's frequencies (fields mask, summing sum) in one
   byte: one field, a small frequency. */
static inline int one_byte_tf(unsigned mask, uint64_t sum)
{
    return (mask & (mask - 1)) == 0 && sum < SMALL_TF;
}

/* Appends the three streams of the varint codec to s. */
static void varint_encode(int *rc, jkb__buf *s, const jkb__postings *p, size_t from, size_t n)
{
    size_t i, f;
    for (i = from; i < from + n; i++)
        jkb__buf_put_varint(rc, s, i == from ? p->docs[i] : p->docs[i] - p->docs[i - 1]);
    for (i = from; i < from + n; i++) {
        const uint32_t *tf = p->tf + i * JKB__NFIELDS;
        unsigned mask = fields_of(p, i);
        uint64_t sum = doc_total(tf);
        if (one_byte_tf(mask, sum)) {
            for (f = 0; !(mask >> f & 1); f++)
                ;
            jkb__buf_putc(rc, s, (uint8_t)(f * SMALL_TF + sum));
        } else {
            jkb__buf_put_varint(rc, s, MULTI + mask);
            for (f = 0; f < JKB__NFIELDS; f++)
                if (tf[f])
                    jkb__buf_put_varint(rc, s, tf[f]);
        }
    }
    for (i = from; i < from + n; i++) {
        const uint32_t *tf = p->tf + i * JKB__NFIELDS, *ps = p->pos + p->pos_off[i];
        uint32_t k;
        for (f = 0; f < JKB__NFIELDS; f++) {
            for (k = 0; k < tf[f]; k++)
                jkb__buf_put_varint(rc, s, k == 0 ? ps[k] : ps[k] - ps[k - 1]);
            ps += tf[f];
        }
    }
}

/* Ids and frequencies of the varint codec; s and fs at their streams. */
static int varint_decode(const jkb__block_header *h, const uint8_t *s, const uint8_t *fs,
                         jkb__postings *p)
{
    const uint8_t *end = s + h->ids_len, *fend = fs + h->freqs_len;
    uint32_t doc = 0;
    size_t i, f;
    for (i = 0; i < h->n; i++) {
        uint32_t v, mask;
        uint32_t *tf = p->tf + i * JKB__NFIELDS;
        if (get32(&s, end, &v) || (i > 0 && (v == 0 || v > UINT32_MAX - doc)))
            return JKB_ECORRUPT;
        doc = i == 0 ? v : doc + v;
        p->docs[i] = doc;
        if (get32(&fs, fend, &mask))
            return JKB_ECORRUPT;
        memset(tf, 0, JKB__NFIELDS * sizeof *tf);
        if (mask < MULTI) { /* one field, a small frequency */
            if (mask % SMALL_TF == 0)
                return JKB_ECORRUPT;
            tf[mask / SMALL_TF] = mask % SMALL_TF;
            continue;
        }
        mask -= MULTI;
        if (mask == 0 || mask >> JKB__NFIELDS)
            return JKB_ECORRUPT;
        for (f = 0; f < JKB__NFIELDS; f++) {
            if ((mask >> f & 1) && (get32(&fs, fend, &tf[f]) || tf[f] == 0))
                return JKB_ECORRUPT;
        }
    }
    return s == end && fs == fend ? 0 : JKB_ECORRUPT;
}

/* Where each document's positions start in the varint codec's stream (ps: its start): one
   pass counting varint ends, each position ending in a byte < 0x80. */
static int varint_index(const jkb__postings *p, const uint8_t *src, const uint8_t *ps,
                        const uint8_t *end, jkb__pos_index *ix)
{
    size_t k;
    for (k = 0; k < p->n; k++) {
        uint64_t left = doc_total(p->tf + k * JKB__NFIELDS);
        ix->at[k] = (uint32_t)(ps - src);
        for (; left > 0 && ps < end; ps++)
            left -= *ps < 0x80;
        if (left > 0)
            return JKB_ECORRUPT;
    }
    if (ps != end)
        return JKB_ECORRUPT;
    ix->at[p->n] = (uint32_t)(end - src);
    return 0;
}

/* Appends the positions of a document of frequencies tf, read from *ps (before end), to
   p->pos. */
static int varint_positions(jkb__postings *p, const uint32_t *tf, const uint8_t **ps,
                            const uint8_t *end)
{
    size_t f;
    for (f = 0; f < JKB__NFIELDS; f++) {
        uint32_t n, prev = 0;
        for (n = 0; n < tf[f]; n++) {
            uint32_t gap;
            if (get32(ps, end, &gap) || gap > UINT32_MAX - prev)
                return JKB_ECORRUPT;
            prev = n == 0 ? gap : prev + gap;
            p->pos[p->pos_len++] = prev;
        }
    }
    return 0;
}

/* ---- the packed codec ---- */

/* Bits needed to write v. */
static unsigned width_of(uint32_t v)
{
    return v ? 32 - (unsigned)__builtin_clz(v) : 0;
}

/* Values of a given width, least significant bit first, appended to a buffer. */
typedef struct bit_writer {
    int *rc;
    jkb__buf *out;
    uint64_t acc;
    unsigned n;
} bit_writer;

static void bits_put(bit_writer *w, uint32_t v, unsigned width)
{
    w->acc |= (uint64_t)v << w->n;
    w->n += width;
    while (w->n >= 8) {
        jkb__buf_putc(w->rc, w->out, (uint8_t)w->acc);
        w->acc >>= 8;
        w->n -= 8;
    }
}

/* A unary code: q zero bits, then a one. */
static void unary_put(bit_writer *w, uint64_t q)
{
    for (; q >= 32; q -= 32)
        bits_put(w, 0, 32);
    bits_put(w, (uint32_t)1 << q, (unsigned)q + 1);
}

/* Pads the last byte with zero bits. */
static void bits_end(bit_writer *w)
{
    if (w->n > 0)
        jkb__buf_putc(w->rc, w->out, (uint8_t)w->acc);
    w->acc = 0;
    w->n = 0;
}

/* Reads [p, end): acc holds the n bits read from it and not consumed yet. */
typedef struct bit_reader {
    const uint8_t *p;
    const uint8_t *end;
    uint64_t acc;
    unsigned n;
} bit_reader;

/* The caller has checked that the stream holds what it reads: past its end come zeros. */
static inline uint32_t bits_get(bit_reader *r, unsigned width)
{
    uint32_t v;
    while (r->n < width) {
        r->acc |= (uint64_t)(r->p < r->end ? *r->p++ : 0) << r->n;
        r->n += 8;
    }
    v = (uint32_t)(r->acc & (((uint64_t)1 << width) - 1));
    r->acc >>= width;
    r->n -= width;
    return v;
}

/* A reader of [src, end) from bit `bit` on. */
static bit_reader reader_at(const uint8_t *src, const uint8_t *end, uint64_t bit)
{
    bit_reader r = {src + bit / 8, end, 0, 0};
    (void)bits_get(&r, (unsigned)(bit % 8));
    return r;
}

#define UNARY_END UINT64_MAX

/* Refills a reader of unary codes with the whole bytes that fit, once it holds only zeros
   (dropped: they count towards the next code). 0, or 1 at the end of the stream. */
static inline int unary_refill(bit_reader *r)
{
    r->n = 0;
    if (r->p == r->end)
        return 1;
    while (r->n <= 56 && r->p < r->end) {
        r->acc |= (uint64_t)*r->p++ << r->n;
        r->n += 8;
    }
    return 0;
}

/* Reads a unary code: the zero bits before the next one bit, or UNARY_END when the stream
   ends first. */
static inline uint64_t unary_get(bit_reader *r)
{
    uint64_t q = 0;
    unsigned z;
    while (r->acc == 0) {
        q += r->n;
        if (unary_refill(r))
            return UNARY_END;
    }
    z = (unsigned)__builtin_ctzll(r->acc);
    r->acc = r->acc >> z >> 1;
    r->n -= z + 1;
    return q + z;
}

/* Whether a run of unary codes read to its last ends there: no byte left, and nothing but the
   last byte's padding, all zero, unread. */
static int unary_done(const bit_reader *r)
{
    return r->p == r->end && r->acc == 0 && r->n < 8;
}

/* Eight bytes of src[off..len), zeros past len. */
static inline uint64_t word_at(const uint8_t *src, size_t off, size_t len)
{
    uint8_t buf[8] = {0};
    if (len - off >= 8)
        return jkb__le64_get(src + off);
    memcpy(buf, src + off, len - off);
    return jkb__le64_get(buf);
}

/* Whether [src, src + len) holds exactly count unary codes: as many one bits, the last in
   the last byte. */
static int unary_holds(const uint8_t *src, size_t len, uint64_t count)
{
    uint64_t ones = 0;
    size_t off;
    for (off = 0; off < len; off += 8)
        ones += jkb__ones64(word_at(src, off, len));
    return ones == count && (count == 0 ? len == 0 : src[len - 1] != 0);
}

/*
 * The ids of a packed block after its first (docs[0]), from the gaps' low k bits v[0..count)
 * and the unary part [src, src + len) of their high bits. The m-th one bit of the part, at bit
 * one, has one - m zeros before it: the high bits of gaps 0..m summed. So
 *     docs[m + 1] = docs[0] + sum over j <= m of (v[j] + 1) + ((one - m) << k)
 * a word of the part at a time, without a pass per gap. The part must hold exactly count codes
 * and end in its last byte, and the ids fit 32 bits.
 */
static int unary_docs(const uint8_t *src, size_t len, const uint32_t *v, size_t count,
                      unsigned k, uint32_t *docs)
{
    uint64_t low = docs[0], last = docs[0], one = 0;
    size_t off, m = 0;
    /* k is taken from the gaps' mean, so their high bits sum to fewer than two a gap: a part
       of 16 MB is corrupt, and within that the sums below stay far within 64 bits */
    if (len > (size_t)1 << 24 || k > 31)
        return JKB_ECORRUPT;
    for (off = 0; off < len; off += 8) {
        uint64_t w = word_at(src, off, len);
        if (k == 0) /* no low bits (a dense block): the part is a bitmap of the ids after the
                       first, docs[m + 1] = docs[0] + 1 + one */
            for (; w && m < count; w &= w - 1, m++) {
                one = 8 * (uint64_t)off + (unsigned)__builtin_ctzll(w);
                docs[m + 1] = (uint32_t)(last = low + 1 + one);
            }
        for (; w && m < count; w &= w - 1, m++) {
            one = 8 * (uint64_t)off + (unsigned)__builtin_ctzll(w);
            low += (uint64_t)v[m] + 1;
            last = low + ((one - m) << k);
            docs[m + 1] = (uint32_t)last;
        }
        if (w)
            return JKB_ECORRUPT; /* more codes than gaps */
    }
    /* ascending: the last is the largest */
    return m == count && count > 0 && one / 8 + 1 == len && last <= UINT32_MAX ? 0
                                                                                : JKB_ECORRUPT;
}

/* Where the k-th code from bit starts in a unary part [src, src + len) that holds that many
   more (checked): the bit after the k-th one bit from bit. A population count per eight
   bytes. */
static uint64_t unary_select(const uint8_t *src, size_t len, uint64_t bit, uint64_t k)
{
    size_t off = (size_t)(bit / 64 * 8); /* <= len: bit is at most the part's end */
    uint64_t w;
    if (k == 0)
        return bit;
    w = word_at(src, off, len) & ~(uint64_t)0 << bit % 64; /* the ones from bit on */
    for (;;) {
        unsigned ones = jkb__ones64(w);
        if (ones >= k) {
            while (--k > 0)
                w &= w - 1;
            return 8 * (uint64_t)off + (unsigned)__builtin_ctzll(w) + 1;
        }
        k -= ones;
        if ((off += 8) >= len)
            return 8 * (uint64_t)len; /* not reached */
        w = word_at(src, off, len);
    }
}

static uint64_t bytes_of(uint64_t bits)
{
    return (bits + 7) / 8;
}

/*
 * The packed codec Rice-codes three runs of values: ids (each gap less one), the first
 * position of each document's field, and the gaps between a field's positions. With
 * parameter k a value's low k bits go to a part of fixed width, its high bits v >> k to a
 * part of unary codes, so that value i's low bits are found at bit i * k.
 */
enum { RUN_IDS, RUN_FIRSTS, RUN_GAPS, NRUNS };
enum { PART_LOW, PART_HIGH };

/* The parameter for values summing sum over count: the floor of their mean's log2, which
   comes within 0.1% of the best parameter for livedoor's postings. */
static unsigned rice_k(uint64_t sum, uint64_t count)
{
    uint64_t mean = count ? sum / count : 0;
    return mean ? width_of((uint32_t)mean) - 1 : 0;
}

/* Writes one part of the Rice codes of values v[0..n) with parameter k, padded to a byte. */
static void put_run(bit_writer *w, const uint32_t *v, size_t n, unsigned k, int part)
{
    uint32_t low = ((uint32_t)1 << k) - 1;
    size_t i;
    for (i = 0; i < n; i++) {
        if (part == PART_LOW)
            bits_put(w, v[i] & low, k);
        else
            unary_put(w, v[i] >> k);
    }
    bits_end(w);
}

/*
 * What a block's encoding takes, worked out before anything is written: the packed codec's
 * parameters and its runs of values, and both codecs' stream lengths (ids, frequencies,
 * positions), so that the writer encodes the smaller only.
 */
#define GAPS_ON_STACK 1024
typedef struct layout {
    unsigned some, every;              /* fields some / every document has */
    unsigned tf_width[JKB__NFIELDS];
    unsigned k[NRUNS];                 /* Rice parameters */
    size_t count[NRUNS];               /* values */
    uint64_t high[NRUNS];              /* bytes of the unary parts */
    size_t varint[3];
    size_t packed[3];
    const uint32_t *run[NRUNS];        /* the values of each run */
    uint32_t ids[JKB__BLOCK_DOCS];
    uint32_t firsts[JKB__BLOCK_DOCS * JKB__NFIELDS];
    uint32_t gaps_on_stack[GAPS_ON_STACK];
    uint32_t *gaps_on_heap;
} layout;

/* Plans documents [from, from + n) of p into l (layout_fin frees it). Sticky rc. */
static void plan(int *rc, const jkb__postings *p, size_t from, size_t n, layout *l)
{
    uint64_t tf_count[JKB__NFIELDS] = {0}, sum[NRUNS] = {0};
    size_t positions = p->pos_off[from + n] - p->pos_off[from], i, f, nf = 0, ng = 0, j;
    uint32_t *gaps = l->gaps_on_stack;
    int r;
    l->some = 0;
    l->every = (1u << JKB__NFIELDS) - 1;
    memset(l->tf_width, 0, sizeof l->tf_width);
    memset(l->varint, 0, sizeof l->varint);
    l->gaps_on_heap = NULL;
    if (positions > GAPS_ON_STACK && (gaps = l->gaps_on_heap = malloc(positions * 4)) == NULL) {
        *rc = *rc ? *rc : JKB_ENOMEM;
        return;
    }
    for (i = from; i < from + n; i++) {
        const uint32_t *tf = p->tf + i * JKB__NFIELDS, *ps = p->pos + p->pos_off[i];
        uint32_t gap = i == from ? p->docs[i] : p->docs[i] - p->docs[i - 1], total = 0, k;
        unsigned mask = 0;
        l->varint[0] += jkb__varint_len(gap);
        if (i > from)
            sum[RUN_IDS] += l->ids[i - from - 1] = gap - 1;
        for (f = 0; f < JKB__NFIELDS; ps += tf[f], f++) {
            total += tf[f];
            if (tf[f] == 0)
                continue;
            mask |= 1u << f;
            tf_count[f]++;
            if (width_of(tf[f] - 1) > l->tf_width[f])
                l->tf_width[f] = width_of(tf[f] - 1);
            l->varint[2] += jkb__varint_len(ps[0]);
            sum[RUN_FIRSTS] += l->firsts[nf++] = ps[0];
            for (k = 1; k < tf[f]; k++) {
                uint32_t v = ps[k] - ps[k - 1];
                l->varint[2] += jkb__varint_len(v);
                sum[RUN_GAPS] += gaps[ng++] = v;
            }
        }
        l->some |= mask;
        l->every &= mask;
        if (one_byte_tf(mask, total)) {
            l->varint[1]++;
        } else {
            l->varint[1] += jkb__varint_len(MULTI + mask);
            for (f = 0; f < JKB__NFIELDS; f++)
                if (tf[f])
                    l->varint[1] += jkb__varint_len(tf[f]);
        }
    }
    l->run[RUN_IDS] = l->ids;
    l->run[RUN_FIRSTS] = l->firsts;
    l->run[RUN_GAPS] = gaps;
    l->count[RUN_IDS] = n - 1;
    l->count[RUN_FIRSTS] = nf;
    l->count[RUN_GAPS] = ng;
    for (r = 0; r < NRUNS; r++) {
        uint64_t bits = l->count[r];
        l->k[r] = rice_k(sum[r], l->count[r]);
        for (j = 0; j < l->count[r]; j++)
            bits += l->run[r][j] >> l->k[r];
        l->high[r] = bytes_of(bits);
    }
    l->packed[0] = jkb__varint_len(p->docs[from]) +
                   (n > 1 ? 1 + (size_t)(bytes_of((uint64_t)l->count[RUN_IDS] * l->k[RUN_IDS]) +
                                         l->high[RUN_IDS])
                          : 0);
    l->packed[1] = 1;
    for (f = 0; f < JKB__NFIELDS; f++)
        if (l->some >> f & 1)
            l->packed[1] += (l->every >> f & 1 ? 0 : (size_t)bytes_of(n)) + 1 +
                            (size_t)bytes_of(tf_count[f] * l->tf_width[f]);
    l->packed[2] = 2 + jkb__varint_len(l->high[RUN_FIRSTS]);
    for (r = RUN_FIRSTS; r <= RUN_GAPS; r++)
        l->packed[2] += (size_t)(bytes_of((uint64_t)l->count[r] * l->k[r]) + l->high[r]);
}

static void layout_fin(layout *l)
{
    free(l->gaps_on_heap);
}

/* Appends the three streams of the packed codec to s, as l lays them out. */
static void packed_encode(int *rc, jkb__buf *s, const jkb__postings *p, size_t from, size_t n,
                          const layout *l)
{
    bit_writer w = {rc, s, 0, 0};
    size_t i, f;
    int r, part;

    /* ids: the first, then the gaps less one */
    jkb__buf_put_varint(rc, s, p->docs[from]);
    if (n > 1) {
        jkb__buf_putc(rc, s, (uint8_t)l->k[RUN_IDS]);
        for (part = PART_LOW; part <= PART_HIGH; part++)
            put_run(&w, l->ids, l->count[RUN_IDS], l->k[RUN_IDS], part);
    }
    /* frequencies: which fields some and every document have; per field, which documents
       have it (unless all do), then their frequencies less one */
    jkb__buf_putc(rc, s, (uint8_t)(l->some | l->every << JKB__NFIELDS));
    for (f = 0; f < JKB__NFIELDS; f++) {
        if (!(l->some >> f & 1))
            continue;
        if (!(l->every >> f & 1)) {
            for (i = from; i < from + n; i++)
                bits_put(&w, p->tf[i * JKB__NFIELDS + f] != 0, 1);
            bits_end(&w);
        }
        jkb__buf_putc(rc, s, (uint8_t)l->tf_width[f]);
        for (i = from; i < from + n; i++)
            if (p->tf[i * JKB__NFIELDS + f])
                bits_put(&w, p->tf[i * JKB__NFIELDS + f] - 1, l->tf_width[f]);
        bits_end(&w);
    }
    /* positions: the two parameters, the bytes of the first positions' unary part, then the
       low parts of first positions and gaps, then their unary parts */
    jkb__buf_putc(rc, s, (uint8_t)l->k[RUN_FIRSTS]);
    jkb__buf_putc(rc, s, (uint8_t)l->k[RUN_GAPS]);
    jkb__buf_put_varint(rc, s, l->high[RUN_FIRSTS]);
    for (part = PART_LOW; part <= PART_HIGH; part++)
        for (r = RUN_FIRSTS; r <= RUN_GAPS; r++)
            put_run(&w, l->run[r], l->count[r], l->k[r], part);
}

/* Reads a byte of at most max at *s, before end. */
static int get_small(const uint8_t **s, const uint8_t *end, unsigned max, unsigned *out)
{
    if (*s >= end || **s > max)
        return JKB_ECORRUPT;
    *out = *(*s)++;
    return 0;
}

/* Unpacks count (at most JKB__BLOCK_DOCS) values of width bits from src, which holds
   bytes_of(count * width) bytes (the caller checked), into out: one load and a shift each. */
static void unpack(const uint8_t *src, size_t count, unsigned width, uint32_t *out)
{
    uint8_t buf[JKB__BLOCK_DOCS * 4 + 8];
    size_t len = (size_t)bytes_of((uint64_t)count * width), i;
    uint64_t mask = ((uint64_t)1 << width) - 1;
    if (width == 0) { /* all zero: every frequency 1, or gaps of one */
        memset(out, 0, count * sizeof *out);
        return;
    }
    memcpy(buf, src, len);
    memset(buf + len, 0, 8);
    i = 0;
    if (width <= 8) /* the usual widths: eight values in the width's bytes, one load */
        for (; i + 8 <= count; i += 8) {
            uint64_t x = jkb__le64_get(buf + i / 8 * width);
            out[i] = (uint32_t)(x & mask);
            out[i + 1] = (uint32_t)(x >> width & mask);
            out[i + 2] = (uint32_t)(x >> 2 * width & mask);
            out[i + 3] = (uint32_t)(x >> 3 * width & mask);
            out[i + 4] = (uint32_t)(x >> 4 * width & mask);
            out[i + 5] = (uint32_t)(x >> 5 * width & mask);
            out[i + 6] = (uint32_t)(x >> 6 * width & mask);
            out[i + 7] = (uint32_t)(x >> 7 * width & mask);
        }
    for (; i < count; i++) {
        size_t bit = i * width;
        out[i] = (uint32_t)(jkb__le64_get(buf + bit / 8) >> (bit % 8) & mask);
    }
}

/* A Rice-coded value from its low bits and its unary code, when it fits 32 bits. */
static inline int rice_join(uint32_t low, uint64_t high, unsigned k, uint32_t *out)
{
    if (high > (UINT32_MAX - low) >> k) /* UNARY_END too */
        return JKB_ECORRUPT;
    *out = low + (uint32_t)(high << k);
    return 0;
}

/* The bits, in word i of a block's bitmaps, of its n documents. */
static uint64_t docs_in_word(size_t n, size_t i)
{
    return n - 64 * i >= 64 ? UINT64_MAX : ((uint64_t)1 << (n - 64 * i)) - 1;
}

/* Ids and frequencies of the packed codec; s and fs at their streams. Every length is
   checked before the values are read, and must be exact. */
static int packed_decode(const jkb__block_header *h, const uint8_t *s, const uint8_t *fs,
                         jkb__postings *p)
{
    const uint8_t *end = s + h->ids_len, *fend = fs + h->freqs_len;
    uint32_t v[JKB__BLOCK_DOCS];
    uint64_t seen[JKB__BLOCK_DOCS / 64]; /* bits: the documents some field holds */
    unsigned width, some, every, f;
    uint64_t firsts = 0, gaps = 0; /* a frequency is a first position and v[k] gaps */
    size_t i, k, n = h->n;

    if (get32(&s, end, &p->docs[0]))
        return JKB_ECORRUPT;
    if (n > 1) {
        if (get_small(&s, end, 31, &width) || (uint64_t)(end - s) < bytes_of((n - 1) * width))
            return JKB_ECORRUPT;
        if (width > 0) /* else unary_docs reads no low bits */
            unpack(s, n - 1, width, v);
        if (unary_docs(s + bytes_of((n - 1) * width), (size_t)(end - s) - bytes_of((n - 1) * width),
                       v, n - 1, width, p->docs))
            return JKB_ECORRUPT;
    } else if (s != end) {
        return JKB_ECORRUPT;
    }

    if (fs >= fend)
        return JKB_ECORRUPT;
    p->some = some = *fs & ((1u << JKB__NFIELDS) - 1);
    every = *fs++ >> JKB__NFIELDS;
    if (some == 0 || (every & ~some))
        return JKB_ECORRUPT;
    if (p->fields == NULL && (p->fields = malloc(JKB__NFIELDS * sizeof *p->fields)) == NULL)
        return JKB_ENOMEM;
    memset(seen, 0, sizeof seen);
    for (f = 0; f < JKB__NFIELDS; f++) {
        jkb__field_freqs *x = &p->fields[f];
        size_t count = 0;
        memset(x->has, 0, sizeof x->has); /* a field no document has reads as 0 */
        if (!(some >> f & 1))
            continue;
        if (every >> f & 1) {
            for (i = 0; 64 * i < n; i++)
                x->has[i] = docs_in_word(n, i);
        } else { /* a bitmap of the documents that have the field */
            if ((uint64_t)(fend - fs) < bytes_of(n) || (n % 8 && fs[n / 8] >> (n % 8)))
                return JKB_ECORRUPT; /* short, or bits past the documents */
            for (i = 0; i < bytes_of(n); i += 8)
                x->has[i / 8] = word_at(fs, i, (size_t)bytes_of(n));
            fs += bytes_of(n);
        }
        for (i = 0; i < JKB__BLOCK_DOCS / 64; i++) {
            /* the sums of the bytes' ones before each byte, all at once (the largest, 120,
               fits a byte) */
            uint64_t c = jkb__ones_per_byte(x->has[i]);
            jkb__le64_put(x->before + 8 * i, (c * 0x0101010101010101u << 8) +
                                                 count * 0x0101010101010101u);
            count += c * 0x0101010101010101u >> 56;
            seen[i] |= x->has[i];
        }
        if (count == 0)
            return JKB_ECORRUPT; /* a field of no document */
        if (get_small(&fs, fend, 32, &width) || (uint64_t)(fend - fs) < bytes_of(count * width))
            return JKB_ECORRUPT;
        unpack(fs, count, width, x->v);
        fs += bytes_of(count * width);
        for (k = 0; width == 32 && k < count; k++)
            if (x->v[k] == UINT32_MAX)
                return JKB_ECORRUPT; /* a frequency of 2^32 */
        for (k = 0; k < count; k++)
            gaps += x->v[k];
        firsts += count;
    }
    p->pos_count[0] = firsts;
    p->pos_count[1] = gaps;
    for (i = 0; 64 * i < n; i++)
        if ((seen[i] & docs_in_word(n, i)) != docs_in_word(n, i))
            return JKB_ECORRUPT; /* a document that holds the term nowhere */
    return fs == fend ? 0 : JKB_ECORRUPT;
}

/* Spreads the frequencies of a packed block decoded (p->fields) into p->tf. */
static void fill_tf(jkb__postings *p)
{
    size_t i, k;
    unsigned f;
    memset(p->tf, 0, p->n * JKB__NFIELDS * sizeof *p->tf);
    for (f = 0; f < JKB__NFIELDS; f++) {
        const jkb__field_freqs *x = &p->fields[f];
        for (i = 0, k = 0; 64 * i < p->n; i++) { /* 64 documents at a time */
            uint32_t *tf = p->tf + 64 * i * JKB__NFIELDS + f;
            uint64_t b;
            for (b = x->has[i]; b; b &= b - 1, k++) /* as many bits as values */
                tf[(size_t)__builtin_ctzll(b) * JKB__NFIELDS] = x->v[k] + 1;
        }
    }
}

/* Readers at document i's positions: its first positions and gaps start after those of the
   documents before it, counted from their frequencies (the block's counts, checked against its
   bytes, bound the sums), going on from the document read last when i comes after it (a walk
   reads a block's documents in ascending order). */
static void doc_readers(const jkb__postings *p, size_t i, jkb__pos_index *ix, bit_reader low[2],
                        bit_reader high[2])
{
    const jkb__pos_runs *r = &ix->runs;
    uint32_t at[2];
    unsigned fields;
    if (ix->done.doc > i)
        memset(&ix->done, 0, sizeof ix->done);
    at[0] = ix->done.at[0];
    at[1] = ix->done.at[1];
    for (fields = p->some; fields; fields &= fields - 1) { /* a first position, tf - 1 gaps */
        unsigned f = (unsigned)__builtin_ctz(fields);
        const jkb__field_freqs *x = &p->fields[f];
        uint32_t k = ix->done.rank[f], to = jkb__field_rank(x, i);
        at[0] += to - k;
        for (; k < to; k++)
            at[1] += x->v[k];
        ix->done.rank[f] = to;
    }
    ix->done.bit[0] = unary_select(r->high[0], (size_t)(r->high[1] - r->high[0]),
                                   ix->done.bit[0], at[0] - ix->done.at[0]);
    ix->done.bit[1] = unary_select(r->high[1], (size_t)(r->end - r->high[1]), ix->done.bit[1],
                                   at[1] - ix->done.at[1]);
    ix->done.doc = i;
    ix->done.at[0] = at[0];
    ix->done.at[1] = at[1];
    low[0] = reader_at(r->low[0], r->low[1], (uint64_t)at[0] * r->k[0]);
    low[1] = reader_at(r->low[1], r->high[0], (uint64_t)at[1] * r->k[1]);
    high[0] = reader_at(r->high[0], r->high[1], ix->done.bit[0]);
    high[1] = reader_at(r->high[1], r->end, ix->done.bit[1]);
}

/* Finds the four parts of a packed positions stream [ps, end) holding count[0] first
   positions and count[1] gaps, and checks them against its length. */
static int find_runs(const uint64_t count[2], const uint8_t *ps, const uint8_t *end,
                     jkb__pos_runs *r)
{
    uint64_t low[2];
    uint32_t high0;
    if (get_small(&ps, end, 31, &r->k[0]) || get_small(&ps, end, 31, &r->k[1]) ||
        get32(&ps, end, &high0))
        return JKB_ECORRUPT;
    low[0] = bytes_of(count[0] * r->k[0]);
    low[1] = bytes_of(count[1] * r->k[1]);
    if ((uint64_t)(end - ps) < low[0] + low[1] + high0)
        return JKB_ECORRUPT;
    r->low[0] = ps;
    r->low[1] = ps + low[0];
    r->high[0] = r->low[1] + low[1];
    r->high[1] = r->high[0] + high0;
    r->end = end;
    /* a code takes a bit at least: the bytes bound the counts, and what they allocate */
    if (count[0] > 8 * (uint64_t)high0 || count[1] > 8 * (uint64_t)(end - r->high[1]))
        return JKB_ECORRUPT;
    r->count = count[0] + count[1];
    return 0;
}

/* Appends the positions of a document of frequencies tf to p->pos, from readers of the low
   bits and of the unary codes of first positions (index 0) and gaps (1). */
static int packed_positions(jkb__postings *p, const uint32_t *tf, bit_reader low[2],
                            bit_reader high[2], const unsigned k[2])
{
    unsigned f;
    for (f = 0; f < JKB__NFIELDS; f++) {
        uint32_t j, v, prev = 0;
        for (j = 0; j < tf[f]; j++) {
            unsigned g = j > 0;
            if (rice_join(bits_get(&low[g], k[g]), unary_get(&high[g]), k[g], &v) ||
                v > UINT32_MAX - prev)
                return JKB_ECORRUPT;
            prev += v;
            p->pos[p->pos_len++] = prev;
        }
    }
    return 0;
}

/* Readers at the start of each of the four parts of r. */
static void runs_readers(const jkb__pos_runs *r, bit_reader low[2], bit_reader high[2])
{
    low[0] = reader_at(r->low[0], r->low[1], 0);
    low[1] = reader_at(r->low[1], r->high[0], 0);
    high[0] = reader_at(r->high[0], r->high[1], 0);
    high[1] = reader_at(r->high[1], r->end, 0);
}

/* The parts of the packed codec's stream [ps, end) of a block p holds decoded; checks that
   the unary parts hold exactly as many codes as its frequencies say. Where a document's
   positions start is counted when they are read (doc_readers). */
static int packed_index(const jkb__postings *p, const uint8_t *ps, const uint8_t *end,
                        jkb__pos_index *ix)
{
    const jkb__pos_runs *r = &ix->runs;
    const uint64_t *count = p->pos_count;
    int rc;
    if ((size_t)(end - ps) > UINT32_MAX / 8)
        return JKB_ECORRUPT;
    if ((rc = find_runs(count, ps, end, &ix->runs)) != 0)
        return rc;
    if (!unary_holds(r->high[0], (size_t)(r->high[1] - r->high[0]), count[0]) ||
        !unary_holds(r->high[1], (size_t)(r->end - r->high[1]), count[1]))
        return JKB_ECORRUPT;
    return 0;
}

/* ---- blocks ---- */

/* Appends a block of codec, laid out as l says. Sticky rc. */
static void put_block(int *rc, jkb__buf *out, const jkb__postings *p, size_t from, size_t n,
                      uint32_t bound, uint8_t codec, const layout *l)
{
    const size_t *len = codec == JKB__CODEC_PACKED ? l->packed : l->varint;
    if (*rc)
        return;
    jkb__buf_reserve(rc, out, 1 + 4 * JKB__VARINT_MAX + len[0] + len[1] + len[2]);
    jkb__buf_putc(rc, out, codec);
    jkb__buf_put_varint(rc, out, n);
    jkb__buf_put_varint(rc, out, bound);
    jkb__buf_put_varint(rc, out, len[0]);
    jkb__buf_put_varint(rc, out, len[1]);
    if (codec == JKB__CODEC_PACKED)
        packed_encode(rc, out, p, from, n, l);
    else
        varint_encode(rc, out, p, from, n);
}

void jkb__block_encode_as(int *rc, jkb__buf *out, const jkb__postings *p, size_t from,
                          size_t n, uint32_t bound, uint8_t codec)
{
    layout l;
    plan(rc, p, from, n, &l);
    put_block(rc, out, p, from, n, bound, codec, &l);
    layout_fin(&l);
}

void jkb__block_encode(int *rc, jkb__buf *out, const jkb__postings *p, size_t from, size_t n,
                       uint32_t bound)
{
    layout l;
    size_t v, k;
    plan(rc, p, from, n, &l);
    /* the headers differ only in the stream lengths' varints */
    v = l.varint[0] + l.varint[1] + l.varint[2] + jkb__varint_len(l.varint[0]) +
        jkb__varint_len(l.varint[1]);
    k = l.packed[0] + l.packed[1] + l.packed[2] + jkb__varint_len(l.packed[0]) +
        jkb__varint_len(l.packed[1]);
    put_block(rc, out, p, from, n, bound, k < v ? JKB__CODEC_PACKED : JKB__CODEC_VARINT, &l);
    layout_fin(&l);
}

int jkb__block_header_read(const uint8_t *src, size_t len, jkb__block_header *out)
{
    const uint8_t *p = src, *end = src + len;
    uint32_t ids_len, freqs_len;
    if (len < 1 || (src[0] != JKB__CODEC_VARINT && src[0] != JKB__CODEC_PACKED))
        return JKB_ECORRUPT;
    out->codec = *p++;
    if (jkb__varint_get32(&p, end, &out->n) || jkb__varint_get32(&p, end, &out->bound) ||
        jkb__varint_get32(&p, end, &ids_len) || jkb__varint_get32(&p, end, &freqs_len))
        return JKB_ECORRUPT;
    out->header_len = (size_t)(p - src);
    out->ids_len = ids_len;
    out->freqs_len = freqs_len;
    if (out->n == 0 || out->n > JKB__BLOCK_DOCS ||
        (size_t)(end - p) < out->ids_len || (size_t)(end - p) - out->ids_len < out->freqs_len)
        return JKB_ECORRUPT;
    return 0;
}

/* Where the positions stream of a block starts. */
static const uint8_t *positions_of(const jkb__block_header *h, const uint8_t *src)
{
    return src + h->header_len + h->ids_len + h->freqs_len;
}

int jkb__block_decode(const uint8_t *src, size_t len, uint32_t last_doc, jkb__postings *p,
                      int what)
{
    jkb__block_header h;
    const uint8_t *s, *ps;
    size_t i;
    int rc;

    if ((rc = jkb__block_header_read(src, len, &h)) != 0)
        return rc;
    if ((rc = grow_docs(p, h.n)) != 0)
        return rc;
    jkb__postings_clear(p);
    s = src + h.header_len;
    rc = h.codec == JKB__CODEC_PACKED ? packed_decode(&h, s, s + h.ids_len, p)
                                      : varint_decode(&h, s, s + h.ids_len, p);
    if (rc || p->docs[h.n - 1] != last_doc)
        return rc ? rc : JKB_ECORRUPT;
    p->n = h.n;
    p->bound = h.bound;
    p->pos_off[0] = 0;
    if (h.codec == JKB__CODEC_PACKED) {
        p->by_field = what == JKB__DECODE_BY_FIELD;
        if (!p->by_field)
            fill_tf(p);
    }
    if (what != JKB__DECODE_POSITIONS) /* no offsets either: positions() is for blocks
                                          decoded with them */
        return 0;
    ps = positions_of(&h, src);
    if (h.codec == JKB__CODEC_PACKED) {
        /* the parts checked against the bytes bound the allocation; then the documents one
           after another */
        jkb__pos_runs r;
        bit_reader low[2], high[2];
        if ((rc = find_runs(p->pos_count, ps, src + len, &r)) != 0 ||
            (rc = grow_pos(p, r.count)) != 0)
            return rc;
        runs_readers(&r, low, high);
        for (i = 0; i < h.n; i++) {
            if ((rc = packed_positions(p, p->tf + i * JKB__NFIELDS, low, high, r.k)) != 0)
                return rc;
            p->pos_off[i + 1] = (uint32_t)p->pos_len;
        }
        return unary_done(&high[0]) && unary_done(&high[1]) ? 0 : JKB_ECORRUPT;
    }
    for (i = 0; i < h.n; i++) {
        /* each varint position takes a byte: a count beyond the bytes left is corrupt, and
           checking it first bounds the allocation */
        uint64_t total = doc_total(p->tf + i * JKB__NFIELDS);
        if (total > (uint64_t)(src + len - ps))
            return JKB_ECORRUPT;
        if ((rc = grow_pos(p, p->pos_len + total)) != 0 ||
            (rc = varint_positions(p, p->tf + i * JKB__NFIELDS, &ps, src + len)) != 0)
            return rc;
        p->pos_off[i + 1] = (uint32_t)p->pos_len;
    }
    return ps == src + len ? 0 : JKB_ECORRUPT;
}

int jkb__block_doc_positions(const uint8_t *src, size_t len, jkb__postings *p, size_t i,
                             jkb__pos_index *ix)
{
    const uint8_t *ps;
    unsigned f;
    int rc;

    if (i >= p->n || p->n > JKB__BLOCK_DOCS || len == 0)
        return JKB_ECORRUPT;
    if (!ix->ready) { /* the header and the whole stream once per block */
        jkb__block_header h;
        if ((rc = jkb__block_header_read(src, len, &h)) != 0)
            return rc;
        ps = positions_of(&h, src);
        rc = h.codec == JKB__CODEC_PACKED ? packed_index(p, ps, src + len, ix)
                                          : varint_index(p, src, ps, src + len, ix);
        if (rc)
            return rc;
        ix->ready = 1;
        memset(&ix->done, 0, sizeof ix->done);
    }
    for (f = 0; f < JKB__NFIELDS; f++)
        p->pos_tf[f] = jkb__postings_tf(p, i, f);
    if ((rc = grow_pos(p, doc_total(p->pos_tf))) != 0)
        return rc;
    p->pos_len = 0;
    if (src[0] == JKB__CODEC_PACKED) {
        bit_reader low[2], high[2];
        doc_readers(p, i, ix, low, high);
        return packed_positions(p, p->pos_tf, low, high, ix->runs.k);
    }
    ps = src + ix->at[i];
    if ((rc = varint_positions(p, p->pos_tf, &ps, src + ix->at[i + 1])) != 0)
        return rc;
    return ps == src + ix->at[i + 1] ? 0 : JKB_ECORRUPT;
}
