/* The casebook archive parser, on small fictional archives. */
#include "helpers.h"
#include "reader.h"

#define dir group_dir()

static void parse(const char *text, size_t len, read_result *res)
{
    char *path = write_file(dir, "archive.txt", text, len);
    read_all(path, JKB_FORMAT_CASEBOOK, 0, res);
    free(path);
}

static void parse_str(const char *text, read_result *res)
{
    parse(text, strlen(text), res);
}

#define NBSP "\xC2\xA0"

static const char basic[] =
    "【セキュリティ事件簿#2031-101】架空印刷株式会社 受注管理サーバーのランサムウェア感染に関するご報告 2031/4/2\n"
    "\n"
    "架空印刷\n"
    NBSP "\n"
    "\n"
    "受注管理サーバーが暗号化されました。\n"
    "\n"
    "調査中です。\n"
    "\n"
    JKB__ARCHIVE_LINE "\n"
    "\n"
    "【セキュリティ事件簿#2031-102】株式会社ABC Systems 不正アクセスについて  2031/12/24\n"
    "\n"
    NBSP "\n"
    "\n"
    "外部からの侵入を確認しました。本日お知らせいたします。\n"
    "\n"
    "【セキュリティ事件簿#2031-103】架空県立高校の教諭がメールを誤送信\n"
    "\n"
    "生徒の個人情報を含むメールを誤って送信した。\n";

static void test_headers_fields(void **state)
{
    read_result r;
    (void)state;
    parse_str(basic, &r);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.skipped, 0);

    assert_string_equal(r.docs[0].case_no, "2031-101");
    assert_string_equal(r.docs[0].title, "架空印刷株式会社 受注管理サーバーのランサムウェア感染に関するご報告");
    assert_string_equal(r.docs[0].org, "架空印刷株式会社");
    assert_string_equal(r.docs[0].label, "架空印刷");
    assert_string_equal(r.docs[0].date, "2031-04-02");
    assert_string_equal(r.docs[0].body, "受注管理サーバーが暗号化されました。\n\n調査中です。");
    assert_string_equal(r.docs[0].source_ref, "archive.txt:1");

    /* a name holding a space comes out whole; no label; two spaces before the date */
    assert_string_equal(r.docs[1].org, "株式会社ABC Systems");
    assert_string_equal(r.docs[1].title, "株式会社ABC Systems 不正アクセスについて");
    assert_string_equal(r.docs[1].label, "");
    assert_string_equal(r.docs[1].date, "2031-12-24");
    assert_string_equal(r.docs[1].source_ref, "archive.txt:12");

    /* no space in the header: no organisation; no date */
    assert_string_equal(r.docs[2].org, "");
    assert_string_equal(r.docs[2].date, "");
    assert_string_equal(r.docs[2].title, "架空県立高校の教諭がメールを誤送信");
    free_result(&r);
}

static void test_related_and_followup(void **state)
{
    static const char text[] =
        "【セキュリティ事件簿#2031-110】架空市 USBメモリの紛失について 2031/5/1\n"
        "\n"
        "架空市\n"
        "\n"
        "職員がUSBメモリを紛失しました。\n"
        "\n"
        JKB__RELATED_LINE "\n"
        "\n"
        "【セキュリティ事件簿#2030-050】架空市 別件の紛失について 2030/1/1\n"
        "\n"
        "【2031年4月1日リリース分】\n"
        "\n"
        "ランサムウェアギャングの被害組織リスト(架空)\n"
        "\n"
        "今月公表された被害組織です。\n"
        "\n"
        "名称\n"
        "\n"
        "架空商事\n"
        "\n"
        "【セキュリティ事件簿#2031-111】架空電機 不正アクセスについて 2031/5/2\n"
        "\n"
        "架空電機\n"
        "\n"
        "サーバーに不正アクセスがありました。\n"
        "\n"
        "【2031/3/1リリース分】\n"
        "\n"
        JKB__ARCHIVE_LINE "\n"
        "\n"
        "編集部メモ\n"
        "\n"
        "今月のまとめです。\n";
    read_result r;
    (void)state;
    parse_str(text, &r);
    assert_int_equal(r.n, 4);
    /* the header after the related line is a cross-reference inside the first post */
    assert_string_equal(r.docs[0].case_no, "2031-110");
    assert_non_null(strstr(r.docs[0].body, "2030-050"));
    /* the follow-up marker belongs to its post and ends it */
    assert_non_null(strstr(r.docs[0].body, "【2031年4月1日リリース分】"));
    assert_null(strstr(r.docs[0].body, "被害組織リスト"));
    /* what follows is a post without a case number, its first line the title */
    assert_string_equal(r.docs[1].case_no, "");
    assert_string_equal(r.docs[1].title, "ランサムウェアギャングの被害組織リスト(架空)");
    assert_string_equal(r.docs[1].label, "");
    assert_string_equal(r.docs[1].body, "今月公表された被害組織です。\n\n名称\n\n架空商事");
    assert_string_equal(r.docs[2].case_no, "2031-111");
    /* a marker followed by the archive line makes no empty post */
    assert_string_equal(r.docs[3].title, "編集部メモ");
    assert_string_equal(r.docs[3].body, "今月のまとめです。");
    free_result(&r);
}

