/*
 * JSON Lines (SPEC 1.2): one object per line. Known keys fill the document (id, case, title,
 * org, label, date, body, url, source_ref); a date with a time is cut to its date as
 * written; other keys are kept as stored fields (strings as they are, other values as JSON
 * text). A line that is not a JSON object, or has neither title nor body, is skipped with a
 * message naming its line. Lines of strings only are read by scan_object, the rest by jansson.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "utf8.h"

static const struct {
    const char *key;
    int slot;
} known[] = {
    {"id", JKB__D_ID},       {"case", JKB__D_CASE},   {"title", JKB__D_TITLE},
    {"org", JKB__D_ORG},     {"label", JKB__D_LABEL}, {"date", JKB__D_DATE},
    {"body", JKB__D_BODY},   {"url", JKB__D_URL},     {"source_ref", JKB__D_SOURCE},
};

static int known_slot(const char *key)
{
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(key, known[i].key) == 0)
            return known[i].slot;
    return -1;
}

/* "2010-05-22T14:30:00+09:00" -> "2010-05-22"; other forms are kept only if they are a date. */
static size_t date_part(const char *s, size_t n)
{
    size_t i;
    static const char shape[] = "dddd-dd-dd";
    if (n < 10)
        return 0;
    for (i = 0; i < 10; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return 0;
    }
    return n == 10 || s[10] == 'T' || s[10] == ' ' ? 10 : 0;
}

/* A member of a line's object, however it was read. */
enum { V_STRING, V_SCALAR, V_COMPOUND }; /* a string; a number or boolean; an array or object */
typedef struct member {
    const char *key;
    const char *val; /* the string, or the value as JSON text */
    size_t key_len;
    size_t val_len;
    int kind;
} member;

/* Fills r->doc from the object's non-null members. 1 when it is a document, 0 when skipped
   (with a message). */
static int fill_doc(jkb_reader *r, const member *m, size_t n, int *rc)
{
    jkb__docb *d = &r->doc;
    size_t i, tlen, blen;

    jkb__docb_reset(d);
    for (i = 0; i < n && *rc == 0; i++) {
        int slot = known_slot(m[i].key);
        size_t len = m[i].val_len;
        if (slot < 0) {
            jkb__docb_add_field(rc, d, m[i].key, m[i].key_len, m[i].val, len);
            continue;
        }
        if (m[i].kind == V_COMPOUND) { /* "id": 123 is an id all the same; [1] is not */
            jkb__reader_warn(r, r->lineno, "field \"%s\" is not a string; record skipped",
                             m[i].key);
            r->skipped++;
            return 0;
        }
        if (slot == JKB__D_DATE && len > 0) {
            size_t dn = date_part(m[i].val, len);
            if (dn == 0)
                jkb__reader_warn(r, r->lineno, "date \"%.40s\" is not YYYY-MM-DD; left out",
                                 m[i].val);
            len = dn;
        }
        jkb__docb_set(rc, d, slot, m[i].val, len);
    }
    if (*rc)
        return 0;
    jkb__docb_get(d, JKB__D_TITLE, &tlen);
    jkb__docb_get(d, JKB__D_BODY, &blen);
    if (tlen == 0 && blen == 0) {
        jkb__reader_warn(r, r->lineno, "record has neither title nor body; skipped");
        r->skipped++;
        return 0;
    }
    if (tlen + blen > r->opts.max_doc_bytes) {
        jkb__reader_warn(r, r->lineno, "record of %zu bytes is larger than --max-doc-bytes "
                         "(%zu); skipped", tlen + blen, r->opts.max_doc_bytes);
        r->skipped++;
        return 0;
    }
    if (!jkb__docb_has(d, JKB__D_ID)) {
        jkb__buf id = JKB__BUF_INIT;
        jkb__derive_id(rc, &id, jkb__docb_get(d, JKB__D_CASE, NULL),
                       jkb__docb_get(d, JKB__D_TITLE, NULL), jkb__docb_get(d, JKB__D_DATE, NULL));
        jkb__reader_unique_id(rc, r, &id);
        jkb__docb_set(rc, d, JKB__D_ID, (const char *)id.data, id.len);
        jkb__buf_fin(&id);
    }
    if (!jkb__docb_has(d, JKB__D_SOURCE)) {
        char ref[32];
        jkb__buf src = JKB__BUF_INIT;
        snprintf(ref, sizeof ref, ":%llu", (unsigned long long)r->lineno);
        jkb__buf_put_str(rc, &src, r->name);
        jkb__buf_put_str(rc, &src, ref);
        jkb__docb_set(rc, d, JKB__D_SOURCE, (const char *)src.data, src.len);
        jkb__buf_fin(&src);
    }
    return *rc == 0;
}

