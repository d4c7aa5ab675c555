#include "match.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index.h"
#include "termdict.h"

/* Terms a prefix, or an infix (a last resort, which reads much of the term dictionary),
   expands to at most: bounds the work of a query that matched nothing. */
#define EXPAND_PREFIX 512
#define EXPAND_INFIX 256

#define ALL_FIELDS ((1u << JKB__NFIELDS) - 1)

/* ---- postings iterators ---- */

/* Positions it->cur at the first postings key >= (it->tid, doc): 1 when it is one of the
   term's, with its block's last doc id, 0 when the term has no block there. */
static int seek_block(jkb__piter *it, uint32_t doc, jkb__val *v, uint32_t *last)
{
    uint8_t key[JKB__POST_KEY_MAX];
    uint32_t tid;
    jkb__val k;
    int rc = jkb__cursor_seek_near(it->cur, key, jkb__post_key(key, it->tid, doc), &k, v);
    if (rc == JKB_ENOTFOUND)
        return 0;
    if (rc || (rc = jkb__post_key_read(k.data, k.len, &tid, last)) != 0)
        return rc;
    return tid == it->tid;
}

/* Loads the block that may hold doc or the next one after it: 1, or 0 past the end. */
static int piter_load(jkb__piter *it, uint32_t doc)
{
    jkb__val v;
    uint32_t last;
    int rc = 1;
    /* the block holding doc: the first whose key (tid, last doc) is >= (tid, doc); the one
       jkb__piter_bound read the header of, most often */
    if (it->peeked && doc >= it->peek_from && doc <= it->peek_last) {
        v = it->peek_val;
        last = it->peek_last;
    } else {
        rc = seek_block(it, doc, &v, &last);
    }
    if (rc <= 0) {
        it->loaded = 0;
        return rc;
    }
    if ((rc = jkb__block_decode(v.data, v.len, last, &it->block, JKB__DECODE_BY_FIELD)) != 0)
        return rc;
    it->loaded = 1;
    it->raw = v.data;
    it->raw_len = v.len;
    it->pos_index.ready = 0;
    it->pos_doc = SIZE_MAX;
    /* a seek to any document from doc on lands here: a walk that seeks a term at a document
       before the one it stands on does not load its block again */
    it->first = doc < it->block.docs[0] ? doc : it->block.docs[0];
    it->last = it->block.docs[it->block.n - 1];
    it->i = 0;
    return 1;
}

int jkb__piter_bound(jkb__piter *it, uint32_t doc, uint32_t *bound, uint32_t *last)
{
    jkb__val v;
    jkb__block_header h;
    uint32_t block_last;
    int rc;
    if (it->mem || (it->loaded && doc >= it->first && doc <= it->last)) {
        if (!it->loaded || doc > it->last)
            return 0;
        *bound = it->mem ? UINT32_MAX : it->block.bound;
        *last = it->last;
        return 1;
    }
    if (!it->peeked || doc < it->peek_from || doc > it->peek_last) {
        if ((rc = seek_block(it, doc, &v, &block_last)) <= 0 ||
            (rc = jkb__block_header_read(v.data, v.len, &h)) != 0)
            return rc;
        it->peeked = 1;
        it->peek_from = doc;
        it->peek_last = block_last;
        it->peek_bound = h.bound;
        it->peek_val = v;
    }
    *bound = it->peek_bound;
    *last = it->peek_last;
    return 1;
}

/* Moves it->i to the first document >= doc of the loaded block, which holds one (its last is
   >= doc): where it stands already, a few steps ahead (most seeks), or by bisection (far
   ahead in an expansion, or back: scoring visits documents in rank order). */
static void block_find(jkb__piter *it, uint32_t doc)
{
    const uint32_t *d = it->block.docs;
    size_t lo = 0, hi = it->block.n, k;
    if (d[it->i] >= doc) {
        if (it->i == 0 || d[it->i - 1] < doc)
            return;
        hi = it->i;
    } else {
        for (k = it->i + 1; k < it->block.n && k <= it->i + 8; k++) {
            if (d[k] >= doc) {
                it->i = k;
                return;
            }
        }
        lo = k;
    }
    it->i = jkb__first_at_least(d, lo, hi, doc);
}

