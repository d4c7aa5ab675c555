/*
 * libFuzzer target for the postings block decoder: any bytes as the last doc id of a block's
 * key (4 bytes, big-endian) and the block, in either codec.
 * What decodes must give each document's frequencies and positions alone, its frequencies
 * left by field too, as the whole decode does, and encode (in each codec) and decode again
 * to the same postings; a malformed block is an error, not a crash, whichever way it is
 * decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "postings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const jkb__postings *a, const jkb__postings *b)
{
    return a->n == b->n && a->pos_len == b->pos_len &&
           memcmp(a->docs, b->docs, a->n * sizeof *a->docs) == 0 &&
           memcmp(a->tf, b->tf, a->n * JKB__NFIELDS * sizeof *a->tf) == 0 &&
           memcmp(a->pos_off, b->pos_off, (a->n + 1) * sizeof *a->pos_off) == 0 &&
           (a->pos_len == 0 || memcmp(a->pos, b->pos, a->pos_len * sizeof *a->pos) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jkb__postings p, again;
    jkb__block_header h;
    jkb__buf out = JKB__BUF_INIT;
    uint32_t last;
    int rc = 0, c;

    if (size < 4)
        return 0;
    last = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    data += 4;
    size -= 4;
    jkb__postings_init(&p);
    jkb__postings_init(&again);
    rc = jkb__block_decode(data, size, last, &p, JKB__DECODE_FREQS);
    if (jkb__block_decode(data, size, last, &again, JKB__DECODE_BY_FIELD) != rc)
        abort(); /* checked one way and not the other */
    rc = 0;
    if (jkb__block_header_read(data, size, &h) == 0 &&
        jkb__block_decode(data, size, last, &p, JKB__DECODE_FREQS) == 0 &&
        jkb__block_decode(data, size, last, &p, JKB__DECODE_POSITIONS) == 0) {
        if (p.n != h.n || p.n == 0 || p.docs[p.n - 1] != last)
            abort(); /* the header, the key and the streams disagree */
        jkb__postings one;
        size_t i, way;
        jkb__postings_init(&one); /* one document's positions match the whole decode's */
        for (way = 0; way < 2; way++) {
            jkb__pos_index ix = {0};
            if (jkb__block_decode(data, size, last, &one,
                                  way ? JKB__DECODE_BY_FIELD : JKB__DECODE_FREQS) != 0)
                abort();
            for (i = 0; i < p.n; i++) {
                unsigned f;
                for (f = 0; f < JKB__NFIELDS; f++)
                    if (jkb__postings_tf(&one, i, f) != p.tf[i * JKB__NFIELDS + f])
                        abort();
                if (jkb__block_doc_positions(data, size, &one, i, &ix) != 0 ||
                    one.pos_len != p.pos_off[i + 1] - p.pos_off[i] ||
                    (one.pos_len &&
                     memcmp(one.pos, p.pos + p.pos_off[i], one.pos_len * sizeof *one.pos) != 0))
                    abort();
            }
        }
        jkb__postings_fin(&one);
        for (c = JKB__CODEC_VARINT; c <= JKB__CODEC_PACKED; c++) { /* in either codec */
            out.len = 0;
            jkb__block_encode_as(&rc, &out, &p, 0, p.n, 8, (uint8_t)c);
            if (rc == 0 &&
                (jkb__block_decode(out.data, out.len, last, &again, JKB__DECODE_POSITIONS) != 0 ||
                 !same(&p, &again)))
                abort(); /* accepted, but does not round-trip */
        }
    }
    jkb__buf_fin(&out);
    jkb__postings_fin(&p);
    jkb__postings_fin(&again);
    return 0;
}
