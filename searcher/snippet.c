#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"
#include "utf8.h"

typedef struct match {
    size_t start; /* byte offsets in the original body */
    size_t end;
    uint32_t term; /* the query's unique term index */
    size_t cstart; /* code point offsets in the original body */
    size_t cend;
} match;

typedef struct finder {
    const jkb__norm *norm;
    uint32_t term;
    match *m;
    size_t n;
    size_t cap;
    int rc;
} finder;

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Records every occurrence of s in the folded body. An ASCII word only matches whole. */
static void find_surface(const char *s, size_t len, void *payload)
{
    finder *f = payload;
    const char *text = (const char *)f->norm->text.data;
    size_t n = f->norm->text.len, i;
    int ascii_word = len > 0 && is_alnum((uint8_t)s[0]) && is_alnum((uint8_t)s[len - 1]);
    if (len == 0 || len > n || f->rc)
        return;
    for (i = 0; i + len <= n; i++) {
        const char *hit = memchr(text + i, s[0], n - len + 1 - i);
        if (hit == NULL)
            break;
        i = (size_t)(hit - text);
        if (memcmp(hit, s, len) != 0)
            continue;
        if (ascii_word && ((i > 0 && is_alnum((uint8_t)text[i - 1])) ||
                           (i + len < n && is_alnum((uint8_t)text[i + len]))))
            continue;
        JKB__RESERVE(f->rc, f->m, f->cap, f->n);
        if (f->rc)
            return;
        f->m[f->n].start = i; /* folded offsets for now */
        f->m[f->n].end = i + len;
        f->m[f->n].term = f->term;
        f->n++;
    }
}

static int cmp_match(const void *a, const void *b)
{
    const match *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end < y->end) - (x->end > y->end); /* longer first */
}

static int is_sentence_end(const char *s, size_t i)
{
    /* the character ending at byte i (exclusive) */
    if (i >= 1 && (s[i - 1] == '\n' || s[i - 1] == '!' || s[i - 1] == '?'))
        return 1;
    return i >= 3 && (memcmp(s + i - 3, "。", 3) == 0 || memcmp(s + i - 3, "！", 3) == 0 ||
                      memcmp(s + i - 3, "？", 3) == 0);
}

/* Byte offset of the code point index c, counting from byte b at code point cb. */
static size_t byte_at(const char *s, size_t len, size_t b, size_t cb, size_t c)
{
    while (cb < c && b < len) {
        b++;
        while (b < len && ((uint8_t)s[b] & 0xC0) == 0x80)
            b++;
        cb++;
    }
    return b;
}