int jkb__piter_seek_from(jkb__piter *it, uint32_t doc, int want_pos, uint32_t *at)
{
    int rc;
    if (it->mem) {
        if (!it->loaded || doc > it->last)
            return 0;
    } else if (!it->loaded || doc < it->first || doc > it->last) {
        if ((rc = piter_load(it, doc)) <= 0)
            return rc;
    }
    block_find(it, doc);
    if (it->i == it->block.n) /* cannot happen: last >= doc */
        return JKB_ECORRUPT;
    if (want_pos && !it->mem && it->pos_doc != it->i) {
        if ((rc = jkb__block_doc_positions(it->raw, it->raw_len, &it->block, it->i,
                                           &it->pos_index)) != 0)
            return rc;
        it->pos_doc = it->i;
    }
    *at = it->block.docs[it->i];
    return 1;
}

const uint32_t *jkb__piter_positions(const jkb__piter *it, unsigned f, uint32_t *n)
{
    const uint32_t *tf = it->block.pos_tf;
    const uint32_t *p = it->block.pos;
    unsigned g;
    for (g = 0; g < f; g++)
        p += tf[g];
    *n = tf[f];
    return p;
}

/* ---- document sets ---- */

void jkb__dset_fin(jkb__dset *s)
{
    free(s->d);
    memset(s, 0, sizeof *s);
}

int jkb__dset_push(jkb__dset *s, uint32_t doc)
{
    int rc = 0;
    JKB__RESERVE(rc, s->d, s->cap, s->n);
    if (rc == 0)
        s->d[s->n++] = doc;
    return rc;
}

/* a = a AND b */
static void dset_and(jkb__dset *a, const jkb__dset *b)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->n && j < b->n) {
        if (a->d[i] < b->d[j])
            i++;
        else if (a->d[i] > b->d[j])
            j++;
        else {
            a->d[n++] = a->d[i];
            i++;
            j++;
        }
    }
    a->n = n;
}

/* a = a AND NOT b */
static void dset_minus(jkb__dset *a, const jkb__dset *b)
{
    size_t i, j = 0, n = 0;
    for (i = 0; i < a->n; i++) {
        while (j < b->n && b->d[j] < a->d[i])
            j++;
        if (j == b->n || b->d[j] != a->d[i])
            a->d[n++] = a->d[i];
    }
    a->n = n;
}

/* a = a OR b */
static int dset_or(jkb__dset *a, const jkb__dset *b)
{
    jkb__dset out = {NULL, 0, 0};
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < a->n || j < b->n)) {
        if (j == b->n || (i < a->n && a->d[i] < b->d[j]))
            rc = jkb__dset_push(&out, a->d[i++]);
        else if (i == a->n || b->d[j] < a->d[i])
            rc = jkb__dset_push(&out, b->d[j++]);
        else {
            rc = jkb__dset_push(&out, a->d[i++]);
            j++;
        }
    }
    if (rc) {
        jkb__dset_fin(&out);
        return rc;
    }
    jkb__dset_fin(a);
    *a = out;
    return 0;
}

/* ---- terms ---- */

/* Finds an exact term's id and document frequency (0 when no document holds it). */
static int lookup(jkb__txn *txn, const jkb__qterm *t, uint32_t *tid, uint64_t *df)
{
    int rc = jkb__terms_get(txn, t->term, t->len, tid);
    *df = 0;
    if (rc == JKB_ENOTFOUND)
        return 0;
    return rc ? rc : jkb__df_get(txn, *tid, df);
}

/* Whether the dictionary term at ti meets query term t (a prefix or an infix). An infix's
   last byte is compared at each offset before the rest: its first, a katakana's lead byte,
   is every third byte of the katakana terms it is looked for in. */
static int meets(const jkb__qterm *t, const jkb__term_iter *ti)
{
    const uint8_t *want = (const uint8_t *)t->term;
    size_t i, n = t->len;
    if (t->match == JKB__MATCH_PREFIX)
        return ti->len >= n && memcmp(ti->term, want, n) == 0;
    for (i = 0; n > 0 && i + n <= ti->len; i++)
        if (ti->term[i + n - 1] == want[n - 1] && memcmp(ti->term + i, want, n - 1) == 0)
            return 1;
    return 0;
}

