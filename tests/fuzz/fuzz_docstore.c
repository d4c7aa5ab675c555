/*
 * libFuzzer target for the stored-document decoder: any bytes as a record (stored, deflated,
 * or deflated with a preset dictionary). What decodes must serialize and decode again to the
 * same fields, and read a piece at a time give the same fields before the body and the same
 * body; what does not decode, read a piece at a time, is an error or text, never a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docstore.h"
#include "fuzz_zdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

/* Reads the record in pieces of a size the input picks; compares with whole when not NULL. */
static void read_in_pieces(const uint8_t *data, size_t size, const jkb_doc *whole)
{
    jkb__docbuf db;
    const jkb_doc *h;
    size_t n = size ? 1 + data[size - 1] % 200 : 1;
    int rc;
    memset(&db, 0, sizeof db);
    rc = jkb__doc_begin(&db, data, size, (const uint8_t *)fuzz_zdict, sizeof fuzz_zdict - 1);
    if (rc == 0 && (rc = jkb__doc_head(&db, &h)) == 0 && whole &&
        (!same(h->id, whole->id) || !same(h->case_no, whole->case_no) ||
         !same(h->title, whole->title) || !same(h->org, whole->org) ||
         !same(h->label, whole->label) || !same(h->date, whole->date)))
        abort();
    while (rc == 0 && !db.body_done) {
        if ((rc = jkb__doc_more(&db, n)) == 0 && whole &&
            memcmp(db.raw.data + db.body, whole->body, db.body_len) != 0)
            abort();
    }
    if (whole && (rc != 0 || db.body_len != strlen(whole->body)))
        abort(); /* what decodes whole decodes in pieces */
    jkb__docbuf_fin(&db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jkb__docbuf db, db2;
    jkb__buf raw = JKB__BUF_INIT, rec = JKB__BUF_INIT;
    const jkb_doc *d, *e;
    size_t i;
    int rc = 0;

    memset(&db, 0, sizeof db);
    memset(&db2, 0, sizeof db2);
    if (jkb__doc_decode(&db, data, size, (const uint8_t *)fuzz_zdict,
                       sizeof fuzz_zdict - 1, &d) != 0) {
        read_in_pieces(data, size, NULL);
    } else {
        read_in_pieces(data, size, d);
        jkb__doc_serialize(&rc, &raw, d);
        if (rc == 0 && jkb__doc_compress(&rec, raw.data, raw.len, NULL, 0) == 0) {
            if (jkb__doc_decode(&db2, rec.data, rec.len, NULL, 0, &e) != 0)
                abort(); /* a decoded document does not encode again */
            if (!same(d->id, e->id) || !same(d->case_no, e->case_no) ||
                !same(d->title, e->title) || !same(d->org, e->org) ||
                !same(d->label, e->label) || !same(d->date, e->date) ||
                !same(d->body, e->body) || !same(d->url, e->url) ||
                !same(d->source_ref, e->source_ref) || d->n_fields != e->n_fields)
                abort();
            for (i = 0; i < d->n_fields; i++)
                if (!same(d->fields[i].name, e->fields[i].name) ||
                    !same(d->fields[i].value, e->fields[i].value))
                    abort();
        }
    }
    jkb__buf_fin(&raw);
    jkb__buf_fin(&rec);
    jkb__docbuf_fin(&db);
    jkb__docbuf_fin(&db2);
    return 0;
}
