/* Adding, replacing and deleting documents through the public API, with the index's
   invariants checked after each step. */
#include <fcntl.h>
#include <sys/stat.h>

#include "index.h"
#include "termdict.h"
#include "helpers.h"

#define dir group_dir()

static jkb_index *open_rw_threads(const char *path, unsigned threads)
{
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    int rc;
    o.create = 1;
    o.threads = threads;
    rc = jkb_index_open(&ix, path, &o);
    if (rc)
        fail_msg("open %s: %s", path, jkb_index_errmsg(ix));
    return ix;
}

static jkb_index *open_rw(const char *path)
{
    return open_rw_threads(path, 0);
}

static char *fresh_path(const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static jkb_doc make_doc(const char *id, const char *case_no, const char *title, const char *body)
{
    jkb_doc d = {id, case_no, title, "", "", "2031-04-02", body, "", "test", NULL, 0};
    return d;
}

/* Document frequency of term (folded form), read from the tables. */
static uint64_t term_df(jkb_index *ix, const char *term)
{
    jkb__txn *t;
    uint64_t df = 0;
    uint32_t tid;
    assert_int_equal(jkb__txn_begin(ix->store, 0, &t, &ix->err), 0);
    if (jkb__terms_get(t, term, strlen(term), &tid) == 0)
        assert_int_equal(jkb__df_get(t, tid, &df), 0);
    jkb__txn_abort(t);
    return df;
}

static uint64_t doc_count(jkb_index *ix)
{
    jkb_stats st;
    assert_int_equal(jkb_index_stats(ix, &st), 0);
    return st.documents;
}

static void check(jkb_index *ix)
{
    int rc = jkb_index_check(ix);
    if (rc)
        fail_msg("index check: %s", jkb_index_errmsg(ix));
}

static void test_add_replace_delete(void **state)
{
    char *path = fresh_path("ard.db");
    jkb_index *ix;
    jkb_doc a = make_doc("a", "2031-101", "架空印刷 ランサムウェア被害", "サーバーが暗号化された。");
    jkb_doc b = make_doc("b", "2031-101", "架空市 委託先の被害", "委託先でランサムウェア被害。");
    jkb_doc c = make_doc("c", "", "編集部メモ", "フィッシングメールの傾向。");
    const jkb_doc *got;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &a), 0);
    assert_int_equal(jkb_index_add(ix, &b), 0);
    assert_int_equal(jkb_index_add(ix, &c), 0);
    assert_int_equal(doc_count(ix), 0); /* nothing visible before the commit */
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 3);
    assert_int_equal(term_df(ix, "ランサムウェア"), 2);
    assert_int_equal(term_df(ix, "サーバ"), 1);
    check(ix);
    assert_int_equal(jkb_index_get(ix, "b", &got), 0);
    assert_string_equal(got->title, "架空市 委託先の被害");
    assert_string_equal(got->case_no, "2031-101");

    /* replacing "a": its old terms go, its new ones come, the count stays */
    a.body = "ノートパソコンを紛失した。";
    assert_int_equal(jkb_index_add(ix, &a), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 3);
    assert_int_equal(term_df(ix, "サーバ"), 0);
    assert_int_equal(term_df(ix, "紛失"), 1);
    assert_int_equal(term_df(ix, "ランサムウェア"), 2); /* a's title still says it */
    check(ix);

    assert_int_equal(jkb_index_delete(ix, "b"), 0);
    assert_int_equal(jkb_index_delete(ix, "nope"), JKB_ENOTFOUND);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 2);
    assert_int_equal(term_df(ix, "委託"), 0);
    assert_int_equal(jkb_index_get(ix, "b", &got), JKB_ENOTFOUND);
    check(ix);
    jkb_index_close(ix);

    /* everything survives reopening */
    ix = open_rw(path);
    assert_int_equal(doc_count(ix), 2);
    assert_int_equal(jkb_index_get(ix, "a", &got), 0);
    assert_string_equal(got->body, "ノートパソコンを紛失した。");
    check(ix);
    jkb_index_close(ix);
    free(path);
}

