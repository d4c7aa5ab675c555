/*
 * Matching: which documents a parsed query finds.
 *
 * Each distinct query term gets a postings iterator: an exact term reads its stored blocks
 * (one cursor seek lands on the block that may hold a document: keys are (term id, last doc
 * id)); a prefix or infix term is expanded once into the in-memory union of the postings of
 * the terms it meets. The query tree is then evaluated bottom-up over sorted document-id
 * sets: a word intersects its terms' sets (restricted to its fields), a phrase also checks
 * positions, OR unites, NOT and "-" subtract, a case filter reads the cases table, a date
 * filter the columns.
 */
#ifndef JKB_SEARCHER_MATCH_H
#define JKB_SEARCHER_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "postings.h"
#include "query.h"
#include "store.h"

typedef struct jkb__piter {
    jkb__cursor *cur;
    uint32_t tid;
    jkb__postings block; /* the decoded block (ids, frequencies), or a prefix's whole union */
    size_t i;            /* the current document in block */
    int loaded;
    uint32_t first;      /* the loaded block holds the first document >= any of [first, last] */
    uint32_t last;
    int mem;             /* block holds an expansion, not one stored block */
    /* Positions are decoded for one document at a time, from the block's bytes (borrowed
       from the read transaction). */
    const uint8_t *raw;
    size_t raw_len;
    size_t pos_doc;      /* the document whose positions block.pos holds, or SIZE_MAX */
    jkb__pos_index pos_index;
    /* The block jkb__piter_bound last read the header of: it holds the documents of
       [peek_from, peek_last] the term has. */
    int peeked;
    uint32_t peek_from;
    uint32_t peek_last;
    uint32_t peek_bound;
    jkb__val peek_val;   /* its bytes, borrowed from the read transaction */
} jkb__piter;

/* A sorted set of document ids. */
typedef struct jkb__dset {
    uint32_t *d;
    size_t n;
    size_t cap;
} jkb__dset;

/* Per query node, for finding documents one at a time. */
typedef struct jkb__walk_node {
    uint64_t cost;  /* about how many documents it matches: the rarest kid of an AND leads */
    uint32_t lead;  /* a word's or phrase's rarest term */
    uint32_t from;  /* the first document >= any of [from, next] the node matches is next */
    uint32_t next;
} jkb__walk_node;

typedef struct jkb__matcher {
    jkb__txn *txn;
    const jkb__query *q;
    jkb__piter *it;  /* per term; only the first of each distinct term (uniq) is used */
    uint64_t *df;    /* per term, likewise: documents holding it */
    jkb__walk_node *walk; /* per node */
    jkb__dset all;   /* every document, read only when a NOT needs it */
    int have_all;
} jkb__matcher;

/* Looks up every distinct term (and expands prefixes and infixes). */
int jkb__matcher_open(jkb__matcher *m, jkb__txn *txn, const jkb__query *q);
void jkb__matcher_close(jkb__matcher *m);

/* The documents the whole query finds, into out (replacing its content). */
int jkb__matcher_run(jkb__matcher *m, jkb__dset *out);

/* Whether the query is made of words, phrases, AND and OR only (no NOT or filter): then
   jkb__matcher_each finds its documents one at a time, without building sets. */
int jkb__matcher_walkable(const jkb__matcher *m);

/* Whether the query only asks for words (no OR, NOT, phrase or filter): every term holds
   every document it matches. */
int jkb__matcher_is_conjunction(const jkb__matcher *m);

/* Called for each document found, in doc order; a non-zero return stops the walk. */
typedef int (*jkb__doc_fn)(void *payload, uint32_t doc);

/* Asked before the walk looks for a document >= doc: JKB__SKIP_NONE goes on, JKB__SKIP_TO
   passes over every document before *to (UINT32_MAX: all of them), JKB__SKIP_FOUND says
   that *to is the next document the query matches (every term holds it, and
   jkb__matcher_any_holding_all said that is enough), a negative return is an error. */
typedef int (*jkb__skip_fn)(void *payload, uint32_t doc, uint32_t *to);
enum { JKB__SKIP_NONE, JKB__SKIP_TO, JKB__SKIP_FOUND };

/* Whether a walkable query matches any document that holds every one of its terms: words
   of every field, AND and OR, no phrase. */
int jkb__matcher_any_holding_all(const jkb__matcher *m);

/* For a walkable query: calls fn for every document it matches, in doc order, but for those
   skip (when not NULL) passes over. */
int jkb__matcher_each(jkb__matcher *m, jkb__doc_fn fn, jkb__skip_fn skip, void *payload);

/* Whether a walkable query matches doc: 1, 0, or an error. */
int jkb__matcher_matches(jkb__matcher *m, uint32_t doc);

/* 0 makes jkb__matcher_walkable() say no, so that queries go through document sets and
   every match is scored: tests compare the pages found both ways. */
extern int jkb__matcher_walking;

void jkb__dset_fin(jkb__dset *s);
/* Appends doc (greater than the last). JKB_ENOMEM. */
int jkb__dset_push(jkb__dset *s, uint32_t doc);

/* jkb__piter_seek when the iterator does not stand on doc already. */
int jkb__piter_seek_from(jkb__piter *it, uint32_t doc, int want_pos, uint32_t *at);

/*
 * Moves to the first document >= doc: 1 with *at set, 0 past the end, or an error. With
 * want_pos that document's positions are decoded. Documents may be asked for in any order,
 * forward seeks being the cheap ones, and a seek for the document the iterator stands on
 * (scoring, after the walk found it) the cheapest.
 */
static inline int jkb__piter_seek(jkb__piter *it, uint32_t doc, int want_pos, uint32_t *at)
{
    if (!want_pos && it->loaded && it->i < it->block.n && it->block.docs[it->i] <= doc &&
        doc <= it->last) { /* a step or a few forward in the block (the walk) */
        while (it->block.docs[it->i] < doc)
            it->i++;
        *at = it->block.docs[it->i];
        return 1;
    }
    if (it->loaded && it->i < it->block.n && it->block.docs[it->i] == doc &&
        (!want_pos || it->mem || it->pos_doc == it->i)) {
        *at = doc;
        return 1;
    }
    return jkb__piter_seek_from(it, doc, want_pos, at);
}

/*
 * The score bound (bm25.h) and the last document of the block holding the first document >=
 * doc, read from the block's header alone: 1, 0 past the end, or an error. An expansion has
 * no bound: UINT32_MAX.
 */
int jkb__piter_bound(jkb__piter *it, uint32_t doc, uint32_t *bound, uint32_t *last);

/* The positions in field f of the document the iterator stands on (needs want_pos). */
const uint32_t *jkb__piter_positions(const jkb__piter *it, unsigned f, uint32_t *n);

/* Frequency in field f of the document the iterator stands on. */
static inline uint32_t jkb__piter_tf(const jkb__piter *it, unsigned f)
{
    return jkb__postings_tf(&it->block, it->i, f);
}

#endif
