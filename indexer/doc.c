/* The document builder (reader.h). */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

void jkb__docb_reset(jkb__docb *d)
{
    int i;
    d->arena.len = 0;
    for (i = 0; i < JKB__D_NSTR; i++)
        d->off[i] = SIZE_MAX;
    d->n_extra = 0;
}

void jkb__docb_fin(jkb__docb *d)
{
    jkb__buf_fin(&d->arena);
    free(d->extra);
    free(d->fields);
    memset(d, 0, sizeof *d);
}

static size_t put_string(int *rc, jkb__docb *d, const char *s, size_t len)
{
    size_t off = d->arena.len;
    jkb__buf_put(rc, &d->arena, s, len);
    jkb__buf_putc(rc, &d->arena, 0);
    return off;
}

void jkb__docb_set(int *rc, jkb__docb *d, int slot, const char *s, size_t len)
{
    size_t off = put_string(rc, d, s, len);
    if (*rc == 0)
        d->off[slot] = off;
}

void jkb__docb_add_field(int *rc, jkb__docb *d, const char *name, size_t nlen, const char *val,
                         size_t vlen)
{
    size_t noff, voff;
    if (*rc)
        return;
    if (d->n_extra == d->extra_cap) {
        size_t cap = d->extra_cap ? d->extra_cap * 2 : 8;
        size_t *e = realloc(d->extra, cap * 2 * sizeof *e);
        jkb_field *f = realloc(d->fields, cap * sizeof *f);
        if (e)
            d->extra = e;
        if (f)
            d->fields = f;
        if (e == NULL || f == NULL) {
            *rc = JKB_ENOMEM;
            return;
        }
        d->extra_cap = cap;
    }
    noff = put_string(rc, d, name, nlen);
    voff = put_string(rc, d, val, vlen);
    if (*rc)
        return;
    d->extra[2 * d->n_extra] = noff;
    d->extra[2 * d->n_extra + 1] = voff;
    d->n_extra++;
}

int jkb__docb_has(const jkb__docb *d, int slot)
{
    return d->off[slot] != SIZE_MAX && d->arena.data[d->off[slot]] != 0;
}

const char *jkb__docb_get(const jkb__docb *d, int slot, size_t *len)
{
    const char *s = d->off[slot] == SIZE_MAX ? "" : (const char *)d->arena.data + d->off[slot];
    if (len)
        *len = strlen(s);
    return s;
}

int jkb__docb_finish(jkb__docb *d, const jkb_doc **out)
{
    const char **slots[JKB__D_NSTR];
    size_t i;
    slots[JKB__D_ID] = &d->doc.id;
    slots[JKB__D_CASE] = &d->doc.case_no;
    slots[JKB__D_TITLE] = &d->doc.title;
    slots[JKB__D_ORG] = &d->doc.org;
    slots[JKB__D_LABEL] = &d->doc.label;
    slots[JKB__D_DATE] = &d->doc.date;
    slots[JKB__D_BODY] = &d->doc.body;
    slots[JKB__D_URL] = &d->doc.url;
    slots[JKB__D_SOURCE] = &d->doc.source_ref;
    for (i = 0; i < JKB__D_NSTR; i++)
        *slots[i] = jkb__docb_get(d, (int)i, NULL);
    for (i = 0; i < d->n_extra; i++) {
        d->fields[i].name = (const char *)d->arena.data + d->extra[2 * i];
        d->fields[i].value = (const char *)d->arena.data + d->extra[2 * i + 1];
    }
    d->doc.fields = d->fields;
    d->doc.n_fields = d->n_extra;
    *out = &d->doc;
    return 0;
}
