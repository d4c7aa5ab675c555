/* The JSON contract (SPEC 4.1) of the jikenbo command, field by field, over the sample. */
#include <jansson.h>

#include "analyzer.h"
#include "helpers.h"
#include "utf8.h"

static char *dir;
static char db[600];

static int setup(void **state)
{
    char cmd[1400];
    (void)state;
    dir = temp_dir();
    snprintf(db, sizeof db, "%s/sample.db", dir);
    snprintf(cmd, sizeof cmd, "'%s' -d '%s' index '%s/corpus/casebook-sample.txt' >/dev/null 2>&1",
             JKB_PROGRAM, db, JKB_SHARED_DIR);
    return system(cmd) == 0 || getenv("CI") == NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_tree(dir);
    return 0;
}

/* Runs jikenbo with args; returns its stdout (or stderr with err_out) parsed line by line. */
static json_t *run(const char *args, int *status, int err_out)
{
    char cmd[2000], line[1 << 16];
    FILE *p;
    json_t *lines = json_array();
    snprintf(cmd, sizeof cmd, "'%s' -d '%s' %s %s", JKB_PROGRAM, db, args,
             err_out ? "2>&1 >/dev/null" : "2>/dev/null");
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p)) {
        json_error_t e;
        json_t *v = json_loads(line, 0, &e);
        if (v == NULL)
            fail_msg("not JSON: %s (%s)", line, e.text);
        json_array_append_new(lines, v);
    }
    *status = WEXITSTATUS(pclose(p));
    return lines;
}

/* The object's keys are exactly these, in this order. */
static void assert_keys(json_t *o, const char *const *keys, size_t n)
{
    const char *k;
    json_t *v;
    size_t i = 0;
    assert_true(json_is_object(o));
    json_object_foreach(o, k, v) {
        (void)v;
        if (i >= n || strcmp(k, keys[i]) != 0)
            fail_msg("key %zu is \"%s\", expected \"%s\"", i, k, i < n ? keys[i] : "(none)");
        i++;
    }
    assert_int_equal(i, n);
}

static const char *const result_keys[] = {"query", "total", "total_exact", "took_ms", "hits"};
static const char *const hit_keys[] = {"id", "case", "case_ref", "title", "org", "date",
                                       "score", "snippet", "highlights", "related"};
static const char *const related_keys[] = {"id", "title", "date", "matched"};
static const char *const doc_keys[] = {"id", "case", "case_ref", "title", "org", "label",
                                       "date", "body", "source_ref", "fields"};

/* Terms of text, folded like the query's. */
static int collect_term(const jkb__token *tok, void *payload)
{
    char *buf = payload;
    size_t len = strlen(buf);
    snprintf(buf + len, 1024 - len, "|%.*s|", (int)tok->term_len, tok->term);
    return 0;
}

static void terms_of(jkb__analyzer *an, const char *text, size_t len, char *out)
{
    out[0] = 0;
    assert_int_equal(jkb__analyze(an, JKB__MODE_QUERY, text, len, 0, collect_term, out, NULL), 0);
}

/* Every highlight lies inside the snippet and covers text made of the query's terms. */
static void check_highlights(json_t *hit, jkb__analyzer *an, const char *query_terms)
{
    const char *snippet = json_string_value(json_object_get(hit, "snippet"));
    size_t chars = jkb__utf8_count((const uint8_t *)snippet, strlen(snippet)), i;
    json_t *hl;
    assert_int_equal(jkb__utf8_invalid_at((const uint8_t *)snippet, strlen(snippet)),
                     strlen(snippet));
    json_array_foreach(json_object_get(hit, "highlights"), i, hl) {
        json_int_t start = json_integer_value(json_array_get(hl, 0));
        json_int_t len = json_integer_value(json_array_get(hl, 1));
        const char *b = snippet, *e;
        char terms[1024], *t;
        json_int_t c;
        assert_int_equal(json_array_size(hl), 2);
        assert_true(start >= 0 && len > 0 && (size_t)(start + len) <= chars);
        for (c = 0; c < start; c++)
            b += jkb__utf8_decode((const uint8_t *)b, 4, &(uint32_t){0});
        for (e = b, c = 0; c < len; c++)
            e += jkb__utf8_decode((const uint8_t *)e, 4, &(uint32_t){0});
        terms_of(an, b, (size_t)(e - b), terms);
        assert_true(terms[0] != 0);
        for (t = strtok(terms, "|"); t; t = strtok(NULL, "|")) {
            char needle[160];
            snprintf(needle, sizeof needle, "|%s|", t);
            if (strstr(query_terms, needle) == NULL)
                fail_msg("highlight \"%.*s\" holds term %s, not in the query", (int)(e - b), b, t);
        }
    }
}

