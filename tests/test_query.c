/* The query parser's bookkeeping: a word written twice is searched once; a date filter's
   period is the days it names. */
#include "helpers.h"
#include "index.h"
#include "query.h"

typedef struct fixture {
    analyzer_fixture a; /* first: analyzer_fixture_new */
    jkb__query q;
} fixture;

static int setup(void **state)
{
    return analyzer_fixture_new(state, sizeof(fixture));
}

static int teardown(void **state)
{
    fixture *f = *state;
    jkb__query_fin(&f->q);
    analyzer_close(&f->a);
    free(f);
    return 0;
}

static int same_key(const jkb__qterm *a, const jkb__qterm *b)
{
    return a->len == b->len && a->match == b->match && a->fields == b->fields &&
           memcmp(a->term, b->term, a->len) == 0;
}

/* Every term points at the first term with its text, match and fields. */
static void check_united(const jkb__query *q)
{
    size_t i, j;
    for (i = 0; i < q->n_terms; i++) {
        for (j = 0; j < i && !same_key(&q->terms[j], &q->terms[i]); j++)
            ;
        assert_int_equal(q->terms[i].uniq, j);
    }
}

static void test_repeated_words(void **state)
{
    fixture *f = *state;
    need_dictionary();
    parse_query(&f->a, &f->q, "ランサムウェア 漏えい ランサムウエア");
    assert_int_equal(f->q.n_terms, 3);
    assert_int_equal(f->q.terms[2].uniq, 0); /* the variant folds to the same term */
    assert_int_equal(f->q.terms[1].uniq, 1);
    check_united(&f->q);

    parse_query(&f->a, &f->q, "title:ランサムウェア ランサムウェア");
    assert_int_equal(f->q.n_terms, 2);
    assert_int_equal(f->q.terms[1].uniq, 1); /* other fields: another term */

    jkb__query_complete_last(&f->q);
    check_united(&f->q);
    jkb__query_relax(&f->q, JKB__MATCH_PREFIX, UINT64_MAX);
    assert_int_equal(f->q.terms[0].match, JKB__MATCH_PREFIX);
    check_united(&f->q);
}

static void test_long_query(void **state)
{
    static const char *words[] = {"委託先", "漏えい", "サーバ", "攻撃", "ランサムウェア"};
    fixture *f = *state;
    char *text = malloc(64 * 3000), *p = text;
    size_t i;
    need_dictionary();
    for (i = 0; i < 3000; i++)
        p += sprintf(p, "%s%s ", i % 7 == 0 ? "title:" : "", words[(i * 7919) % 5]);
    parse_query(&f->a, &f->q, text);
    free(text);
    assert_true(f->q.n_terms >= 3000);
    check_united(&f->q);
    jkb__query_relax(&f->q, JKB__MATCH_PREFIX, UINT64_MAX);
    check_united(&f->q);
}

/* The days of text's date filter, as dates. */
static void date_range(fixture *f, const char *text, const char *lo, const char *hi)
{
    size_t i;
    parse_query(&f->a, &f->q, text);
    for (i = 0; i < f->q.n_nodes && f->q.nodes[i].kind != JKB__Q_DATE; i++)
        ;
    if (i == f->q.n_nodes)
        fail_msg("%s: no date filter", text);
    if (f->q.nodes[i].day_lo != (lo ? jkb__date_to_day(lo) : INT32_MIN + 1) ||
        f->q.nodes[i].day_hi != (hi ? jkb__date_to_day(hi) : INT32_MAX))
        fail_msg("%s: days %d..%d, expected %s..%s", text, f->q.nodes[i].day_lo,
                 f->q.nodes[i].day_hi, lo ? lo : "", hi ? hi : "");
}

static void test_date_periods(void **state)
{
    fixture *f = *state;
    need_dictionary();
    date_range(f, "date:2024", "2024-01-01", "2024-12-31");
    date_range(f, "date:2024-02", "2024-02-01", "2024-02-29");
    date_range(f, "date:2024-12", "2024-12-01", "2024-12-31");
    date_range(f, "date:2024-05-07", "2024-05-07", "2024-05-07");
    date_range(f, "date:<2024-05", NULL, "2024-04-30");
    date_range(f, "date:>2024", "2025-01-01", NULL);
    date_range(f, "date:2023-11..2024", "2023-11-01", "2024-12-31");
    /* the last year there is: no next year to end it */
    date_range(f, "date:9999", "9999-01-01", "9999-12-31");
    date_range(f, "date:<=9999-12", NULL, "9999-12-31");
    date_range(f, "date:>9998", "9999-01-01", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repeated_words),
        cmocka_unit_test(test_long_query),
        cmocka_unit_test(test_date_periods),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
