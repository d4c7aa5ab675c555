#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Virtual size of a new map; the file only takes what is written, and the map doubles when
   it fills. */
#define INITIAL_MAP_SIZE ((size_t)1 << 30)

static const char *const table_names[JKB__NTABLES] = {
    "meta", "terms", "tinfo", "post", "docs", "cols", "ids", "cases",
};

/*
 * LMDB forbids opening one environment twice in a process (closing either copy would drop
 * the other's locks), so the handles of a process on one index directory share one store,
 * counted. Its read-write lock is held shared by every transaction and exclusively to
 * resize the map, which LMDB allows only while no transaction of the process is active.
 */
struct jkb__store {
    MDB_env *env;
    MDB_dbi dbi[JKB__NTABLES];
    size_t map_size;
    size_t page_size;
    int readonly;
    char *path;
    dev_t dev;
    ino_t ino;
    pid_t pid; /* a child process opens its own: an environment must not cross a fork */
    unsigned refs;
    pthread_rwlock_t resize;
    struct jkb__store *next;
};

static pthread_mutex_t stores_lock = PTHREAD_MUTEX_INITIALIZER;
static jkb__store *stores;

/* Keys longer than this are never appended (LMDB's own limit is 511). */
#define APPEND_KEY_MAX 512

struct jkb__txn {
    jkb__store *store;
    MDB_txn *txn;
    /* The largest key of each table as far as this transaction knows (at least as large as
       the real one): a put beyond it appends, which fills LMDB's pages instead of splitting
       them half empty. */
    uint8_t last[JKB__NTABLES][APPEND_KEY_MAX];
    size_t last_len[JKB__NTABLES];
    unsigned char last_known[JKB__NTABLES];
};

struct jkb__cursor {
    MDB_cursor *cur;
};

static int map_error(int mrc)
{
    switch (mrc) {
    case 0:
        return 0;
    case MDB_NOTFOUND:
        return JKB_ENOTFOUND;
    case MDB_MAP_FULL:
        return JKB__EMAPFULL;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return JKB_EFULL;
    case ENOMEM:
        return JKB_ENOMEM;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
        return JKB_ECORRUPT;
    case MDB_VERSION_MISMATCH:
        return JKB_EVERSION;
    default:
        return JKB_EIO;
    }
}

static int fail(jkb__err *err, int mrc, const char *what, const char *path)
{
    int rc = map_error(mrc);
    return jkb__err_set(err, rc, "[store][%s] %s: %s%s", what, path ? path : "",
                        mdb_strerror(mrc),
                        rc == JKB_EFULL ? " (the disk is full; earlier commits are kept)" : "");
}

/* Free bytes below which a failed write is put down to a full disk. */
#define ROOM_MIN ((uint64_t)1 << 16)

