/* End to end over ../shared/corpus/casebook-sample.txt: parsing against what the file's own
   text shows, then indexing it twice. */
#include "helpers.h"
#include "reader.h"

#define SAMPLE "corpus/casebook-sample.txt"

#define MAX_POSTS 64

/* A post start the file's text shows: its case number ("" without a header), its line after
   the header's case mark, and the next line that is not blank (where a caption stands). */
typedef struct post_start {
    char case_no[32];
    char line[1024];
    char next[256];
} post_start;

/* The post starts the file's text shows, in order: case headers not after the related line,
   and the first line after each archive line or follow-up marker that is not a header
   (reader.h); the case numbers of the headers after the related line go to related. */
typedef struct file_posts {
    post_start post[MAX_POSTS];
    size_t n, headers;
    char related[16][32];
    size_t n_related;
} file_posts;

static void posts_in_file(const char *path, file_posts *fp)
{
    static const char header[] = "【セキュリティ事件簿#";
    FILE *f = fopen(path, "r");
    char line[65536], prev[256] = "", case_no[32];
    int after_end = 0, want_next = 0;
    assert_non_null(f);
    memset(fp, 0, sizeof *fp);
    while (fgets(line, sizeof line, f)) {
        const char *text = line;
        int start = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0 || strcmp(line, "\xC2\xA0") == 0 || strcmp(line, " ") == 0)
            continue; /* blank */
        if (want_next) {
            snprintf(fp->post[fp->n - 1].next, sizeof fp->post[0].next, "%.*s",
                     (int)sizeof fp->post[0].next - 1, line);
            want_next = 0;
        }
        *case_no = 0;
        if (strncmp(line, header, strlen(header)) == 0) {
            text = strstr(line, "】") + strlen("】");
            snprintf(case_no, sizeof case_no, "%.*s",
                     (int)(text - strlen("】") - line - strlen(header)), line + strlen(header));
            if (strcmp(prev, JKB__RELATED_LINE) != 0) {
                start = 1;
                fp->headers++;
            } else if (fp->n_related < 16) {
                snprintf(fp->related[fp->n_related++], sizeof fp->related[0], "%s", case_no);
            }
            after_end = 0;
        } else if (strcmp(line, JKB__ARCHIVE_LINE) == 0 ||
                   (strncmp(line, "【", 3) == 0 && strstr(line, "リリース分】") != NULL)) {
            after_end = 1;
        } else if (after_end) {
            start = 1;
            after_end = 0;
        }
        if (start) {
            assert_true(fp->n < MAX_POSTS);
            snprintf(fp->post[fp->n].case_no, sizeof fp->post[0].case_no, "%s", case_no);
            snprintf(fp->post[fp->n++].line, sizeof fp->post[0].line, "%.*s",
                     (int)sizeof fp->post[0].line - 1, text);
            want_next = 1;
        }
        /* only the related line matters: a long line need not be kept whole */
        snprintf(prev, sizeof prev, "%.*s", (int)(sizeof prev - 1), line);
    }
    fclose(f);
}

/* The date a header line ends with (" 2024/6/6" -> "2024-06-06"), or "". */
static void header_date(const char *line, char *out, size_t cap)
{
    const char *sp = strrchr(line, ' ');
    int y, m, d;
    char rest;
    *out = 0;
    if (sp && sscanf(sp + 1, "%d/%d/%d%c", &y, &m, &d, &rest) == 3)
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
}

/* Every post the file shows is read, in order, with the fields its own lines give: the case
   number and title from its header (or its first line), the date the header ends with, an
   organisation the title starts with, a caption from the line under the header. */
static void test_parse_sample(void **state)
{
    static file_posts fp;
    char path[512];
    read_result r;
    size_t i, j, with_case = 0, with_date = 0, with_org = 0, with_label = 0;
    (void)state;
    shared_file(path, sizeof path, SAMPLE);
    read_all(path, JKB_FORMAT_AUTO, 0, &r);
    posts_in_file(path, &fp);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.n, fp.n);
    for (i = 0; i < r.n; i++) {
        const read_doc *d = &r.docs[i];
        const char *line = fp.post[i].line, *text = line + strspn(line, " ");
        char date[16] = "";
        assert_string_equal(d->case_no, fp.post[i].case_no);
        if (d->case_no[0]) {
            with_case++;
            header_date(line, date, sizeof date);
        }
        if (strncmp(text, d->title, strlen(d->title)) != 0 || strcmp(d->date, date) != 0 ||
            strncmp(d->title, d->org, strlen(d->org)) != 0 ||
            (d->label[0] && strcmp(d->label, fp.post[i].next) != 0))
            fail_msg("post %zu (%s): title \"%s\" org \"%s\" label \"%s\" date \"%s\"", i, line,
                     d->title, d->org, d->label, d->date);
        assert_true(d->title[0] != 0 && d->body[0] != 0);
        with_date += date[0] != 0;
        with_org += d->org[0] != 0;
        with_label += d->label[0] != 0;
    }
    assert_int_equal(with_case, fp.headers);
    assert_true(with_date > 0);
    /* what the sample's posts give: most name their organisation, some show a caption */
    assert_int_equal(with_org, 26);
    assert_int_equal(with_label, 21);
    /* a header after the related line starts no post: its case has as many releases as
       headers of its own */
    for (i = 0; i < fp.n_related; i++) {
        size_t releases = 0, own = 0;
        for (j = 0; j < r.n; j++) {
            releases += strcmp(r.docs[j].case_no, fp.related[i]) == 0;
            own += strcmp(fp.post[j].case_no, fp.related[i]) == 0;
        }
        assert_int_equal(releases, own);
    }
    assert_true(fp.n_related > 0);
    free_result(&r);
}

