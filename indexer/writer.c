/*
 * Adding, replacing and deleting documents.
 *
 * Changes are buffered in a batch: each added document is prepared (prepare.h: analysed and
 * its stored record encoded, on worker threads when opts.threads > 0) and put into the
 * batch in the order it was added, its postings accumulated per term with batch-local doc
 * numbers. A commit writes the whole batch in one LMDB write transaction, in this order:
 * documents that are replaced or deleted are removed (their postings in one pass over the
 * postings for all of them, decoding only the blocks whose range holds one); the batch's
 * terms are resolved in sorted order and their postings appended to each term's last block;
 * the documents' records, columns, ids and case entries are written; the document
 * frequencies and the counters last. When the map fills, the transaction is dropped, the map
 * doubled and the batch written again from memory. A batch is committed when it fills its room
 * in the memory bound (batch_bytes; batch_room()); the documents the workers hold then are not
 * waited for: they go on being analysed while it is written.
 */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bm25.h"
#include "buf.h"
#include "cols.h"
#include "index.h"
#include "prepare.h"
#include "strmap.h"
#include "termdict.h"
#include "utf8.h"

#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim, mallinfo2: what the process holds besides the batch */
#endif

/* The longest external id: LMDB keys are at most 511 bytes. */
#define ID_MAX 400
#define DEFAULT_BATCH_BYTES ((size_t)512 << 20)

typedef struct term_entry {
    uint32_t key_off; /* the term in the batch's arena */
    uint32_t key_len;
    uint32_t tid;     /* resolved at commit */
    jkb__postings post; /* batch-local doc numbers */
} term_entry;

typedef struct pending {
    uint32_t id_off;   /* external id in the arena */
    uint32_t id_len;
    int is_delete;
    int dropped;       /* replaced by a later add of the same id in this batch */
    uint32_t local;    /* batch-local doc number of an add */
    char *case_no;
    jkb__buf record;   /* the stored record: raw payload until compressed */
    int compressed;
    jkb__cols cols;
    uint32_t *terms;   /* entry indexes of the document's terms */
    size_t n_terms;
    size_t terms_cap;
} pending;

typedef struct jkb__batch {
    jkb__buf arena; /* term and id bytes */
    term_entry *entries;
    size_t n_entries;
    size_t entries_cap;
    jkb__strmap term_map;
    pending *docs;
    size_t n_docs;
    size_t docs_cap;
    jkb__strmap id_map; /* external id -> index in docs */
    uint32_t n_local;
    size_t bytes;          /* memory its postings, term lists and records hold */
    size_t room;           /* what it may take (0: the share before any commit measured it) */
    uint64_t index_docs;   /* documents in the index when the batch began */
    int counted;
} jkb__batch;

static const char *entry_key(const void *ctx, uint32_t v, size_t *len)
{
    const jkb__batch *b = ctx;
    *len = b->entries[v].key_len;
    return (const char *)b->arena.data + b->entries[v].key_off;
}

static const char *doc_key(const void *ctx, uint32_t v, size_t *len)
{
    const jkb__batch *b = ctx;
    *len = b->docs[v].id_len;
    return (const char *)b->arena.data + b->docs[v].id_off;
}

static void pending_fin(pending *p)
{
    free(p->case_no);
    free(p->terms);
    jkb__buf_fin(&p->record);
}

static void batch_reset(jkb__batch *b)
{
    size_t i;
    for (i = 0; i < b->n_entries; i++)
        jkb__postings_fin(&b->entries[i].post);
    for (i = 0; i < b->n_docs; i++)
        pending_fin(&b->docs[i]);
    b->n_entries = b->n_docs = 0;
    b->n_local = 0;
    b->bytes = 0;
    b->counted = 0;
    b->arena.len = 0;
    jkb__strmap_clear(&b->term_map);
    jkb__strmap_clear(&b->id_map);
}

/* Frees the writer's state: the workers, then the batch. */
static void writer_free(jkb_index *ix)
{
    jkb__batch *b = ix->batch;
    jkb__pool_free(ix->pool);
    ix->pool = NULL;
    if (b == NULL)
        return;
    batch_reset(b);
    free(b->entries);
    free(b->docs);
    jkb__buf_fin(&b->arena);
    jkb__strmap_fin(&b->term_map);
    jkb__strmap_fin(&b->id_map);
    free(b);
    ix->batch = NULL;
}

static jkb__batch *get_batch(jkb_index *ix)
{
    if (ix->batch == NULL && (ix->batch = calloc(1, sizeof *ix->batch)) != NULL) {
        ix->batch_free = writer_free;
        jkb__dict_huge_pages(ix->dict); /* bulk analysis begins: the dictionary on huge pages */
    }
    return ix->batch;
}

void jkb_index_rollback(jkb_index *ix)
{
    jkb__prepared *pr;
    while (ix->pool && jkb__pool_next(ix->pool, 1, &pr)) /* what the workers still hold */
        jkb__pool_release(ix->pool);
    if (ix->batch)
        batch_reset(ix->batch);
}

