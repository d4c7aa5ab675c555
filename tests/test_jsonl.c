/* The JSON Lines reader, on small inputs written by the test. */
#include <zlib.h>

#include "doc_text.h"
#include "helpers.h"
#include "reader.h"

#define dir group_dir()

static void parse(const char *name, const char *text, size_t len, jkb_format fmt,
                  read_result *res)
{
    char *path = write_file(dir, name, text, len);
    read_all(path, fmt, 0, res);
    free(path);
}

static const char lines[] =
    "{\"id\": \"a-1\", \"title\": \"見出し\", \"body\": \"本文\", \"date\": \"2010-05-22T14:30:00+09:00\","
    " \"url\": \"https://example.invalid/1\", \"category\": \"it\", \"rank\": 3}\n"
    "\n"
    "{\"title\": \"タイトルだけ\", \"case\": \"2031-001\"}\n"
    "{\"body\": \"本文だけ\", \"date\": \"2031-02-03\", \"org\": \"架空社\"}\n";

static void test_fields(void **state)
{
    read_result r;
    (void)state;
    parse("docs.jsonl", lines, sizeof lines - 1, JKB_FORMAT_AUTO, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.skipped, 0);
    assert_string_equal(r.docs[0].id, "a-1");
    assert_string_equal(r.docs[0].date, "2010-05-22");
    assert_string_equal(r.docs[0].source_ref, "docs.jsonl:1");
    /* a derived id for a record without one: stable and carrying the case */
    assert_true(strncmp(r.docs[1].id, "2031-001-", 9) == 0);
    assert_string_equal(r.docs[1].body, "");
    assert_string_equal(r.docs[1].source_ref, "docs.jsonl:3");
    assert_string_equal(r.docs[2].org, "架空社");
    assert_string_equal(r.docs[2].date, "2031-02-03");
    free_result(&r);
}

/* Extra keys are stored fields, checked through the reader's document directly. */
static void test_extra_fields(void **state)
{
    char *path = write_file(dir, "extra.jsonl", lines, sizeof lines - 1);
    jkb_reader *r;
    const jkb_doc *d;
    (void)state;
    assert_int_equal(jkb_reader_open(&r, path, NULL), 0);
    assert_int_equal(jkb_reader_next(r, &d), 1);
    assert_int_equal(d->n_fields, 2);
    assert_string_equal(d->fields[0].name, "category");
    assert_string_equal(d->fields[0].value, "it");
    assert_string_equal(d->fields[1].name, "rank");
    assert_string_equal(d->fields[1].value, "3");
    assert_string_equal(d->url, "https://example.invalid/1");
    jkb_reader_close(r);
    free(path);
}

static void test_gzip(void **state)
{
    char path[512];
    gzFile gz;
    read_result r;
    (void)state;
    snprintf(path, sizeof path, "%s/docs.jsonl.gz", dir);
    gz = gzopen(path, "wb");
    assert_non_null(gz);
    assert_int_equal(gzwrite(gz, lines, sizeof lines - 1), (int)(sizeof lines - 1));
    assert_int_equal(gzclose(gz), Z_OK);
    read_all(path, JKB_FORMAT_AUTO, 0, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.rc, 0);
    free_result(&r);
}

/* A gzip file cut short: what came before is read, then a clear error. */
static void test_gzip_truncated(void **state)
{
    char path[512], cmd[1200];
    gzFile gz;
    read_result r;
    int i;
    (void)state;
    snprintf(path, sizeof path, "%s/cut.jsonl.gz", dir);
    gz = gzopen(path, "wb");
    for (i = 0; i < 2000; i++)
        gzprintf(gz, "{\"id\": \"d%d\", \"body\": \"本文 %d は少し長めの文章です。\"}\n", i, i * 7919);
    assert_int_equal(gzclose(gz), Z_OK);
    snprintf(cmd, sizeof cmd, "truncate -s 8000 '%s'", path);
    assert_int_equal(system(cmd), 0);
    read_all(path, JKB_FORMAT_AUTO, 0, &r);
    assert_true(r.n > 0 && r.n < 2000);
    assert_int_equal(r.rc, JKB_EIO);
    free_result(&r);
}

static void test_bad_records(void **state)
{
    static const char text[] =
        "{\"id\": \"ok-1\", \"body\": \"一\"}\n"
        "{\"id\": \"bad-syntax\", \"body\": \n"
        "[1, 2, 3]\n"
        "{\"id\": \"no-text\", \"url\": \"x\"}\n"
        "{\"id\": \"bad-utf8\", \"body\": \"\xFF\"}\n"
        "{\"id\": \"nul\", \"body\": \"a\\u0000b\"}\n"
        "{\"id\": \"obj-title\", \"title\": {\"a\": 1}}\n"
        "{\"id\": 42, \"title\": \"数値のid\"}\n"
        "{\"id\": \"ok-2\", \"body\": \"二\"}";
    read_result r;
    (void)state;
    parse("bad.jsonl", text, sizeof text - 1, JKB_FORMAT_JSONL, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.skipped, 6);
    assert_string_equal(r.docs[0].id, "ok-1");
    assert_string_equal(r.docs[1].id, "42");
    assert_string_equal(r.docs[2].id, "ok-2");
    assert_non_null(strstr(r.warnings, "bad.jsonl:2: JSON error"));
    assert_non_null(strstr(r.warnings, "bad.jsonl:3: not a JSON object"));
    assert_non_null(strstr(r.warnings, "bad.jsonl:4: record has neither title nor body"));
    assert_non_null(strstr(r.warnings, "bad.jsonl:5:"));
    assert_non_null(strstr(r.warnings, "bad.jsonl:6:"));
    free_result(&r);
}