/* Most lines are an object of strings: read without jansson (see scan_object). */
int jkb__jsonl_fast_path = 1;

#define FLAT_MAX 32

static int hex4(const uint8_t *s, uint32_t *out)
{
    int i;
    *out = 0;
    for (i = 0; i < 4; i++) {
        uint8_t c = s[i];
        uint32_t d = c >= '0' && c <= '9'   ? (uint32_t)(c - '0')
                     : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10)
                                            : 16;
        if (d == 16)
            return -1;
        *out = *out << 4 | d;
    }
    return 0;
}

/* Decodes the string at s[*i] (its opening quote) into out, NUL-terminated. -1 for what it
   leaves to jansson: invalid UTF-8, a control character, a \u0000 or a lone surrogate. */
static int scan_string(const uint8_t *s, size_t n, size_t *i, jkb__buf *out, int *rc)
{
    size_t j = *i + 1;
    for (;;) {
        size_t run = j;
        uint32_t cp;
        while (j < n) { /* a run of characters copied as they are */
            if (s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\') {
                j++;
            } else if (s[j] >= 0xE1 && s[j] != 0xED && j + 2 < n && (s[j + 1] & 0xC0) == 0x80 &&
                       (s[j + 2] & 0xC0) == 0x80 && s[j] <= 0xEF) {
                j += 3; /* kana, kanji, full-width forms: no overlong or surrogate form here */
            } else if (s[j] >= 0x80) {
                size_t len = jkb__utf8_decode(s + j, n - j, &cp);
                if (len == 0)
                    return -1;
                j += len;
            } else {
                break;
            }
        }
        jkb__buf_put(rc, out, s + run, j - run);
        if (j >= n || s[j] < 0x20)
            return -1;
        if (s[j] == '"')
            break;
        if (j + 1 >= n) /* a backslash */
            return -1;
        switch (s[j + 1]) {
        case '"': case '\\': case '/':
            jkb__buf_putc(rc, out, s[j + 1]);
            break;
        case 'b': jkb__buf_putc(rc, out, '\b'); break;
        case 'f': jkb__buf_putc(rc, out, '\f'); break;
        case 'n': jkb__buf_putc(rc, out, '\n'); break;
        case 'r': jkb__buf_putc(rc, out, '\r'); break;
        case 't': jkb__buf_putc(rc, out, '\t'); break;
        case 'u': {
            uint8_t utf8[4];
            uint32_t lo;
            if (j + 6 > n || hex4(s + j + 2, &cp) || cp == 0 || (cp >= 0xDC00 && cp <= 0xDFFF))
                return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair */
                if (j + 12 > n || s[j + 6] != '\\' || s[j + 7] != 'u' ||
                    hex4(s + j + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j += 6;
            }
            jkb__buf_put(rc, out, utf8, jkb__utf8_encode(utf8, cp));
            j += 4;
            break;
        }
        default:
            return -1;
        }
        j += 2;
    }
    jkb__buf_putc(rc, out, '\0');
    *i = j + 1;
    return *rc ? -1 : 0;
}

static size_t skip_blank(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/*
 * Reads a line that is an object whose values are strings or null, with no key twice: the
 * common line, read without building a JSON tree. Its strings are decoded into r->scratch
 * and its members (nulls left out) listed in m. 0 when it is not such a line (numbers,
 * nesting, more than FLAT_MAX members, escapes of NUL, lone surrogates, invalid UTF-8,
 * control characters, a repeated key, bad syntax): jansson then reads it, and has the last
 * word on what is valid and on error messages.
 */
static int scan_object(jkb_reader *r, member *m, size_t *count, int *rc)
{
    const uint8_t *s = r->line.data;
    size_t n = r->line.len, i, k = 0, a, b, kept = 0;
    size_t off[FLAT_MAX][2]; /* key and value (SIZE_MAX: null) offsets in scratch */

    r->scratch.len = 0;
    i = skip_blank(s, n, 0);
    if (i >= n || s[i] != '{')
        return 0;
    i = skip_blank(s, n, i + 1);
    if (i < n && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            if (k == FLAT_MAX || i >= n || s[i] != '"')
                return 0;
            off[k][0] = r->scratch.len;
            if (scan_string(s, n, &i, &r->scratch, rc) != 0)
                return 0;
            i = skip_blank(s, n, i);
            if (i >= n || s[i] != ':')
                return 0;
            i = skip_blank(s, n, i + 1);
            if (i < n && s[i] == '"') {
                off[k][1] = r->scratch.len;
                if (scan_string(s, n, &i, &r->scratch, rc) != 0)
                    return 0;
            } else if (n - i >= 4 && memcmp(s + i, "null", 4) == 0) {
                off[k][1] = SIZE_MAX;
                i += 4;
            } else {
                return 0;
            }
            k++;
            i = skip_blank(s, n, i);
            if (i < n && s[i] == ',') {
                i = skip_blank(s, n, i + 1);
                continue;
            }
            if (i < n && s[i] == '}') {
                i++;
                break;
            }
            return 0;
        }
    }
    if (skip_blank(s, n, i) != n)
        return 0;
    for (a = 0; a < k; a++) /* a repeated key is jansson's to refuse */
        for (b = a + 1; b < k; b++)
            if (strcmp((const char *)r->scratch.data + off[a][0],
                       (const char *)r->scratch.data + off[b][0]) == 0)
                return 0;
    for (a = 0; a < k; a++) {
        if (off[a][1] == SIZE_MAX)
            continue;
        m[kept].key = (const char *)r->scratch.data + off[a][0];
        m[kept].key_len = off[a][1] - off[a][0] - 1;
        m[kept].val = (const char *)r->scratch.data + off[a][1];
        m[kept].val_len = (a + 1 < k ? off[a + 1][0] : r->scratch.len) - off[a][1] - 1;
        m[kept].kind = V_STRING;
        kept++;
    }
    *count = kept;
    return 1;
}

/* Reads the line with jansson into m (allocated, as are the texts of non-string values) and
   *obj. 1 for an object, 0 when skipped with a message. */
static int read_json(jkb_reader *r, json_t **obj, member **m, size_t *count, int *rc)
{
    json_error_t jerr;
    const char *key;
    json_t *val;
    size_t k = 0;

    *obj = json_loadb((const char *)r->line.data, r->line.len, JSON_REJECT_DUPLICATES, &jerr);
    if (*obj == NULL) {
        jkb__reader_warn(r, r->lineno, "JSON error at column %d: %s; record skipped",
                         jerr.column, jerr.text);
        r->skipped++;
        return 0;
    }
    if (!json_is_object(*obj)) {
        jkb__reader_warn(r, r->lineno, "not a JSON object; record skipped");
        r->skipped++;
        return 0;
    }
    if ((*m = calloc(json_object_size(*obj) + 1, sizeof **m)) == NULL) {
        *rc = JKB_ENOMEM;
        return 0;
    }
    json_object_foreach(*obj, key, val) {
        member *x = &(*m)[k];
        if (json_is_null(val))
            continue;
        x->key = key;
        x->key_len = strlen(key);
        if (json_is_string(val)) {
            x->val = json_string_value(val);
            x->val_len = json_string_length(val);
            x->kind = V_STRING;
        } else {
            char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            if (text == NULL) {
                *rc = JKB_ENOMEM;
                break;
            }
            x->val = text;
            x->val_len = strlen(text);
            x->kind = json_is_object(val) || json_is_array(val) ? V_COMPOUND : V_SCALAR;
        }
        k++;
    }
    *count = k;
    return *rc == 0;
}

int jkb__jsonl_next(jkb_reader *r, const jkb_doc **out)
{
    for (;;) {
        member flat[FLAT_MAX], *m = NULL;
        json_t *obj = NULL;
        size_t i, n = 0;
        int got = jkb__reader_getline(r), rc = 0, ok;

        if (got <= 0)
            return got;
        for (i = 0; i < r->line.len && strchr(" \t", r->line.data[i]) && r->line.data[i]; i++)
            ;
        if (i == r->line.len)
            continue; /* blank line */
        if (r->line_too_long) {
            jkb__reader_warn(r, r->lineno, "line longer than %zu bytes; skipped",
                             r->opts.max_doc_bytes * 2);
            r->skipped++;
            continue;
        }
        if (jkb__jsonl_fast_path && scan_object(r, flat, &n, &rc))
            ok = fill_doc(r, flat, n, &rc);
        else if (rc == 0 && read_json(r, &obj, &m, &n, &rc))
            ok = fill_doc(r, m, n, &rc);
        else
            ok = 0;
        for (i = 0; m && i < n; i++)
            if (m[i].kind != V_STRING)
                free((char *)(uintptr_t)m[i].val);
        free(m);
        json_decref(obj);
        if (rc)
            return rc;
        if (ok)
            return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
    }
}