/* ---- buffering ---- */

/* Takes a buffered add (or delete) out of the batch, with the postings it added. */
static void drop_pending(jkb__batch *b, pending *p)
{
    size_t i;
    for (i = 0; !p->is_delete && i < p->n_terms; i++) {
        jkb__postings *post = &b->entries[p->terms[i]].post;
        /* p's postings are the last ones of each of its terms unless p was superseded */
        size_t k = post->n;
        while (k > 0 && post->docs[k - 1] != p->local)
            k--;
        if (k > 0)
            jkb__postings_remove(post, k - 1);
    }
    p->dropped = 1;
}

static pending *new_pending(jkb__batch *b, const char *id, size_t id_len, int *rc)
{
    pending *p;
    uint32_t hash = jkb__hash(id, id_len), prev;

    JKB__RESERVE(*rc, b->docs, b->docs_cap, b->n_docs);
    if (*rc)
        return NULL;
    p = &b->docs[b->n_docs];
    memset(p, 0, sizeof *p);
    p->id_off = (uint32_t)b->arena.len;
    p->id_len = (uint32_t)id_len;
    jkb__buf_put(rc, &b->arena, id, id_len);
    if (*rc)
        return NULL;
    /* A later change to the same id in one batch supersedes the earlier one, and takes its
       place in the map: a third change must find the second. */
    if (jkb__strmap_find(&b->id_map, id, id_len, hash, doc_key, b, &prev)) {
        drop_pending(b, &b->docs[prev]);
        jkb__strmap_replace(&b->id_map, id, id_len, hash, doc_key, b, (uint32_t)b->n_docs);
    } else if ((*rc = jkb__strmap_insert(&b->id_map, hash, (uint32_t)b->n_docs)) != 0) {
        return NULL;
    }
    b->n_docs++;
    return p;
}

/* Memory a run of postings holds (allocated, not only used). */
static size_t postings_memory(const jkb__postings *p)
{
    return p->cap * (2 + JKB__NFIELDS) * sizeof(uint32_t) + p->pos_cap * sizeof(uint32_t);
}

/* Memory the batch holds: what grows per token is counted as it grows (b->bytes), the
   tables from their capacities. */
static size_t batch_memory(const jkb__batch *b)
{
    return b->bytes + b->entries_cap * sizeof *b->entries + b->docs_cap * sizeof *b->docs +
           (b->term_map.cap + b->id_map.cap) * sizeof(uint64_t) + b->arena.cap;
}

/* Adds one token of pending document d (field f, position pos) to the batch. */
static int add_token(jkb__batch *b, pending *d, unsigned f, uint32_t pos, const char *term,
                     size_t len)
{
    uint32_t hash = jkb__hash(term, len), idx;
    term_entry *e;
    size_t before;
    int rc = 0;

    if (!jkb__strmap_find(&b->term_map, term, len, hash, entry_key, b, &idx)) {
        JKB__RESERVE(rc, b->entries, b->entries_cap, b->n_entries);
        if (rc)
            return rc;
        idx = (uint32_t)b->n_entries;
        e = &b->entries[idx];
        e->key_off = (uint32_t)b->arena.len;
        e->key_len = (uint32_t)len;
        jkb__postings_init(&e->post);
        jkb__buf_put(&rc, &b->arena, term, len);
        if (rc || (rc = jkb__strmap_insert(&b->term_map, hash, idx)) != 0)
            return rc;
        b->n_entries++;
    }
    e = &b->entries[idx];
    before = postings_memory(&e->post) + d->terms_cap * sizeof *d->terms;
    if (e->post.n == 0 || e->post.docs[e->post.n - 1] != d->local) {
        /* Room in the term list first, so that a posting is never left unlisted. */
        JKB__RESERVE(rc, d->terms, d->terms_cap, d->n_terms);
        jkb__postings_add_doc(&rc, &e->post, d->local);
        if (rc)
            return rc;
        d->terms[d->n_terms++] = idx;
    }
    jkb__postings_add_pos(&rc, &e->post, f, pos);
    d->cols.len[f]++;
    b->bytes += postings_memory(&e->post) + d->terms_cap * sizeof *d->terms - before;
    return rc;
}

static int check_id(jkb_index *ix, const char *id)
{
    size_t len = id ? strlen(id) : 0;
    if (len == 0)
        return jkb__err_set(&ix->err, JKB_EINPUT, "document has no id");
    if (len > ID_MAX)
        return jkb__err_set(&ix->err, JKB_EINPUT, "document id longer than %d bytes", ID_MAX);
    if (jkb__utf8_invalid_at((const uint8_t *)id, len) != len)
        return jkb__err_set(&ix->err, JKB_EINPUT, "document id is not valid UTF-8");
    return 0;
}

/* Documents in the index when a batch begins (for when to make the preset dictionary). */
static int count_docs(jkb_index *ix, jkb__batch *b)
{
    jkb__txn *t;
    jkb__counts c;
    int rc;
    if (b->counted)
        return 0;
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    rc = jkb__counts_read(t, &c);
    if (rc == 0 && !ix->zdict_loaded && !ix->zdict_pending)
        rc = jkb__zdict_load(ix, t);
    jkb__txn_abort(t);
    b->index_docs = c.docs;
    b->counted = rc == 0;
    return rc;
}

