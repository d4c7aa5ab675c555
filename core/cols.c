/* Per-document columns in blocks (cols.h). */
#include "cols.h"

#include <string.h>

#include "buf.h"

#define BLOCK_MAX (4 + JKB__COLS_BLOCK * JKB__COLS_BYTES)

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Bits set in v, without the call __builtin_popcount becomes on CPUs without POPCNT. */
static unsigned popcount(uint32_t v)
{
    v = v - ((v >> 1) & 0x55555555u);
    v = (v & 0x33333333u) + ((v >> 2) & 0x33333333u);
    return (((v + (v >> 4)) & 0x0F0F0F0Fu) * 0x01010101u) >> 24;
}

/* A block's mask, after checking that the value holds an entry per bit. */
static int block_mask(const jkb__val *v, uint32_t *mask)
{
    if (v->len < 4)
        return JKB_ECORRUPT;
    *mask = get_le32(v->data);
    return v->len == 4 + (size_t)popcount(*mask) * JKB__COLS_BYTES ? 0 : JKB_ECORRUPT;
}

static void decode(const uint8_t *src, jkb__cols *out)
{
    int f;
    out->day = (int32_t)get_le32(src);
    out->case_key = get_le32(src + 4);
    for (f = 0; f < JKB__NFIELDS; f++)
        out->len[f] = get_le32(src + 8 + 4 * f);
}

static void encode(uint8_t *dst, const jkb__cols *c)
{
    int f;
    put_le32(dst, (uint32_t)c->day);
    put_le32(dst + 4, c->case_key);
    for (f = 0; f < JKB__NFIELDS; f++)
        put_le32(dst + 8 + 4 * f, c->len[f]);
}

/* Document bit's columns in a block's value v of documents mask (block_mask). */
static int from_block(const jkb__val *v, uint32_t mask, unsigned bit, jkb__cols *out)
{
    if (!(mask >> bit & 1))
        return JKB_ENOTFOUND;
    decode(v->data + 4 + popcount(mask & ((1u << bit) - 1)) * JKB__COLS_BYTES, out);
    return 0;
}

int jkb__cols_get(jkb__txn *t, uint32_t doc, jkb__cols *out)
{
    uint8_t key[4];
    uint32_t mask;
    jkb__val v;
    int rc;
    jkb__be32_put(key, doc / JKB__COLS_BLOCK);
    if ((rc = jkb__get(t, JKB__T_COLS, key, 4, &v)) != 0 || (rc = block_mask(&v, &mask)) != 0)
        return rc;
    return from_block(&v, mask, doc % JKB__COLS_BLOCK, out);
}

/* Rewrites doc's block with doc's entry replaced (c) or removed (c NULL). */
static int update(jkb__txn *t, uint32_t doc, const jkb__cols *c)
{
    uint8_t key[4], out[BLOCK_MAX];
    const uint8_t *in = NULL;
    unsigned bit = doc % JKB__COLS_BLOCK, i;
    uint32_t mask = 0, new_mask;
    size_t len = 4;
    jkb__val v;
    int rc;

    jkb__be32_put(key, doc / JKB__COLS_BLOCK);
    rc = jkb__get(t, JKB__T_COLS, key, 4, &v);
    if (rc == 0) {
        if ((rc = block_mask(&v, &mask)) != 0)
            return rc;
        in = v.data + 4;
    } else if (rc != JKB_ENOTFOUND) {
        return rc;
    }
    if (c == NULL && !(mask >> bit & 1))
        return JKB_ENOTFOUND;
    new_mask = c ? mask | 1u << bit : mask & ~(1u << bit);
    /* Copy before writing: a write invalidates v. */
    for (i = 0; i < JKB__COLS_BLOCK; i++) {
        if (i == bit && c) {
            encode(out + len, c);
            len += JKB__COLS_BYTES;
        } else if (new_mask >> i & 1) {
            memcpy(out + len, in + popcount(mask & ((1u << i) - 1)) * JKB__COLS_BYTES,
                   JKB__COLS_BYTES);
            len += JKB__COLS_BYTES;
        }
    }
    put_le32(out, new_mask);
    if (new_mask == 0)
        return jkb__del(t, JKB__T_COLS, key, 4);
    return jkb__put(t, JKB__T_COLS, key, 4, out, len);
}

int jkb__cols_put(jkb__txn *t, uint32_t doc, const jkb__cols *c)
{
    return update(t, doc, c);
}

int jkb__cols_del(jkb__txn *t, uint32_t doc)
{
    return update(t, doc, NULL);
}

int jkb__colreader_open(jkb__colreader *r, jkb__txn *t)
{
    r->block = UINT32_MAX;
    r->val.len = 0;
    r->mask = 0;
    return jkb__cursor_open(t, JKB__T_COLS, &r->cur);
}

void jkb__colreader_close(jkb__colreader *r)
{
    jkb__cursor_close(r->cur);
    r->cur = NULL;
}

/* Leaves r past the last block. */
static int at_end(jkb__colreader *r)
{
    r->block = UINT32_MAX;
    r->val.len = 0;
    r->mask = 0;
    return 0;
}

/* Puts the first block numbered >= b in r (r->block UINT32_MAX when there is none). */
static int load_from(jkb__colreader *r, uint32_t b)
{
    uint8_t key[4];
    jkb__val k;
    int rc;
    jkb__be32_put(key, b);
    if ((rc = jkb__cursor_seek_near(r->cur, key, 4, &k, &r->val)) != 0)
        return rc == JKB_ENOTFOUND ? at_end(r) : rc;
    if (k.len != 4 || (rc = block_mask(&r->val, &r->mask)) != 0) {
        at_end(r);
        return JKB_ECORRUPT;
    }
    r->block = jkb__be32_get(k.data);
    return 0;
}

int jkb__colreader_get(jkb__colreader *r, uint32_t doc, jkb__cols *out)
{
    uint32_t b = doc / JKB__COLS_BLOCK;
    int rc;
    if (b != r->block && (rc = load_from(r, b)) != 0)
        return rc;
    if (r->block != b) /* no such block: r holds the next one */
        return JKB_ENOTFOUND;
    return from_block(&r->val, r->mask, doc % JKB__COLS_BLOCK, out);
}

int jkb__colreader_next(jkb__colreader *r, uint32_t *doc, jkb__cols *out)
{
    uint32_t b = *doc / JKB__COLS_BLOCK, mask;
    unsigned bit = *doc % JKB__COLS_BLOCK;
    int rc;
    for (;;) {
        if (b != r->block && (rc = load_from(r, b)) != 0)
            return rc;
        if (r->block == UINT32_MAX)
            return JKB_ENOTFOUND;
        if (r->block != b) { /* the next block that exists */
            b = r->block;
            bit = 0;
        }
        mask = r->mask & ~0u << bit;
        if (mask) {
            bit = (unsigned)__builtin_ctz(mask);
            *doc = b * JKB__COLS_BLOCK + bit;
            return from_block(&r->val, r->mask, bit, out);
        }
        b++;
        bit = 0;
    }
}
