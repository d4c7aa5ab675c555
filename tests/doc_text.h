/* A document as one line of text, every field in order: for comparing two readings. */
#ifndef JKB_TESTS_DOC_TEXT_H
#define JKB_TESTS_DOC_TEXT_H

#include "buf.h"
#include "jikenbo.h"

static inline void doc_as_text(int *rc, jkb__buf *out, const jkb_doc *d)
{
    const char *const f[] = {d->id,   d->case_no, d->title, d->org,       d->label,
                             d->date, d->body,    d->url,   d->source_ref};
    size_t i;
    for (i = 0; i < sizeof f / sizeof *f; i++) {
        jkb__buf_put_str(rc, out, f[i]);
        jkb__buf_putc(rc, out, '|');
    }
    for (i = 0; i < d->n_fields; i++) {
        jkb__buf_put_str(rc, out, d->fields[i].name);
        jkb__buf_putc(rc, out, '=');
        jkb__buf_put_str(rc, out, d->fields[i].value);
        jkb__buf_putc(rc, out, '|');
    }
    jkb__buf_putc(rc, out, '\n');
}

#endif