/* Once the index reaches ZDICT_DOCS documents, the preset dictionary of stored documents
   is sampled from the batch's records (all uncompressed until then): the start of every
   few. It is the index's once the batch commits. */
#define ZDICT_DOCS 64
#define ZDICT_TAKE 256
static void maybe_make_zdict(jkb_index *ix, jkb__batch *b)
{
    size_t i, every, n = 0;
    int rc = 0;
    if (ix->zdict.len || b->index_docs + b->n_local < ZDICT_DOCS)
        return;
    every = b->n_docs * ZDICT_TAKE / JKB__ZDICT_MAX + 1;
    for (i = 0; i < b->n_docs && ix->zdict.len < JKB__ZDICT_MAX; i++) {
        const pending *p = &b->docs[i];
        if (p->is_delete || p->dropped || p->compressed || n++ % every != 0)
            continue;
        jkb__zdict_sample(&rc, &ix->zdict, p->record.data, p->record.len, ZDICT_TAKE);
    }
    if (rc)
        ix->zdict.len = 0;
    ix->zdict_pending = ix->zdict.len > 0;
}

/* Puts a prepared document into the batch (in submission order). */
static int insert(jkb_index *ix, jkb__prepared *pr)
{
    jkb__batch *b = ix->batch;
    jkb__ptoken tok;
    jkb__buf swap;
    pending *p;
    size_t at = 0;
    int rc = 0;

    if (pr->rc)
        return jkb__err_set(&ix->err, pr->rc, "[index][add] %s: %s", pr->id ? pr->id : "",
                            pr->msg);
    /* With one analysis thread, the writer, which would otherwise wait for it, compresses
       the records (a fifth of preparing a document); with more, each worker its own. */
    if (!pr->compressed && ix->zdict.len > 0 &&
        (rc = jkb__prepared_compress(pr, ix->zdict.data, ix->zdict.len)) != 0)
        return jkb__err_set(&ix->err, rc, "[index][add] %s: %s", pr->id, jkb_strerror(rc));
    p = new_pending(b, pr->id, strlen(pr->id), &rc);
    if (rc)
        return jkb__err_set(&ix->err, rc, "[index][add] %s: %s", pr->id, jkb_strerror(rc));
    p->local = b->n_local++;
    p->cols.day = pr->day;
    p->cols.case_key = jkb__case_key(pr->case_no ? pr->case_no : "");
    p->case_no = pr->case_no;
    pr->case_no = NULL;
    swap = p->record; /* take the record without copying it */
    p->record = pr->record;
    pr->record = swap;
    p->compressed = pr->compressed;
    b->bytes += p->record.cap;
    while (rc == 0 && jkb__prepared_token(pr, &at, &tok))
        rc = add_token(b, p, tok.field, tok.pos, tok.term, tok.len);
    if (rc) {
        /* take back what the batch holds of this document; the rest of the batch stays */
        drop_pending(b, p);
        return jkb__err_set(&ix->err, rc, "[index][add] %s: %s", pr->id, jkb_strerror(rc));
    }
    maybe_make_zdict(ix, b);
    return 0;
}

/* Inserts the documents the workers have prepared, in order: those ready now (DRAIN_READY),
   the next one waited for and those ready after it (DRAIN_ONE), or every one handed to them
   (DRAIN_ALL). Waiting for one only keeps the queue deep, so that the workers have work
   while the writer commits. */
enum { DRAIN_READY, DRAIN_ONE, DRAIN_ALL };
static int drain(jkb_index *ix, int how)
{
    jkb__prepared *pr;
    int rc = 0, rc2, wait = how != DRAIN_READY;
    while (ix->pool && jkb__pool_next(ix->pool, wait, &pr)) {
        rc2 = insert(ix, pr);
        jkb__pool_release(ix->pool);
        if (rc == 0)
            rc = rc2; /* the first error is reported; the others' documents are skipped too */
        wait = how == DRAIN_ALL;
    }
    return rc;
}

static int commit_batch(jkb_index *ix);

static size_t bound_bytes(const jkb_index *ix)
{
    return ix->opts.batch_bytes ? ix->opts.batch_bytes : DEFAULT_BATCH_BYTES;
}

/* Buffered changes take up to five eighths of the memory bound: the rest is for the write
   transaction's pages, MeCab and the queue of documents handed to the workers (an eighth of the
   bound: two thousand of livedoor's documents by default, which keep two workers busy through
   a commit of the 16x archive, 1.5 s on its own). LMDB keeps the pages a commit wrote for the
   next one, so they grow with the index; what the process holds besides the batch is measured
   after each commit, where the C library tells (MeCab's dictionary, moved to huge pages, is
   counted apart), and the batch gets what the bound leaves. */
