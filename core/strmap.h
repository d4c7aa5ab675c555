/*
 * An open-addressing hash index from byte strings to uint32 values. The map keeps only
 * hashes and values: the caller owns the keys and says how to read a value's key, so keys
 * live once, in the caller's arena.
 */
#ifndef JKB_CORE_STRMAP_H
#define JKB_CORE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/* Returns the key of value v. */
typedef const char *(*jkb__strmap_key_fn)(const void *ctx, uint32_t v, size_t *len);

typedef struct jkb__strmap {
    uint64_t *slots; /* hash << 32 | (value + 1); 0 is empty */
    size_t cap;      /* a power of two */
    size_t n;
} jkb__strmap;

uint32_t jkb__hash(const char *key, size_t len);

void jkb__strmap_fin(jkb__strmap *m);
void jkb__strmap_clear(jkb__strmap *m);

/* Finds key: 1 with *out set, or 0. */
int jkb__strmap_find(const jkb__strmap *m, const char *key, size_t len, uint32_t hash,
                     jkb__strmap_key_fn key_of, const void *ctx, uint32_t *out);

/* Inserts key -> v (the key must not be present). 0 or JKB_ENOMEM. */
int jkb__strmap_insert(jkb__strmap *m, uint32_t hash, uint32_t v);

/* Makes present key map to v instead: 1, or 0 when key is not present. The key must read the
   same through v as through the value it replaces. */
int jkb__strmap_replace(jkb__strmap *m, const char *key, size_t len, uint32_t hash,
                        jkb__strmap_key_fn key_of, const void *ctx, uint32_t v);

#endif
