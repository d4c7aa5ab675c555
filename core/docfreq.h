/*
 * Document frequencies: how many documents hold each term. They are kept in blocks of
 * JKB__DF_BLOCK term ids, because one entry per term costs LMDB 16 bytes for a 1-byte value:
 *
 *   tinfo  term id / JKB__DF_BLOCK (4 bytes big-endian) -> JKB__DF_BLOCK varints, the
 *          document frequency of each term id of the block in order (0: no document)
 *
 * A block that falls to all zeros is deleted.
 */
#ifndef JKB_CORE_DOCFREQ_H
#define JKB_CORE_DOCFREQ_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define JKB__DF_BLOCK 64

/* Term tid's document frequency (0 when no document holds it). */
int jkb__df_get(jkb__txn *t, uint32_t tid, uint64_t *df);
/* A change of one term's document frequency. */
typedef struct jkb__df_delta {
    uint32_t tid;
    int64_t delta;
} jkb__df_delta;

/*
 * Applies n changes (d is sorted by term id in place; a term may come more than once),
 * reading and writing each block they touch once: a commit changes the frequencies of tens
 * of thousands of terms, 64 to a block. JKB_ECORRUPT if a frequency would go below 0.
 */
int jkb__df_apply(jkb__txn *t, jkb__df_delta *d, size_t n);
/* Adds delta to term tid's document frequency: jkb__df_apply of one change. */
int jkb__df_add(jkb__txn *t, uint32_t tid, int64_t delta);
/* How many terms some document holds. */
int jkb__df_count(jkb__txn *t, uint64_t *n);

#endif
