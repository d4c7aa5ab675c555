/*
 * Postings: for one term, the documents holding it, how often in each field, and where.
 *
 * In memory a run of postings is kept decoded (jkb__postings). On disk it is cut into blocks
 * of at most JKB__BLOCK_DOCS documents, each stored under the key (term id, last doc id) so
 * that a cursor positioned at (term id, d) lands on the one block that may hold document d;
 * the last doc id is the key's alone, and decoding checks that the ids end with it. Both
 * numbers are written in 1 to 5 bytes that keep their order (jkb__post_key).
 * A block's bytes:
 *
 *   codec id      1 byte: how the three streams are encoded (JKB__CODEC_VARINT = 1,
 *                 JKB__CODEC_PACKED = 2; the writer keeps whichever is smaller)
 *   header        varints: document count n, score bound (the largest tf' of its
 *                 documents, bm25.h), byte length of the ids stream, byte length of the
 *                 frequencies stream; the positions stream takes the rest
 *   ids           the codec's encoding of the n doc ids (ascending, distinct)
 *   frequencies   per document, the term frequency in each field
 *   positions     per document, per field with a non-zero frequency, its positions ascending
 *
 * The streams are separate so that a query can decode ids alone, and frequencies without
 * positions. The codec behind the streams is swappable: a block names its own codec.
 *
 * The varint codec (id 1): ids as the first id then gaps (each > 0); frequencies per document
 * as one byte field * 16 + tf when the term is in one field fewer than 16 times (most
 * postings), else the varint 64 + bit mask of the fields present then one varint per present
 * field; positions per field as the first position then gaps (each >= 0). All varints are
 * LEB128. Small blocks (a rare term's few documents) mostly take it.
 *
 * The packed codec (id 2) Rice-codes ids and positions: with a parameter k per run of
 * values, the low k bits of each value are written in k bits, then the rest, v >> k, as that
 * many zero bits and a one. The low bits of a run come first, then its unary codes, so that
 * the i-th value's low bits sit at bit i * k and a run of 128 unpacks without a branch per
 * value. Each part is written least significant bit first and padded to a byte:
 *   ids           the first id (varint), then, for n > 1, k and the n - 1 gaps less one
 *   frequencies   a byte: the fields some document has (bits 0-3) and those every document
 *                 has (bits 4-7); then per field some document has: unless every one does,
 *                 a bitmap of the documents that do (n bits); a width byte and their
 *                 frequencies less one, each in that many bits
 *   positions     two bytes, k1 and k2; a varint, the byte length of the first positions'
 *                 unary codes; the low bits of each field's first position (per document
 *                 and field present), then those of the gaps between its positions; the
 *                 unary codes of the first positions, then those of the gaps. A document's
 *                 values start at an index its predecessors' frequencies give.
 * k is the floor of log2 of the run's mean value.
 * Every length must come out exact.
 */
#ifndef JKB_CORE_POSTINGS_H
#define JKB_CORE_POSTINGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Indexed fields, in the order their positions are kept. */
enum { JKB__FIELD_TITLE, JKB__FIELD_LABEL, JKB__FIELD_BODY, JKB__FIELD_ORG, JKB__NFIELDS };

#define JKB__BLOCK_DOCS 128
#define JKB__CODEC_VARINT 1
#define JKB__CODEC_PACKED 2

/* A packed block's frequencies of one field as its codec keeps them: a walk reads a few of a
   block's documents, and spreading all of them into tf cost more than finding those. */
typedef struct jkb__field_freqs {
    uint64_t has[JKB__BLOCK_DOCS / 64]; /* the documents with the field */
    uint8_t before[JKB__BLOCK_DOCS / 8]; /* of them, those before each byte of has */
    uint32_t v[JKB__BLOCK_DOCS];        /* their frequencies less one, in document order */
} jkb__field_freqs;

typedef struct jkb__postings {
    size_t n;          /* documents */
    size_t cap;
    uint32_t *docs;    /* n ascending doc ids */
    uint32_t *tf;      /* n * JKB__NFIELDS frequencies */
    uint32_t *pos_off; /* n + 1: doc i's positions are pos[pos_off[i] .. pos_off[i + 1]) */
    uint32_t *pos;     /* per document, field by field, ascending within a field */
    size_t pos_len;
    size_t pos_cap;
    uint32_t bound;    /* the score bound of the block decoded last (bm25.h) */
    uint64_t pos_count[2]; /* its first positions (one per field a document has) and gaps,
                              counted as the packed codec decodes its frequencies */
    jkb__field_freqs *fields; /* JKB__NFIELDS: the packed block decoded last's frequencies */
    int by_field;             /* they are there alone, not in tf (JKB__DECODE_BY_FIELD) */
    unsigned some;            /* bits: the fields a packed block's documents have */
    uint32_t pos_tf[JKB__NFIELDS]; /* the frequencies of the document whose positions pos
                                      holds alone (jkb__block_doc_positions) */
} jkb__postings;

typedef struct jkb__block_header {
    uint8_t codec;
    uint32_t n;
    uint32_t bound; /* bm25.h */
    size_t ids_len;
    size_t freqs_len;
    size_t header_len;
} jkb__block_header;

void jkb__postings_init(jkb__postings *p);
void jkb__postings_fin(jkb__postings *p);
void jkb__postings_clear(jkb__postings *p);

