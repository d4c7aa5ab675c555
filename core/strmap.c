#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jikenbo.h"

uint32_t jkb__hash(const char *key, size_t len)
{
    /* FNV-1a */
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (uint8_t)key[i];
        h *= 16777619u;
    }
    return h;
}

void jkb__strmap_fin(jkb__strmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

void jkb__strmap_clear(jkb__strmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->n = 0;
}

/* The slot holding key, or SIZE_MAX. */
static size_t find_slot(const jkb__strmap *m, const char *key, size_t len, uint32_t hash,
                        jkb__strmap_key_fn key_of, const void *ctx)
{
    size_t i;
    if (m->cap == 0)
        return SIZE_MAX;
    for (i = hash & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        uint64_t s = m->slots[i];
        if (s == 0)
            return SIZE_MAX;
        if ((uint32_t)(s >> 32) == hash) {
            size_t klen;
            const char *k = key_of(ctx, (uint32_t)s - 1, &klen);
            if (klen == len && memcmp(k, key, len) == 0)
                return i;
        }
    }
}

int jkb__strmap_find(const jkb__strmap *m, const char *key, size_t len, uint32_t hash,
                     jkb__strmap_key_fn key_of, const void *ctx, uint32_t *out)
{
    size_t i = find_slot(m, key, len, hash, key_of, ctx);
    if (i == SIZE_MAX)
        return 0;
    *out = (uint32_t)m->slots[i] - 1;
    return 1;
}

int jkb__strmap_replace(jkb__strmap *m, const char *key, size_t len, uint32_t hash,
                        jkb__strmap_key_fn key_of, const void *ctx, uint32_t v)
{
    size_t i = find_slot(m, key, len, hash, key_of, ctx);
    if (i == SIZE_MAX)
        return 0;
    m->slots[i] = (uint64_t)hash << 32 | ((uint64_t)v + 1);
    return 1;
}

static void place(uint64_t *slots, size_t cap, uint64_t s)
{
    size_t i;
    for (i = (s >> 32) & (cap - 1); slots[i]; i = (i + 1) & (cap - 1))
        ;
    slots[i] = s;
}

int jkb__strmap_insert(jkb__strmap *m, uint32_t hash, uint32_t v)
{
    if ((m->n + 1) * 4 > m->cap * 3) { /* keep the load under 3/4 */
        size_t cap = m->cap ? m->cap * 2 : 1024, i;
        uint64_t *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return JKB_ENOMEM;
        for (i = 0; i < m->cap; i++)
            if (m->slots[i])
                place(slots, cap, m->slots[i]);
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    place(m->slots, m->cap, (uint64_t)hash << 32 | ((uint64_t)v + 1));
    m->n++;
    return 0;
}
