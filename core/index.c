/* Opening, checking and describing an index. */
#include "index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define META_FORMAT "format"
#define META_ANALYZER "analyzer"
#define META_COUNTS "counts"

static void docs_key(uint8_t *k, uint32_t doc, unsigned chunk)
{
    jkb__be32_put(k, doc);
    k[4] = (uint8_t)(chunk >> 8);
    k[5] = (uint8_t)chunk;
}

/* LMDB's leaf pages: a header, then per entry a 2-byte pointer and the node, an 8-byte header
   with the key and the value, rounded up to even. */
#define PAGE_HEADER 16
#define ENTRY_COST(value) (2 + ((8 + 6 + (value) + 1) & ~(size_t)1))
/* A piece shorter than this (unless it ends the record) starts a new page instead. */
#define PIECE_MIN 64

int jkb__docs_put(jkb__txn *t, uint32_t doc, const uint8_t *rec, size_t len, uint32_t *room)
{
    /* the largest value LMDB keeps on a leaf page: half of it, less pointer, header, key */
    size_t page = jkb__txn_page_size(t) - PAGE_HEADER;
    size_t max = (page / 2 & ~(size_t)1) - ENTRY_COST(0);
    size_t off = 0;
    unsigned chunk = 0;
    uint8_t key[6];
    int rc = 0;
    do {
        size_t left = len - off, n;
        if (*room < ENTRY_COST(left < PIECE_MIN ? left : PIECE_MIN) || *room > page)
            *room = (uint32_t)page; /* the piece starts a new page */
        n = *room - ENTRY_COST(0);
        n = n < max ? n : max;
        n = n < left ? n : left;
        if (chunk > 0xFFFF)
            return JKB_EINVAL;
        docs_key(key, doc, chunk++);
        rc = jkb__put(t, JKB__T_DOCS, key, sizeof key, rec + off, n);
        *room -= (uint32_t)ENTRY_COST(n);
        off += n;
    } while (rc == 0 && off < len);
    return rc;
}

int jkb__docs_del(jkb__txn *t, uint32_t doc)
{
    uint8_t key[6];
    unsigned chunk;
    int rc = 0;
    for (chunk = 0; rc == 0; chunk++) {
        docs_key(key, doc, chunk);
        rc = jkb__del(t, JKB__T_DOCS, key, sizeof key);
    }
    return rc == JKB_ENOTFOUND && chunk > 1 ? 0 : rc;
}

/* Document doc's record into *rec: in place, or gathered in db->rec from its pieces. */
static int docs_record(jkb_index *ix, jkb__txn *t, uint32_t doc, jkb__docbuf *db, jkb__val *rec)
{
    uint8_t key[6];
    jkb__val k, v, first = {NULL, 0};
    jkb__cursor *c;
    unsigned chunk = 0;
    int rc;
    docs_key(key, doc, 0);
    db->rec.len = 0;
    if ((rc = jkb__cursor_open(t, JKB__T_DOCS, &c)) != 0)
        return rc;
    for (rc = jkb__cursor_seek(c, key, sizeof key, &k, &v); rc == 0;
         rc = jkb__cursor_next(c, &k, &v), chunk++) {
        if (k.len != sizeof key || memcmp(k.data, key, 4) != 0)
            break;
        if (((unsigned)k.data[4] << 8 | k.data[5]) != chunk)
            rc = JKB_ECORRUPT; /* a piece missing */
        else if (chunk == 0)
            first = v; /* most records are one piece: read in place */
        else if (chunk == 1)
            jkb__buf_put(&rc, &db->rec, first.data, first.len);
        if (chunk > 0)
            jkb__buf_put(&rc, &db->rec, v.data, v.len);
        if (rc)
            break;
    }
    jkb__cursor_close(c);
    if (rc && rc != JKB_ENOTFOUND)
        return rc;
    if (chunk == 0)
        return JKB_ENOTFOUND;
    if (chunk > 1)
        first = (jkb__val){db->rec.data, db->rec.len};
    if (first.len && first.data[0] == 2 && (rc = jkb__zdict_load(ix, t)) != 0)
        return rc; /* method 2: the dictionary */
    *rec = first;
    return 0;
}