static void test_deep_nesting(void **state)
{
    size_t depth = 100000, i;
    char *text = malloc(depth * 2 + 128);
    read_result r;
    (void)state;
    i = (size_t)sprintf(text, "{\"id\": \"deep\", \"body\": \"x\", \"n\": ");
    memset(text + i, '[', depth);
    memset(text + i + depth, ']', depth);
    strcpy(text + i + 2 * depth, "}\n{\"id\": \"after\", \"body\": \"y\"}\n");
    parse("deep.jsonl", text, strlen(text), JKB_FORMAT_JSONL, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.docs[0].id, "after");
    assert_int_equal(r.skipped, 1);
    free_result(&r);
    free(text);
}

static void test_missing_file(void **state)
{
    jkb_reader *r;
    (void)state;
    assert_int_equal(jkb_reader_open(&r, "/nonexistent/file.jsonl", NULL), JKB_ENOTFOUND);
    assert_non_null(strstr(jkb_reader_errmsg(r), "/nonexistent/file.jsonl"));
    jkb_reader_close(r);
}

/* Everything a reading gives, documents and warnings, as one text. */
static void on_warn(const char *file, uint64_t line, const char *msg, void *payload)
{
    jkb__buf *out = payload;
    int rc = 0;
    char head[64];
    snprintf(head, sizeof head, "warn %s:%llu: ", file, (unsigned long long)line);
    jkb__buf_put_str(&rc, out, head);
    jkb__buf_put_str(&rc, out, msg);
    jkb__buf_putc(&rc, out, '\n');
    assert_int_equal(rc, 0);
}

static void read_as_text(const char *path, int fast, jkb__buf *out)
{
    jkb_reader_options ro = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *d;
    int rc = 0, got;
    ro.format = JKB_FORMAT_JSONL;
    ro.warn = on_warn;
    ro.warn_payload = out;
    jkb__jsonl_fast_path = fast;
    assert_int_equal(jkb_reader_open(&r, path, &ro), 0);
    while ((got = jkb_reader_next(r, &d)) > 0)
        doc_as_text(&rc, out, d);
    assert_int_equal(got, 0);
    assert_int_equal(rc, 0);
    jkb_reader_close(r);
    jkb__jsonl_fast_path = 1;
}

static void assert_same_readings(const char *path)
{
    jkb__buf fast = JKB__BUF_INIT, slow = JKB__BUF_INIT;
    read_as_text(path, 1, &fast);
    read_as_text(path, 0, &slow);
    assert_int_equal(fast.len, slow.len);
    assert_memory_equal(fast.data, slow.data, fast.len);
    jkb__buf_fin(&fast);
    jkb__buf_fin(&slow);
}

/* Lines read without jansson come out as jansson reads them, tricky ones included; those the
   fast reading leaves to jansson get jansson's messages. */
static const char tricky[] =
    "{\"id\":\"e1\",\"title\":\"q\\\"b\\\\s\\/n\\nt\\tr\\rb\\bf\\f\",\"body\":\"\\u3042\\u00e9\\ud83d\\ude00x\"}\n"
    "{ \"id\" : \"e2\" , \"title\" : null , \"body\" : \"空白 と null\" , \"x\" : null }\n"
    "{\"id\":\"e3\",\"body\":\"b\",\"n\":12.5,\"t\":true,\"a\":[1,{\"k\":null}]}\n"
    "{\"id\":\"e4\",\"body\":\"b\",\"id\":\"dup\"}\n"
    "{\"id\":\"e5\",\"body\":\"nul \\u0000 here\"}\n"
    "{\"id\":\"e6\",\"body\":\"lone \\ud800 surrogate\"}\n"
    "{\"id\":\"e7\",\"body\":\"bad \xff byte\"}\n"
    "{\"id\":\"e8\",\"body\":\"tab\there\"}\n"
    "{\"id\":\"e9\",\"body\":\"b\"} trailing\n"
    "{\"id\":\"e10\",\"body\":\"b\",}\n"
    "{\"id\":\"e11\",\"body\":\"b\\x\"}\n"
    "[\"not\",\"an object\"]\n"
    "{}\n"
    "{\"id\":12,\"body\":\"numeric id\",\"date\":\"2031-01-02 10:00\"}\n"
    "{\"id\":\"e13\",\"title\":{\"nested\":1}}\n"
    "{\"id\":\"e14\",\"date\":\"soon\",\"body\":\"b\"}\n"
    "{\"id\":\"e15\",\"body\":\"\\u00\"}\n"
    "{\"id\":\"e16\",\"body\":\"unterminated\n";

static void test_fast_reading_as_jansson(void **state)
{
    char *path = write_file(dir, "tricky.jsonl", tricky, sizeof tricky - 1);
    (void)state;
    assert_same_readings(path);
    free(path);
}

/* The same over a real corpus, when it is there. */
static void test_fast_reading_livedoor(void **state)
{
    char buf[512];
    (void)state;
    assert_same_readings(shared_file(buf, sizeof buf, "corpus/livedoor-news.jsonl.gz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_extra_fields),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_truncated),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_fast_reading_as_jansson),
        cmocka_unit_test(test_fast_reading_livedoor),
    };
    return cmocka_run_group_tests(tests, setup_group_dir, teardown_group_dir);
}
