/*
 * Query execution: ranking, grouping by case, and the page of hits.
 *
 * 1. The matcher (match.h) finds the documents the query tree accepts: one at a time for
 *    words, phrases, AND and OR, passing over the runs of documents whose postings blocks
 *    bound their score below the page's floor (bm25.h); as a set otherwise.
 * 2. Each candidate gets its BM25F score from the frequency streams of the query's positive
 *    terms and its field lengths (cols). Positions are decoded only for the proximity boost,
 *    and only for a document that could still reach the page: as the walk finds it, while
 *    its BM25F plus the largest possible boost reaches the page's floor so far; for the rest
 *    in descending BM25F order, until a candidate's BM25F plus that boost is below the
 *    page's last score, so the page is exact.
 * 3. Grouped, a case is represented by its best-scoring release; every other release of the
 *    case is listed under it, matching or not.
 * 4. Only the page's documents are read from the docs table, for their fields and snippets.
 *
 * Scoring: for term t with document frequency df among N documents,
 *     idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 *     tf' = sum over fields f of w_f * tf_f / (1 - b + b * len_f / avglen_f)
 *     score_t = idf * tf' / (k1 + tf')
 * with k1 = 1.2, b = 0.75, w = (title 3, label 1.5, body 1, org 1) unless the caller says
 * otherwise; score_t is split over the fields in proportion to their share of tf' for
 * --explain. Proximity adds, for each pair of neighbouring positive query terms, (idf_a +
 * idf_b) / 2 when they stand exactly as in the query (ウイルス感染 -> ウイルス followed by
 * 感染) within one field, and for terms of different words NEAR * (idf_a + idf_b) / 2 *
 * (W + 1 - d) / W when they stand d <= W positions apart. Terms under "-" do not score.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "index.h"
#include "match.h"
#include "query.h"
#include "snippet.h"

#define NEAR 0.25
#define NEAR_WINDOW 8

static const char *const field_names[JKB__NFIELDS] = {"title", "label", "body", "org"};

const char *jkb_field_name(int field)
{
    return field >= 0 && field < JKB__NFIELDS ? field_names[field] : "";
}

/* ---- results ---- */

typedef struct hit_store {
    jkb_hit hit;
    char *strings[5]; /* id, case, title, org, date */
    jkb__snippet snippet;
    jkb_related *related;
    char **related_strings; /* 3 per related */
    jkb_explain_term *explain;
    char (*explain_terms)[JKB__TERM_MAX + 2];
} hit_store;

struct jkb_results {
    hit_store *hits;
    size_t n;
    uint64_t total;
    int total_exact;
    uint64_t n_docs; /* in the index when searched */
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
        free(h->explain);
        free(h->explain_terms);
        jkb__snippet_fin(&h->snippet);
    }
    free(r->hits);
    free(r);
}

long jkb_index_erroffset(const jkb_index *ix)
{
    return ix ? ix->err_offset : -1;
}


typedef struct cand {
    uint32_t doc;
    uint32_t case_key;
    int32_t day;
    double bm25;
    double score;  /* bm25 plus proximity, once computed */
    int has_bonus; /* whether score holds the proximity boost yet */
} cand;

typedef struct exec {
    jkb_index *ix;
    jkb__txn *txn;
    const jkb__query *q;
    jkb__matcher m;
    double *idf;        /* per term (used at uniq) */
    double weights[JKB__NFIELDS];
    double avglen[JKB__NFIELDS];
    double per_len[JKB__NFIELDS]; /* jkb__bm25_per_len of avglen: a norm without a division */
    uint64_t n_docs;
    cand *cands;
    size_t n_cands;
    const jkb__dset *docs; /* the matching documents, in doc order */
    double max_bonus;
    double floor;       /* the walk's last floor (-1: none): a candidate whose BM25F plus
                           max_bonus is below it cannot reach the page */
    size_t need;        /* groups (or documents) the page needs: offset + limit */
    int grouped;
    double bound_scale; /* block bound -> tf' bound (bm25.h); INFINITY: no bounds */
    int pruned;         /* documents were passed over: docs holds only those scored */
} exec;

/* Whether term t scores: positive, and the first of its kind. */
static int scoring(const jkb__query *q, size_t t)
{
    return q->terms[t].uniq == t && !q->terms[t].negated;
}

/* Term t's tf' (bm25.h) in field f, where it is tf times among len tokens. */
static double field_tfw(const exec *e, unsigned f, uint32_t tf, uint32_t len)
{
    return e->weights[f] * tf / jkb__bm25_norm_per(len, e->per_len[f]);
}

