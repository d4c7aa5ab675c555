/*
 * Queries: the words of a query string, each analysed like document text into the terms it
 * must match.
 *
 * Grammar (words are separated by ASCII blanks, U+3000 or U+00A0):
 *     query := word { blank word }
 *     word  := text | text "*"          ("*" or "＊": a prefix)
 * Every word must match. A word MeCab splits into several terms (ウイルス感染 -> ウイルス,
 * 感染) needs all of them; their positions in the query say how they stand next to each
 * other, which ranking rewards. A prefix word is folded like text but never split by MeCab
 * (ランサム* is one prefix, where MeCab would cut ラン + サム) and matches every term that
 * starts with it. A word that analyses to nothing (only particles or symbols) is dropped; a
 * query left with no term is malformed.
 */
#ifndef JKB_SEARCHER_QUERY_H
#define JKB_SEARCHER_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "error.h"

/* How a query term meets the terms of the index. */
typedef enum jkb__match {
    JKB__MATCH_EXACT,
    JKB__MATCH_PREFIX, /* every term starting with it */
    JKB__MATCH_INFIX   /* every term holding it */
} jkb__match;

typedef struct jkb__qterm {
    char term[JKB__TERM_MAX];
    size_t len;
    uint32_t word; /* the word it came from */
    uint32_t qpos; /* position in the query: words follow one another */
    uint32_t uniq; /* index of the first term with the same text */
    jkb__match match;
} jkb__qterm;

typedef struct jkb__query {
    jkb__qterm *terms; /* in query order */
    size_t n_terms;
    size_t cap;
    uint32_t n_words;
    size_t n_uniq;     /* distinct terms; term i with uniq == i is the first of its kind */
} jkb__query;

void jkb__query_fin(jkb__query *q);

/*
 * Parses text into q. JKB_EQUERY for a query with no searchable term, with the message in
 * err and the offending code point offset in *err_offset.
 */
int jkb__query_parse(jkb__query *q, jkb__analyzer *an, const char *text, jkb__err *err,
                     long *err_offset);

/* Makes the last word a prefix (search-box completion): its last term, when the word is
   not a prefix already. */
void jkb__query_complete_last(jkb__query *q);

/* Makes every exact term match as m (prefix, then infix): the relaxed queries tried in turn
   when the exact one finds nothing. */
void jkb__query_relax(jkb__query *q, jkb__match m);

#endif