int jkb__docs_read(jkb_index *ix, jkb__txn *t, uint32_t doc, jkb__docbuf *db,
                   const jkb_doc **out)
{
    jkb__val rec;
    int rc = docs_record(ix, t, doc, db, &rec);
    return rc ? rc : jkb__doc_decode(db, rec.data, rec.len, ix->zdict.data, ix->zdict.len, out);
}

int jkb__docs_begin(jkb_index *ix, jkb__txn *t, uint32_t doc, jkb__docbuf *db)
{
    jkb__val rec;
    int rc = docs_record(ix, t, doc, db, &rec);
    return rc ? rc : jkb__doc_begin(db, rec.data, rec.len, ix->zdict.data, ix->zdict.len);
}

int jkb__zdict_load(jkb_index *ix, jkb__txn *t)
{
    jkb__val v;
    int rc = 0;
    if (ix->zdict_loaded)
        return 0;
    rc = jkb__get(t, JKB__T_META, JKB__META_ZDICT, strlen(JKB__META_ZDICT), &v);
    ix->zdict.len = 0;
    if (rc == JKB_ENOTFOUND)
        return 0; /* none yet: records are compressed without one */
    if (rc)
        return rc;
    jkb__buf_put(&rc, &ix->zdict, v.data, v.len);
    ix->zdict_loaded = rc == 0;
    return rc;
}

