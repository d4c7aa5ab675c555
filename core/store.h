/*
 * The LMDB environment and its tables; the only file that includes <lmdb.h>.
 *
 * The index is one LMDB environment (a directory) holding these named tables. Integers in
 * keys are big-endian so that LMDB's byte order is numeric order; integers in values are
 * LEB128 varints unless said otherwise.
 *
 *   meta    "format"   -> varint format version (JKB__FORMAT_VERSION)
 *           "analyzer" -> the analyzer fingerprint the index was built with
 *           "counts"   -> varints: next doc id, next term id, documents, then per field the
 *                         total token count (for the average field length of BM25), then
 *                         per field the reference average of block bounds (bm25.h), and
 *                         the bytes left on the docs table's last page (index.h)
 *           "zdict"    -> the preset zlib dictionary of stored documents, made once
 *   terms   a block's first term -> the block: consecutive terms (folded, at most 128 bytes
 *           each), front-coded, with their varint ids (termdict.h). Sorted by bytes, so a
 *           prefix is a range. A term whose documents were all deleted keeps its id.
 *   tinfo   term id / 64 (4) -> the document frequencies of those terms (docfreq.h)
 *   post    term id (4) + last doc id of the block (4) -> a postings block (postings.h)
 *   docs    doc id (4) + chunk number (2) -> a piece of the stored document, packed text
 *           zlib-compressed (docstore.h), cut so that the pieces fill LMDB's leaf pages
 *           (index.h), where whole records of 1-4 KiB would leave them, or overflow pages,
 *           half empty
 *   cols    doc id / 1024 (4) -> the fixed columns of those documents as arrays, in one
 *           chunk (cols.h): date as days since 1970-01-01, case key (index.h: jkb__case_key),
 *           token count per field
 *   ids     external id -> doc id (4)
 *   cases   case number + 0x00 + doc id (4) -> empty
 *
 * Fields, in the order of per-field arrays: title, label (logo caption), body, org.
 * Keys arriving in order are appended (MDB_APPEND), which keeps pages full.
 * Internal doc ids only grow and are never reused. Every change happens in one write
 * transaction, so a reader sees a batch of documents entirely or not at all.
 */
#ifndef JKB_CORE_STORE_H
#define JKB_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define JKB__FORMAT_VERSION 8

typedef enum jkb__table {
    JKB__T_META,
    JKB__T_TERMS,
    JKB__T_TINFO,
    JKB__T_POST,
    JKB__T_DOCS,
    JKB__T_COLS,
    JKB__T_IDS,
    JKB__T_CASES,
    JKB__NTABLES
} jkb__table;

/* Internal code: the map is full; the writer grows it and retries its batch. */
#define JKB__EMAPFULL (-100)

typedef struct jkb__store jkb__store;
typedef struct jkb__txn jkb__txn;
typedef struct jkb__cursor jkb__cursor;

typedef struct jkb__val {
    const uint8_t *data; /* borrowed: valid until the transaction ends or the next write */
    size_t len;
} jkb__val;

/*
 * Opens the environment in directory path (creating it when create). map_size is the initial
 * virtual size of the map (0: 1 GiB); an existing larger file keeps its own.
 */
int jkb__store_open(jkb__store **out, const char *path, int readonly, int create,
                    size_t map_size, jkb__err *err);
void jkb__store_close(jkb__store *s);

/* Doubles the map size. Only call with no transaction open in this process. */
int jkb__store_grow(jkb__store *s, jkb__err *err);

int jkb__txn_begin(jkb__store *s, int write, jkb__txn **out, jkb__err *err);
int jkb__txn_commit(jkb__txn *t, jkb__err *err); /* frees t, also on failure */
void jkb__txn_abort(jkb__txn *t);                /* accepts NULL */

/* JKB_ENOTFOUND when the key is absent. */
int jkb__get(jkb__txn *t, jkb__table tb, const void *key, size_t klen, jkb__val *out);
int jkb__put(jkb__txn *t, jkb__table tb, const void *key, size_t klen, const void *val,
             size_t vlen);
/* JKB_ENOTFOUND when the key is absent. */
int jkb__del(jkb__txn *t, jkb__table tb, const void *key, size_t klen);

int jkb__cursor_open(jkb__txn *t, jkb__table tb, jkb__cursor **out);
void jkb__cursor_close(jkb__cursor *c);
/* Positions at the first key >= key (klen 0: the first key). JKB_ENOTFOUND past the end. */
int jkb__cursor_seek(jkb__cursor *c, const void *key, size_t klen, jkb__val *k, jkb__val *v);
/* Like jkb__cursor_seek, for readers walking forward: a key a few entries after the cursor's
   is reached by stepping (a step costs a fraction of a descent from the root). */
int jkb__cursor_seek_near(jkb__cursor *c, const void *key, size_t klen, jkb__val *k,
                          jkb__val *v);
int jkb__cursor_next(jkb__cursor *c, jkb__val *k, jkb__val *v);
int jkb__cursor_prev(jkb__cursor *c, jkb__val *k, jkb__val *v);
int jkb__cursor_last(jkb__cursor *c, jkb__val *k, jkb__val *v);

typedef struct jkb__table_stat {
    const char *name;
    uint64_t entries;
    uint64_t bytes;
} jkb__table_stat;

int jkb__store_table_stat(jkb__txn *t, jkb__table tb, jkb__table_stat *out);
/* LMDB's page size (the system's). */
size_t jkb__txn_page_size(const jkb__txn *t);
/* Size of the data file in bytes. */
uint64_t jkb__store_file_bytes(const jkb__store *s);

#endif
