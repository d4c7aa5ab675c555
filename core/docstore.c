#include "docstore.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define METHOD_STORED 0
#define METHOD_ZLIB 1
#define N_FIXED 9

/* Records larger than this are not inflated: the cap bounds memory on corrupt input. */
#define RAW_MAX ((uint64_t)1 << 31)

void jkb__docbuf_fin(jkb__docbuf *db)
{
    jkb__buf_fin(&db->raw);
    free(db->fields);
    memset(db, 0, sizeof *db);
}

static void put_cstr(int *rc, jkb__buf *b, const char *s)
{
    jkb__buf_put(rc, b, s ? s : "", s ? strlen(s) + 1 : 1);
}

int jkb__doc_encode(jkb__buf *out, const jkb_doc *doc)
{
    jkb__buf raw = JKB__BUF_INIT;
    const char *fixed[N_FIXED];
    int rc = 0;
    size_t i;
    uLongf zlen;

    fixed[0] = doc->id;
    fixed[1] = doc->case_no;
    fixed[2] = doc->title;
    fixed[3] = doc->org;
    fixed[4] = doc->label;
    fixed[5] = doc->date;
    fixed[6] = doc->body;
    fixed[7] = doc->url;
    fixed[8] = doc->source_ref;
    jkb__buf_put_varint(&rc, &raw, doc->n_fields);
    for (i = 0; i < N_FIXED; i++)
        put_cstr(&rc, &raw, fixed[i]);
    for (i = 0; i < doc->n_fields; i++) {
        put_cstr(&rc, &raw, doc->fields[i].name);
        put_cstr(&rc, &raw, doc->fields[i].value);
    }
    if (rc == 0 && raw.len > UINT_MAX / 2)
        rc = JKB_EINVAL;
    if (rc)
        goto out;

    zlen = compressBound((uLong)raw.len);
    jkb__buf_reserve(&rc, out, 1 + JKB__VARINT_MAX + zlen);
    if (rc)
        goto out;
    {
        size_t head = out->len;
        uint8_t *dst;
        out->data[out->len++] = METHOD_ZLIB;
        jkb__buf_put_varint(&rc, out, raw.len);
        dst = out->data + out->len;
        if (compress2(dst, &zlen, raw.data, (uLong)raw.len, 6) == Z_OK && zlen < raw.len) {
            out->len += zlen;
        } else {
            out->data[head] = METHOD_STORED;
            memcpy(dst, raw.data, raw.len);
            out->len += raw.len;
        }
    }
out:
    jkb__buf_fin(&raw);
    return rc;
}

/* Takes the next NUL-terminated string at *p, or NULL when none ends before end. */
static const char *take(const char **p, const char *end)
{
    const char *s = *p, *nul = memchr(s, 0, (size_t)(end - s));
    if (nul == NULL)
        return NULL;
    *p = nul + 1;
    return s;
}

int jkb__doc_decode(jkb__docbuf *db, const uint8_t *src, size_t len, const jkb_doc **out)
{
    const uint8_t *p = src + 1, *end = src + len;
    uint64_t raw_len, n_extra;
    const char *s, *send;
    const char **fixed[N_FIXED];
    jkb_doc *doc = &db->doc;
    int rc = 0;
    size_t i;

    if (len < 2 || (src[0] != METHOD_STORED && src[0] != METHOD_ZLIB) ||
        jkb__varint_get(&p, end, &raw_len) || raw_len > RAW_MAX)
        return JKB_ECORRUPT;
    db->raw.len = 0;
    if (src[0] == METHOD_STORED) {
        if ((uint64_t)(end - p) != raw_len)
            return JKB_ECORRUPT;
        jkb__buf_put(&rc, &db->raw, p, (size_t)raw_len);
    } else {
        uLongf dlen = (uLongf)raw_len;
        jkb__buf_reserve(&rc, &db->raw, (size_t)raw_len);
        if (rc)
            return rc;
        if (uncompress(db->raw.data, &dlen, p, (uLong)(end - p)) != Z_OK || dlen != raw_len)
            return JKB_ECORRUPT;
        db->raw.len = (size_t)raw_len;
    }
    if (rc)
        return rc;

    s = (const char *)db->raw.data;
    send = s + db->raw.len;
    p = (const uint8_t *)s;
    if (jkb__varint_get(&p, (const uint8_t *)send, &n_extra) || n_extra > db->raw.len / 2)
        return JKB_ECORRUPT;
    s = (const char *)p;
    fixed[0] = &doc->id;
    fixed[1] = &doc->case_no;
    fixed[2] = &doc->title;
    fixed[3] = &doc->org;
    fixed[4] = &doc->label;
    fixed[5] = &doc->date;
    fixed[6] = &doc->body;
    fixed[7] = &doc->url;
    fixed[8] = &doc->source_ref;
    for (i = 0; i < N_FIXED; i++)
        if ((*fixed[i] = take(&s, send)) == NULL)
            return JKB_ECORRUPT;
    if (n_extra > db->fields_cap) {
        jkb_field *f = realloc(db->fields, (size_t)n_extra * sizeof *f);
        if (f == NULL)
            return JKB_ENOMEM;
        db->fields = f;
        db->fields_cap = (size_t)n_extra;
    }
    for (i = 0; i < n_extra; i++) {
        if ((db->fields[i].name = take(&s, send)) == NULL ||
            (db->fields[i].value = take(&s, send)) == NULL)
            return JKB_ECORRUPT;
    }
    if (s != send)
        return JKB_ECORRUPT;
    doc->fields = db->fields;
    doc->n_fields = (size_t)n_extra;
    *out = doc;
    return 0;
}