/* Within one batch the last change to an id wins. */
static void test_same_id_in_batch(void **state)
{
    char *path = fresh_path("batch.db");
    jkb_index *ix;
    jkb_doc d1 = make_doc("x", "", "一回目", "最初の本文。");
    jkb_doc d2 = make_doc("x", "", "二回目", "次の本文。");
    jkb_doc y = make_doc("y", "", "別の文書", "最初の本文とは別。");
    jkb_doc z = make_doc("z", "", "消える", "消える本文。");
    jkb_doc w = make_doc("w", "", "取り消し", "取り消される。");
    const jkb_doc *got;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &d1), 0);
    assert_int_equal(jkb_index_add(ix, &y), 0);
    assert_int_equal(jkb_index_add(ix, &d2), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 2);
    assert_int_equal(jkb_index_get(ix, "x", &got), 0);
    assert_string_equal(got->title, "二回目");
    assert_int_equal(term_df(ix, "最初"), 1); /* only y now */
    check(ix);

    /* delete then add again in one batch: the add stands */
    assert_int_equal(jkb_index_delete(ix, "x"), 0);
    assert_int_equal(jkb_index_add(ix, &d1), 0);
    /* add then delete: the document is gone */
    assert_int_equal(jkb_index_add(ix, &z), 0);
    assert_int_equal(jkb_index_delete(ix, "z"), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 2);
    assert_int_equal(jkb_index_get(ix, "x", &got), 0);
    assert_string_equal(got->title, "一回目");
    assert_int_equal(jkb_index_get(ix, "z", &got), JKB_ENOTFOUND);
    assert_int_equal(term_df(ix, "消える"), 0);
    check(ix);

    /* three changes to one id in one batch: the last stands, alone */
    assert_int_equal(jkb_index_add(ix, &d2), 0);
    assert_int_equal(jkb_index_delete(ix, "x"), 0);
    assert_int_equal(jkb_index_add(ix, &d1), 0);
    assert_int_equal(jkb_index_add(ix, &d2), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 2);
    assert_int_equal(jkb_index_get(ix, "x", &got), 0);
    assert_string_equal(got->title, "二回目");
    assert_int_equal(term_df(ix, "次"), 1);
    check(ix);

    /* rollback drops what was buffered */
    assert_int_equal(jkb_index_add(ix, &w), 0);
    jkb_index_rollback(ix);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 2);

    /* a batch that ends with nothing to write commits; a second delete finds nothing */
    assert_int_equal(jkb_index_add(ix, &z), 0);
    assert_int_equal(jkb_index_delete(ix, "z"), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb_index_delete(ix, "y"), 0);
    assert_int_equal(jkb_index_delete(ix, "y"), JKB_ENOTFOUND);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 1);
    check(ix);
    jkb_index_close(ix);
    free(path);
}

/* Many documents per term span several blocks; deleting from the middle keeps df exact. */
static void test_many_blocks(void **state)
{
    char *path = fresh_path("blocks.db");
    jkb_index *ix;
    char id[32], body[128];
    int i;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    for (i = 0; i < 700; i++) {
        jkb_doc d;
        snprintf(id, sizeof id, "doc-%d", i);
        snprintf(body, sizeof body, "共通語と番号%dの文書。%s", i, i % 2 ? "奇数" : "偶数");
        d = make_doc(id, "", "", body);
        assert_int_equal(jkb_index_add(ix, &d), 0);
        if (i % 250 == 0)
            assert_int_equal(jkb_index_commit(ix), 0); /* appends to partial blocks */
    }
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(term_df(ix, "共通"), 700);
    assert_int_equal(term_df(ix, "奇数"), 350);
    check(ix);
    for (i = 100; i < 400; i += 3) {
        snprintf(id, sizeof id, "doc-%d", i);
        assert_int_equal(jkb_index_delete(ix, id), 0);
    }
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(term_df(ix, "共通"), 600);
    assert_int_equal(doc_count(ix), 600);
    check(ix);
    jkb_index_close(ix);
    free(path);
}

/* Query "a b", "a OR b" or "a -b" (op 0, 1, 2) finds exactly the documents of model (bit w:
   the id's document holds words[w]) that it should. */
