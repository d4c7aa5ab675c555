#include "normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "jikenbo.h"
#include "utf8.h"

/* Longest combining sequence kept together; longer runs are cut (they are not text). */
#define CHUNK_MAX 32

typedef struct chunk {
    utf8proc_int32_t cp[CHUNK_MAX];
    size_t n;
    size_t src;     /* source offset of the chunk's first character */
    int composable; /* came through utf8proc, may need composition */
} chunk;

void jkb__norm_fin(jkb__norm *n)
{
    jkb__buf_fin(&n->text);
    free(n->seg);
    n->seg = NULL;
    n->n_seg = n->seg_cap = 0;
}

/* ASCII capitals to small letters; any other character as it is. */
static inline uint32_t ascii_lower(uint32_t c)
{
    return c - 'A' < 26 ? c + ('a' - 'A') : c;
}

/* Folds applied on top of NFKC. Returns the replacement, or -1 to go through utf8proc. */
static int32_t fold_special(uint32_t c)
{
    switch (c) {
    case 0x301C: /* 〜 WAVE DASH: NFKC leaves it, but it is written for ～ */
    case 0xFF5E: /* ～ */
    case 0x2053: /* ⁓ */
        return '~';
    case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
        return '-';
    case '\t': case '\r': case 0x0B: case 0x0C:
        return ' ';
    default:
        break;
    }
    if (c < 0x20 && c != '\n')
        return ' ';
    if (c >= 0x7F && c < 0xA0)
        return ' ';
    /* What NFKC and case folding make of the full-width forms Japanese text is full of
       (！？（）０-９Ａ-Ｚ, the ideographic space), without asking utf8proc. */
    if (c >= 0xFF01 && c <= 0xFF5E) {
        c -= 0xFF01 - 0x21;
        return (int32_t)ascii_lower(c);
    }
    if (c == 0x3000)
        return ' ';
    return -1;
}

/* Characters NFKC and case folding leave alone, that no earlier character composes with:
   kanji, kana, and the CJK punctuation NFKC keeps (「」『』【】・ …; not U+3000, 〜, the
   combining marks U+302A-302F and the compatibility forms U+3036, U+3038-303A). */
static inline int is_plain_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3041 && c <= 0x3096) ||
           (c >= 0x30A1 && c <= 0x30FC) || (c >= 0x3001 && c <= 0x301B) ||
           (c >= 0x301D && c <= 0x3029) || (c >= 0x3030 && c <= 0x3035) || c == 0x3037 ||
           (c >= 0x303B && c <= 0x303F);
}

/* Starts a segment of step source bytes per output byte (0: one folded character) at the
   output's end for source offset src; a run that continues the previous segment with the
   same step extends it instead. */
static int add_segment(jkb__norm *n, size_t src, unsigned step)
{
    int rc = 0;
    if (step && n->n_seg > 0) {
        const jkb__nseg *last = &n->seg[n->n_seg - 1];
        if (last->step == step && last->src + step * (n->text.len - last->out) == src)
            return 0;
    }
    JKB__RESERVE(rc, n->seg, n->seg_cap, n->n_seg);
    if (rc)
        return rc;
    n->seg[n->n_seg].out = (uint32_t)n->text.len;
    n->seg[n->n_seg].src = (uint32_t)src;
    n->seg[n->n_seg].step = step;
    n->n_seg++;
    return 0;
}

/* Sorts the non-starters of a chunk by combining class (canonical ordering), stably. */
static void canonical_order(chunk *ch)
{
    size_t i, j;
    for (i = 1; i < ch->n; i++) {
        utf8proc_int32_t c = ch->cp[i];
        int cc = utf8proc_get_property(c)->combining_class;
        if (cc == 0)
            continue;
        for (j = i; j > 0; j--) {
            int pc = utf8proc_get_property(ch->cp[j - 1])->combining_class;
            if (pc <= cc)
                break;
            ch->cp[j] = ch->cp[j - 1];
        }
        ch->cp[j] = c;
    }
}

static int flush(jkb__norm *n, chunk *ch)
{
    int rc = 0;
    size_t i, n_cp = ch->n;
    if (n_cp == 0)
        return 0;
    if (ch->composable && n_cp > 1) {
        utf8proc_ssize_t r;
        canonical_order(ch);
        r = utf8proc_normalize_utf32(ch->cp, (utf8proc_ssize_t)n_cp, UTF8PROC_COMPOSE);
        if (r >= 0)
            n_cp = (size_t)r;
    }
    jkb__buf_reserve(&rc, &n->text, n_cp * 4);
    if (rc || add_segment(n, ch->src, 0))
        return JKB_ENOMEM;
    for (i = 0; i < n_cp; i++)
        n->text.len += jkb__utf8_encode(n->text.data + n->text.len, (uint32_t)ch->cp[i]);
    ch->n = 0;
    ch->composable = 0;
    return 0;
}