/* tf' of term t for the document its iterator stands on, with field lengths len. */
static double term_tfw(const exec *e, size_t t, const uint32_t *len)
{
    const jkb__piter *it = &e->m.it[t];
    unsigned fields = e->q->terms[t].fields & jkb__postings_fields(&it->block);
    double tfw = 0;
    for (; fields; fields &= fields - 1) {
        unsigned f = (unsigned)__builtin_ctz(fields);
        uint32_t tf = jkb__piter_tf(it, f);
        if (tf)
            tfw += field_tfw(e, f, tf, len[f]);
    }
    return tfw;
}

/*
 * BM25F of term t for a document the term's iterator stands on, with its columns; with
 * per_field, the share of each field.
 */
static double term_score(const exec *e, size_t t, const jkb__cols *cols, double *per_field)
{
    const jkb__piter *it = &e->m.it[t];
    unsigned f, fields = e->q->terms[t].fields;
    double tfw = term_tfw(e, t, cols->len), score;
    score = jkb__bm25_score(e->idf[t], tfw);
    for (f = 0; per_field && f < JKB__NFIELDS; f++)
        per_field[f] = tfw > 0 && jkb__piter_tf(it, f) && (fields >> f & 1)
                           ? score * field_tfw(e, f, jkb__piter_tf(it, f), cols->len[f]) / tfw
                           : 0;
    return score;
}

/* Stands every scoring term's iterator on doc; *present[t] says whether the doc holds it. */
static int stand_on(exec *e, uint32_t doc, int want_pos, unsigned char *present)
{
    size_t t;
    for (t = 0; t < e->q->n_terms; t++) {
        uint32_t at;
        int rc;
        present[t] = 0;
        if (!scoring(e->q, t) || e->m.df[t] == 0)
            continue;
        /* positions only for exact terms: an expansion has none */
        if ((rc = jkb__piter_seek(&e->m.it[t], doc, want_pos && !e->m.it[t].mem, &at)) < 0)
            return rc;
        present[t] = rc > 0 && at == doc;
    }
    return 0;
}

/* The columns of a document the postings hold: missing is corrupt. */
static int read_cols(jkb__colreader *r, uint32_t doc, jkb__cols *cols)
{
    int rc = jkb__colreader_get(r, doc, cols);
    return rc == JKB_ENOTFOUND ? JKB_ECORRUPT : rc;
}

/* Scores candidate doc with BM25F: the terms' iterators stand on it (present[t] says which
   hold it). */
static void score_doc(const exec *e, cand *cd, uint32_t doc, const jkb__cols *cols,
                      const unsigned char *present)
{
    size_t t;
    cd->doc = doc;
    cd->case_key = cols->case_key;
    cd->day = cols->day;
    cd->bm25 = 0;
    for (t = 0; t < e->q->n_terms; t++)
        if (present[t])
            cd->bm25 += term_score(e, t, cols, NULL);
    cd->score = cd->bm25;
    cd->has_bonus = 0;
}

/* Scores the candidates (in doc order), reading their columns with one cursor. */
static int score_all(exec *e, const jkb__dset *docs, unsigned char *present)
{
    jkb__colreader r;
    size_t i;
    int rc;
    e->cands = malloc((docs->n + 1) * sizeof *e->cands);
    if (e->cands == NULL)
        return JKB_ENOMEM;
    if ((rc = jkb__colreader_open(&r, e->txn)) != 0)
        return rc;
    for (i = 0; i < docs->n; i++) {
        jkb__cols cols;
        if ((rc = read_cols(&r, docs->d[i], &cols)) != 0 ||
            (rc = stand_on(e, docs->d[i], 0, present)) != 0)
            break;
        score_doc(e, &e->cands[i], docs->d[i], &cols, present);
    }
    jkb__colreader_close(&r);
    e->n_cands = rc ? 0 : docs->n;
    return rc;
}

/*
 * The best `need` whole scores (BM25F and proximity) found so far, one per group when
 * grouped. Once there are need of them, the page's last score will be at least the
 * smallest: that is the floor a document must be able to reach.
 */
typedef struct page_floor {
    double *score; /* descending */
    uint32_t *key; /* case keys */
    size_t n;
    size_t need;
    int grouped;
} page_floor;

static double floor_of(const page_floor *pf)
{
    return pf->n == pf->need ? pf->score[pf->n - 1] : -1;
}

static void floor_add(page_floor *pf, double score, uint32_t key)
{
    size_t i;
    if (pf->score == NULL || (pf->n == pf->need && score <= pf->score[pf->n - 1]))
        return;
    if (pf->grouped && key) {
        for (i = 0; i < pf->n && pf->key[i] != key; i++)
            ;
        if (i < pf->n && score <= pf->score[i])
            return; /* its case has a better release */
        if (i < pf->n) {
            memmove(pf->score + i, pf->score + i + 1, (pf->n - i - 1) * sizeof *pf->score);
            memmove(pf->key + i, pf->key + i + 1, (pf->n - i - 1) * sizeof *pf->key);
            pf->n--;
        }
    }
    if (pf->n == pf->need)
        pf->n--;
    for (i = pf->n; i > 0 && pf->score[i - 1] < score; i--) {
        pf->score[i] = pf->score[i - 1];
        pf->key[i] = pf->key[i - 1];
    }
    pf->score[i] = score;
    pf->key[i] = key;
    pf->n++;
}

