/* UTF-8: validation, decoding, and cutting on character boundaries. */
#ifndef JKB_CORE_UTF8_H
#define JKB_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the byte offset of the first invalid sequence in s (overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences and NUL bytes count as invalid), or len
 * when all of s is valid.
 */
size_t jkb__utf8_invalid_at(const uint8_t *s, size_t len);

/*
 * Decodes the character at s[0..len) into *cp and returns its byte length (1..4), or 0 when
 * the sequence is invalid or truncated.
 */
size_t jkb__utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* Encodes cp into dst (room for 4 bytes) and returns the bytes written. */
size_t jkb__utf8_encode(uint8_t *dst, uint32_t cp);

/* Largest n <= len such that s[0..n) ends on a character boundary. */
size_t jkb__utf8_floor(const uint8_t *s, size_t len);

/* Number of code points in valid UTF-8 s[0..len). */
size_t jkb__utf8_count(const uint8_t *s, size_t len);

#endif
