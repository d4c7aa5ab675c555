/* jkb_index_check(): the index's invariants, verified from its tables. */
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "cols.h"
#include "index.h"

#define CORRUPT(...) jkb__err_set(&ix->err, JKB_ECORRUPT, "[check] " __VA_ARGS__)

/* Is document doc in term tid's postings? */
static int posted(jkb__cursor *c, jkb__postings *tmp, uint32_t tid, uint32_t doc, int *found)
{
    uint8_t key[8];
    jkb__val k, v;
    size_t i;
    int rc;
    *found = 0;
    jkb__be32_put(key, tid);
    jkb__be32_put(key + 4, doc);
    rc = jkb__cursor_seek(c, key, 8, &k, &v);
    if (rc == JKB_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (k.len != 8 || jkb__be32_get(k.data) != tid)
        return 0;
    if ((rc = jkb__block_decode(v.data, v.len, tmp, 0)) != 0)
        return rc;
    for (i = 0; i < tmp->n; i++)
        if (tmp->docs[i] == doc)
            *found = 1;
    return 0;
}

/* Walks the postings: blocks decode, ids ascend, each document exists, df matches, and a
   block's score bound holds for each of its documents at the smallest reference averages
   (which makes it hold at any: bm25.h). */
static int check_postings(jkb_index *ix, jkb__txn *t, jkb__postings *tmp, uint64_t *n_postings)
{
    jkb__cursor *c;
    jkb__val k, v;
    jkb__counts counts;
    double ref[JKB__NFIELDS];
    uint32_t tid = 0, last = 0;
    uint64_t df = 0;
    int rc, first = 1, f;

    *n_postings = 0;
    if ((rc = jkb__counts_read(t, &counts)) != 0)
        return rc;
    for (f = 0; f < JKB__NFIELDS; f++)
        ref[f] = jkb__avglen_of(counts.bound_avglen[f]);
    if ((rc = jkb__cursor_open(t, JKB__T_POST, &c)) != 0)
        return rc;
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v);; rc = jkb__cursor_next(c, &k, &v)) {
        uint32_t ktid = 0;
        size_t i;
        if (rc && rc != JKB_ENOTFOUND)
            break;
        if (rc == 0) {
            if (k.len != 8) {
                rc = CORRUPT("postings key of %zu bytes", k.len);
                break;
            }
            ktid = jkb__be32_get(k.data);
        }
        if (!first && (rc == JKB_ENOTFOUND || ktid != tid)) {
            /* the end of term tid's postings: its df must match */
            uint64_t stored = 0;
            if (jkb__df_get(t, tid, &stored) != 0 || stored != df) {
                rc = CORRUPT("term %u: document frequency %llu, postings hold %llu", tid,
                             (unsigned long long)stored, (unsigned long long)df);
                break;
            }
        }
        if (rc == JKB_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (first || ktid != tid) {
            tid = ktid;
            df = 0;
            last = 0;
            first = 0;
        }
        if ((rc = jkb__block_decode(v.data, v.len, tmp, 1)) != 0) {
            rc = CORRUPT("term %u: block ending at doc %u does not decode", tid,
                         jkb__be32_get(k.data + 4));
            break;
        }
        if (tmp->docs[tmp->n - 1] != jkb__be32_get(k.data + 4) || (df > 0 && tmp->docs[0] <= last)) {
            rc = CORRUPT("term %u: block ending at doc %u is out of order", tid,
                         jkb__be32_get(k.data + 4));
            break;
        }
        for (i = 0; i < tmp->n; i++) {
            jkb__cols cols;
            if (jkb__cols_get(t, tmp->docs[i], &cols) != 0) {
                rc = CORRUPT("term %u lists doc %u, which is not stored", tid, tmp->docs[i]);
                break;
            }
            for (f = 0; f < JKB__NFIELDS; f++)
                if (tmp->tf[i * JKB__NFIELDS + f] && counts.bound_avglen[f] == 0)
                    break;
            if (f < JKB__NFIELDS ||
                jkb__bound_of(tmp->tf + i * JKB__NFIELDS, cols.len, ref) > tmp->bound) {
                rc = CORRUPT("term %u: doc %u scores above its block's bound", tid,
                             tmp->docs[i]);
                break;
            }
        }
        if (rc)
            break;
        last = tmp->docs[tmp->n - 1];
        df += tmp->n;
        *n_postings += tmp->n;
    }
    jkb__cursor_close(c);
    return rc;
}

/* Walks the documents: each has columns, an id entry pointing back, and is in the postings
   of each of its terms. */
