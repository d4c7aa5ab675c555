/* Document frequencies in blocks (docfreq.h). */
#include "docfreq.h"

#include <stdlib.h>

#include "buf.h"

/* Decodes a block's frequencies into df (all JKB__DF_BLOCK of them). */
static int decode(const jkb__val *v, uint64_t *df)
{
    const uint8_t *p = v->data, *end = v->data + v->len;
    unsigned i;
    for (i = 0; i < JKB__DF_BLOCK; i++)
        if (jkb__varint_get(&p, end, &df[i]))
            return JKB_ECORRUPT;
    return p == end ? 0 : JKB_ECORRUPT;
}

int jkb__df_get(jkb__txn *t, uint32_t tid, uint64_t *df)
{
    uint64_t all[JKB__DF_BLOCK];
    uint8_t key[4];
    jkb__val v;
    int rc;
    *df = 0;
    jkb__be32_put(key, tid / JKB__DF_BLOCK);
    if ((rc = jkb__get(t, JKB__T_TINFO, key, 4, &v)) != 0)
        return rc == JKB_ENOTFOUND ? 0 : rc;
    if ((rc = decode(&v, all)) == 0)
        *df = all[tid % JKB__DF_BLOCK];
    return rc;
}

/* By term id, additions first: a frequency then falls below 0 on the way only if it ends
   there. */
static int cmp_delta(const void *a, const void *b)
{
    const jkb__df_delta *x = a, *y = b;
    if (x->tid != y->tid)
        return (x->tid > y->tid) - (x->tid < y->tid);
    return (x->delta < y->delta) - (x->delta > y->delta);
}

/* Applies the changes d[0..n), all of one block, to that block. */
static int apply_block(jkb__txn *t, const jkb__df_delta *d, size_t n)
{
    uint64_t all[JKB__DF_BLOCK] = {0}, any = 0;
    uint8_t key[4], out[JKB__DF_BLOCK * JKB__VARINT_MAX];
    size_t len = 0, i;
    jkb__val v;
    int rc, existed;

    jkb__be32_put(key, d[0].tid / JKB__DF_BLOCK);
    rc = jkb__get(t, JKB__T_TINFO, key, 4, &v);
    existed = rc == 0;
    if (rc == 0)
        rc = decode(&v, all);
    else if (rc == JKB_ENOTFOUND)
        rc = 0;
    if (rc)
        return rc;
    for (i = 0; i < n; i++) {
        uint64_t *df = &all[d[i].tid % JKB__DF_BLOCK];
        if (d[i].delta < 0 && *df < (uint64_t)-d[i].delta)
            return JKB_ECORRUPT;
        *df = (uint64_t)((int64_t)*df + d[i].delta);
    }
    for (i = 0; i < JKB__DF_BLOCK; i++) {
        len += jkb__varint_put(out + len, all[i]);
        any |= all[i];
    }
    if (any)
        return jkb__put(t, JKB__T_TINFO, key, 4, out, len);
    return existed ? jkb__del(t, JKB__T_TINFO, key, 4) : 0;
}

int jkb__df_apply(jkb__txn *t, jkb__df_delta *d, size_t n)
{
    size_t i = 0, j;
    int rc = 0;
    if (n == 0)
        return 0; /* d may be NULL */
    qsort(d, n, sizeof *d, cmp_delta);
    while (rc == 0 && i < n) {
        for (j = i + 1; j < n && d[j].tid / JKB__DF_BLOCK == d[i].tid / JKB__DF_BLOCK; j++)
            ;
        rc = apply_block(t, d + i, j - i);
        i = j;
    }
    return rc;
}

int jkb__df_add(jkb__txn *t, uint32_t tid, int64_t delta)
{
    jkb__df_delta d;
    d.tid = tid;
    d.delta = delta;
    return jkb__df_apply(t, &d, 1);
}

int jkb__df_count(jkb__txn *t, uint64_t *n)
{
    uint64_t all[JKB__DF_BLOCK];
    jkb__cursor *c;
    jkb__val k, v;
    unsigned i;
    int rc;
    *n = 0;
    if ((rc = jkb__cursor_open(t, JKB__T_TINFO, &c)) != 0)
        return rc;
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v); rc == 0; rc = jkb__cursor_next(c, &k, &v)) {
        if ((rc = decode(&v, all)) != 0)
            break;
        for (i = 0; i < JKB__DF_BLOCK; i++)
            *n += all[i] != 0;
    }
    jkb__cursor_close(c);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}
