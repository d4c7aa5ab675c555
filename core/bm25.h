/*
 * BM25F, shared by the searcher (which scores) and the writer (which bounds the scores a
 * postings block can give, so that a query can pass over blocks that cannot reach its page).
 *
 * For a term in a document, with field lengths len_f and average field lengths avglen_f:
 *     tf' = sum over fields f of w_f * tf_f / norm_f,  norm_f = 1 - B + B * len_f / avglen_f
 *     score = idf * tf' / (K1 + tf')
 *
 * Block bounds. A block stores the largest tf' of its documents with the default weights and
 * the averages ref_f of the commit that wrote it, scaled by JKB__BOUND_SCALE and rounded up.
 * The index keeps the smallest ref_f any commit used (bound_avglen in its counts). For any
 * weights w and averages avglen at query time, since norm_f grows at most by avglen_f/ref_f
 * when avglen_f > ref_f, a document of the block has
 *     tf' <= stored / JKB__BOUND_SCALE * max_f(w_f / default_f) * max(1, max_f(avglen_f / min ref_f))
 */
#ifndef JKB_CORE_BM25_H
#define JKB_CORE_BM25_H

#include <math.h>
#include <stdint.h>

#include "postings.h"

#define JKB__K1 1.2
#define JKB__B 0.75
#define JKB__BOUND_SCALE 8
#define JKB__AVGLEN_UNIT 16.0 /* reference averages are kept in sixteenths of a token */

static const double jkb__default_weights[JKB__NFIELDS] = {3.0, 1.5, 1.0, 1.0};

/* A reference average kept in JKB__AVGLEN_UNIT (0: no block has the field yet). */
static inline double jkb__avglen_of(uint32_t stored)
{
    return stored / JKB__AVGLEN_UNIT;
}

static inline double jkb__bm25_norm(uint32_t len, double avglen)
{
    return 1 - JKB__B + JKB__B * (avglen > 0 ? len / avglen : 1);
}

/* B / avglen: a query scores many documents against the same averages, and
   jkb__bm25_norm_per(len, jkb__bm25_per_len(avglen)) is their norm with a multiplication (a
   field no document has holds no term: its norm is never taken). */
static inline double jkb__bm25_per_len(double avglen)
{
    return avglen > 0 ? JKB__B / avglen : 0;
}

static inline double jkb__bm25_norm_per(uint32_t len, double per_len)
{
    return 1 - JKB__B + per_len * len;
}

/* A term's score for a document where its tf' is tfw. */
static inline double jkb__bm25_score(double idf, double tfw)
{
    return idf * tfw / (JKB__K1 + tfw);
}

/* tf' of one document with the default weights, scaled and rounded up for a block bound. */
static inline uint32_t jkb__bound_of(const uint32_t *tf, const uint32_t *len,
                                     const double *ref)
{
    double tfw = 0, b;
    unsigned f;
    for (f = 0; f < JKB__NFIELDS; f++)
        if (tf[f])
            tfw += jkb__default_weights[f] * tf[f] / jkb__bm25_norm(len[f], ref[f]);
    b = ceil(tfw * JKB__BOUND_SCALE * (1 + 1e-9));
    return b < UINT32_MAX ? (uint32_t)b : UINT32_MAX;
}

#endif
