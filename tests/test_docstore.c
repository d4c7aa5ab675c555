#include "helpers.h"

#include "ctext.h"
#include "docstore.h"
#include "utf8.h"

/* Every character, and bytes that are no character, pack and unpack to themselves; kana,
   kanji and full-width forms take two bytes. */
static void test_packed_text(void **state)
{
    jkb__buf text = JKB__BUF_INIT, packed = JKB__BUF_INIT, back = JKB__BUF_INIT;
    uint32_t cp;
    size_t i;
    int rc = 0;
    (void)state;
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        uint8_t u[4];
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        jkb__buf_put(&rc, &text, u, jkb__utf8_encode(u, cp));
    }
    /* stray continuation bytes, a truncated character, an overlong form, a surrogate */
    {
        static const char bad[] = "\x80\xBF" "a\xE3\x81" "b\xC0\x80\xED\xA0\x80\xFF\xE3";
        jkb__buf_put(&rc, &text, bad, sizeof bad - 1);
    }
    assert_int_equal(rc, 0);
    jkb__ctext_pack(&rc, &packed, text.data, text.len);
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__ctext_unpack(&back, packed.data, packed.len), 0);
    assert_int_equal(back.len, text.len);
    assert_memory_equal(back.data, text.data, text.len);

    packed.len = 0;
    jkb__ctext_pack(&rc, &packed, (const uint8_t *)"漏えいＡ①…é", 20);
    assert_int_equal(packed.len, 14);
    /* a packed text cut short or using no page is damaged, not a crash */
    for (i = 0; i < packed.len; i++) {
        back.len = 0;
        rc = jkb__ctext_unpack(&back, packed.data, i);
        assert_true(rc == 0 || rc == JKB_ECORRUPT);
    }
    assert_int_equal(jkb__ctext_unpack(&back, (const uint8_t *)"\xF0\x00", 2), JKB_ECORRUPT);
    assert_int_equal(jkb__ctext_unpack(&back, (const uint8_t *)"\xFF\x80", 2), JKB_ECORRUPT);
    assert_int_equal(jkb__ctext_unpack(&back, (const uint8_t *)"\x9F", 1), JKB_ECORRUPT);
    jkb__buf_fin(&text);
    jkb__buf_fin(&packed);
    jkb__buf_fin(&back);
}

static void test_round_trip(void **state)
{
    static const jkb_field extra[] = {{"category", "it-life-hack"}, {"source", "テスト"}};
    jkb_doc doc = {"2031-101-abc", "2031-101", "架空印刷株式会社 ランサムウェア被害", "架空印刷株式会社",
                   "架空印刷", "2031-04-02", "本文です。\n二行目。", "https://example.invalid/",
                   "demo.txt:1", extra, 2};
    jkb__buf rec = JKB__BUF_INIT;
    jkb__docbuf db;
    const jkb_doc *back;
    (void)state;
    memset(&db, 0, sizeof db);
    assert_int_equal(jkb__doc_encode(&rec, &doc), 0);
    assert_int_equal(jkb__doc_decode(&db, rec.data, rec.len, NULL, 0, &back), 0);
    assert_string_equal(back->id, doc.id);
    assert_string_equal(back->case_no, doc.case_no);
    assert_string_equal(back->title, doc.title);
    assert_string_equal(back->org, doc.org);
    assert_string_equal(back->label, doc.label);
    assert_string_equal(back->date, doc.date);
    assert_string_equal(back->body, doc.body);
    assert_string_equal(back->url, doc.url);
    assert_string_equal(back->source_ref, doc.source_ref);
    assert_int_equal(back->n_fields, 2);
    assert_string_equal(back->fields[1].name, "source");
    assert_string_equal(back->fields[1].value, "テスト");
    jkb__buf_fin(&rec);
    jkb__docbuf_fin(&db);
}