static int add_bonus(exec *e, cand *c, unsigned char *present, double floor);

/* A walkable query is scored as its documents are found, with its proximity boost when it
   may reach the page, so that the floor holds whole scores; runs of documents whose blocks
   bound them below the floor are passed over. */
typedef struct walk {
    exec *e;
    jkb__dset *docs;
    jkb__colreader cols;
    unsigned char *present; /* which scoring terms hold the document found */
    int conjunction;        /* then every scoring term holds every document */
    size_t cap;
    page_floor floor;
    /* The documents [from, last] lie in one block of each term: their score is at most ub,
       and without term t at most ub - part[t] (its bound and the proximity pairs it is in). */
    int region;
    uint32_t from;
    uint32_t last;
    double ub;
    double *part;      /* per term */
    double *pairs;     /* per term: the boosts of the proximity pairs it is in */
    size_t *needs;     /* the terms whose part the floor needs, for needs_floor */
    size_t n_needs;
    double needs_floor;
    double lead_tfw;   /* the least tf' of the lead (needs[0]) that may reach the floor */
    size_t n_distinct; /* terms, the same counted once: when every one is needed and */
    int any_holding_all; /* a document holding them all matches, the walk need not check */
} walk;

/* The largest tf' (bm25.h) a block bound allows, for the query's weights and averages. */
static double bound_scale(const exec *e, const jkb__counts *c)
{
    double w = 0, a = 1;
    size_t f;
    for (f = 0; f < JKB__NFIELDS; f++) {
        if (e->weights[f] < 0)
            return INFINITY;
        if (e->weights[f] / jkb__default_weights[f] > w)
            w = e->weights[f] / jkb__default_weights[f];
        if (c->bound_avglen[f] && e->avglen[f] / jkb__avglen_of(c->bound_avglen[f]) > a)
            a = e->avglen[f] / jkb__avglen_of(c->bound_avglen[f]);
    }
    return w * a / JKB__BOUND_SCALE;
}

static double pair_bonus(const exec *e, size_t t, int *same_word);

/* The bounds of the region of blocks that starts at doc (walk): 1, 0 when no term holds a
   document from doc on, or an error. */
static int region_at(walk *w, uint32_t doc)
{
    exec *e = w->e;
    const jkb__query *q = e->q;
    size_t t;
    int any = 0;
    w->ub = e->max_bonus;
    w->last = UINT32_MAX;
    for (t = 0; t < q->n_terms; t++) {
        uint32_t bound, last;
        double x;
        int rc;
        w->part[t] = w->pairs[t];
        if (!scoring(q, t) || e->m.df[t] == 0)
            continue;
        if ((rc = jkb__piter_bound(&e->m.it[t], doc, &bound, &last)) < 0)
            return rc;
        if (rc == 0)
            continue; /* the term holds nothing more: it adds nothing */
        any = 1;
        x = bound == UINT32_MAX ? INFINITY : bound * e->bound_scale;
        x = isinf(x) ? INFINITY : jkb__bm25_score(e->idf[t], x);
        w->part[t] += x;
        w->ub += x;
        if (last < w->last)
            w->last = last;
    }
    w->region = 1;
    w->from = doc;
    return any;
}

/* Passes over the rest of the region: none of its documents can reach the floor. */
static int pass_region(walk *w, uint32_t *to)
{
    w->e->pruned = 1;
    *to = w->last == UINT32_MAX ? UINT32_MAX : w->last + 1;
    return JKB__SKIP_TO;
}

/*
 * The terms the floor needs in the region: those without whose bound the rest fall short of
 * it, rarest first. With the others' bounds, a document must have a tf' of the rarest, the
 * lead, of at least lead_tfw to reach the floor (0: any may).
 */
static void find_needs(walk *w, double floor)
{
    exec *e = w->e;
    size_t t, i, lead;
    double gap;
    w->n_needs = 0;
    for (t = 0; t < e->q->n_terms; t++)
        if (scoring(e->q, t) && e->m.df[t] > 0 && w->ub - w->part[t] < floor) {
            for (i = w->n_needs++; i > 0 && e->m.df[w->needs[i - 1]] > e->m.df[t]; i--)
                w->needs[i] = w->needs[i - 1];
            w->needs[i] = t;
        }
    w->needs_floor = floor;
    w->lead_tfw = 0;
    if (w->n_needs == 0)
        return;
    /* idf * tf' / (K1 + tf') >= gap, the lead's share of the floor, when tf' >= K1 * gap /
       (idf - gap); gap < idf, as the lead's bound is below its idf and ub reaches the floor.
       Rounded down a little: no document is passed over for a rounding. */
    lead = w->needs[0];
    gap = floor - (w->ub - (w->part[lead] - w->pairs[lead]));
    if (gap > 0 && gap < e->idf[lead])
        w->lead_tfw = JKB__K1 * gap / (e->idf[lead] - gap) * (1 - 1e-9);
}

