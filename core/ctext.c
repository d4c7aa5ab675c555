#include "ctext.h"

#include <string.h>

#include "jikenbo.h"
#include "utf8.h"

#define PAGE_FIRST 0x80
#define N_PAGES 112
#define RAW_BYTE 0xFE
#define OTHER_CHAR 0xFF

/* Each page's code points as three UTF-8 bytes, least significant first, but for the low
   byte's bits: U+hh00 (unused for the pages below 08, which take two UTF-8 bytes). */
#define U(h) (0xE0u | (h) >> 4 | (0x80u | ((h)&0x0Fu) << 2) << 8 | 0x80u << 16)
static const uint32_t page_utf8[N_PAGES] = {
    U(0x00), U(0x01), U(0x02), U(0x03), U(0x04), U(0x05), U(0x06), U(0x07),
    U(0x1E), U(0x1F), U(0x20), U(0x21), U(0x22), U(0x23), U(0x24), U(0x25),
    U(0x26), U(0x27), U(0x28), U(0x29), U(0x2A), U(0x2B), U(0x30), U(0x31),
    U(0x32), U(0x33), U(0x4E), U(0x4F), U(0x50), U(0x51), U(0x52), U(0x53),
    U(0x54), U(0x55), U(0x56), U(0x57), U(0x58), U(0x59), U(0x5A), U(0x5B),
    U(0x5C), U(0x5D), U(0x5E), U(0x5F), U(0x60), U(0x61), U(0x62), U(0x63),
    U(0x64), U(0x65), U(0x66), U(0x67), U(0x68), U(0x69), U(0x6A), U(0x6B),
    U(0x6C), U(0x6D), U(0x6E), U(0x6F), U(0x70), U(0x71), U(0x72), U(0x73),
    U(0x74), U(0x75), U(0x76), U(0x77), U(0x78), U(0x79), U(0x7A), U(0x7B),
    U(0x7C), U(0x7D), U(0x7E), U(0x7F), U(0x80), U(0x81), U(0x82), U(0x83),
    U(0x84), U(0x85), U(0x86), U(0x87), U(0x88), U(0x89), U(0x8A), U(0x8B),
    U(0x8C), U(0x8D), U(0x8E), U(0x8F), U(0x90), U(0x91), U(0x92), U(0x93),
    U(0x94), U(0x95), U(0x96), U(0x97), U(0x98), U(0x99), U(0x9A), U(0x9B),
    U(0x9C), U(0x9D), U(0x9E), U(0x9F), U(0xF9), U(0xFA), U(0xFE), U(0xFF),
};
#undef U

/* The page of the code points whose high byte is hi, or -1 (the inverse of the table above). */
static inline int page_of(uint32_t hi)
{
    if (hi - 0x4E <= 0x9F - 0x4E)
        return (int)(hi - 0x4E) + 26;
    if (hi - 0x30 <= 0x33 - 0x30)
        return (int)(hi - 0x30) + 22;
    if (hi <= 0x07)
        return (int)hi;
    if (hi - 0x1E <= 0x2B - 0x1E)
        return (int)(hi - 0x1E) + 8;
    if (hi - 0xF9 <= 0xFA - 0xF9)
        return (int)(hi - 0xF9) + 108;
    if (hi >= 0xFE && hi <= 0xFF)
        return (int)(hi - 0xFE) + 110;
    return -1;
}

void jkb__ctext_pack(int *rc, jkb__buf *out, const uint8_t *s, size_t len)
{
    uint8_t *o;
    size_t i = 0;
    if (len > SIZE_MAX / 2) {
        *rc = *rc ? *rc : JKB_ENOMEM;
        return;
    }
    jkb__buf_reserve(rc, out, 2 * len);
    if (*rc)
        return;
    o = out->data + out->len;
    while (i < len) {
        uint32_t cp;
        size_t n;
        int page;
        if (s[i] < 0x80) {
            *o++ = s[i++];
            continue;
        }
        n = jkb__utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            *o++ = RAW_BYTE;
            *o++ = s[i++];
            continue;
        }
        if (cp <= 0xFFFF && (page = page_of(cp >> 8)) >= 0) {
            *o++ = (uint8_t)(PAGE_FIRST + page);
            *o++ = (uint8_t)cp;
        } else {
            *o++ = OTHER_CHAR;
            memcpy(o, s + i, n);
            o += n;
        }
        i += n;
    }
    out->len = (size_t)(o - out->data);
}

/* Whether packed byte b starts a character of a page of three UTF-8 bytes. */
static inline int is_page3(uint8_t b)
{
    return (unsigned)(b - PAGE_FIRST - 8) < N_PAGES - 8;
}

/* The packed character at p (not ASCII, not of a three-byte page) into *o; returns where the
   next starts, or NULL when p holds no packed text. */
static const uint8_t *unpack_other(const uint8_t *p, const uint8_t *end, uint8_t **o)
{
    uint32_t cp;
    size_t n;
    if ((unsigned)(p[0] - PAGE_FIRST) < 8 && end - p >= 2) {
        *o += jkb__utf8_encode(*o, (uint32_t)(p[0] - PAGE_FIRST) << 8 | p[1]); /* below 08 */
        return p + 2;
    }
    if (p[0] == RAW_BYTE && end - p >= 2) {
        *(*o)++ = p[1];
        return p + 2;
    }
    if (p[0] != OTHER_CHAR || (n = jkb__utf8_decode(p + 1, (size_t)(end - p - 1), &cp)) == 0)
        return NULL;
    memcpy(*o, p + 1, n);
    *o += n;
    return p + 1 + n;
}

int jkb__ctext_unpack_part(jkb__buf *out, const uint8_t *p, size_t len, size_t *used)
{
    const uint8_t *start = p, *end = p + len, *next;
    uint8_t *o;
    int rc = 0;
    jkb__buf_reserve(&rc, out, len + len / 2 + 1); /* a byte more for the last 4-byte store */
    if (rc)
        return rc;
    o = out->data + out->len;
    while (p < end) {
        /* most of Japanese text: characters of three UTF-8 bytes, one after another */
        while (end - p >= 2 && is_page3(p[0])) {
            uint32_t l = p[1], w = page_utf8[p[0] - PAGE_FIRST] | (l >> 6) << 8 | (l & 0x3F) << 16;
            o[0] = (uint8_t)w;
            o[1] = (uint8_t)(w >> 8);
            o[2] = (uint8_t)(w >> 16);
            o[3] = (uint8_t)(w >> 24);
            o += 3;
            p += 2;
        }
        while (p < end && p[0] < 0x80)
            *o++ = *p++;
        if (p == end || (end - p >= 2 && is_page3(p[0])))
            continue;
        if ((next = unpack_other(p, end, &o)) == NULL) {
            if (end - p >= 5)
                return JKB_ECORRUPT;
            break; /* a character longer than what is left: cut, or not packed text */
        }
        p = next;
    }
    out->len = (size_t)(o - out->data);
    *used = (size_t)(p - start);
    return 0;
}

int jkb__ctext_unpack(jkb__buf *out, const uint8_t *p, size_t len)
{
    size_t used;
    int rc = jkb__ctext_unpack_part(out, p, len, &used);
    return rc ? rc : used == len ? 0 : JKB_ECORRUPT;
}
