/*
 * Query execution: candidates, ranking, grouping by case, and the page of hits.
 *
 * 1. Each distinct query term is looked up (terms -> term id, tinfo -> df). A term with no
 *    document empties the result: every term must match.
 * 2. Candidates are the documents holding every term: the rarest term's postings lead, the
 *    others seek to each candidate block by block (keys are (term id, last doc id), so one
 *    cursor seek lands on the block that may hold the document).
 * 3. Each candidate gets its BM25F score from the frequency streams and its field lengths
 *    (cols). Positions are decoded only for the proximity boost, which is computed in
 *    descending BM25F order and only while a document could still reach the page: a
 *    candidate whose BM25F plus the largest possible boost is below the page's last score
 *    cannot enter it, so the page is exact.
 * 4. Grouped, a case is represented by its best-scoring release; every other release of
 *    the case is listed under it, matching or not.
 * 5. Only the page's documents are read from the docs table, for their fields and snippets.
 *
 * Scoring: for term t with document frequency df among N documents,
 *     idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 *     tf' = sum over fields f of w_f * tf_f / (1 - b + b * len_f / avglen_f)
 *     score_t = idf * tf' / (k1 + tf')
 * with k1 = 1.2, b = 0.75, w = (title 3, label 1.5, body 1). Proximity adds, for each pair
 * of neighbouring query terms, (idf_a + idf_b) / 2 when they stand exactly as in the query
 * (ウイルス感染 -> ウイルス followed by 感染) within one field, and for terms of different
 * words NEAR * (idf_a + idf_b) / 2 * (W + 1 - d) / W when they stand d <= W positions apart.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "query.h"
#include "snippet.h"

#define K1 1.2
#define B 0.75
#define NEAR 0.25
#define NEAR_WINDOW 8
#define EXPAND_TERMS 1024 /* terms a prefix or infix expands to, at most */

static const double field_weight[JKB__NFIELDS] = {3.0, 1.5, 1.0};

/* ---- postings iterators ---- */

typedef struct piter {
    jkb__cursor *cur;
    uint32_t tid;
    jkb__postings block;
    size_t i;        /* current document in block */
    int loaded;      /* block holds a decoded block */
    int has_pos;     /* ... with positions */
    uint32_t first;  /* doc range of the loaded block */
    uint32_t last;
    int mem;         /* block holds a prefix's whole union, not one stored block */
} piter;

/* Loads the block that may hold doc or the next one after it. 1 when loaded, 0 past the
   end of the term's postings. */
static int piter_load(piter *it, uint32_t doc, int want_pos)
{
    uint8_t key[8];
    jkb__val k, v;
    int rc;
    jkb__be32_put(key, it->tid);
    jkb__be32_put(key + 4, doc);
    rc = jkb__cursor_seek(it->cur, key, 8, &k, &v);
    if (rc == JKB_ENOTFOUND || (rc == 0 && (k.len != 8 || jkb__be32_get(k.data) != it->tid))) {
        it->loaded = 0;
        return 0;
    }
    if (rc)
        return rc;
    if ((rc = jkb__block_decode(v.data, v.len, &it->block, want_pos)) != 0)
        return rc;
    it->loaded = 1;
    it->has_pos = want_pos;
    it->first = it->block.docs[0];
    it->last = it->block.docs[it->block.n - 1];
    it->i = 0;
    return 1;
}

/*
 * Moves to the first document >= doc: 1 with *at set, 0 past the end, or an error. With
 * want_pos, the current block has its positions decoded.
 */
