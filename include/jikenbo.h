/*
 * jikenbo.h — the public interface of jikenbo, a full-text search engine for Japanese
 * security-incident notices.
 *
 * Conventions:
 *   - Functions return 0 on success or a negative JKB_E* code; jkb_strerror() names the code
 *     and jkb_index_errmsg() / jkb_reader_errmsg() give the detail of the last failure.
 *   - Out-parameters come first and are named out.
 *   - Strings are UTF-8 and NUL-terminated unless a length is passed beside them.
 *   - Every *_close() / *_free() accepts NULL.
 *   - An index handle is used by one thread at a time; open one handle per thread.
 */
#ifndef JKB_JIKENBO_H
#define JKB_JIKENBO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(JKB_BUILDING) && defined(__GNUC__)
#define JKB_API __attribute__((visibility("default")))
#else
#define JKB_API
#endif

/* Error codes. */
#define JKB_OK 0
#define JKB_ENOMEM (-1)    /* out of memory */
#define JKB_EINVAL (-2)    /* bad argument or usage */
#define JKB_EIO (-3)       /* a file or the index could not be read or written */
#define JKB_ENOTFOUND (-4) /* no such document, case or index */
#define JKB_ECORRUPT (-5)  /* stored data is damaged */
#define JKB_EFULL (-6)     /* the disk (or the index's size limit) is full */
#define JKB_ETOKENIZE (-7) /* MeCab or its dictionary failed */
#define JKB_EVERSION (-8)  /* index of another format version */
#define JKB_EANALYZER (-9) /* index built with another analyzer */
#define JKB_EINPUT (-10)   /* an input record was malformed and skipped */
#define JKB_EQUERY (-11)   /* malformed query */

JKB_API const char *jkb_strerror(int code);

/* ---------------------------------------------------------------------------------------- */
/* Documents */

/* An extra stored field (JSON Lines keys beyond the known ones). */
typedef struct jkb_field {
    const char *name;
    const char *value;
} jkb_field;

/*
 * A release as read from input or stored in the index. Every string is non-NULL ("" when
 * missing). date is "YYYY-MM-DD" or "". source_ref is "FILE:LINE" where the post starts.
 */
typedef struct jkb_doc {
    const char *id;
    const char *case_no; /* "2024-217" or "" */
    const char *title;
    const char *org;
    const char *label;   /* the logo caption under a casebook header */
    const char *date;
    const char *body;
    const char *url;
    const char *source_ref;
    const jkb_field *fields;
    size_t n_fields;
} jkb_doc;

/* ---------------------------------------------------------------------------------------- */
/* Reading input: casebook archives and JSON Lines (optionally gzip-compressed) */

typedef enum jkb_format { JKB_FORMAT_AUTO = 0, JKB_FORMAT_CASEBOOK, JKB_FORMAT_JSONL } jkb_format;

/* Called for every record that is skipped or repaired: file, 1-based line, message. */
typedef void (*jkb_warn_fn)(const char *file, uint64_t line, const char *msg, void *payload);

typedef struct jkb_reader_options {
    unsigned version;     /* JKB_READER_OPTIONS_VERSION */
    jkb_format format;
    size_t max_doc_bytes; /* larger documents are skipped; 0: JKB_DEFAULT_MAX_DOC_BYTES */
    jkb_warn_fn warn;     /* NULL: warnings are only counted */
    void *warn_payload;
} jkb_reader_options;

#define JKB_READER_OPTIONS_VERSION 1
#define JKB_READER_OPTIONS_INIT {JKB_READER_OPTIONS_VERSION, JKB_FORMAT_AUTO, 0, NULL, NULL}
#define JKB_DEFAULT_MAX_DOC_BYTES ((size_t)64 << 20)

typedef struct jkb_reader jkb_reader;

/* Opens path ("-" for standard input); .gz input is inflated transparently. */
JKB_API int jkb_reader_open(jkb_reader **out, const char *path, const jkb_reader_options *opts);

/*
 * Reads the next document into *out, valid until the next call or jkb_reader_close().
 * Returns 1 for a document, 0 at the end of input, or a negative code when the input cannot
 * be read on: JKB_EINPUT for a file that is not UTF-8 text (binary data, or Shift_JIS),
 * JKB_EIO for an I/O error or a truncated gzip stream. Malformed records are skipped with a
 * warning and counted in jkb_reader_skipped().
 */
JKB_API int jkb_reader_next(jkb_reader *r, const jkb_doc **out);
JKB_API uint64_t jkb_reader_skipped(const jkb_reader *r);
JKB_API uint64_t jkb_reader_bytes(const jkb_reader *r); /* input bytes consumed so far */
JKB_API const char *jkb_reader_errmsg(const jkb_reader *r);
JKB_API void jkb_reader_close(jkb_reader *r);

