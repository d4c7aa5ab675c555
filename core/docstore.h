/*
 * Stored documents: every field of a jkb_doc in one record, compressed with zlib.
 *
 * Record bytes:  method (1 byte: 0 stored as is, 1 zlib), varint raw length, payload.
 * Raw payload:   varint number of extra fields E, then 9 + 2E NUL-terminated strings: id,
 *                case, title, org, label, date, body, url, source_ref, then E name/value pairs.
 * Compression is skipped when it does not shrink the record. The only file that sees zlib's
 * deflate and inflate.
 */
#ifndef JKB_CORE_DOCSTORE_H
#define JKB_CORE_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jikenbo.h"

/* Decoded documents point into this buffer; reuse it across decodes. */
typedef struct jkb__docbuf {
    jkb__buf raw;
    jkb_field *fields;
    size_t fields_cap;
    jkb_doc doc;
} jkb__docbuf;

void jkb__docbuf_fin(jkb__docbuf *db);

/* Encodes doc as a record appended to out. JKB_ENOMEM or JKB_EIO (zlib). */
int jkb__doc_encode(jkb__buf *out, const jkb_doc *doc);

/*
 * Decodes a record into db; *out points at db->doc, valid until the next decode into db.
 * JKB_ECORRUPT for a malformed record.
 */
int jkb__doc_decode(jkb__docbuf *db, const uint8_t *src, size_t len, const jkb_doc **out);

#endif