/* A long repetitive body is stored compressed; a tiny one is stored as it is. */
static void test_compresses(void **state)
{
    jkb_doc doc = {"id", NULL, "t", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0};
    jkb__buf rec = JKB__BUF_INIT;
    jkb__docbuf db;
    const jkb_doc *back;
    char *body = malloc(100001);
    size_t i;
    (void)state;
    memset(&db, 0, sizeof db);
    for (i = 0; i < 100000; i++)
        body[i] = "漏えい"[i % 9];
    body[100000] = 0;
    doc.body = body;
    assert_int_equal(jkb__doc_encode(&rec, &doc), 0);
    assert_true(rec.len < 5000);
    assert_int_equal(rec.data[0], 1);
    assert_int_equal(jkb__doc_decode(&db, rec.data, rec.len, NULL, 0, &back), 0);
    assert_string_equal(back->body, body);
    rec.len = 0;
    /* nothing to shrink (a record of a few bytes): stored as it is */
    {
        jkb_doc tiny = {"q7", "Z", "k", "w", "j", "9", "x", "v", "%", NULL, 0};
        assert_int_equal(jkb__doc_encode(&rec, &tiny), 0);
        assert_int_equal(rec.data[0], 0);
        assert_int_equal(jkb__doc_decode(&db, rec.data, rec.len, NULL, 0, &back), 0);
        assert_string_equal(back->url, "v");
        rec.len = 0;
    }
    /* bytes that are not text come back as they were */
    {
        uint32_t x = 7;
        for (i = 0; i < 256; i++) {
            x = x * 1103515245u + 12345u;
            body[i] = (char)(1 + (x >> 16) % 255);
        }
        body[256] = 0;
    }
    assert_int_equal(jkb__doc_encode(&rec, &doc), 0);
    assert_int_equal(jkb__doc_decode(&db, rec.data, rec.len, NULL, 0, &back), 0);
    assert_string_equal(back->body, body);
    free(body);
    jkb__buf_fin(&rec);
    jkb__docbuf_fin(&db);
}

static void test_corrupt(void **state)
{
    jkb_doc doc = {"id-1", "2031-001", "タイトル", "", "", "", "本文本文本文本文本文本文本文本文本文本文",
                   "", "", NULL, 0};
    jkb__buf rec = JKB__BUF_INIT;
    jkb__docbuf db;
    const jkb_doc *back;
    size_t len, i;
    (void)state;
    memset(&db, 0, sizeof db);
    assert_int_equal(jkb__doc_encode(&rec, &doc), 0);
    for (len = 0; len < rec.len; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, rec.data, len);
        assert_int_equal(jkb__doc_decode(&db, cut, len, NULL, 0, &back), JKB_ECORRUPT);
        free(cut);
    }
    for (i = 0; i < rec.len; i++) {
        uint8_t *bad = malloc(rec.len);
        int r;
        memcpy(bad, rec.data, rec.len);
        bad[i] ^= 0x5A;
        r = jkb__doc_decode(&db, bad, rec.len, NULL, 0, &back);
        assert_true(r == 0 || r == JKB_ECORRUPT);
        free(bad);
    }
    {
        /* a raw length that promises gigabytes is refused before allocating */
        static const uint8_t huge[] = {1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x78, 0x9c};
        assert_int_equal(jkb__doc_decode(&db, huge, sizeof huge, NULL, 0, &back), JKB_ECORRUPT);
    }
    jkb__buf_fin(&rec);
    jkb__docbuf_fin(&db);
}

/* A preset dictionary shrinks records that share its wording, and is needed to read them. */
static void test_preset_dictionary(void **state)
{
    static const char body[] = "不正アクセスにより個人情報が漏えいした可能性があります。"
                               "お客様にはご迷惑をおかけし深くお詫び申し上げます。";
    jkb_doc doc = {"d1", "", "お知らせ", "", "", "", body, "", "", NULL, 0};
    jkb__buf raw = JKB__BUF_INIT, plain = JKB__BUF_INIT, with = JKB__BUF_INIT,
             dict = JKB__BUF_INIT;
    jkb__docbuf db;
    const jkb_doc *back;
    int rc = 0;
    (void)state;
    memset(&db, 0, sizeof db);
    jkb__doc_serialize(&rc, &raw, &doc);
    jkb__zdict_sample(&rc, &dict, (const uint8_t *)body, sizeof body - 1, 4096);
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__doc_compress(&plain, raw.data, raw.len, NULL, 0), 0);
    assert_int_equal(jkb__doc_compress(&with, raw.data, raw.len, dict.data, dict.len), 0);
    assert_true(with.len < plain.len / 2);
    assert_int_equal(jkb__doc_decode(&db, with.data, with.len, dict.data, dict.len, &back), 0);
    assert_string_equal(back->body, body);
    /* without the dictionary the record cannot be read: an error, not a crash */
    assert_int_equal(jkb__doc_decode(&db, with.data, with.len, NULL, 0, &back), JKB_ECORRUPT);
    jkb__buf_fin(&raw);
    jkb__buf_fin(&plain);
    jkb__buf_fin(&with);
    jkb__buf_fin(&dict);
    jkb__docbuf_fin(&db);
}

/* Reads a record's body n bytes of the record at a time, as a snippet does: the fields
   before the body, then the body growing in place to the whole of it. */
