/* End to end over ../shared/corpus/casebook-sample.txt: parsing against what the file's own
   text shows, then indexing it twice. */
#include "helpers.h"
#include "reader.h"

#define SAMPLE "corpus/casebook-sample.txt"

/* Posts the file shows, by case number and title start, with the fields their text gives. */
static const struct {
    const char *case_no;
    const char *title_start;
    const char *org;
    const char *label;
    const char *date;
} expected[] = {
    {"2024-217", "徳島県 印刷業務委託先", "徳島県", "イセトー", "2024-06-06"},
    {"2024-217", "茅ケ崎市", "茅ケ崎市", "", "2024-06-07"},
    {"2024-217", "藤沢市", "藤沢市", "", "2024-06-07"},
    {"2024-235", "日経BP", "日経BP", "日経BP", "2024-06-07"},
    {"2024-226", "夢展望株式会社", "夢展望株式会社", "trecenti", "2024-06-03"},
    {"2024-225", "えちご上越農業協同組合", "えちご上越農業協同組合", "JAえちご上越", ""},
    {"2024-222", "滋賀県立湖南農業高の教諭が", "", "", ""},
    {"2024-220", "株式会社DMM Bitcoin", "株式会社DMM Bitcoin", "", "2024-05-31"},
    {"2024-115", "ワークスタイルテック株式会社", "ワークスタイルテック株式会社", "ワークスタイルテック", "2024-05-31"},
    {"2024-115", "株式会社イオンイーハート", "株式会社イオンイーハート", "イオンイーハート", "2024-05-10"},
    {"2024-028", "株式会社ほくやく・竹山ホールディングス", "株式会社ほくやく・竹山ホールディングス", "", "2024-05-31"},
    {"2024-210", "元旦ビューティ工業株式会社", "元旦ビューティ工業株式会社", "", "2024-05-27"},
    {"", "祝!フィジー・エアウェイズ", "", "FIJI airways", ""},
    {"", "Kivaローン", "", "kiva", ""},
    {"", "ランサムウェアギャングが発表した", "", "", ""},
};

/* Counts the post starts the file's text shows: case headers not after the related line, and
   the first line after each archive line or follow-up marker that is not a header (reader.h). */
static void count_in_file(const char *path, size_t *headers, size_t *headerless)
{
    FILE *f = fopen(path, "r");
    char line[65536], prev[256] = "";
    int after_end = 0;
    assert_non_null(f);
    *headers = *headerless = 0;
    while (fgets(line, sizeof line, f)) {
        int blank;
        line[strcspn(line, "\r\n")] = 0;
        blank = line[0] == 0 || strcmp(line, "\xC2\xA0") == 0 || strcmp(line, " ") == 0;
        if (blank)
            continue;
        if (strncmp(line, "【セキュリティ事件簿#", strlen("【セキュリティ事件簿#")) == 0) {
            if (strcmp(prev, JKB__RELATED_LINE) != 0)
                (*headers)++;
            after_end = 0;
        } else if (strcmp(line, JKB__ARCHIVE_LINE) == 0 ||
                   (strncmp(line, "【", 3) == 0 && strstr(line, "リリース分】") != NULL)) {
            after_end = 1;
        } else if (after_end) {
            (*headerless)++;
            after_end = 0;
        }
        /* only the related line matters: a long line need not be kept whole */
        snprintf(prev, sizeof prev, "%.*s", (int)(sizeof prev - 1), line);
    }
    fclose(f);
}

static void test_parse_sample(void **state)
{
    char path[512];
    read_result r;
    size_t headers, headerless, i, j, with_case = 0;
    (void)state;
    shared_file(path, sizeof path, SAMPLE);
    read_all(path, JKB_FORMAT_AUTO, 0, &r);
    count_in_file(path, &headers, &headerless);
    assert_int_equal(r.skipped, 0);
    assert_int_equal(r.n, headers + headerless);
    for (i = 0; i < r.n; i++)
        with_case += r.docs[i].case_no[0] != 0;
    assert_int_equal(with_case, headers);

    for (i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const read_doc *d = NULL;
        for (j = 0; j < r.n && d == NULL; j++)
            if (strcmp(r.docs[j].case_no, expected[i].case_no) == 0 &&
                strncmp(r.docs[j].title, expected[i].title_start,
                        strlen(expected[i].title_start)) == 0)
                d = &r.docs[j];
        if (d == NULL)
            fail_msg("no post %s %s", expected[i].case_no, expected[i].title_start);
        if (strcmp(d->org, expected[i].org) || strcmp(d->label, expected[i].label) ||
            strcmp(d->date, expected[i].date))
            fail_msg("%s %s: org \"%s\" label \"%s\" date \"%s\"", expected[i].case_no,
                     expected[i].title_start, d->org, d->label, d->date);
        assert_true(d->body[0] != 0);
    }
    /* the 2024-210 header after the related line starts no post: one release, the later one */
    for (i = 0, j = 0; i < r.n; i++)
        if (strcmp(r.docs[i].case_no, "2024-210") == 0)
            j++;
    assert_int_equal(j, 1);
    free_result(&r);
}

static void test_index_sample_twice(void **state)
{
    char path[512];
    char *dir = temp_dir();
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    jkb_stats st;
    size_t headers, headerless;
    int round;
    (void)state;
    need_dictionary();
    shared_file(path, sizeof path, SAMPLE);
    count_in_file(path, &headers, &headerless);
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
        assert_int_equal(st.documents, headers + headerless);
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
