/*
 * Makes a larger corpus from a smaller one, at benchmark time (never committed): FACTOR times
 * as many documents, each shaped like a random original (as many sentences, the same date)
 * but made of sentences drawn at random from the whole corpus, titles likewise. Seeded, so
 * the same arguments make the same corpus. Writes JSON Lines to standard output.
 *
 * usage: resample CORPUS FACTOR SEED > archive.jsonl
 */
#include <jansson.h>
#include <string.h>

#include "bench_common.h"

typedef struct span {
    size_t off;
    size_t len;
} span;

typedef struct pool {
    char *text;
    size_t len;
    size_t cap;
    span *s;
    size_t n;
    size_t n_cap;
} pool;

static void pool_add(pool *p, const char *s, size_t len)
{
    if (p->len + len > p->cap) {
        p->cap = (p->len + len) * 2;
        p->text = realloc(p->text, p->cap);
    }
    if (p->n == p->n_cap) {
        p->n_cap = p->n_cap ? p->n_cap * 2 : 1024;
        p->s = realloc(p->s, p->n_cap * sizeof *p->s);
    }
    if (p->text == NULL || p->s == NULL) {
        fputs("resample: out of memory\n", stderr);
        exit(1);
    }
    memcpy(p->text + p->len, s, len);
    p->s[p->n].off = p->len;
    p->s[p->n].len = len;
    p->n++;
    p->len += len;
}

/* Splits body after each 。 and line break; returns the number of sentences. */
static size_t split(pool *p, const char *body)
{
    size_t n = 0;
    const char *s = body;
    while (*s) {
        const char *e = s;
        while (*e && *e != '\n' && strncmp(e, "。", 3) != 0)
            e++;
        e += *e == '\n' ? 1 : *e ? 3 : 0;
        pool_add(p, s, (size_t)(e - s));
        n++;
        s = e;
    }
    return n;
}

typedef struct shape {
    size_t sentences;
    char date[16];
} shape;

static uint64_t rng;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    pool sentences = {0}, titles = {0};
    shape *shapes = NULL;
    size_t n = 0, cap = 0, i, k, factor;
    jkb_reader *r;
    const jkb_doc *d;
    char *body = NULL;
    size_t body_cap = 0;

    if (argc != 4 || (factor = (size_t)atol(argv[2])) == 0) {
        fprintf(stderr, "usage: resample CORPUS FACTOR SEED > archive.jsonl\n");
        return 2;
    }
    rng = (uint64_t)atoll(argv[3]) * 2654435761u + 1;
    if (jkb_reader_open(&r, argv[1], NULL) != 0) {
        fprintf(stderr, "%s\n", jkb_reader_errmsg(r));
        return 1;
    }
    while (jkb_reader_next(r, &d) > 0) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            if ((shapes = realloc(shapes, cap * sizeof *shapes)) == NULL)
                return 1;
        }
        shapes[n].sentences = split(&sentences, d->body);
        snprintf(shapes[n].date, sizeof shapes[n].date, "%s", d->date);
        pool_add(&titles, d->title, strlen(d->title));
        n++;
    }
    jkb_reader_close(r);
    if (n == 0 || sentences.n == 0)
        return 1;
    for (i = 0; i < n * factor; i++) {
        const shape *sh = &shapes[next_random() % n];
        const span *t = &titles.s[next_random() % titles.n];
        size_t len = 0;
        char id[32], *title;
        json_t *o;
        for (k = 0; k < sh->sentences; k++) {
            const span *s = &sentences.s[next_random() % sentences.n];
            if (len + s->len + 1 > body_cap) {
                body_cap = (len + s->len + 1) * 2;
                if ((body = realloc(body, body_cap)) == NULL)
                    return 1;
            }
            memcpy(body + len, sentences.text + s->off, s->len);
            len += s->len;
        }
        if ((title = malloc(t->len + 1)) == NULL)
            return 1;
        memcpy(title, titles.text + t->off, t->len);
        title[t->len] = '\0';
        snprintf(id, sizeof id, "rs-%zu", i);
        o = json_pack("{s:s,s:s,s:s%,s:s}", "id", id, "title", title, "body", body ? body : "",
                      len, "date", sh->date);
        json_dumpf(o, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(o);
        free(title);
    }
    free(body);
    return 0;
}
