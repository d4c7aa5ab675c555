/* The query parser (grammar in query.h): a lexer over the UTF-8 text that keeps code point
   offsets for messages, and a recursive-descent parser building the tree. */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "index.h"
#include "postings.h"
#include "utf8.h"

#define MAX_DEPTH 64 /* nested parentheses and minus signs */

typedef enum tok_kind {
    T_END,
    T_LPAREN,
    T_RPAREN,
    T_OR,
    T_MINUS,
    T_PHRASE, /* text = the words inside the quotes */
    T_WORD,   /* text = the word */
    T_FIELD,  /* name, then text = the value (or the phrase when phrase) */
    T_CASE    /* text = the case number after # */
} tok_kind;

typedef struct token {
    tok_kind kind;
    const char *text;
    size_t len;
    int phrase;      /* T_FIELD: the value was quoted */
    unsigned field;  /* T_FIELD: which */
    size_t at;       /* byte offset where the token starts */
    size_t value_at; /* byte offset of the text */
} token;

typedef struct parser {
    jkb__query *q;
    jkb__analyzer *an;
    const char *s;
    size_t len;
    size_t pos;     /* lexer position (bytes) */
    token tok;      /* the current token */
    uint32_t qpos;  /* next query position */
    int negated;    /* under a "-" */
    int depth;
    int rc;
    jkb__err *err;
    long *err_offset;
} parser;

enum { F_CASE = 100, F_DATE = 101 };

static const struct {
    const char *name;
    unsigned field;
} field_names[] = {
    {"title", JKB__FIELD_TITLE}, {"body", JKB__FIELD_BODY}, {"label", JKB__FIELD_LABEL},
    {"org", JKB__FIELD_ORG},     {"case", F_CASE},          {"date", F_DATE},
};

void jkb__query_fin(jkb__query *q)
{
    free(q->terms);
    free(q->order);
    free(q->nodes);
    free(q->kids);
    memset(q, 0, sizeof *q);
}

/* Reports a malformed query at byte offset at. Returns JKB_EQUERY. */
static int fail(parser *p, size_t at, const char *msg)
{
    if (p->rc)
        return p->rc;
    *p->err_offset = (long)jkb__utf8_count((const uint8_t *)p->s, at);
    p->rc = jkb__err_set(p->err, JKB_EQUERY, "%s (at character %ld)", msg, *p->err_offset);
    return p->rc;
}

/* ---- lexer ---- */

static size_t blank_at(const char *s, size_t n)
{
    if (n >= 1 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) /* U+3000 */
        return 3;
    if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0) /* U+00A0 */
        return 2;
    return 0;
}

static int starts(const parser *p, size_t at, const char *lit)
{
    size_t n = strlen(lit);
    return at + n <= p->len && memcmp(p->s + at, lit, n) == 0;
}

/* Ends a word: a blank, a parenthesis, a quote or a bar. */
static size_t word_end(const parser *p, size_t i)
{
    while (i < p->len && !blank_at(p->s + i, p->len - i) && p->s[i] != '(' && p->s[i] != ')' &&
           p->s[i] != '"' && p->s[i] != '|' && !starts(p, i, "「"))
        i++;
    return i;
}

/* Reads a quoted phrase at i into t; returns the position after it, or 0 on error. */
static size_t read_phrase(parser *p, size_t i, token *t)
{
    const char *close = p->s[i] == '"' ? "\"" : "」";
    size_t open_len = p->s[i] == '"' ? 1 : 3, j;
    for (j = i + open_len; j < p->len && !starts(p, j, close); j++)
        ;
    if (j >= p->len) {
        fail(p, i, "unclosed quote");
        return 0;
    }
    t->text = p->s + i + open_len;
    t->len = j - i - open_len;
    t->value_at = i + open_len;
    return j + strlen(close);
}

