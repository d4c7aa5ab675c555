/* The only file that knows the postings byte format (see postings.h). */
#include "postings.h"

#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"

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
    jkb__postings_init(p);
}

void jkb__postings_clear(jkb__postings *p)
{
    p->n = 0;
    p->pos_len = 0;
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

void jkb__block_encode(int *rc, jkb__buf *out, const jkb__postings *p, size_t from, size_t n,
                       uint32_t bound)
{
    jkb__buf ids = JKB__BUF_INIT, freqs = JKB__BUF_INIT;
    uint32_t prev = 0;
    size_t i, f;

    for (i = from; i < from + n; i++) {
        const uint32_t *tf = p->tf + i * JKB__NFIELDS;
        uint32_t sum = 0, mask = 0;
        jkb__buf_put_varint(rc, &ids, i == from ? p->docs[i] : p->docs[i] - prev);
        prev = p->docs[i];
        for (f = 0; f < JKB__NFIELDS; f++) {
            mask |= (uint32_t)(tf[f] != 0) << f;
            sum += tf[f];
        }
        if ((mask & (mask - 1)) == 0 && sum < SMALL_TF) {
            /* one field, a small frequency: one byte */
            for (f = 0; !(mask >> f & 1); f++)
                ;
            jkb__buf_putc(rc, &freqs, (uint8_t)(f * SMALL_TF + sum));
        } else {
            jkb__buf_put_varint(rc, &freqs, MULTI + mask);
            for (f = 0; f < JKB__NFIELDS; f++)
                if (tf[f])
                    jkb__buf_put_varint(rc, &freqs, tf[f]);
        }
    }
    jkb__buf_putc(rc, out, JKB__CODEC_VARINT);
    jkb__buf_put_varint(rc, out, n);
    jkb__buf_put_varint(rc, out, p->docs[from + n - 1]);
    jkb__buf_put_varint(rc, out, bound);
    jkb__buf_put_varint(rc, out, ids.len);
    jkb__buf_put_varint(rc, out, freqs.len);
    jkb__buf_put(rc, out, ids.data, ids.len);
    jkb__buf_put(rc, out, freqs.data, freqs.len);
    for (i = from; i < from + n; i++) {
        const uint32_t *pos = p->pos + p->pos_off[i];
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t k, tf = p->tf[i * JKB__NFIELDS + f];
            for (k = 0; k < tf; k++)
                jkb__buf_put_varint(rc, out, k == 0 ? pos[k] : pos[k] - pos[k - 1]);
            pos += tf;
        }
    }
    jkb__buf_fin(&ids);
    jkb__buf_fin(&freqs);
}

int jkb__block_header_read(const uint8_t *src, size_t len, jkb__block_header *out)
{
    const uint8_t *p = src, *end = src + len;
    uint32_t ids_len, freqs_len;
    if (len < 1 || src[0] != JKB__CODEC_VARINT)
        return JKB_ECORRUPT;
    out->codec = *p++;
    if (jkb__varint_get32(&p, end, &out->n) || jkb__varint_get32(&p, end, &out->last_doc) ||
        jkb__varint_get32(&p, end, &out->bound) || jkb__varint_get32(&p, end, &ids_len) ||
        jkb__varint_get32(&p, end, &freqs_len))
        return JKB_ECORRUPT;
    out->header_len = (size_t)(p - src);
    out->ids_len = ids_len;
    out->freqs_len = freqs_len;
    if (out->n == 0 || out->n > JKB__BLOCK_DOCS ||
        (size_t)(end - p) < out->ids_len || (size_t)(end - p) - out->ids_len < out->freqs_len)
        return JKB_ECORRUPT;
    return 0;
}

/* A document's position count: its frequencies summed over fields. */
static uint64_t doc_total(const jkb__postings *p, size_t i)
{
    const uint32_t *tf = p->tf + i * JKB__NFIELDS;
    uint64_t total = 0;
    size_t f;
    for (f = 0; f < JKB__NFIELDS; f++)
        total += tf[f];
    return total;
}

