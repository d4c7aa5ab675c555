/* Every hit of every livedoor benchmark query has a valid UTF-8 snippet whose highlights lie
   inside it, the snippet its whole body makes, though the search decodes no more of the body
   than the snippet needs: 7,367 real articles with full-width text, URLs and ASCII art. */
#include "helpers.h"

#include "index.h"
#include "query.h"
#include "snippet.h"
#include "utf8.h"

/* The snippet of the whole body of the hit's release for query. */
static void whole_snippet(jkb_index *ix, const char *query, const char *id, jkb__snippet *out)
{
    jkb__query q;
    jkb__surfaces sf;
    jkb__norm norm = JKB__NORM_INIT;
    const jkb_doc *d;
    jkb__err err;
    long at;
    memset(&q, 0, sizeof q);
    memset(&sf, 0, sizeof sf);
    assert_int_equal(jkb__query_parse(&q, ix->analyzer, query, &err, &at), 0);
    assert_int_equal(jkb__surfaces_make(&sf, ix->dict, &q), 0);
    assert_int_equal(jkb_index_get(ix, id, &d), 0);
    assert_int_equal(jkb__snippet_make(out, &sf, d->body, strlen(d->body), &norm), 0);
    jkb__surfaces_fin(&sf);
    jkb__query_fin(&q);
    jkb__norm_fin(&norm);
}

static void test_livedoor_snippets(void **state)
{
    char corpus[512], queries[512], line[1024];
    char *dir = temp_dir();
    jkb_options o = JKB_OPTIONS_INIT;
    jkb_index *ix;
    jkb_reader *r;
    const jkb_doc *d;
    FILE *f;
    size_t n_queries = 0, n_hits = 0, zero = 0;
    (void)state;
    need_dictionary();
    shared_file(corpus, sizeof corpus, "corpus/livedoor-news.jsonl.gz");
    shared_file(queries, sizeof queries, "eval/livedoor-queries.txt");
    o.create = 1;
    o.threads = 2; /* the worker threads under the sanitizers too */
    assert_int_equal(jkb_index_open(&ix, dir, &o), 0);
    assert_int_equal(jkb_reader_open(&r, corpus, NULL), 0);
    while (jkb_reader_next(r, &d) > 0)
        assert_int_equal(jkb_index_add(ix, d), 0);
    assert_int_equal(jkb_reader_skipped(r), 0);
    jkb_reader_close(r);
    assert_int_equal(jkb_index_commit(ix), 0);

    f = fopen(queries, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        jkb_results *res;
        size_t i, k;
        line[strcspn(line, "\n")] = 0;
        if (jkb_search(ix, line, NULL, &res) != 0)
            fail_msg("%s: %s", line, jkb_index_errmsg(ix));
        n_queries++;
        zero += jkb_results_total(res) == 0;
        for (i = 0; i < jkb_results_count(res); i++) {
            const jkb_hit *h = jkb_results_hit(res, i);
            size_t len = strlen(h->snippet), chars;
            if (jkb__utf8_invalid_at((const uint8_t *)h->snippet, len) != len)
                fail_msg("%s: hit %s: snippet is not valid UTF-8", line, h->id);
            chars = jkb__utf8_count((const uint8_t *)h->snippet, len);
            assert_true(chars <= 124); /* about 120 characters, with two ellipses */
            for (k = 0; k < h->n_highlights; k++)
                if (h->highlights[2 * k + 1] == 0 ||
                    h->highlights[2 * k] + h->highlights[2 * k + 1] > chars)
                    fail_msg("%s: hit %s: highlight out of the snippet", line, h->id);
            {
                jkb__snippet whole;
                whole_snippet(ix, line, h->id, &whole);
                if (strcmp(whole.text, h->snippet) != 0 || whole.n_highlights != h->n_highlights ||
                    memcmp(whole.highlights, h->highlights,
                           2 * h->n_highlights * sizeof *h->highlights) != 0)
                    fail_msg("%s: hit %s: \"%s\", whole body \"%s\"", line, h->id, h->snippet,
                             whole.text);
                jkb__snippet_fin(&whole);
            }
            n_hits++;
        }
        jkb_results_free(res);
    }
    fclose(f);
    print_message("%zu queries, %zu hits checked, %zu without results\n", n_queries, n_hits, zero);
    assert_int_equal(n_queries, 500);
    assert_true(n_hits > 1000);
    jkb_index_close(ix);
    rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_livedoor_snippets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