static size_t batch_room(const jkb_index *ix)
{
    size_t share = bound_bytes(ix) / 8 * 5, room = ix->batch->room;
    return room && room < share ? room : share;
}

/* After a commit: gives the freed batch back to the system and measures the next one's room,
   leaving a sixteenth of the bound for the pages of a commit to grow (never below a quarter). */
static void measure_room(jkb_index *ix)
{
#ifdef __GLIBC__
    jkb__batch *b = ix->batch;
    size_t bound = bound_bytes(ix), held, others, keep;
    struct mallinfo2 mi;
    malloc_trim(0);
    mi = mallinfo2();
    held = mi.uordblks + mi.hblkhd;
    others = (held > batch_memory(b) ? held - batch_memory(b) : 0) +
             jkb__dict_huge_pages(ix->dict);
    keep = others + bound / 16;
    b->room = keep < bound / 4 * 3 ? bound - keep : bound / 4;
#else
    (void)ix;
#endif
}

static size_t queue_bound(const jkb_index *ix)
{
    return bound_bytes(ix) / 8;
}

int jkb_index_add(jkb_index *ix, const jkb_doc *doc)
{
    jkb__batch *b;
    int rc = 0;

    if (ix->opts.readonly)
        return jkb__err_set(&ix->err, JKB_EINVAL, "[index][add] index opened read-only");
    if ((rc = check_id(ix, doc->id)) != 0)
        return rc;
    if ((!doc->title || !*doc->title) && (!doc->body || !*doc->body))
        return jkb__err_set(&ix->err, JKB_EINPUT, "document %s has neither title nor body",
                            doc->id);
    if ((b = get_batch(ix)) == NULL)
        return JKB_ENOMEM;
    if ((rc = count_docs(ix, b)) != 0)
        return rc;
    if (ix->opts.threads > 0 && ix->pool == NULL &&
        (rc = jkb__pool_new(&ix->pool, ix->dict, ix->opts.threads, queue_bound(ix),
                            &ix->err)) != 0)
        return rc;

    if (ix->pool) {
        if (jkb__pool_full(ix->pool))
            rc = drain(ix, DRAIN_ONE);
        if (rc == 0)
            rc = jkb__pool_submit(ix->pool, doc, ix->zdict.data,
                                  ix->opts.threads > 1 ? ix->zdict.len : 0);
        if (rc == 0)
            rc = drain(ix, DRAIN_READY);
    } else {
        jkb__prepared pr;
        memset(&pr, 0, sizeof pr);
        jkb__prepare(&pr, ix->analyzer, doc, ix->zdict.data, ix->zdict.len);
        rc = insert(ix, &pr);
        jkb__prepared_fin(&pr);
    }
    if (rc)
        return rc;
    if (batch_memory(b) >= batch_room(ix)) {
        /* The documents still with the workers stay there, analysed while the batch is
           written, and go into the next one. A failed commit loses them as it loses the
           batch: they may be compressed with a preset dictionary it did not write. */
        if ((rc = commit_batch(ix)) != 0)
            jkb_index_rollback(ix);
        return rc;
    }
    return 0;
}

int jkb_index_delete(jkb_index *ix, const char *id)
{
    jkb__batch *b;
    jkb__txn *t;
    jkb__val v;
    pending *p;
    uint32_t prev;
    int rc, in_batch;

    if (ix->opts.readonly)
        return jkb__err_set(&ix->err, JKB_EINVAL, "[index][delete] index opened read-only");
    if ((b = get_batch(ix)) == NULL)
        return JKB_ENOMEM;
    /* the adds still with the workers come first: they were made before */
    if ((rc = drain(ix, DRAIN_ALL)) != 0)
        return rc;
    in_batch = jkb__strmap_find(&b->id_map, id, strlen(id), jkb__hash(id, strlen(id)), doc_key,
                                b, &prev);
    if (in_batch && b->docs[prev].is_delete) /* deleted already, as a commit would tell */
        return jkb__err_set(&ix->err, JKB_ENOTFOUND, "no document with id %s", id);
    if ((rc = jkb__txn_begin(ix->store, 0, &t, &ix->err)) != 0)
        return rc;
    rc = jkb__get(t, JKB__T_IDS, id, strlen(id), &v);
    jkb__txn_abort(t);
    if (rc == JKB_ENOTFOUND && !in_batch)
        return jkb__err_set(&ix->err, JKB_ENOTFOUND, "no document with id %s", id);
    if (rc && rc != JKB_ENOTFOUND)
        return jkb__err_set(&ix->err, rc, "[index][delete] %s: %s", id, jkb_strerror(rc));
    rc = 0;
    p = new_pending(b, id, strlen(id), &rc);
    if (rc)
        return jkb__err_set(&ix->err, rc, "[index][delete] %s: %s", id, jkb_strerror(rc));
    p->is_delete = 1;
    return 0;
}

/* ---- committing ---- */

/* The document frequency changes of a commit, applied at its end (docfreq.h). */
typedef struct df_changes {
    jkb__df_delta *d;
    size_t n;
    size_t cap;
} df_changes;