static void test_search_json(void **state)
{
    const char *query = "ランサムウェア 委託先";
    jkb__dict *dict;
    jkb__analyzer *an;
    jkb__err err;
    json_t *out, *res, *hits, *hit, *rel;
    char qterms[1024];
    size_t i, j;
    int status, related_217 = 0;
    (void)state;
    need_dictionary();
    shared_file(qterms, sizeof qterms, "corpus/casebook-sample.txt");
    assert_int_equal(jkb__dict_open(&dict, NULL, NULL, &err), 0);
    assert_int_equal(jkb__analyzer_new(&an, dict, &err), 0);
    terms_of(an, query, strlen(query), qterms);

    out = run("search --json 'ランサムウェア 委託先'", &status, 0);
    assert_int_equal(status, 0);
    assert_int_equal(json_array_size(out), 1);
    res = json_array_get(out, 0);
    assert_keys(res, result_keys, 5);
    assert_string_equal(json_string_value(json_object_get(res, "query")), query);
    assert_true(json_is_integer(json_object_get(res, "total")));
    assert_true(json_is_boolean(json_object_get(res, "total_exact")));
    assert_true(json_is_number(json_object_get(res, "took_ms")));
    hits = json_object_get(res, "hits");
    assert_true(json_array_size(hits) >= 1);
    assert_int_equal(json_integer_value(json_object_get(res, "total")), json_array_size(hits));
    json_array_foreach(hits, i, hit) {
        assert_keys(hit, hit_keys, 10);
        for (j = 0; j < 6; j++)
            assert_true(json_is_string(json_object_get(hit, hit_keys[j])));
        assert_true(json_is_real(json_object_get(hit, "score")));
        check_highlights(hit, an, qterms);
        json_array_foreach(json_object_get(hit, "related"), j, rel) {
            assert_keys(rel, related_keys, 4);
            assert_true(json_is_boolean(json_object_get(rel, "matched")));
        }
    }
    /* 2024-217 first, with the other releases of the case beside it */
    hit = json_array_get(hits, 0);
    assert_string_equal(json_string_value(json_object_get(hit, "case")), "2024-217");
    assert_string_equal(json_string_value(json_object_get(hit, "case_ref")),
                        "【セキュリティ事件簿#2024-217】");
    json_array_foreach(json_object_get(hit, "related"), j, rel)
        related_217 += strstr(json_string_value(json_object_get(rel, "title")), "市") != NULL;
    assert_int_equal(related_217, 2);
    /* both words highlighted in the snippet */
    {
        const char *snippet = json_string_value(json_object_get(hit, "snippet"));
        assert_true(json_array_size(json_object_get(hit, "highlights")) >= 2);
        assert_non_null(strstr(snippet, "ランサムウェア"));
        assert_non_null(strstr(snippet, "委託"));
    }
    json_decref(out);

    /* --no-group: related is [] */
    out = run("search --json --no-group -n 50 ランサムウェア", &status, 0);
    assert_int_equal(status, 0);
    json_array_foreach(json_object_get(json_array_get(out, 0), "hits"), i, hit)
        assert_int_equal(json_array_size(json_object_get(hit, "related")), 0);
    json_decref(out);
    jkb__analyzer_free(an);
    jkb__dict_close(dict);
}

static void test_batch_and_errors(void **state)
{
    char path[700], args[800];
    FILE *f;
    json_t *out, *e;
    int status;
    (void)state;
    need_dictionary();
    shared_file(path, sizeof path, "corpus/casebook-sample.txt");
    snprintf(path, sizeof path, "%s/queries.txt", dir);
    f = fopen(path, "w");
    fputs("ランサムウェア\n、\nUSBメモリ 紛失\n", f);
    fclose(f);
    snprintf(args, sizeof args, "search --batch '%s'", path);
    out = run(args, &status, 0);
    assert_int_equal(json_array_size(out), 3); /* one line per query, in order */
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 0), "query")),
                        "ランサムウェア");
    e = json_object_get(json_array_get(out, 1), "error");
    assert_string_equal(json_string_value(json_object_get(e, "code")), "malformed_query");
    assert_string_equal(json_string_value(json_object_get(json_array_get(out, 2), "query")),
                        "USBメモリ 紛失");
    json_decref(out);

    /* a malformed query: the error object on stderr, exit status 2 */
    out = run("search --json '、'", &status, 1);
    assert_int_equal(status, 2);
    e = json_object_get(json_array_get(out, 0), "error");
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "malformed_query");
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_int_equal(json_integer_value(json_object_get(e, "offset")), 0);
    json_decref(out);
}

static void test_show_and_case(void **state)
{
    static read_result sample;
    json_t *out, *rel, *doc;
    char args[300], path[700], id[256];
    const char *prev = "";
    size_t i;
    int status;
    (void)state;
    need_dictionary();
    shared_file(path, sizeof path, "corpus/casebook-sample.txt");
    out = run("case --json 2024-217", &status, 0);
    assert_int_equal(status, 0);
    rel = json_object_get(json_array_get(out, 0), "releases");
    assert_int_equal(json_array_size(rel), 3);
    json_array_foreach(rel, i, doc) {
        const char *date = json_string_value(json_object_get(doc, "date"));
        assert_keys(doc, doc_keys, 10);
        assert_true(strcmp(prev, date) <= 0); /* oldest first */
        prev = date;
    }
    /* the oldest release shows as the sample's text gives it, with its caption */
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(json_array_get(rel, 0), "id")));
    snprintf(args, sizeof args, "show --json '%s'", id);
    json_decref(out);
    out = run(args, &status, 0);
    assert_int_equal(status, 0);
    doc = json_array_get(out, 0);
    assert_keys(doc, doc_keys, 10);
    read_all(path, JKB_FORMAT_AUTO, 0, &sample);
    for (i = 0; i < sample.n && strcmp(sample.docs[i].id, id) != 0; i++)
        ;
    assert_true(i < sample.n);
    assert_true(sample.docs[i].label[0] != 0);
    assert_string_equal(json_string_value(json_object_get(doc, "org")), sample.docs[i].org);
    assert_string_equal(json_string_value(json_object_get(doc, "label")), sample.docs[i].label);
    free_result(&sample);
    assert_true(json_is_object(json_object_get(doc, "fields")));
    json_decref(out);
    out = run("case --json 1999-999", &status, 1);
    assert_int_equal(status, 4);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_json),
        cmocka_unit_test(test_batch_and_errors),
        cmocka_unit_test(test_show_and_case),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
