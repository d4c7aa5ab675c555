#include "utf8.h"

#include <string.h>

size_t jkb__utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint32_t c;
    size_t n, i;
    if (len == 0)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t jkb__utf8_invalid_at(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (s[i] >= 0x01 && s[i] < 0x80) {
            i++;
            continue;
        }
        n = jkb__utf8_decode(s + i, len - i, &cp);
        if (n == 0 || cp == 0)
            return i;
        i += n;
    }
    return len;
}

size_t jkb__utf8_encode(uint8_t *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (uint8_t)cp;
        return 1;
    } else if (cp < 0x800) {
        dst[0] = (uint8_t)(0xC0 | cp >> 6);
        dst[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        dst[0] = (uint8_t)(0xE0 | cp >> 12);
        dst[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        dst[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (uint8_t)(0xF0 | cp >> 18);
    dst[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    dst[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    dst[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

size_t jkb__utf8_floor(const uint8_t *s, size_t len)
{
    size_t n = len;
    /* Back up over continuation bytes to the lead byte of the last character. */
    while (n > 0 && (s[n - 1] & 0xC0) == 0x80)
        n--;
    if (n == 0)
        return 0;
    {
        uint32_t cp;
        size_t clen = jkb__utf8_decode(s + n - 1, len - (n - 1), &cp);
        if (clen != 0 && n - 1 + clen == len)
            return len; /* the last character is complete */
    }
    return n - 1;
}

size_t jkb__utf8_count(const uint8_t *s, size_t len)
{
    const uint64_t high = 0x8080808080808080u;
    size_t i = 0, n = len;
    /* Eight bytes at a time: a continuation byte has bit 7 set and bit 6 clear. */
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        w = (w & ~(w << 1) & high) >> 7; /* 1 in each continuation byte */
        n -= (size_t)((w * 0x0101010101010101u) >> 56);
    }
    for (; i < len; i++)
        n -= (s[i] & 0xC0) == 0x80;
    return n;
}