static void expect_pair(jkb_index *ix, const char *const *words, const unsigned *model,
                        unsigned ids, unsigned a, unsigned b, unsigned op)
{
    static const char *const ops[] = {" ", " OR ", " -"};
    jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    char q[128];
    unsigned k, want = 0, hit[64] = {0};
    size_t i;
    snprintf(q, sizeof q, "%s%s%s", words[a], ops[op], words[b]);
    so.no_group = 1;
    so.limit = ids;
    assert_int_equal(jkb_search(ix, q, &so, &r), 0);
    for (i = 0; i < jkb_results_count(r); i++)
        hit[strtoul(jkb_results_hit(r, i)->id + 3, NULL, 10)] = 1;
    for (k = 0; k < ids; k++) {
        unsigned has_a = model[k] >> a & 1, has_b = model[k] >> b & 1;
        unsigned should = op == 0 ? has_a && has_b : op == 1 ? has_a || has_b : has_a && !has_b;
        want += should;
        if (should != hit[k])
            fail_msg("%s: id-%u %s", q, k, should ? "not found" : "found");
    }
    assert_int_equal(jkb_results_count(r), want);
    jkb_results_free(r);
}

/*
 * Random adds, replacements and deletes over 60 ids, committed in batches of random size,
 * against a model of which words each id holds: after each commit the index passes its check
 * and every word, and pairs of words with AND, OR and NOT, find exactly the documents the
 * model says (the seed is printed; JKB_SEED replays it). Analysed on the caller's thread, then
 * on two worker threads.
 */
static void random_changes(const char *name, unsigned threads, unsigned seed)
{
    static const char *const words[] = {"侵入", "漏えい", "暗号化", "委託", "端末", "認証",
                                        "誤送信", "改ざん", "停止", "復旧", "流出", "脆弱性"};
    enum { IDS = 60, WORDS = sizeof words / sizeof words[0], OPS = 600 };
    char *path = fresh_path(name);
    unsigned model[IDS] = {0}; /* bit w: the id's document holds words[w]; 0: no document */
    jkb_index *ix;
    int op;
    need_dictionary();
    print_message("seed %u, %u threads\n", seed, threads);
    srand(seed);
    ix = open_rw_threads(path, threads);
    for (op = 0; op < OPS; op++) {
        char id[16], body[512];
        unsigned k = (unsigned)rand() % IDS, w;
        snprintf(id, sizeof id, "id-%u", k);
        if (model[k] && rand() % 4 == 0) {
            assert_int_equal(jkb_index_delete(ix, id), 0);
            model[k] = 0;
        } else {
            jkb_doc d;
            size_t len = 0;
            model[k] = 1 + (unsigned)rand() % ((1u << WORDS) - 1);
            for (w = 0; w < WORDS; w++)
                if (model[k] >> w & 1)
                    len += (size_t)snprintf(body + len, sizeof body - len, "%sが確認された。",
                                            words[w]);
            d = make_doc(id, "", "報告", body);
            assert_int_equal(jkb_index_add(ix, &d), 0);
        }
        if (rand() % 25 == 0 || op == OPS - 1) {
            assert_int_equal(jkb_index_commit(ix), 0);
            check(ix);
            for (w = 0; w < WORDS; w++) {
                jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
                jkb_results *r;
                size_t i, want = 0;
                so.no_group = 1;
                so.limit = IDS;
                assert_int_equal(jkb_search(ix, words[w], &so, &r), 0);
                for (k = 0; k < IDS; k++)
                    want += model[k] >> w & 1;
                if (jkb_results_count(r) != want)
                    fail_msg("%s: %zu documents found, %zu hold it", words[w],
                             jkb_results_count(r), want);
                for (i = 0; i < jkb_results_count(r); i++) {
                    unsigned got = (unsigned)strtoul(jkb_results_hit(r, i)->id + 3, NULL, 10);
                    if (!(model[got] >> w & 1))
                        fail_msg("%s finds %s, which does not hold it", words[w],
                                 jkb_results_hit(r, i)->id);
                }
                jkb_results_free(r);
            }
            for (w = 0; w < 6; w++) /* two words: both, either, one without the other */
                expect_pair(ix, words, model, IDS, (unsigned)rand() % WORDS,
                            (unsigned)rand() % WORDS, (unsigned)rand() % 3);
        }
    }
    jkb_index_close(ix);
    free(path);
}