int jkb__block_decode(const uint8_t *src, size_t len, jkb__postings *p, int want_pos)
{
    jkb__block_header h;
    const uint8_t *s, *end, *fs, *fend, *ps;
    uint32_t doc = 0;
    size_t i, f;
    int rc;

    if ((rc = jkb__block_header_read(src, len, &h)) != 0)
        return rc;
    if ((rc = grow_docs(p, h.n)) != 0)
        return rc;
    jkb__postings_clear(p);
    s = src + h.header_len;
    end = s + h.ids_len;
    fs = end;
    fend = fs + h.freqs_len;
    ps = fend;
    for (i = 0; i < h.n; i++) {
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
    if (s != end || fs != fend || doc != h.last_doc)
        return JKB_ECORRUPT;
    p->n = h.n;
    p->bound = h.bound;
    p->pos_off[0] = 0;
    if (!want_pos) { /* no offsets either: positions() is for blocks decoded with them */
        return 0;
    }
    for (i = 0; i < h.n; i++) {
        const uint32_t *tf = p->tf + i * JKB__NFIELDS;
        uint64_t total = doc_total(p, i);
        /* Each position takes at least one byte: a frequency beyond the bytes left is
           corrupt, and checking it first bounds the allocation. */
        if (total > (uint64_t)(src + len - ps) || (rc = grow_pos(p, p->pos_len + total)) != 0)
            return rc ? rc : JKB_ECORRUPT;
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t k, prev = 0;
            for (k = 0; k < tf[f]; k++) {
                uint32_t gap;
                if (get32(&ps, src + len, &gap) || gap > UINT32_MAX - prev)
                    return JKB_ECORRUPT;
                prev = k == 0 ? gap : prev + gap;
                p->pos[p->pos_len++] = prev;
            }
        }
        p->pos_off[i + 1] = (uint32_t)p->pos_len;
    }
    return ps != src + len ? JKB_ECORRUPT : 0;
}

int jkb__block_doc_positions(const uint8_t *src, size_t len, jkb__postings *p, size_t i,
                             uint32_t *starts, int *indexed)
{
    const uint8_t *ps, *end = src + len;
    const uint32_t *tf = p->tf + i * JKB__NFIELDS;
    size_t k, f;
    int rc;

    if (i >= p->n || p->n > JKB__BLOCK_DOCS)
        return JKB_ECORRUPT;
    if (!*indexed) { /* one pass counting varint ends: each position ends in a byte < 0x80 */
        jkb__block_header h;
        const uint8_t *q;
        if ((rc = jkb__block_header_read(src, len, &h)) != 0)
            return rc;
        q = src + h.header_len + h.ids_len + h.freqs_len;
        for (k = 0; k < p->n; k++) {
            uint64_t left = doc_total(p, k);
            starts[k] = (uint32_t)(q - src);
            for (; left > 0 && q < end; q++)
                left -= *q < 0x80;
            if (left > 0)
                return JKB_ECORRUPT;
        }
        if (q != end)
            return JKB_ECORRUPT;
        starts[p->n] = (uint32_t)len;
        *indexed = 1;
    }
    if ((rc = grow_pos(p, doc_total(p, i))) != 0)
        return rc;
    p->pos_len = 0;
    ps = src + starts[i];
    end = src + starts[i + 1];
    for (f = 0; f < JKB__NFIELDS; f++) {
        uint32_t n, prev = 0;
        for (n = 0; n < tf[f]; n++) {
            uint32_t gap;
            if (get32(&ps, end, &gap) || gap > UINT32_MAX - prev)
                return JKB_ECORRUPT;
            prev = n == 0 ? gap : prev + gap;
            p->pos[p->pos_len++] = prev;
        }
    }
    return ps == end ? 0 : JKB_ECORRUPT;
}