int jkb__snippet_make(jkb__snippet *out, const jkb__dict *dict, const jkb__query *q,
                      const char *body, size_t len, jkb__norm *norm)
{
    finder f;
    size_t i, j, k, best = 0, n_chars, wstart, wend, bstart, bend, cp, *at;
    int best_distinct = -1, best_count = -1, prefix, suffix;
    jkb__buf out_text = JKB__BUF_INIT;
    int rc = 0;

    memset(out, 0, sizeof *out);
    memset(&f, 0, sizeof f);
    if ((rc = jkb__normalize(norm, (const uint8_t *)body, len)) != 0)
        return rc;
    f.norm = norm;
    for (i = 0; i < q->n_terms; i++) {
        if (q->terms[i].uniq != i)
            continue;
        f.term = (uint32_t)i;
        jkb__term_surfaces(dict, q->terms[i].term, q->terms[i].len, find_surface, &f);
    }
    if (f.rc) {
        free(f.m);
        return f.rc;
    }
    /* In body order; overlapping matches keep the one that starts first (and is longest). */
    if (f.n > 1)
        qsort(f.m, f.n, sizeof *f.m, cmp_match);
    for (i = 0, j = 0; i < f.n; i++) {
        if (j > 0 && f.m[i].start < f.m[j - 1].end)
            continue;
        f.m[j++] = f.m[i];
    }
    f.n = j;
    /* to original byte and code point offsets */
    {
        size_t b = 0, c = 0;
        for (i = 0; i < f.n; i++) {
            f.m[i].start = jkb__norm_src_start(norm, f.m[i].start);
            f.m[i].end = jkb__norm_src_end(norm, f.m[i].end);
            while (b < f.m[i].start) {
                c += ((uint8_t)body[b] & 0xC0) != 0x80;
                b++;
            }
            f.m[i].cstart = c;
            f.m[i].cend = c + jkb__utf8_count((const uint8_t *)body + f.m[i].start,
                                              f.m[i].end - f.m[i].start);
        }
    }
    n_chars = jkb__utf8_count((const uint8_t *)body, len);

    /* The best window starts at a match: most distinct terms, then most matches. */
    for (i = 0; i < f.n; i++) {
        uint64_t seen = 0;
        int distinct = 0, count = 0;
        for (k = i; k < f.n && f.m[k].cend - f.m[i].cstart <= JKB__SNIPPET_CHARS; k++) {
            uint64_t bit = (uint64_t)1 << (f.m[k].term % 64);
            distinct += !(seen & bit);
            seen |= bit;
            count++;
        }
        if (distinct > best_distinct || (distinct == best_distinct && count > best_count)) {
            best = i;
            best_distinct = distinct;
            best_count = count;
        }
    }

    /* Window in code points: from a sentence start shortly before the first match, or
       centred on the matches; ended at the last sentence end after them, if any. */
    if (f.n == 0) {
        wstart = 0;
    } else {
        size_t last = best, span, reach, b;
        while (last + 1 < f.n && f.m[last + 1].cend - f.m[best].cstart <= JKB__SNIPPET_CHARS)
            last++;
        span = f.m[last].cend - f.m[best].cstart;
        reach = span < JKB__SNIPPET_CHARS ? (JKB__SNIPPET_CHARS - span) / 2 : 0;
        if (reach > 40)
            reach = 40;
        if (reach > f.m[best].cstart)
            reach = f.m[best].cstart;
        wstart = f.m[best].cstart - reach;
        /* start the sentence holding the first match, if it starts within reach */
        b = byte_at(body, len, 0, 0, wstart);
        for (k = wstart, j = b; k <= f.m[best].cstart; k++) {
            if (j == 0 || is_sentence_end(body, j))
                wstart = k;
            j = byte_at(body, len, j, k, k + 1);
        }
    }
    wend = wstart + JKB__SNIPPET_CHARS < n_chars ? wstart + JKB__SNIPPET_CHARS : n_chars;
    bstart = byte_at(body, len, 0, 0, wstart);
    bend = byte_at(body, len, bstart, wstart, wend);
    if (wend < n_chars) {
        /* cut after the last sentence end that keeps the matches in the window */
        size_t keep = f.n ? f.m[best].end : bstart, e;
        for (k = f.n ? best : 0; k < f.n && f.m[k].cend <= wend; k++)
            keep = f.m[k].end;
        for (e = bend; e > keep && e > bstart; e--) {
            if (((uint8_t)body[e] & 0xC0) != 0x80 && is_sentence_end(body, e) &&
                jkb__utf8_count((const uint8_t *)body + bstart, e - bstart) >= JKB__SNIPPET_CHARS / 2)
                break;
        }
        if (e > keep && e > bstart) {
            bend = e;
            wend = wstart + jkb__utf8_count((const uint8_t *)body + bstart, bend - bstart);
        }
    }
    /* Leading and trailing blanks and line breaks go; inner ones become spaces. */
    while (bstart < bend && (body[bstart] == '\n' || body[bstart] == ' ' || body[bstart] == '\t')) {
        bstart++;
        wstart++;
    }
    while (bend > bstart && (body[bend - 1] == '\n' || body[bend - 1] == ' ' || body[bend - 1] == '\t')) {
        bend--;
        wend--;
    }
    prefix = bstart > 0 && !is_sentence_end(body, bstart);
    suffix = bend < len && !is_sentence_end(body, bend);
    /* Runs of blanks and line breaks become one space; at[k] is where character wstart + k
       of the body lands in the snippet. */
    at = malloc((wend - wstart + 1) * sizeof *at);
    if (at == NULL) {
        free(f.m);
        return JKB_ENOMEM;
    }
    if (prefix)
        jkb__buf_put_str(&rc, &out_text, "…");
    for (i = bstart, k = 0, cp = (size_t)prefix; i < bend; k++) {
        size_t clen = 1;
        int blank = body[i] == '\n' || body[i] == '\t' || body[i] == '\r' || body[i] == ' ';
        while (i + clen < bend && ((uint8_t)body[i + clen] & 0xC0) == 0x80)
            clen++;
        at[k] = cp;
        if (!blank) {
            jkb__buf_put(&rc, &out_text, body + i, clen);
            cp++;
        } else if (out_text.len > 0 && out_text.data[out_text.len - 1] != ' ') {
            jkb__buf_putc(&rc, &out_text, ' ');
            cp++;
        }
        i += clen;
    }
    at[k] = cp;
    if (suffix)
        jkb__buf_put_str(&rc, &out_text, "…");
    jkb__buf_terminate(&rc, &out_text);
    if (rc == 0 && f.n) {
        out->highlights = malloc(2 * f.n * sizeof *out->highlights);
        if (out->highlights == NULL)
            rc = JKB_ENOMEM;
        for (i = 0; rc == 0 && i < f.n; i++) {
            uint32_t a, b;
            if (f.m[i].cstart < wstart || f.m[i].cend > wend)
                continue;
            a = (uint32_t)at[f.m[i].cstart - wstart];
            b = (uint32_t)at[f.m[i].cend - wstart];
            if (out->n_highlights > 0 && out->highlights[2 * out->n_highlights - 2] +
                                             out->highlights[2 * out->n_highlights - 1] == a) {
                /* 委託 + 先 read as one: 委託先 */
                out->highlights[2 * out->n_highlights - 1] += b - a;
                continue;
            }
            out->highlights[2 * out->n_highlights] = a;
            out->highlights[2 * out->n_highlights + 1] = b - a;
            out->n_highlights++;
        }
    }
    free(at);
    free(f.m);
    if (rc) {
        jkb__buf_fin(&out_text);
        jkb__snippet_fin(out);
        return rc;
    }
    out->text = (char *)out_text.data;
    if (out->text == NULL && (out->text = calloc(1, 1)) == NULL)
        return JKB_ENOMEM;
    return 0;
}

void jkb__snippet_fin(jkb__snippet *s)
{
    free(s->text);
    free(s->highlights);
    memset(s, 0, sizeof *s);
}
