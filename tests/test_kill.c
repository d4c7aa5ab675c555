/*
 * Crash safety: `jikenbo index` is killed with SIGKILL, at seeded random moments and at the
 * indexer's fault points (JIKENBO_FAULT, right before or after its Nth commit). After each
 * kill the index must open and pass jkb_index_check(); it must hold every document of every
 * commit the indexer reported, and its documents must be exactly the archive's first D (a
 * batch is there entirely or not at all); each sampled document must come first for its own
 * code word. Then indexing starts again from the top (replacing what is there) and is killed
 * again, and at last runs to the end.
 *
 * JKB_KILLS sets the number of kills (default 10; scripts/setup test --long: 50), JKB_SEED
 * the seed (printed, to replay a failure).
 */
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "fictional.h"
#include "helpers.h"

#define N_DOCS 1500
#define COMMIT_EVERY 40
#define COMMITS ((N_DOCS + COMMIT_EVERY - 1) / COMMIT_EVERY)
#define STRING(x) #x
#define DECIMAL(x) STRING(x)
#define SAMPLES 12

typedef struct run {
    uint64_t reported; /* the last "committed N documents" line */
    int killed;        /* by our SIGKILL or a fault point */
    int status;        /* exit status when it was not killed */
} run;

/* Runs the indexer over archive into dir; kills it after `after_lines` commit lines and a
   pause of `pause_us` (when after_lines >= 0), or lets the fault point `fault` do it. */
static run index_run(const char *dir, const char *archive, const char *fault, int after_lines,
                     unsigned pause_us)
{
    int fds[2], status, lines = 0;
    char line[256];
    pid_t pid;
    FILE *out;
    run r = {0, 0, -1};

    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (fault)
            setenv("JIKENBO_FAULT", fault, 1);
        else
            unsetenv("JIKENBO_FAULT");
        execl(JKB_PROGRAM, "jikenbo", "-d", dir, "index", "--threads", "2", "--commit-every",
              DECIMAL(COMMIT_EVERY), "--log-commits", archive, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    out = fdopen(fds[0], "r");
    assert_non_null(out);
    while (fgets(line, sizeof line, out)) {
        unsigned long long n;
        if (sscanf(line, "committed %llu documents", &n) == 1) {
            assert_true(n > r.reported);
            r.reported = n;
            if (after_lines >= 0 && ++lines == after_lines + 1) {
                struct timespec pause = {0, (long)pause_us * 1000};
                nanosleep(&pause, NULL);
                kill(pid, SIGKILL);
            }
        }
    }
    fclose(out);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
        assert_int_equal(WTERMSIG(status), SIGKILL);
        r.killed = 1;
    } else {
        r.status = WEXITSTATUS(status);
    }
    return r;
}

static unsigned next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(*state >> 33);
}

/* The index holds exactly the archive's first D documents, D >= at_least, each whole. */
static uint64_t verify(const char *dir, uint64_t at_least, uint64_t *rng)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
    jkb_index *ix;
    jkb_stats st;
    const jkb_doc *doc;
    char id[32], query[32];
    uint64_t d, i;
    unsigned k;

    o.readonly = 1;
    if (jkb_index_open(&ix, dir, &o) != 0)
        fail_msg("the index does not open after a kill: %s", jkb_index_errmsg(ix));
    if (jkb_index_check(ix) != 0)
        fail_msg("inconsistent after a kill: %s", jkb_index_errmsg(ix));
    assert_int_equal(jkb_index_stats(ix, &st), 0);
    d = st.documents;
    if (d < at_least)
        fail_msg("%llu documents reported committed, %llu in the index",
                 (unsigned long long)at_least, (unsigned long long)d);
    for (i = 0; i < d; i++) {
        snprintf(id, sizeof id, "kill-%05llu", (unsigned long long)i);
        if (jkb_index_get(ix, id, &doc) != 0)
            fail_msg("%llu documents, but %s is missing", (unsigned long long)d, id);
    }
    snprintf(id, sizeof id, "kill-%05llu", (unsigned long long)d);
    assert_int_equal(jkb_index_get(ix, id, &doc), JKB_ENOTFOUND);
    so.no_group = 1;
    for (k = 0; d > 0 && k < SAMPLES; k++) {
        jkb_results *res;
        i = k == 0 ? d - 1 : next_random(rng) % d;
        snprintf(query, sizeof query, "KT%05llu", (unsigned long long)i);
        snprintf(id, sizeof id, "kill-%05llu", (unsigned long long)i);
        assert_int_equal(jkb_search(ix, query, &so, &res), 0);
        if (jkb_results_count(res) != 1 || strcmp(jkb_results_hit(res, 0)->id, id) != 0)
            fail_msg("%s does not find %s", query, id);
        jkb_results_free(res);
    }
    jkb_index_close(ix);
    return d;
}

static void kills_lose_nothing(void **state)
{
    char *tmp, archive[512], dir[512], fault[64];
    const char *env;
    uint64_t seed, rng, present = 0;
    unsigned kills = 10, done = 0, attempts = 0, i;
    FILE *f;
    run r;

    (void)state;
    if (access(JKB_DEFAULT_DICDIR "/sys.dic", R_OK) != 0)
        skip();
    if ((env = getenv("JKB_KILLS")) != NULL)
        kills = (unsigned)strtoul(env, NULL, 10);
    env = getenv("JKB_SEED");
    seed = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
    print_message("seed %llu (JKB_SEED replays it), %u kills\n", (unsigned long long)seed,
                  kills);
    rng = seed;
    tmp = temp_dir();
    snprintf(archive, sizeof archive, "%s/archive.jsonl", tmp);
    snprintf(dir, sizeof dir, "%s/ix", tmp);
    f = fopen(archive, "w");
    assert_non_null(f);
    for (i = 0; i < N_DOCS; i++)
        fictional_release(f, "kill", i);
    assert_int_equal(fclose(f), 0);

    while (done < kills) {
        unsigned how = next_random(&rng) % 3;
        assert_true(++attempts < kills * 3);
        if (how < 2) { /* a fault point: before or after commit N */
            snprintf(fault, sizeof fault, "%s-commit:%u", how == 0 ? "before" : "after",
                     1 + next_random(&rng) % COMMITS);
            r = index_run(dir, archive, fault, -1, 0);
        } else { /* a random moment: after some commits, within the next one */
            r = index_run(dir, archive, NULL, (int)(next_random(&rng) % COMMITS),
                          next_random(&rng) % 60000);
        }
        if (!r.killed) {
            assert_int_equal(r.status, 0); /* it finished first: try again */
            continue;
        }
        done++;
        present = verify(dir, present > r.reported ? present : r.reported, &rng);
    }
    r = index_run(dir, archive, NULL, -1, 0);
    assert_false(r.killed);
    assert_int_equal(r.status, 0);
    assert_int_equal(verify(dir, N_DOCS, &rng), N_DOCS);
    print_message("%u kills survived (%u runs)\n", done, attempts);
    rm_tree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kills_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