/* Ids are stable from one read to the next, and unique when posts share everything. */
static void test_ids(void **state)
{
    static const char text[] =
        "【セキュリティ事件簿#2031-120】架空市 お知らせ 2031/6/1\n\n本文Aです。\n\n" JKB__ARCHIVE_LINE "\n\n"
        "【セキュリティ事件簿#2031-120】架空市 お知らせ 2031/6/1\n\n本文Bです。\n\n" JKB__ARCHIVE_LINE "\n\n"
        "【セキュリティ事件簿#2031-120】架空町 お知らせ 2031/6/1\n\n本文Cです。\n";
    read_result a, b;
    (void)state;
    parse_str(text, &a);
    parse_str(text, &b);
    assert_int_equal(a.n, 3);
    assert_string_not_equal(a.docs[0].id, a.docs[1].id);
    assert_string_not_equal(a.docs[0].id, a.docs[2].id);
    assert_string_equal(a.docs[0].id, b.docs[0].id);
    assert_string_equal(a.docs[1].id, b.docs[1].id);
    assert_true(strncmp(a.docs[0].id, "2031-120-", 9) == 0);
    free_result(&a);
    free_result(&b);
}

static void test_bad_input(void **state)
{
    static const char text[] =
        "\xEF\xBB\xBF【セキュリティ事件簿#2031-130】架空社 一件目 2031/7/1\r\n"
        "\r\n"
        "本文一。\r\n"
        "\r\n"
        JKB__ARCHIVE_LINE "\r\n"
        "【セキュリティ事件簿#2031-131】架空社 二件目 2031/7/2\n"
        "\n"
        "壊れた\xFF\xFE本文。\n"
        "\n"
        "【セキュリティ事件簿#2031-132】架空社 三件目 2031/7/3\n"
        "\n"
        "NUL\0を含む本文。\n"
        "\n"
        "【セキュリティ事件簿#2031-133】架空社 本文のない投稿 2031/7/4\n"
        "\n"
        "【セキュリティ事件簿#2031-134】架空社 四件目 2031/7/5\n"
        "\n"
        "最後の本文。";
    read_result r;
    (void)state;
    parse(text, sizeof text - 1, &r);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.skipped, 3);
    /* BOM and CR are gone */
    assert_string_equal(r.docs[0].case_no, "2031-130");
    assert_string_equal(r.docs[0].body, "本文一。");
    assert_string_equal(r.docs[1].case_no, "2031-134");
    assert_string_equal(r.docs[1].body, "最後の本文。");
    /* each skip names the file and line */
    assert_non_null(strstr(r.warnings, "archive.txt:8: invalid UTF-8"));
    assert_non_null(strstr(r.warnings, "archive.txt:12: invalid UTF-8"));
    assert_non_null(strstr(r.warnings, "archive.txt:14: post has no body"));
    free_result(&r);
}

static void test_empty_and_blank(void **state)
{
    read_result r;
    (void)state;
    parse("", 0, &r);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.rc, 0);
    parse_str("\n\n" NBSP "\n", &r);
    assert_int_equal(r.n, 0);
}

/* A 10 MB single line is read whole; a post above --max-doc-bytes is skipped. */
static void test_long_line(void **state)
{
    static const char head[] = "【セキュリティ事件簿#2031-140】架空社 長い投稿 2031/8/1\n\n";
    size_t body = 10u << 20, n = strlen(head);
    char *text = malloc(n + body + 2);
    read_result r;
    (void)state;
    memcpy(text, head, n);
    memset(text + n, 'a', body);
    text[n + body] = '\n';
    parse(text, n + body + 1, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(strlen(r.docs[0].body), body);
    free_result(&r);
    {
        char *path = write_file(dir, "big.txt", text, n + body + 1);
        read_all(path, JKB_FORMAT_CASEBOOK, 1u << 20, &r);
        free(path);
    }
    assert_int_equal(r.n, 0);
    assert_int_equal(r.skipped, 1);
    assert_non_null(strstr(r.warnings, "larger than --max-doc-bytes"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_fields),
        cmocka_unit_test(test_related_and_followup),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_long_line),
    };
    return cmocka_run_group_tests(tests, setup_group_dir, teardown_group_dir);
}