static void read_in_pieces(const jkb__buf *rec, const uint8_t *dict, size_t dict_len, size_t n,
                           const jkb_doc *whole)
{
    jkb__docbuf db;
    const jkb_doc *head;
    const char *body;
    size_t last = 0;
    memset(&db, 0, sizeof db);
    assert_int_equal(jkb__doc_begin(&db, rec->data, rec->len, dict, dict_len), 0);
    assert_int_equal(jkb__doc_head(&db, &head), 0);
    assert_string_equal(head->id, whole->id);
    assert_string_equal(head->case_no, whole->case_no);
    assert_string_equal(head->title, whole->title);
    assert_string_equal(head->org, whole->org);
    assert_string_equal(head->label, whole->label);
    assert_string_equal(head->date, whole->date);
    body = head->body;
    while (!db.body_done) {
        assert_int_equal(jkb__doc_more(&db, n), 0);
        assert_true(db.body_len >= last);
        assert_ptr_equal((const char *)db.raw.data + db.body, body); /* it stays put */
        assert_memory_equal(body, whole->body, db.body_len);
        last = db.body_len;
    }
    assert_int_equal(db.body_len, strlen(whole->body));
    assert_string_equal(body, whole->body);
    jkb__docbuf_fin(&db);
}

/* A record read a piece at a time gives what reading it whole gives, for pieces of any size,
   deflated with a preset dictionary or without, or stored as it is; a damaged one is an
   error or text, never a crash. */
static void test_pieces(void **state)
{
    jkb_doc doc = {"2031-101-abc", "2031-101", "架空印刷株式会社 ランサムウェア被害", "架空印刷株式会社",
                   "架空印刷", "2031-04-02", NULL, "https://example.invalid/", "", NULL, 0};
    jkb__buf raw = JKB__BUF_INIT, rec = JKB__BUF_INIT, dict = JKB__BUF_INIT;
    jkb__docbuf whole;
    const jkb_doc *back;
    char *body = malloc(20001);
    uint32_t x = 11;
    size_t i, n;
    int rc = 0;
    (void)state;
    memset(&whole, 0, sizeof whole);
    for (i = 0; i + 3 <= 20000; i += 3) { /* kana and kanji, with some ASCII, not repetitive */
        x = x * 1103515245u + 12345u;
        if ((x >> 16) % 7 == 0)
            body[i] = 'a' + (char)((x >> 8) % 26), body[i + 1] = '\n', body[i + 2] = ' ';
        else
            memcpy(body + i, "漏えい個人情報不正アクセス被害調査委託" + 3 * ((x >> 16) % 19), 3);
    }
    body[i] = '\0';
    doc.body = body;
    jkb__doc_serialize(&rc, &raw, &doc);
    jkb__zdict_sample(&rc, &dict, raw.data, raw.len, 4096);
    assert_int_equal(rc, 0);
    assert_int_equal(jkb__doc_compress(&rec, raw.data, raw.len, dict.data, dict.len), 0);
    assert_int_equal(rec.data[0], 2);
    assert_int_equal(jkb__doc_decode(&whole, rec.data, rec.len, dict.data, dict.len, &back), 0);
    for (n = 1; n < 5000; n = n * 3 + 1)
        read_in_pieces(&rec, dict.data, dict.len, n, back);
    rec.len = 0;
    assert_int_equal(jkb__doc_compress(&rec, raw.data, raw.len, NULL, 0), 0);
    read_in_pieces(&rec, NULL, 0, 100, back);
    {
        jkb_doc tiny = {"q7", "Z", "k", "w", "j", "9", "x", "v", "%", NULL, 0};
        rec.len = 0;
        assert_int_equal(jkb__doc_encode(&rec, &tiny), 0);
        assert_int_equal(rec.data[0], 0); /* stored */
        read_in_pieces(&rec, NULL, 0, 1, &tiny);
    }
    /* cut short or with a byte changed: read to its end, an error or text; cut short it
       never reads as whole */
    rec.len = 0;
    assert_int_equal(jkb__doc_compress(&rec, raw.data, raw.len, dict.data, dict.len), 0);
    for (i = 0; i < rec.len; i += 1 + i / 8) {
        jkb__docbuf db;
        uint8_t *bad = malloc(rec.len);
        int cut;
        for (cut = 0; cut < 2; cut++) {
            memcpy(bad, rec.data, rec.len);
            if (!cut)
                bad[i] ^= 0x21;
            memset(&db, 0, sizeof db);
            rc = jkb__doc_begin(&db, bad, cut ? i : rec.len, dict.data, dict.len);
            if (rc == 0)
                rc = jkb__doc_head(&db, &back);
            while (rc == 0 && !db.body_done)
                rc = jkb__doc_more(&db, 64);
            assert_true(rc == 0 || rc == JKB_ECORRUPT);
            if (cut)
                assert_true(rc == JKB_ECORRUPT || db.body_len < strlen(body));
            jkb__docbuf_fin(&db);
        }
        free(bad);
    }
    free(body);
    jkb__buf_fin(&raw);
    jkb__buf_fin(&rec);
    jkb__buf_fin(&dict);
    jkb__docbuf_fin(&whole);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_text),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_compresses),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_preset_dictionary),
        cmocka_unit_test(test_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
