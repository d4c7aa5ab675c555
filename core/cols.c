/* Per-document columns in chunks (cols.h). */
#include "cols.h"

#include <string.h>

#include "buf.h"

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void decode(const uint8_t *src, jkb__cols *out)
{
    int f;
    out->day = (int32_t)jkb__le32_get(src);
    out->case_key = jkb__le32_get(src + 4);
    for (f = 0; f < JKB__NFIELDS; f++)
        out->len[f] = jkb__le32_get(src + 8 + 4 * f);
}

static void encode(uint8_t *dst, const jkb__cols *c)
{
    int f;
    put_le32(dst, (uint32_t)c->day);
    put_le32(dst + 4, c->case_key);
    for (f = 0; f < JKB__NFIELDS; f++)
        put_le32(dst + 8 + 4 * f, c->len[f]);
}

/* How many documents a chunk's value has room for, after checking that its length is the
   bitmap and whole entries, and that no document beyond them exists. */
static int chunk_size(const jkb__val *v, size_t *n)
{
    size_t i;
    if (v->len < JKB__COLS_MAP || (v->len - JKB__COLS_MAP) % JKB__COLS_BYTES != 0 ||
        (*n = (v->len - JKB__COLS_MAP) / JKB__COLS_BYTES) > JKB__COLS_CHUNK)
        return JKB_ECORRUPT;
    for (i = *n; i < JKB__COLS_CHUNK; i++)
        if (jkb__cols_has(v->data, i))
            return JKB_ECORRUPT;
    return 0;
}

static int from_chunk(const jkb__val *v, size_t n, size_t i, jkb__cols *out)
{
    const uint8_t *rec = jkb__cols_record(v, n, i);
    if (rec == NULL)
        return JKB_ENOTFOUND;
    decode(rec, out);
    return 0;
}

int jkb__cols_get(jkb__txn *t, uint32_t doc, jkb__cols *out)
{
    uint8_t key[4];
    size_t n;
    jkb__val v;
    int rc;
    jkb__be32_put(key, doc / JKB__COLS_CHUNK);
    if ((rc = jkb__get(t, JKB__T_COLS, key, 4, &v)) != 0 || (rc = chunk_size(&v, &n)) != 0)
        return rc;
    return from_chunk(&v, n, doc % JKB__COLS_CHUNK, out);
}

/* ---- writing ---- */

void jkb__colwriter_init(jkb__colwriter *w)
{
    w->chunk = UINT32_MAX;
    w->n = 0;
}

/* Puts chunk c in w: its stored value, or an empty one. */
static int load_chunk(jkb__colwriter *w, jkb__txn *t, uint32_t c)
{
    uint8_t key[4];
    jkb__val v;
    int rc;
    jkb__be32_put(key, c);
    rc = jkb__get(t, JKB__T_COLS, key, 4, &v);
    if (rc == JKB_ENOTFOUND) {
        memset(w->buf, 0, sizeof w->buf);
        w->n = 0;
    } else if (rc || (rc = chunk_size(&v, &w->n)) != 0) {
        return rc;
    } else { /* copy: a write invalidates v */
        memcpy(w->buf, v.data, v.len);
        memset(w->buf + v.len, 0, sizeof w->buf - v.len);
    }
    w->chunk = c;
    return 0;
}

int jkb__colwriter_finish(jkb__colwriter *w, jkb__txn *t)
{
    uint8_t key[4];
    uint32_t c = w->chunk;
    w->chunk = UINT32_MAX;
    if (c == UINT32_MAX)
        return 0;
    while (w->n > 0 && !jkb__cols_has(w->buf, w->n - 1))
        w->n--; /* room up to the last document that exists */
    jkb__be32_put(key, c);
    if (w->n == 0) {
        int rc = jkb__del(t, JKB__T_COLS, key, 4);
        return rc == JKB_ENOTFOUND ? 0 : rc;
    }
    return jkb__put(t, JKB__T_COLS, key, 4, w->buf, JKB__COLS_MAP + w->n * JKB__COLS_BYTES);
}

/* Moves w to doc's chunk, writing the one it held. */
static int writer_at(jkb__colwriter *w, jkb__txn *t, uint32_t doc)
{
    int rc;
    if (doc / JKB__COLS_CHUNK == w->chunk)
        return 0;
    if ((rc = jkb__colwriter_finish(w, t)) != 0)
        return rc;
    return load_chunk(w, t, doc / JKB__COLS_CHUNK);
}

