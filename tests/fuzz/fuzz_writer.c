/*
 * libFuzzer target for the writer: any bytes as a run of changes to a fresh index (the first
 * byte picks the caller's thread or two workers, and a memory bound small enough for commits
 * of their own; then two bytes a change: add or replace an id with some of eight words, delete
 * it, roll back, or commit), checked against a model of which words each id holds. The commit
 * hook tells which changes a commit wrote, so that a rollback returns the model to them. A
 * delete must fail exactly when the id has no document; after the last commit the index passes
 * its check, every id is there or not as the model says, and every word finds exactly the
 * documents that hold it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jikenbo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IDS 16
#define CHANGES 64

static const char *const words[8] = {"侵入", "漏えい", "暗号化", "委託",
                                     "端末", "認証", "改ざん", "復旧"};

/* A handle kept open for the whole run holds the MeCab dictionary, which the indexes of the
   inputs then share instead of loading it each time. */
static jkb_index *keeper;
static char base[] = "/dev/shm/jikenbo-fuzz-XXXXXX";

static void cleanup(void)
{
    char cmd[80];
    jkb_index_close(keeper);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
}

static void start(void)
{
    jkb_options o = JKB_OPTIONS_INIT;
    char path[96];
    if (mkdtemp(base) == NULL) { /* no /dev/shm: commits sync to disk, slower */
        memcpy(base, "/tmp", 4);
        if (mkdtemp(base) == NULL)
            abort();
    }
    snprintf(path, sizeof path, "%s/keeper", base);
    o.create = 1;
    if (jkb_index_open(&keeper, path, &o) != 0)
        abort();
    atexit(cleanup);
}

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_writer: %s: %s\n", what, detail);
    abort();
}

/* The model: what each id holds after every change made (now), after every change committed
   (committed), and the changes made since, in order (an id and what it holds; 0: deleted). */
typedef struct model {
    unsigned now[IDS];
    unsigned committed[IDS];
    struct {
        unsigned id, holds;
    } since[CHANGES];
    size_t n_since;
} model;

static void change(model *m, unsigned id, unsigned holds)
{
    m->now[id] = holds;
    m->since[m->n_since].id = id;
    m->since[m->n_since++].holds = holds;
}

/* jkb_commit_hook: the first n changes since the last commit are written. */
static void committed(void *payload, uint64_t n)
{
    model *m = payload;
    size_t i;
    if (n > m->n_since)
        fail("commit", "more changes written than made");
    for (i = 0; i < n; i++)
        m->committed[m->since[i].id] = m->since[i].holds;
    memmove(m->since, m->since + n, (m->n_since - n) * sizeof *m->since);
    m->n_since -= (size_t)n;
}

/* The last commit's index against the model. */
static void compare(jkb_index *ix, const unsigned *model)
{
    unsigned k, w;
    if (jkb_index_check(ix) != 0)
        fail("check", jkb_index_errmsg(ix));
    for (k = 0; k < IDS; k++) {
        char id[16];
        const jkb_doc *d;
        snprintf(id, sizeof id, "id-%u", k);
        if ((jkb_index_get(ix, id, &d) == 0) != (model[k] != 0))
            fail(id, model[k] ? "lost" : "there, deleted");
    }
    for (w = 0; w < 8; w++) {
        jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
        jkb_results *r;
        unsigned found = 0, want = 0;
        size_t i;
        so.no_group = 1;
        so.limit = IDS;
        if (jkb_search(ix, words[w], &so, &r) != 0)
            fail(words[w], jkb_index_errmsg(ix));
        for (i = 0; i < jkb_results_count(r); i++) {
            unsigned k2 = (unsigned)strtoul(jkb_results_hit(r, i)->id + 3, NULL, 10);
            if (k2 >= IDS || !(model[k2] >> w & 1))
                fail(words[w], "a document that does not hold it");
            found++;
        }
        for (k = 0; k < IDS; k++)
            want += model[k] >> w & 1;
        if (found != want)
            fail(words[w], "a document that holds it not found");
        jkb_results_free(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long run;
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    model m;
    char path[96], cmd[128];
    size_t i;

    if (keeper == NULL)
        start();
    if (size < 1)
        return 0;
    memset(&m, 0, sizeof m);
    snprintf(path, sizeof path, "%s/%lu", base, run++);
    o.create = 1;
    o.threads = data[0] & 1 ? 2 : 0;
    o.batch_bytes = data[0] & 2 ? 64 << 10 : 0; /* commits every few documents */
    if (jkb_index_open(&ix, path, &o) != 0)
        fail("open", jkb_index_errmsg(ix));
    jkb_index_on_commit(ix, committed, &m);
    for (i = 1; i + 1 < size && i < 1 + 2 * CHANGES; i += 2) {
        unsigned k = data[i] >> 2 & (IDS - 1), op = data[i] & 3, w;
        char id[16];
        int rc;
        snprintf(id, sizeof id, "id-%u", k);
        if (op == 3) {
            if (jkb_index_commit(ix) != 0)
                fail("commit", jkb_index_errmsg(ix));
            if (m.n_since > 0)
                fail("commit", "changes left unwritten");
        } else if (op == 1 && data[i + 1] < 32) {
            jkb_index_rollback(ix);
            memcpy(m.now, m.committed, sizeof m.now);
            m.n_since = 0;
        } else if (op == 2) {
            rc = jkb_index_delete(ix, id);
            if (rc != (m.now[k] ? 0 : JKB_ENOTFOUND))
                fail(id, m.now[k] ? "could not be deleted" : "deleted, but it had no document");
            if (rc == 0)
                change(&m, k, 0);
        } else {
            char body[512];
            size_t len = 0;
            jkb_doc d;
            unsigned holds = data[i + 1] ? data[i + 1] : 1;
            for (w = 0; w < 8; w++)
                if (holds >> w & 1)
                    len += (size_t)snprintf(body + len, sizeof body - len, "%sが確認された。",
                                            words[w]);
            memset(&d, 0, sizeof d);
            d.id = id;
            d.title = "報告";
            d.body = body;
            change(&m, k, holds); /* first: an add may commit, and the hook then sees it */
            if (jkb_index_add(ix, &d) != 0)
                fail("add", jkb_index_errmsg(ix));
        }
    }
    if (jkb_index_commit(ix) != 0)
        fail("commit", jkb_index_errmsg(ix));
    if (m.n_since > 0)
        fail("commit", "changes left unwritten");
    compare(ix, m.now);
    jkb_index_close(ix);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0)
        fail("remove", path);
    return 0;
}