typedef struct union_doc {
    uint32_t doc;
    uint32_t tf[JKB__NFIELDS];
} union_doc;

static int cmp_union_doc(const void *a, const void *b)
{
    uint32_t x = ((const union_doc *)a)->doc, y = ((const union_doc *)b)->doc;
    return (x > y) - (x < y);
}

/* Appends every posting of term tid (ids and frequencies) to all. */
static int read_term(jkb__piter *it, uint32_t tid, union_doc **all, size_t *n, size_t *cap)
{
    uint8_t key[JKB__POST_KEY_MAX];
    jkb__val k, v;
    uint32_t ktid, last;
    size_t i;
    int rc;
    for (rc = jkb__cursor_seek(it->cur, key, jkb__post_key(key, tid, 0), &k, &v); rc == 0;
         rc = jkb__cursor_next(it->cur, &k, &v)) {
        if ((rc = jkb__post_key_read(k.data, k.len, &ktid, &last)) != 0)
            return rc;
        if (ktid != tid)
            break;
        if ((rc = jkb__block_decode(v.data, v.len, last, &it->block, JKB__DECODE_FREQS)) != 0)
            return rc;
        for (i = 0; i < it->block.n; i++) {
            JKB__RESERVE(rc, *all, *cap, *n);
            if (rc)
                return rc;
            (*all)[*n].doc = it->block.docs[i];
            memcpy((*all)[*n].tf, it->block.tf + i * JKB__NFIELDS, sizeof (*all)[*n].tf);
            (*n)++;
        }
    }
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

/* A prefix's or an infix's expansion while the term dictionary is read: the postings of the
   terms it meets (at most EXPAND_PREFIX or EXPAND_INFIX of them, in key order). */
typedef struct expansion {
    union_doc *all;
    size_t n;
    size_t cap;
    size_t n_terms;
} expansion;

/* Adds the postings of term tid. */
static int gather(jkb__piter *it, uint32_t tid, expansion *x)
{
    x->n_terms++;
    return read_term(it, tid, &x->all, &x->n, &x->cap);
}

/* Turns an expansion into the iterator's in-memory block: ids and summed frequencies, no
   positions. */
static int settle(jkb__piter *it, expansion *x, uint64_t *df)
{
    size_t i;
    int rc = 0;
    if (x->n > 1)
        qsort(x->all, x->n, sizeof *x->all, cmp_union_doc);
    jkb__postings_clear(&it->block);
    for (i = 0; rc == 0 && i < x->n; i++) {
        size_t f;
        if (it->block.n == 0 || it->block.docs[it->block.n - 1] != x->all[i].doc)
            jkb__postings_add_doc(&rc, &it->block, x->all[i].doc);
        for (f = 0; rc == 0 && f < JKB__NFIELDS; f++)
            it->block.tf[(it->block.n - 1) * JKB__NFIELDS + f] += x->all[i].tf[f];
    }
    free(x->all);
    memset(x, 0, sizeof *x);
    it->mem = 1;
    it->loaded = rc == 0 && it->block.n > 0;
    it->i = 0;
    *df = 0;
    if (it->loaded) {
        it->first = it->block.docs[0];
        it->last = it->block.docs[it->block.n - 1];
        *df = it->block.n;
    }
    return rc;
}

/* A prefix reads its range of the sorted term dictionary. */
static int expand_prefix(jkb__txn *txn, jkb__piter *it, const jkb__qterm *t, uint64_t *df)
{
    jkb__term_iter ti;
    expansion x;
    int rc;
    memset(&x, 0, sizeof x);
    if ((rc = jkb__terms_open(txn, &ti)) != 0)
        return rc;
    for (rc = jkb__terms_seek(&ti, t->term, t->len);
         rc == 0 && x.n_terms < EXPAND_PREFIX && meets(t, &ti); rc = jkb__terms_next(&ti)) {
        if ((rc = gather(it, ti.id, &x)) != 0)
            break;
    }
    jkb__terms_close(&ti);
    if (rc == JKB_ENOTFOUND)
        rc = 0;
    return rc ? (free(x.all), rc) : settle(it, &x, df);
}

/*
 * Infixes are katakana or Latin runs (jkb__query_relax), looked for inside the longer runs
 * MeCab keeps whole as unknown words: only the terms starting with such a run are read, once
 * for all the query's infixes. A last resort: it reads much of the dictionary.
 */
static const struct {
    const char *from, *to; /* [from, to) in key order */
} run_terms[] = {
    {"0", "{"},                       /* digits and Latin letters (folded to lower case) */
    {"\xE3\x82\xA1", "\xE3\x83\xBD"}, /* katakana ァ..ー */
};

static int run_of(const jkb__qterm *t)
{
    return (uint8_t)t->term[0] < 0x80 ? 0 : 1;
}

static int expand_infixes(jkb__matcher *m)
{
    const jkb__query *q = m->q;
    expansion *x = calloc(q->n_terms + 1, sizeof *x);
    jkb__term_iter ti;
    size_t r, t;
    int rc;
    if (x == NULL)
        return JKB_ENOMEM;
    if ((rc = jkb__terms_open(m->txn, &ti)) != 0) {
        free(x);
        return rc;
    }
    for (r = 0; rc == 0 && r < sizeof run_terms / sizeof run_terms[0]; r++) {
        const char *to = run_terms[r].to;
        size_t to_len = strlen(to);
        int open = 0;
        for (t = 0; t < q->n_terms; t++)
            open |= q->terms[t].uniq == t && q->terms[t].match == JKB__MATCH_INFIX &&
                    run_of(&q->terms[t]) == (int)r;
        if (!open)
            continue;
        for (rc = jkb__terms_seek(&ti, run_terms[r].from, strlen(run_terms[r].from));
             rc == 0 && open && jkb__bytes_cmp(ti.term, ti.len, to, to_len) < 0;
             rc = jkb__terms_next(&ti)) {
            open = 0;
            for (t = 0; rc == 0 && t < q->n_terms; t++) {
                const jkb__qterm *qt = &q->terms[t];
                if (qt->uniq != t || qt->match != JKB__MATCH_INFIX || run_of(qt) != (int)r ||
                    x[t].n_terms >= EXPAND_INFIX)
                    continue;
                open = 1;
                if (meets(qt, &ti))
                    rc = gather(&m->it[t], ti.id, &x[t]);
            }
        }
        if (rc == JKB_ENOTFOUND)
            rc = 0;
    }
    jkb__terms_close(&ti);
    for (t = 0; t < q->n_terms; t++) {
        if (rc == 0 && q->terms[t].uniq == t && q->terms[t].match == JKB__MATCH_INFIX)
            rc = settle(&m->it[t], &x[t], &m->df[t]);
        free(x[t].all);
    }
    free(x);
    return rc;
}

/* The rarest of terms [first, first + n), which leads their walk, or UINT32_MAX when one
   of them is in no document. */
static uint32_t rarest(const jkb__matcher *m, uint32_t first, uint32_t n)
{
    uint32_t lead = first, i;
    for (i = 0; i < n; i++) {
        uint32_t t = first + i;
        if (m->df[m->q->terms[t].uniq] == 0)
            return UINT32_MAX;
        if (m->df[m->q->terms[t].uniq] < m->df[m->q->terms[lead].uniq])
            lead = t;
    }
    return n > 0 ? lead : UINT32_MAX;
}

/* Fills the walk state of node and its kids: no document found yet, and the cost. */
static uint64_t node_cost(jkb__matcher *m, uint32_t node)
{
    const jkb__qnode *n = &m->q->nodes[node];
    jkb__walk_node *w = &m->walk[node];
    uint32_t i;
    w->from = UINT32_MAX;
    w->next = 0;
    w->cost = UINT64_MAX;
    switch (n->kind) {
    case JKB__Q_WORD:
    case JKB__Q_PHRASE:
        w->lead = rarest(m, n->first, n->n);
        w->cost = w->lead == UINT32_MAX ? 0 : m->df[m->q->terms[w->lead].uniq];
        break;
    case JKB__Q_ALL:
    case JKB__Q_ANY:
        w->cost = n->kind == JKB__Q_ANY ? 0 : UINT64_MAX;
        for (i = 0; i < n->n; i++) {
            uint64_t c = node_cost(m, m->q->kids[n->first + i]);
            if (n->kind == JKB__Q_ALL && c < w->cost)
                w->cost = c;
            if (n->kind == JKB__Q_ANY)
                w->cost = c > UINT64_MAX - w->cost ? UINT64_MAX : w->cost + c;
        }
        break;
    default:
        for (i = 0; n->kind == JKB__Q_NOT && i < n->n; i++)
            node_cost(m, m->q->kids[n->first + i]);
        break;
    }
    return w->cost;
}

int jkb__matcher_open(jkb__matcher *m, jkb__txn *txn, const jkb__query *q)
{
    size_t t;
    int rc = 0, infixes = 0;
    memset(m, 0, sizeof *m);
    m->txn = txn;
    m->q = q;
    m->it = calloc(q->n_terms + 1, sizeof *m->it);
    m->df = calloc(q->n_terms + 1, sizeof *m->df);
    m->walk = calloc(q->n_nodes + 1, sizeof *m->walk);
    if (m->it == NULL || m->df == NULL || m->walk == NULL)
        return JKB_ENOMEM;
    for (t = 0; t < q->n_terms && rc == 0; t++) {
        const jkb__qterm *qt = &q->terms[t];
        if (qt->uniq != t)
            continue;
        jkb__postings_init(&m->it[t].block);
        if ((rc = jkb__cursor_open(txn, JKB__T_POST, &m->it[t].cur)) != 0)
            break;
        if (qt->match == JKB__MATCH_EXACT)
            rc = lookup(txn, qt, &m->it[t].tid, &m->df[t]);
        else if (qt->match == JKB__MATCH_PREFIX)
            rc = expand_prefix(txn, &m->it[t], qt, &m->df[t]);
        else
            infixes = 1;
    }
    if (rc == 0 && infixes)
        rc = expand_infixes(m);
    if (rc == 0 && q->n_nodes > 0)
        node_cost(m, q->root);
    return rc;
}

void jkb__matcher_close(jkb__matcher *m)
{
    size_t t;
    for (t = 0; m->it && t < m->q->n_terms; t++) {
        jkb__cursor_close(m->it[t].cur);
        jkb__postings_fin(&m->it[t].block);
    }
    free(m->it);
    free(m->df);
    free(m->walk);
    jkb__dset_fin(&m->all);
    memset(m, 0, sizeof *m);
}

/* ---- evaluating the tree ---- */

/* *next: the first document >= doc holding term t (UINT32_MAX when none); *yes: whether it
   holds it in one of the term's fields. */
static int holds(jkb__matcher *m, uint32_t t, uint32_t doc, int *yes, uint32_t *next)
{
    const jkb__qterm *qt = &m->q->terms[t];
    jkb__piter *it = &m->it[qt->uniq];
    uint32_t at;
    unsigned f;
    int rc = jkb__piter_seek(it, doc, 0, &at);
    *yes = 0;
    if (rc <= 0) {
        *next = UINT32_MAX;
        return rc;
    }
    *next = at;
    if ((qt->fields & ALL_FIELDS) == ALL_FIELDS) { /* a posting has some field */
        *yes = 1;
        return 0;
    }
    for (f = 0; f < JKB__NFIELDS && !*yes; f++)
        *yes = (qt->fields >> f & 1) && jkb__piter_tf(it, f) != 0;
    return 0;
}

/*
 * The documents holding every term of terms [first, first + n), each in its fields, handed
 * to fn in doc order with every term's iterator standing on the document: the rarest term
 * leads, the others seek to each of its documents, which skips whole blocks of a frequent
 * term (one cursor seek lands on the block that may hold a document).
 */
int jkb__matcher_walking = 1;

/* The first document >= doc holding every term [first, first + n) in its fields, into *out
   (UINT32_MAX: none): the lead term (rarest()) moves, the others are sought where it
   stands. */
static int word_next(jkb__matcher *m, uint32_t first, uint32_t n, uint32_t lead, uint32_t doc,
                     uint32_t *out)
{
    uint32_t i;
    int rc;
    *out = UINT32_MAX;
    while (lead != UINT32_MAX) {
        int yes, all = 1;
        uint32_t next;
        if ((rc = holds(m, lead, doc, &yes, &next)) != 0 || next == UINT32_MAX)
            return rc;
        doc = next;
        if (!yes) { /* the lead holds it, but not in its fields */
            doc++;
            continue;
        }
        for (i = 0; i < n && all; i++) {
            uint32_t t = first + i;
            if (t == lead)
                continue;
            if ((rc = holds(m, t, doc, &yes, &next)) != 0 || next == UINT32_MAX)
                return rc; /* or a term has no more documents */
            if (next != doc || !yes) {
                all = 0;
                doc = next > doc ? next : doc + 1;
            }
        }
        if (all) {
            *out = doc;
            return 0;
        }
    }
    return 0;
}

static int phrase_at(jkb__matcher *m, const jkb__qnode *node, uint32_t doc, int *found);

/* The first document >= doc that node matches, into *out (UINT32_MAX: none): documents are
   found one at a time, in order, for words, phrases, AND and OR (jkb__matcher_walkable).
   A node remembers its last answer, which stands for every document up to it. */
static int node_next(jkb__matcher *m, uint32_t node, uint32_t doc, uint32_t *out)
{
    const jkb__qnode *n = &m->q->nodes[node];
    jkb__walk_node *w = &m->walk[node];
    uint32_t i, d, lead = 0;
    int rc = 0, found;
    if (w->from <= doc && doc <= w->next) {
        *out = w->next;
        return 0;
    }
    w->from = doc;
    switch (n->kind) {
    case JKB__Q_WORD:
        rc = word_next(m, n->first, n->n, w->lead, doc, out);
        break;
    case JKB__Q_PHRASE:
        while ((rc = word_next(m, n->first, n->n, w->lead, doc, out)) == 0 &&
               *out != UINT32_MAX &&
               n->n > 1 && (rc = phrase_at(m, n, *out, &found)) == 0 && !found)
            doc = *out + 1;
        break;
    case JKB__Q_ANY: /* the first kid to hold doc itself ends the search */
        *out = UINT32_MAX;
        for (i = 0; i < n->n && rc == 0 && *out != doc; i++)
            if ((rc = node_next(m, m->q->kids[n->first + i], doc, &d)) == 0 && d < *out)
                *out = d;
        break;
    case JKB__Q_ALL: /* the rarest kid leads, the others are asked where it stands */
        for (i = 1; i < n->n; i++)
            if (m->walk[m->q->kids[n->first + i]].cost < m->walk[m->q->kids[n->first + lead]].cost)
                lead = i;
        for (;;) {
            if ((rc = node_next(m, m->q->kids[n->first + lead], doc, &d)) != 0 ||
                (doc = d) == UINT32_MAX)
                break;
            for (i = 0; i < n->n; i++) {
                if (i == lead)
                    continue;
                if ((rc = node_next(m, m->q->kids[n->first + i], doc, &d)) != 0 || d != doc)
                    break;
            }
            if (rc || i == n->n || d == UINT32_MAX) {
                doc = i == n->n ? doc : UINT32_MAX;
                break;
            }
            doc = d;
        }
        *out = doc;
        break;
    default:
        rc = JKB_EINVAL;
        break;
    }
    if (rc) {
        w->from = UINT32_MAX;
        return rc;
    }
    w->next = *out;
    return 0;
}

int jkb__matcher_walkable(const jkb__matcher *m)
{
    const jkb__query *q = m->q;
    size_t i;
    if (!jkb__matcher_walking)
        return 0;
    for (i = 0; i < q->n_nodes; i++)
        if (q->nodes[i].kind != JKB__Q_ALL && q->nodes[i].kind != JKB__Q_ANY &&
            q->nodes[i].kind != JKB__Q_WORD && q->nodes[i].kind != JKB__Q_PHRASE)
            return 0;
    return q->n_nodes > 0;
}

/* Whether the phrase's terms stand next to each other, in order, in one field of doc. */
static int phrase_at(jkb__matcher *m, const jkb__qnode *node, uint32_t doc, int *found)
{
    const jkb__query *q = m->q;
    const jkb__qterm *first = &q->terms[node->first];
    uint32_t at, n0, i, k;
    unsigned f;
    int rc;
    *found = 0;
    for (i = 0; i < node->n; i++) {
        jkb__piter *it = &m->it[q->terms[node->first + i].uniq];
        if ((rc = jkb__piter_seek(it, doc, 1, &at)) < 0)
            return rc;
        if (rc == 0 || at != doc || it->mem)
            return 0;
    }
    for (f = 0; f < JKB__NFIELDS && !*found; f++) {
        const uint32_t *p0;
        if (!(first->fields >> f & 1))
            continue;
        p0 = jkb__piter_positions(&m->it[first->uniq], f, &n0);
        for (k = 0; k < n0 && !*found; k++) {
            int all = 1;
            for (i = 1; i < node->n && all; i++) {
                const jkb__qterm *t = &q->terms[node->first + i];
                uint32_t n, want = p0[k] + (t->qpos - first->qpos), j;
                const uint32_t *p = jkb__piter_positions(&m->it[t->uniq], f, &n);
                for (j = 0; j < n && p[j] < want; j++)
                    ;
                all = j < n && p[j] == want;
            }
            *found = all;
        }
    }
    return 0;
}

/* Every document (all), or those dated within [lo, hi]. */
static int docs_where(jkb__matcher *m, int all, int32_t lo, int32_t hi, jkb__dset *out)
{
    jkb__colreader r;
    jkb__cols cols;
    uint32_t doc = 0;
    int rc;
    if ((rc = jkb__colreader_open(&r, m->txn)) != 0)
        return rc;
    while ((rc = jkb__colreader_next(&r, &doc, &cols)) == 0) {
        if ((all || (cols.day != JKB__NO_DATE && cols.day >= lo && cols.day <= hi)) &&
            (rc = jkb__dset_push(out, doc)) != 0)
            break;
        doc++;
    }
    jkb__colreader_close(&r);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

/* Every document (for a NOT that stands alone), read once. */
static int all_docs(jkb__matcher *m, const jkb__dset **out)
{
    if (!m->have_all) {
        int rc = docs_where(m, 1, 0, 0, &m->all);
        if (rc)
            return rc;
        m->have_all = 1;
    }
    *out = &m->all;
    return 0;
}

static int eval(jkb__matcher *m, uint32_t node, jkb__dset *out);

/* The releases of a case: the cases table holds "case\0" + doc id keys. */
static int case_set(jkb__matcher *m, const char *case_no, jkb__dset *out)
{
    jkb__cursor *c;
    jkb__val k, v;
    size_t len = strlen(case_no) + 1;
    int rc;
    if ((rc = jkb__cursor_open(m->txn, JKB__T_CASES, &c)) != 0)
        return rc;
    for (rc = jkb__cursor_seek(c, case_no, len, &k, &v); rc == 0; rc = jkb__cursor_next(c, &k, &v)) {
        if (k.len != len + 4 || memcmp(k.data, case_no, len) != 0)
            break;
        if ((rc = jkb__dset_push(out, jkb__be32_get(k.data + len))) != 0)
            break;
    }
    jkb__cursor_close(c);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}


/* ALL and ANY: kids under a NOT are subtracted (ALL) or taken as complements (ANY). */
static int eval_group(jkb__matcher *m, const jkb__qnode *n, jkb__dset *out)
{
    jkb__dset kid = {NULL, 0, 0};
    const jkb__dset *all;
    uint32_t i;
    int rc = 0, started = 0;
    out->n = 0;
    /* ALL: positive kids first, so that exclusions cut an existing set */
    for (i = 0; i < n->n && rc == 0; i++) {
        uint32_t k = m->q->kids[n->first + i];
        int neg = m->q->nodes[k].kind == JKB__Q_NOT;
        if (n->kind == JKB__Q_ALL && neg)
            continue;
        kid.n = 0;
        if ((rc = eval(m, k, &kid)) != 0)
            break;
        if (n->kind == JKB__Q_ANY)
            rc = dset_or(out, &kid);
        else if (!started)
            rc = dset_or(out, &kid);
        else
            dset_and(out, &kid);
        started = 1;
    }
    for (i = 0; n->kind == JKB__Q_ALL && i < n->n && rc == 0; i++) {
        uint32_t k = m->q->kids[n->first + i];
        if (m->q->nodes[k].kind != JKB__Q_NOT)
            continue;
        if (!started) { /* only exclusions: from every document */
            if ((rc = all_docs(m, &all)) != 0 || (rc = dset_or(out, all)) != 0)
                break;
            started = 1;
        }
        kid.n = 0;
        if ((rc = eval(m, m->q->kids[m->q->nodes[k].first], &kid)) == 0)
            dset_minus(out, &kid);
    }
    jkb__dset_fin(&kid);
    return rc;
}

static int eval(jkb__matcher *m, uint32_t node, jkb__dset *out)
{
    const jkb__qnode *n = &m->q->nodes[node];
    jkb__dset tmp = {NULL, 0, 0};
    const jkb__dset *all;
    int rc = 0;

    out->n = 0;
    switch (n->kind) {
    case JKB__Q_ALL:
    case JKB__Q_ANY:
        return eval_group(m, n, out);
    case JKB__Q_NOT: /* standing alone (in an ANY): every document but these */
        if ((rc = eval(m, m->q->kids[n->first], &tmp)) == 0 && (rc = all_docs(m, &all)) == 0 &&
            (rc = dset_or(out, all)) == 0)
            dset_minus(out, &tmp);
        break;
    case JKB__Q_WORD:
    case JKB__Q_PHRASE: {
        uint32_t doc = 0, d;
        while ((rc = node_next(m, node, doc, &d)) == 0 && d != UINT32_MAX &&
               (rc = jkb__dset_push(out, d)) == 0)
            doc = d + 1;
        break;
    }
    case JKB__Q_CASE:
        rc = case_set(m, n->case_no, out);
        break;
    case JKB__Q_DATE:
        rc = docs_where(m, 0, n->day_lo, n->day_hi, out);
        break;
    }
    jkb__dset_fin(&tmp);
    return rc;
}

int jkb__matcher_run(jkb__matcher *m, jkb__dset *out)
{
    return eval(m, m->q->root, out);
}

int jkb__matcher_is_conjunction(const jkb__matcher *m)
{
    const jkb__query *q = m->q;
    const jkb__qnode *root = &q->nodes[q->root];
    uint32_t i;
    if (q->n_nodes == 0 || root->kind == JKB__Q_WORD)
        return q->n_nodes > 0;
    if (root->kind != JKB__Q_ALL)
        return 0;
    for (i = 0; i < root->n; i++)
        if (q->nodes[q->kids[root->first + i]].kind != JKB__Q_WORD)
            return 0;
    return 1;
}

int jkb__matcher_any_holding_all(const jkb__matcher *m)
{
    const jkb__query *q = m->q;
    size_t i;
    if (!jkb__matcher_walkable(m))
        return 0;
    for (i = 0; i < q->n_nodes; i++)
        if (q->nodes[i].kind == JKB__Q_PHRASE)
            return 0;
    for (i = 0; i < q->n_terms; i++)
        if ((q->terms[i].fields & ALL_FIELDS) != ALL_FIELDS || q->terms[i].negated)
            return 0;
    return 1;
}

int jkb__matcher_each(jkb__matcher *m, jkb__doc_fn fn, jkb__skip_fn skip, void *payload)
{
    /* a conjunction walks all its terms at once, the rarest leading */
    uint32_t n = (uint32_t)m->q->n_terms, lead = rarest(m, 0, n), doc = 0, d;
    int rc, flat = jkb__matcher_is_conjunction(m);
    for (;;) {
        int say = skip ? skip(payload, doc, &d) : JKB__SKIP_NONE;
        if (say < 0)
            return say;
        if (say == JKB__SKIP_TO && d != UINT32_MAX) {
            doc = d;
            continue;
        }
        rc = say != JKB__SKIP_NONE ? 0
             : flat                ? word_next(m, 0, n, lead, doc, &d)
                                   : node_next(m, m->q->root, doc, &d);
        if (rc || d == UINT32_MAX || (rc = fn(payload, d)) != 0)
            return rc;
        doc = d + 1;
    }
}

int jkb__matcher_matches(jkb__matcher *m, uint32_t doc)
{
    uint32_t d;
    int rc = node_next(m, m->q->root, doc, &d);
    return rc ? rc : d == doc;
}
