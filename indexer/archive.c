/*
 * The casebook archive parser (SPEC 1.1), line by line:
 *
 *   - A header line 【セキュリティ事件簿#YYYY-NNN】<header text> <YYYY/M/D> starts a post,
 *     unless the previous non-blank line is JKB__RELATED_LINE (reader.h): then it is a
 *     cross-reference inside the current post's body.
 *   - JKB__ARCHIVE_LINE ends the current post. A follow-up marker 【...リリース分】 stays
 *     in the current post as its last line and ends it too, so that it never absorbs a post
 *     that follows.
 *   - After a post has ended, the next non-blank line that is not a header starts a post
 *     without a case number; that line is its title.
 *   - The first non-blank line after the header (or title) is the logo caption (label) when
 *     it is short and not a sentence; a line holding only blanks and U+00A0 is skipped there.
 *   - Everything else is body. A post that holds invalid UTF-8 or a NUL byte, that is larger
 *     than max_doc_bytes, or that has no body, is skipped with a message naming its line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "utf8.h"

#define HEADER_PREFIX "【セキュリティ事件簿#"
#define FOLLOWUP_SUFFIX "リリース分】"
#define LABEL_MAX_CHARS 40

void jkb__archive_fin(jkb__archive *a)
{
    jkb__buf_fin(&a->body);
    jkb__buf_fin(&a->title);
    jkb__buf_fin(&a->label);
    jkb__buf_fin(&a->case_no);
    jkb__buf_fin(&a->date);
}

/* Length of a blank (space, tab, U+00A0, U+3000) at s, or 0. */
static size_t blank_len(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t'))
        return 1;
    if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0)
        return 2;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

static size_t blank_before(const char *s, size_t n)
{
    if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        return 1;
    if (n >= 2 && memcmp(s + n - 2, "\xC2\xA0", 2) == 0)
        return 2;
    if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/* Trims blanks from both ends of s[0..*n); returns the new start. */
static const char *trim(const char *s, size_t *n)
{
    size_t k;
    while ((k = blank_len(s, *n)) != 0) {
        s += k;
        *n -= k;
    }
    while ((k = blank_before(s, *n)) != 0)
        *n -= k;
    return s;
}

static int is_digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/* Parses a header line: case number and header text. 1 when line is a header. */
static int parse_header(const char *s, size_t n, const char **case_no, size_t *case_len,
                        const char **rest, size_t *rest_len)
{
    size_t p = sizeof HEADER_PREFIX - 1, dash, end;
    const char *close;
    if (n < p || memcmp(s, HEADER_PREFIX, p) != 0)
        return 0;
    close = NULL;
    for (end = p; end + 3 <= n && end < p + 16; end++) {
        if (memcmp(s + end, "】", 3) == 0) {
            close = s + end;
            break;
        }
    }
    if (close == NULL)
        return 0;
    /* YYYY-NNN */
    for (dash = p; dash < end && s[dash] != '-'; dash++)
        ;
    if (dash - p != 4 || !is_digits(s + p, 4) || !is_digits(s + dash + 1, end - dash - 1))
        return 0;
    *case_no = s + p;
    *case_len = end - p;
    *rest = close + 3;
    *rest_len = n - (end + 3);
    return 1;
}

/* Splits " <YYYY/M/D>" off the end of header text; writes "YYYY-MM-DD" into date. */
static size_t split_date(const char *s, size_t n, jkb__buf *date, int *rc)
{
    size_t i = n, j, parts[3], lens[3], k = 3;
    int v[3];
    while (i > 0 && (is_digits(s + i - 1, 1) || s[i - 1] == '/'))
        i--;
    if (i == n || (i > 0 && blank_before(s, i) == 0))
        return n;
    /* i..n holds digits and slashes: expect Y/M/D */
    j = n;
    while (k > 0) {
        size_t e = j;
        while (j > i && s[j - 1] != '/')
            j--;
        k--;
        parts[k] = j;
        lens[k] = e - j;
        if (k > 0) {
            if (j == i)
                return n;
            j--; /* the slash */
        }
    }
    if (j != i || lens[0] != 4 || lens[1] < 1 || lens[1] > 2 || lens[2] < 1 || lens[2] > 2)
        return n;
    for (k = 0; k < 3; k++) {
        v[k] = 0;
        for (j = 0; j < lens[k]; j++)
            v[k] = v[k] * 10 + (s[parts[k] + j] - '0');
    }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
        return n;
    {
        char buf[16];
        int len = snprintf(buf, sizeof buf, "%04d-%02d-%02d", v[0], v[1], v[2]);
        date->len = 0;
        jkb__buf_put(rc, date, buf, (size_t)len);
    }
    return i;
}

static int is_ascii_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '&' || c == '.' || c == '-';
}

