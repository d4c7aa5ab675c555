/* Snippets: the passage chosen, and a body read a piece at a time, which makes the snippet of
   the whole body while reading no further than that needs. */
#include "helpers.h"
#include "query.h"
#include "snippet.h"
#include "utf8.h"

typedef struct fixture {
    analyzer_fixture a; /* first: analyzer_fixture_new */
    jkb__query q;
    jkb__surfaces sf;
    jkb__norm norm;
} fixture;

static int setup(void **state)
{
    return analyzer_fixture_new(state, sizeof(fixture));
}

static int teardown(void **state)
{
    fixture *f = *state;
    jkb__surfaces_fin(&f->sf);
    jkb__query_fin(&f->q);
    jkb__norm_fin(&f->norm);
    analyzer_close(&f->a);
    free(f);
    return 0;
}

static void prepare(fixture *f, const char *query)
{
    parse_query(&f->a, &f->q, query);
    assert_int_equal(jkb__surfaces_make(&f->sf, f->a.dict, &f->q), 0);
}

/* A body handed over step bytes at a time (cut anywhere, inside characters too, as the
   reader must not mind), counting how much of it was asked for. */
typedef struct pieces {
    const char *body;
    size_t len, step, given;
} pieces;

static int more_pieces(void *ctx, const char **text, size_t *len, int *complete)
{
    pieces *p = ctx;
    p->given = p->given + p->step < p->len ? p->given + p->step : p->len;
    *text = p->body;
    *len = p->given;
    *complete = p->given == p->len;
    return 0;
}

/* The snippet of body read step bytes at a time; *read: how much of it was read. */
static void snippet_in_pieces(fixture *f, const char *body, size_t step, jkb__snippet *s,
                              size_t *read)
{
    pieces p = {body, strlen(body), step, 0};
    assert_int_equal(jkb__snippet_read(s, &f->sf, more_pieces, &p, &f->norm), 0);
    if (read)
        *read = p.given;
}

static void assert_same(const jkb__snippet *a, const jkb__snippet *b)
{
    assert_string_equal(a->text, b->text);
    assert_int_equal(a->n_highlights, b->n_highlights);
    assert_memory_equal(a->highlights, b->highlights, 2 * a->n_highlights * sizeof(uint32_t));
}

/* The text of highlight i. */
static const char *highlight(const jkb__snippet *s, size_t i, char *buf, size_t cap)
{
    const uint8_t *t = (const uint8_t *)s->text;
    size_t len = strlen(s->text), b = 0, e, k;
    for (k = 0; k < s->highlights[2 * i]; k++)
        b += jkb__utf8_decode(t + b, len - b, &(uint32_t){0});
    for (e = b, k = 0; k < s->highlights[2 * i + 1]; k++)
        e += jkb__utf8_decode(t + e, len - e, &(uint32_t){0});
    snprintf(buf, cap, "%.*s", (int)(e - b), s->text + b);
    return buf;
}

static char *repeat(const char *s, size_t n)
{
    size_t len = strlen(s), i;
    char *out = malloc(n * len + 1);
    assert_non_null(out);
    for (i = 0; i < n; i++)
        memcpy(out + i * len, s, len);
    out[n * len] = '\0';
    return out;
}

static char *concat(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *out = malloc(la + lb + lc + 1);
    assert_non_null(out);
    memcpy(out, a, la);
    memcpy(out + la, b, lb);
    memcpy(out + la + lb, c, lc + 1);
    return out;
}

/* The first passage that holds the whole query is shown, though a later one has more
   matches; the body after it is not read. */
static void test_first_whole_passage(void **state)
{
    fixture *f = *state;
    char *filler, *tail, *start, *body, word[64];
    jkb__snippet whole, part;
    size_t read;
    need_dictionary();
    prepare(f, "ランサムウェア 委託先");
    filler = repeat("本日は晴天なり。", 40);
    tail = repeat("ランサムウェアと委託先、委託先のランサムウェア対策。", 200);
    start = concat(filler, "委託先のサーバがランサムウェアに感染しました。\n", filler);
    body = concat(start, tail, "");
    assert_int_equal(jkb__snippet_make(&whole, &f->sf, body, strlen(body), &f->norm), 0);
    assert_non_null(strstr(whole.text, "委託先のサーバがランサムウェアに感染しました。"));
    assert_int_equal(whole.n_highlights, 2);
    assert_string_equal(highlight(&whole, 0, word, sizeof word), "委託先");
    assert_string_equal(highlight(&whole, 1, word, sizeof word), "ランサムウェア");
    snippet_in_pieces(f, body, 512, &part, &read);
    assert_same(&whole, &part);
    assert_true(read < strlen(start)); /* the passage and the room after it, no more */
    jkb__snippet_fin(&whole);
    jkb__snippet_fin(&part);
    free(filler);
    free(tail);
    free(start);
    free(body);
}

/* Words that never stand together: the passages that show the most of them, the body read
   to its end. A split word is held whole or by its parts. */