/* LMDB reports a short write as EIO. Whether the disk, or the file-size limit, ran out. */
static int out_of_room(const jkb__store *s)
{
    struct statvfs vfs;
    struct rlimit rl;
    if (statvfs(s->path, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < ROOM_MIN)
        return 1;
    return getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
           jkb__store_file_bytes(s) + ROOM_MIN > (uint64_t)rl.rlim_cur;
}

static int open_tables(jkb__store *s, jkb__err *err)
{
    MDB_txn *txn;
    int mrc, i;
    unsigned flags = s->readonly ? 0 : MDB_CREATE;

    if ((mrc = mdb_txn_begin(s->env, NULL, s->readonly ? MDB_RDONLY : 0, &txn)) != 0)
        return fail(err, mrc, "open", s->path);
    for (i = 0; i < JKB__NTABLES; i++) {
        if ((mrc = mdb_dbi_open(txn, table_names[i], flags, &s->dbi[i])) != 0) {
            mdb_txn_abort(txn);
            if (mrc == MDB_NOTFOUND)
                return jkb__err_set(err, JKB_ECORRUPT, "[store][open] %s is not a jikenbo "
                                    "index (no table %s)", s->path, table_names[i]);
            return fail(err, mrc, "open", s->path);
        }
    }
    if ((mrc = mdb_txn_commit(txn)) != 0)
        return fail(err, mrc, "open", s->path);
    return 0;
}

static void store_free(jkb__store *s)
{
    if (s->env)
        mdb_env_close(s->env);
    pthread_rwlock_destroy(&s->resize);
    free(s->path);
    free(s);
}

static int store_new(jkb__store **out, const char *path, int readonly, size_t map_size,
                     jkb__err *err)
{
    jkb__store *s;
    int mrc, rc, dead;

    s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return JKB_ENOMEM;
    }
    if (pthread_rwlock_init(&s->resize, NULL) != 0) {
        free(s->path);
        free(s);
        return JKB_ENOMEM;
    }
    s->refs = 1;
    s->readonly = readonly;
    s->map_size = map_size ? map_size : INITIAL_MAP_SIZE;
    if ((mrc = mdb_env_create(&s->env)) != 0) {
        rc = fail(err, mrc, "open", path);
        goto fail;
    }
    mdb_env_set_maxdbs(s->env, JKB__NTABLES + 2);
    mdb_env_set_mapsize(s->env, s->map_size);
    /* MDB_NOTLS: read transactions are tied to handles, not threads (the server needs it).
       Never MDB_WRITEMAP: a full disk would become SIGBUS instead of an error. */
    mrc = mdb_env_open(s->env, path, MDB_NOTLS | (readonly ? MDB_RDONLY : 0), 0666);
    if (mrc != 0) {
        rc = mrc == MDB_INVALID
                 ? jkb__err_set(err, JKB_ECORRUPT, "[store][open] %s is not an LMDB index",
                                path)
                 : fail(err, mrc, "open", path);
        goto fail;
    }
    {
        MDB_envinfo info;
        MDB_stat st;
        mdb_env_info(s->env, &info);
        mdb_env_stat(s->env, &st);
        s->map_size = info.me_mapsize;
        s->page_size = st.ms_psize;
    }
    /* Readers killed without closing would pin old pages for ever. */
    mdb_reader_check(s->env, &dead);
    if ((rc = open_tables(s, err)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    store_free(s);
    return rc;
}

int jkb__store_open(jkb__store **out, const char *path, int readonly, int create,
                    size_t map_size, jkb__err *err)
{
    jkb__store *s;
    char data_path[4096];
    struct stat st;
    int rc;

    *out = NULL;
    snprintf(data_path, sizeof data_path, "%s/data.mdb", path);
    if (stat(path, &st) != 0) {
        if (!create || readonly)
            return jkb__err_set(err, JKB_ENOTFOUND, "[store][open] no index at %s", path);
        if (mkdir(path, 0777) != 0)
            return jkb__err_set(err, JKB_EIO, "[store][open] cannot create %s: %s", path,
                                strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return jkb__err_set(err, JKB_ECORRUPT, "[store][open] %s is not an index directory",
                            path);
    } else if (stat(data_path, &st) != 0 && (!create || readonly)) {
        return jkb__err_set(err, JKB_ENOTFOUND, "[store][open] no index at %s", path);
    }

    if (stat(path, &st) != 0)
        return jkb__err_set(err, JKB_EIO, "[store][open] %s: %s", path, strerror(errno));
    pthread_mutex_lock(&stores_lock);
    for (s = stores; s && (s->dev != st.st_dev || s->ino != st.st_ino || s->pid != getpid());
         s = s->next)
        ;
    if (s && s->readonly && !readonly) {
        pthread_mutex_unlock(&stores_lock);
        return jkb__err_set(err, JKB_EINVAL, "[store][open] %s is open read-only in this "
                            "process: open it for writing first", path);
    }
    if (s) {
        s->refs++;
        pthread_mutex_unlock(&stores_lock);
        *out = s;
        return 0;
    }
    rc = store_new(&s, path, readonly, map_size, err);
    if (rc == 0) {
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->pid = getpid();
        s->next = stores;
        stores = s;
        *out = s;
    }
    pthread_mutex_unlock(&stores_lock);
    return rc;
}

void jkb__store_close(jkb__store *s)
{
    jkb__store **p;
    if (s == NULL)
        return;
    pthread_mutex_lock(&stores_lock);
    if (--s->refs == 0) {
        for (p = &stores; *p != s; p = &(*p)->next)
            ;
        *p = s->next;
        store_free(s);
    }
    pthread_mutex_unlock(&stores_lock);
}

int jkb__store_grow(jkb__store *s, jkb__err *err)
{
    int mrc;
    size_t want;
    pthread_rwlock_wrlock(&s->resize);
    want = s->map_size * 2;
    mrc = mdb_env_set_mapsize(s->env, want);
    if (mrc == 0)
        s->map_size = want;
    pthread_rwlock_unlock(&s->resize);
    return mrc ? fail(err, mrc, "grow", s->path) : 0;
}

size_t jkb__txn_page_size(const jkb__txn *t)
{
    return t->store->page_size;
}

uint64_t jkb__store_file_bytes(const jkb__store *s)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/data.mdb", s->path);
    return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int jkb__txn_begin(jkb__store *s, int write, jkb__txn **out, jkb__err *err)
{
    jkb__txn *t = malloc(write ? sizeof *t : offsetof(jkb__txn, last));
    int mrc;
    *out = NULL;
    if (t == NULL)
        return JKB_ENOMEM;
    t->store = s;
    if (write)
        memset(t->last_known, 0, sizeof t->last_known);
    pthread_rwlock_rdlock(&s->resize);
    mrc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (mrc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size, alone. */
        pthread_rwlock_unlock(&s->resize);
        pthread_rwlock_wrlock(&s->resize);
        if (mdb_env_set_mapsize(s->env, 0) == 0) {
            MDB_envinfo info;
            mdb_env_info(s->env, &info);
            s->map_size = info.me_mapsize;
        }
        pthread_rwlock_unlock(&s->resize);
        pthread_rwlock_rdlock(&s->resize);
        mrc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    }
    if (mrc != 0) {
        pthread_rwlock_unlock(&s->resize);
        free(t);
        return fail(err, mrc, "begin", s->path);
    }
    *out = t;
    return 0;
}

int jkb__txn_commit(jkb__txn *t, jkb__err *err)
{
    int mrc = mdb_txn_commit(t->txn), rc;
    pthread_rwlock_unlock(&t->store->resize);
    if (mrc == EIO && out_of_room(t->store))
        mrc = ENOSPC;
    rc = mrc ? fail(err, mrc, "commit", t->store->path) : 0;
    free(t);
    return rc;
}

void jkb__txn_abort(jkb__txn *t)
{
    if (t == NULL)
        return;
    mdb_txn_abort(t->txn);
    pthread_rwlock_unlock(&t->store->resize);
    free(t);
}

int jkb__get(jkb__txn *t, jkb__table tb, const void *key, size_t klen, jkb__val *out)
{
    MDB_val k = {klen, (void *)(uintptr_t)key}, v;
    int mrc = mdb_get(t->txn, t->store->dbi[tb], &k, &v);
    if (mrc)
        return map_error(mrc);
    out->data = v.mv_data;
    out->len = v.mv_size;
    return 0;
}

/* Whether key sorts after the table's last key (learning that key first). */
static int after_last(jkb__txn *t, jkb__table tb, const void *key, size_t klen)
{
    size_t n;
    int c;
    if (!t->last_known[tb]) {
        MDB_cursor *cur;
        MDB_val k, v;
        t->last_len[tb] = 0;
        if (mdb_cursor_open(t->txn, t->store->dbi[tb], &cur) != 0)
            return 0;
        if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0) {
            if (k.mv_size > APPEND_KEY_MAX) {
                mdb_cursor_close(cur);
                return 0;
            }
            memcpy(t->last[tb], k.mv_data, k.mv_size);
            t->last_len[tb] = k.mv_size;
        }
        mdb_cursor_close(cur);
        t->last_known[tb] = 1;
        if (t->last_len[tb] == 0)
            return klen <= APPEND_KEY_MAX; /* an empty table */
    }
    n = klen < t->last_len[tb] ? klen : t->last_len[tb];
    c = memcmp(key, t->last[tb], n);
    return klen <= APPEND_KEY_MAX && (c > 0 || (c == 0 && klen > t->last_len[tb]));
}

int jkb__put(jkb__txn *t, jkb__table tb, const void *key, size_t klen, const void *val,
             size_t vlen)
{
    MDB_val k = {klen, (void *)(uintptr_t)key}, v = {vlen, (void *)(uintptr_t)val};
    int append = after_last(t, tb, key, klen), mrc;
    mrc = mdb_put(t->txn, t->store->dbi[tb], &k, &v, append ? MDB_APPEND : 0);
    if (mrc == 0 && append) {
        memcpy(t->last[tb], key, klen);
        t->last_len[tb] = klen;
    }
    return map_error(mrc);
}

int jkb__del(jkb__txn *t, jkb__table tb, const void *key, size_t klen)
{
    MDB_val k = {klen, (void *)(uintptr_t)key};
    return map_error(mdb_del(t->txn, t->store->dbi[tb], &k, NULL));
}

int jkb__cursor_open(jkb__txn *t, jkb__table tb, jkb__cursor **out)
{
    jkb__cursor *c = malloc(sizeof *c);
    int mrc;
    *out = NULL;
    if (c == NULL)
        return JKB_ENOMEM;
    if ((mrc = mdb_cursor_open(t->txn, t->store->dbi[tb], &c->cur)) != 0) {
        free(c);
        return map_error(mrc);
    }
    *out = c;
    return 0;
}

void jkb__cursor_close(jkb__cursor *c)
{
    if (c == NULL)
        return;
    mdb_cursor_close(c->cur);
    free(c);
}

static int cursor_op(jkb__cursor *c, MDB_val *k, jkb__val *ko, jkb__val *vo, MDB_cursor_op op)
{
    MDB_val v;
    int mrc = mdb_cursor_get(c->cur, k, &v, op);
    if (mrc)
        return map_error(mrc);
    if (ko) {
        ko->data = k->mv_data;
        ko->len = k->mv_size;
    }
    if (vo) {
        vo->data = v.mv_data;
        vo->len = v.mv_size;
    }
    return 0;
}

int jkb__cursor_seek(jkb__cursor *c, const void *key, size_t klen, jkb__val *k, jkb__val *v)
{
    MDB_val mk = {klen, (void *)(uintptr_t)key};
    return cursor_op(c, &mk, k, v, klen ? MDB_SET_RANGE : MDB_FIRST);
}

/* How many entries jkb__cursor_seek_near steps before it seeks. */
#define NEAR_STEPS 4

static int key_cmp(const jkb__val *a, const void *key, size_t klen)
{
    int c = memcmp(a->data, key, a->len < klen ? a->len : klen);
    return c ? c : (a->len > klen) - (a->len < klen);
}

int jkb__cursor_seek_near(jkb__cursor *c, const void *key, size_t klen, jkb__val *k,
                          jkb__val *v)
{
    MDB_val mk;
    int steps, rc = cursor_op(c, &mk, k, v, MDB_GET_CURRENT);
    for (steps = 0; rc == 0 && key_cmp(k, key, klen) < 0 && steps < NEAR_STEPS; steps++)
        if ((rc = jkb__cursor_next(c, k, v)) == 0 && key_cmp(k, key, klen) >= 0)
            return 0;
    return rc == JKB_ENOTFOUND && steps > 0 ? rc : jkb__cursor_seek(c, key, klen, k, v);
}

int jkb__cursor_next(jkb__cursor *c, jkb__val *k, jkb__val *v)
{
    MDB_val mk;
    return cursor_op(c, &mk, k, v, MDB_NEXT);
}

int jkb__cursor_prev(jkb__cursor *c, jkb__val *k, jkb__val *v)
{
    MDB_val mk;
    return cursor_op(c, &mk, k, v, MDB_PREV);
}

int jkb__cursor_last(jkb__cursor *c, jkb__val *k, jkb__val *v)
{
    MDB_val mk;
    return cursor_op(c, &mk, k, v, MDB_LAST);
}

int jkb__store_table_stat(jkb__txn *t, jkb__table tb, jkb__table_stat *out)
{
    MDB_stat st;
    int mrc = mdb_stat(t->txn, t->store->dbi[tb], &st);
    if (mrc)
        return map_error(mrc);
    out->name = table_names[tb];
    out->entries = st.ms_entries;
    out->bytes = (uint64_t)st.ms_psize *
                 (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
    return 0;
}
