/* memmem: glibc's is far faster on UTF-8 text than memchr on a lead byte. */
#define _GNU_SOURCE
#include "snippet.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
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
    match *m;
    size_t n;
    size_t cap;
    int rc;
    size_t scan;     /* folded offset: the matches starting before it are found */
    size_t last_end; /* folded end of the last match kept */
    size_t b, c;     /* the last match's start in the body, in bytes and code points */
    size_t checked;  /* matches whose window is known not to hold the query */
} finder;

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

enum { LONG_VOWEL = 1, LONG_VOWEL_FORM = 2 }; /* surface flags */
#define CHOON "ー"

static void add_surface(const char *s, size_t len, void *payload)
{
    jkb__surfaces *sf = payload;
    if (sf->rc)
        return;
    JKB__RESERVE(sf->rc, sf->item, sf->cap, 4 * sf->n + 3);
    if (sf->rc)
        return;
    sf->item[4 * sf->n] = (uint32_t)sf->text.len;
    sf->item[4 * sf->n + 1] = (uint32_t)len;
    sf->item[4 * sf->n + 3] = 0;
    jkb__buf_put(&sf->rc, &sf->text, s, len);
    sf->n++;
}

/* A form that is another of its term's with a trailing ー is not searched for: a match of
   the other is made longer where ー follows (カメラ, カメラー). */
static void mark_long_vowels(jkb__surfaces *sf, size_t from)
{
    size_t i, j;
    for (i = from; i < sf->n; i++) {
        const char *t = (const char *)sf->text.data + sf->item[4 * i];
        size_t tlen = sf->item[4 * i + 1];
        if (tlen <= 3 || memcmp(t + tlen - 3, CHOON, 3) != 0)
            continue;
        for (j = from; j < sf->n; j++)
            if (sf->item[4 * j + 1] == tlen - 3 && !(sf->item[4 * j + 3] & LONG_VOWEL_FORM) &&
                memcmp(sf->text.data + sf->item[4 * j], t, tlen - 3) == 0) {
                sf->item[4 * j + 3] |= LONG_VOWEL;
                sf->item[4 * i + 3] |= LONG_VOWEL_FORM;
                break;
            }
    }
}

int jkb__surfaces_make(jkb__surfaces *sf, const jkb__dict *dict, const jkb__query *q)
{
    size_t i, from;
    sf->q = q;
    sf->text.len = 0;
    sf->n = 0;
    sf->rc = 0;
    for (i = 0; i < q->n_terms && sf->rc == 0; i++) {
        size_t k;
        if (q->terms[i].uniq != i || q->terms[i].negated)
            continue;
        from = sf->n;
        jkb__term_surfaces(dict, q->terms[i].term, q->terms[i].len, add_surface, sf);
        for (k = from; k < sf->n; k++)
            sf->item[4 * k + 2] = (uint32_t)i;
        if (sf->rc == 0)
            mark_long_vowels(sf, from);
    }
    return sf->rc;
}

void jkb__surfaces_fin(jkb__surfaces *sf)
{
    jkb__buf_fin(&sf->text);
    free(sf->item);
    memset(sf, 0, sizeof *sf);
}

/* Records the occurrences of surface s of term in the folded body that start in
   [f->scan, limit), with a ー that follows when long_vowel. An ASCII word only matches
   whole. */