/* Whether doc, on which every needed term stands, cannot reach the floor: the lead's tf'
   first, then the needed terms' own scores in place of their bounds. Checks of those terms
   alone, where scoring the document would read its columns and every term. */
static int needs_below(walk *w, uint32_t doc)
{
    exec *e = w->e;
    uint32_t len[JKB__NFIELDS];
    double tfw, s;
    size_t k;
    if (w->lead_tfw == 0 || jkb__colreader_lens(&w->cols, doc, len) != 0)
        return 0; /* a document without columns is scored, and reported */
    if ((tfw = term_tfw(e, w->needs[0], len)) < w->lead_tfw)
        goto below;
    s = w->ub;
    for (k = 0; k < w->n_needs; k++) {
        size_t t = w->needs[k];
        if (k > 0)
            tfw = term_tfw(e, t, len);
        s += jkb__bm25_score(e->idf[t], tfw) - (w->part[t] - w->pairs[t]);
    }
    if (s * (1 + 1e-9) >= w->needs_floor) /* as lead_tfw: not passed over for a rounding */
        return 0;
below:
    e->pruned = 1;
    return 1;
}

/*
 * jkb__skip_fn: passes over the documents from doc that cannot reach the floor: every one in
 * a region whose bound is below it, and those that lack a term the floor needs there (MaxScore
 * over the blocks: the walk goes on from a document that holds all of them, which is the next
 * match when the floor needs every term of a query of words).
 */
static int skip_below_floor(void *payload, uint32_t doc, uint32_t *to)
{
    walk *w = payload;
    exec *e = w->e;
    double floor = floor_of(&w->floor);
    uint32_t at, from = doc;
    size_t i, held;
    int rc;
    if (floor < 0)
        return JKB__SKIP_NONE;
    if (!w->region || doc < w->from || doc > w->last) {
        w->needs_floor = -1;
        if ((rc = region_at(w, doc)) <= 0) {
            *to = UINT32_MAX; /* no term holds anything more: no document is left to find */
            return rc < 0 ? rc : JKB__SKIP_TO;
        }
    }
    if (w->ub < floor)
        return pass_region(w, to);
    if (isinf(w->ub))
        return JKB__SKIP_NONE;
    if (w->needs_floor != floor)
        find_needs(w, floor);
    /* the needed terms in turn, until all of them in a row stand on doc and their scores
       there may reach the floor */
again:
    for (i = 0, held = 0; held < w->n_needs; i = i + 1 < w->n_needs ? i + 1 : 0) {
        if ((rc = jkb__piter_seek(&e->m.it[w->needs[i]], doc, 0, &at)) < 0)
            return rc;
        if (rc == 0 || at > w->last) /* none in the region holds it */
            return pass_region(w, to);
        if (at == doc) {
            held++;
        } else {
            jkb__colreader_prefetch(&w->cols, at);
            doc = at;
            held = 1;
        }
    }
    if (needs_below(w, doc)) { /* never without needed terms: lead_tfw is 0 then */
        if (doc == w->last)
            return pass_region(w, to);
        doc++;
        goto again;
    }
    if (w->any_holding_all && w->n_needs == w->n_distinct) {
        e->pruned |= doc > from;
        *to = doc;
        return JKB__SKIP_FOUND;
    }
    if (doc == from)
        return JKB__SKIP_NONE;
    e->pruned = 1;
    *to = doc;
    return JKB__SKIP_TO;
}

static int score_found(void *payload, uint32_t doc)
{
    walk *w = payload;
    exec *e = w->e;
    jkb__cols cols;
    cand *c;
    int rc = 0;
    JKB__RESERVE(rc, e->cands, w->cap, e->n_cands);
    if (rc || (rc = read_cols(&w->cols, doc, &cols)) != 0 ||
        (!w->conjunction && (rc = stand_on(e, doc, 0, w->present)) != 0))
        return rc;
    c = &e->cands[e->n_cands];
    score_doc(e, c, doc, &cols, w->present);
    /* The boost can lift a page's scores well above BM25F alone: a floor of whole scores
       passes over many more blocks than one of BM25F. A document that cannot reach it is
       not kept. */
    if (c->bm25 + e->max_bonus < floor_of(&w->floor) ||
        (w->floor.score && (rc = add_bonus(e, c, w->present, floor_of(&w->floor))) == 1)) {
        e->pruned = 1;
        return 0;
    }
    if (rc || (rc = jkb__dset_push(w->docs, doc)) != 0)
        return rc;
    e->n_cands++;
    floor_add(&w->floor, c->score, c->case_key);
    return 0;
}

