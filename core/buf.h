/*
 * Growable byte buffers and LEB128 varints.
 *
 * Appending functions take a sticky error code (as SQLite FTS5 does): they do nothing when
 * *rc != 0 on entry and set *rc to JKB_ENOMEM on failure, so encoders stay linear and check
 * once at the end.
 */
#ifndef JKB_CORE_BUF_H
#define JKB_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"

typedef struct jkb__buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} jkb__buf;

#define JKB__BUF_INIT {NULL, 0, 0}

void jkb__buf_fin(jkb__buf *b);
/* jkb__buf_reserve when the room is short. */
void jkb__buf_grow(int *rc, jkb__buf *b, size_t extra);

/* Ensures room for extra more bytes (and a NUL). Sticky rc. Inline: encoders call it for
   every byte they append. */
static inline void jkb__buf_reserve(int *rc, jkb__buf *b, size_t extra)
{
    if (*rc == 0 && (b->len >= b->cap || extra >= b->cap - b->len))
        jkb__buf_grow(rc, b, extra);
}

void jkb__buf_put(int *rc, jkb__buf *b, const void *src, size_t n);

static inline void jkb__buf_putc(int *rc, jkb__buf *b, uint8_t c)
{
    jkb__buf_reserve(rc, b, 1);
    if (*rc == 0)
        b->data[b->len++] = c;
}
void jkb__buf_put_str(int *rc, jkb__buf *b, const char *s);
void jkb__buf_put_varint(int *rc, jkb__buf *b, uint64_t v);
/* Appends a NUL without counting it in len, so data can be used as a C string. */
void jkb__buf_terminate(int *rc, jkb__buf *b);

/*
 * Makes room for element n of the array arr, of which cap are allocated, doubling it; sets
 * rc to JKB_ENOMEM on failure, leaving the array as it was. Sticky rc.
 */
#define JKB__RESERVE(rc, arr, cap, n)                                                         \
    do {                                                                                      \
        if ((rc) == 0 && (size_t)(n) >= (cap)) {                                              \
            size_t cap_ = (cap) ? (cap) * 2 : 16;                                             \
            void *p_ = cap_ > SIZE_MAX / sizeof *(arr) ? NULL                                 \
                                                       : realloc((arr), cap_ * sizeof *(arr)); \
            if (p_ == NULL) {                                                                 \
                (rc) = JKB_ENOMEM;                                                            \
            } else {                                                                          \
                (arr) = p_;                                                                   \
                (cap) = cap_;                                                                 \
            }                                                                                 \
        }                                                                                     \
    } while (0)

/* Writes v at dst (room for JKB__VARINT_MAX bytes); returns the bytes written. */
#define JKB__VARINT_MAX 10
size_t jkb__varint_put(uint8_t *dst, uint64_t v);

/* The bytes jkb__varint_put() writes for v. */
static inline size_t jkb__varint_len(uint64_t v)
{
    size_t n = 1;
    for (; v >= 0x80; v >>= 7)
        n++;
    return n;
}

/*
 * Reads a varint from [*p, end). Returns 0 and advances *p, or JKB_ECORRUPT when the varint
 * runs past end or past 10 bytes.
 */
int jkb__varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out);
/* The same, for values that must fit 32 bits. */
int jkb__varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *out);

/* LMDB's key order: bytes compared as unsigned, a prefix first. */
static inline int jkb__bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

/* Big-endian 32-bit keys sort numerically under LMDB's memcmp order. */
void jkb__be32_put(uint8_t *dst, uint32_t v);
uint32_t jkb__be32_get(const uint8_t *src);

/* Little-endian 32 bits at p. */
static inline uint32_t jkb__le32_get(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Little-endian 64 bits at p. */
static inline uint64_t jkb__le64_get(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

/* The one bits of each byte of x, in that byte (__builtin_popcountll calls into libgcc where
   the target has no population count instruction). */
static inline uint64_t jkb__ones_per_byte(uint64_t x)
{
    x -= x >> 1 & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + (x >> 2 & 0x3333333333333333u);
    return (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
}

/* The one bits of x: the bytes' counts summed by a multiplication into the top byte. */
static inline unsigned jkb__ones64(uint64_t x)
{
    return (unsigned)(jkb__ones_per_byte(x) * 0x0101010101010101u >> 56);
}

static inline void jkb__le64_put(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