static int check_docs(jkb_index *ix, jkb__txn *t, jkb__postings *tmp, uint64_t *n_docs,
                      uint64_t *n_terms)
{
    jkb__cursor *c = NULL, *pc = NULL;
    jkb__val k, v, x;
    jkb__docbuf db;
    int rc;

    memset(&db, 0, sizeof db);
    *n_docs = *n_terms = 0;
    if ((rc = jkb__cursor_open(t, JKB__T_DTERMS, &c)) != 0 ||
        (rc = jkb__cursor_open(t, JKB__T_POST, &pc)) != 0)
        goto out;
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v); rc == 0; rc = jkb__cursor_next(c, &k, &v)) {
        const uint8_t *p = v.data, *end = v.data + v.len;
        const jkb_doc *doc;
        uint32_t doc_id, tid = 0, gap;
        uint64_t n, i;
        jkb__cols cols;

        if (k.len != 4) {
            rc = CORRUPT("term list key of %zu bytes", k.len);
            goto out;
        }
        doc_id = jkb__be32_get(k.data);
        if (jkb__docs_read(ix, t, jkb__be32_get(k.data), &db, &doc) != 0) {
            rc = CORRUPT("doc %u has terms but no readable stored document", doc_id);
            goto out;
        }
        if (jkb__cols_get(t, doc_id, &cols) != 0) {
            rc = CORRUPT("doc %u (%s) has no columns", doc_id, doc->id);
            goto out;
        }
        if (jkb__get(t, JKB__T_IDS, doc->id, strlen(doc->id), &x) != 0 || x.len != 4 ||
            jkb__be32_get(x.data) != doc_id) {
            rc = CORRUPT("id %s does not lead to doc %u", doc->id, doc_id);
            goto out;
        }
        if (jkb__varint_get(&p, end, &n)) {
            rc = CORRUPT("doc %u: unreadable term list", doc_id);
            goto out;
        }
        for (i = 0; i < n; i++) {
            int found;
            if (jkb__varint_get32(&p, end, &gap) || (i > 0 && gap == 0)) {
                rc = CORRUPT("doc %u: unreadable term list", doc_id);
                goto out;
            }
            tid += gap;
            if ((rc = posted(pc, tmp, tid, doc_id, &found)) != 0)
                goto out;
            if (!found) {
                rc = CORRUPT("doc %u (%s) is missing from the postings of term %u", doc_id,
                             doc->id, tid);
                goto out;
            }
        }
        *n_terms += n;
        (*n_docs)++;
    }
    if (rc == JKB_ENOTFOUND)
        rc = 0;
out:
    jkb__cursor_close(c);
    jkb__cursor_close(pc);
    jkb__docbuf_fin(&db);
    return rc;
}

/* How many documents have columns. */
static int count_cols(jkb__txn *t, uint64_t *n)
{
    jkb__colreader r;
    jkb__cols cols;
    uint32_t doc = 0;
    int rc;
    *n = 0;
    if ((rc = jkb__colreader_open(&r, t)) != 0)
        return rc;
    while ((rc = jkb__colreader_next(&r, &doc, &cols)) == 0) {
        (*n)++;
        doc++;
    }
    jkb__colreader_close(&r);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

int jkb_index_check(jkb_index *ix)
{
    jkb__txn *t;
    jkb__counts counts;
    jkb__postings tmp;
    jkb__table_stat docs, ids;
    uint64_t n_postings = 0, n_docs = 0, n_terms = 0, n_cols = 0;
    int rc;

    jkb__postings_init(&tmp);
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__counts_read(t, &counts)) != 0) {
        rc = CORRUPT("unreadable counters");
        goto out;
    }
    if ((rc = check_postings(ix, t, &tmp, &n_postings)) != 0 ||
        (rc = check_docs(ix, t, &tmp, &n_docs, &n_terms)) != 0)
        goto out;
    if ((rc = jkb__store_table_stat(t, JKB__T_DOCS, &docs)) != 0 ||
        (rc = jkb__store_table_stat(t, JKB__T_IDS, &ids)) != 0)
        goto out;
    if ((rc = count_cols(t, &n_cols)) != 0) {
        rc = CORRUPT("unreadable columns");
        goto out;
    }
    if (counts.docs != n_docs || docs.entries < n_docs || n_cols != n_docs ||
        ids.entries != n_docs) {
        rc = CORRUPT("document count %llu, term lists %llu, stored chunks %llu, columns %llu, "
                     "ids %llu",
                     (unsigned long long)counts.docs, (unsigned long long)n_docs,
                     (unsigned long long)docs.entries, (unsigned long long)n_cols,
                     (unsigned long long)ids.entries);
        goto out;
    }
    if (n_terms != n_postings)
        rc = CORRUPT("term lists hold %llu entries, postings %llu",
                     (unsigned long long)n_terms, (unsigned long long)n_postings);
out:
    jkb__txn_abort(t);
    jkb__postings_fin(&tmp);
    if (rc && rc != JKB_ECORRUPT)
        jkb__err_set(&ix->err, rc, "[check] %s", jkb_strerror(rc));
    return rc;
}
