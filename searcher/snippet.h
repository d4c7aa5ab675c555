/*
 * Snippets: about JKB__SNIPPET_CHARS characters of a document's body around the first passage
 * that holds the whole query (every word, or a split word whole or in its parts), or else
 * the passage that holds the most distinct query terms (then the most matches), cut at
 * sentence ends (。！？ and line breaks) where one is near, never inside a character. When
 * terms the body holds are too far from that passage, up to JKB__SNIPPET_FRAGMENTS fragments
 * share the room, joined by "…". Since the first passage that holds the query decides, a
 * body is read only as far as that passage.
 *
 * Matches are found without MeCab: the body is folded like text (normalize.h) and searched
 * for every surface form that folds to a query term (jkb__term_surfaces), then mapped back
 * to the original bytes through the normaliser's offset map.
 */
#ifndef JKB_SEARCHER_SNIPPET_H
#define JKB_SEARCHER_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "buf.h"
#include "normalize.h"
#include "query.h"

#define JKB__SNIPPET_CHARS 120
#define JKB__SNIPPET_FRAGMENTS 3

typedef struct jkb__snippet {
    char *text;           /* malloc'd, NUL-terminated */
    uint32_t *highlights; /* malloc'd [start, length] pairs in code points */
    size_t n_highlights;
} jkb__snippet;

/* What a query's snippets search the bodies for: every surface form of its positive terms,
   made once per query. */
typedef struct jkb__surfaces {
    const jkb__query *q; /* the query, which outlives them */
    jkb__buf text;  /* the forms, one after another */
    uint32_t *item; /* per form: offset in text, length, term index, flags */
    size_t n;
    size_t cap;
    int rc;
} jkb__surfaces;

/* The surfaces of q's positive terms into s (replacing its content). 0 or JKB_ENOMEM. */
int jkb__surfaces_make(jkb__surfaces *s, const jkb__dict *dict, const jkb__query *q);
void jkb__surfaces_fin(jkb__surfaces *s);

/* Builds the snippet of body[0..len) for the surfaces of a query into out. 0 or
   JKB_ENOMEM. */
int jkb__snippet_make(jkb__snippet *out, const jkb__surfaces *sf, const char *body, size_t len,
                      jkb__norm *scratch);

/* Makes more of a body that is decoded as it is read: *text and *len give all of it decoded
   so far (the text stays where it is), *complete is set once that is the whole body. 0 or
   an error. */
typedef int (*jkb__more_fn)(void *ctx, const char **text, size_t *len, int *complete);

/* jkb__snippet_make over a body read through more, which it stops calling once the text read
   decides the snippet: the first window that holds the query, with the text it needs. The
   snippet is the one the whole body makes. 0, JKB_ENOMEM or what more returned. */
int jkb__snippet_read(jkb__snippet *out, const jkb__surfaces *sf, jkb__more_fn more, void *ctx,
                      jkb__norm *scratch);

void jkb__snippet_fin(jkb__snippet *s);

#endif
