#include "prepare.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docstore.h"
#include "index.h"
#include "postings.h"

void jkb__prepared_fin(jkb__prepared *p)
{
    jkb__buf_fin(&p->record);
    jkb__buf_fin(&p->tokens);
    free(p->id);
    free(p->case_no);
    memset(p, 0, sizeof *p);
}

typedef struct token_ctx {
    jkb__prepared *p;
    unsigned field;
    int rc;
} token_ctx;

static int on_token(const jkb__token *tok, void *payload)
{
    token_ctx *c = payload;
    jkb__buf *b = &c->p->tokens;
    jkb__buf_reserve(&c->rc, b, 2 + JKB__VARINT_MAX + tok->term_len);
    if (c->rc)
        return c->rc;
    b->data[b->len++] = (uint8_t)c->field;
    b->len += jkb__varint_put(b->data + b->len, tok->pos);
    b->data[b->len++] = (uint8_t)tok->term_len; /* <= JKB__TERM_MAX */
    memcpy(b->data + b->len, tok->term, tok->term_len);
    b->len += tok->term_len;
    return 0;
}

static char *dup_or_null(const char *s, int *rc)
{
    char *d;
    if (s == NULL || *s == '\0' || *rc)
        return NULL;
    if ((d = strdup(s)) == NULL)
        *rc = JKB_ENOMEM;
    return d;
}

int jkb__prepared_compress(jkb__prepared *p, const uint8_t *dict, size_t dict_len)
{
    jkb__buf z = JKB__BUF_INIT;
    int rc = jkb__doc_compress(&z, p->record.data, p->record.len, dict, dict_len);
    if (rc == 0) {
        jkb__buf_fin(&p->record);
        p->record = z;
        p->compressed = 1;
    } else {
        jkb__buf_fin(&z);
    }
    return rc;
}

void jkb__prepare(jkb__prepared *p, jkb__analyzer *an, const jkb_doc *doc, const uint8_t *dict,
                  size_t dict_len)
{
    const char *texts[JKB__NFIELDS];
    token_ctx c;
    unsigned f;
    int rc = 0;

    p->record.len = p->tokens.len = 0;
    p->compressed = 0;
    p->msg[0] = '\0';
    p->id = dup_or_null(doc->id, &rc);
    p->case_no = dup_or_null(doc->case_no, &rc);
    p->day = doc->date && *doc->date ? jkb__date_to_day(doc->date) : JKB__NO_DATE;
    jkb__doc_serialize(&rc, &p->record, doc);
    if (rc == 0 && dict_len > 0)
        rc = jkb__prepared_compress(p, dict, dict_len);
    texts[JKB__FIELD_TITLE] = doc->title ? doc->title : "";
    texts[JKB__FIELD_LABEL] = doc->label ? doc->label : "";
    texts[JKB__FIELD_BODY] = doc->body ? doc->body : "";
    texts[JKB__FIELD_ORG] = doc->org ? doc->org : "";
    c.p = p;
    c.rc = 0;
    for (f = 0; f < JKB__NFIELDS && rc == 0; f++) {
        c.field = f;
        rc = jkb__analyze(an, JKB__MODE_DOCUMENT, texts[f], strlen(texts[f]), 0, on_token, &c,
                          NULL);
        if (rc == 0)
            rc = c.rc;
    }
    p->rc = rc;
    if (rc)
        snprintf(p->msg, sizeof p->msg, "%s", jkb_strerror(rc));
}

int jkb__prepared_token(const jkb__prepared *p, size_t *at, jkb__ptoken *out)
{
    const uint8_t *s = p->tokens.data + *at, *end = p->tokens.data + p->tokens.len;
    if (s >= end)
        return 0;
    out->field = *s++;
    if (jkb__varint_get32(&s, end, &out->pos) || s >= end || (size_t)(end - s) < 1u + *s)
        return 0; /* cannot happen: the list is ours */
    out->len = *s++;
    out->term = (const char *)s;
    *at = (size_t)(s + out->len - p->tokens.data);
    return 1;
}

/* ---- the pool ---- */

enum { SLOT_QUEUED = 1, SLOT_DONE = 2 };

typedef struct slot {
    jkb__buf rec;          /* the submitted document, serialized (docstore.h) */
    const uint8_t *dict;
    size_t dict_len;
    jkb__prepared out;
    int state;
} slot;

struct jkb__pool {
    pthread_mutex_t mu;
    pthread_cond_t work;   /* a slot was queued, or stop */
    pthread_cond_t done;   /* a slot was prepared */
    slot *slots;
    size_t q;
    uint64_t head;         /* next to hand to the writer */
    uint64_t take;         /* next for a worker */
    uint64_t tail;         /* next to fill */
    int stop;
    unsigned n_threads;
    pthread_t *threads;
    jkb__analyzer **an;
};

typedef struct worker_arg {
    jkb__pool *p;
    unsigned i;
} worker_arg;