/*
 * The organisation at the start of header text: everything before the first blank, except
 * that a name ending in Latin letters takes following all-Latin words while more text
 * follows them (株式会社Kakuu Pay 暗号資産の… -> 株式会社Kakuu Pay). "" without a blank.
 */
static size_t org_len(const char *s, size_t n)
{
    size_t end = 0, k;
    while (end < n && blank_len(s + end, n - end) == 0)
        end++;
    if (end == n)
        return 0;
    for (;;) {
        size_t w = end, we;
        if (!is_ascii_word_char(s[end - 1]))
            break;
        while ((k = blank_len(s + w, n - w)) != 0)
            w += k;
        for (we = w; we < n && is_ascii_word_char(s[we]); we++)
            ;
        if (we == w || we == n || blank_len(s + we, n - we) == 0)
            break;
        end = we;
    }
    return end;
}

static int contains(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle), i;
    for (i = 0; i + m <= n; i++)
        if (memcmp(s + i, needle, m) == 0)
            return 1;
    return 0;
}

static int is_label(const char *s, size_t n)
{
    return jkb__utf8_count((const uint8_t *)s, n) <= LABEL_MAX_CHARS &&
           !contains(s, n, "。") && !contains(s, n, "【");
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static void begin_post(jkb__archive *a, uint64_t line)
{
    a->in_post = 1;
    a->expect_label = 1;
    a->bad = 0;
    a->start_line = line;
    a->body.len = a->title.len = a->label.len = a->case_no.len = a->date.len = 0;
}

static void mark_bad(jkb__archive *a, uint64_t line)
{
    if (!a->bad) {
        a->bad = 1;
        a->bad_line = line;
    }
}

static void body_line(int *rc, jkb__archive *a, const char *s, size_t n)
{
    if (a->body.len > 0 || n > 0) {
        jkb__buf_put(rc, &a->body, s, n);
        jkb__buf_putc(rc, &a->body, '\n');
    }
}

/* Turns the finished post into r->doc. 1 for a document, 0 when it was skipped. */
static int finish_post(jkb_reader *r, int *rc)
{
    jkb__archive *a = &r->archive;
    jkb__docb *d = &r->doc;
    jkb__buf id = JKB__BUF_INIT;
    char ref[64];
    size_t blen = a->body.len, tlen = a->title.len;
    const char *title = (const char *)a->title.data;
    int too_large = a->too_large;

    a->in_post = 0;
    a->too_large = 0;
    while (blen > 0 && (a->body.data[blen - 1] == '\n'))
        blen--;
    if (a->bad) {
        jkb__reader_warn(r, a->bad_line, "invalid UTF-8 or NUL byte; post starting at line %llu"
                         " skipped", (unsigned long long)a->start_line);
        r->skipped++;
        return 0;
    }
    if (blen == 0 && a->label.len > 0) {
        /* a single short line after the header is the body, not a caption */
        jkb__buf_put(rc, &a->body, a->label.data, a->label.len);
        blen = a->label.len;
        a->label.len = 0;
    }
    if (blen == 0) {
        jkb__reader_warn(r, a->start_line, "post has no body; skipped");
        r->skipped++;
        return 0;
    }
    if (too_large || blen + tlen > r->opts.max_doc_bytes) {
        jkb__reader_warn(r, a->start_line, "post is larger than --max-doc-bytes (%zu); skipped",
                         r->opts.max_doc_bytes);
        r->skipped++;
        return 0;
    }
    jkb__docb_reset(d);
    jkb__buf_terminate(rc, &a->title);
    jkb__buf_terminate(rc, &a->case_no);
    jkb__buf_terminate(rc, &a->date);
    if (*rc)
        return 0;
    jkb__derive_id(rc, &id, a->case_no.len ? (const char *)a->case_no.data : "",
                   title ? title : "", a->date.len ? (const char *)a->date.data : "");
    jkb__reader_unique_id(rc, r, &id);
    jkb__docb_set(rc, d, JKB__D_ID, (const char *)id.data, id.len);
    jkb__buf_fin(&id);
    jkb__docb_set(rc, d, JKB__D_CASE, (const char *)a->case_no.data, a->case_no.len);
    jkb__docb_set(rc, d, JKB__D_TITLE, title, tlen);
    if (a->case_no.len)
        jkb__docb_set(rc, d, JKB__D_ORG, title, org_len(title, tlen));
    jkb__docb_set(rc, d, JKB__D_LABEL, (const char *)a->label.data, a->label.len);
    jkb__docb_set(rc, d, JKB__D_DATE, (const char *)a->date.data, a->date.len);
    jkb__docb_set(rc, d, JKB__D_BODY, (const char *)a->body.data, blen);
    snprintf(ref, sizeof ref, ":%llu", (unsigned long long)a->start_line);
    {
        jkb__buf src = JKB__BUF_INIT;
        jkb__buf_put_str(rc, &src, r->name);
        jkb__buf_put_str(rc, &src, ref);
        jkb__docb_set(rc, d, JKB__D_SOURCE, (const char *)src.data, src.len);
        jkb__buf_fin(&src);
    }
    return *rc == 0;
}

int jkb__archive_next(jkb_reader *r, const jkb_doc **out)
{
    jkb__archive *a = &r->archive;
    int rc = 0, got;

    for (;;) {
        const char *s, *t, *case_no, *rest;
        size_t n, tn, case_len, rest_len;
        int valid;

        got = jkb__reader_getline(r);
        if (got < 0 && got != JKB_EIO)
            return got;
        if (got <= 0) {
            /* End of input (or an unreadable rest): the post read so far still counts. */
            if (a->in_post && finish_post(r, &rc))
                return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
            return rc ? rc : got;
        }
        s = (const char *)r->line.data;
        n = r->line.len;
        tn = n;
        t = trim(s, &tn);

        a->too_large |= r->line_too_long;
        valid = jkb__utf8_invalid_at((const uint8_t *)s, n) == n;
        if (parse_header(t, tn, &case_no, &case_len, &rest, &rest_len) && !a->prev_was_related) {
            int ready = a->in_post && finish_post(r, &rc);
            size_t title_len;
            begin_post(a, r->lineno);
            rest = trim(rest, &rest_len);
            title_len = split_date(rest, rest_len, &a->date, &rc);
            while (title_len > 0 && blank_before(rest, title_len))
                title_len -= blank_before(rest, title_len);
            jkb__buf_put(&rc, &a->case_no, case_no, case_len);
            jkb__buf_put(&rc, &a->title, rest, title_len);
            if (!valid)
                mark_bad(a, r->lineno);
            if (rc)
                return rc;
            if (ready)
                return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
            continue;
        }
        if (!valid) {
            if (a->in_post) {
                mark_bad(a, r->lineno);
            } else {
                jkb__reader_warn(r, r->lineno, "invalid UTF-8 or NUL byte; line skipped");
                r->skipped++;
            }
            continue;
        }
        if (tn == 0) {
            if (a->in_post && !a->expect_label)
                body_line(&rc, a, "", 0);
            continue;
        }
        a->prev_was_related =
            tn == strlen(JKB__RELATED_LINE) && memcmp(t, JKB__RELATED_LINE, tn) == 0;

        if (tn == strlen(JKB__ARCHIVE_LINE) && memcmp(t, JKB__ARCHIVE_LINE, tn) == 0) {
            if (a->in_post && finish_post(r, &rc))
                return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
            if (rc)
                return rc;
            continue;
        }
        if (a->in_post && tn > 3 && memcmp(t, "【", 3) == 0 && ends_with(t, tn, FOLLOWUP_SUFFIX)) {
            body_line(&rc, a, t, tn);
            if (finish_post(r, &rc))
                return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
            if (rc)
                return rc;
            continue;
        }
        if (!a->in_post) {
            /* A post without a casebook header: its first line is its title. The very first
               post of a file starts here too. */
            begin_post(a, r->lineno);
            jkb__buf_put(&rc, &a->title, t, tn);
            if (rc)
                return rc;
            continue;
        }
        if (a->expect_label) {
            a->expect_label = 0;
            if (is_label(t, tn)) {
                jkb__buf_put(&rc, &a->label, t, tn);
                continue;
            }
        }
        body_line(&rc, a, s, n);
        if (rc)
            return rc;
    }
}
