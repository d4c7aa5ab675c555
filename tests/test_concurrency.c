/*
 * Concurrency: while one writer (this process, analysing on 2 worker threads, committing
 * every 25 documents) indexes, two reader threads of this process and two reader processes
 * search and read statistics without pause. No reader may see an error, a document count or
 * a hit count that goes down, or a hit it cannot read; each must see the last commit. Run
 * under ThreadSanitizer too (scripts/setup test).
 */
#include <pthread.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "fictional.h"
#include "helpers.h"

#define N_DOCS 600
#define COMMIT_EVERY 25
#define READERS 2
#define DEADLINE_S 300

typedef struct reader {
    const char *dir;
    uint64_t rounds;
    char failure[256]; /* empty when all went well */
} reader;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Searches and reads statistics until every document is seen; 0, or 1 with r->failure. */
static int read_until_done(reader *r)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
    jkb_index *ix;
    uint64_t docs = 0, hits = 0;
    double deadline = now_s() + DEADLINE_S;
    int rc = 0;

    o.readonly = 1;
    so.no_group = 1;
    so.limit = N_DOCS + 1; /* a page no index fills: nothing is passed over, the total is exact */
    if (jkb_index_open(&ix, r->dir, &o) != 0) {
        snprintf(r->failure, sizeof r->failure, "open: %s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return 1;
    }
    while (rc == 0 && docs < N_DOCS) {
        jkb_stats st;
        jkb_results *res;
        const jkb_doc *doc;
        if (now_s() > deadline) {
            snprintf(r->failure, sizeof r->failure, "%llu documents seen after %d s",
                     (unsigned long long)docs, DEADLINE_S);
            rc = 1;
        } else if (jkb_index_stats(ix, &st) != 0 || jkb_search(ix, "検体", &so, &res) != 0) {
            snprintf(r->failure, sizeof r->failure, "%s", jkb_index_errmsg(ix));
            rc = 1;
        } else {
            if (!jkb_results_total_exact(res))
                snprintf(r->failure, sizeof r->failure, "a total of %llu that is not exact",
                         (unsigned long long)jkb_results_total(res));
            else if (st.documents < docs || jkb_results_total(res) < hits)
                snprintf(r->failure, sizeof r->failure,
                         "went down: documents %llu after %llu, hits %llu after %llu",
                         (unsigned long long)st.documents, (unsigned long long)docs,
                         (unsigned long long)jkb_results_total(res),
                         (unsigned long long)hits);
            else if (jkb_results_count(res) > 0 &&
                     jkb_index_get(ix, jkb_results_hit(res, 0)->id, &doc) != 0)
                snprintf(r->failure, sizeof r->failure, "hit %s cannot be read: %s",
                         jkb_results_hit(res, 0)->id, jkb_index_errmsg(ix));
            rc = *r->failure != '\0';
            docs = st.documents;
            hits = jkb_results_total(res);
            jkb_results_free(res);
            r->rounds++;
        }
    }
    jkb_index_close(ix);
    return rc;
}

static void *reader_thread(void *arg)
{
    read_until_done(arg);
    return NULL;
}

static void readers_never_go_back(void **state)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    reader threads[READERS];
    pthread_t tids[READERS];
    pid_t pids[READERS];
    jkb_reader *rd;
    const jkb_doc *doc;
    char *dir, *path, archive[512];
    size_t i;
    int status;
    FILE *f;

    (void)state;
    if (access(JKB_DEFAULT_DICDIR "/sys.dic", R_OK) != 0)
        skip();
    dir = temp_dir();
    path = malloc(strlen(dir) + 4);
    assert_non_null(path);
    sprintf(path, "%s/ix", dir);
    snprintf(archive, sizeof archive, "%s/archive.jsonl", dir);
    f = fopen(archive, "w");
    assert_non_null(f);
    for (i = 0; i < N_DOCS; i++)
        fictional_release(f, "conc", (unsigned)i);
    assert_int_equal(fclose(f), 0);
    o.create = 1;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    jkb_index_close(ix);

    /* Reader processes first: a process must not fork with an index open. */
    for (i = 0; i < READERS; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            reader r = {path, 0, ""};
            int rc = read_until_done(&r);
            if (rc)
                fprintf(stderr, "reader process: %s\n", r.failure);
            _exit(rc);
        }
    }

    o.threads = 2;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    for (i = 0; i < READERS; i++) {
        threads[i] = (reader){path, 0, ""};
        assert_int_equal(pthread_create(&tids[i], NULL, reader_thread, &threads[i]), 0);
    }
    assert_int_equal(jkb_reader_open(&rd, archive, NULL), 0);
    for (i = 0; jkb_reader_next(rd, &doc) > 0; i++) {
        assert_int_equal(jkb_index_add(ix, doc), 0);
        if ((i + 1) % COMMIT_EVERY == 0)
            assert_int_equal(jkb_index_commit(ix), 0);
    }
    assert_int_equal(i, N_DOCS);
    jkb_reader_close(rd);
    assert_int_equal(jkb_index_commit(ix), 0);

    for (i = 0; i < READERS; i++) {
        assert_int_equal(pthread_join(tids[i], NULL), 0);
        if (threads[i].failure[0])
            fail_msg("reader thread: %s", threads[i].failure);
        print_message("reader thread %zu: %llu rounds\n", i,
                      (unsigned long long)threads[i].rounds);
    }
    for (i = 0; i < READERS; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(jkb_index_check(ix), 0);
    jkb_index_close(ix);
    free(path);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readers_never_go_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