static void *worker(void *arg)
{
    jkb__pool *p = ((worker_arg *)arg)->p;
    jkb__analyzer *an = p->an[((worker_arg *)arg)->i];
    jkb__docbuf db;
    free(arg);
    memset(&db, 0, sizeof db);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        slot *s;
        const jkb_doc *doc;
        while (!p->stop && p->take == p->tail)
            pthread_cond_wait(&p->work, &p->mu);
        if (p->take == p->tail)
            break; /* stopping, nothing left */
        s = &p->slots[p->take++ % p->q];
        pthread_mutex_unlock(&p->mu);
        if (jkb__doc_parse(&db, s->rec.data, s->rec.len, &doc) == 0)
            jkb__prepare(&s->out, an, doc, s->dict, s->dict_len);
        else
            s->out.rc = JKB_ENOMEM; /* our own record: only memory can fail it */
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    jkb__docbuf_fin(&db);
    return NULL;
}

/* What a slot holds for a document of livedoor's (3.4 KB of text): the document, its tokens
   and its record, in buffers that keep the room of the largest they held (23 MB for 1024
   slots after livedoor). */
#define SLOT_BYTES ((size_t)32 << 10)

int jkb__pool_new(jkb__pool **out, jkb__dict *dict, unsigned threads, size_t queue_bytes,
                  jkb__err *err)
{
    jkb__pool *p = calloc(1, sizeof *p);
    unsigned i;
    int rc = 0;
    *out = NULL;
    if (p == NULL)
        return JKB_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->q = queue_bytes / SLOT_BYTES;
    if (p->q < 8 * (size_t)threads)
        p->q = 8 * (size_t)threads;
    if (p->q > 1024 * (size_t)threads) /* bounds as large as --strict's: memory stays modest */
        p->q = 1024 * (size_t)threads;
    p->slots = calloc(p->q, sizeof *p->slots);
    p->threads = calloc(threads, sizeof *p->threads);
    p->an = calloc(threads, sizeof *p->an);
    if (p->slots == NULL || p->threads == NULL || p->an == NULL) {
        jkb__pool_free(p);
        return jkb__err_set(err, JKB_ENOMEM, "[index][threads] cannot allocate the queue");
    }
    for (i = 0; i < threads && rc == 0; i++) {
        worker_arg *a = malloc(sizeof *a);
        if (a == NULL || (rc = jkb__analyzer_new(&p->an[i], dict, err)) != 0) {
            free(a);
            rc = rc ? rc : JKB_ENOMEM;
            break;
        }
        a->p = p;
        a->i = i;
        if (pthread_create(&p->threads[i], NULL, worker, a) != 0) {
            free(a);
            rc = jkb__err_set(err, JKB_ENOMEM, "[index][threads] cannot start a thread");
            break;
        }
        p->n_threads++;
    }
    if (rc) {
        jkb__pool_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void jkb__pool_free(jkb__pool *p)
{
    unsigned i;
    size_t k;
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    for (i = 0; p->an && i < p->n_threads; i++)
        jkb__analyzer_free(p->an[i]);
    for (k = 0; p->slots && k < p->q; k++) {
        jkb__buf_fin(&p->slots[k].rec);
        jkb__prepared_fin(&p->slots[k].out);
    }
    free(p->slots);
    free(p->threads);
    free(p->an);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int jkb__pool_submit(jkb__pool *p, const jkb_doc *doc, const uint8_t *dict, size_t dict_len)
{
    slot *s;
    int rc = 0;
    pthread_mutex_lock(&p->mu);
    if (p->tail - p->head == p->q) {
        pthread_mutex_unlock(&p->mu);
        return JKB_EINVAL; /* the writer drains before it submits */
    }
    s = &p->slots[p->tail % p->q];
    pthread_mutex_unlock(&p->mu);
    /* the slot is the writer's until it is queued */
    s->rec.len = 0;
    jkb__doc_serialize(&rc, &s->rec, doc);
    if (rc)
        return rc;
    s->dict = dict;
    s->dict_len = dict_len;
    s->state = SLOT_QUEUED;
    pthread_mutex_lock(&p->mu);
    p->tail++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int jkb__pool_next(jkb__pool *p, int wait, jkb__prepared **out)
{
    int got = 0;
    pthread_mutex_lock(&p->mu);
    while (p->head < p->tail && p->slots[p->head % p->q].state != SLOT_DONE && wait)
        pthread_cond_wait(&p->done, &p->mu);
    if (p->head < p->tail && p->slots[p->head % p->q].state == SLOT_DONE) {
        *out = &p->slots[p->head % p->q].out;
        got = 1;
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}

void jkb__pool_release(jkb__pool *p)
{
    slot *s;
    pthread_mutex_lock(&p->mu);
    s = &p->slots[p->head % p->q];
    s->state = 0;
    p->head++;
    pthread_mutex_unlock(&p->mu);
    s->out.record.len = 0; /* keep the buffers for the slot's next document */
    s->out.tokens.len = 0;
    free(s->out.id);
    free(s->out.case_no);
    s->out.id = s->out.case_no = NULL;
}

int jkb__pool_full(jkb__pool *p)
{
    int full;
    pthread_mutex_lock(&p->mu);
    full = p->tail - p->head == p->q;
    pthread_mutex_unlock(&p->mu);
    return full;
}
