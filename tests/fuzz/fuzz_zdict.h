/* The preset dictionary the stored-document target decodes with, and its seeds are made
   with, as an index would hold one. */
#ifndef JKB_FUZZ_ZDICT_H
#define JKB_FUZZ_ZDICT_H
static const char fuzz_zdict[] = "セキュリティ事件簿 不正アクセス ランサムウェア 個人情報 漏えい "
                                 "お知らせ 当社 委託先 サーバ 調査 お客様 被害 対応 発生";
#endif
