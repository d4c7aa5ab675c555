/* The term dictionary in front-coded blocks (termdict.h). */
#include "termdict.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* The bytes a and b share at their start. */
static size_t shared_prefix(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Starts a walk of block (k, v) at its first term. */
static int load(jkb__term_iter *it, const jkb__val *k, const jkb__val *v)
{
    if (k->len == 0 || k->len > JKB__TERM_MAX)
        return JKB_ECORRUPT;
    memcpy(it->term, k->data, k->len);
    it->len = k->len;
    it->p = v->data;
    it->end = v->data + v->len;
    return jkb__varint_get32(&it->p, it->end, &it->id);
}

/* Reads the counts of the entry at it->p, whose term before is prev_len bytes long: the
   bytes it shares with that term and the rest that follows them. JKB_ECORRUPT when they do
   not fit the term or the block. */
static int entry_counts(const jkb__term_iter *it, size_t prev_len, size_t *shared, size_t *rest)
{
    if (it->end - it->p < 2)
        return JKB_ECORRUPT;
    *shared = it->p[0];
    *rest = it->p[1];
    if (*shared > prev_len || *rest == 0 || *shared + *rest > JKB__TERM_MAX ||
        (size_t)(it->end - it->p) - 2 < *rest)
        return JKB_ECORRUPT;
    return 0;
}

/* Moves to the block's next term: JKB_ENOTFOUND at its end. */
static int next_in_block(jkb__term_iter *it)
{
    size_t shared, rest;
    if (it->p == it->end)
        return JKB_ENOTFOUND;
    if (entry_counts(it, it->len, &shared, &rest))
        return JKB_ECORRUPT;
    memcpy(it->term + shared, it->p + 2, rest);
    it->len = shared + rest;
    it->p += 2 + rest;
    return jkb__varint_get32(&it->p, it->end, &it->id);
}

/* Positions c on the block that would hold term from: the last whose first term is <= from,
   or the first when from precedes them all. JKB_ENOTFOUND for an empty dictionary. */
static int find_block(jkb__cursor *c, const void *from, size_t len, jkb__val *k, jkb__val *v)
{
    int rc = jkb__cursor_seek(c, from, len, k, v);
    if (rc == JKB_ENOTFOUND)
        return jkb__cursor_last(c, k, v);
    if (rc || jkb__bytes_cmp(k->data, k->len, from, len) == 0)
        return rc;
    rc = jkb__cursor_prev(c, k, v);
    return rc == JKB_ENOTFOUND ? jkb__cursor_seek(c, from, len, k, v) : rc;
}

int jkb__terms_open(jkb__txn *t, jkb__term_iter *it)
{
    memset(it, 0, sizeof *it);
    return jkb__cursor_open(t, JKB__T_TERMS, &it->cur);
}

void jkb__terms_close(jkb__term_iter *it)
{
    jkb__cursor_close(it->cur);
    it->cur = NULL;
}

int jkb__terms_next(jkb__term_iter *it)
{
    jkb__val k, v;
    int rc = next_in_block(it);
    if (rc != JKB_ENOTFOUND)
        return rc;
    if ((rc = jkb__cursor_next(it->cur, &k, &v)) != 0)
        return rc;
    return load(it, &k, &v);
}

/*
 * Moves through the block's terms to the first >= target, comparing each only where it may
 * differ: a term that shares more with the one before than that one shares with the target
 * is still smaller, one that shares less is larger; neither is rebuilt until it is the one.
 * JKB_ENOTFOUND when every term of the block is smaller.
 */
static int seek_in_block(jkb__term_iter *it, const uint8_t *target, size_t len)
{
    size_t match = shared_prefix(it->term, it->len, target, len), cur = it->len;
    while (it->p < it->end) {
        const uint8_t *p = it->p;
        size_t shared, rest, c;
        int smaller;
        if (entry_counts(it, cur, &shared, &rest))
            return JKB_ECORRUPT;
        if (shared == match) {
            c = shared_prefix(p + 2, rest, target + match, len - match);
            smaller = c < rest && c < len - match ? p[2 + c] < target[match + c]
                                                  : rest < len - match;
        } else {
            c = 0;
            smaller = shared > match;
        }
        it->p += 2 + rest;
        if (!smaller) { /* the one: its start is the target's */
            memcpy(it->term, target, shared);
            memcpy(it->term + shared, p + 2, rest);
            it->len = shared + rest;
            return jkb__varint_get32(&it->p, it->end, &it->id);
        }
        if (shared == match)
            match += c;
        cur = shared + rest;
        if (jkb__varint_get32(&it->p, it->end, &it->id))
            return JKB_ECORRUPT;
    }
    return JKB_ENOTFOUND;
}

int jkb__terms_seek(jkb__term_iter *it, const void *from, size_t len)
{
    jkb__val k, v;
    int rc;
    if ((rc = find_block(it->cur, from, len, &k, &v)) != 0 || (rc = load(it, &k, &v)) != 0)
        return rc;
    if (jkb__bytes_cmp(it->term, it->len, from, len) >= 0)
        return 0;
    if ((rc = seek_in_block(it, from, len)) != JKB_ENOTFOUND)
        return rc;
    /* all smaller: the next block's terms are larger */
    if ((rc = jkb__cursor_next(it->cur, &k, &v)) != 0 || (rc = load(it, &k, &v)) != 0)
        return rc;
    while (jkb__bytes_cmp(it->term, it->len, from, len) < 0)
        if ((rc = jkb__terms_next(it)) != 0)
            return rc;
    return 0;
}

int jkb__terms_get(jkb__txn *t, const void *term, size_t len, uint32_t *id)
{
    jkb__term_iter it;
    int rc = jkb__terms_open(t, &it);
    if (rc == 0 && (rc = jkb__terms_seek(&it, term, len)) == 0) {
        if (jkb__bytes_cmp(it.term, it.len, term, len) == 0)
            *id = it.id;
        else
            rc = JKB_ENOTFOUND;
    }
    jkb__terms_close(&it);
    return rc;
}

/* ---- writing ---- */

/* Terms with their ids, in order: the bytes in an arena. */
typedef struct term_list {
    jkb__buf bytes;
    struct {
        size_t off, len;
        uint32_t id;
    } *e;
    size_t n, cap;
} term_list;

static void list_add(int *rc, term_list *l, const void *term, size_t len, uint32_t id)
{
    JKB__RESERVE(*rc, l->e, l->cap, l->n);
    if (*rc)
        return;
    l->e[l->n].off = l->bytes.len;
    l->e[l->n].len = len;
    l->e[l->n].id = id;
    jkb__buf_put(rc, &l->bytes, term, len);
    l->n++;
}

static const uint8_t *list_term(const term_list *l, size_t i)
{
    return l->bytes.data + l->e[i].off;
}

/* Copies the terms of block (k, v), checking that they ascend. */
static int read_block(const jkb__val *k, const jkb__val *v, term_list *l)
{
    jkb__term_iter it;
    int rc = load(&it, k, v);
    while (rc == 0) {
        if (l->n > 0 &&
            jkb__bytes_cmp(list_term(l, l->n - 1), l->e[l->n - 1].len, it.term, it.len) >= 0)
            return JKB_ECORRUPT;
        list_add(&rc, l, it.term, it.len, it.id);
        if (rc == 0)
            rc = next_in_block(&it);
    }
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

/* Writes l's terms as blocks of at most JKB__TERMS_BLOCK_MAX bytes of key and value. */
static int write_blocks(jkb__txn *t, const term_list *l, jkb__buf *val)
{
    size_t i = 0;
    int rc = 0;
    while (rc == 0 && i < l->n) {
        const uint8_t *key = list_term(l, i);
        size_t key_len = l->e[i].len;
        val->len = 0;
        jkb__buf_put_varint(&rc, val, l->e[i].id);
        for (i++; rc == 0 && i < l->n; i++) {
            const uint8_t *term = list_term(l, i);
            size_t len = l->e[i].len;
            /* terms ascend: one shares less than all of itself with the one before */
            size_t shared = shared_prefix(list_term(l, i - 1), l->e[i - 1].len, term, len);
            if (key_len + val->len + 2 + (len - shared) + jkb__varint_len(l->e[i].id) >
                JKB__TERMS_BLOCK_MAX)
                break;
            jkb__buf_putc(&rc, val, (uint8_t)shared);
            jkb__buf_putc(&rc, val, (uint8_t)(len - shared));
            jkb__buf_put(&rc, val, term + shared, len - shared);
            jkb__buf_put_varint(&rc, val, l->e[i].id);
        }
        if (rc == 0)
            rc = jkb__put(t, JKB__T_TERMS, key, key_len, val->data, val->len);
    }
    return rc;
}

/* A batch of terms being merged into the dictionary, block by block. */
typedef struct merge {
    jkb__txn *t;
    jkb__cursor *c;
    jkb__term_ref *terms;
    size_t n;
    size_t i; /* the next term to merge */
    uint32_t *next_id;
    term_list old, out;
    jkb__buf scratch;
} merge;

/*
 * Merges the terms from m->i on that fall in the block m->c stands on ((k, v); none for an
 * empty dictionary), those before the next block's first term, into it; missing ones take ids
 * from *m->next_id. Moves m->i past them.
 */
static int merge_block(merge *m, const jkb__val *k, const jkb__val *v)
{
    uint8_t old_key[JKB__TERM_MAX], hi[JKB__TERM_MAX];
    term_list *old = &m->old, *out = &m->out;
    jkb__term_ref *terms = m->terms;
    size_t old_len = 0, hi_len = 0, a = 0, b = m->i, end = m->i;
    int rc = 0;

    old->n = out->n = old->bytes.len = out->bytes.len = 0;
    if (k) {
        jkb__val nk, nv;
        old_len = k->len;
        if (old_len > JKB__TERM_MAX || (rc = read_block(k, v, old)) != 0)
            return rc ? rc : JKB_ECORRUPT;
        memcpy(old_key, k->data, old_len);
        /* the next block's first term bounds this one's */
        rc = jkb__cursor_next(m->c, &nk, &nv);
        if (rc == 0 && (nk.len == 0 || nk.len > JKB__TERM_MAX))
            return JKB_ECORRUPT;
        if (rc == 0)
            memcpy(hi, nk.data, hi_len = nk.len);
        else if (rc != JKB_ENOTFOUND)
            return rc;
        rc = 0;
    }
    while (end < m->n &&
           (hi_len == 0 || jkb__bytes_cmp(terms[end].term, terms[end].len, hi, hi_len) < 0))
        end++;
    while (rc == 0 && (a < old->n || b < end)) {
        int order = a == old->n ? 1
                    : b == end  ? -1
                                : jkb__bytes_cmp(list_term(old, a), old->e[a].len, terms[b].term,
                                            terms[b].len);
        if (order <= 0) {
            if (order == 0)
                terms[b++].id = old->e[a].id;
            list_add(&rc, out, list_term(old, a), old->e[a].len, old->e[a].id);
            a++;
        } else {
            if (*m->next_id == UINT32_MAX)
                return JKB_EFULL;
            terms[b].id = (*m->next_id)++;
            list_add(&rc, out, terms[b].term, terms[b].len, terms[b].id);
            b++;
        }
    }
    if (rc == 0 && end == m->i)
        return JKB_ECORRUPT; /* no term fell in the block: the blocks are out of order */
    m->i = end;
    /* a term before the first block's first gives it a new key */
    if (rc == 0 && k && jkb__bytes_cmp(list_term(out, 0), out->e[0].len, old_key, old_len) != 0)
        rc = jkb__del(m->t, JKB__T_TERMS, old_key, old_len);
    return rc ? rc : write_blocks(m->t, out, &m->scratch);
}

int jkb__terms_resolve(jkb__txn *t, jkb__term_ref *terms, size_t n, uint32_t *next_id)
{
    merge m;
    int rc;
    memset(&m, 0, sizeof m);
    m.t = t;
    m.terms = terms;
    m.n = n;
    m.next_id = next_id;
    rc = jkb__cursor_open(t, JKB__T_TERMS, &m.c);
    while (rc == 0 && m.i < n) {
        jkb__val k, v;
        rc = find_block(m.c, terms[m.i].term, terms[m.i].len, &k, &v);
        if (rc == 0)
            rc = merge_block(&m, &k, &v);
        else if (rc == JKB_ENOTFOUND) /* an empty dictionary */
            rc = merge_block(&m, NULL, NULL);
    }
    jkb__cursor_close(m.c);
    jkb__buf_fin(&m.scratch);
    jkb__buf_fin(&m.old.bytes);
    jkb__buf_fin(&m.out.bytes);
    free(m.old.e);
    free(m.out.e);
    return rc;
}
