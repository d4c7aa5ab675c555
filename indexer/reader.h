/*
 * Input readers: the line source shared by both formats, the document builder they fill,
 * and the two parsers (archive.c for casebook archives, jsonl.c for JSON Lines).
 */
#ifndef JKB_INDEXER_READER_H
#define JKB_INDEXER_READER_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "buf.h"
#include "jikenbo.h"
#include "strmap.h"

/* The strings of a document under construction, kept in one arena. */
enum { JKB__D_ID, JKB__D_CASE, JKB__D_TITLE, JKB__D_ORG, JKB__D_LABEL, JKB__D_DATE,
       JKB__D_BODY, JKB__D_URL, JKB__D_SOURCE, JKB__D_NSTR };

typedef struct jkb__docb {
    jkb__buf arena;
    size_t off[JKB__D_NSTR]; /* SIZE_MAX: "" */
    size_t *extra;           /* name, value offsets */
    size_t n_extra;
    size_t extra_cap;
    jkb_field *fields;
    jkb_doc doc;
} jkb__docb;

void jkb__docb_reset(jkb__docb *d);
void jkb__docb_fin(jkb__docb *d);
/* Sticky rc. */
void jkb__docb_set(int *rc, jkb__docb *d, int slot, const char *s, size_t len);
void jkb__docb_add_field(int *rc, jkb__docb *d, const char *name, size_t nlen, const char *val,
                         size_t vlen);
int jkb__docb_has(const jkb__docb *d, int slot);
const char *jkb__docb_get(const jkb__docb *d, int slot, size_t *len);
/* Points d->doc's strings into the arena and returns it. */
int jkb__docb_finish(jkb__docb *d, const jkb_doc **out);

/* The casebook archive's own lines that SPEC 1.1 names, in UTF-8: the one after a post's
   release text ("release text archive", 10 characters) and the one above the
   cross-references inside a post ("related casebook entries", 5 characters). Written as
   bytes: the format's words, not text of any archive. */
#define JKB__ARCHIVE_LINE                                                                       \
    "\xE3\x83\xAA\xE3\x83\xAA\xE3\x83\xBC\xE3\x82\xB9\xE6\x96\x87\xE3\x82\xA2\xE3\x83\xBC" \
    "\xE3\x82\xAB\xE3\x82\xA4\xE3\x83\x96"
#define JKB__RELATED_LINE "\xE9\x96\xA2\xE9\x80\xA3\xE4\xBA\x8B\xE4\xBB\xB6\xE7\xB0\xBF"

/* Casebook parser state (archive.c). */
typedef struct jkb__archive {
    int in_post;
    int expect_label;
    int bad;              /* the current post holds invalid text: skip it */
    int too_large;        /* the current post is larger than max_doc_bytes: skip it */
    uint64_t bad_line;
    uint64_t start_line;
    int prev_was_related; /* the previous non-blank line was JKB__RELATED_LINE */
    jkb__buf body;
    jkb__buf title;
    jkb__buf label;
    jkb__buf case_no;
    jkb__buf date;
} jkb__archive;

struct jkb_reader {
    jkb_reader_options opts;
    char *path;
    const char *name; /* the file name in source_ref and messages */
    gzFile gz;
    jkb_format format;
    uint8_t *in;      /* read buffer */
    size_t in_len;
    size_t in_pos;
    int eof;
    int io_error;
    int sniffed;      /* the first bytes were looked at (reader.c: sniff) */
    jkb__buf line;
    jkb__buf scratch; /* a JSON line's decoded strings */
    uint64_t lineno;
    int line_too_long;
    uint64_t skipped;
    uint64_t bytes;
    jkb__docb doc;
    jkb__archive archive;
    jkb__buf ids;     /* ids handed out so far, to keep derived ids unique */
    jkb__strmap id_map;
    size_t *id_offs;
    size_t n_ids;
    size_t ids_cap;
    char errmsg[512];
};

/*
 * Reads the next line (without its \n or \r\n; a leading BOM removed) into r->line, NUL-
 * terminated. 1 for a line, 0 at the end, JKB_EIO when the input cannot be read on.
 */
int jkb__reader_getline(jkb_reader *r);

/* Reports a skipped or repaired record at line. */
void jkb__reader_warn(jkb_reader *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Makes id unique within this input by appending -2, -3 ... and records it. Sticky rc. */
void jkb__reader_unique_id(int *rc, jkb_reader *r, jkb__buf *id);

/* Derives a stable id from case number, title and date: "CASE-xxxxxxxx" or "doc-xxxxxxxx". */
void jkb__derive_id(int *rc, jkb__buf *out, const char *case_no, const char *title,
                    const char *date);

int jkb__archive_next(jkb_reader *r, const jkb_doc **out);
void jkb__archive_fin(jkb__archive *a);
int jkb__jsonl_next(jkb_reader *r, const jkb_doc **out);
/* 1 (the default): lines that are objects of strings are read without jansson. Tests turn it
   off to compare the two readings. */
extern int jkb__jsonl_fast_path;

#endif
