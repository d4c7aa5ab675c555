/* Fictional releases for the tests that index many documents (written here, not taken from
   any corpus). */
#ifndef JKB_TESTS_FICTIONAL_H
#define JKB_TESTS_FICTIONAL_H

#include <stdio.h>

/* Fictional wording, combined per document. */
static const char *const openings[] = {
    "当社の委託先が運用する受注システムにおいて、",
    "社内の共有サーバに対し、",
    "会員向けウェブサイトのお問い合わせフォームで、",
    "海外子会社の業務端末において、",
    "物流部門のファイル転送サービスで、",
};
static const char *const events[] = {
    "ランサムウェアによるファイルの暗号化が確認されました。",
    "外部から侵入された痕跡が見つかりました。",
    "偽装メールの添付ファイルからマルウェアに感染したと判明しました。",
    "設定の誤りにより個人情報が閲覧可能な状態となっていました。",
    "脆弱性を突いた攻撃で顧客データが外部に送られたおそれがあります。",
};
static const char *const actions[] = {
    "現在、外部の専門機関と連携して調査を進めております。",
    "対象のサーバをネットワークから切り離し、被害の拡大を防いでおります。",
    "関係する取引先への個別の連絡を順次行っております。",
    "警察と所管官庁へ届け出て、再発の防止に向けた手順を見直します。",
};

/* Release i as a JSON line: id PREFIX-i (5 digits), code word KTi in title and body. */
static inline void fictional_release(FILE *f, const char *prefix, unsigned i)
{
    unsigned s, sentences = 3 + i % 5;
    fprintf(f, "{\"id\":\"%s-%05u\",\"title\":\"検体KT%05u に関するお知らせ\",", prefix, i, i);
    fprintf(f, "\"date\":\"2025-%02u-%02u\",\"body\":\"", 1 + i % 12, 1 + i % 28);
    for (s = 0; s < sentences; s++)
        fprintf(f, "%s%s%s", openings[(i + s) % 5], events[(i * 7 + s) % 5],
                actions[(i * 3 + s) % 4]);
    fprintf(f, "識別番号は検体KT%05uです。\"}\n", i);
}

#endif
