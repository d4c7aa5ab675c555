/*
 * libFuzzer target for the term dictionary's blocks: any bytes as blocks of the terms table
 * (per block: key length (1 byte, 1 to 128), key, value length (2 bytes, big-endian), value),
 * put into a scratch LMDB environment in a write transaction that is never committed. The
 * dictionary is walked from its start, sought from every key and from points beside them, and
 * merged with a few terms; every reader must end with a term, the end or JKB_ECORRUPT, never
 * a crash. Where the walk finds the terms in strict order, the merge must succeed and each
 * merged term be found again with the id the merge gave it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "store.h"
#include "termdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jkb__store *store;
static char dir[] = "/dev/shm/jikenbo-fuzz-terms-XXXXXX";

static void cleanup(void)
{
    char path[sizeof dir + 16];
    jkb__store_close(store);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

static int readers_end_well(int rc)
{
    return rc == 0 || rc == JKB_ENOTFOUND || rc == JKB_ECORRUPT;
}

/* Seeks from (term, len) and walks a few terms on. */
static void seek_from(jkb__txn *t, const uint8_t *term, size_t len)
{
    jkb__term_iter it;
    uint32_t id;
    int rc, steps;
    if (jkb__terms_open(t, &it) != 0)
        abort();
    for (rc = jkb__terms_seek(&it, term, len), steps = 0; rc == 0 && steps < 4;
         rc = jkb__terms_next(&it), steps++)
        if (it.len == 0 || it.len > JKB__TERM_MAX)
            abort();
    if (!readers_end_well(rc))
        abort();
    jkb__terms_close(&it);
    if (!readers_end_well(jkb__terms_get(t, term, len, &id)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const adds[] = {"\x01", "a", "b", "bz", "zzz", "\xE3\x81\x82"}; /* sorted */
    jkb__term_ref refs[sizeof adds / sizeof *adds];
    const uint8_t *p = data, *end = data + size;
    jkb__term_iter it;
    jkb__txn *t;
    jkb__err err;
    uint8_t prev[JKB__TERM_MAX];
    size_t prev_len = 0, i;
    uint32_t next = 100;
    int rc, ordered = 1;

    if (store == NULL) {
        if (mkdtemp(dir) == NULL || jkb__store_open(&store, dir, 0, 1, 0, &err) != 0)
            abort();
        atexit(cleanup);
    }
    if (jkb__txn_begin(store, 1, &t, &err) != 0)
        abort();
    while (end - p >= 1) { /* the blocks */
        size_t klen = p[0], vlen;
        if (klen == 0 || klen > JKB__TERM_MAX || (size_t)(end - p) < 1 + klen + 2)
            break;
        vlen = (size_t)p[1 + klen] << 8 | p[2 + klen];
        if ((size_t)(end - p) - 3 - klen < vlen)
            vlen = (size_t)(end - p) - 3 - klen;
        if (jkb__put(t, JKB__T_TERMS, p + 1, klen, p + 3 + klen, vlen) != 0)
            break;
        p += 3 + klen + vlen;
    }
    /* the whole walk */
    if (jkb__terms_open(t, &it) != 0)
        abort();
    for (rc = jkb__terms_seek(&it, NULL, 0); rc == 0; rc = jkb__terms_next(&it)) {
        if (it.len == 0 || it.len > JKB__TERM_MAX)
            abort();
        if (prev_len && jkb__bytes_cmp(prev, prev_len, it.term, it.len) >= 0)
            ordered = 0;
        memcpy(prev, it.term, prev_len = it.len);
    }
    if (rc != JKB_ENOTFOUND && rc != JKB_ECORRUPT)
        abort();
    ordered &= rc == JKB_ENOTFOUND;
    jkb__terms_close(&it);
    /* seeks from every block's key, a byte shorter, and a byte longer */
    for (p = data; end - p >= 1;) {
        size_t klen = p[0], vlen;
        uint8_t longer[JKB__TERM_MAX + 1];
        if (klen == 0 || klen > JKB__TERM_MAX || (size_t)(end - p) < 1 + klen + 2)
            break;
        seek_from(t, p + 1, klen);
        seek_from(t, p + 1, klen - 1);
        memcpy(longer, p + 1, klen);
        longer[klen] = 0x80;
        seek_from(t, longer, klen + 1 > JKB__TERM_MAX ? JKB__TERM_MAX : klen + 1);
        vlen = (size_t)p[1 + klen] << 8 | p[2 + klen];
        if ((size_t)(end - p) - 3 - klen < vlen)
            break;
        p += 3 + klen + vlen;
    }
    /* a merge: ids for the terms, or a clean error */
    for (i = 0; i < sizeof adds / sizeof *adds; i++) {
        refs[i].term = adds[i];
        refs[i].len = strlen(adds[i]);
        refs[i].id = UINT32_MAX;
    }
    rc = jkb__terms_resolve(t, refs, sizeof adds / sizeof *adds, &next);
    if ((ordered && rc != 0) || (rc != 0 && rc != JKB_ECORRUPT))
        abort();
    for (i = 0; ordered && i < sizeof adds / sizeof *adds; i++) { /* found as merged */
        uint32_t id;
        if (jkb__terms_get(t, refs[i].term, refs[i].len, &id) != 0 || id != refs[i].id)
            abort();
    }
    jkb__txn_abort(t);
    return 0;
}