static int score_each(exec *e, jkb__dset *docs, unsigned char *present)
{
    walk w;
    size_t t;
    int rc = 0;
    memset(&w, 0, sizeof w);
    w.e = e;
    w.docs = docs;
    w.present = present;
    if ((w.conjunction = jkb__matcher_is_conjunction(&e->m)) != 0)
        for (t = 0; t < e->q->n_terms; t++)
            present[t] = scoring(e->q, t) && e->m.df[t] > 0;
    for (t = 0; t < e->q->n_terms; t++)
        w.n_distinct += e->q->terms[t].uniq == t;
    w.any_holding_all = jkb__matcher_any_holding_all(&e->m);
    w.floor.need = e->need;
    w.floor.grouped = e->grouped;
    /* a page beyond any index is not worth a floor */
    if (e->need <= e->n_docs && !isinf(e->bound_scale)) {
        w.floor.score = malloc(e->need * sizeof *w.floor.score);
        w.floor.key = malloc(e->need * sizeof *w.floor.key);
        w.part = malloc((e->q->n_terms + 1) * sizeof *w.part);
        w.pairs = calloc(e->q->n_terms + 1, sizeof *w.pairs);
        w.needs = malloc((e->q->n_terms + 1) * sizeof *w.needs);
        rc = w.floor.score && w.floor.key && w.part && w.pairs && w.needs ? 0 : JKB_ENOMEM;
    }
    for (t = 0; w.pairs && t + 1 < e->q->n_terms; t++) { /* a pair's boost needs both terms */
        int same_word;
        double pair = pair_bonus(e, t, &same_word);
        w.pairs[e->q->terms[t].uniq] += pair;
        w.pairs[e->q->terms[t + 1].uniq] += pair;
    }
    if (rc == 0 && (rc = jkb__colreader_open(&w.cols, e->txn)) == 0) {
        rc = jkb__matcher_each(&e->m, score_found, w.floor.score ? skip_below_floor : NULL, &w);
        jkb__colreader_close(&w.cols);
    }
    if (w.floor.score)
        e->floor = floor_of(&w.floor);
    free(w.floor.score);
    free(w.floor.key);
    free(w.part);
    free(w.pairs);
    free(w.needs);
    if (rc)
        e->n_cands = 0;
    return rc;
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

/* The pairs of neighbouring query terms that proximity rewards, and their largest bonus.
   A word's two readings (its parts, then the whole: 要注意 -> 要 + 注意 | 要注意) are
   alternatives, not neighbours: the whole starts where the parts do. */
static double pair_bonus(const exec *e, size_t t, int *same_word)
{
    const jkb__qterm *a = &e->q->terms[t], *b = &e->q->terms[t + 1];
    if (a->negated || b->negated || a->uniq == b->uniq || a->match != JKB__MATCH_EXACT ||
        b->match != JKB__MATCH_EXACT || b->qpos <= a->qpos)
        return 0;
    *same_word = a->node == b->node;
    return (*same_word ? 1.0 : NEAR) * (e->idf[a->uniq] + e->idf[b->uniq]) / 2;
}

/* Whether the document the iterators of pair (a, b) stand on holds both in some field: else
   the pair adds nothing, whatever their positions. */
static int share_field(const exec *e, const jkb__qterm *a, const jkb__qterm *b)
{
    unsigned f;
    for (f = 0; f < JKB__NFIELDS; f++)
        if (jkb__piter_tf(&e->m.it[a->uniq], f) && jkb__piter_tf(&e->m.it[b->uniq], f))
            return 1;
    return 0;
}

/* The boost pair (a, b) reaches in the document their iterators stand on with positions. */
static double pair_boost(const exec *e, const jkb__qterm *a, const jkb__qterm *b, double pair,
                         int same_word)
{
    double best = 0;
    unsigned f;
    for (f = 0; f < JKB__NFIELDS; f++) {
        uint32_t na, nb, d;
        const uint32_t *pa = jkb__piter_positions(&e->m.it[a->uniq], f, &na);
        const uint32_t *pb = jkb__piter_positions(&e->m.it[b->uniq], f, &nb);
        double v = 0;
        if (na == 0 || nb == 0)
            continue;
        if (same_word) {
            d = closest(pa, na, pb, nb, (int64_t)b->qpos - a->qpos);
            v = d == 0 ? pair : 0;
        } else {
            d = closest(pa, na, pb, nb, 0);
            if (d <= NEAR_WINDOW)
                v = pair * (NEAR_WINDOW + 1 - d) / NEAR_WINDOW;
        }
        if (v > best)
            best = v;
    }
    return best;
}

/* Stands term t's iterator on doc with its positions, unless an expansion's (none). */
static int with_positions(exec *e, size_t t, uint32_t doc)
{
    uint32_t at;
    int rc = jkb__piter_seek(&e->m.it[t], doc, !e->m.it[t].mem, &at);
    return rc < 0 ? rc : 0;
}

/*
 * The proximity boost of candidate c, at most e->max_bonus, into *out; 1 when c cannot reach
 * floor (*out then partial). Each pair's positions are read only while the pairs left may
 * still lift c to the floor.
 */
static int proximity(exec *e, const cand *c, unsigned char *present, double floor, double *out)
{
    const jkb__query *q = e->q;
    double left = e->max_bonus;
    size_t t;
    int rc;
    *out = 0;
    if (e->max_bonus == 0)
        return 0;
    if ((rc = stand_on(e, c->doc, 0, present)) != 0)
        return rc;
    for (t = 0; t + 1 < q->n_terms; t++) {
        const jkb__qterm *a = &q->terms[t], *b = &q->terms[t + 1];
        int same_word;
        double pair = pair_bonus(e, t, &same_word);
        if (pair == 0)
            continue;
        /* as lead_tfw: not passed over for a rounding */
        if ((c->bm25 + *out + left) * (1 + 1e-9) < floor)
            return 1;
        left -= pair;
        if (!present[a->uniq] || !present[b->uniq] || !share_field(e, a, b))
            continue;
        if ((rc = with_positions(e, a->uniq, c->doc)) != 0 ||
            (rc = with_positions(e, b->uniq, c->doc)) != 0)
            return rc;
        *out += pair_boost(e, a, b, pair, same_word);
    }
    return 0;
}

/* Adds c's proximity boost to its score, once; 1 when c cannot reach floor (not added). */
static int add_bonus(exec *e, cand *c, unsigned char *present, double floor)
{
    double bonus;
    int rc;
    if (c->has_bonus)
        return 0;
    if ((rc = proximity(e, c, present, floor, &bonus)) != 0)
        return rc;
    c->score = c->bm25 + bonus;
    c->has_bonus = 1;
    return 0;
}

static double max_bonus(const exec *e)
{
    double m = 0;
    size_t t;
    int same_word;
    for (t = 0; t + 1 < e->q->n_terms; t++)
        m += pair_bonus(e, t, &same_word);
    return m;
}

/* Ranking order: score, then newer date, then doc id (indexing order). */
static int rank_before(const cand *x, const cand *y)
{
    if (x->score != y->score)
        return x->score > y->score;
    if (x->day != y->day)
        return x->day > y->day;
    return x->doc < y->doc;
}

static int cmp_rank(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return rank_before(x, y) ? -1 : rank_before(y, x) ? 1 : 0;
}

/* Max-heap of candidates by BM25F (then doc id), so that the best come out first without
   sorting all of them. */
static int bm25_above(const cand *x, const cand *y)
{
    return x->bm25 != y->bm25 ? x->bm25 > y->bm25 : x->doc < y->doc;
}

static void sift_down(cand *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, best = i;
        cand tmp;
        if (l < n && bm25_above(&h[l], &h[best]))
            best = l;
        if (l + 1 < n && bm25_above(&h[l + 1], &h[best]))
            best = l + 1;
        if (best == i)
            return;
        tmp = h[i];
        h[i] = h[best];
        h[best] = tmp;
        i = best;
    }
}