static int df_change(df_changes *c, uint32_t tid, int64_t delta)
{
    int rc = 0;
    JKB__RESERVE(rc, c->d, c->cap, c->n);
    if (rc == 0) {
        c->d[c->n].tid = tid;
        c->d[c->n++].delta = delta;
    }
    return rc;
}

/*
 * Takes the documents gone[0..n) (ascending) out of every postings block that holds one, in
 * one pass over the postings: a block holds the documents after the previous block of its
 * term up to its own last, so only a block whose range holds a gone document is decoded, and
 * rewritten (keeping its bound, which still holds for the documents left) when it held one.
 */
static int unpost_all(jkb__txn *t, df_changes *dfc, const uint32_t *gone, size_t n)
{
    jkb__cursor *c;
    jkb__val k, v;
    jkb__postings tmp;
    jkb__buf out = JKB__BUF_INIT;
    uint8_t key[JKB__POST_KEY_MAX];
    size_t key_len;
    uint32_t tid = 0;
    uint64_t from = 0; /* the block's documents are >= from */
    int rc, started = 0;

    if (n == 0)
        return 0;
    if ((rc = jkb__cursor_open(t, JKB__T_POST, &c)) != 0)
        return rc;
    jkb__postings_init(&tmp);
    rc = jkb__cursor_seek(c, NULL, 0, &k, &v);
    while (rc == 0) {
        uint32_t ktid, last;
        size_t i, j, removed = 0;
        if ((rc = jkb__post_key_read(k.data, k.len, &ktid, &last)) != 0)
            break;
        if (!started || ktid != tid)
            from = 0; /* a term's first block */
        started = 1;
        tid = ktid;
        j = jkb__first_at_least(gone, 0, n, from);
        from = (uint64_t)last + 1;
        if (j == n || gone[j] > last) {
            rc = jkb__cursor_next(c, &k, &v);
            continue;
        }
        /* its ids first: positions only for a block that loses a document */
        if ((rc = jkb__block_decode(v.data, v.len, last, &tmp, JKB__DECODE_BY_FIELD)) != 0)
            break;
        for (i = 0; i < tmp.n && !removed; i++) {
            size_t at = jkb__first_at_least(gone, j, n, tmp.docs[i]);
            removed = at < n && gone[at] == tmp.docs[i];
        }
        if (!removed) {
            rc = jkb__cursor_next(c, &k, &v);
            continue;
        }
        if ((rc = jkb__block_decode(v.data, v.len, last, &tmp, JKB__DECODE_POSITIONS)) != 0)
            break;
        for (i = tmp.n, removed = 0; i-- > 0;) {
            size_t at = jkb__first_at_least(gone, j, n, tmp.docs[i]);
            if (at < n && gone[at] == tmp.docs[i]) {
                jkb__postings_remove(&tmp, i);
                removed++;
            }
        }
        /* the key made again: a write invalidates what the cursor lent */
        key_len = jkb__post_key(key, tid, last);
        if ((rc = df_change(dfc, tid, -(int64_t)removed)) != 0 ||
            (rc = jkb__del(t, JKB__T_POST, key, key_len)) != 0)
            break;
        if (tmp.n > 0) {
            out.len = 0;
            jkb__block_encode(&rc, &out, &tmp, 0, tmp.n, tmp.bound);
            key_len = jkb__post_key(key, tid, tmp.docs[tmp.n - 1]);
            if (rc || (rc = jkb__put(t, JKB__T_POST, key, key_len, out.data, out.len)) != 0)
                break;
        }
        /* on from the key after the old block's: the writes may have moved the cursor */
        if (last == UINT32_MAX && tid == UINT32_MAX)
            break;
        key_len = jkb__post_key(key, last == UINT32_MAX ? tid + 1 : tid,
                                last == UINT32_MAX ? 0 : last + 1);
        rc = jkb__cursor_seek(c, key, key_len, &k, &v);
    }
    jkb__cursor_close(c);
    jkb__postings_fin(&tmp);
    jkb__buf_fin(&out);
    return rc == JKB_ENOTFOUND ? 0 : rc;
}

/* Removes stored document doc and everything that refers to it but its postings
   (unpost_all() takes them out, for all the documents a batch removes at once). */
static int remove_doc(jkb_index *ix, jkb__txn *t, jkb__counts *counts, uint32_t doc)
{
    uint8_t k[4];
    jkb__buf ckey = JKB__BUF_INIT;
    jkb__docbuf db;
    const jkb_doc *stored;
    jkb__cols cols;
    int rc = 0, f;

    memset(&db, 0, sizeof db);
    jkb__be32_put(k, doc);
    if ((rc = jkb__cols_get(t, doc, &cols)) != 0)
        goto out;
    for (f = 0; f < JKB__NFIELDS; f++)
        counts->field_tokens[f] -= counts->field_tokens[f] < cols.len[f] ? counts->field_tokens[f]
                                                                         : cols.len[f];
    /* Copy what is read before writing: a write invalidates borrowed values. */
    if ((rc = jkb__docs_read(ix, t, doc, &db, &stored)) != 0)
        goto out;
    if ((rc = jkb__del(t, JKB__T_IDS, stored->id, strlen(stored->id))) != 0)
        goto out;
    if (*stored->case_no) {
        jkb__buf_put(&rc, &ckey, stored->case_no, strlen(stored->case_no) + 1);
        jkb__buf_put(&rc, &ckey, k, 4);
        if (rc || (rc = jkb__del(t, JKB__T_CASES, ckey.data, ckey.len)) != 0)
            goto out;
    }
    if ((rc = jkb__docs_del(t, doc)) != 0 || (rc = jkb__cols_del(t, doc)) != 0)
        goto out;
    counts->docs--;
out:
    jkb__buf_fin(&ckey);
    jkb__docbuf_fin(&db);
    return rc;
}

