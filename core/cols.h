/*
 * Per-document columns: the fixed facts that ranking, grouping and date filters read for
 * every candidate. They are kept in chunks of JKB__COLS_CHUNK documents laid out as arrays,
 * so that a query finds a candidate's columns at a fixed offset of the chunk it read once:
 *
 *   cols  chunk number (doc id / JKB__COLS_CHUNK, 4 bytes big-endian) -> a bitmap of the
 *         chunk's documents that exist (JKB__COLS_MAP bytes; bit i % 8 of byte i / 8: doc id
 *         chunk * JKB__COLS_CHUNK + i), then JKB__COLS_BYTES per document up to the last that
 *         exists: int32 day, uint32 case key, then uint32 token count per field,
 *         little-endian (zeros for a document that does not exist).
 *
 * A chunk takes 24.7 KB at most: LMDB keeps it in overflow pages of its own, in one piece,
 * 28 bytes a document. A chunk without documents is removed.
 */
#ifndef JKB_CORE_COLS_H
#define JKB_CORE_COLS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "postings.h"
#include "store.h"

#define JKB__COLS_CHUNK 1024
#define JKB__COLS_MAP (JKB__COLS_CHUNK / 8)
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

/* Writes the columns of many documents, each chunk read and written once when they come in
   ascending order. What it holds is written by jkb__colwriter_finish, not before. */
typedef struct jkb__colwriter {
    uint32_t chunk; /* the chunk in buf, or UINT32_MAX */
    size_t n;       /* documents buf holds room for: up to the last that exists */
    uint8_t buf[JKB__COLS_MAP + JKB__COLS_CHUNK * JKB__COLS_BYTES];
} jkb__colwriter;

void jkb__colwriter_init(jkb__colwriter *w);
int jkb__colwriter_put(jkb__colwriter *w, jkb__txn *t, uint32_t doc, const jkb__cols *c);
/* Writes the chunk it holds (on error, leaves it unwritten). */
int jkb__colwriter_finish(jkb__colwriter *w, jkb__txn *t);

/* Reads columns through one cursor, keeping the current chunk: documents asked for in
   ascending order cost one chunk read per chunk. */
typedef struct jkb__colreader {
    jkb__cursor *cur;
    uint32_t chunk; /* the chunk in val, or UINT32_MAX */
    jkb__val val;   /* empty when the chunk does not exist */
    size_t n;       /* documents val has room for, checked against its bitmap once */
} jkb__colreader;

int jkb__colreader_open(jkb__colreader *r, jkb__txn *t);
void jkb__colreader_close(jkb__colreader *r);
/* Like jkb__cols_get. */
int jkb__colreader_get(jkb__colreader *r, uint32_t doc, jkb__cols *out);
/* Whether a chunk's bitmap says that its document i exists. */
static inline int jkb__cols_has(const void *map, size_t i)
{
    return ((const uint8_t *)map)[i / 8] >> (i % 8) & 1;
}

/* Where document i's columns start in a chunk's value v with room for n, or NULL when it does
   not exist. */
static inline const uint8_t *jkb__cols_record(const jkb__val *v, size_t n, size_t i)
{
    if (i >= n || !jkb__cols_has(v->data, i))
        return NULL;
    return (const uint8_t *)v->data + JKB__COLS_MAP + i * JKB__COLS_BYTES;
}

/* Document doc's token counts per field alone (out->len of jkb__colreader_get), read in place
   when r holds its chunk (a walk asks for many in a row), else through
   jkb__colreader_lens_load. */
int jkb__colreader_lens_load(jkb__colreader *r, uint32_t doc, uint32_t len[JKB__NFIELDS]);
static inline int jkb__colreader_lens(jkb__colreader *r, uint32_t doc,
                                      uint32_t len[JKB__NFIELDS])
{
    const uint8_t *rec;
    size_t f;
    if (doc / JKB__COLS_CHUNK != r->chunk ||
        (rec = jkb__cols_record(&r->val, r->n, doc % JKB__COLS_CHUNK)) == NULL)
        return jkb__colreader_lens_load(r, doc, len);
    for (f = 0; f < JKB__NFIELDS; f++)
        len[f] = jkb__le32_get(rec + 8 + 4 * f);
    return 0;
}
/* The first document >= *doc, into *doc and out: JKB_ENOTFOUND past the last. */
int jkb__colreader_next(jkb__colreader *r, uint32_t *doc, jkb__cols *out);

/* Has the CPU fetch doc's columns when r holds its chunk: a walk that finds a likely
   candidate some steps before it scores it overlaps the fetch with those steps. */
static inline void jkb__colreader_prefetch(const jkb__colreader *r, uint32_t doc)
{
    if (doc / JKB__COLS_CHUNK == r->chunk && doc % JKB__COLS_CHUNK < r->n)
        __builtin_prefetch((const uint8_t *)r->val.data + JKB__COLS_MAP +
                           doc % JKB__COLS_CHUNK * JKB__COLS_BYTES);
}

#endif
