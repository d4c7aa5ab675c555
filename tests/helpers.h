/* Test helpers: temporary index directories and the shared corpus. */
#ifndef JKB_TESTS_HELPERS_H
#define JKB_TESTS_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyzer.h"
#include "jikenbo.h"
#include "query.h"
#include "store.h"

/*
 * The path of a file under ../shared, or skips the test when it is missing, except under CI
 * (CI set), where a missing file fails the test.
 */
static inline const char *shared_file(char *buf, size_t cap, const char *rel)
{
    struct stat st;
    snprintf(buf, cap, "%s/%s", JKB_SHARED_DIR, rel);
    if (stat(buf, &st) != 0) {
        if (getenv("CI") != NULL)
            fail_msg("%s is missing (CI requires the shared corpus)", buf);
        skip();
    }
    return buf;
}

/* A new empty directory under /tmp; rm_tree() removes it. */
static inline char *temp_dir(void)
{
    char *d = strdup("/tmp/jikenbo-test-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static inline void rm_tree(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* A temporary directory shared by the tests of a group: group_dir() in them, made by
   setup_group_dir and removed by teardown_group_dir (cmocka group fixtures). */
static inline char **group_dir_slot(void)
{
    static char *dir;
    return &dir;
}
#define group_dir() (*group_dir_slot())

static inline int setup_group_dir(void **state)
{
    (void)state;
    group_dir() = temp_dir();
    return 0;
}

static inline int teardown_group_dir(void **state)
{
    (void)state;
    if (group_dir())
        rm_tree(group_dir());
    group_dir() = NULL;
    return 0;
}

/* An index of docs in the group's directory (group fixture), or NULL (and the group's tests
   skip or fail) when MeCab's dictionary is missing. */
static inline jkb_index **group_index_slot(void)
{
    static jkb_index *ix;
    return &ix;
}
#define group_index() (*group_index_slot())

static inline int setup_index_of(const jkb_doc *docs, size_t n)
{
    jkb_options o = JKB_OPTIONS_INIT;
    size_t i;
    if (access("/var/lib/mecab/dic/ipadic-utf8/sys.dic", R_OK) != 0)
        return 0; /* each test decides to skip, or fail under CI */
    setup_group_dir(NULL);
    o.create = 1;
    if (jkb_index_open(&group_index(), group_dir(), &o) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (jkb_index_add(group_index(), &docs[i]) != 0)
            return -1;
    return jkb_index_commit(group_index());
}

static inline int teardown_index(void **state)
{
    jkb_index_close(group_index());
    group_index() = NULL;
    return teardown_group_dir(state);
}

/* A store in a new temporary directory with a write transaction open: where the tests of
   one table start. scratch_close() aborts what is open and removes it all. */
typedef struct scratch {
    char *dir;
    jkb__store *s;
    jkb__txn *t;
    jkb__err err;
} scratch;

static inline void scratch_open(scratch *x)
{
    x->dir = temp_dir();
    assert_int_equal(jkb__store_open(&x->s, x->dir, 0, 1, 0, &x->err), 0);
    assert_int_equal(jkb__txn_begin(x->s, 1, &x->t, &x->err), 0);
}

static inline void scratch_close(scratch *x)
{
    jkb__txn_abort(x->t);
    jkb__store_close(x->s);
    rm_tree(x->dir);
}

/* Writes text to a new file in dir; returns its path (caller frees). */
static inline char *write_file(const char *dir, const char *name, const void *text, size_t len)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    FILE *f;
    assert_non_null(path);
    sprintf(path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* Skips (or under CI fails) when MeCab's IPADIC UTF-8 dictionary is not installed. */
static inline void need_dictionary(void)
{
    struct stat st;
    if (stat(JKB_DEFAULT_DICDIR "/sys.dic", &st) != 0) {
        if (getenv("CI") != NULL)
            fail_msg("MeCab dictionary %s is missing", JKB_DEFAULT_DICDIR);
        skip();
    }
}

/* The analyzer over the default dictionaries, for group fixtures of the analysis tests: both
   stay NULL when MeCab's dictionary is missing, and each test skips (need_dictionary). */
typedef struct analyzer_fixture {
    jkb__dict *dict;
    jkb__analyzer *an;
} analyzer_fixture;

static inline int analyzer_open(analyzer_fixture *a)
{
    jkb__err err;
    if (access(JKB_DEFAULT_DICDIR "/sys.dic", R_OK) != 0)
        return 0;
    if (jkb__dict_open(&a->dict, NULL, NULL, &err) != 0 ||
        jkb__analyzer_new(&a->an, a->dict, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static inline void analyzer_close(analyzer_fixture *a)
{
    jkb__analyzer_free(a->an);
    jkb__dict_close(a->dict);
}

/* A group fixture of size bytes whose first member is an analyzer_fixture: zeroed, and the
   analyzer opened. */
static inline int analyzer_fixture_new(void **state, size_t size)
{
    analyzer_fixture *a = calloc(1, size);
    *state = a;
    return a ? analyzer_open(a) : -1;
}

/* Parses text into q with a's analyzer; a malformed query fails the test. */
static inline void parse_query(const analyzer_fixture *a, jkb__query *q, const char *text)
{
    jkb__err err;
    long at;
    if (jkb__query_parse(q, a->an, text, &err, &at) != 0)
        fail_msg("%s: %s", text, err.msg);
}

/* ---- reading a whole input into memory ---- */

typedef struct read_doc {
    char *id, *case_no, *title, *org, *label, *date, *body, *source_ref;
} read_doc;

typedef struct read_result {
    read_doc docs[64]; /* the first 64 documents */
    size_t n;
    uint64_t skipped;
    char warnings[4096];
    int rc; /* the last jkb_reader_next() result */
} read_result;

static inline void collect_warning(const char *file, uint64_t line, const char *msg, void *p)
{
    read_result *r = p;
    size_t len = strlen(r->warnings);
    snprintf(r->warnings + len, sizeof r->warnings - len, "%s:%llu: %s\n", file,
             (unsigned long long)line, msg);
}

/* Reads path with the given format into *out (caller frees with free_result). */
static inline void read_all(const char *path, jkb_format format, size_t max_doc_bytes,
                            read_result *out)
{
    jkb_reader_options o = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *d;
    memset(out, 0, sizeof *out);
    o.format = format;
    o.max_doc_bytes = max_doc_bytes;
    o.warn = collect_warning;
    o.warn_payload = out;
    assert_int_equal(jkb_reader_open(&r, path, &o), 0);
    while ((out->rc = jkb_reader_next(r, &d)) > 0) {
        read_doc *x;
        if (out->n >= 64) { /* counted, not kept */
            out->n++;
            continue;
        }
        x = &out->docs[out->n];
        x->id = strdup(d->id);
        x->case_no = strdup(d->case_no);
        x->title = strdup(d->title);
        x->org = strdup(d->org);
        x->label = strdup(d->label);
        x->date = strdup(d->date);
        x->body = strdup(d->body);
        x->source_ref = strdup(d->source_ref);
        out->n++;
    }
    out->skipped = jkb_reader_skipped(r);
    jkb_reader_close(r);
}

static inline void free_result(read_result *res)
{
    size_t i;
    for (i = 0; i < res->n && i < 64; i++) {
        read_doc *x = &res->docs[i];
        free(x->id), free(x->case_no), free(x->title), free(x->org);
        free(x->label), free(x->date), free(x->body), free(x->source_ref);
    }
}

#endif
