/*
 * libFuzzer target for query execution, differential: any bytes as a query (the first byte
 * picks grouping, a page and weights) over an index of fictional releases, searched as the
 * engine does (documents found one at a time, blocks passed over) and again through document
 * sets, scoring every match. Both must fail alike or find the same page: hits, scores and
 * related releases; a pruned total must be a lower bound of the exact one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fictional.h"
#include "jikenbo.h"
#include "match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jkb_index *ix;
static char dir[] = "/tmp/jikenbo-fuzz-XXXXXX";
static unsigned long searches, pruned; /* reported at exit: pruning must be exercised */

static void remove_index(void)
{
    char cmd[64];
    fprintf(stderr, "fuzz_search: %lu of %lu searches pruned\n", pruned, searches);
    jkb_index_close(ix);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* 1,500 releases from fictional.h's wording, with cases, in three commits of growing
   lengths. A few releases side by side every 300 are about one sentence (in their titles,
   and again and again in their bodies), so that the blocks of its words differ in what they
   can score and pages are found by pruning. */
static void make_index(void)
{
    jkb_options o = JKB_OPTIONS_INIT;
    unsigned i, s;
    o.create = 1;
    if (mkdtemp(dir) == NULL || jkb_index_open(&ix, dir, &o) != 0)
        abort();
    atexit(remove_index);
    for (i = 0; i < 1500; i++) {
        char id[32], case_no[32], title[512], body[8192];
        size_t len = 0;
        const char *focus = i % 300 < 3 ? events[0] : i % 300 - 150 < 3 ? actions[2] : NULL;
        jkb_doc d;
        memset(&d, 0, sizeof d);
        snprintf(id, sizeof id, "f-%u", i);
        snprintf(case_no, sizeof case_no, "2030-%u", focus ? i % 7 : i % 97);
        snprintf(title, sizeof title, "%s%s", focus ? focus : "", openings[i % 5]);
        for (s = 0; focus && s < 5; s++)
            len += (size_t)snprintf(body + len, sizeof body - len, "%s", focus);
        for (s = 0; s < 1 + i / 500 + i % 4; s++)
            len += (size_t)snprintf(body + len, sizeof body - len, "%s%s%s", openings[(i + s) % 5],
                                    events[(i * 7 + s) % 5], actions[(i * 3 + s) % 4]);
        d.id = id;
        d.case_no = i % 3 ? case_no : "";
        d.title = title;
        d.org = "";
        d.label = i % 2 ? "" : "架空";
        d.date = "2030-01-01";
        d.body = body;
        d.url = "";
        d.source_ref = "";
        if (jkb_index_add(ix, &d) != 0 || (i % 500 == 499 && jkb_index_commit(ix) != 0))
            abort();
    }
}

static jkb_results *search(const char *q, const jkb_search_options *o, int walking,
                           int *rc)
{
    jkb_results *r = NULL;
    jkb__matcher_walking = walking;
    *rc = jkb_search(ix, q, o, &r);
    jkb__matcher_walking = 1;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const double weights[][JKB_FIELDS] = {{0, 0, 0, 0}, {1, 1, 5, 1}, {9, 0, 1, 0},
                                                 {0, 2, 0, 1}};
    jkb_search_options o = JKB_SEARCH_OPTIONS_INIT;
    jkb_results *all, *top;
    char *q;
    size_t i, j, n;
    int rc_all, rc_top;

    if (ix == NULL)
        make_index();
    if (size == 0 || (q = malloc(size)) == NULL)
        return 0;
    memcpy(q, data + 1, size - 1);
    q[size - 1] = '\0';
    o.no_group = data[0] & 1;
    o.offset = data[0] & 2 ? 7 : 0;
    o.limit = data[0] & 4 ? 3 : 10;
    memcpy(o.weights, weights[data[0] >> 3 & 3], sizeof o.weights);
    all = search(q, &o, 0, &rc_all);
    top = search(q, &o, 1, &rc_top);
    if (rc_all != rc_top)
        abort();
    searches++;
    if (rc_all == 0) {
        pruned += !jkb_results_total_exact(top);
        n = jkb_results_count(all);
        if (jkb_results_count(top) != n || !jkb_results_total_exact(all) ||
            jkb_results_total(top) > jkb_results_total(all) ||
            (jkb_results_total_exact(top) && jkb_results_total(top) != jkb_results_total(all)))
            abort();
        for (i = 0; i < n; i++) {
            const jkb_hit *a = jkb_results_hit(all, i), *b = jkb_results_hit(top, i);
            if (strcmp(a->id, b->id) != 0 || a->score != b->score ||
                a->n_related != b->n_related)
                abort();
            for (j = 0; j < a->n_related; j++)
                if (strcmp(a->related[j].id, b->related[j].id) != 0 ||
                    a->related[j].matched != b->related[j].matched)
                    abort();
        }
    }
    jkb_results_free(all);
    jkb_results_free(top);
    free(q);
    return 0;
}