/* The ASCII character a full-width form (U+FF01-U+FF5E) or an ideographic space at src[i]
   folds to (fold_special()); 0 for any other character. */
static inline uint8_t wide_fold(const uint8_t *src, size_t i, size_t len)
{
    uint32_t c;
    if (len - i < 3 || (src[i] != 0xE3 && src[i] != 0xEF) || jkb__utf8_decode(src + i, 3, &c) != 3)
        return 0;
    return c == 0x3000 || (c >= 0xFF01 && c <= 0xFF5E) ? (uint8_t)fold_special(c) : 0;
}

/* Whether the character at src[i..len) would join the one before it (a combining mark,
   or something that decomposes into one, such as ﾞ). */
static int joins_previous(const uint8_t *src, size_t i, size_t len)
{
    uint32_t c;
    utf8proc_int32_t dec[CHUNK_MAX];
    utf8proc_ssize_t nd;
    if (i >= len || src[i] < 0x80 || wide_fold(src, i, len))
        return 0;
    if (jkb__utf8_decode(src + i, len - i, &c) == 0 || is_plain_cjk(c))
        return 0;
    nd = utf8proc_decompose_char((utf8proc_int32_t)c, dec, CHUNK_MAX,
                                 UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, NULL);
    return nd > 0 && utf8proc_get_property(dec[0])->combining_class != 0;
}

/* Printable ASCII and \n, which fold to themselves or (capitals) to their small letter,
   byte for byte: bits 0x0A and 0x20-0x7E. */
static inline int ascii_plain(uint8_t b)
{
    static const uint64_t mask[2] = {0xFFFFFFFF00000400u, 0x7FFFFFFFFFFFFFFFu};
    return (int)(mask[b >> 6] >> (b & 63)) & 1;
}

static void lower_ascii(uint8_t *p, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++)
        p[k] = (uint8_t)ascii_lower(p[k]);
}

/* Which characters of three UTF-8 bytes are is_plain_cjk(): by lead byte a row, by second
   byte a bitmap of third bytes. Kana and CJK punctuation U+3000-U+30FF are E3 80-83; kanji
   U+4E00-U+9FFF are E4 B8-BF and E5-E9 (the test over every code point checks the table). */
#define ALL1 (~(uint64_t)0)
#define ALL8 ALL1, ALL1, ALL1, ALL1, ALL1, ALL1, ALL1, ALL1
static const uint64_t plain3[4][64] = {
    {0},
    {0xf8bf03ffeffffffeu, 0xfffffffffffffffeu, 0xfffffffe007fffffu, 0x1fffffffffffffffu},
    {[0x38] = ALL8},
    {ALL8, ALL8, ALL8, ALL8, ALL8, ALL8, ALL8, ALL8},
};
static const uint8_t plain3_row[16] = {0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0};
#undef ALL8
#undef ALL1

/*
 * End of the run of characters from src[i] that fold byte for byte (to themselves, or
 * ASCII capitals to small letters; *caps is set when the run holds a capital); *last is
 * where its last character starts (i when the run is empty). The normaliser spends most of
 * its time here: every snippet normalises a whole body.
 */
static size_t plain_run(const uint8_t *src, size_t i, size_t len, size_t *last, int *caps)
{
    size_t at = i;
    while (i < len) {
        uint8_t b = src[i], b1, b2;
        if (b < 0x80) {
            if (!ascii_plain(b))
                break;
            *caps |= (uint8_t)(b - 'A') < 26;
            at = i++;
            continue;
        }
        if (len - i < 3 || (b & 0xF0) != 0xE0)
            break;
        b1 = src[i + 1];
        b2 = src[i + 2];
        /* continuation bytes, and a plain character: no branch on which kind */
        if (((b1 ^ 0x80) | (b2 ^ 0x80)) >= 0x40 ||
            !(plain3[plain3_row[b & 0x0F]][b1 & 0x3F] >> (b2 & 0x3F) & 1))
            break;
        at = i;
        i += 3;
    }
    *last = at;
    return i;
}

int jkb__normalize(jkb__norm *n, const uint8_t *src, size_t len)
{
    n->text.len = 0;
    n->n_seg = 0;
    return jkb__normalize_more(n, src, 0, len);
}

size_t jkb__norm_cut(const uint8_t *src, size_t from, size_t avail)
{
    /* four bytes on, the character at the cut is whole, so whether it joins is known */
    size_t c = avail >= 4 ? avail - 4 : 0;
    for (; c > from; c--)
        if ((src[c] & 0xC0) != 0x80 && !joins_previous(src, c, avail))
            return c;
    return from;
}

