/*
 * Per-document columns: the fixed facts that ranking, grouping and date filters read for
 * every candidate. They are kept in blocks of JKB__COLS_BLOCK documents, so that a query
 * walking its candidates in doc order reads each block once instead of one entry each:
 *
 *   cols  block number (doc id / JKB__COLS_BLOCK, 4 bytes big-endian) -> uint32 LE mask of
 *         the block's documents that exist (bit i: doc id block * JKB__COLS_BLOCK + i), then
 *         for each of them in order JKB__COLS_BYTES: int32 day, uint32 case key, then uint32
 *         token count per field, little-endian.
 *
 * 32 documents take at most 772 bytes: five blocks fill a 4 KiB page.
 */
#ifndef JKB_CORE_COLS_H
#define JKB_CORE_COLS_H

#include <stdint.h>

#include "postings.h"
#include "store.h"

#define JKB__COLS_BLOCK 32
#define JKB__COLS_BYTES (8 + 4 * JKB__NFIELDS)
#define JKB__NO_DATE INT32_MIN

typedef struct jkb__cols {
    int32_t day;                 /* days since 1970-01-01, or JKB__NO_DATE */
    uint32_t case_key;           /* jkb__case_key() of the case number; 0 without one */
    uint32_t len[JKB__NFIELDS];  /* indexed tokens per field */
} jkb__cols;

/* Document doc's columns: JKB_ENOTFOUND when there is no such document. */
int jkb__cols_get(jkb__txn *t, uint32_t doc, jkb__cols *out);
/* Writes (or replaces) document doc's columns. */
int jkb__cols_put(jkb__txn *t, uint32_t doc, const jkb__cols *c);
/* Removes document doc's columns: JKB_ENOTFOUND when there are none. */
int jkb__cols_del(jkb__txn *t, uint32_t doc);

/* Reads columns through one cursor, keeping the current block: documents asked for in
   ascending order cost one block read per block. */
typedef struct jkb__colreader {
    jkb__cursor *cur;
    uint32_t block; /* the block in val, or UINT32_MAX */
    jkb__val val;   /* empty when the block does not exist */
    uint32_t mask;  /* val's documents, checked against its length once */
} jkb__colreader;

int jkb__colreader_open(jkb__colreader *r, jkb__txn *t);
void jkb__colreader_close(jkb__colreader *r);
/* Like jkb__cols_get. */
int jkb__colreader_get(jkb__colreader *r, uint32_t doc, jkb__cols *out);
/* The first document >= *doc, into *doc and out: JKB_ENOTFOUND past the last. */
int jkb__colreader_next(jkb__colreader *r, uint32_t *doc, jkb__cols *out);

#endif
