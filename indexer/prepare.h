/*
 * Preparing documents for the writer: the work that needs no index, done on worker threads
 * when there are any. A prepared document holds its stored record (compressed when it was
 * given the index's preset dictionary; else the writer compresses it) and its tokens, in a
 * compact list the writer replays into its batch in submission order, so doc ids and results
 * do not depend on the threads.
 */
#ifndef JKB_INDEXER_PREPARE_H
#define JKB_INDEXER_PREPARE_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "buf.h"
#include "error.h"
#include "jikenbo.h"

typedef struct jkb__prepared {
    jkb__buf record;  /* the raw payload, or the compressed record when compressed */
    int compressed;
    jkb__buf tokens;  /* per token: field (1 byte), position (varint), length (1), bytes */
    char *id;
    char *case_no;
    int32_t day;
    int rc;           /* analysis failed: the document is not indexed */
    char msg[160];
} jkb__prepared;

void jkb__prepared_fin(jkb__prepared *p);

/*
 * Prepares doc: serializes its record (compressing it with dict when dict_len > 0) and
 * analyses its fields. Errors are kept in p->rc and p->msg.
 */
void jkb__prepare(jkb__prepared *p, jkb__analyzer *an, const jkb_doc *doc, const uint8_t *dict,
                  size_t dict_len);

/* Compresses the raw record of p with the preset dictionary dict. JKB_ENOMEM. */
int jkb__prepared_compress(jkb__prepared *p, const uint8_t *dict, size_t dict_len);

/* Reads the next token of a prepared list at *at; 0 at the end. */
typedef struct jkb__ptoken {
    unsigned field;
    uint32_t pos;
    const char *term;
    size_t len;
} jkb__ptoken;
int jkb__prepared_token(const jkb__prepared *p, size_t *at, jkb__ptoken *out);

/* ---- the worker pool ---- */

typedef struct jkb__pool jkb__pool;

/* Starts threads workers, each with its own MeCab tagger over dict, and a queue of documents
   handed to them that takes about queue_bytes: the deeper it is, the longer the workers go on
   while the writer commits. */
int jkb__pool_new(jkb__pool **out, jkb__dict *dict, unsigned threads, size_t queue_bytes,
                  jkb__err *err);
void jkb__pool_free(jkb__pool *p);

/* Hands doc (copied) to the workers; waits while they are all busy and the queue is full.
   dict: the preset dictionary to compress with (may be empty: the record is left raw; must
   outlive the pool). */
int jkb__pool_submit(jkb__pool *p, const jkb_doc *doc, const uint8_t *dict, size_t dict_len);

/*
 * The next prepared document in submission order: 1 with *out set (release it with
 * jkb__pool_release before the next call), 0 when none is ready (or, with wait, none is
 * left).
 */
int jkb__pool_next(jkb__pool *p, int wait, jkb__prepared **out);
void jkb__pool_release(jkb__pool *p);

/* Whether every slot is taken: the writer takes prepared documents before submitting more. */
int jkb__pool_full(jkb__pool *p);

#endif
