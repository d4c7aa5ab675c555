/*
 * Queries: a parser from the query language to a tree whose leaves are analysed like
 * document text.
 *
 * Grammar (blanks are ASCII spaces and tabs, U+3000 and U+00A0):
 *     query   := all
 *     all     := any { any }                     juxtaposition: every part must match
 *     any     := unary { ("OR" | "|") unary }    one of the parts must match
 *     unary   := "-" unary | primary             the part must not match
 *     primary := "(" all ")" | phrase | field | "#" case | word
 *     phrase  := '"' text '"' | "「" text "」"     the words next to each other, in order
 *     field   := name ":" (phrase | value)       name: case org title body label date
 *     word    := text [ "*" | "＊" ]              "*": every term starting with it
 * so "-" binds tightest, then OR, then the implicit AND: A B OR C is A AND (B OR C). A name
 * that is not a field's (A05:2021) leaves the word as text. A word MeCab splits (ウイルス感染
 * -> ウイルス, 感染) needs all its parts, which rank first when they stand as in the query;
 * a word that analyses to nothing (only particles or symbols) is dropped.
 *
 * Dates: date:2024-05-01..2024-06-30 (either end may be left open), date:>=2024-05,
 * date:<2024, date:2024-05 (the whole month); YYYY, YYYY-MM or YYYY-MM-DD.
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
    uint32_t node;   /* the word or phrase it belongs to */
    uint32_t qpos;   /* position in the query: words follow one another */
    uint32_t fields; /* bit mask of the fields it may match in */
    uint32_t uniq;   /* index of the first term with the same text, match and fields */
    jkb__match match;
    int negated;     /* under a "-": it must not match, and it does not score */
    uint64_t df;     /* documents holding it, once searched */
} jkb__qterm;

typedef enum jkb__qkind {
    JKB__Q_ALL,    /* kids: every one matches */
    JKB__Q_ANY,    /* kids: one matches */
    JKB__Q_NOT,    /* kid: does not match */
    JKB__Q_WORD,   /* terms: every one matches in the node's fields */
    JKB__Q_PHRASE, /* terms: next to each other, in order, within one field */
    JKB__Q_CASE,   /* a case number */
    JKB__Q_DATE    /* a range of days */
} jkb__qkind;

typedef struct jkb__qnode {
    jkb__qkind kind;
    uint32_t first;   /* kids or terms: [first, first + n) of q->kids or q->terms */
    uint32_t n;
    char case_no[32]; /* JKB__Q_CASE */
    int32_t day_lo;   /* JKB__Q_DATE, inclusive */
    int32_t day_hi;
} jkb__qnode;

typedef struct jkb__query {
    jkb__qterm *terms;
    size_t n_terms;
    size_t cap_terms;
    jkb__qterm **order; /* scratch for finding repeated terms, as long as terms */
    size_t cap_order;
    jkb__qnode *nodes;
    size_t n_nodes;
    size_t cap_nodes;
    uint32_t *kids;
    size_t n_kids;
    size_t cap_kids;
    uint32_t root;
    int plain; /* only words: no operator, phrase or field (relaxed retries apply) */
} jkb__query;

#define JKB__ALL_FIELDS 0xFFu

void jkb__query_fin(jkb__query *q);

/*
 * Parses text into q. JKB_EQUERY for a malformed query (an unclosed quote or parenthesis, a
 * lone OR, a bad date, nothing to search for), with the message in err and the code point
 * offset of the offending character in *err_offset.
 */
int jkb__query_parse(jkb__query *q, jkb__analyzer *an, const char *text, jkb__err *err,
                     long *err_offset);

/* Makes the last term a prefix (search-box completion) unless it is one already. */
void jkb__query_complete_last(jkb__query *q);

/* Makes the terms that no more than max_df documents hold match as m (prefix, then infix:
   only katakana or Latin runs, which MeCab keeps inside longer unknown words): the relaxed
   queries tried in turn when a plain query finds nothing. 0 when no term changed. */
int jkb__query_relax(jkb__query *q, jkb__match m, uint64_t max_df);

#endif