int jkb__counts_read(jkb__txn *t, jkb__counts *out)
{
    jkb__val v;
    const uint8_t *p, *end;
    uint64_t x;
    int rc, f;

    memset(out, 0, sizeof *out);
    out->next_doc = 1; /* doc id 0 is never used: it reads as "none" */
    out->next_term = 1;
    rc = jkb__get(t, JKB__T_META, META_COUNTS, strlen(META_COUNTS), &v);
    if (rc == JKB_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    p = v.data;
    end = v.data + v.len;
    if (jkb__varint_get32(&p, end, &out->next_doc) || jkb__varint_get32(&p, end, &out->next_term) ||
        jkb__varint_get(&p, end, &out->docs))
        return JKB_ECORRUPT;
    for (f = 0; f < JKB__NFIELDS; f++) {
        if (jkb__varint_get(&p, end, &x))
            return JKB_ECORRUPT;
        out->field_tokens[f] = x;
    }
    for (f = 0; f < JKB__NFIELDS; f++)
        if (jkb__varint_get32(&p, end, &out->bound_avglen[f]))
            return JKB_ECORRUPT;
    return jkb__varint_get32(&p, end, &out->docs_room);
}

int jkb__counts_write(jkb__txn *t, const jkb__counts *c)
{
    uint8_t buf[(4 + 2 * JKB__NFIELDS) * JKB__VARINT_MAX];
    size_t n = 0;
    int f;
    n += jkb__varint_put(buf + n, c->next_doc);
    n += jkb__varint_put(buf + n, c->next_term);
    n += jkb__varint_put(buf + n, c->docs);
    for (f = 0; f < JKB__NFIELDS; f++)
        n += jkb__varint_put(buf + n, c->field_tokens[f]);
    for (f = 0; f < JKB__NFIELDS; f++)
        n += jkb__varint_put(buf + n, c->bound_avglen[f]);
    n += jkb__varint_put(buf + n, c->docs_room);
    return jkb__put(t, JKB__T_META, META_COUNTS, strlen(META_COUNTS), buf, n);
}

uint32_t jkb__case_key(const char *case_no)
{
    uint32_t year = 0, n = 0, h = 2166136261u;
    const char *p = case_no;
    int i;
    if (*case_no == '\0')
        return 0;
    for (i = 0; i < 4 && *p >= '0' && *p <= '9'; i++, p++)
        year = year * 10 + (uint32_t)(*p - '0');
    if (i == 4 && *p == '-' && p[1]) {
        for (p++, i = 0; i < 5 && *p >= '0' && *p <= '9'; i++, p++)
            n = n * 10 + (uint32_t)(*p - '0');
        if (*p == '\0' && year * 100000u + n < 0x80000000u && year * 100000u + n > 0)
            return year * 100000u + n;
    }
    for (p = case_no; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return h | 0x80000000u;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int32_t days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

int32_t jkb__date_to_day(const char *date)
{
    int y = 0, m = 1, d = 1, i;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (i = 0; i < 4; i++) {
        if (date[i] < '0' || date[i] > '9')
            return JKB__NO_DATE;
        y = y * 10 + (date[i] - '0');
    }
    if (date[4] == '-') {
        if (date[5] < '0' || date[5] > '9' || date[6] < '0' || date[6] > '9')
            return JKB__NO_DATE;
        m = (date[5] - '0') * 10 + (date[6] - '0');
        if (date[7] == '-') {
            if (date[8] < '0' || date[8] > '9' || date[9] < '0' || date[9] > '9' || date[10])
                return JKB__NO_DATE;
            d = (date[8] - '0') * 10 + (date[9] - '0');
        } else if (date[7]) {
            return JKB__NO_DATE;
        }
    } else if (date[4]) {
        return JKB__NO_DATE;
    }
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        return JKB__NO_DATE;
    return days_from_civil(y, m, d);
}

/* The stat of the dictionary's files (jkb__dict_files_stat) when the index's fingerprint was
   made or last found to hold: while it is the same, the files need not be read to check it. */
#define META_DICSTAT "dicstat"

typedef struct meta_entry {
    const char *key;
    const void *val;
    size_t len;
} meta_entry;

/* Writes n meta entries in one transaction. */
static int put_meta(jkb_index *ix, const meta_entry *e, size_t n)
{
    jkb__txn *t;
    size_t i;
    int rc;
    if ((rc = jkb__txn_begin(ix->store, 1, &t, &ix->err)) != 0)
        return rc;
    for (i = 0; i < n && rc == 0; i++)
        rc = jkb__put(t, JKB__T_META, e[i].key, strlen(e[i].key), e[i].val, e[i].len);
    if (rc) {
        jkb__txn_abort(t);
        return jkb__err_set(&ix->err, rc, "[index][meta] %s", jkb_strerror(rc));
    }
    return jkb__txn_commit(t, &ix->err);
}

/* Checks (or, on a new writable index, writes) the format version and the analyzer. */
static int check_meta(jkb_index *ix)
{
    jkb__txn *t = NULL;
    jkb__val v, st;
    const char *fp;
    uint64_t seen_stat = 0, now_stat = jkb__dict_files_stat(ix->dict);
    uint8_t stat_bytes[8];
    int rc, same;

    jkb__le64_put(stat_bytes, now_stat);
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    rc = jkb__get(t, JKB__T_META, META_FORMAT, strlen(META_FORMAT), &v);
    if (rc == JKB_ENOTFOUND && !ix->opts.readonly) {
        uint8_t ver[JKB__VARINT_MAX];
        meta_entry e[3];
        jkb__txn_abort(t);
        if ((rc = jkb__dict_fingerprint(ix->dict, NULL, 0, 0, &fp, &ix->err)) != 0)
            return rc;
        e[0] = (meta_entry){META_FORMAT, ver, jkb__varint_put(ver, JKB__FORMAT_VERSION)};
        e[1] = (meta_entry){META_ANALYZER, fp, strlen(fp)};
        e[2] = (meta_entry){META_DICSTAT, stat_bytes, sizeof stat_bytes};
        return put_meta(ix, e, 3);
    }
    if (rc == JKB_ENOTFOUND) {
        rc = jkb__err_set(&ix->err, JKB_ECORRUPT, "[index][open] not a jikenbo index (no "
                          "format version)");
        goto out;
    }
    if (rc)
        goto out;
    {
        const uint8_t *p = v.data;
        uint64_t ver;
        if (jkb__varint_get(&p, v.data + v.len, &ver)) {
            rc = jkb__err_set(&ix->err, JKB_ECORRUPT, "[index][open] unreadable format version");
            goto out;
        }
        if (ver != JKB__FORMAT_VERSION) {
            rc = jkb__err_set(&ix->err, JKB_EVERSION, "[index][open] index format version %llu, "
                              "this program reads version %d: rebuild the index",
                              (unsigned long long)ver, JKB__FORMAT_VERSION);
            goto out;
        }
    }
    rc = jkb__get(t, JKB__T_META, META_ANALYZER, strlen(META_ANALYZER), &v);
    if (rc) {
        rc = jkb__err_set(&ix->err, JKB_ECORRUPT, "[index][open] no analyzer fingerprint");
        goto out;
    }
    if (jkb__get(t, JKB__T_META, META_DICSTAT, strlen(META_DICSTAT), &st) == 0 && st.len == 8)
        seen_stat = jkb__le64_get(st.data);
    if ((rc = jkb__dict_fingerprint(ix->dict, (const char *)v.data, v.len, seen_stat, &fp,
                                    &ix->err)) != 0)
        goto out;
    same = v.len == strlen(fp) && memcmp(v.data, fp, v.len) == 0;
    if (!ix->opts.ignore_analyzer && !same) {
        rc = jkb__err_set(&ix->err, JKB_EANALYZER, "[index][open] index built with analyzer "
                          "\"%.*s\", this program has \"%s\": rebuild the index",
                          (int)(v.len < 200 ? v.len : 200), (const char *)v.data, fp);
        goto out;
    }
    jkb__txn_abort(t);
    t = NULL;
    /* a writer notes the files' stat under the fingerprint they were found to hold */
    if (same && seen_stat != now_stat && !ix->opts.readonly) {
        meta_entry e = {META_DICSTAT, stat_bytes, sizeof stat_bytes};
        rc = put_meta(ix, &e, 1);
    }
out:
    jkb__txn_abort(t);
    return rc;
}

int jkb_index_open(jkb_index **out, const char *path, const jkb_options *opts)
{
    static const jkb_options defaults = JKB_OPTIONS_INIT;
    jkb_index *ix;
    int rc;

    *out = NULL;
    if (path == NULL)
        return JKB_EINVAL;
    ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return JKB_ENOMEM;
    *out = ix;
    ix->err_offset = -1;
    ix->opts = opts ? *opts : defaults;
    if (ix->opts.version != JKB_OPTIONS_VERSION)
        return jkb__err_set(&ix->err, JKB_EINVAL, "[index][open] unknown options version %u",
                            ix->opts.version);
    if ((rc = jkb__dict_open(&ix->dict, ix->opts.dicdir, ix->opts.datadir, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__analyzer_new(&ix->analyzer, ix->dict, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__store_open(&ix->store, path, ix->opts.readonly, ix->opts.create, 0,
                              &ix->err)) != 0)
        return rc;
    return check_meta(ix);
}

void jkb_index_close(jkb_index *ix)
{
    if (ix == NULL)
        return;
    if (ix->batch_free)
        ix->batch_free(ix);
    jkb__docbuf_fin(&ix->docbuf);
    jkb__buf_fin(&ix->zdict);
    jkb__store_close(ix->store);
    jkb__analyzer_free(ix->analyzer);
    jkb__dict_close(ix->dict);
    free(ix);
}

const char *jkb_index_errmsg(const jkb_index *ix)
{
    if (ix == NULL)
        return "out of memory";
    return ix->err.msg;
}

/* A copy commits every this many bytes of entries: a write transaction keeps its pages in
   memory until it commits. */
#define COMPACT_TXN_BYTES ((size_t)64 << 20)

/* Appends every entry of the committed tables of src, in key order, to the empty store dst. */
static int copy_tables(jkb__txn *src, jkb__store *dst, jkb__err *err)
{
    jkb__txn *t = NULL;
    size_t pending = 0;
    int rc = 0, tb;
    for (tb = 0; rc == 0 && tb < JKB__NTABLES; tb++) {
        jkb__cursor *c;
        jkb__val k, v;
        if ((rc = jkb__cursor_open(src, (jkb__table)tb, &c)) != 0)
            break;
        for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v); rc == 0;
             rc = jkb__cursor_next(c, &k, &v)) {
            if (t == NULL && (rc = jkb__txn_begin(dst, 1, &t, err)) != 0)
                break;
            if ((rc = jkb__put(t, (jkb__table)tb, k.data, k.len, v.data, v.len)) != 0)
                break;
            if ((pending += k.len + v.len) >= COMPACT_TXN_BYTES) {
                rc = jkb__txn_commit(t, err);
                t = NULL;
                pending = 0;
                if (rc)
                    break;
            }
        }
        jkb__cursor_close(c);
        if (rc == JKB_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0 && t)
        return jkb__txn_commit(t, err);
    jkb__txn_abort(t);
    return rc;
}

int jkb_index_compact(jkb_index *ix, const char *dest, uint64_t *bytes_out)
{
    char data_path[4096];
    jkb__store *dst = NULL;
    jkb__txn *src = NULL;
    struct stat st;
    int rc;

    snprintf(data_path, sizeof data_path, "%s/data.mdb", dest);
    if (stat(data_path, &st) == 0)
        return jkb__err_set(&ix->err, JKB_EINVAL, "[compact] %s holds an index already", dest);
    /* room for a copy no larger than the index, without growing the map */
    if ((rc = jkb__store_open(&dst, dest, 0, 1, 2 * jkb__store_file_bytes(ix->store) + (64 << 20),
                              &ix->err)) != 0)
        return rc;
    if ((rc = jkb__txn_begin(ix->store, 0, &src, &ix->err)) == 0)
        rc = copy_tables(src, dst, &ix->err);
    jkb__txn_abort(src);
    if (rc == 0 && bytes_out)
        *bytes_out = jkb__store_file_bytes(dst);
    jkb__store_close(dst);
    if (rc == 0)
        return 0;
    /* no half copy left behind */
    unlink(data_path);
    snprintf(data_path, sizeof data_path, "%s/lock.mdb", dest);
    unlink(data_path);
    rmdir(dest);
    if (rc == JKB__EMAPFULL)
        rc = JKB_EFULL;
    return jkb__err_set(&ix->err, rc, "[compact] %s: %s", dest, jkb_strerror(rc));
}

int jkb_index_stats(jkb_index *ix, jkb_stats *out)
{
    jkb__txn *t;
    jkb__counts c;
    jkb__table_stat ts;
    int rc, i;
    const char *fp = NULL;

    memset(out, 0, sizeof *out);
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__counts_read(t, &c)) != 0)
        goto out;
    out->documents = c.docs;
    for (i = 0; i < JKB__NFIELDS; i++)
        out->tokens += c.field_tokens[i];
    out->format_version = JKB__FORMAT_VERSION;
    {
        jkb__val v;
        if (jkb__get(t, JKB__T_META, META_ANALYZER, strlen(META_ANALYZER), &v) == 0) {
            size_t n = v.len < sizeof out->analyzer - 1 ? v.len : sizeof out->analyzer - 1;
            memcpy(out->analyzer, v.data, n);
        } else if (jkb__dict_fingerprint(ix->dict, NULL, 0, 0, &fp, &ix->err) == 0) {
            snprintf(out->analyzer, sizeof out->analyzer, "%s", fp);
        }
    }
    for (i = 0; i < JKB__NTABLES && i < JKB_MAX_TABLES; i++) {
        if ((rc = jkb__store_table_stat(t, (jkb__table)i, &ts)) != 0)
            goto out;
        out->tables[i].name = ts.name;
        out->tables[i].entries = ts.entries;
        out->tables[i].bytes = ts.bytes;
        out->bytes += ts.bytes;
    }
    out->n_tables = (size_t)i;
    if ((rc = jkb__df_count(t, &out->terms)) != 0)
        goto out;
    out->file_bytes = jkb__store_file_bytes(ix->store);
out:
    jkb__txn_abort(t);
    if (rc)
        jkb__err_set(&ix->err, rc, "[index][stats] %s", jkb_strerror(rc));
    return rc;
}

int jkb_index_get(jkb_index *ix, const char *id, const jkb_doc **out)
{
    jkb__txn *t;
    jkb__val v;
    int rc;

    *out = NULL;
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    rc = jkb__get(t, JKB__T_IDS, id, strlen(id), &v);
    if (rc == 0 && v.len != 4)
        rc = JKB_ECORRUPT;
    if (rc == 0) {
        rc = jkb__docs_read(ix, t, jkb__be32_get(v.data), &ix->docbuf, out);
        if (rc == JKB_ENOTFOUND)
            rc = JKB_ECORRUPT; /* the id leads nowhere */
    }
    jkb__txn_abort(t);
    if (rc == JKB_ENOTFOUND)
        return jkb__err_set(&ix->err, rc, "no document with id %s", id);
    if (rc)
        return jkb__err_set(&ix->err, rc, "[index][get] %s: %s", id, jkb_strerror(rc));
    return 0;
}

typedef struct case_entry {
    uint32_t doc;
    int32_t day;
} case_entry;

static int cmp_case_entry(const void *a, const void *b)
{
    const case_entry *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

int jkb_index_case(jkb_index *ix, const char *case_no, jkb_doc_fn fn, void *payload)
{
    jkb__txn *t;
    jkb__cursor *c = NULL;
    jkb__val k, v;
    jkb__buf prefix = JKB__BUF_INIT;
    case_entry *list = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    jkb__buf_put(&rc, &prefix, case_no, strlen(case_no) + 1);
    if (rc || (rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0) {
        jkb__buf_fin(&prefix);
        return rc;
    }
    if ((rc = jkb__cursor_open(t, JKB__T_CASES, &c)) != 0)
        goto out;
    for (rc = jkb__cursor_seek(c, prefix.data, prefix.len, &k, &v); rc == 0;
         rc = jkb__cursor_next(c, &k, &v)) {
        jkb__cols cols;
        if (k.len != prefix.len + 4 || memcmp(k.data, prefix.data, prefix.len) != 0)
            break;
        JKB__RESERVE(rc, list, cap, n);
        if (rc)
            goto out;
        list[n].doc = jkb__be32_get(k.data + prefix.len);
        if ((rc = jkb__cols_get(t, list[n].doc, &cols)) != 0) {
            rc = rc == JKB_ENOTFOUND ? JKB_ECORRUPT : rc;
            goto out;
        }
        list[n++].day = cols.day;
    }
    if (rc != 0 && rc != JKB_ENOTFOUND)
        goto out;
    rc = 0;
    if (n == 0) {
        rc = jkb__err_set(&ix->err, JKB_ENOTFOUND, "no releases of case %s", case_no);
        goto out;
    }
    /* oldest first; an unknown date (INT32_MIN) sorts first */
    qsort(list, n, sizeof *list, cmp_case_entry);
    for (i = 0; i < n && rc == 0; i++) {
        const jkb_doc *doc;
        if ((rc = jkb__docs_read(ix, t, list[i].doc, &ix->docbuf, &doc)) != 0)
            break;
        rc = fn(doc, payload);
    }
out:
    jkb__cursor_close(c);
    jkb__txn_abort(t);
    jkb__buf_fin(&prefix);
    free(list);
    if (rc < 0 && rc != JKB_ENOTFOUND)
        jkb__err_set(&ix->err, rc, "[index][case] %s: %s", case_no, jkb_strerror(rc));
    return rc;
}
