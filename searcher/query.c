#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

void jkb__query_fin(jkb__query *q)
{
    free(q->terms);
    memset(q, 0, sizeof *q);
}

/* Length of a word separator at s (n bytes left), or 0. */
static size_t separator(const char *s, size_t n)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) /* U+3000 */
        return 3;
    if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0) /* U+00A0 */
        return 2;
    return 0;
}

typedef struct parse_ctx {
    jkb__query *q;
    uint32_t base; /* query position where the word starts */
    uint32_t word;
    jkb__match match;
    int rc;
} parse_ctx;

static int on_term(const jkb__token *tok, void *payload)
{
    parse_ctx *ctx = payload;
    jkb__query *q = ctx->q;
    jkb__qterm *t;
    size_t i;
    JKB__RESERVE(ctx->rc, q->terms, q->cap, q->n_terms);
    if (ctx->rc)
        return ctx->rc;
    t = &q->terms[q->n_terms];
    memcpy(t->term, tok->term, tok->term_len);
    t->len = tok->term_len;
    t->word = ctx->word;
    t->qpos = ctx->base + tok->pos;
    t->uniq = (uint32_t)q->n_terms;
    t->match = ctx->match;
    for (i = 0; i < q->n_terms; i++) {
        if (q->terms[i].len == t->len && q->terms[i].match == t->match &&
            memcmp(q->terms[i].term, t->term, t->len) == 0) {
            t->uniq = q->terms[i].uniq;
            break;
        }
    }
    if (t->uniq == q->n_terms)
        q->n_uniq++;
    q->n_terms++;
    return 0;
}

int jkb__query_parse(jkb__query *q, jkb__analyzer *an, const char *text, jkb__err *err,
                     long *err_offset)
{
    size_t len = strlen(text), i = 0;
    parse_ctx ctx = {q, 0, 0, JKB__MATCH_EXACT, 0};
    int rc;

    q->n_terms = 0;
    q->n_uniq = 0;
    q->n_words = 0;
    *err_offset = -1;
    if (jkb__utf8_invalid_at((const uint8_t *)text, len) != len) {
        *err_offset = (long)jkb__utf8_count((const uint8_t *)text,
                                            jkb__utf8_invalid_at((const uint8_t *)text, len));
        return jkb__err_set(err, JKB_EQUERY, "query is not valid UTF-8");
    }
    while (i < len) {
        size_t k, start, end;
        uint32_t next;
        while (i < len && (k = separator(text + i, len - i)) != 0)
            i += k;
        start = i;
        while (i < len && separator(text + i, len - i) == 0)
            i++;
        if (i == start)
            break;
        end = i;
        ctx.match = JKB__MATCH_EXACT;
        if (end - start >= 1 && text[end - 1] == '*') {
            ctx.match = JKB__MATCH_PREFIX;
            end--;
        } else if (end - start >= 3 && memcmp(text + end - 3, "＊", 3) == 0) {
            ctx.match = JKB__MATCH_PREFIX;
            end -= 3;
        }
        ctx.word = q->n_words;
        rc = jkb__analyze(an, ctx.match ? JKB__MODE_PREFIX : JKB__MODE_QUERY, text + start,
                          end - start, ctx.base, on_term, &ctx, &next);
        if (rc || ctx.rc)
            return jkb__err_set(err, rc ? rc : ctx.rc, "[query] %s", jkb_strerror(rc ? rc : ctx.rc));
        if (q->n_terms > 0 && q->terms[q->n_terms - 1].word == ctx.word) {
            q->n_words++; /* a word that analysed to nothing is dropped */
            ctx.base = next + 1;
        }
    }
    if (q->n_terms == 0) {
        *err_offset = 0;
        return jkb__err_set(err, JKB_EQUERY, len ? "query has no searchable word" :
                                                    "query is empty");
    }
    return 0;
}

/* Recomputes which terms share a text (after terms became prefixes). */
static void reunite(jkb__query *q)
{
    size_t i, j;
    q->n_uniq = 0;
    for (i = 0; i < q->n_terms; i++) {
        jkb__qterm *t = &q->terms[i];
        t->uniq = (uint32_t)i;
        for (j = 0; j < i; j++) {
            if (q->terms[j].len == t->len && q->terms[j].match == t->match &&
                memcmp(q->terms[j].term, t->term, t->len) == 0) {
                t->uniq = q->terms[j].uniq;
                break;
            }
        }
        q->n_uniq += t->uniq == i;
    }
}

void jkb__query_complete_last(jkb__query *q)
{
    if (q->n_terms == 0 || q->terms[q->n_terms - 1].match != JKB__MATCH_EXACT)
        return;
    q->terms[q->n_terms - 1].match = JKB__MATCH_PREFIX;
    reunite(q);
}

void jkb__query_relax(jkb__query *q, jkb__match m)
{
    size_t i;
    for (i = 0; i < q->n_terms; i++)
        if (q->terms[i].match < m)
            q->terms[i].match = m;
    reunite(q);
}