static void test_no_whole_passage(void **state)
{
    fixture *f = *state;
    char *filler, *body, word[64];
    jkb__snippet whole, part;
    size_t read;
    need_dictionary();
    prepare(f, "ランサムウェア 委託先");
    filler = repeat("本日は晴天なり。", 40);
    body = concat("委託先の委託先が説明しました。", filler, "ランサムウェアに感染しました。");
    assert_int_equal(jkb__snippet_make(&whole, &f->sf, body, strlen(body), &f->norm), 0);
    assert_int_equal(whole.n_highlights, 3); /* two fragments */
    assert_string_equal(highlight(&whole, 2, word, sizeof word), "ランサムウェア");
    snippet_in_pieces(f, body, 64, &part, &read);
    assert_same(&whole, &part);
    assert_int_equal(read, strlen(body));
    jkb__snippet_fin(&whole);
    jkb__snippet_fin(&part);
    free(body);

    /* (セキュリティ + 対策) OR セキュリティ対策: the whole word holds the query */
    jkb__surfaces_fin(&f->sf);
    jkb__query_fin(&f->q);
    memset(&f->q, 0, sizeof f->q);
    prepare(f, "セキュリティ対策");
    body = concat("セキュリティ対策を見直した。", filler, "セキュリティの対策、セキュリティと対策。");
    snippet_in_pieces(f, body, 64, &part, &read);
    assert_int_equal(part.n_highlights, 1);
    assert_string_equal(highlight(&part, 0, word, sizeof word), "セキュリティ対策");
    assert_true(read < strlen(body));
    jkb__snippet_fin(&part);
    free(filler);
    free(body);
}

/* A query with no words to match (a case number) shows the body's start, read no further. */
static void test_nothing_to_match(void **state)
{
    fixture *f = *state;
    char *body = repeat("本日は晴天なり。", 400);
    jkb__snippet whole, part;
    size_t read;
    need_dictionary();
    prepare(f, "#2031-101");
    assert_int_equal(f->sf.n, 0);
    assert_int_equal(jkb__snippet_make(&whole, &f->sf, body, strlen(body), &f->norm), 0);
    assert_int_equal(whole.n_highlights, 0);
    assert_true(strncmp(whole.text, "本日は晴天なり。", strlen("本日は晴天なり。")) == 0);
    snippet_in_pieces(f, body, 100, &part, &read);
    assert_same(&whole, &part);
    assert_true(read < 1000);
    jkb__snippet_fin(&whole);
    jkb__snippet_fin(&part);
    free(body);
}

/* A katakana word is highlighted with the long vowel the text writes after it, or without. */
static void test_long_vowel(void **state)
{
    fixture *f = *state;
    const char *body = "新しいコンピューターとコンピュータ、コンピューターウイルス。";
    char word[64];
    jkb__snippet s;
    need_dictionary();
    prepare(f, "コンピュータ");
    assert_int_equal(jkb__snippet_make(&s, &f->sf, body, strlen(body), &f->norm), 0);
    assert_int_equal(s.n_highlights, 3);
    assert_string_equal(highlight(&s, 0, word, sizeof word), "コンピューター");
    assert_string_equal(highlight(&s, 1, word, sizeof word), "コンピュータ");
    assert_string_equal(highlight(&s, 2, word, sizeof word), "コンピューター");
    jkb__snippet_fin(&s);
}

/* Read in pieces of any size, cut inside characters, combining marks and folded forms, every
   body makes the snippet the whole body makes. */
static void test_pieces_make_the_whole(void **state)
{
    static const char *queries[] = {"ランサムウェア 委託先", "ガイドライン", "abc OR 委託", "サーバ", "#2031-101",
                                    "\"情報 漏えい\"", "セキュリティ対策 -感染"};
    static const char *parts[] = {
        "委託先", "ランサムウェア", "ﾗﾝｻﾑｳｪｱ", "ｶﾞｲﾄﾞﾗｲﾝ", "ガイドライン", "ＡＢＣ", "abc", "ABC", "e\xcc\x81",
        "情報漏えい", "情報の漏えい", "。", "\n", "　", "セキュリティ対策", "感染", "、", "本日は晴天なり",
        "１２３", "ｶﾞ", "\xe3\x82\x99", "xyz", " ", "サーバー", "ｻｰﾊﾞｰ", "ー"};
    unsigned seed = 7;
    size_t qi, round;
    fixture *f = *state;
    need_dictionary();
    for (qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
        jkb__surfaces_fin(&f->sf);
        jkb__query_fin(&f->q);
        memset(&f->q, 0, sizeof f->q);
        prepare(f, queries[qi]);
        for (round = 0; round < 60; round++) {
            char body[4096];
            size_t len = 0, step;
            jkb__snippet whole;
            while (len < sizeof body - 64) {
                const char *p;
                seed = seed * 1103515245u + 12345u;
                p = parts[(seed >> 16) % (sizeof parts / sizeof *parts)];
                memcpy(body + len, p, strlen(p));
                len += strlen(p);
                if ((seed >> 8) % 97 == 0)
                    break;
            }
            body[len] = '\0';
            assert_int_equal(jkb__snippet_make(&whole, &f->sf, body, len, &f->norm), 0);
            for (step = 1; step < 300; step += step < 8 ? 1 : 37) {
                jkb__snippet part;
                snippet_in_pieces(f, body, step, &part, NULL);
                if (strcmp(whole.text, part.text) != 0)
                    fail_msg("%s, pieces of %zu: \"%s\" for \"%s\"", queries[qi], step,
                             part.text, whole.text);
                assert_same(&whole, &part);
                jkb__snippet_fin(&part);
            }
            jkb__snippet_fin(&whole);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_whole_passage),
        cmocka_unit_test(test_no_whole_passage),
        cmocka_unit_test(test_nothing_to_match),
        cmocka_unit_test(test_long_vowel),
        cmocka_unit_test(test_pieces_make_the_whole),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