static void test_random_changes(void **state)
{
    unsigned seed = getenv("JKB_SEED") ? (unsigned)strtoul(getenv("JKB_SEED"), NULL, 10)
                                       : (unsigned)time(NULL);
    (void)state;
    random_changes("random0.db", 0, seed);
    random_changes("random2.db", 2, seed);
}

/* On worker threads too, a delete comes after the adds made before it, still with the
   workers: a document added and deleted is gone, whether new or in the index already; one
   deleted and added stays. */
static void test_delete_after_add_on_workers(void **state)
{
    char *path = fresh_path("workers.db");
    jkb_index *ix;
    jkb_doc a = make_doc("a", "", "足す", "足してすぐ消す。");
    jkb_doc b = make_doc("b", "", "残す", "消してから足す。");
    jkb_doc c = make_doc("c", "", "消す", "もう一度足してから消す。");
    const jkb_doc *got;
    (void)state;
    need_dictionary();
    ix = open_rw_threads(path, 2);
    assert_int_equal(jkb_index_add(ix, &b), 0);
    assert_int_equal(jkb_index_add(ix, &c), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb_index_add(ix, &a), 0);
    assert_int_equal(jkb_index_delete(ix, "a"), 0); /* a is new: only the workers have it */
    assert_int_equal(jkb_index_delete(ix, "b"), 0);
    assert_int_equal(jkb_index_add(ix, &b), 0);
    assert_int_equal(jkb_index_add(ix, &c), 0);
    assert_int_equal(jkb_index_delete(ix, "c"), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb_index_get(ix, "a", &got), JKB_ENOTFOUND);
    assert_int_equal(jkb_index_get(ix, "b", &got), 0);
    assert_int_equal(jkb_index_get(ix, "c", &got), JKB_ENOTFOUND);
    assert_int_equal(doc_count(ix), 1);
    check(ix);
    jkb_index_close(ix);
    free(path);
}

static void count_commit(void *payload, uint64_t changes)
{
    uint64_t *seen = payload;
    seen[0]++;
    seen[1] += changes;
}

/* With a small memory bound the batch is committed while the workers still hold documents:
   they go into the next batch, in the order they were added, and a document replaced in a
   later batch keeps its last version only. */
static void test_automatic_commits_on_workers(void **state)
{
    enum { IDS = 150 };
    char *path = fresh_path("autocommit.db");
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    uint64_t seen[2] = {0, 0}; /* commits, changes */
    char id[32], body[160];
    int i, rc;
    (void)state;
    need_dictionary();
    o.create = 1;
    o.threads = 2;
    o.batch_bytes = 64 << 10;
    rc = jkb_index_open(&ix, path, &o);
    if (rc)
        fail_msg("open %s: %s", path, jkb_index_errmsg(ix));
    jkb_index_on_commit(ix, count_commit, seen);
    for (i = 0; i < 2 * IDS; i++) { /* every id twice, IDS adds apart */
        jkb_doc d;
        snprintf(id, sizeof id, "doc-%d", i % IDS);
        snprintf(body, sizeof body, "番号%dの文書の%s。%s", i % IDS, i < IDS ? "初版" : "改訂版",
                 "不正アクセスの調査を外部機関に委託し、影響範囲を確認している。");
        d = make_doc(id, "", "", body);
        assert_int_equal(jkb_index_add(ix, &d), 0);
    }
    assert_true(seen[0] >= 3); /* automatic commits happened */
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(seen[1], 2 * IDS);
    assert_int_equal(doc_count(ix), IDS);
    assert_int_equal(term_df(ix, "改訂"), IDS);
    assert_int_equal(term_df(ix, "初版"), 0);
    check(ix);
    jkb_index_close(ix);
    free(path);
}

/* A posting lost (its document frequency lowered with it, so that only the document can
   tell) fails the check: the postings must hold every token its columns count. */