static int piter_seek(piter *it, uint32_t doc, int want_pos, uint32_t *at)
{
    int rc;
    if (it->mem) {
        if (doc > it->last)
            return 0;
        if (it->block.docs[it->i] > doc)
            it->i = 0;
    } else if (!it->loaded || doc < it->first || doc > it->last || (want_pos && !it->has_pos)) {
        if ((rc = piter_load(it, doc, want_pos)) <= 0)
            return rc;
        it->i = 0;
    } else if (it->block.docs[it->i] > doc) {
        it->i = 0; /* moving back within the block (proximity visits in score order) */
    }
    while (it->i < it->block.n && it->block.docs[it->i] < doc)
        it->i++;
    if (it->i == it->block.n) /* cannot happen: last >= doc */
        return JKB_ECORRUPT;
    *at = it->block.docs[it->i];
    return 1;
}

/* ---- results ---- */

typedef struct hit_store {
    jkb_hit hit;
    char *strings[5]; /* id, case, title, org, date */
    jkb__snippet snippet;
    jkb_related *related;
    char **related_strings; /* 3 per related */
} hit_store;

struct jkb_results {
    hit_store *hits;
    size_t n;
    uint64_t total;
    int total_exact;
};

size_t jkb_results_count(const jkb_results *r)
{
    return r ? r->n : 0;
}

const jkb_hit *jkb_results_hit(const jkb_results *r, size_t i)
{
    return r && i < r->n ? &r->hits[i].hit : NULL;
}

uint64_t jkb_results_total(const jkb_results *r)
{
    return r ? r->total : 0;
}

int jkb_results_total_exact(const jkb_results *r)
{
    return r ? r->total_exact : 1;
}

void jkb_results_free(jkb_results *r)
{
    size_t i, j;
    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++) {
        hit_store *h = &r->hits[i];
        for (j = 0; j < 5; j++)
            free(h->strings[j]);
        for (j = 0; j < 3 * h->hit.n_related; j++)
            free(h->related_strings[j]);
        free(h->related_strings);
        free(h->related);
        jkb__snippet_fin(&h->snippet);
    }
    free(r->hits);
    free(r);
}

long jkb_index_erroffset(const jkb_index *ix)
{
    return ix ? ix->err_offset : -1;
}

/* ---- execution ---- */

typedef struct cand {
    uint32_t doc;
    uint32_t case_key;
    int32_t day;
    double bm25;
    double score;  /* bm25 plus proximity, once computed */
    int scored;
} cand;

typedef struct exec {
    jkb_index *ix;
    jkb__txn *txn;
    jkb__query *q;
    piter *it;          /* one per distinct term, indexed by uniq */
    double *idf;        /* per distinct term */
    uint64_t n_docs;
    double avglen[JKB__NFIELDS];
    cand *cands;
    size_t n_cands;
    size_t cap_cands;
    double max_bonus;
} exec;

static int push_cand(exec *e, const cand *c)
{
    int rc = 0;
    JKB__RESERVE(rc, e->cands, e->cap_cands, e->n_cands);
    if (rc == 0)
        e->cands[e->n_cands++] = *c;
    return rc;
}

/* BM25F of the document every iterator currently stands on. */
static double bm25(const exec *e, const jkb__cols *cols)
{
    double score = 0;
    size_t t, f;
    for (t = 0; t < e->q->n_terms; t++) {
        const piter *it;
        double tfw = 0;
        if (e->q->terms[t].uniq != t)
            continue;
        it = &e->it[t];
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t tf = it->block.tf[it->i * JKB__NFIELDS + f];
            double norm;
            if (tf == 0)
                continue;
            norm = 1 - B + B * (e->avglen[f] > 0 ? cols->len[f] / e->avglen[f] : 1);
            tfw += field_weight[f] * tf / norm;
        }
        score += e->idf[t] * tfw / (K1 + tfw);
    }
    return score;
}

