/* Completions for a search box: the indexed terms that start with a prefix, by frequency. */
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "termdict.h"

/* Terms read from the dictionary for one prefix, at most: bounds the work for "a". */
#define SCAN_MAX 20000

typedef struct prefix_ctx {
    char term[JKB__TERM_MAX];
    size_t len;
} prefix_ctx;

static int take_prefix(const jkb__token *tok, void *payload)
{
    prefix_ctx *p = payload;
    memcpy(p->term, tok->term, tok->term_len);
    p->len = tok->term_len;
    return 0;
}

/* Better first: more documents, then term order. */
static int better(const jkb_suggestion *a, const jkb_suggestion *b)
{
    return a->df != b->df ? a->df > b->df : strcmp(a->term, b->term) < 0;
}

int jkb_suggest(jkb_index *ix, const char *prefix, jkb_suggestion *out, size_t cap, size_t *n)
{
    prefix_ctx p;
    jkb__txn *t = NULL;
    jkb__term_iter ti = {0};
    size_t scanned = 0;
    int rc;

    *n = 0;
    p.len = 0;
    rc = jkb__analyze(ix->analyzer, JKB__MODE_PREFIX, prefix, strlen(prefix), 0, take_prefix, &p,
                      NULL);
    if (rc || p.len == 0 || cap == 0)
        return rc;
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__terms_open(t, &ti)) != 0)
        goto out;
    for (rc = jkb__terms_seek(&ti, p.term, p.len); rc == 0 && scanned < SCAN_MAX;
         rc = jkb__terms_next(&ti), scanned++) {
        jkb_suggestion s;
        size_t i;
        if (ti.len < p.len || memcmp(ti.term, p.term, p.len) != 0)
            break;
        if (ti.len >= sizeof s.term)
            continue;
        if (jkb__df_get(t, ti.id, &s.df) != 0 || s.df == 0)
            continue; /* its documents were all deleted */
        memcpy(s.term, ti.term, ti.len);
        s.term[ti.len] = '\0';
        /* keep the best cap, sorted */
        if (*n == cap && !better(&s, &out[cap - 1]))
            continue;
        for (i = *n < cap ? (*n)++ : cap - 1; i > 0 && better(&s, &out[i - 1]); i--)
            out[i] = out[i - 1];
        out[i] = s;
    }
    if (rc == JKB_ENOTFOUND)
        rc = 0;
out:
    jkb__terms_close(&ti);
    jkb__txn_abort(t);
    if (rc)
        jkb__err_set(&ix->err, rc, "[suggest] %s", jkb_strerror(rc));
    return rc;
}
