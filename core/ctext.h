/*
 * Compact text: the form stored documents take before zlib. UTF-8 spends three bytes on
 * every kana and kanji, and deflate's matches and literals pay for the repeated lead bytes;
 * Japanese text packs to 0.70x its UTF-8 bytes here, and the packed form deflates 10% smaller
 * (livedoor, with the index's preset dictionary).
 *
 *   00-7F        that byte (ASCII, NUL included)
 *   80-EF  L     the character (page << 8) + L, page being the packed byte's place in a table
 *                of 112 pages of 256 code points: U+0080-07FF (Latin, Greek, Cyrillic),
 *                U+1E00-2BFF (punctuation, symbols, arrows, ①, box drawing), U+3000-33FF
 *                (kana, CJK punctuation, ㈱ ㌔), U+4E00-9FFF (kanji), U+F900-FAFF, U+FE00-FFFF
 *                (full-width forms)
 *   FE     B     byte B as it is: a byte that starts no valid UTF-8 character
 *   FF     S     S, a valid UTF-8 character outside those pages
 *
 * Any bytes pack and unpack to themselves.
 */
#ifndef JKB_CORE_CTEXT_H
#define JKB_CORE_CTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Appends the packed form of s[0..len) to out (at most 2 * len bytes). Sticky rc. */
void jkb__ctext_pack(int *rc, jkb__buf *out, const uint8_t *s, size_t len);

/* Appends the bytes packed in p[0..len) to out (at most 1.5 * len bytes). 0, JKB_ENOMEM,
   or JKB_ECORRUPT when p is not packed text. */
int jkb__ctext_unpack(jkb__buf *out, const uint8_t *p, size_t len);

/* Unpacks the start of packed text that arrives a piece at a time: the whole characters of
   p[0..len) are appended to out, *used telling how many bytes they took; a character cut at
   the end is left for the next piece. 0, JKB_ENOMEM or JKB_ECORRUPT. */
int jkb__ctext_unpack_part(jkb__buf *out, const uint8_t *p, size_t len, size_t *used);

#endif