/*
 * Takes candidates in BM25F order and adds proximity, until none can reach the first `need`
 * groups (or documents). The ones scored end up in e->cands[0 .. *n_scored), sorted by rank.
 */
static int rank(exec *e, size_t need, int grouped, unsigned char *present, size_t *n_scored)
{
    size_t i, n = 0, heaped, n_top = 0, taken = 0;
    cand *top; /* the best score of each group seen, kept sorted, at most need */
    int rc = 0;

    /* only the candidates that may reach the page go into the heap, at the front */
    for (i = 0; i < e->n_cands; i++) {
        if (e->cands[i].bm25 + e->max_bonus >= e->floor) {
            cand c = e->cands[n];
            e->cands[n++] = e->cands[i];
            e->cands[i] = c;
        }
    }
    heaped = n;
    for (i = n / 2; i-- > 0;)
        sift_down(e->cands, n, i);
    top = malloc(((need < n ? need : n) + 1) * sizeof *top); /* at most one per candidate */
    if (top == NULL)
        return JKB_ENOMEM;
    while (n > 0) {
        cand c = e->cands[0];
        size_t j;
        if (n_top == need && c.bm25 + e->max_bonus < top[n_top - 1].score)
            break;
        /* pop: the scored ones gather at the end of the array */
        e->cands[0] = e->cands[--n];
        sift_down(e->cands, n, 0);
        if ((rc = add_bonus(e, &c, present, -INFINITY)) != 0)
            break;
        e->cands[n] = c;
        taken++;
        for (j = 0; grouped && c.case_key && j < n_top; j++)
            if (top[j].case_key == c.case_key)
                break;
        if (grouped && c.case_key && j < n_top) {
            if (!rank_before(&c, &top[j]))
                continue;
            memmove(top + j, top + j + 1, (n_top - j - 1) * sizeof *top);
            n_top--;
        }
        for (j = n_top; j > 0 && rank_before(&c, &top[j - 1]); j--)
            top[j] = top[j - 1];
        top[j] = c;
        if (n_top < need)
            n_top++;
    }
    free(top);
    if (rc)
        return rc;
    memmove(e->cands, e->cands + heaped - taken, taken * sizeof *e->cands);
    if (taken > 1)
        qsort(e->cands, taken, sizeof *e->cands, cmp_rank);
    *n_scored = taken;
    return 0;
}