static void find_surface(finder *f, const char *s, size_t len, uint32_t term, int long_vowel,
                         size_t limit)
{
    const char *text = (const char *)f->norm->text.data;
    size_t n = f->norm->text.len, i;
    int ascii_word = len > 0 && is_alnum((uint8_t)s[0]) && is_alnum((uint8_t)s[len - 1]);
    if (len == 0 || len > n || f->rc)
        return;
    for (i = f->scan; i < limit && i + len <= n; i++) {
        const char *hit = memmem(text + i, n - i, s, len);
        if (hit == NULL || (size_t)(hit - text) >= limit)
            break;
        i = (size_t)(hit - text);
        if (ascii_word && ((i > 0 && is_alnum((uint8_t)text[i - 1])) ||
                           (i + len < n && is_alnum((uint8_t)text[i + len]))))
            continue;
        JKB__RESERVE(f->rc, f->m, f->cap, f->n);
        if (f->rc)
            return;
        f->m[f->n].start = i; /* folded offsets for now */
        f->m[f->n].end = i + len;
        if (long_vowel && i + len + 3 <= n && memcmp(text + i + len, CHOON, 3) == 0)
            f->m[f->n].end += 3;
        f->m[f->n].term = term;
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

/* Byte offset n characters before byte b. */
static size_t byte_back(const char *s, size_t b, size_t n)
{
    while (n > 0 && b > 0) {
        b--;
        while (b > 0 && ((uint8_t)s[b] & 0xC0) == 0x80)
            b--;
        n--;
    }
    return b;
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

/* Finds the matches of the query's terms that start in [f->scan, limit) of the folded body
   (the matches before are found), in body order, with byte and code point offsets into the
   original body; overlapping matches keep the one that starts first. */
static void find_matches(finder *f, const jkb__surfaces *sf, const char *body, size_t limit)
{
    size_t i, j, first = f->n;
    for (i = 0; i < sf->n; i++)
        if (!(sf->item[4 * i + 3] & LONG_VOWEL_FORM))
            find_surface(f, (const char *)sf->text.data + sf->item[4 * i], sf->item[4 * i + 1],
                         sf->item[4 * i + 2], sf->item[4 * i + 3] & LONG_VOWEL, limit);
    f->scan = limit;
    if (f->rc)
        return;
    if (f->n - first > 1)
        qsort(f->m + first, f->n - first, sizeof *f->m, cmp_match);
    for (i = j = first; i < f->n; i++) {
        if (f->m[i].start < f->last_end)
            continue;
        f->last_end = f->m[i].end;
        f->m[j++] = f->m[i];
    }
    f->n = j;
    for (i = first; i < f->n; i++) {
        f->m[i].start = jkb__norm_src_start(f->norm, f->m[i].start);
        f->m[i].end = jkb__norm_src_end(f->norm, f->m[i].end);
        f->c += jkb__utf8_count((const uint8_t *)body + f->b, f->m[i].start - f->b);
        f->b = f->m[i].start;
        f->m[i].cstart = f->c;
        f->m[i].cend = f->c + jkb__utf8_count((const uint8_t *)body + f->m[i].start,
                                              f->m[i].end - f->m[i].start);
    }
}

static uint64_t term_bit(const match *m)
{
    return (uint64_t)1 << (m->term % 64);
}

/* The terms the window of budget characters from match i shows, and how many matches. */
static uint64_t window_terms(const finder *f, size_t i, size_t budget, int *count)
{
    uint64_t seen = 0;
    size_t k;
    for (k = i; k < f->n && f->m[k].cend - f->m[i].cstart <= budget; k++)
        seen |= term_bit(&f->m[k]);
    *count = (int)(k - i);
    return seen;
}

/* Whether a passage showing the terms in seen (term_bit) holds the whole query at node: every
   word of an AND, one side of an OR (a split word's parts, or the word whole). */
static int holds(const jkb__query *q, uint32_t node, uint64_t seen)
{
    const jkb__qnode *n = &q->nodes[node];
    uint32_t i;
    switch (n->kind) {
    case JKB__Q_ALL:
        for (i = 0; i < n->n; i++)
            if (!holds(q, q->kids[n->first + i], seen))
                return 0;
        return 1;
    case JKB__Q_ANY:
        for (i = 0; i < n->n; i++)
            if (holds(q, q->kids[n->first + i], seen))
                return 1;
        return 0;
    case JKB__Q_WORD:
    case JKB__Q_PHRASE:
        for (i = 0; i < n->n; i++) {
            const jkb__qterm *t = &q->terms[n->first + i];
            if (!t->negated && !(seen >> (t->uniq % 64) & 1))
                return 0;
        }
        return 1;
    default: /* what must not match, case numbers and dates: nothing to show */
        return 1;
    }
}

/* Whether a passage showing the terms in seen holds the query (none without one). */
static int holds_query(const jkb__query *q, uint64_t seen)
{
    return q != NULL && holds(q, q->root, seen);
}

/*
 * The match that best starts a window of budget characters: the first that holds the whole
 * query when no term is covered yet, else the one that shows the most terms not in covered,
 * then the most matches. Returns the number of terms it adds to covered (0: none left).
 */
static int best_window(const finder *f, const jkb__query *q, size_t budget, uint64_t covered,
                       size_t *best)
{
    size_t i;
    int best_new = 0, best_count = 0;
    for (i = 0; i < f->n; i++) {
        int count, fresh;
        uint64_t seen;
        if (covered & term_bit(&f->m[i]))
            continue; /* start at a term still to show */
        seen = window_terms(f, i, budget, &count) & ~covered;
        fresh = (int)jkb__ones64(seen);
        if (covered == 0 && holds_query(q, seen)) {
            *best = i;
            return fresh;
        }
        if (fresh > best_new || (fresh == best_new && count > best_count)) {
            *best = i;
            best_new = fresh;
            best_count = count;
        }
    }
    return best_new;
}

typedef struct window {
    size_t cstart, cend; /* code points */
    size_t bstart, bend; /* bytes */
} window;

/*
 * A window of about budget characters around the matches from f->m[best]: from the start of
 * the sentence holding the first match if it starts near, else a little before it; ended
 * after the last sentence end that keeps the matches, if one is near the end.
 */
static window place(const char *body, size_t len, size_t n_chars, const finder *f, int has,
                    size_t best, size_t budget)
{
    window w;
    size_t k, j;
    if (!has) {
        w.cstart = 0;
    } else {
        size_t last = best, span, reach;
        while (last + 1 < f->n && f->m[last + 1].cend - f->m[best].cstart <= budget)
            last++;
        span = f->m[last].cend - f->m[best].cstart;
        reach = span < budget ? (budget - span) / 2 : 0;
        if (reach > budget / 3)
            reach = budget / 3;
        if (reach > f->m[best].cstart)
            reach = f->m[best].cstart;
        w.cstart = f->m[best].cstart - reach;
        j = byte_back(body, f->m[best].start, reach); /* not from the start of the body */
        for (k = w.cstart; k <= f->m[best].cstart; k++) {
            if (j == 0 || is_sentence_end(body, j))
                w.cstart = k;
            j = byte_at(body, len, j, k, k + 1);
        }
    }
    w.cend = w.cstart + budget < n_chars ? w.cstart + budget : n_chars;
    w.bstart = has ? byte_back(body, f->m[best].start, f->m[best].cstart - w.cstart) : 0;
    w.bend = byte_at(body, len, w.bstart, w.cstart, w.cend);
    if (w.cend < n_chars) {
        size_t keep = has ? f->m[best].end : w.bstart, e;
        for (k = has ? best : 0; has && k < f->n && f->m[k].cend <= w.cend; k++)
            keep = f->m[k].end;
        for (e = w.bend; e > keep && e > w.bstart; e--) {
            if (((uint8_t)body[e] & 0xC0) != 0x80 && is_sentence_end(body, e) &&
                jkb__utf8_count((const uint8_t *)body + w.bstart, e - w.bstart) >= budget / 2)
                break;
        }
        if (e > keep && e > w.bstart) {
            w.bend = e;
            w.cend = w.cstart + jkb__utf8_count((const uint8_t *)body + w.bstart, e - w.bstart);
        }
    }
    /* leading and trailing blanks and line breaks go */
    while (w.bstart < w.bend && strchr(" \t\n", body[w.bstart]) != NULL) {
        w.bstart++;
        w.cstart++;
    }
    while (w.bend > w.bstart && strchr(" \t\n", body[w.bend - 1]) != NULL) {
        w.bend--;
        w.cend--;
    }
    return w;
}

static int cmp_window(const void *a, const void *b)
{
    const window *x = a, *y = b;
    return (x->cstart > y->cstart) - (x->cstart < y->cstart);
}

/* Appends highlight [a, b) in code points, joining one that touches the previous (委託 + 先
   read as one: 委託先). */
static void add_highlight(jkb__snippet *out, uint32_t a, uint32_t b)
{
    size_t n = out->n_highlights;
    if (n > 0 && out->highlights[2 * n - 2] + out->highlights[2 * n - 1] == a) {
        out->highlights[2 * n - 1] += b - a;
        return;
    }
    out->highlights[2 * n] = a;
    out->highlights[2 * n + 1] = b - a;
    out->n_highlights++;
}

/* Appends window w of body to text (runs of blanks as one space, "…" where it cuts) and
   the highlights of the matches inside it; *cp counts the code points written so far. */
static int emit_window(jkb__snippet *out, jkb__buf *text, size_t *cp, const char *body,
                       size_t len, const window *w, const finder *f)
{
    size_t *at = malloc((w->cend - w->cstart + 1) * sizeof *at), i, k;
    int rc = 0;
    if (at == NULL)
        return JKB_ENOMEM;
    if (w->bstart > 0 && !is_sentence_end(body, w->bstart) &&
        !(text->len >= 3 && memcmp(text->data + text->len - 3, "…", 3) == 0)) {
        jkb__buf_put_str(&rc, text, "…");
        (*cp)++;
    }
    for (i = w->bstart, k = 0; i < w->bend; k++) {
        size_t clen = 1;
        int blank = body[i] == '\n' || body[i] == '\t' || body[i] == '\r' || body[i] == ' ';
        while (i + clen < w->bend && ((uint8_t)body[i + clen] & 0xC0) == 0x80)
            clen++;
        at[k] = *cp;
        if (!blank) {
            jkb__buf_put(&rc, text, body + i, clen);
            (*cp)++;
        } else if (text->len > 0 && text->data[text->len - 1] != ' ') {
            jkb__buf_putc(&rc, text, ' ');
            (*cp)++;
        }
        i += clen;
    }
    at[k] = *cp;
    if (w->bend < len && !is_sentence_end(body, w->bend)) {
        jkb__buf_put_str(&rc, text, "…");
        (*cp)++;
    }
    for (i = 0; rc == 0 && i < f->n; i++)
        if (f->m[i].cstart >= w->cstart && f->m[i].cend <= w->cend)
            add_highlight(out, (uint32_t)at[f->m[i].cstart - w->cstart],
                          (uint32_t)at[f->m[i].cend - w->cstart]);
    free(at);
    return rc;
}

/* Whether the window from a match holds the whole query, as the window of the same match
   in the whole body would: its matches all start before known, the code point from which
   they may still be unknown. */
static int whole_window(finder *f, const jkb__query *q, size_t budget, size_t known)
{
    int count;
    for (; f->checked < f->n && f->m[f->checked].cstart + budget < known; f->checked++)
        if (holds_query(q, window_terms(f, f->checked, budget, &count)))
            return 1;
    return 0;
}

/* The text of a snippet made whole: the body at once. */
typedef struct whole_text {
    const char *body;
    size_t len;
} whole_text;

static int whole_more(void *ctx, const char **text, size_t *len, int *complete)
{
    const whole_text *w = ctx;
    *text = w->body;
    *len = w->len;
    *complete = 1;
    return 0;
}

int jkb__snippet_make(jkb__snippet *out, const jkb__surfaces *sf, const char *body, size_t len,
                      jkb__norm *norm)
{
    whole_text w;
    w.body = body;
    w.len = len;
    return jkb__snippet_read(out, sf, whole_more, &w, norm);
}

int jkb__snippet_read(jkb__snippet *out, const jkb__surfaces *sf, jkb__more_fn more, void *ctx,
                      jkb__norm *norm)
{
    finder f;
    window w[JKB__SNIPPET_FRAGMENTS];
    size_t starts[JKB__SNIPPET_FRAGMENTS], n_frag = 0, i, n_chars, cp = 0, budget;
    size_t len = 0, normed = 0, longest = 0, known_b = 0, known = 0;
    uint64_t covered = 0;
    const char *body = "";
    int complete = 0;
    jkb__buf text = JKB__BUF_INIT;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&f, 0, sizeof f);
    f.norm = norm;
    for (i = 0; i < sf->n; i++)
        longest = sf->item[4 * i + 1] > longest ? sf->item[4 * i + 1] : longest;
    if ((rc = jkb__normalize(norm, (const uint8_t *)body, 0)) != 0)
        goto out;
    /* Read on until the body ends or the first window that holds the query is known:
       matches are searched for in the folded text but for its last longest bytes, which may
       hold the start of one that goes on; they are all known up to code point known. */
    while (!complete) {
        size_t cut, limit, b;
        if ((rc = more(ctx, &body, &len, &complete)) != 0)
            goto out;
        cut = complete ? len : jkb__norm_cut((const uint8_t *)body, normed, len);
        if (cut > normed) {
            if ((rc = jkb__normalize_more(norm, (const uint8_t *)body, normed, cut)) != 0)
                goto out;
            normed = cut;
        }
        limit = norm->text.len;
        if (!complete)
            limit = limit > longest ? limit - longest : 0;
        if (limit > f.scan)
            find_matches(&f, sf, body, limit);
        if ((rc = f.rc) != 0)
            goto out;
        if ((b = jkb__norm_src_start(norm, limit)) > known_b) {
            known += jkb__utf8_count((const uint8_t *)body + known_b, b - known_b);
            known_b = b;
        }
        if (!complete && whole_window(&f, sf->q, JKB__SNIPPET_CHARS, known))
            break;
        if (!complete && sf->n == 0 && known > JKB__SNIPPET_CHARS)
            break; /* nothing to match (a case number, dates): the body's start */
    }
    n_chars = known + jkb__utf8_count((const uint8_t *)body + known_b, len - known_b);
    /* The first fragment holds the query, or shows the most terms; while terms that the body
       holds are left out of that and far away, another fragment shows them, the fragments
       sharing the room. */
    while (n_frag < JKB__SNIPPET_FRAGMENTS &&
           best_window(&f, sf->q, JKB__SNIPPET_CHARS / (n_frag + 1), covered,
                       &starts[n_frag]) > 0) {
        int count;
        covered |= window_terms(&f, starts[n_frag], JKB__SNIPPET_CHARS / (n_frag + 1), &count);
        if (n_frag++ == 0 && holds_query(sf->q, covered))
            break; /* it holds the query: nothing is left out */
    }
    budget = JKB__SNIPPET_CHARS / (n_frag ? n_frag : 1);
    for (i = 0; i < n_frag || i == 0; i++)
        w[i] = place(body, len, n_chars, &f, n_frag > 0, n_frag ? starts[i] : 0, budget);
    n_frag = n_frag ? n_frag : 1;
    qsort(w, n_frag, sizeof *w, cmp_window);
    out->highlights = malloc((2 * f.n + 2) * sizeof *out->highlights);
    if (out->highlights == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    for (i = 0; i < n_frag && rc == 0; i++) {
        if (i > 0 && w[i].cstart < w[i - 1].cend) /* overlapping fragments merge */
            w[i].cstart = w[i - 1].cend, w[i].bstart = w[i - 1].bend;
        if (w[i].bstart < w[i].bend)
            rc = emit_window(out, &text, &cp, body, len, &w[i], &f);
    }
    jkb__buf_terminate(&rc, &text);
out:
    free(f.m);
    if (rc) {
        jkb__buf_fin(&text);
        jkb__snippet_fin(out);
        return rc;
    }
    out->text = (char *)text.data;
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
