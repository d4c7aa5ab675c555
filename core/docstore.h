/*
 * Stored documents: every field of a jkb_doc in one record, compressed with zlib; the only
 * file that sees zlib's deflate and inflate.
 *
 * Record bytes:  method (1 byte: 0 stored as is, 1 raw deflate, 2 raw deflate with the
 *                index's preset dictionary), varint length of the packed payload, then the
 *                packed payload (ctext.h), deflated unless method 0.
 * Payload:       varint number of extra fields E, then 9 + 2E NUL-terminated strings: id,
 *                case, title, org, label, date, body, url, source_ref, then E name/value pairs.
 * Compression is skipped when it does not shrink the record. The preset dictionary (up to 24
 * KiB of packed text, kept in meta "zdict") is sampled from the first documents of an index:
 * releases share much of their wording, and one record alone is too short for zlib to learn
 * it.
 */
#ifndef JKB_CORE_DOCSTORE_H
#define JKB_CORE_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "jikenbo.h"

/* The dictionary's size: with it and a record of a few KiB, deflate's 32 KiB window still
   reaches the whole dictionary (livedoor's stored text: 16 KiB 11.82 MB, 24 KiB 11.60 MB,
   28 KiB 1% larger than 24 KiB). */
#define JKB__ZDICT_MAX 24576

/* Decoded documents point into this buffer; reuse it across decodes. */
typedef struct jkb__docbuf {
    jkb__buf rec; /* a record read in chunks */
    jkb__buf packed; /* inflated, still packed text (ctext.h) */
    jkb__buf raw;
    jkb_field *fields;
    size_t fields_cap;
    jkb_doc doc;
    /* the record being decoded (jkb__doc_begin) */
    void *zs;             /* zlib's inflate state, kept from record to record */
    const uint8_t *in;    /* the packed payload of a record stored as it is, else NULL */
    size_t z_left;        /* deflated bytes not yet given to zlib */
    size_t packed_len;    /* the packed payload's length */
    size_t packed_have;   /* of it inflated */
    size_t packed_used;   /* of it unpacked into raw */
    int inflated;         /* the deflate stream has ended */
    size_t body;          /* where the body starts in raw; 0 until the fields before it are in */
    size_t body_len;      /* body bytes in raw so far */
    int body_done;        /* the whole body is in */
} jkb__docbuf;

void jkb__docbuf_fin(jkb__docbuf *db);

/* The payload of doc, appended to out. Sticky rc. */
void jkb__doc_serialize(int *rc, jkb__buf *out, const jkb_doc *doc);

/* Packs and compresses a payload into a record appended to out, with the preset dictionary
   (packed text) when dict_len > 0. JKB_ENOMEM, or JKB_EINVAL for a payload of 1 GiB or more. */
int jkb__doc_compress(jkb__buf *out, const uint8_t *raw, size_t len, const uint8_t *dict,
                      size_t dict_len);

/* serialize + compress without a dictionary. */
int jkb__doc_encode(jkb__buf *out, const jkb_doc *doc);

/*
 * Decodes a record into db; *out points at db->doc, valid until the next decode into db.
 * dict is the index's preset dictionary (needed by method 2). JKB_ECORRUPT for a malformed
 * record.
 */
int jkb__doc_decode(jkb__docbuf *db, const uint8_t *src, size_t len, const uint8_t *dict,
                    size_t dict_len, const jkb_doc **out);

/*
 * Decoding a record a piece at a time, for readers that need only the fields before the body
 * or the start of the body (a snippet). jkb__doc_begin starts on a record (src must stay
 * valid until the next record); jkb__doc_head decodes until the fields before the body are
 * in and sets *out's id, case_no, title, org, label and date, and body to where the body
 * starts; then each jkb__doc_more decodes what n more bytes of the record hold, making
 * db->body_len grow until db->body_done. Decoded text stays where it is until the next
 * record. 0, JKB_ENOMEM or JKB_ECORRUPT.
 */
int jkb__doc_begin(jkb__docbuf *db, const uint8_t *src, size_t len, const uint8_t *dict,
                   size_t dict_len);
int jkb__doc_head(jkb__docbuf *db, const jkb_doc **out);
int jkb__doc_more(jkb__docbuf *db, size_t n);

/* Parses a payload (jkb__doc_serialize) into db; *out points at db->doc, as decoding. 0,
   JKB_ENOMEM or JKB_ECORRUPT. */
int jkb__doc_parse(jkb__docbuf *db, const uint8_t *payload, size_t len, const jkb_doc **out);

/* Samples up to take bytes of a payload's packed text, from its title on, into a preset
   dictionary (out), which stops growing at JKB__ZDICT_MAX. Sticky rc. */
void jkb__zdict_sample(int *rc, jkb__buf *out, const uint8_t *raw, size_t len, size_t take);

#endif