/* What block bounds (bm25.h) need of a commit: the added documents' field lengths and the
   reference averages. */
typedef struct bounds {
    const jkb__cols **added; /* by batch-local number; NULL for a dropped one */
    double ref[JKB__NFIELDS];
} bounds;

/*
 * This commit's reference averages: the averages the index will have, each rounded down to a
 * sixteenth of a token; counts->bound_avglen keeps the smallest ever used. A field no
 * document has yet takes no part.
 */
static void bounds_reference(bounds *bd, jkb__counts *counts, const jkb__batch *b)
{
    uint64_t docs = counts->docs, tokens[JKB__NFIELDS];
    size_t i, f;
    for (f = 0; f < JKB__NFIELDS; f++)
        tokens[f] = counts->field_tokens[f];
    for (i = 0; i < b->n_docs; i++) {
        if (b->docs[i].is_delete || b->docs[i].dropped)
            continue;
        docs++;
        for (f = 0; f < JKB__NFIELDS; f++)
            tokens[f] += b->docs[i].cols.len[f];
    }
    for (f = 0; f < JKB__NFIELDS; f++) {
        double units = docs ? floor(JKB__AVGLEN_UNIT * (double)tokens[f] / (double)docs) : 0;
        uint32_t ref = 0;
        if (tokens[f] > 0)
            ref = units < 1 ? 1 : units < UINT32_MAX ? (uint32_t)units : UINT32_MAX;
        bd->ref[f] = jkb__avglen_of(ref);
        if (ref && (counts->bound_avglen[f] == 0 || ref < counts->bound_avglen[f]))
            counts->bound_avglen[f] = ref;
    }
}

/* The bound of documents [from, from + n) of merged: old is the bound of those already in
   the index (their block's), the batch's own are computed from their lengths. */
static uint32_t block_bound(const bounds *bd, const jkb__postings *merged, size_t from,
                            size_t n, uint32_t base, uint32_t old)
{
    uint32_t bound = 0;
    size_t i;
    for (i = from; i < from + n; i++) {
        uint32_t b = old;
        if (merged->docs[i] >= base) {
            const jkb__cols *c = bd->added[merged->docs[i] - base];
            b = c ? jkb__bound_of(merged->tf + i * JKB__NFIELDS, c->len, bd->ref) : UINT32_MAX;
        }
        if (b > bound)
            bound = b;
    }
    return bound;
}