/* Starts document doc (greater than the last one). Sticky rc. */
void jkb__postings_add_doc(int *rc, jkb__postings *p, uint32_t doc);
/* Adds a position of field f to the current document; fields come in order. Sticky rc. */
void jkb__postings_add_pos(int *rc, jkb__postings *p, unsigned f, uint32_t pos);
/* Appends document i of src (with its positions). Sticky rc. */
void jkb__postings_copy_doc(int *rc, jkb__postings *dst, const jkb__postings *src, size_t i,
                            uint32_t doc);
/* Removes document i. */
void jkb__postings_remove(jkb__postings *p, size_t i);

/*
 * A postings key: the term id, then the block's last doc id, each big-endian in the fewest of
 * 1 to 5 bytes, the count of leading one bits of its first byte saying how many follow
 * (0xxxxxxx, 10xxxxxx x, 110xxxxx x x, 1110xxxx x x x, 11110000 x x x x). Byte order is then
 * numeric order, and a key takes 4 to 5 bytes where two 32-bit numbers take 8. Returns the
 * key's length.
 */
#define JKB__POST_KEY_MAX 10
size_t jkb__post_key(uint8_t *out, uint32_t tid, uint32_t doc);
/* Reads a postings key: 0, or JKB_ECORRUPT for one that is not exactly two such numbers. */
int jkb__post_key_read(const uint8_t *key, size_t len, uint32_t *tid, uint32_t *doc);

/* The first position in [lo, hi) of the ascending ids whose id is >= doc, or hi. */
static inline size_t jkb__first_at_least(const uint32_t *ids, size_t lo, size_t hi, uint64_t doc)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Encodes documents [from, from + n) of p as one block with score bound `bound` (bm25.h),
   appended to out, in the smaller of the codecs. Sticky rc. */
void jkb__block_encode(int *rc, jkb__buf *out, const jkb__postings *p, size_t from, size_t n,
                       uint32_t bound);
/* jkb__block_encode in a given codec (tests compare them). */
void jkb__block_encode_as(int *rc, jkb__buf *out, const jkb__postings *p, size_t from,
                          size_t n, uint32_t bound, uint8_t codec);

/* Reads a block's header. JKB_ECORRUPT when it is malformed. */
int jkb__block_header_read(const uint8_t *src, size_t len, jkb__block_header *out);

/*
 * Decodes a block stored under last_doc into p (replacing its content): its ids, and
 *   JKB__DECODE_FREQS      the frequencies, in p->tf;
 *   JKB__DECODE_POSITIONS  the frequencies and the positions (else p->pos_off is left unset);
 *   JKB__DECODE_BY_FIELD   the frequencies of a packed block left field by field, each
 *                          document's read by jkb__postings_tf (a varint block's in p->tf).
 * Every part is checked whichever is asked for. JKB_ECORRUPT for a malformed block or one
 * whose ids do not end with last_doc, JKB_ENOMEM.
 */
enum { JKB__DECODE_FREQS, JKB__DECODE_POSITIONS, JKB__DECODE_BY_FIELD };
int jkb__block_decode(const uint8_t *src, size_t len, uint32_t last_doc, jkb__postings *p,
                      int what);

/* Ones in each byte value. */
extern const uint8_t jkb__ones8[256];

/* How many documents before i (< p->n) of the packed block decoded last have field x. */
static inline uint32_t jkb__field_rank(const jkb__field_freqs *x, size_t i)
{
    return x->before[i / 8] + jkb__ones8[x->has[i / 64] >> (i & 56) & ((1u << i % 8) - 1)];
}

/* Bits: the fields in which a document of the block decoded last may have a frequency. */
static inline unsigned jkb__postings_fields(const jkb__postings *p)
{
    return p->by_field ? p->some : (1u << JKB__NFIELDS) - 1;
}

/* The frequency in field f of document i of the block decoded last. */
static inline uint32_t jkb__postings_tf(const jkb__postings *p, size_t i, unsigned f)
{
    const jkb__field_freqs *x;
    if (!p->by_field)
        return p->tf[i * JKB__NFIELDS + f];
    x = &p->fields[f];
    return x->has[i / 64] >> i % 64 & 1 ? x->v[jkb__field_rank(x, i)] + 1 : 0;
}

/* Where the parts of a packed block's positions stream lie: low bits and unary codes of
   first positions (0) and of gaps (1). */
typedef struct jkb__pos_runs {
    unsigned k[2];
    const uint8_t *low[2];
    const uint8_t *high[2];
    const uint8_t *end;
    uint64_t count; /* positions */
} jkb__pos_runs;

/* Where each document's positions begin in a block, found in one pass the first time one
   document's are read. Clear ready for a new block. */
typedef struct jkb__pos_index {
    int ready;
    jkb__pos_runs runs;
    /* packed codec: the document whose positions were read last, how many first positions and
       gaps come before its own, and the bits of each unary part where its own codes start */
    struct {
        size_t doc;
        uint32_t at[2];
        uint64_t bit[2];
        uint32_t rank[JKB__NFIELDS]; /* of the documents before it, those with each field */
    } done;
    uint32_t at[JKB__BLOCK_DOCS + 1]; /* varint codec: each document's byte offset */
} jkb__pos_index;

/*
 * The positions of document i alone, from a block p holds decoded without them (src, len: its
 * bytes), into p->pos (field by field, p->pos_len of them): a query needs the positions of a
 * few documents of a block, not of all 128. ix keeps what the block's first such read found.
 * JKB_ECORRUPT for a malformed stream, JKB_ENOMEM.
 */
int jkb__block_doc_positions(const uint8_t *src, size_t len, jkb__postings *p, size_t i,
                             jkb__pos_index *ix);

#endif