/* Finds candidates: documents holding every distinct term. */
static int collect(exec *e)
{
    const jkb__query *q = e->q;
    size_t lead = 0, t;
    uint32_t doc = 0;
    int rc;

    for (t = 0; t < q->n_terms; t++)
        if (q->terms[t].uniq == t && e->idf[t] > e->idf[lead])
            lead = t; /* highest idf = rarest */
    for (;;) {
        uint32_t at;
        int all = 1;
        if ((rc = piter_seek(&e->it[lead], doc, 0, &at)) <= 0)
            return rc;
        doc = at;
        for (t = 0; t < q->n_terms && all; t++) {
            if (q->terms[t].uniq != t || t == lead)
                continue;
            if ((rc = piter_seek(&e->it[t], doc, 0, &at)) < 0)
                return rc;
            if (rc == 0)
                return 0; /* a term has no more documents */
            if (at != doc) {
                doc = at;
                all = 0;
            }
        }
        if (all) {
            uint8_t key[4];
            jkb__val v;
            jkb__cols cols;
            cand c;
            jkb__be32_put(key, doc);
            if ((rc = jkb__get(e->txn, JKB__T_COLS, key, 4, &v)) != 0 ||
                (rc = jkb__cols_decode(v.data, v.len, &cols)) != 0)
                return rc == JKB_ENOTFOUND ? JKB_ECORRUPT : rc;
            c.doc = doc;
            c.case_key = cols.case_key;
            c.day = cols.day;
            c.bm25 = bm25(e, &cols);
            c.score = c.bm25;
            c.scored = 0;
            if ((rc = push_cand(e, &c)) != 0)
                return rc;
            if (doc == UINT32_MAX)
                return 0;
            doc++;
        }
    }
}

/* Positions of term t (uniq index) in field f of the document the iterator stands on. */
static const uint32_t *positions(const piter *it, unsigned f, uint32_t *n)
{
    const uint32_t *tf = it->block.tf + it->i * JKB__NFIELDS;
    const uint32_t *p = it->block.pos + it->block.pos_off[it->i];
    unsigned g;
    for (g = 0; g < f; g++)
        p += tf[g];
    *n = tf[f];
    return p;
}

/* Smallest |pb - pa - want| over the two sorted lists, as a distance. */
static uint32_t closest(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                        int64_t want)
{
    uint32_t i = 0, j = 0;
    uint64_t best = UINT32_MAX;
    while (i < na && j < nb) {
        int64_t d = (int64_t)b[j] - (int64_t)a[i] - want;
        uint64_t ad = (uint64_t)(d < 0 ? -d : d);
        if (ad < best)
            best = ad;
        if (d < 0)
            j++;
        else
            i++;
    }
    return (uint32_t)best;
}

/* The proximity boost of candidate c; its largest possible value is e->max_bonus. */
static int proximity(exec *e, const cand *c, double *out)
{
    const jkb__query *q = e->q;
    size_t t;
    uint32_t at;
    int rc;
    *out = 0;
    if (q->n_terms < 2)
        return 0;
    for (t = 0; t < q->n_terms; t++) {
        if (q->terms[t].uniq != t || q->terms[t].match != JKB__MATCH_EXACT)
            continue; /* a prefix's union has no positions */
        if ((rc = piter_seek(&e->it[t], c->doc, 1, &at)) < 0)
            return rc;
        if (rc == 0 || at != c->doc)
            return JKB_ECORRUPT; /* a candidate holds every term */
    }
    for (t = 0; t + 1 < q->n_terms; t++) {
        const jkb__qterm *a = &q->terms[t], *b = &q->terms[t + 1];
        int same_word = a->word == b->word;
        double pair = (e->idf[a->uniq] + e->idf[b->uniq]) / 2, best = 0;
        unsigned f;
        if (a->uniq == b->uniq || a->match != JKB__MATCH_EXACT || b->match != JKB__MATCH_EXACT)
            continue;
        for (f = 0; f < JKB__NFIELDS; f++) {
            uint32_t na, nb, d;
            const uint32_t *pa = positions(&e->it[a->uniq], f, &na);
            const uint32_t *pb = positions(&e->it[b->uniq], f, &nb);
            double v = 0;
            if (na == 0 || nb == 0)
                continue;
            if (same_word) {
                d = closest(pa, na, pb, nb, (int64_t)b->qpos - a->qpos);
                v = d == 0 ? pair : 0;
            } else {
                d = closest(pa, na, pb, nb, 0);
                if (d <= NEAR_WINDOW)
                    v = NEAR * pair * (NEAR_WINDOW + 1 - d) / NEAR_WINDOW;
            }
            if (v > best)
                best = v;
        }
        *out += best;
    }
    return 0;
}

