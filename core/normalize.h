/*
 * Text-level folding, applied before MeCab to documents and queries alike: NFKC (full-width
 * ＡＢＣ１２３ and half-width ｶﾀｶﾅ fold), case folding, U+3000 and U+00A0 to a space, 〜 and ～
 * to "~", dashes to "-", circled numbers to digits, control characters to a space.
 *
 * The result keeps a map back to the source bytes, as segments of the output: a run of text
 * that folded byte for byte (to itself, or capitals to small letters) maps byte for byte; a
 * run of full-width forms or ideographic spaces, one output byte for three source bytes,
 * maps three to one; any other character (or combining sequence) that folded maps all its
 * output bytes to where it starts in the source. A token [a, b) of the output thus came
 * from source [src_start(a), src_end(b)).
 */
#ifndef JKB_CORE_NORMALIZE_H
#define JKB_CORE_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct jkb__nseg {
    uint32_t out;   /* where the segment starts in the output */
    uint32_t src;   /* and in the source */
    uint32_t step;  /* source bytes per output byte: 1 or 3 for a run; 0: one folded character */
} jkb__nseg;

typedef struct jkb__norm {
    jkb__buf text;  /* normalised UTF-8; text.data is NUL-terminated after a success */
    jkb__nseg *seg; /* in output order */
    size_t n_seg;
    size_t seg_cap;
    uint32_t src_len;
} jkb__norm;

#define JKB__NORM_INIT {JKB__BUF_INIT, NULL, 0, 0, 0}

void jkb__norm_fin(jkb__norm *n);

/*
 * Normalises src[0..len) into n, replacing what n held. Invalid UTF-8 becomes U+FFFD.
 * Returns 0 or JKB_ENOMEM (or JKB_EINVAL for input of 4 GiB or more).
 */
int jkb__normalize(jkb__norm *n, const uint8_t *src, size_t len);

/*
 * Normalising a text that arrives a piece at a time: n holds the normalisation of
 * src[0..from), and src[from..len) is appended to it. The result is that of normalising
 * src[0..len) at once when from and len are cuts: 0, the end of the text, or a place that
 * jkb__norm_cut returned.
 */
int jkb__normalize_more(jkb__norm *n, const uint8_t *src, size_t from, size_t len);

/* The last cut in src[from..avail), the text known so far: a character boundary where no
   combining mark joins what comes before. Returns from when there is none. */
size_t jkb__norm_cut(const uint8_t *src, size_t from, size_t avail);

/* Source offset where output byte i's character starts. */
size_t jkb__norm_src_start(const jkb__norm *n, size_t i);

/* Source offset where the output range ending before byte end ends. */
size_t jkb__norm_src_end(const jkb__norm *n, size_t end);

#endif