int jkb__normalize_more(jkb__norm *n, const uint8_t *src, size_t from, size_t len)
{
    chunk ch;
    size_t i = from;
    int rc = 0;

    if (len >= UINT32_MAX)
        return JKB_EINVAL;
    n->src_len = (uint32_t)len;
    ch.n = 0;
    ch.src = from;
    ch.composable = 0;
    jkb__buf_reserve(&rc, &n->text, len - from + (len - from) / 8 + 16);
    if (rc)
        return JKB_ENOMEM;

    while (i < len) {
        uint32_t c;
        int32_t special;
        size_t clen;
        utf8proc_int32_t dec[CHUNK_MAX];
        utf8proc_ssize_t nd;

        /* Most text folds to itself: copy a run of it at once. Only its last character can
           be joined by a combining mark that follows; that one takes the slow path. */
        size_t last, j;
        int caps = 0;
        j = plain_run(src, i, len, &last, &caps);
        if (j > i && joins_previous(src, j, len))
            j = last;
        if (j > i) {
            uint8_t *out;
            if (flush(n, &ch))
                return JKB_ENOMEM;
            jkb__buf_reserve(&rc, &n->text, j - i);
            if (rc || add_segment(n, i, 1))
                return JKB_ENOMEM;
            out = n->text.data + n->text.len;
            memcpy(out, src + i, j - i);
            n->text.len += j - i;
            if (caps)
                lower_ascii(out, j - i);
            i = j;
            continue;
        }
        /* Full-width forms and ideographic spaces, one output byte each: a run of them is
           one segment of three source bytes per output byte. */
        for (j = i; wide_fold(src, j, len); j += 3)
            ;
        if (j > i && joins_previous(src, j, len))
            j -= 3;
        if (j > i) {
            if (flush(n, &ch))
                return JKB_ENOMEM;
            jkb__buf_reserve(&rc, &n->text, (j - i) / 3);
            if (rc || add_segment(n, i, 3))
                return JKB_ENOMEM;
            for (; i < j; i += 3)
                n->text.data[n->text.len++] = wide_fold(src, i, len);
            continue;
        }
        if (src[i] < 0x80) {
            c = ascii_lower(src[i]);
            clen = 1;
        } else {
            clen = jkb__utf8_decode(src + i, len - i, &c);
            if (clen == 0) {
                c = 0xFFFD;
                clen = 1;
            }
        }
        special = fold_special(c);
        if (special >= 0 || c < 0x80 || is_plain_cjk(c)) {
            if (flush(n, &ch))
                return JKB_ENOMEM;
            ch.cp[0] = special >= 0 ? special : (utf8proc_int32_t)c;
            ch.n = 1;
            ch.src = i;
            i += clen;
            continue;
        }
        nd = utf8proc_decompose_char((utf8proc_int32_t)c, dec, CHUNK_MAX, UTF8PROC_DECOMPOSE |
                                     UTF8PROC_COMPAT | UTF8PROC_CASEFOLD, NULL);
        if (nd < 0 || nd > CHUNK_MAX) {
            dec[0] = 0xFFFD;
            nd = 1;
        }
        /* A character whose decomposition starts with a combining mark (ﾞ, U+3099, accents)
           joins the chunk before it, so that it can compose with it. */
        if (nd == 0 || !(ch.n > 0 && ch.n + (size_t)nd <= CHUNK_MAX &&
                         utf8proc_get_property(dec[0])->combining_class != 0)) {
            if (flush(n, &ch))
                return JKB_ENOMEM;
            ch.src = i;
        }
        memcpy(ch.cp + ch.n, dec, (size_t)nd * sizeof dec[0]);
        ch.n += (size_t)nd;
        ch.composable = 1;
        i += clen;
    }
    if (flush(n, &ch))
        return JKB_ENOMEM;
    jkb__buf_terminate(&rc, &n->text);
    return rc;
}

/* The segment holding output byte i (there is one when i < text.len). */
static size_t segment_of(const jkb__norm *n, size_t i)
{
    size_t lo = 0, hi = n->n_seg;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (n->seg[mid].out <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

size_t jkb__norm_src_start(const jkb__norm *n, size_t i)
{
    const jkb__nseg *s;
    if (i >= n->text.len)
        return n->src_len;
    s = &n->seg[segment_of(n, i)];
    return s->src + s->step * (i - s->out);
}

size_t jkb__norm_src_end(const jkb__norm *n, size_t end)
{
    size_t k;
    const jkb__nseg *s;
    if (end == 0)
        return n->n_seg ? n->seg[0].src : 0;
    if (end >= n->text.len)
        return n->src_len;
    k = segment_of(n, end - 1);
    s = &n->seg[k];
    if (s->step)
        return s->src + s->step * (end - s->out);
    /* the end of a folded character: where the next segment starts in the source */
    return k + 1 < n->n_seg ? n->seg[k + 1].src : n->src_len;
}