static double max_bonus(const exec *e)
{
    const jkb__query *q = e->q;
    double m = 0;
    size_t t;
    for (t = 0; t + 1 < q->n_terms; t++) {
        const jkb__qterm *a = &q->terms[t], *b = &q->terms[t + 1];
        double pair = (e->idf[a->uniq] + e->idf[b->uniq]) / 2;
        if (a->uniq != b->uniq && a->match == JKB__MATCH_EXACT && b->match == JKB__MATCH_EXACT)
            m += a->word == b->word ? pair : NEAR * pair;
    }
    return m;
}

/* Ranking order: score, then newer date, then doc id. */
static int rank_before(const cand *x, const cand *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    if (x->day != y->day)
        return x->day > y->day;
    return x->doc < y->doc;
}

static int cmp_bm25(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->bm25 != y->bm25)
        return x->bm25 > y->bm25 ? -1 : 1;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

static int cmp_rank(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return rank_before(x, y) ? -1 : rank_before(y, x) ? 1 : 0;
}

static int cmp_doc(const void *a, const void *b)
{
    uint32_t x = ((const cand *)a)->doc, y = ((const cand *)b)->doc;
    return (x > y) - (x < y);
}

/*
 * Scores candidates in BM25F order until none can reach the first `need` groups (or
 * documents), then sorts the scored ones by rank. Returns the number scored, which are
 * the first e->cands entries afterwards.
 */
static int rank(exec *e, size_t need, int grouped, size_t *n_scored)
{
    size_t i, n_top = 0;
    cand *top = NULL; /* the best score of each group seen, kept sorted, at most need */
    int rc = 0;

    qsort(e->cands, e->n_cands, sizeof *e->cands, cmp_bm25);
    top = malloc((need + 1) * sizeof *top);
    if (top == NULL)
        return JKB_ENOMEM;
    for (i = 0; i < e->n_cands; i++) {
        cand *c = &e->cands[i];
        double bonus;
        size_t j;
        if (n_top == need && c->bm25 + e->max_bonus < top[n_top - 1].score)
            break;
        if ((rc = proximity(e, c, &bonus)) != 0)
            break;
        c->score = c->bm25 + bonus;
        c->scored = 1;
        /* keep the best `need` (per group when grouped) */
        for (j = 0; grouped && c->case_key && j < n_top; j++)
            if (top[j].case_key == c->case_key)
                break;
        if (grouped && c->case_key && j < n_top) {
            if (!rank_before(c, &top[j]))
                continue;
            memmove(top + j, top + j + 1, (n_top - j - 1) * sizeof *top);
            n_top--;
        }
        for (j = n_top; j > 0 && rank_before(c, &top[j - 1]); j--)
            top[j] = top[j - 1];
        top[j] = *c;
        if (n_top < need)
            n_top++;
    }
    free(top);
    if (rc)
        return rc;
    *n_scored = i;
    qsort(e->cands, i, sizeof *e->cands, cmp_rank);
    return 0;
}

/* ---- the page ---- */

static char *dup_str(const char *s, int *rc)
{
    char *d;
    if (*rc)
        return NULL;
    d = strdup(s ? s : "");
    if (d == NULL)
        *rc = JKB_ENOMEM;
    return d;
}