static void test_check_finds_lost_posting(void **state)
{
    char *path = fresh_path("lost.db");
    jkb_index *ix;
    jkb_doc a = make_doc("a", "", "架空社 侵入の報告", "検証用サーバに侵入された。");
    jkb_doc b = make_doc("b", "", "架空市 誤送信", "メールを誤って送信した。");
    jkb__txn *t;
    jkb__cursor *c;
    jkb__val k, v;
    jkb__postings p;
    jkb__buf out = JKB__BUF_INIT;
    uint8_t key[JKB__POST_KEY_MAX];
    size_t key_len;
    uint32_t tid, last;
    int rc = 0;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &a), 0);
    assert_int_equal(jkb_index_add(ix, &b), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    check(ix);

    jkb__postings_init(&p);
    assert_int_equal(jkb__txn_begin(ix->store, 1, &t, &ix->err), 0);
    assert_int_equal(jkb__cursor_open(t, JKB__T_POST, &c), 0);
    for (assert_int_equal(jkb__cursor_seek(c, NULL, 0, &k, &v), 0);;
         assert_int_equal(jkb__cursor_next(c, &k, &v), 0)) {
        assert_int_equal(jkb__post_key_read(k.data, k.len, &tid, &last), 0);
        assert_int_equal(jkb__block_decode(v.data, v.len, last, &p, JKB__DECODE_POSITIONS), 0);
        if (p.n == 2) /* a term of both */
            break;
    }
    memcpy(key, k.data, key_len = k.len);
    jkb__cursor_close(c);
    jkb__postings_remove(&p, 0);
    jkb__block_encode(&rc, &out, &p, 0, p.n, p.bound);
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__put(t, JKB__T_POST, key, key_len, out.data, out.len), 0);
    assert_int_equal(jkb__df_add(t, tid, -1), 0);
    assert_int_equal(jkb__txn_commit(t, &ix->err), 0);
    assert_int_equal(jkb_index_check(ix), JKB_ECORRUPT);
    assert_non_null(strstr(jkb_index_errmsg(ix), "tokens"));
    jkb__buf_fin(&out);
    jkb__postings_fin(&p);
    jkb_index_close(ix);
    free(path);
}

/* A record far larger than a chunk is stored in pieces, read back whole, deleted whole. */
static void test_large_record(void **state)
{
    char *path = fresh_path("large.db");
    jkb_index *ix;
    size_t n = 60000, i;
    char *body = malloc(n * 3 + 1);
    uint32_t x = 12345;
    jkb_doc d;
    const jkb_doc *got;
    jkb_stats st;
    (void)state;
    need_dictionary();
    for (i = 0; i < n; i++) { /* kanji that zlib cannot shrink much */
        uint32_t c = 0x4E00 + (x = x * 1103515245u + 12345u) % 20000;
        body[3 * i] = (char)(0xE0 | c >> 12);
        body[3 * i + 1] = (char)(0x80 | (c >> 6 & 0x3F));
        body[3 * i + 2] = (char)(0x80 | (c & 0x3F));
    }
    body[3 * n] = 0;
    d = make_doc("big", "", "大きな文書", body);
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &d), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb_index_stats(ix, &st), 0);
    assert_true(st.tables[JKB__T_DOCS].entries > 50); /* in chunks */
    assert_int_equal(jkb_index_get(ix, "big", &got), 0);
    assert_string_equal(got->body, body);
    check(ix);
    assert_int_equal(jkb_index_delete(ix, "big"), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb_index_stats(ix, &st), 0);
    assert_int_equal(st.tables[JKB__T_DOCS].entries, 0);
    check(ix);
    jkb_index_close(ix);
    free(body);
    free(path);
}

static void test_bad_documents(void **state)
{
    char *path = fresh_path("bad.db");
    jkb_index *ix;
    jkb_doc empty = make_doc("e", "", "", "");
    jkb_doc ok = make_doc("ok", "", "題", "本文。");
    jkb_doc noid = make_doc("", "", "題", "本文。");
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &ok), 0);
    assert_int_equal(jkb_index_add(ix, &empty), JKB_EINPUT);
    assert_int_equal(jkb_index_add(ix, &noid), JKB_EINPUT);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(doc_count(ix), 1); /* the good one was kept */
    check(ix);
    jkb_index_close(ix);
    free(path);
}

