/*
 * Writes seed inputs for the fuzz targets: postings blocks, each after its key's last doc id
 * (DIR/postings), and stored document records (DIR/docstore), made by the encoders from small
 * fictional data; term dictionary blocks (DIR/termdict), written out by hand; fictional
 * casebook archives (DIR/archive) with the archive's own lines the parser knows (reader.h).
 * usage: make_seeds DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docstore.h"
#include "fuzz_zdict.h"
#include "postings.h"
#include "reader.h"

static void save(const char *dir, const char *kind, int n, const jkb__buf *b)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/seed-%d", dir, kind, n);
    if ((f = fopen(path, "wb")) == NULL || fwrite(b->data, 1, b->len, f) != b->len ||
        fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
        exit(1);
    }
}

static void postings_seeds(const char *dir)
{
    static const unsigned sizes[] = {1, 2, 17, 128};
    jkb__postings p;
    jkb__buf out = JKB__BUF_INIT;
    unsigned s, i, f, k, c;
    int rc = 0;
    for (s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        jkb__postings_init(&p);
        for (i = 0; i < sizes[s]; i++) {
            jkb__postings_add_doc(&rc, &p, 1 + i * (s + 1) * 37);
            for (f = 0; f < JKB__NFIELDS; f++)
                for (k = 0; k < (i + f) % (3 + 14 * (s == 2)); k++)
                    jkb__postings_add_pos(&rc, &p, f, k * 5 + i);
        }
        for (c = JKB__CODEC_VARINT; c <= JKB__CODEC_PACKED; c++) { /* each codec, after the */
            uint32_t last = p.docs[p.n - 1];                     /* key's last doc id */
            uint8_t key[4] = {(uint8_t)(last >> 24), (uint8_t)(last >> 16), (uint8_t)(last >> 8),
                              (uint8_t)last};
            out.len = 0;
            jkb__buf_put(&rc, &out, key, 4);
            jkb__block_encode_as(&rc, &out, &p, 0, p.n, 8, (uint8_t)c);
            if (rc)
                exit(1);
            save(dir, "postings", (int)(2 * s + c - 1), &out);
        }
        jkb__postings_fin(&p);
    }
    jkb__buf_fin(&out);
}

static void docstore_seeds(const char *dir)
{
    static const jkb_field extra[] = {{"severity", "高"}, {"vendor", "架空ソフト"}};
    jkb_doc d = {"2031-101-1a2b", "2031-101", "架空技研 侵入事案のご報告",
                 "架空技研株式会社", "架空技研", "2031-04-02",
                 "当社の検証用サーバに外部から侵入され、試験データが持ち出されたおそれがあります。"
                 "委託先と共に調査を進めております。",
                 "https://example.com/news/1", "archive.txt:1", extra, 2};
    jkb__buf raw = JKB__BUF_INIT, rec = JKB__BUF_INIT;
    int rc = 0;
    jkb__doc_serialize(&rc, &raw, &d);
    if (rc || jkb__doc_compress(&rec, raw.data, raw.len, NULL, 0) != 0)
        exit(1);
    save(dir, "docstore", 0, &rec);
    rec.len = 0;
    if (jkb__doc_compress(&rec, raw.data, raw.len, (const uint8_t *)fuzz_zdict,
                          sizeof fuzz_zdict - 1) != 0)
        exit(1);
    save(dir, "docstore", 1, &rec);
    d.n_fields = 0;
    d.body = "短い";
    raw.len = rec.len = 0;
    jkb__doc_serialize(&rc, &raw, &d);
    if (rc || jkb__doc_compress(&rec, raw.data, raw.len, NULL, 0) != 0)
        exit(1);
    save(dir, "docstore", 2, &rec);
    jkb__buf_fin(&raw);
    jkb__buf_fin(&rec);
}

/* Term dictionary blocks as termdict.h writes them, in fuzz_termdict's framing: key length,
   key, value length (2 bytes), value. */
static void termdict_seeds(const char *dir)
{
    static const struct {
        const char *key, *value;
        size_t value_len;
    } blocks[] = {
        {"ab", "\x01\x01\x01" "c\x02\x01\x02" "zz\x03", 10}, /* ab, ac, azz */
        {"b", "\x04\x01\x01x\x05", 5},                          /* b, bx */
        {"\xE3\x81\x82", "\x06\x03\x03\xE3\x81\x84\x87\x01", 8},   /* あ, あい (id 135) */
    };
    jkb__buf out = JKB__BUF_INIT;
    size_t i;
    int rc = 0;
    for (i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        size_t klen = strlen(blocks[i].key);
        jkb__buf_putc(&rc, &out, (uint8_t)klen);
        jkb__buf_put(&rc, &out, blocks[i].key, klen);
        jkb__buf_putc(&rc, &out, (uint8_t)(blocks[i].value_len >> 8));
        jkb__buf_putc(&rc, &out, (uint8_t)blocks[i].value_len);
        jkb__buf_put(&rc, &out, blocks[i].value, blocks[i].value_len);
        if (rc)
            exit(1);
        save(dir, "termdict", (int)i, &out); /* the first block, the first two, all three */
    }
    jkb__buf_fin(&out);
}

/* A post with a BOM and CRLF line ends; a post whose cross-references are not under the
   parser's line for them, so that the header among them starts a post of its own. */
static void archive_seeds(const char *dir)
{
    static const char *const texts[] = {
        "\xEF\xBB\xBF【セキュリティ事件簿#2031-302】架空市 誤送信について 2031/6/2\r\n\r\n"
        "本文です。\r\n\r\n" JKB__ARCHIVE_LINE "\r\n",
        "【セキュリティ事件簿#2031-301】架空商事株式会社 不正アクセスのお知らせ 2031/6/1\n\n"
        "架空商事\n \n当社サーバへの不正アクセスを確認しました。\n\n関連リリース\n"
        "【セキュリティ事件簿#2031-300】架空商事株式会社 第一報 2031/5/30\n\n"
        JKB__ARCHIVE_LINE "\n",
    };
    size_t i;
    for (i = 0; i < sizeof texts / sizeof *texts; i++) {
        jkb__buf b = JKB__BUF_INIT;
        int rc = 0;
        jkb__buf_put(&rc, &b, texts[i], strlen(texts[i]));
        if (rc)
            exit(1);
        save(dir, "archive", (int)i, &b);
        jkb__buf_fin(&b);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: make_seeds DIR\n", stderr);
        return 2;
    }
    postings_seeds(argv[1]);
    docstore_seeds(argv[1]);
    termdict_seeds(argv[1]);
    archive_seeds(argv[1]);
    return 0;
}
