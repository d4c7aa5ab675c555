#include "buf.h"

#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"

void jkb__buf_fin(jkb__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void jkb__buf_grow(int *rc, jkb__buf *b, size_t extra)
{
    size_t want, cap;
    uint8_t *p;
    if (*rc)
        return;
    if (extra > SIZE_MAX - b->len - 1) {
        *rc = JKB_ENOMEM;
        return;
    }
    want = b->len + extra + 1; /* + 1: room for jkb__buf_terminate */
    if (want <= b->cap)
        return;
    cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        *rc = JKB_ENOMEM;
        return;
    }
    b->data = p;
    b->cap = cap;
}

void jkb__buf_put(int *rc, jkb__buf *b, const void *src, size_t n)
{
    jkb__buf_reserve(rc, b, n);
    if (*rc || n == 0)
        return;
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

void jkb__buf_put_str(int *rc, jkb__buf *b, const char *s)
{
    jkb__buf_put(rc, b, s, strlen(s));
}

void jkb__buf_put_varint(int *rc, jkb__buf *b, uint64_t v)
{
    jkb__buf_reserve(rc, b, JKB__VARINT_MAX);
    if (*rc)
        return;
    b->len += jkb__varint_put(b->data + b->len, v);
}

void jkb__buf_terminate(int *rc, jkb__buf *b)
{
    jkb__buf_reserve(rc, b, 0);
    if (*rc)
        return;
    b->data[b->len] = 0;
}

size_t jkb__varint_put(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

int jkb__varint_get(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    const uint8_t *s = *p;
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t c;
        if (s >= end || shift > 63)
            return JKB_ECORRUPT;
        c = *s++;
        if (shift == 63 && c > 1)
            return JKB_ECORRUPT; /* would overflow 64 bits */
        v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80)
            break;
        shift += 7;
    }
    *p = s;
    *out = v;
    return 0;
}

int jkb__varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    uint64_t v;
    const uint8_t *s = *p;
    if (jkb__varint_get(&s, end, &v) || v > UINT32_MAX)
        return JKB_ECORRUPT;
    *p = s;
    *out = (uint32_t)v;
    return 0;
}

void jkb__be32_put(uint8_t *dst, uint32_t v)
{
    dst[0] = (uint8_t)(v >> 24);
    dst[1] = (uint8_t)(v >> 16);
    dst[2] = (uint8_t)(v >> 8);
    dst[3] = (uint8_t)v;
}

uint32_t jkb__be32_get(const uint8_t *src)
{
    return (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];
}
