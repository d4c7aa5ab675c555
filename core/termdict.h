/*
 * The term dictionary: every folded term (at most JKB__TERM_MAX bytes) and its id, in blocks
 * of consecutive terms, because an LMDB entry per term costs 16 bytes of node and slack beside
 * a 3-byte id:
 *
 *   terms   the block's first term -> the first term's id (varint), then per further term:
 *           the count of bytes it shares with the term before (1 byte), the count of the
 *           rest (1 byte, at least 1), the rest, its id (varint)
 *
 * Terms ascend strictly, within a block and from one block to the next, so a prefix is a
 * range. A block and its key take at most JKB__TERMS_BLOCK_MAX bytes, so that two fill an
 * LMDB leaf page of 4 KiB. Terms are never removed (a term whose documents were all deleted
 * keeps its id), so blocks only grow and split.
 */
#ifndef JKB_CORE_TERMDICT_H
#define JKB_CORE_TERMDICT_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "store.h"

/* Two entries of this many key and value bytes fill a leaf page of 4096 bytes: 16 bytes of
   page header, and per entry 2 of pointer and 8 of node header. */
#define JKB__TERMS_BLOCK_MAX 2030

/* A walk over the dictionary in byte order. */
typedef struct jkb__term_iter {
    jkb__cursor *cur;
    const uint8_t *p, *end; /* the rest of the current block (borrowed from the transaction) */
    uint8_t term[JKB__TERM_MAX];
    size_t len;
    uint32_t id;
} jkb__term_iter;

int jkb__terms_open(jkb__txn *t, jkb__term_iter *it);
void jkb__terms_close(jkb__term_iter *it);
/* Moves to the first term >= from (len 0: the first term). JKB_ENOTFOUND past the last. */
int jkb__terms_seek(jkb__term_iter *it, const void *from, size_t len);
/* Moves to the next term. JKB_ENOTFOUND past the last. */
int jkb__terms_next(jkb__term_iter *it);

/* A term's id. JKB_ENOTFOUND when the dictionary does not hold it. */
int jkb__terms_get(jkb__txn *t, const void *term, size_t len, uint32_t *id);

typedef struct jkb__term_ref {
    const void *term;
    size_t len;
    uint32_t id; /* out */
} jkb__term_ref;

/*
 * Finds the ids of n distinct terms sorted by bytes (each at most JKB__TERM_MAX bytes),
 * adding the missing ones with ids from *next_id on, in their order. Each block they fall in
 * is read and rewritten once.
 */
int jkb__terms_resolve(jkb__txn *t, jkb__term_ref *terms, size_t n, uint32_t *next_id);

#endif