int jkb__colwriter_put(jkb__colwriter *w, jkb__txn *t, uint32_t doc, const jkb__cols *c)
{
    size_t i = doc % JKB__COLS_CHUNK;
    int rc;
    if ((rc = writer_at(w, t, doc)) != 0)
        return rc;
    w->buf[i / 8] |= (uint8_t)(1u << (i % 8));
    encode(w->buf + JKB__COLS_MAP + i * JKB__COLS_BYTES, c);
    if (i >= w->n)
        w->n = i + 1;
    return 0;
}

int jkb__cols_put(jkb__txn *t, uint32_t doc, const jkb__cols *c)
{
    jkb__colwriter w;
    int rc;
    jkb__colwriter_init(&w);
    rc = jkb__colwriter_put(&w, t, doc, c);
    return rc ? rc : jkb__colwriter_finish(&w, t);
}

int jkb__cols_del(jkb__txn *t, uint32_t doc)
{
    jkb__colwriter w;
    size_t i = doc % JKB__COLS_CHUNK;
    int rc;
    jkb__colwriter_init(&w);
    if ((rc = writer_at(&w, t, doc)) != 0)
        return rc;
    if (!jkb__cols_has(w.buf, i))
        return JKB_ENOTFOUND;
    w.buf[i / 8] &= (uint8_t)~(1u << (i % 8));
    memset(w.buf + JKB__COLS_MAP + i * JKB__COLS_BYTES, 0, JKB__COLS_BYTES);
    return jkb__colwriter_finish(&w, t);
}

/* ---- reading ---- */

int jkb__colreader_open(jkb__colreader *r, jkb__txn *t)
{
    r->chunk = UINT32_MAX;
    r->val.len = 0;
    r->n = 0;
    return jkb__cursor_open(t, JKB__T_COLS, &r->cur);
}

void jkb__colreader_close(jkb__colreader *r)
{
    jkb__cursor_close(r->cur);
    r->cur = NULL;
}

/* Leaves r past the last chunk. */
static int at_end(jkb__colreader *r)
{
    r->chunk = UINT32_MAX;
    r->val.len = 0;
    r->n = 0;
    return 0;
}

/* Puts the first chunk numbered >= c in r (r->chunk UINT32_MAX when there is none). */
static int load_from(jkb__colreader *r, uint32_t c)
{
    uint8_t key[4];
    jkb__val k;
    int rc;
    jkb__be32_put(key, c);
    if ((rc = jkb__cursor_seek_near(r->cur, key, 4, &k, &r->val)) != 0)
        return rc == JKB_ENOTFOUND ? at_end(r) : rc;
    if (k.len != 4 || (rc = chunk_size(&r->val, &r->n)) != 0) {
        at_end(r);
        return JKB_ECORRUPT;
    }
    r->chunk = jkb__be32_get(k.data);
    return 0;
}

/* Where document doc's columns start in r, or NULL (*rc JKB_ENOTFOUND, or an error). */
static const uint8_t *record_of(jkb__colreader *r, uint32_t doc, int *rc)
{
    uint32_t c = doc / JKB__COLS_CHUNK;
    const uint8_t *rec;
    if (c != r->chunk && (*rc = load_from(r, c)) != 0)
        return NULL;
    /* no such chunk (r holds the next one), or no such document */
    rec = r->chunk == c ? jkb__cols_record(&r->val, r->n, doc % JKB__COLS_CHUNK) : NULL;
    *rc = rec ? 0 : JKB_ENOTFOUND;
    return rec;
}

int jkb__colreader_get(jkb__colreader *r, uint32_t doc, jkb__cols *out)
{
    int rc;
    const uint8_t *rec = record_of(r, doc, &rc);
    if (rec)
        decode(rec, out);
    return rc;
}

int jkb__colreader_lens_load(jkb__colreader *r, uint32_t doc, uint32_t len[JKB__NFIELDS])
{
    int rc, f;
    const uint8_t *rec = record_of(r, doc, &rc);
    for (f = 0; rec && f < JKB__NFIELDS; f++)
        len[f] = jkb__le32_get(rec + 8 + 4 * f);
    return rc;
}

int jkb__colreader_next(jkb__colreader *r, uint32_t *doc, jkb__cols *out)
{
    uint32_t c = *doc / JKB__COLS_CHUNK;
    size_t i = *doc % JKB__COLS_CHUNK;
    int rc;
    for (;;) {
        if (c != r->chunk && (rc = load_from(r, c)) != 0)
            return rc;
        if (r->chunk == UINT32_MAX)
            return JKB_ENOTFOUND;
        if (r->chunk != c) { /* the next chunk that exists */
            c = r->chunk;
            i = 0;
        }
        for (; i < r->n; i++)
            if (jkb__cols_has(r->val.data, i)) {
                *doc = c * JKB__COLS_CHUNK + (uint32_t)i;
                return from_chunk(&r->val, r->n, i, out);
            }
        c++;
        i = 0;
    }
}