/* ---------------------------------------------------------------------------------------- */
/* The index */

typedef struct jkb_index jkb_index;

typedef struct jkb_options {
    unsigned version;        /* JKB_OPTIONS_VERSION */
    int readonly;            /* open for searching only */
    int create;              /* create the index directory when missing */
    int ignore_analyzer;     /* open even when the analyzer fingerprint differs */
    const char *dicdir;      /* MeCab system dictionary; NULL: JKB_DEFAULT_DICDIR */
    const char *datadir;     /* user dictionary + variant table; NULL: built-in location */
    size_t batch_bytes;      /* the writer's memory, buffered changes and all; 0: 512 MiB */
    unsigned threads;        /* analysis threads beside the caller's, which writes; 0: none */
} jkb_options;

#define JKB_OPTIONS_VERSION 1
#define JKB_OPTIONS_INIT {JKB_OPTIONS_VERSION, 0, 0, 0, NULL, NULL, 0, 0}
#define JKB_DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"

/*
 * Opens (or with opts->create, creates) the index in directory path. Fails with JKB_EVERSION
 * for another format version and JKB_EANALYZER for another analyzer. On failure *out is still
 * set, when memory allowed, so that jkb_index_errmsg() can explain; close it.
 */
JKB_API int jkb_index_open(jkb_index **out, const char *path, const jkb_options *opts);
JKB_API void jkb_index_close(jkb_index *ix);
JKB_API const char *jkb_index_errmsg(const jkb_index *ix);

/*
 * Adds a document, replacing any document with the same id. Documents are buffered and
 * written by jkb_index_commit(), or automatically when the buffer is full; nothing is visible
 * to readers before it is committed. Returns JKB_EINPUT (document skipped, index unchanged)
 * for a document that has neither title nor body. With opts->threads > 0 the analysis runs on
 * worker threads: a failure to analyse a document is then reported by a later add, a delete or
 * the commit. When an automatic commit fails, every buffered change is dropped, those still
 * with the worker threads too.
 */
JKB_API int jkb_index_add(jkb_index *ix, const jkb_doc *doc);

/* Deletes the document with this id: JKB_ENOTFOUND when there is none. Buffered like add. */
JKB_API int jkb_index_delete(jkb_index *ix, const char *id);

/* Writes every buffered change in one transaction. On failure nothing of the batch is kept. */
JKB_API int jkb_index_commit(jkb_index *ix);

/* Drops every buffered change. */
JKB_API void jkb_index_rollback(jkb_index *ix);

/*
 * Calls fn(payload, changes) after each commit that wrote something, automatic ones included:
 * changes is how many adds and deletes it wrote. They are those made first: changes commit
 * in the order they were made. fn NULL stops the calls.
 */
typedef void (*jkb_commit_hook)(void *payload, uint64_t changes);
JKB_API void jkb_index_on_commit(jkb_index *ix, jkb_commit_hook fn, void *payload);

typedef struct jkb_table_stats {
    const char *name;
    uint64_t entries;
    uint64_t bytes; /* pages in use times page size */
} jkb_table_stats;

#define JKB_MAX_TABLES 16

typedef struct jkb_stats {
    uint64_t documents;
    uint64_t terms;
    uint64_t tokens;      /* indexed tokens over all documents */
    uint64_t bytes;       /* pages in use over all tables */
    uint64_t file_bytes;  /* size of the data file */
    uint32_t format_version;
    char analyzer[96];    /* fingerprint of dictionary, user dictionary and variant table */
    size_t n_tables;
    jkb_table_stats tables[JKB_MAX_TABLES];
} jkb_stats;

JKB_API int jkb_index_stats(jkb_index *ix, jkb_stats *out);

/*
 * Verifies the index in one read transaction: every postings block decodes in order and its
 * score bound holds, every posting's document is stored, the postings hold as many of each
 * document's tokens per field as its columns count, document frequencies and the document
 * count match, and the id, column and stored-document tables agree.
 * JKB_ECORRUPT names the first problem in jkb_index_errmsg().
 */
JKB_API int jkb_index_check(jkb_index *ix);

/*
 * Writes a copy of the committed index into dest (a directory that holds no index yet) with
 * every table's entries appended in key order, so that its pages are full: an index built in
 * many commits leaves pages half full where its entries grew or split. *bytes_out (may be
 * NULL) gets the copy's file size. Readers and the writer of ix go on meanwhile; changes not
 * committed are not copied. JKB_EINVAL when dest holds an index already.
 */
JKB_API int jkb_index_compact(jkb_index *ix, const char *dest, uint64_t *bytes_out);