static void test_index_sample_twice(void **state)
{
    char path[512];
    char *dir = temp_dir();
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    jkb_stats st;
    static file_posts fp;
    int round;
    (void)state;
    need_dictionary();
    shared_file(path, sizeof path, SAMPLE);
    posts_in_file(path, &fp);
    o.create = 1;
    for (round = 0; round < 2; round++) {
        jkb_reader *r;
        const jkb_doc *d;
        assert_int_equal(jkb_index_open(&ix, dir, &o), 0);
        assert_int_equal(jkb_reader_open(&r, path, NULL), 0);
        while (jkb_reader_next(r, &d) > 0)
            assert_int_equal(jkb_index_add(ix, d), 0);
        jkb_reader_close(r);
        assert_int_equal(jkb_index_commit(ix), 0);
        assert_int_equal(jkb_index_stats(ix, &st), 0);
        /* the second run replaces every post: the count is unchanged */
        assert_int_equal(st.documents, fp.n);
        if (jkb_index_check(ix) != 0)
            fail_msg("round %d: %s", round, jkb_index_errmsg(ix));
        jkb_index_close(ix);
    }
    rm_tree(dir);
}

/* The first n documents of path are stored in ix as they were read. */
static void stored_as_read(jkb_index *ix, const char *path, int n)
{
    jkb_reader *r;
    const jkb_doc *d, *got;
    assert_int_equal(jkb_reader_open(&r, path, NULL), 0);
    while (n-- > 0 && jkb_reader_next(r, &d) > 0) {
        assert_int_equal(jkb_index_get(ix, d->id, &got), 0);
        assert_string_equal(got->title, d->title);
        assert_string_equal(got->body, d->body);
    }
    jkb_reader_close(r);
}

/* Indexing on the caller's thread, on one worker thread (the writer compressing the stored
   records) and on four (each worker compressing its own) gives one index: same documents,
   same scores and snippets (read back from the stored records), in the same order. The
   sample and 300 livedoor articles: enough for the preset dictionary of stored records. */
static void test_threads_same_index(void **state)
{
    static const char *const queries[] = {"ランサムウェア OR 個人情報", "不正アクセス", "委託先",
                                          "スマートフォン", "映画 監督"};
    enum { WAYS = 3 };
    const unsigned threads[WAYS] = {0, 1, 4};
    char path[512], news[512];
    char *dirs[WAYS];
    jkb_index *ix[WAYS];
    size_t q, i;
    int k;
    (void)state;
    need_dictionary();
    shared_file(path, sizeof path, SAMPLE);
    shared_file(news, sizeof news, "corpus/livedoor-news.jsonl.gz");
    for (k = 0; k < WAYS; k++) {
        jkb_options o = JKB_OPTIONS_INIT;
        jkb_reader *r;
        const jkb_doc *d;
        int n = 0;
        dirs[k] = temp_dir();
        o.create = 1;
        o.threads = threads[k];
        assert_int_equal(jkb_index_open(&ix[k], dirs[k], &o), 0);
        assert_int_equal(jkb_reader_open(&r, path, NULL), 0);
        while (jkb_reader_next(r, &d) > 0)
            assert_int_equal(jkb_index_add(ix[k], d), 0);
        jkb_reader_close(r);
        assert_int_equal(jkb_reader_open(&r, news, NULL), 0);
        while (n++ < 300 && jkb_reader_next(r, &d) > 0)
            assert_int_equal(jkb_index_add(ix[k], d), 0);
        jkb_reader_close(r);
        assert_int_equal(jkb_index_commit(ix[k]), 0);
        if (jkb_index_check(ix[k]) != 0)
            fail_msg("%u threads: %s", threads[k], jkb_index_errmsg(ix[k]));
    }
    for (k = 0; k < WAYS; k++) /* every stored document as it came */
        stored_as_read(ix[k], news, 300);
    for (q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        jkb_search_options so = JKB_SEARCH_OPTIONS_INIT;
        jkb_results *r[WAYS];
        so.no_group = 1;
        so.limit = 100;
        for (k = 0; k < WAYS; k++)
            assert_int_equal(jkb_search(ix[k], queries[q], &so, &r[k]), 0);
        if (jkb_results_count(r[0]) == 0)
            fail_msg("%s: nothing found", queries[q]);
        for (k = 1; k < WAYS; k++) {
            assert_int_equal(jkb_results_count(r[0]), jkb_results_count(r[k]));
            for (i = 0; i < jkb_results_count(r[0]); i++) {
                const jkb_hit *a = jkb_results_hit(r[0], i), *b = jkb_results_hit(r[k], i);
                assert_string_equal(a->id, b->id);
                assert_true(a->score == b->score);
                assert_string_equal(a->snippet, b->snippet);
            }
        }
        for (k = 0; k < WAYS; k++)
            jkb_results_free(r[k]);
    }
    for (k = 0; k < WAYS; k++) {
        jkb_index_close(ix[k]);
        rm_tree(dirs[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_sample),
        cmocka_unit_test(test_index_sample_twice),
        cmocka_unit_test(test_threads_same_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
