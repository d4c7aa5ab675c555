/*
 * Queries: the words of a query string, each analysed like document text into the terms it
 * must match.
 *
 * Grammar (words are separated by ASCII blanks, U+3000 or U+00A0):
 *     query := word { blank word }
 * Every word must match. A word MeCab splits into several terms (ウイルス感染 -> ウイルス,
 * 感染) needs all of them; their positions in the query say how they stand next to each
 * other, which ranking rewards. A word that analyses to nothing (only particles or symbols)
 * is dropped; a query left with no term is malformed.
 */
#ifndef JKB_SEARCHER_QUERY_H
#define JKB_SEARCHER_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "analyzer.h"
#include "error.h"

typedef struct jkb__qterm {
    char term[JKB__TERM_MAX];
    size_t len;
    uint32_t word; /* the word it came from */
    uint32_t qpos; /* position in the query: words follow one another */
    uint32_t uniq; /* index of the first term with the same text */
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

#endif