static int is_case_number(const char *s, size_t n)
{
    size_t i;
    if (n < 6 || s[4] != '-')
        return 0;
    for (i = 0; i < n; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

static void next(parser *p)
{
    token *t = &p->tok;
    size_t i = p->pos, k, end, colon;
    memset(t, 0, sizeof *t);
    while (i < p->len && (k = blank_at(p->s + i, p->len - i)) != 0)
        i += k;
    t->at = i;
    if (i >= p->len) {
        t->kind = T_END;
        p->pos = i;
        return;
    }
    if (p->s[i] == '(' || p->s[i] == ')') {
        t->kind = p->s[i] == '(' ? T_LPAREN : T_RPAREN;
        p->pos = i + 1;
        return;
    }
    if (p->s[i] == '|') {
        t->kind = T_OR;
        p->pos = i + 1;
        return;
    }
    if (p->s[i] == '"' || starts(p, i, "「")) {
        t->kind = T_PHRASE;
        p->pos = read_phrase(p, i, t);
        return;
    }
    if (p->s[i] == '-') {
        t->kind = T_MINUS;
        p->pos = i + 1;
        return;
    }
    end = word_end(p, i);
    t->kind = T_WORD;
    t->text = p->s + i;
    t->len = end - i;
    t->value_at = i;
    p->pos = end;
    if (t->len == 2 && memcmp(t->text, "OR", 2) == 0) {
        t->kind = T_OR;
        return;
    }
    if (p->s[i] == '#' && is_case_number(t->text + 1, t->len - 1)) {
        t->kind = T_CASE;
        t->text++;
        t->len--;
        t->value_at++;
        return;
    }
    for (colon = i; colon < end && p->s[colon] != ':'; colon++)
        ;
    if (colon == end)
        return;
    for (k = 0; k < sizeof field_names / sizeof field_names[0]; k++) {
        const char *name = field_names[k].name;
        if (colon - i != strlen(name) || memcmp(p->s + i, name, colon - i) != 0)
            continue;
        t->kind = T_FIELD;
        t->field = field_names[k].field;
        if (colon + 1 == end && colon + 1 < p->len &&
            (p->s[colon + 1] == '"' || starts(p, colon + 1, "「"))) {
            t->phrase = 1;
            p->pos = read_phrase(p, colon + 1, t);
        } else {
            t->text = p->s + colon + 1;
            t->len = end - colon - 1;
            t->value_at = colon + 1;
            if (t->len == 0)
                fail(p, colon + 1, "a field name needs a value after its colon");
        }
        return;
    }
    /* an unknown name (A05:2021): the whole word is text */
}

/* ---- building the tree ---- */

static int new_node(parser *p, jkb__qkind kind)
{
    jkb__query *q = p->q;
    JKB__RESERVE(p->rc, q->nodes, q->cap_nodes, q->n_nodes);
    if (p->rc)
        return -1;
    memset(&q->nodes[q->n_nodes], 0, sizeof q->nodes[0]);
    q->nodes[q->n_nodes].kind = kind;
    return (int)q->n_nodes++;
}

/* A node over kids[0..n); one kid stands for itself. */
static int make_group(parser *p, jkb__qkind kind, const int *kids, size_t n)
{
    jkb__query *q = p->q;
    size_t i;
    int node;
    if (n == 0)
        return -1;
    if (n == 1 && kind != JKB__Q_NOT)
        return kids[0];
    if ((node = new_node(p, kind)) < 0)
        return -1;
    q->nodes[node].first = (uint32_t)q->n_kids;
    q->nodes[node].n = (uint32_t)n;
    for (i = 0; i < n && p->rc == 0; i++) {
        JKB__RESERVE(p->rc, q->kids, q->cap_kids, q->n_kids);
        if (p->rc == 0)
            q->kids[q->n_kids++] = (uint32_t)kids[i];
    }
    return p->rc ? -1 : node;
}

typedef struct word_ctx {
    parser *p;
    uint32_t node;
    uint32_t fields;
    jkb__match match;
} word_ctx;

static int on_term(const jkb__token *tok, void *payload)
{
    word_ctx *w = payload;
    parser *p = w->p;
    jkb__query *q = p->q;
    jkb__qterm *t;
    JKB__RESERVE(p->rc, q->terms, q->cap_terms, q->n_terms);
    JKB__RESERVE(p->rc, q->order, q->cap_order, q->n_terms);
    if (p->rc)
        return p->rc;
    t = &q->terms[q->n_terms++];
    memcpy(t->term, tok->term, tok->term_len);
    t->len = tok->term_len;
    t->node = w->node;
    t->qpos = tok->pos; /* analysis started at p->qpos */
    t->fields = w->fields;
    t->match = w->match;
    t->negated = p->negated;
    return 0;
}

static int make_group(parser *p, jkb__qkind kind, const int *kids, size_t n);

/*
 * A node of kind over the terms text analyses to in mode, from query position pos (*next:
 * the position after them). -1 when it analyses to nothing (the word is dropped) or on error.
 */
static int analysed_node(parser *p, jkb__qkind kind, jkb__mode mode, jkb__match match,
                         const char *text, size_t len, uint32_t fields, uint32_t pos,
                         uint32_t *next)
{
    jkb__query *q = p->q;
    word_ctx w;
    size_t first = q->n_terms;
    int node = new_node(p, kind), rc;
    if (node < 0)
        return -1;
    w.p = p;
    w.node = (uint32_t)node;
    w.fields = fields;
    w.match = match;
    rc = jkb__analyze(p->an, mode, text, len, pos, on_term, &w, next);
    if (rc && !p->rc)
        p->rc = jkb__err_set(p->err, rc, "[query] %s", jkb_strerror(rc));
    if (p->rc || q->n_terms == first) {
        q->n_nodes--;
        return -1;
    }
    q->nodes[node].first = (uint32_t)first;
    q->nodes[node].n = (uint32_t)(q->n_terms - first);
    return node;
}

/* A word or phrase node from text analysed as a query (or, for a word ending in *, as a
   prefix); -1 when it analyses to nothing (the word is dropped) or on error. */
static int make_words(parser *p, jkb__qkind kind, const char *text, size_t len, uint32_t fields)
{
    jkb__match match = JKB__MATCH_EXACT;
    uint32_t next = 0;
    int node, kids[2];
    if (kind == JKB__Q_WORD && len >= 1 && text[len - 1] == '*') {
        match = JKB__MATCH_PREFIX;
        len--;
    } else if (kind == JKB__Q_WORD && len >= 3 && memcmp(text + len - 3, "＊", 3) == 0) {
        match = JKB__MATCH_PREFIX;
        len -= 3;
    }
    node = analysed_node(p, kind, match ? JKB__MODE_PREFIX : JKB__MODE_QUERY, match, text, len,
                         fields, p->qpos, &next);
    if (node < 0)
        return -1;
    kids[0] = node;
    /* A word MeCab split when it stood alone (要注意 -> 要 + 注意, 竜太 -> 竜 + 太) may be one
       token in the text around it: it matches as its parts OR as the whole word. */
    if (kind == JKB__Q_WORD && match == JKB__MATCH_EXACT && p->q->nodes[node].n > 1 &&
        (kids[1] = analysed_node(p, JKB__Q_WORD, JKB__MODE_WHOLE, match, text, len, fields,
                                 p->qpos, NULL)) >= 0)
        node = make_group(p, JKB__Q_ANY, kids, 2);
    p->qpos = next + 1; /* words never stand next to each other */
    return p->rc ? -1 : node;
}

/* Days of the period a partial date names: [*lo, *hi]. 0, or -1 when it is not a date. */
static int date_period(const char *s, size_t n, int32_t *lo, int32_t *hi)
{
    char buf[16], next[32];
    int y, m;
    if (n != 4 && n != 7 && n != 10)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if ((*lo = jkb__date_to_day(buf)) == JKB__NO_DATE)
        return -1;
    if (n == 10) {
        *hi = *lo;
        return 0;
    }
    y = atoi(buf);
    m = n == 7 ? atoi(buf + 5) : 12;
    /* December's last day, or the day before the next month starts (not the next year's
       first day, which 9999 has none of) */
    if (m == 12) {
        snprintf(next, sizeof next, "%04d-12-31", y);
        *hi = jkb__date_to_day(next);
    } else {
        snprintf(next, sizeof next, "%04d-%02d", y, m + 1);
        *hi = jkb__date_to_day(next) - 1;
    }
    return 0;
}

static int make_date(parser *p, const token *t)
{
    const char *v = t->text;
    size_t n = t->len, dots;
    int32_t lo = INT32_MIN + 1, hi = INT32_MAX, a, b;
    int node;
    for (dots = 0; dots + 1 < n && !(v[dots] == '.' && v[dots + 1] == '.'); dots++)
        ;
    if (dots + 1 < n) { /* A..B, A.., ..B */
        if ((dots > 0 && date_period(v, dots, &lo, &b)) ||
            (dots + 2 < n && date_period(v + dots + 2, n - dots - 2, &a, &hi)))
            return fail(p, t->value_at, "bad date range: write date:2024-05-01..2024-06-30"), -1;
    } else if (n >= 2 && (v[0] == '<' || v[0] == '>')) {
        size_t skip = v[1] == '=' ? 2 : 1;
        if (date_period(v + skip, n - skip, &a, &b))
            return fail(p, t->value_at, "bad date: write YYYY, YYYY-MM or YYYY-MM-DD"), -1;
        if (v[0] == '<')
            hi = skip == 2 ? b : a - 1;
        else
            lo = skip == 2 ? a : b + 1;
    } else if (date_period(v, n, &lo, &hi)) {
        return fail(p, t->value_at, "bad date: write YYYY, YYYY-MM or YYYY-MM-DD"), -1;
    }
    if ((node = new_node(p, JKB__Q_DATE)) < 0)
        return -1;
    p->q->nodes[node].day_lo = lo;
    p->q->nodes[node].day_hi = hi;
    return node;
}

static int make_case(parser *p, const token *t)
{
    const char *v = t->text;
    size_t n = t->len;
    int node;
    if (n > 0 && *v == '#') {
        v++;
        n--;
    }
    if (n == 0 || n >= sizeof p->q->nodes[0].case_no)
        return fail(p, t->value_at, "bad case number: write case:2024-217"), -1;
    if ((node = new_node(p, JKB__Q_CASE)) < 0)
        return -1;
    memcpy(p->q->nodes[node].case_no, v, n);
    p->q->nodes[node].case_no[n] = '\0';
    return node;
}

/* ---- the parser: each returns a node, or -1 for nothing (a dropped word) or an error ---- */

static int parse_all(parser *p);

static int parse_primary(parser *p)
{
    token t = p->tok;
    int node;
    switch (t.kind) {
    case T_LPAREN:
        if (++p->depth > MAX_DEPTH)
            return fail(p, t.at, "parentheses nested too deep"), -1;
        next(p);
        if (p->tok.kind == T_RPAREN)
            return fail(p, p->tok.at, "empty parentheses"), -1;
        node = parse_all(p);
        if (p->rc)
            return -1;
        if (p->tok.kind != T_RPAREN)
            return fail(p, t.at, "unclosed parenthesis"), -1;
        p->depth--;
        next(p);
        return node;
    case T_PHRASE:
        next(p);
        p->q->plain = 0;
        return make_words(p, JKB__Q_PHRASE, t.text, t.len, JKB__ALL_FIELDS);
    case T_CASE:
        next(p);
        p->q->plain = 0;
        return make_case(p, &t);
    case T_FIELD:
        next(p);
        p->q->plain = 0;
        if (t.field == F_CASE)
            return make_case(p, &t);
        if (t.field == F_DATE)
            return make_date(p, &t);
        return make_words(p, t.phrase ? JKB__Q_PHRASE : JKB__Q_WORD, t.text, t.len,
                          1u << t.field);
    case T_WORD:
        next(p);
        return make_words(p, JKB__Q_WORD, t.text, t.len, JKB__ALL_FIELDS);
    case T_OR:
        return fail(p, t.at, "OR needs a word on each side"), -1;
    case T_RPAREN:
        return fail(p, t.at, "unmatched closing parenthesis"), -1;
    default:
        return fail(p, t.at, "a word is missing"), -1;
    }
}

static int parse_unary(parser *p)
{
    int kid, node;
    if (p->tok.kind != T_MINUS)
        return parse_primary(p);
    if (++p->depth > MAX_DEPTH)
        return fail(p, p->tok.at, "too many minus signs"), -1;
    if (p->pos >= p->len || blank_at(p->s + p->pos, p->len - p->pos))
        return fail(p, p->tok.at, "a minus sign needs a word right after it"), -1;
    next(p);
    p->q->plain = 0;
    p->negated = !p->negated;
    kid = parse_unary(p);
    p->negated = !p->negated;
    p->depth--;
    if (kid < 0)
        return -1;
    node = make_group(p, JKB__Q_NOT, &kid, 1);
    return node;
}

static int parse_any(parser *p)
{
    int *kids = NULL, node;
    size_t n = 0, cap = 0, or_at;
    for (;;) {
        node = parse_unary(p);
        if (p->rc)
            break;
        if (node >= 0) {
            JKB__RESERVE(p->rc, kids, cap, n);
            if (p->rc)
                break;
            kids[n++] = node;
        }
        if (p->tok.kind != T_OR)
            break;
        or_at = p->tok.at;
        p->q->plain = 0;
        next(p);
        if (p->tok.kind == T_END || p->tok.kind == T_RPAREN || p->tok.kind == T_OR) {
            fail(p, or_at, "OR needs a word on each side");
            break;
        }
    }
    node = p->rc ? -1 : make_group(p, JKB__Q_ANY, kids, n);
    free(kids);
    return node;
}

static int parse_all(parser *p)
{
    int *kids = NULL, node;
    size_t n = 0, cap = 0;
    while (p->tok.kind != T_END && p->tok.kind != T_RPAREN && p->rc == 0) {
        node = parse_any(p);
        if (node >= 0) {
            JKB__RESERVE(p->rc, kids, cap, n);
            if (p->rc == 0)
                kids[n++] = node;
        }
    }
    node = p->rc ? -1 : make_group(p, JKB__Q_ALL, kids, n);
    free(kids);
    return node;
}

/* Whether the node can match anything by itself (not only exclusions). */
static int positive(const jkb__query *q, uint32_t node)
{
    const jkb__qnode *n = &q->nodes[node];
    uint32_t i;
    switch (n->kind) {
    case JKB__Q_NOT:
        return 0;
    case JKB__Q_ALL:
        for (i = 0; i < n->n; i++)
            if (positive(q, q->kids[n->first + i]))
                return 1;
        return 0;
    case JKB__Q_ANY:
        for (i = 0; i < n->n; i++)
            if (!positive(q, q->kids[n->first + i]))
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* Gives terms of the same text, match and fields one index (uniq). */
/* Orders terms by text, match and fields; 0 when a search would treat them as one. */
static int cmp_key(const jkb__qterm *x, const jkb__qterm *y)
{
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->match != y->match)
        return x->match < y->match ? -1 : 1;
    if (x->fields != y->fields)
        return x->fields < y->fields ? -1 : 1;
    return memcmp(x->term, y->term, x->len);
}

/* Equal keys in query order: the first of a run is the lowest index. */
static int cmp_order(const void *a, const void *b)
{
    const jkb__qterm *x = *(const jkb__qterm *const *)a, *y = *(const jkb__qterm *const *)b;
    int c = cmp_key(x, y);
    return c ? c : (x > y) - (x < y);
}

/* Points each term at the first term with the same key (sorted, as a long query may repeat
   thousands of words). */
static void unite(jkb__query *q)
{
    size_t i;
    for (i = 0; i < q->n_terms; i++)
        q->order[i] = &q->terms[i];
    if (q->n_terms > 1)
        qsort(q->order, q->n_terms, sizeof *q->order, cmp_order);
    for (i = 0; i < q->n_terms; i++) {
        jkb__qterm *t = q->order[i], *prev = i ? q->order[i - 1] : NULL;
        t->uniq = prev && cmp_key(prev, t) == 0 ? prev->uniq : (uint32_t)(t - q->terms);
    }
}

int jkb__query_parse(jkb__query *q, jkb__analyzer *an, const char *text, jkb__err *err,
                     long *err_offset)
{
    parser p;
    size_t len = strlen(text), bad;
    int root;

    q->n_terms = q->n_nodes = q->n_kids = 0;
    q->plain = 1;
    *err_offset = -1;
    memset(&p, 0, sizeof p);
    p.q = q;
    p.an = an;
    p.s = text;
    p.len = len;
    p.err = err;
    p.err_offset = err_offset;
    if ((bad = jkb__utf8_invalid_at((const uint8_t *)text, len)) != len)
        return fail(&p, bad, "query is not valid UTF-8");
    next(&p);
    root = p.rc ? -1 : parse_all(&p);
    if (p.rc == 0 && p.tok.kind == T_RPAREN)
        fail(&p, p.tok.at, "unmatched closing parenthesis");
    if (p.rc)
        return p.rc;
    if (root < 0) {
        *err_offset = 0;
        return jkb__err_set(err, JKB_EQUERY, len ? "query has no searchable word"
                                                 : "query is empty");
    }
    if (!positive(q, (uint32_t)root)) {
        *err_offset = 0;
        return jkb__err_set(err, JKB_EQUERY, "query only excludes: add a word to find");
    }
    q->root = (uint32_t)root;
    unite(q);
    return 0;
}

void jkb__query_complete_last(jkb__query *q)
{
    jkb__qterm *t;
    if (q->n_terms == 0)
        return;
    t = &q->terms[q->n_terms - 1];
    if (t->match == JKB__MATCH_EXACT && !t->negated &&
        q->nodes[t->node].kind == JKB__Q_WORD) {
        t->match = JKB__MATCH_PREFIX;
        unite(q);
    }
}

/* Whether a term is a run MeCab may keep inside a longer unknown word: katakana, or Latin
   letters and digits (キムテツ, Dot Locker). */
static int run_like(const jkb__qterm *t)
{
    size_t i = 0;
    int kata = 1, latin = 1;
    while (i < t->len) {
        uint32_t c;
        size_t n = jkb__utf8_decode((const uint8_t *)t->term + i, t->len - i, &c);
        if (n == 0)
            return 0;
        kata &= (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC;
        latin &= (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        i += n;
    }
    return kata || latin;
}

int jkb__query_relax(jkb__query *q, jkb__match m, uint64_t max_df)
{
    size_t i;
    int changed = 0;
    for (i = 0; i < q->n_terms; i++) {
        jkb__qterm *t = &q->terms[i];
        if (t->match < m && t->df <= max_df && (m != JKB__MATCH_INFIX || run_like(t))) {
            t->match = m;
            changed = 1;
        }
    }
    unite(q);
    return changed;
}
