/*
 * JSON Lines (SPEC 1.2): one object per line. Known keys fill the document (id, case, title,
 * org, label, date, body, url, source_ref); a date with a time is cut to its date as
 * written; other keys are kept as stored fields (strings as they are, other values as JSON
 * text). A line that is not a JSON object, or has neither title nor body, is skipped with a
 * message naming its line.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

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

/* Fills r->doc from obj. 1 when it is a document, 0 when skipped (with a message). */
static int fill_doc(jkb_reader *r, json_t *obj, int *rc)
{
    jkb__docb *d = &r->doc;
    const char *key;
    json_t *val;
    size_t tlen, blen;

    jkb__docb_reset(d);
    json_object_foreach(obj, key, val) {
        int slot = known_slot(key);
        if (json_is_null(val))
            continue;
        if (slot >= 0) {
            const char *s;
            size_t n;
            char *text = NULL;
            if (json_is_string(val)) {
                s = json_string_value(val);
                n = json_string_length(val);
            } else if (json_is_number(val) || json_is_boolean(val)) {
                /* "id": 123 is an id all the same */
                if ((text = json_dumps(val, JSON_ENCODE_ANY)) == NULL) {
                    *rc = JKB_ENOMEM;
                    return 0;
                }
                s = text;
                n = strlen(text);
            } else {
                jkb__reader_warn(r, r->lineno, "field \"%s\" is not a string; record skipped",
                                 key);
                r->skipped++;
                return 0;
            }
            if (slot == JKB__D_DATE && n > 0) {
                size_t dn = date_part(s, n);
                if (dn == 0)
                    jkb__reader_warn(r, r->lineno, "date \"%.40s\" is not YYYY-MM-DD; "
                                     "left out", s);
                n = dn;
            }
            jkb__docb_set(rc, d, slot, s, n);
            free(text);
        } else if (json_is_string(val)) {
            jkb__docb_add_field(rc, d, key, strlen(key), json_string_value(val),
                                json_string_length(val));
        } else {
            char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            if (text == NULL) {
                *rc = JKB_ENOMEM;
                return 0;
            }
            jkb__docb_add_field(rc, d, key, strlen(key), text, strlen(text));
            free(text);
        }
        if (*rc)
            return 0;
    }
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

int jkb__jsonl_next(jkb_reader *r, const jkb_doc **out)
{
    for (;;) {
        json_error_t jerr;
        json_t *obj;
        size_t i;
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
        obj = json_loadb((const char *)r->line.data, r->line.len, JSON_REJECT_DUPLICATES, &jerr);
        if (obj == NULL) {
            jkb__reader_warn(r, r->lineno, "JSON error at column %d: %s; record skipped",
                             jerr.column, jerr.text);
            r->skipped++;
            continue;
        }
        if (!json_is_object(obj)) {
            json_decref(obj);
            jkb__reader_warn(r, r->lineno, "not a JSON object; record skipped");
            r->skipped++;
            continue;
        }
        ok = fill_doc(r, obj, &rc);
        json_decref(obj);
        if (rc)
            return rc;
        if (ok)
            return jkb__docb_finish(&r->doc, out) == 0 ? 1 : JKB_ENOMEM;
    }
}