/* Fills the hit's explanation: every scoring term's share per field, and proximity. */
static int explain(exec *e, hit_store *h, const cand *c, unsigned char *present)
{
    const jkb__query *q = e->q;
    jkb__cols cols;
    size_t t, n = 0;
    int rc;
    h->explain = calloc(q->n_terms + 1, sizeof *h->explain);
    h->explain_terms = calloc(q->n_terms + 1, sizeof *h->explain_terms);
    if (h->explain == NULL || h->explain_terms == NULL)
        return JKB_ENOMEM;
    if ((rc = jkb__cols_get(e->txn, c->doc, &cols)) != 0 ||
        (rc = stand_on(e, c->doc, 0, present)) != 0)
        return rc;
    for (t = 0; t < q->n_terms; t++) {
        if (!scoring(q, t))
            continue;
        snprintf(h->explain_terms[n], sizeof h->explain_terms[n], "%.*s%s", (int)q->terms[t].len,
                 q->terms[t].term, q->terms[t].match == JKB__MATCH_EXACT ? "" : "*");
        h->explain[n].term = h->explain_terms[n];
        if (present[t])
            term_score(e, t, &cols, h->explain[n].field);
        n++;
    }
    h->hit.explain = h->explain;
    h->hit.n_explain = n;
    h->hit.proximity = c->score - c->bm25;
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

/* Reads doc's fields before the body (*out), leaving the body to be decoded as it is read. */
static int read_head(exec *e, uint32_t doc, jkb__docbuf *db, const jkb_doc **out)
{
    int rc = jkb__docs_begin(e->ix, e->txn, doc, db);
    if (rc == 0)
        rc = jkb__doc_head(db, out);
    return rc == JKB_ENOTFOUND ? JKB_ECORRUPT : rc;
}

/* A snippet's text: the body of the record in the docbuf, decoded 256 bytes of the record
   (about 1 KB of text) at a time: of 128, 256 and 512, the fewest instructions over the
   livedoor queries' snippets, finer steps reading less past the passage, coarser ones costing
   less per step. */
static int more_body(void *ctx, const char **text, size_t *len, int *complete)
{
    jkb__docbuf *db = ctx;
    int rc = db->body_done ? 0 : jkb__doc_more(db, 256);
    *text = (const char *)db->raw.data + db->body;
    *len = db->body_len;
    *complete = db->body_done;
    return rc;
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

/* Whether doc matches the query (the matcher's set is in doc order): 1, 0 or an error. */
static int is_candidate(exec *e, uint32_t doc)
{
    size_t lo = 0, hi = e->docs->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e->docs->d[mid] == doc)
            return 1;
        if (e->docs->d[mid] < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* passed over unscored: ask the postings */
    return e->pruned ? jkb__matcher_matches(&e->m, doc) : 0;
}

/* Lists the other releases of the hit's case, oldest first. */
static int add_related(exec *e, hit_store *h, uint32_t self, jkb__docbuf *db)
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
        if (rc || (rc = read_head(e, doc, db, &d)) != 0)
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
            if ((r->matched = is_candidate(e, rel[i].doc)) < 0) {
                rc = r->matched;
                r->matched = 0;
            }
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

static int make_hit(exec *e, hit_store *h, const cand *c, int grouped,
                    const jkb__surfaces *sf, jkb__docbuf *db, jkb__norm *norm)
{
    const jkb_doc *d;
    int rc = read_head(e, c->doc, db, &d);
    if (rc)
        return rc;
    h->hit.id = h->strings[0] = dup_str(d->id, &rc);
    h->hit.case_no = h->strings[1] = dup_str(d->case_no, &rc);
    h->hit.title = h->strings[2] = dup_str(d->title, &rc);
    h->hit.org = h->strings[3] = dup_str(d->org, &rc);
    h->hit.date = h->strings[4] = dup_str(d->date, &rc);
    h->hit.score = c->score;
    if (rc || (rc = jkb__snippet_read(&h->snippet, sf, more_body, db, norm)) != 0)
        return rc;
    h->hit.snippet = h->snippet.text;
    h->hit.highlights = h->snippet.highlights;
    h->hit.n_highlights = h->snippet.n_highlights;
    if (grouped && *h->hit.case_no)
        rc = add_related(e, h, c->doc, db);
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

/* Runs parsed query q into res: candidates, ranking, the page. */
static int execute(jkb_index *ix, jkb__query *q, const jkb_search_options *o,
                   jkb_results *res)
{
    exec e;
    jkb__counts counts;
    jkb__docbuf db;
    jkb__dset docs = {NULL, 0, 0};
    jkb__norm norm = JKB__NORM_INIT;
    jkb__surfaces sf;
    unsigned char *present = NULL;
    size_t t, i, n_scored = 0, seen;
    int rc, grouped = !o->no_group, custom = 0;

    memset(&e, 0, sizeof e);
    memset(&db, 0, sizeof db);
    memset(&sf, 0, sizeof sf);
    e.ix = ix;
    e.q = q;
    for (t = 0; t < JKB__NFIELDS; t++)
        custom |= o->weights[t] != 0;
    for (t = 0; t < JKB__NFIELDS; t++)
        e.weights[t] = custom ? o->weights[t] : jkb__default_weights[t];
    e.idf = calloc(q->n_terms + 1, sizeof *e.idf);
    present = calloc(q->n_terms + 1, 1);
    if (e.idf == NULL || present == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    if ((rc = jkb__txn_begin(ix->store, 0, &e.txn, &ix->err)) != 0 ||
        (rc = jkb__counts_read(e.txn, &counts)) != 0 ||
        (rc = jkb__matcher_open(&e.m, e.txn, q)) != 0)
        goto out;
    e.n_docs = res->n_docs = counts.docs;
    for (t = 0; t < JKB__NFIELDS; t++) {
        e.avglen[t] = counts.docs ? (double)counts.field_tokens[t] / (double)counts.docs : 0;
        e.per_len[t] = jkb__bm25_per_len(e.avglen[t]);
    }
    for (t = 0; t < q->n_terms; t++) {
        double df = (double)e.m.df[q->terms[t].uniq];
        e.idf[t] = log(1 + ((double)e.n_docs - df + 0.5) / (df + 0.5));
        q->terms[t].df = e.m.df[q->terms[t].uniq];
    }
    e.max_bonus = max_bonus(&e);
    e.floor = -1;
    e.need = o->offset > SIZE_MAX - o->limit ? SIZE_MAX : o->offset + o->limit;
    e.grouped = grouped;
    e.bound_scale = bound_scale(&e, &counts);

    /* 1-2. candidates and their order */
    if (jkb__matcher_walkable(&e.m))
        rc = score_each(&e, &docs, present);
    else if ((rc = jkb__matcher_run(&e.m, &docs)) == 0 && docs.n > 0)
        rc = score_all(&e, &docs, present);
    if (rc || docs.n == 0)
        goto out;
    e.docs = &docs;
    res->total = e.n_cands;
    res->total_exact = !e.pruned; /* then only the documents scored are counted */
    if (grouped && (rc = count_groups(&e, &res->total)) != 0)
        goto out;
    if ((rc = rank(&e, e.need, grouped, present, &n_scored)) != 0)
        goto out;

    /* 3-4. the page: one hit per group when grouped */
    res->hits = calloc(o->limit < n_scored ? o->limit : n_scored, sizeof *res->hits);
    if (res->hits == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    if ((rc = jkb__surfaces_make(&sf, ix->dict, q)) != 0) /* once for every snippet */
        goto out;
    for (i = 0, seen = 0; i < n_scored && seen < e.need; i++) {
        const cand *c = &e.cands[i];
        hit_store *h;
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
        h = &res->hits[res->n++];
        if ((rc = make_hit(&e, h, c, grouped, &sf, &db, &norm)) != 0 ||
            (o->explain && (rc = explain(&e, h, c, present)) != 0))
            goto out;
    }
out:
    jkb__matcher_close(&e.m);
    jkb__txn_abort(e.txn);
    jkb__dset_fin(&docs);
    free(e.idf);
    free(e.cands);
    free(present);
    jkb__docbuf_fin(&db);
    jkb__norm_fin(&norm);
    jkb__surfaces_fin(&sf);
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
    /* Nothing holds every word of a plain query: try its rare words (those in at most one
       document in a thousand) as prefixes (Locke finds Locker), then inside longer words
       (テツ finds キムテツ, which MeCab keeps whole). Frequent words stay as they are: their
       expansions would cost much and change little. */
    for (m = JKB__MATCH_PREFIX; q.plain && rc == 0 && res->total == 0 && m <= JKB__MATCH_INFIX;
         m++) {
        if (jkb__query_relax(&q, m, res->n_docs / 1000 + 1))
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