/* Appends the batch's postings of one term (local numbers + base) to its last block. */
static int append_postings(jkb__txn *t, jkb__postings *merged, uint32_t tid,
                           const jkb__postings *add, uint32_t base, const bounds *bd)
{
    jkb__cursor *c;
    jkb__val k, v;
    jkb__buf out = JKB__BUF_INIT;
    uint8_t key[JKB__POST_KEY_MAX];
    uint32_t old_bound = 0, ktid = 0, last = 0;
    size_t i, from;
    int rc;

    jkb__postings_clear(merged);
    if ((rc = jkb__cursor_open(t, JKB__T_POST, &c)) != 0)
        return rc;
    /* the term's last block: the one before the first key past the term */
    rc = jkb__cursor_seek(c, key, jkb__post_key(key, tid, UINT32_MAX), &k, &v);
    if (rc == 0)
        rc = jkb__cursor_prev(c, &k, &v);
    else if (rc == JKB_ENOTFOUND)
        rc = jkb__cursor_last(c, &k, &v);
    if (rc == 0)
        rc = jkb__post_key_read(k.data, k.len, &ktid, &last);
    if (rc == 0 && ktid == tid) {
        jkb__block_header h;
        rc = jkb__block_header_read(v.data, v.len, &h);
        if (rc == 0 && h.n < JKB__BLOCK_DOCS) {
            old_bound = h.bound;
            rc = jkb__block_decode(v.data, v.len, last, merged, JKB__DECODE_POSITIONS);
            jkb__cursor_close(c);
            c = NULL;
            if (rc == 0)
                rc = jkb__del(t, JKB__T_POST, key, jkb__post_key(key, tid, last));
        }
    } else if (rc == JKB_ENOTFOUND) {
        rc = 0;
    }
    jkb__cursor_close(c);
    for (i = 0; rc == 0 && i < add->n; i++)
        jkb__postings_copy_doc(&rc, merged, add, i, base + add->docs[i]);
    for (from = 0; rc == 0 && from < merged->n; from += JKB__BLOCK_DOCS) {
        size_t n = merged->n - from < JKB__BLOCK_DOCS ? merged->n - from : JKB__BLOCK_DOCS;
        out.len = 0;
        jkb__block_encode(&rc, &out, merged, from, n,
                          block_bound(bd, merged, from, n, base, old_bound));
        if (rc == 0)
            rc = jkb__put(t, JKB__T_POST, key, jkb__post_key(key, tid, merged->docs[from + n - 1]),
                          out.data, out.len);
    }
    jkb__buf_fin(&out);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

typedef struct sort_key {
    const uint8_t *key;
    uint32_t len;
    uint32_t entry;
} sort_key;

static int cmp_key(const void *a, const void *b)
{
    const sort_key *x = a, *y = b;
    return jkb__bytes_cmp(x->key, x->len, y->key, y->len);
}

/* Writes one added document's record, columns (into cw), id and case entry. */
static int write_doc(jkb_index *ix, jkb__txn *t, const jkb__batch *b, const pending *p,
                     uint32_t doc, uint32_t *docs_room, jkb__colwriter *cw)
{
    uint8_t k[4];
    jkb__buf buf = JKB__BUF_INIT;
    int rc;

    jkb__be32_put(k, doc);
    rc = jkb__colwriter_put(cw, t, doc, &p->cols);
    if (rc == 0 && p->compressed) {
        rc = jkb__docs_put(t, doc, p->record.data, p->record.len, docs_room);
    } else if (rc == 0) { /* prepared before the preset dictionary existed */
        buf.len = 0;
        rc = jkb__doc_compress(&buf, p->record.data, p->record.len, ix->zdict.data,
                               ix->zdict.len);
        if (rc == 0)
            rc = jkb__docs_put(t, doc, buf.data, buf.len, docs_room);
    }
    if (rc == 0)
        rc = jkb__put(t, JKB__T_IDS, b->arena.data + p->id_off, p->id_len, k, 4);
    if (rc == 0 && p->case_no) {
        buf.len = 0;
        jkb__buf_put(&rc, &buf, p->case_no, strlen(p->case_no) + 1);
        jkb__buf_put(&rc, &buf, k, 4);
        if (rc == 0)
            rc = jkb__put(t, JKB__T_CASES, buf.data, buf.len, "", 0);
    }
    jkb__buf_fin(&buf);
    return rc;
}

/* Writes a preset dictionary this batch made. */
static int save_zdict(jkb_index *ix, jkb__txn *t)
{
    if (!ix->zdict_pending)
        return 0;
    return jkb__put(t, JKB__T_META, JKB__META_ZDICT, strlen(JKB__META_ZDICT), ix->zdict.data,
                    ix->zdict.len);
}

static int write_batch(jkb_index *ix, jkb__txn *t, jkb__batch *b)
{
    jkb__counts counts;
    jkb__postings merged;
    bounds bd = {NULL, {0}};
    df_changes dfc = {NULL, 0, 0};
    sort_key *order = NULL;
    jkb__term_ref *refs = NULL;
    jkb__colwriter *cw = NULL;
    uint32_t *gone = NULL, base;
    size_t i, n_gone = 0, n_refs = 0;
    int rc, f;

    jkb__postings_init(&merged);
    if ((rc = jkb__counts_read(t, &counts)) != 0)
        return rc;

    /* the documents replaced or deleted go, their postings in one pass for all */
    if ((gone = malloc((b->n_docs + 1) * sizeof *gone)) == NULL)
        return JKB_ENOMEM;
    for (i = 0; i < b->n_docs; i++) {
        const pending *p = &b->docs[i];
        jkb__val v;
        if (p->dropped && !p->is_delete)
            continue;
        rc = jkb__get(t, JKB__T_IDS, b->arena.data + p->id_off, p->id_len, &v);
        if (rc == JKB_ENOTFOUND)
            continue;
        if (rc == 0 && v.len != 4)
            rc = JKB_ECORRUPT;
        if (rc)
            goto out;
        gone[n_gone] = jkb__be32_get(v.data);
        if ((rc = remove_doc(ix, t, &counts, gone[n_gone++])) != 0)
            goto out;
    }
    qsort(gone, n_gone, sizeof *gone, cmp_u32);
    if ((rc = unpost_all(t, &dfc, gone, n_gone)) != 0)
        goto out;

    base = counts.next_doc;
    if ((uint64_t)base + b->n_local >= UINT32_MAX) {
        rc = JKB_EFULL;
        goto out;
    }
    order = malloc((b->n_entries + 1) * sizeof *order);
    refs = malloc((b->n_entries + 1) * sizeof *refs);
    bd.added = calloc(b->n_local + 1, sizeof *bd.added);
    if (order == NULL || refs == NULL || bd.added == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    for (i = 0; i < b->n_docs; i++)
        if (!b->docs[i].is_delete && !b->docs[i].dropped)
            bd.added[b->docs[i].local] = &b->docs[i].cols;
    bounds_reference(&bd, &counts, b);
    for (i = 0; i < b->n_entries; i++) {
        order[i].key = b->arena.data + b->entries[i].key_off;
        order[i].len = b->entries[i].key_len;
        order[i].entry = (uint32_t)i;
    }
    /* Terms in key order: the dictionary merges them block by block, and LMDB writes sorted
       keys into neighbouring pages. */
    qsort(order, b->n_entries, sizeof *order, cmp_key);
    for (i = 0; i < b->n_entries; i++) {
        if (b->entries[order[i].entry].post.n == 0)
            continue; /* its only document was superseded */
        refs[n_refs].term = order[i].key;
        refs[n_refs].len = order[i].len;
        order[n_refs++].entry = order[i].entry;
    }
    if ((rc = jkb__terms_resolve(t, refs, n_refs, &counts.next_term)) != 0)
        goto out;
    for (i = 0; i < n_refs; i++) {
        term_entry *e = &b->entries[order[i].entry];
        e->tid = refs[i].id;
        if ((rc = df_change(&dfc, e->tid, (int64_t)e->post.n)) != 0 ||
            (rc = append_postings(t, &merged, e->tid, &e->post, base, &bd)) != 0)
            goto out;
    }

    if ((rc = save_zdict(ix, t)) != 0)
        goto out;
    /* the added documents' ids ascend: each chunk of columns is written once */
    if ((cw = malloc(sizeof *cw)) == NULL) {
        rc = JKB_ENOMEM;
        goto out;
    }
    jkb__colwriter_init(cw);
    for (i = 0; i < b->n_docs; i++) {
        const pending *p = &b->docs[i];
        if (p->is_delete || p->dropped)
            continue;
        if ((rc = write_doc(ix, t, b, p, base + p->local, &counts.docs_room, cw)) != 0)
            goto out;
        counts.docs++;
        for (f = 0; f < JKB__NFIELDS; f++)
            counts.field_tokens[f] += p->cols.len[f];
    }
    if ((rc = jkb__colwriter_finish(cw, t)) != 0)
        goto out;
    counts.next_doc = base + b->n_local;
    if ((rc = jkb__df_apply(t, dfc.d, dfc.n)) == 0)
        rc = jkb__counts_write(t, &counts);
out:
    free(dfc.d);
    free(order);
    free(refs);
    free(bd.added);
    free(gone);
    free(cw);
    jkb__postings_fin(&merged);
    return rc;
}

/*
 * Crash tests stop the process at a commit: JIKENBO_FAULT=before-commit:N (or after-commit:N)
 * sends SIGKILL to it when the Nth commit of this handle has written its batch but not yet
 * committed it (or right after it committed).
 */
static void fault_point(const jkb_index *ix, const char *when)
{
    const char *f = getenv("JIKENBO_FAULT");
    size_t n = strlen(when);
    if (f && strncmp(f, when, n) == 0 && f[n] == ':' &&
        strtoull(f + n + 1, NULL, 10) == ix->commits)
        raise(SIGKILL);
}

void jkb_index_on_commit(jkb_index *ix, jkb_commit_hook fn, void *payload)
{
    ix->on_commit = fn;
    ix->on_commit_payload = payload;
}

/* Writes the batch as it is, in one transaction; the batch is empty afterwards. */
static int commit_batch(jkb_index *ix)
{
    jkb__batch *b = ix->batch;
    int rc;

    if (b == NULL || b->n_docs == 0)
        return 0;
    ix->commits++;
    for (;;) {
        jkb__txn *t;
        if ((rc = jkb__txn_begin(ix->store, 1, &t, &ix->err)) != 0)
            break;
        rc = write_batch(ix, t, b);
        if (rc == 0) {
            fault_point(ix, "before-commit");
            rc = jkb__txn_commit(t, &ix->err);
            if (rc != JKB__EMAPFULL)
                break;
        } else {
            jkb__txn_abort(t);
            if (rc != JKB__EMAPFULL) {
                jkb__err_set(&ix->err, rc, "[index][commit] %s", jkb_strerror(rc));
                break;
            }
        }
        /* The map is full: nothing of the batch was written. Grow and write it again. */
        if ((rc = jkb__store_grow(ix->store, &ix->err)) != 0)
            break;
    }
    if (rc == 0) {
        ix->zdict_loaded = ix->zdict.len > 0; /* a dictionary made by this batch is kept */
        fault_point(ix, "after-commit");
        if (ix->on_commit)
            ix->on_commit(ix->on_commit_payload, b->n_docs);
    } else if (ix->zdict_pending) {
        ix->zdict.len = 0; /* it was never written: drop it */
        ix->zdict_loaded = 0;
    }
    ix->zdict_pending = 0;
    batch_reset(b);
    measure_room(ix);
    return rc;
}

int jkb_index_commit(jkb_index *ix)
{
    int drained = drain(ix, DRAIN_ALL), rc = commit_batch(ix);
    return rc ? rc : drained;
}