static int read_doc(exec *e, uint32_t doc, jkb__docbuf *db, const jkb_doc **out)
{
    uint8_t key[4];
    jkb__val v;
    int rc;
    jkb__be32_put(key, doc);
    if ((rc = jkb__get(e->txn, JKB__T_DOCS, key, 4, &v)) != 0)
        return rc == JKB_ENOTFOUND ? JKB_ECORRUPT : rc;
    return jkb__doc_decode(db, v.data, v.len, out);
}

typedef struct rel_tmp {
    uint32_t doc;
    char *id, *title, *date;
} rel_tmp;

static int cmp_rel(const void *a, const void *b)
{
    const rel_tmp *x = a, *y = b;
    int c = strcmp(x->date, y->date);
    return c ? c : strcmp(x->id, y->id);
}

static int is_candidate(const exec *e, uint32_t doc, size_t n_scored)
{
    size_t lo = n_scored, hi = e->n_cands, i;
    /* the unscored tail is in doc order; the scored head is searched through */
    for (i = 0; i < n_scored; i++)
        if (e->cands[i].doc == doc)
            return 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->cands[mid].doc == doc)
            return 1;
        if (e->cands[mid].doc < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Lists the other releases of the hit's case, oldest first. */
static int add_related(exec *e, hit_store *h, uint32_t self, size_t n_scored, jkb__docbuf *db)
{
    jkb__cursor *c;
    jkb__val k, v;
    jkb__buf prefix = JKB__BUF_INIT;
    rel_tmp *rel = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    jkb__buf_put(&rc, &prefix, h->hit.case_no, strlen(h->hit.case_no) + 1);
    if (rc || (rc = jkb__cursor_open(e->txn, JKB__T_CASES, &c)) != 0) {
        jkb__buf_fin(&prefix);
        return rc;
    }
    for (rc = jkb__cursor_seek(c, prefix.data, prefix.len, &k, &v); rc == 0;
         rc = jkb__cursor_next(c, &k, &v)) {
        const jkb_doc *d;
        uint32_t doc;
        if (k.len != prefix.len + 4 || memcmp(k.data, prefix.data, prefix.len) != 0)
            break;
        doc = jkb__be32_get(k.data + prefix.len);
        if (doc == self)
            continue;
        JKB__RESERVE(rc, rel, cap, n);
        if (rc || (rc = read_doc(e, doc, db, &d)) != 0)
            break;
        rel[n].doc = doc;
        rel[n].id = dup_str(d->id, &rc);
        rel[n].title = dup_str(d->title, &rc);
        rel[n].date = dup_str(d->date, &rc);
        n++;
        if (rc)
            break;
    }
    jkb__cursor_close(c);
    jkb__buf_fin(&prefix);
    if (rc == JKB_ENOTFOUND)
        rc = 0;
    if (rc == 0 && n > 0) {
        qsort(rel, n, sizeof *rel, cmp_rel);
        h->related = malloc(n * sizeof *h->related);
        h->related_strings = malloc(3 * n * sizeof *h->related_strings);
        if (h->related == NULL || h->related_strings == NULL)
            rc = JKB_ENOMEM;
        h->hit.related = h->related;
    }
    for (i = 0; i < n; i++) {
        if (rc == 0) {
            jkb_related *r = &h->related[i];
            r->id = h->related_strings[3 * i] = rel[i].id;
            r->title = h->related_strings[3 * i + 1] = rel[i].title;
            r->date = h->related_strings[3 * i + 2] = rel[i].date;
            r->matched = is_candidate(e, rel[i].doc, n_scored);
            h->hit.n_related++;
        } else {
            free(rel[i].id);
            free(rel[i].title);
            free(rel[i].date);
        }
    }
    free(rel);
    return rc;
}

static int make_hit(exec *e, hit_store *h, const cand *c, int grouped, size_t n_scored,
                    jkb__docbuf *db, jkb__norm *norm)
{
    const jkb_doc *d;
    int rc = read_doc(e, c->doc, db, &d);
    if (rc)
        return rc;
    h->hit.id = h->strings[0] = dup_str(d->id, &rc);
    h->hit.case_no = h->strings[1] = dup_str(d->case_no, &rc);
    h->hit.title = h->strings[2] = dup_str(d->title, &rc);
    h->hit.org = h->strings[3] = dup_str(d->org, &rc);
    h->hit.date = h->strings[4] = dup_str(d->date, &rc);
    h->hit.score = c->score;
    if (rc || (rc = jkb__snippet_make(&h->snippet, e->ix->dict, e->q, d->body, strlen(d->body),
                                      norm)) != 0)
        return rc;
    h->hit.snippet = h->snippet.text;
    h->hit.highlights = h->snippet.highlights;
    h->hit.n_highlights = h->snippet.n_highlights;
    if (grouped && *h->hit.case_no)
        rc = add_related(e, h, c->doc, n_scored, db);
    return rc;
}

static int cmp_key(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Counts groups among all candidates: distinct case keys, plus releases without a case. */
static int count_groups(const exec *e, uint64_t *out)
{
    uint32_t *keys = malloc((e->n_cands + 1) * sizeof *keys);
    size_t i, m = 0;
    if (keys == NULL)
        return JKB_ENOMEM;
    *out = 0;
    for (i = 0; i < e->n_cands; i++) {
        if (e->cands[i].case_key)
            keys[m++] = e->cands[i].case_key;
        else
            (*out)++;
    }
    qsort(keys, m, sizeof *keys, cmp_key);
    for (i = 0; i < m; i++)
        *out += i == 0 || keys[i] != keys[i - 1];
    free(keys);
    return 0;
}

/* Finds term t's id and document frequency: 0 with *df = 0 when no document holds it. */
static int lookup_term(exec *e, const jkb__qterm *t, uint32_t *tid, uint64_t *df)
{
    jkb__val v;
    const uint8_t *p;
    uint8_t key[4];
    int rc = jkb__get(e->txn, JKB__T_TERMS, t->term, t->len, &v);
    *df = 0;
    if (rc == JKB_ENOTFOUND)
        return 0;
    p = v.data;
    if (rc || (rc = jkb__varint_get32(&p, v.data + v.len, tid)) != 0)
        return rc;
    jkb__be32_put(key, *tid);
    rc = jkb__get(e->txn, JKB__T_TINFO, key, 4, &v);
    if (rc == JKB_ENOTFOUND)
        return 0;
    p = v.data;
    return rc ? rc : jkb__varint_get(&p, v.data + v.len, df);
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

/* Whether index term k meets query term t (a prefix or an infix). */
static int meets(const jkb__qterm *t, const jkb__val *k)
{
    size_t i;
    if (t->match == JKB__MATCH_PREFIX)
        return k->len >= t->len && memcmp(k->data, t->term, t->len) == 0;
    for (i = 0; i + t->len <= k->len; i++)
        if (memcmp(k->data + i, t->term, t->len) == 0)
            return 1;
    return 0;
}

/*
 * Expands a prefix or an infix into the union of the postings of the terms it meets (the
 * EXPAND_TERMS first in key order), kept in memory in it->block: ids and summed frequencies,
 * no positions. A prefix reads its range of the sorted term dictionary; an infix, tried only
 * when nothing else matched, reads all of it. *df is the number of documents in the union.
 */
static int expand(exec *e, piter *it, const jkb__qterm *t, uint64_t *df)
{
    jkb__cursor *tc = NULL;
    jkb__val k, v;
    union_doc *all = NULL;
    size_t n = 0, cap = 0, i, n_terms = 0;
    int rc;

    *df = 0;
    if ((rc = jkb__cursor_open(e->txn, JKB__T_TERMS, &tc)) != 0)
        return rc;
    rc = t->match == JKB__MATCH_PREFIX ? jkb__cursor_seek(tc, t->term, t->len, &k, &v)
                                       : jkb__cursor_seek(tc, NULL, 0, &k, &v);
    for (; rc == 0 && n_terms < EXPAND_TERMS; rc = jkb__cursor_next(tc, &k, &v)) {
        const uint8_t *p = v.data;
        uint8_t key[8];
        uint32_t tid;
        jkb__val bk, bv;
        if (!meets(t, &k)) {
            if (t->match == JKB__MATCH_PREFIX)
                break; /* past the prefix's range */
            continue;
        }
        n_terms++;
        if ((rc = jkb__varint_get32(&p, v.data + v.len, &tid)) != 0)
            break;
        jkb__be32_put(key, tid);
        jkb__be32_put(key + 4, 0);
        for (rc = jkb__cursor_seek(it->cur, key, 8, &bk, &bv); rc == 0;
             rc = jkb__cursor_next(it->cur, &bk, &bv)) {
            if (bk.len != 8 || jkb__be32_get(bk.data) != tid)
                break;
            if ((rc = jkb__block_decode(bv.data, bv.len, &it->block, 0)) != 0)
                break;
            for (i = 0; rc == 0 && i < it->block.n; i++) {
                JKB__RESERVE(rc, all, cap, n);
                if (rc == 0) {
                    all[n].doc = it->block.docs[i];
                    memcpy(all[n].tf, it->block.tf + i * JKB__NFIELDS, sizeof all[n].tf);
                    n++;
                }
            }
            if (rc)
                break;
        }
        if (rc == JKB_ENOTFOUND)
            rc = 0;
        if (rc)
            break;
    }
    jkb__cursor_close(tc);
    if (rc == JKB_ENOTFOUND)
        rc = 0;
    if (rc == 0 && n > 1)
        qsort(all, n, sizeof *all, cmp_union_doc);
    jkb__postings_clear(&it->block);
    for (i = 0; rc == 0 && i < n; i++) {
        size_t f;
        if (it->block.n == 0 || it->block.docs[it->block.n - 1] != all[i].doc)
            jkb__postings_add_doc(&rc, &it->block, all[i].doc);
        for (f = 0; rc == 0 && f < JKB__NFIELDS; f++)
            it->block.tf[(it->block.n - 1) * JKB__NFIELDS + f] += all[i].tf[f];
    }
    free(all);
    if (rc == 0 && it->block.n > 0) {
        it->mem = 1;
        it->loaded = 1;
        it->has_pos = 0;
        it->i = 0;
        it->first = it->block.docs[0];
        it->last = it->block.docs[it->block.n - 1];
        *df = it->block.n;
    }
    return rc;
}

/* Runs parsed query q into res: candidates, ranking, the page. */
static int execute(jkb_index *ix, jkb__query *q, const jkb_search_options *o,
                   jkb_results *res)
{
    exec e;
    jkb__counts counts;
    jkb__docbuf db;
    jkb__norm norm = JKB__NORM_INIT;
    size_t t, i, n_scored = 0, seen;
    int rc, grouped = !o->no_group;

    memset(&e, 0, sizeof e);
    memset(&db, 0, sizeof db);
    e.it = calloc(q->n_terms, sizeof *e.it);
    e.idf = calloc(q->n_terms, sizeof *e.idf);
    if (e.it == NULL || e.idf == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    e.ix = ix;
    e.q = q;
    if ((rc = jkb__txn_begin(ix->store, 0, &e.txn, &ix->err)) != 0 ||
        (rc = jkb__counts_read(e.txn, &counts)) != 0)
        goto out;
    e.n_docs = counts.docs;
    for (t = 0; t < JKB__NFIELDS; t++)
        e.avglen[t] = counts.docs ? (double)counts.field_tokens[t] / (double)counts.docs : 0;

    /* 1. terms: a term no document holds empties the result */
    for (t = 0; t < q->n_terms; t++) {
        uint64_t df;
        if (q->terms[t].uniq != t)
            continue;
        jkb__postings_init(&e.it[t].block);
        if ((rc = jkb__cursor_open(e.txn, JKB__T_POST, &e.it[t].cur)) != 0)
            goto out;
        rc = q->terms[t].match != JKB__MATCH_EXACT
                 ? expand(&e, &e.it[t], &q->terms[t], &df)
                 : lookup_term(&e, &q->terms[t], &e.it[t].tid, &df);
        if (rc || df == 0)
            goto out;
        e.idf[t] = log(1 + ((double)e.n_docs - (double)df + 0.5) / ((double)df + 0.5));
    }
    e.max_bonus = max_bonus(&e);

    /* 2-3. candidates and their order */
    if ((rc = collect(&e)) != 0 || e.n_cands == 0)
        goto out;
    res->total = e.n_cands;
    if (grouped && (rc = count_groups(&e, &res->total)) != 0)
        goto out;
    if ((rc = rank(&e, o->offset + o->limit, grouped, &n_scored)) != 0)
        goto out;
    /* the unscored rest goes back to doc order, for is_candidate() */
    qsort(e.cands + n_scored, e.n_cands - n_scored, sizeof *e.cands, cmp_doc);

    /* 4-5. the page: one hit per group when grouped */
    res->hits = calloc(o->limit, sizeof *res->hits);
    if (res->hits == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    for (i = 0, seen = 0; i < n_scored && seen < o->offset + o->limit; i++) {
        const cand *c = &e.cands[i];
        if (grouped && c->case_key) {
            size_t j;
            for (j = 0; j < i; j++)
                if (e.cands[j].case_key == c->case_key)
                    break;
            if (j < i)
                continue; /* a better release of this case came first */
        }
        if (seen++ < o->offset)
            continue;
        rc = make_hit(&e, &res->hits[res->n], c, grouped, n_scored, &db, &norm);
        res->n++;
        if (rc)
            goto out;
    }
out:
    for (t = 0; e.it && t < q->n_terms; t++) {
        jkb__cursor_close(e.it[t].cur);
        jkb__postings_fin(&e.it[t].block);
    }
    jkb__txn_abort(e.txn);
    free(e.it);
    free(e.idf);
    free(e.cands);
    jkb__docbuf_fin(&db);
    jkb__norm_fin(&norm);
    return rc;
}

int jkb_search(jkb_index *ix, const char *query, const jkb_search_options *opts,
               jkb_results **out)
{
    static const jkb_search_options defaults = JKB_SEARCH_OPTIONS_INIT;
    jkb_search_options o = opts ? *opts : defaults;
    jkb__query q;
    jkb_results *res;
    jkb__match m;
    int rc;

    *out = NULL;
    ix->err_offset = -1;
    if (o.limit == 0)
        o.limit = 10;
    memset(&q, 0, sizeof q);
    if ((rc = jkb__query_parse(&q, ix->analyzer, query, &ix->err, &ix->err_offset)) != 0) {
        jkb__query_fin(&q);
        return rc;
    }
    if (o.complete)
        jkb__query_complete_last(&q);
    res = calloc(1, sizeof *res);
    if (res == NULL) {
        jkb__query_fin(&q);
        return JKB_ENOMEM;
    }
    res->total_exact = 1;
    rc = execute(ix, &q, &o, res);
    /* Nothing holds every word: try each word as a prefix (Locke finds Locker), then inside
       longer words (テツ finds キムテツ, which MeCab keeps whole). */
    for (m = JKB__MATCH_PREFIX; rc == 0 && res->total == 0 && m <= JKB__MATCH_INFIX; m++) {
        jkb__query_relax(&q, m);
        rc = execute(ix, &q, &o, res);
    }
    jkb__query_fin(&q);
    if (rc) {
        jkb__err_set(&ix->err, rc, "[search] %s", jkb_strerror(rc));
        jkb_results_free(res);
        return rc;
    }
    *out = res;
    return 0;
}
