/* jkb_index_check(): the index's invariants, verified from its tables. */
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "cols.h"
#include "index.h"
#include "termdict.h"

#define CORRUPT(...) jkb__err_set(&ix->err, JKB_ECORRUPT, "[check] " __VA_ARGS__)

/* Walks the term dictionary: its blocks decode, the terms ascend, and each holds an id below
   next_term that no other term has. Marks the ids in known (next_term bits). */
static int check_terms(jkb_index *ix, jkb__txn *t, uint32_t next_term, uint8_t *known)
{
    jkb__term_iter ti;
    uint8_t prev[JKB__TERM_MAX];
    size_t prev_len = 0;
    int rc = jkb__terms_open(t, &ti);
    if (rc == 0)
        rc = jkb__terms_seek(&ti, NULL, 0);
    for (; rc == 0; rc = jkb__terms_next(&ti)) {
        if (prev_len && jkb__bytes_cmp(prev, prev_len, ti.term, ti.len) >= 0) {
            rc = CORRUPT("term dictionary out of order at \"%.*s\"", (int)ti.len, ti.term);
            goto out;
        }
        if (ti.id >= next_term || (known[ti.id / 8] >> (ti.id % 8) & 1)) {
            rc = CORRUPT("term \"%.*s\": id %u taken or beyond %u", (int)ti.len, ti.term,
                         ti.id, next_term);
            goto out;
        }
        known[ti.id / 8] |= (uint8_t)(1u << (ti.id % 8));
        memcpy(prev, ti.term, prev_len = ti.len);
    }
    if (rc == JKB_ECORRUPT)
        rc = CORRUPT("a term dictionary block does not decode");
out:
    jkb__terms_close(&ti);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

/* Walks the postings: blocks decode, ids ascend, each document exists, each term is in the
   dictionary (known), df matches, and a block's score bound holds for each of its documents
   at the smallest reference averages (which makes it hold at any: bm25.h). Sums each
   document's frequencies per field into tokens (next_doc x JKB__NFIELDS). */
static int check_postings(jkb_index *ix, jkb__txn *t, const jkb__counts *counts,
                          const uint8_t *known, jkb__postings *tmp, uint32_t *tokens)
{
    jkb__cursor *c;
    jkb__val k, v;
    double ref[JKB__NFIELDS];
    uint32_t tid = 0, last = 0;
    uint64_t df = 0;
    int rc, first = 1, f, unbounded;

    for (f = 0; f < JKB__NFIELDS; f++)
        ref[f] = jkb__avglen_of(counts->bound_avglen[f]);
    if ((rc = jkb__cursor_open(t, JKB__T_POST, &c)) != 0)
        return rc;
    for (rc = jkb__cursor_seek(c, NULL, 0, &k, &v);; rc = jkb__cursor_next(c, &k, &v)) {
        uint32_t ktid = 0, klast = 0;
        size_t i;
        if (rc && rc != JKB_ENOTFOUND)
            break;
        if (rc == 0) {
            if (jkb__post_key_read(k.data, k.len, &ktid, &klast) != 0) {
                rc = CORRUPT("malformed postings key of %zu bytes", k.len);
                break;
            }
            if (ktid >= counts->next_term || !(known[ktid / 8] >> (ktid % 8) & 1)) {
                rc = CORRUPT("postings of term %u, which the dictionary does not hold", ktid);
                break;
            }
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
        if ((rc = jkb__block_decode(v.data, v.len, klast, tmp, JKB__DECODE_POSITIONS)) != 0) {
            rc = CORRUPT("term %u: block ending at doc %u does not decode", tid,
                         klast);
            break;
        }
        if (df > 0 && tmp->docs[0] <= last) {
            rc = CORRUPT("term %u: block ending at doc %u is out of order", tid,
                         klast);
            break;
        }
        for (i = 0; i < tmp->n; i++) {
            jkb__cols cols;
            if (tmp->docs[i] >= counts->next_doc || jkb__cols_get(t, tmp->docs[i], &cols) != 0) {
                rc = CORRUPT("term %u lists doc %u, which is not stored", tid, tmp->docs[i]);
                break;
            }
            for (f = 0, unbounded = 0; f < JKB__NFIELDS; f++) {
                uint32_t tf = tmp->tf[i * JKB__NFIELDS + f];
                tokens[(size_t)tmp->docs[i] * JKB__NFIELDS + f] += tf;
                unbounded |= tf && counts->bound_avglen[f] == 0;
            }
            if (unbounded ||
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
    }
    jkb__cursor_close(c);
    return rc;
}

/* Walks the documents by their columns: each is stored and readable, its id leads back to
   it, and the postings hold as many of its tokens per field as its columns count (tokens,
   from check_postings()): no posting of it missing, none too many. */
static int check_docs(jkb_index *ix, jkb__txn *t, const uint32_t *tokens, uint32_t next_doc,
                      uint64_t *n_docs)
{
    jkb__colreader r;
    jkb__cols cols;
    jkb__docbuf db;
    jkb__val x;
    uint32_t doc = 0;
    int rc, f;

    memset(&db, 0, sizeof db);
    *n_docs = 0;
    if ((rc = jkb__colreader_open(&r, t)) != 0)
        return rc;
    while ((rc = jkb__colreader_next(&r, &doc, &cols)) == 0) {
        const jkb_doc *d;
        if (doc >= next_doc) {
            rc = CORRUPT("doc %u is beyond the next doc id %u", doc, next_doc);
            break;
        }
        if (jkb__docs_read(ix, t, doc, &db, &d) != 0) {
            rc = CORRUPT("doc %u has columns but no readable stored document", doc);
            break;
        }
        if (jkb__get(t, JKB__T_IDS, d->id, strlen(d->id), &x) != 0 || x.len != 4 ||
            jkb__be32_get(x.data) != doc) {
            rc = CORRUPT("id %s does not lead to doc %u", d->id, doc);
            break;
        }
        for (f = 0; f < JKB__NFIELDS; f++)
            if (tokens[(size_t)doc * JKB__NFIELDS + f] != cols.len[f]) {
                rc = CORRUPT("doc %u (%s): the postings hold %u of its %u tokens in %s", doc,
                             d->id, tokens[(size_t)doc * JKB__NFIELDS + f], cols.len[f],
                             jkb_field_name(f));
                break;
            }
        if (rc)
            break;
        (*n_docs)++;
        doc++;
    }
    jkb__colreader_close(&r);
    jkb__docbuf_fin(&db);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

int jkb_index_check(jkb_index *ix)
{
    jkb__txn *t;
    jkb__counts counts;
    jkb__postings tmp;
    jkb__table_stat docs, ids;
    uint64_t n_docs = 0;
    uint32_t *tokens = NULL; /* per document and field, its frequencies in the postings */
    uint8_t *known = NULL;   /* the term ids the dictionary holds */
    int rc;

    jkb__postings_init(&tmp);
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    if ((rc = jkb__counts_read(t, &counts)) != 0) {
        rc = CORRUPT("unreadable counters");
        goto out;
    }
    if ((tokens = calloc((size_t)counts.next_doc * JKB__NFIELDS + 1, sizeof *tokens)) == NULL ||
        (known = calloc(counts.next_term / 8 + 1, 1)) == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    if ((rc = check_terms(ix, t, counts.next_term, known)) != 0 ||
        (rc = check_postings(ix, t, &counts, known, &tmp, tokens)) != 0 ||
        (rc = check_docs(ix, t, tokens, counts.next_doc, &n_docs)) != 0)
        goto out;
    if ((rc = jkb__store_table_stat(t, JKB__T_DOCS, &docs)) != 0 ||
        (rc = jkb__store_table_stat(t, JKB__T_IDS, &ids)) != 0)
        goto out;
    if (counts.docs != n_docs || docs.entries < n_docs || ids.entries != n_docs)
        rc = CORRUPT("document count %llu, columns %llu, stored chunks %llu, ids %llu",
                     (unsigned long long)counts.docs, (unsigned long long)n_docs,
                     (unsigned long long)docs.entries, (unsigned long long)ids.entries);
out:
    jkb__txn_abort(t);
    jkb__postings_fin(&tmp);
    free(tokens);
    free(known);
    if (rc && rc != JKB_ECORRUPT)
        jkb__err_set(&ix->err, rc, "[check] %s", jkb_strerror(rc));
    return rc;
}