/* Another format version or another analyzer is refused with its own code. */
static void test_version_and_analyzer(void **state)
{
    char *path = fresh_path("meta.db");
    jkb_index *ix;
    jkb_options o = JKB_OPTIONS_INIT;
    jkb__txn *t;
    jkb_doc d = make_doc("d", "", "題", "本文。");
    uint8_t ver = 99;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    assert_int_equal(jkb_index_add(ix, &d), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    assert_int_equal(jkb__txn_begin(ix->store, 1, &t, &ix->err), 0);
    assert_int_equal(jkb__put(t, JKB__T_META, "analyzer", 8, "mecab:0 other", 13), 0);
    assert_int_equal(jkb__txn_commit(t, &ix->err), 0);
    jkb_index_close(ix);

    o.readonly = 1;
    assert_int_equal(jkb_index_open(&ix, path, &o), JKB_EANALYZER);
    assert_non_null(strstr(jkb_index_errmsg(ix), "rebuild"));
    jkb_index_close(ix);
    o.ignore_analyzer = 1;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    jkb_index_close(ix);

    o.readonly = 0;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    assert_int_equal(jkb__txn_begin(ix->store, 1, &t, &ix->err), 0);
    assert_int_equal(jkb__put(t, JKB__T_META, "format", 6, &ver, 1), 0);
    assert_int_equal(jkb__txn_commit(t, &ix->err), 0);
    jkb_index_close(ix);
    assert_int_equal(jkb_index_open(&ix, path, &o), JKB_EVERSION);
    assert_non_null(strstr(jkb_index_errmsg(ix), "99"));
    jkb_index_close(ix);

    o.readonly = 1;
    assert_int_equal(jkb_index_open(&ix, "/nonexistent/index.db", &o), JKB_ENOTFOUND);
    jkb_index_close(ix);
    free(path);
}

/* Flips the last byte of file path, keeping its size and modification time. */
static void flip_last_byte(const char *path)
{
    struct stat st;
    struct timespec times[2];
    FILE *f = fopen(path, "r+b");
    int c;
    assert_non_null(f);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(fseek(f, -1, SEEK_END), 0);
    c = fgetc(f);
    assert_int_equal(fseek(f, -1, SEEK_END), 0);
    fputc(c ^ 1, f);
    fclose(f);
    times[0] = st.st_atim;
    times[1] = st.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

/* The index keeps the stat of MeCab's files with its fingerprint, so that opening it need
   not read them; a file changed in place, size and time kept, is still noticed, and the
   same contents under another stat still open. */
static void test_dictionary_changed(void **state)
{
    char *path = fresh_path("dic.db"), *dic = fresh_path("dic"), cmd[1024], file[1024];
    jkb_index *ix;
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_doc d = make_doc("d", "", "題", "本文。");
    (void)state;
    need_dictionary();
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -p %s/* '%s'", dic, JKB_DEFAULT_DICDIR, dic);
    assert_int_equal(system(cmd), 0);
    o.dicdir = dic;
    o.create = 1;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    assert_int_equal(jkb_index_add(ix, &d), 0);
    assert_int_equal(jkb_index_commit(ix), 0);
    jkb_index_close(ix);
    o.create = 0;
    o.readonly = 1;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    jkb_index_close(ix);

    snprintf(file, sizeof file, "%s/matrix.bin", dic);
    flip_last_byte(file); /* another connection cost: another analyzer */
    assert_int_equal(jkb_index_open(&ix, path, &o), JKB_EANALYZER);
    jkb_index_close(ix);
    flip_last_byte(file); /* back as it was, under a new stat */
    assert_int_equal(jkb_index_open(&ix, path, &o), 0);
    jkb_index_close(ix);
    o.readonly = 0;
    assert_int_equal(jkb_index_open(&ix, path, &o), 0); /* a writer notes the new stat */
    jkb_index_close(ix);
    free(path);
    free(dic);
}

/* Hits of query on ix: ids and scores, for comparing two indexes. */
static void hits_of(jkb_index *ix, const char *query, char *out, size_t cap)
{
    jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *r;
    size_t i, n = 0;
    so.no_group = 1;
    so.limit = 50;
    assert_int_equal(jkb_search(ix, query, &so, &r), 0);
    out[0] = '\0';
    for (i = 0; i < jkb_results_count(r) && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s:%.6f ", jkb_results_hit(r, i)->id,
                              jkb_results_hit(r, i)->score);
    jkb_results_free(r);
}

/* An index written in many commits, with replacements and deletes, copied by compaction: the
   copy passes the check, holds the same entries in every table, answers alike, and is smaller;
   a copy over an index is refused and leaves it as it was. */
static void test_compact(void **state)
{
    static const char *const words[] = {"侵入", "委託先", "暗号化", "誤送信", "漏えい", "報告",
                                        "調査", "サーバ", "架空社", "再発防止"};
    static const char *const queries[] = {"侵入 報告", "委託先 OR 暗号化", "漏えい -符号7",
                                          "\"架空社 通知\"", "再発防止", "符号42"};
    char *path = fresh_path("compact.db"), *copy = fresh_path("compact-copy.db");
    jkb_index *ix, *cx;
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_stats a, b;
    uint64_t bytes = 0;
    unsigned i, k, x = 11;
    size_t t;
    (void)state;
    need_dictionary();
    ix = open_rw(path);
    for (i = 0; i < 600; i++) {
        char id[32], case_no[32], title[64], body[512];
        size_t n = 0;
        jkb_doc d;
        unsigned doc = i < 500 ? i : (i * 7) % 500; /* the last 100 replace earlier ones */
        snprintf(id, sizeof id, "c-%u", doc);
        snprintf(title, sizeof title, "架空社 通知 第%u号", i);
        for (k = 0; k < 12; k++) {
            x = x * 1103515245u + 12345u;
            n += (size_t)snprintf(body + n, sizeof body - n, "%sについて。", words[(x >> 16) % 10]);
        }
        snprintf(body + n, sizeof body - n, "符号%u。", i); /* a term of its own */
        snprintf(case_no, sizeof case_no, "2031-%u", doc % 40);
        d = make_doc(id, doc % 3 ? "" : case_no, title, body);
        assert_int_equal(jkb_index_add(ix, &d), 0);
        if (i % 60 == 59) { /* ten commits; the last five each delete a document */
            if (i > 300) {
                snprintf(id, sizeof id, "c-%u", i / 60);
                assert_int_equal(jkb_index_delete(ix, id), 0);
            }
            assert_int_equal(jkb_index_commit(ix), 0);
        }
    }
    check(ix);
    assert_int_equal(jkb_index_stats(ix, &a), 0);
    assert_int_equal(jkb_index_compact(ix, copy, &bytes), 0);
    assert_true(bytes > 0 && bytes < a.file_bytes);
    o.readonly = 1;
    assert_int_equal(jkb_index_open(&cx, copy, &o), 0);
    check(cx);
    assert_int_equal(jkb_index_stats(cx, &b), 0);
    assert_int_equal(b.documents, a.documents);
    assert_int_equal(b.terms, a.terms);
    assert_int_equal(b.tokens, a.tokens);
    for (t = 0; t < a.n_tables; t++)
        assert_int_equal(b.tables[t].entries, a.tables[t].entries);
    for (t = 0; t < sizeof queries / sizeof *queries; t++) {
        char ha[4096], hb[4096];
        hits_of(ix, queries[t], ha, sizeof ha);
        hits_of(cx, queries[t], hb, sizeof hb);
        assert_true(ha[0] != '\0');
        assert_string_equal(ha, hb);
    }
    jkb_index_close(cx);
    /* over an index: refused, the index kept */
    assert_int_equal(jkb_index_compact(ix, copy, NULL), JKB_EINVAL);
    assert_int_equal(jkb_index_open(&cx, copy, &o), 0);
    check(cx);
    jkb_index_close(cx);
    jkb_index_close(ix);
    free(path);
    free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_replace_delete),
        cmocka_unit_test(test_same_id_in_batch),
        cmocka_unit_test(test_many_blocks),
        cmocka_unit_test(test_check_finds_lost_posting),
        cmocka_unit_test(test_random_changes),
        cmocka_unit_test(test_delete_after_add_on_workers),
        cmocka_unit_test(test_automatic_commits_on_workers),
        cmocka_unit_test(test_large_record),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_version_and_analyzer),
        cmocka_unit_test(test_dictionary_changed),
    };
    return cmocka_run_group_tests(tests, setup_group_dir, teardown_group_dir);
}
