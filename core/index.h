/* The index handle shared by the core, the indexer and the searcher. */
#ifndef JKB_CORE_INDEX_H
#define JKB_CORE_INDEX_H

#include "analyzer.h"
#include "cols.h"
#include "docfreq.h"
#include "docstore.h"
#include "error.h"
#include "jikenbo.h"
#include "postings.h"
#include "store.h"

/* The corpus counters kept in meta "counts". */
typedef struct jkb__counts {
    uint32_t next_doc;
    uint32_t next_term;
    uint64_t docs;
    uint64_t field_tokens[JKB__NFIELDS];
    /* Per field, the smallest reference average of block bounds (bm25.h), in
       JKB__AVGLEN_UNIT; 0 while no block has the field. */
    uint32_t bound_avglen[JKB__NFIELDS];
    /* The bytes left on the docs table's last leaf page, as jkb__docs_put reckons them. */
    uint32_t docs_room;
} jkb__counts;

struct jkb__batch; /* the writer's buffered changes (indexer/writer.c) */

struct jkb_index {
    jkb__err err;
    long err_offset; /* code point offset of the last query error, or -1 */
    jkb_options opts;
    jkb__store *store;
    jkb__dict *dict;
    jkb__analyzer *analyzer;
    jkb__docbuf docbuf; /* holds the document jkb_index_get() returned */
    jkb__buf zdict;     /* the preset dictionary of stored documents, once read or made */
    int zdict_loaded;   /* zdict holds the index's dictionary (or it has none yet) */
    int zdict_pending;  /* zdict was made by the batch and is written with it */
    struct jkb__pool *pool; /* worker threads preparing documents (indexer/prepare.c) */
    struct jkb__batch *batch;
    void (*batch_free)(struct jkb_index *ix); /* frees batch and pool */
    jkb_commit_hook on_commit;
    void *on_commit_payload;
    uint64_t commits; /* commits attempted through this handle */
};

/*
 * Stored documents (table docs): doc id (4) + chunk number (2) -> a piece of the record. A
 * new document's keys come after all others, so LMDB appends its pieces to the table's last
 * leaf page while they fit; the writer reckons the room left there (*room, kept in the
 * counts: 0 for unknown) and cuts each piece to fill it, so that pages are full where whole
 * records would leave leaf or overflow pages half empty and pieces of one size would leave
 * a piece's worth free at the end of each page (livedoor: 11.5 MB in pieces of 512 bytes,
 * 10.6 MB cut to fit, for 10.3 MB of records). A reckoning that is off (a delete on the
 * last page) costs room, never data.
 */
int jkb__docs_put(jkb__txn *t, uint32_t doc, const uint8_t *rec, size_t len, uint32_t *room);
int jkb__docs_del(jkb__txn *t, uint32_t doc);
/* Reads and decodes stored document doc into db. JKB_ENOTFOUND when there is none. */
int jkb__docs_read(jkb_index *ix, jkb__txn *t, uint32_t doc, jkb__docbuf *db,
                   const jkb_doc **out);
/* Reads stored document doc and begins decoding it into db a piece at a time
   (jkb__doc_begin), for as long as t lives. JKB_ENOTFOUND when there is none. */
int jkb__docs_begin(jkb_index *ix, jkb__txn *t, uint32_t doc, jkb__docbuf *db);

/* The preset dictionary from meta "zdict" into ix->zdict (once; it never changes). */
int jkb__zdict_load(jkb_index *ix, jkb__txn *t);
#define JKB__META_ZDICT "zdict"

int jkb__counts_read(jkb__txn *t, jkb__counts *out);
int jkb__counts_write(jkb__txn *t, const jkb__counts *c);

/*
 * A number standing for a case number, so that results group by case without reading the
 * stored documents: YYYY-N (N < 100000) is YYYY * 100000 + N; any other non-empty string is
 * a hash with the top bit set. 0 for "".
 */
uint32_t jkb__case_key(const char *case_no);

/* "YYYY-MM-DD" (or "YYYY-MM", "YYYY") to days since 1970-01-01; JKB__NO_DATE when invalid. */
int32_t jkb__date_to_day(const char *date);

#endif