/*
 * Fetches a stored document by id into *out; its strings stay valid until the next call on
 * ix. JKB_ENOTFOUND when there is none.
 */
JKB_API int jkb_index_get(jkb_index *ix, const char *id, const jkb_doc **out);

/*
 * Calls fn for every release of a case, oldest first (then by id). JKB_ENOTFOUND when the
 * case has none. The document passed to fn is valid during the call only; a non-zero return
 * from fn stops the walk and is returned.
 */
typedef int (*jkb_doc_fn)(const jkb_doc *doc, void *payload);
JKB_API int jkb_index_case(jkb_index *ix, const char *case_no, jkb_doc_fn fn, void *payload);

/* ---------------------------------------------------------------------------------------- */
/* Searching */

/* The indexed fields, in the order of the arrays below. */
#define JKB_FIELDS 4
JKB_API const char *jkb_field_name(int field); /* "title", "label", "body", "org" */

typedef struct jkb_search_options {
    unsigned version; /* JKB_SEARCH_OPTIONS_VERSION */
    size_t limit;     /* hits to return; 0: 10 */
    size_t offset;    /* hits (groups) to pass over first */
    int no_group;     /* one hit per release instead of one per case */
    int complete;     /* the last word is partial (a search box): match it as a prefix */
    int explain;      /* fill each hit's explain */
    double weights[JKB_FIELDS]; /* BM25 weight per field; all 0: title 3, label 1.5, body 1,
                                   org 1 */
} jkb_search_options;

#define JKB_SEARCH_OPTIONS_VERSION 1
#define JKB_SEARCH_OPTIONS_INIT {JKB_SEARCH_OPTIONS_VERSION, 10, 0, 0, 0, 0, {0, 0, 0, 0}}

/* What one query term added to a hit's score, through each field. */
typedef struct jkb_explain_term {
    const char *term;          /* as folded; a prefix ends in "*" */
    double field[JKB_FIELDS];
} jkb_explain_term;

/* Another release of the same case as a hit. */
typedef struct jkb_related {
    const char *id;
    const char *title;
    const char *date;
    int matched; /* it matches the query too */
} jkb_related;

typedef struct jkb_hit {
    const char *id;
    const char *case_no;
    const char *title;
    const char *org;
    const char *date;
    double score;
    /* About 120 characters of the body around the best passage, plain text, cut on
       character boundaries; highlights are [start, length] pairs in code points into it. */
    const char *snippet;
    const uint32_t *highlights; /* 2 * n_highlights values */
    size_t n_highlights;
    const jkb_related *related; /* oldest first; empty with no_group */
    size_t n_related;
    /* With opts->explain: the score is the sum of every term's field contributions plus
       proximity. */
    const jkb_explain_term *explain;
    size_t n_explain;
    double proximity;
} jkb_hit;

typedef struct jkb_results jkb_results;

/*
 * Runs a query: space-separated words must all match; a word that MeCab splits (ウイルス感染)
 * needs all its parts, and documents holding them next to each other rank first; a word
 * ending in * (ランサム*) matches every term starting with it. When no document holds every
 * word, each word is tried as a prefix. Ranking is BM25 over fields (title above label above
 * body) with a proximity boost; ties go to the newer date, then the earlier-indexed release. JKB_EQUERY for a query with no searchable word, with the reason
 * in jkb_index_errmsg() and the offending character in jkb_index_erroffset().
 */
JKB_API int jkb_search(jkb_index *ix, const char *query, const jkb_search_options *opts,
                       jkb_results **out);
JKB_API size_t jkb_results_count(const jkb_results *r);
JKB_API const jkb_hit *jkb_results_hit(const jkb_results *r, size_t i);
/* Matching hits (groups when grouped) in all; a lower bound when jkb_results_total_exact()
   is 0. */
JKB_API uint64_t jkb_results_total(const jkb_results *r);
JKB_API int jkb_results_total_exact(const jkb_results *r);
JKB_API void jkb_results_free(jkb_results *r);

/* A completion of a partial word: an indexed term (in its folded form) and how many
   documents hold it. */
typedef struct jkb_suggestion {
    char term[128];
    uint64_t df;
} jkb_suggestion;

/*
 * Completes prefix (folded like text, never split by MeCab) into the indexed terms that
 * start with it, the most frequent first (then in term order): at most cap into out, their
 * number in *n.
 */
JKB_API int jkb_suggest(jkb_index *ix, const char *prefix, jkb_suggestion *out, size_t cap,
                        size_t *n);

/* Code point offset into the query of the last JKB_EQUERY error, or -1. */
JKB_API long jkb_index_erroffset(const jkb_index *ix);

#ifdef __cplusplus
}
#endif
#endif /* JKB_JIKENBO_H */
