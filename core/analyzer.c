/* The only file that includes <mecab.h>. See analyzer.h for what the analysis does. */
#include "analyzer.h"

#include <mecab.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>
#include <zlib.h>

#include "hugemap.h"
#include "normalize.h"
#include "utf8.h"

/* Bump when a folding rule changes: indexes built before then must be rebuilt. */
#define RULES_VERSION 2

/* MeCab is fed chunks of at most this many bytes, cut at sentence ends. The lattice MeCab
   builds for a chunk (a few hundred bytes of nodes and paths per input byte) then stays in
   the core's cache: with 8 KiB chunks two analysis threads slowed each other down by a
   third, with 1 KiB by a fifth. */
#define CHUNK_BYTES 1024

#define USER_DIC_NAME "security.dic"
#define VARIANTS_NAME "variants.tsv"

typedef struct variant {
    char *from;
    char *to;
    size_t from_len; /* their strlen, kept: every token of a document is looked up */
    size_t to_len;
} variant;

struct jkb__dict {
    struct jkb__dict *next; /* in the process-wide list of open dictionaries */
    unsigned refs;
    char *dicdir;
    char *datadir;
    mecab_model_t *model;
    variant *variants; /* sorted by from */
    size_t n_variants;
    uint64_t variant_heads; /* bit head_bit() of every from: most words skip the search */
    uint64_t files_stat;    /* jkb__dict_files_stat() */
    uint32_t user_crc;
    uint32_t var_crc;
    int huge_tried;         /* jkb__dict_huge_pages() was called */
    size_t huge_bytes;      /* what it moved */
    char fingerprint[96];   /* empty until jkb__dict_fingerprint() makes it */
};

/* The MeCab system dictionary's files: read whole for the fingerprint. */
static const char *const sys_files[] = {"sys.dic", "matrix.bin", "char.bin", "unk.dic"};

struct jkb__analyzer {
    jkb__dict *dict;
    mecab_t *tagger;
    mecab_lattice_t *lattice;
    jkb__norm norm;
};

static pthread_mutex_t dicts_lock = PTHREAD_MUTEX_INITIALIZER;
static jkb__dict *dicts;

static const char *default_datadir(void)
{
    const char *env = getenv("JIKENBO_DATA_DIR");
    return env && *env ? env : JKB_DATA_DIR;
}

/* CRC-32 of a file's contents; 0 with *ok = 0 when it cannot be read. */
static uint32_t file_crc(const char *path, int *ok)
{
    static const size_t bufsize = 1 << 16;
    unsigned char *buf;
    uLong crc = crc32(0, Z_NULL, 0);
    size_t n;
    FILE *f = fopen(path, "rb");
    *ok = 0;
    if (f == NULL)
        return 0;
    buf = malloc(bufsize);
    if (buf == NULL) {
        fclose(f);
        return 0;
    }
    while ((n = fread(buf, 1, bufsize, f)) > 0)
        crc = crc32(crc, buf, (uInt)n);
    *ok = !ferror(f);
    free(buf);
    fclose(f);
    return (uint32_t)crc;
}

/* A bit for the first bytes (up to one character of kana or kanji) of a word. */
static uint64_t head_bit(const char *s, size_t len)
{
    const uint8_t *u = (const uint8_t *)s;
    unsigned h = len ? u[0] : 0;
    h = h * 31 + (len > 1 ? u[1] : 0);
    h = h * 31 + (len > 2 ? u[2] : 0);
    return (uint64_t)1 << (h % 64);
}

static int variant_cmp(const void *a, const void *b)
{
    return strcmp(((const variant *)a)->from, ((const variant *)b)->from);
}

static char *fold_text(jkb__norm *norm, const char *s, size_t len)
{
    char *out;
    if (jkb__normalize(norm, (const uint8_t *)s, len))
        return NULL;
    out = malloc(norm->text.len + 1);
    if (out)
        memcpy(out, norm->text.data, norm->text.len + 1);
    return out;
}

/* Reads variants.tsv: "variant<TAB>canonical" lines; # starts a comment. */
static int load_variants(jkb__dict *d, const char *path, jkb__err *err)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t cap = 0, lineno = 0;
    jkb__norm norm = JKB__NORM_INIT;
    int rc = 0;

    if (f == NULL)
        return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] cannot read variant table %s", path);
    while (fgets(line, sizeof line, f)) {
        char *tab, *end;
        variant *v;
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        end = tab ? tab + 1 + strcspn(tab + 1, "\t") : NULL;
        if (tab == NULL || tab == line || *(tab + 1) == '\0') {
            rc = jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] %s:%zu: expected variant<TAB>"
                              "canonical", path, lineno);
            goto out;
        }
        *end = '\0';
        JKB__RESERVE(rc, d->variants, cap, d->n_variants);
        if (rc)
            goto out;
        v = &d->variants[d->n_variants];
        v->from = fold_text(&norm, line, (size_t)(tab - line));
        v->to = v->from ? fold_text(&norm, tab + 1, strlen(tab + 1)) : NULL;
        if (v->to == NULL) {
            free(v->from);
            rc = JKB_ENOMEM;
            goto out;
        }
        v->from_len = strlen(v->from);
        v->to_len = strlen(v->to);
        d->variant_heads |= head_bit(v->from, v->from_len);
        d->n_variants++;
    }
    if (d->n_variants > 1)
        qsort(d->variants, d->n_variants, sizeof *d->variants, variant_cmp);
out:
    jkb__norm_fin(&norm);
    fclose(f);
    return rc;
}

static void dict_free(jkb__dict *d)
{
    size_t i;
    if (d == NULL)
        return;
    for (i = 0; i < d->n_variants; i++) {
        free(d->variants[i].from);
        free(d->variants[i].to);
    }
    free(d->variants);
    if (d->model)
        mecab_model_destroy(d->model);
    free(d->dicdir);
    free(d->datadir);
    free(d);
}

static int check_charset(jkb__dict *d, jkb__err *err)
{
    const mecab_dictionary_info_t *info = mecab_model_dictionary_info(d->model);
    for (; info; info = info->next) {
        if (strcasecmp(info->charset, "utf-8") != 0 && strcasecmp(info->charset, "utf8") != 0)
            return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] dictionary %s is %s, not UTF-8",
                                info->filename, info->charset);
    }
    return 0;
}

/* The CRC of the system dictionary's files, each read whole (about 50 MB). */
static int sys_crc_of(const jkb__dict *d, uint32_t *out, jkb__err *err)
{
    char path[4096];
    size_t i;
    int ok;
    *out = 0;
    for (i = 0; i < sizeof sys_files / sizeof sys_files[0]; i++) {
        uint32_t c;
        snprintf(path, sizeof path, "%s/%s", d->dicdir, sys_files[i]);
        c = file_crc(path, &ok);
        if (!ok)
            return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] cannot read MeCab dictionary "
                                "file %s (is mecab-ipadic-utf8 installed?)", path);
        *out = (uint32_t)crc32(*out, (const Bytef *)&c, sizeof c);
    }
    return 0;
}

/* What stat says of the system dictionary's files (size, modification and change times, file
   number, device), hashed into 64 bits (a CRC-32 and an Adler-32). */
static int sys_stat_of(const jkb__dict *d, uint64_t *out, jkb__err *err)
{
    char path[4096];
    uLong lo = crc32(0, Z_NULL, 0), hi = adler32(0, Z_NULL, 0);
    size_t i;
    for (i = 0; i < sizeof sys_files / sizeof sys_files[0]; i++) {
        struct stat st;
        uint64_t v[6];
        snprintf(path, sizeof path, "%s/%s", d->dicdir, sys_files[i]);
        if (stat(path, &st) != 0)
            return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] cannot read MeCab dictionary "
                                "file %s (is mecab-ipadic-utf8 installed?)", path);
        v[0] = (uint64_t)st.st_size;
        v[1] = (uint64_t)st.st_mtim.tv_sec;
        v[2] = (uint64_t)st.st_mtim.tv_nsec;
        v[3] = (uint64_t)st.st_ino;
        v[4] = (uint64_t)st.st_dev;
        v[5] = (uint64_t)st.st_ctim.tv_sec << 30 ^ (uint64_t)st.st_ctim.tv_nsec;
        lo = crc32(lo, (const Bytef *)v, sizeof v);
        hi = adler32(hi, (const Bytef *)v, sizeof v);
    }
    *out = (uint64_t)hi << 32 | (uint32_t)lo;
    return 0;
}

static int dict_load(jkb__dict *d, jkb__err *err)
{
    char path[4096], userdic[4096];
    int ok, rc;
    const char *argv[5];

    if ((rc = sys_stat_of(d, &d->files_stat, err)) != 0)
        return rc;
    snprintf(userdic, sizeof userdic, "%s/%s", d->datadir, USER_DIC_NAME);
    d->user_crc = file_crc(userdic, &ok);
    if (!ok)
        return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] cannot read user dictionary %s",
                            userdic);
    snprintf(path, sizeof path, "%s/%s", d->datadir, VARIANTS_NAME);
    d->var_crc = file_crc(path, &ok);
    if (!ok)
        return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer] cannot read variant table %s", path);
    if ((rc = load_variants(d, path, err)) != 0)
        return rc;

    /* The dictionary is named explicitly: the system default is a Debian alternative that
       other packages switch. */
    argv[0] = "mecab";
    argv[1] = "-d";
    argv[2] = d->dicdir;
    argv[3] = "-u";
    argv[4] = userdic;
    d->model = mecab_model_new(5, (char **)(uintptr_t)argv);
    if (d->model == NULL)
        return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer][mecab] cannot open dictionary %s: %s",
                            d->dicdir, mecab_strerror(NULL));
    return check_charset(d, err);
}

int jkb__dict_open(jkb__dict **out, const char *dicdir, const char *datadir, jkb__err *err)
{
    jkb__dict *d;
    int rc = 0;

    *out = NULL;
    if (dicdir == NULL || *dicdir == '\0')
        dicdir = JKB_DEFAULT_DICDIR;
    if (datadir == NULL || *datadir == '\0')
        datadir = default_datadir();

    pthread_mutex_lock(&dicts_lock);
    for (d = dicts; d; d = d->next) {
        if (strcmp(d->dicdir, dicdir) == 0 && strcmp(d->datadir, datadir) == 0) {
            d->refs++;
            *out = d;
            goto out;
        }
    }
    d = calloc(1, sizeof *d);
    if (d == NULL || (d->dicdir = strdup(dicdir)) == NULL ||
        (d->datadir = strdup(datadir)) == NULL) {
        dict_free(d);
        rc = JKB_ENOMEM;
        goto out;
    }
    if ((rc = dict_load(d, err)) != 0) {
        dict_free(d);
        goto out;
    }
    d->refs = 1;
    d->next = dicts;
    dicts = d;
    *out = d;
out:
    pthread_mutex_unlock(&dicts_lock);
    return rc;
}

void jkb__dict_close(jkb__dict *d)
{
    jkb__dict **p;
    if (d == NULL)
        return;
    pthread_mutex_lock(&dicts_lock);
    if (--d->refs == 0) {
        for (p = &dicts; *p; p = &(*p)->next) {
            if (*p == d) {
                *p = d->next;
                break;
            }
        }
        dict_free(d);
    }
    pthread_mutex_unlock(&dicts_lock);
}

size_t jkb__dict_huge_pages(jkb__dict *d)
{
    size_t bytes;
    pthread_mutex_lock(&dicts_lock);
    if (!d->huge_tried) {
        d->huge_bytes = jkb__hugemap_files(d->dicdir);
        d->huge_tried = 1;
    }
    bytes = d->huge_bytes;
    pthread_mutex_unlock(&dicts_lock);
    return bytes;
}

uint64_t jkb__dict_files_stat(const jkb__dict *d)
{
    return d->files_stat;
}

int jkb__dict_fingerprint(jkb__dict *d, const char *seen, size_t seen_len, uint64_t seen_stat,
                          const char **out, jkb__err *err)
{
    char head[16];
    unsigned seen_crc;
    uint32_t sys_crc;
    int rc = 0;
    pthread_mutex_lock(&dicts_lock);
    if (d->fingerprint[0] == '\0') {
        /* the system dictionary's CRC from a fingerprint made when its files were as now */
        if (seen && seen_stat == d->files_stat && seen_len >= 14 &&
            (memcpy(head, seen, 14), head[14] = '\0', sscanf(head, "mecab:%8x", &seen_crc) == 1))
            sys_crc = seen_crc;
        else
            rc = sys_crc_of(d, &sys_crc, err);
        if (rc == 0)
            snprintf(d->fingerprint, sizeof d->fingerprint,
                     "mecab:%08x user:%08x variants:%08x rules:%d", sys_crc, d->user_crc,
                     d->var_crc, RULES_VERSION);
    }
    pthread_mutex_unlock(&dicts_lock);
    *out = d->fingerprint;
    return rc;
}

int jkb__analyzer_new(jkb__analyzer **out, jkb__dict *d, jkb__err *err)
{
    jkb__analyzer *a = calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL)
        return JKB_ENOMEM;
    a->dict = d;
    a->tagger = mecab_model_new_tagger(d->model);
    a->lattice = a->tagger ? mecab_model_new_lattice(d->model) : NULL;
    if (a->lattice == NULL) {
        jkb__analyzer_free(a);
        return jkb__err_set(err, JKB_ETOKENIZE, "[analyzer][mecab] cannot create a tagger");
    }
    *out = a;
    return 0;
}

void jkb__analyzer_free(jkb__analyzer *a)
{
    if (a == NULL)
        return;
    if (a->lattice)
        mecab_lattice_destroy(a->lattice);
    if (a->tagger)
        mecab_destroy(a->tagger);
    jkb__norm_fin(&a->norm);
    free(a);
}

/* ---- term-level folding ---- */

static int is_katakana(uint32_t c)
{
    return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC;
}

/* Code points of the katakana rules. */
#define KATA_U 0x30A6      /* ウ */
#define KATA_VU 0x30F4     /* ヴ */
#define KATA_LONG 0x30FC   /* ー */

/* ウイ ウエ ウオ -> ウィ ウェ ウォ: the small form is the common one in the corpora. */
static uint32_t small_after_u(uint32_t c)
{
    return c == 0x30A4 ? 0x30A3 : c == 0x30A8 ? 0x30A7 : c == 0x30AA ? 0x30A9 : 0;
}

/* ヴァ ヴィ ヴ(ゥ) ヴェ ヴォ -> バ ビ ブ ベ ボ: the official spelling of loanwords. */
static uint32_t ba_row(uint32_t small)
{
    switch (small) {
    case 0x30A1: return 0x30D0;
    case 0x30A3: return 0x30D3;
    case 0x30A5: return 0x30D6;
    case 0x30A7: return 0x30D9;
    case 0x30A9: return 0x30DC;
    default: return 0;
    }
}

/*
 * The katakana rules, for a word written in katakana only: ウ + large vowel -> ウ + small
 * vowel, ヴ spellings -> the バ row, and a word of four or more characters drops a trailing
 * ー (サーバー -> サーバ, JIS Z 8301 style). cps holds the word; returns its new length.
 */
static size_t katakana_rules(uint32_t *cps, size_t n)
{
    size_t i, j = 0;
    for (i = 0; i < n; i++) {
        uint32_t c = cps[i], next = i + 1 < n ? cps[i + 1] : 0, r;
        if (c == KATA_U && (r = small_after_u(next)) != 0) {
            cps[j++] = c;
            cps[j++] = r;
            i++;
        } else if (c == KATA_VU) {
            r = ba_row(next);
            cps[j++] = r ? r : 0x30D6;
            i += r != 0;
        } else {
            cps[j++] = c;
        }
    }
    if (j >= 4 && cps[j - 1] == KATA_LONG)
        j--;
    return j;
}

size_t jkb__fold_term(const jkb__dict *d, const char *term, size_t len, char *out, size_t cap)
{
    const uint8_t *s = (const uint8_t *)term;
    size_t lo = 0, hi = d->n_variants;

    if (len > cap)
        len = jkb__utf8_floor(s, cap);
    /* only a word of katakana (E3 82 xx, E3 83 xx) has rules: others are copied as they are */
    if (len >= 3 && s[0] == 0xE3 && (s[1] == 0x82 || s[1] == 0x83)) {
        uint32_t cps[JKB__TERM_MAX];
        size_t i = 0, n = 0;
        int all_kata = 1;
        while (i < len && n < JKB__TERM_MAX && all_kata) {
            uint32_t c;
            size_t clen = jkb__utf8_decode(s + i, len - i, &c);
            if (clen == 0)
                break;
            all_kata &= is_katakana(c);
            cps[n++] = c;
            i += clen;
        }
        if (all_kata && i == len) {
            n = katakana_rules(cps, n);
            for (i = 0, len = 0; i < n; i++)
                len += jkb__utf8_encode((uint8_t *)out + len, cps[i]); /* no longer than before */
        } else {
            memcpy(out, term, len);
        }
    } else {
        memcpy(out, term, len);
    }

    if (!(d->variant_heads & head_bit(out, len)))
        return len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const variant *v = &d->variants[mid];
        int c = memcmp(out, v->from, len < v->from_len ? len : v->from_len);
        if (c == 0)
            c = len < v->from_len ? -1 : len > v->from_len;
        if (c == 0) {
            size_t tlen = v->to_len;
            if (tlen > cap)
                tlen = jkb__utf8_floor((const uint8_t *)v->to, cap);
            memcpy(out, v->to, tlen);
            return tlen;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return len;
}

/* Calls fn with s and with the spellings the katakana rules fold into s: a trailing ー and
   ウイ ウエ ウオ for ウィ ウェ ウォ. (ヴ spellings are not generated back.) */
static void katakana_surfaces(const char *s, size_t len, jkb__surface_fn fn, void *payload)
{
    uint8_t buf[2][JKB__TERM_MAX + 3];
    size_t blen[2], i = 0, n = 0, k;
    int all_kata = 1, changed = 0;
    fn(s, len, payload);
    if (len > JKB__TERM_MAX)
        return;
    memcpy(buf[0], s, len);
    blen[0] = len;
    blen[1] = 0;
    while (i < len) {
        uint32_t c, next = 0;
        size_t clen = jkb__utf8_decode((const uint8_t *)s + i, len - i, &c);
        if (clen == 0)
            return;
        all_kata &= is_katakana(c);
        if (c == KATA_U && i + clen < len)
            jkb__utf8_decode((const uint8_t *)s + i + clen, len - i - clen, &next);
        blen[1] += jkb__utf8_encode(buf[1] + blen[1], c);
        if (next == 0x30A3 || next == 0x30A7 || next == 0x30A9) {
            blen[1] += jkb__utf8_encode(buf[1] + blen[1], next + 1); /* the large vowel */
            clen += 3;
            changed = 1;
        }
        n++;
        i += clen;
    }
    if (!all_kata)
        return;
    if (changed)
        fn((const char *)buf[1], blen[1], payload);
    if (n >= 3 && !(len >= 3 && memcmp(s + len - 3, "ー", 3) == 0)) {
        for (k = 0; k <= (size_t)changed; k++) {
            memcpy(buf[k] + blen[k], "ー", 3);
            fn((const char *)buf[k], blen[k] + 3, payload);
        }
    }
}

void jkb__term_surfaces(const jkb__dict *d, const char *term, size_t len, jkb__surface_fn fn,
                        void *payload)
{
    size_t i;
    katakana_surfaces(term, len, fn, payload);
    for (i = 0; i < d->n_variants; i++) {
        const variant *v = &d->variants[i];
        if (strlen(v->to) == len && memcmp(v->to, term, len) == 0)
            katakana_surfaces(v->from, strlen(v->from), fn, payload);
    }
}

/* ---- analysis ---- */

/* Whether MeCab's feature string s starts with prefix: most differ in their first byte,
   where this stops, and it runs once or more per token. */
static int starts_with(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return 0;
    return 1;
}

/* Parts of speech that take a position but are not indexed. */
static int is_skipped_pos(const char *feature)
{
    return starts_with(feature, "助詞,") || starts_with(feature, "助動詞,") ||
           starts_with(feature, "記号,");
}

/* Base form of verbs and adjectives (IPADIC feature 6), or NULL to keep the surface. */
static const char *base_form(const char *feature, size_t *len)
{
    const char *p = feature;
    int i;
    if (!starts_with(feature, "動詞,") && !starts_with(feature, "形容詞,"))
        return NULL;
    for (i = 0; i < 6; i++) {
        p = strchr(p, ',');
        if (p == NULL)
            return NULL;
        p++;
    }
    *len = strcspn(p, ",");
    if (*len == 0 || (*len == 1 && *p == '*'))
        return NULL;
    return p;
}

/* End of the next chunk of text[start..len): a sentence end within CHUNK_BYTES if any. */
static size_t chunk_end(const char *text, size_t start, size_t len)
{
    size_t limit = start + CHUNK_BYTES, i;
    if (len - start <= CHUNK_BYTES)
        return len;
    for (i = limit; i > start + CHUNK_BYTES / 4; i--) {
        unsigned char c = (unsigned char)text[i - 1];
        if (c == '\n' || c == '!' || c == '?' || (i >= 3 && memcmp(text + i - 3, "。", 3) == 0))
            return i;
    }
    return start + jkb__utf8_floor((const uint8_t *)text + start, CHUNK_BYTES);
}

/* ---- compounds ---- */

#define PART_MAX 8

static size_t char_count(const char *s, size_t len)
{
    return jkb__utf8_count((const uint8_t *)s, len);
}

static int all_katakana(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t clen = jkb__utf8_decode((const uint8_t *)s + i, len - i, &c);
        if (clen == 0 || !is_katakana(c))
            return 0;
        i += clen;
    }
    return 1;
}

/* Nouns long enough to be made of words: three characters (要注意 = 要 + 注意: MeCab reads
   the word alone that way, and a query is often the word alone), five in katakana (ユーザー
   and サーバー stay whole), none of them hiragana (問合せ is one word with its okurigana). */
static int may_be_compound(const mecab_node_t *node)
{
    size_t chars, i = 0;
    if (!starts_with(node->feature, "名詞,") || starts_with(node->feature, "名詞,数"))
        return 0;
    chars = char_count(node->surface, node->length);
    if (chars < 3 || (chars < 5 && all_katakana(node->surface, node->length)))
        return 0;
    while (i < node->length) {
        uint32_t c;
        size_t clen = jkb__utf8_decode((const uint8_t *)node->surface + i, node->length - i, &c);
        if (clen == 0 || (c >= 0x3041 && c <= 0x309F))
            return 0;
        i += clen;
    }
    return 1;
}

/* A part is a known noun of two or more characters (three in katakana: ラン + サム is not
   what ランサムウェア is made of), or a single-kanji prefix or suffix (多, 型, 性). */
static int may_be_part(const mecab_node_t *b)
{
    size_t chars;
    if (b->stat != MECAB_NOR_NODE)
        return 0;
    chars = char_count(b->surface, b->length);
    if (chars >= 2)
        return starts_with(b->feature, "名詞,") &&
               (chars >= 3 || !all_katakana(b->surface, b->length));
    return starts_with(b->feature, "名詞,接尾,") || starts_with(b->feature, "接頭詞,");
}

/* Where no known word fits, a katakana run MeCab does not know (ヘッダー in
   セキュリティヘッダー) of three or more characters can be a part too. */
static int may_be_unknown_part(const mecab_node_t *b)
{
    return b->stat == MECAB_UNK_NODE && char_count(b->surface, b->length) >= 3 &&
           all_katakana(b->surface, b->length);
}

typedef struct split {
    mecab_lattice_t *lat;
    const char *sentence;
    size_t end;
    size_t whole;  /* the compound's length: not a part of itself */
    const mecab_node_t *parts[PART_MAX];
    int steps;     /* bounds the search */
} split;

/*
 * Covers sentence[p, end) with parts, n already chosen: at each point known words first,
 * longest first, then a katakana run MeCab does not know; backs up when a choice leads
 * nowhere (セキュリティ + ヘッダ leaves ー over; セキュリティ + ヘッダー covers). Returns the
 * number of parts, or 0.
 */
static size_t cover(split *sp, size_t p, size_t n)
{
    const mecab_node_t *cand[16];
    size_t n_cand = 0, i, j;
    if (p == sp->end)
        return n;
    if (n == PART_MAX || ++sp->steps > 64)
        return 0;
    for (const mecab_node_t *b = mecab_lattice_get_begin_nodes(sp->lat, p); b; b = b->bnext) {
        if (b->surface != sp->sentence + p || p + b->length > sp->end ||
            b->length == sp->whole || !(may_be_part(b) || may_be_unknown_part(b)))
            continue;
        for (j = 0; j < n_cand; j++) /* one node per length: MeCab lists one per POS */
            if (cand[j]->length == b->length && cand[j]->stat == b->stat)
                break;
        if (j == n_cand && n_cand < 16)
            cand[n_cand++] = b;
    }
    /* known before unknown, then longest first */
    for (i = 1; i < n_cand; i++) {
        const mecab_node_t *c = cand[i];
        for (j = i; j > 0 && (cand[j - 1]->stat > c->stat ||
                              (cand[j - 1]->stat == c->stat && cand[j - 1]->length < c->length));
             j--)
            cand[j] = cand[j - 1];
        cand[j] = c;
    }
    for (i = 0; i < n_cand; i++) {
        size_t got;
        sp->parts[n] = cand[i];
        if ((got = cover(sp, p + cand[i]->length, n + 1)) != 0)
            return got;
    }
    return 0;
}

/*
 * The dictionary words a compound noun is made of, read off MeCab's lattice (as Kuromoji's
 * search mode does): parts that cover the compound exactly, known words preferred and long
 * ones first. Returns the number of parts (copied to parts), 0 when it does not split so.
 */
static size_t compound_parts(mecab_lattice_t *lat, const char *sentence,
                             const mecab_node_t *node, const mecab_node_t **parts)
{
    split sp;
    size_t n, i, known = 0, unknown = 0, short_kata = 0;
    if (!may_be_compound(node))
        return 0;
    sp.lat = lat;
    sp.sentence = sentence;
    sp.end = (size_t)(node->surface - sentence) + node->length;
    sp.whole = node->length;
    sp.steps = 0;
    n = cover(&sp, (size_t)(node->surface - sentence), 0);
    for (i = 0; i < n; i++) {
        const mecab_node_t *b = sp.parts[i];
        if (b->stat == MECAB_UNK_NODE)
            unknown++;
        else if (char_count(b->surface, b->length) >= 2)
            known++; /* affixes alone do not make a split */
        short_kata += b->stat == MECAB_NOR_NODE && all_katakana(b->surface, b->length) &&
                      char_count(b->surface, b->length) < 4;
        parts[i] = b;
    }
    /* Known words anchor the split; next to a run MeCab does not know, short katakana words
       are more likely pieces of a longer one (ヴァイ + オリン). */
    return n >= 2 && known > 0 && (unknown == 0 || short_kata == 0) ? n : 0;
}

/* Whether s holds a letter, digit, kana or kanji: anything but punctuation and symbols. */
static int has_word_char(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t clen = jkb__utf8_decode((const uint8_t *)s + i, len - i, &c);
        utf8proc_category_t cat;
        if (clen == 0)
            return 0;
        /* a kana or kanji letter, the start of most words, needs no category lookup */
        if ((c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
            (c >= 0x4E00 && c <= 0x9FFF))
            return 1;
        cat = utf8proc_category((utf8proc_int32_t)c);
        if (cat != UTF8PROC_CATEGORY_PC && cat != UTF8PROC_CATEGORY_PD &&
            cat != UTF8PROC_CATEGORY_PS && cat != UTF8PROC_CATEGORY_PE &&
            cat != UTF8PROC_CATEGORY_PI && cat != UTF8PROC_CATEGORY_PF &&
            cat != UTF8PROC_CATEGORY_PO && cat != UTF8PROC_CATEGORY_SM &&
            cat != UTF8PROC_CATEGORY_SC && cat != UTF8PROC_CATEGORY_SK &&
            cat != UTF8PROC_CATEGORY_SO && cat != UTF8PROC_CATEGORY_ZS)
            return 1;
        i += clen;
    }
    return 0;
}

/* Folds term and reports it at position pos, spanning pos_len positions. */
static int emit(jkb__analyzer *a, const char *term, size_t len, uint32_t pos, uint32_t pos_len,
                jkb__token_fn cb, void *payload)
{
    char folded[JKB__TERM_MAX];
    jkb__token tok;
    if (!has_word_char(term, len))
        return 0; /* "!" or "->" that MeCab did not tag as a symbol */
    tok.term_len = jkb__fold_term(a->dict, term, len, folded, sizeof folded);
    if (tok.term_len == 0)
        return 0;
    tok.term = folded;
    tok.pos = pos;
    tok.pos_len = pos_len;
    return cb(&tok, payload);
}

static int analyze_prefix(jkb__analyzer *a, int fold, uint32_t pos, jkb__token_fn cb,
                          void *payload, uint32_t *next_pos)
{
    const char *s = (const char *)a->norm.text.data;
    size_t b = 0, e = a->norm.text.len;
    char term[JKB__TERM_MAX];
    jkb__token tok;
    while (b < e && (s[b] == ' ' || s[b] == '\n'))
        b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n'))
        e--;
    if (next_pos)
        *next_pos = pos + (b < e);
    if (b == e)
        return 0;
    if (fold) {
        tok.term_len = jkb__fold_term(a->dict, s + b, e - b, term, sizeof term);
    } else {
        tok.term_len = e - b < sizeof term ? e - b : jkb__utf8_floor((const uint8_t *)s + b,
                                                                      sizeof term);
        memcpy(term, s + b, tok.term_len);
    }
    tok.term = term;
    tok.pos = pos;
    tok.pos_len = 1;
    return cb(&tok, payload);
}

int jkb__analyze(jkb__analyzer *a, jkb__mode mode, const char *text, size_t len,
                 uint32_t first_pos, jkb__token_fn cb, void *payload, uint32_t *next_pos)
{
    char *s;
    size_t start = 0, n;
    uint32_t pos = first_pos;
    int rc;

    if ((rc = jkb__normalize(&a->norm, (const uint8_t *)text, len)) != 0)
        return rc;
    if (mode == JKB__MODE_PREFIX || mode == JKB__MODE_WHOLE)
        return analyze_prefix(a, mode == JKB__MODE_WHOLE, pos, cb, payload, next_pos);

    s = (char *)a->norm.text.data;
    n = a->norm.text.len;
    while (start < n) {
        size_t end = chunk_end(s, start, n);
        char saved = s[end];
        const mecab_node_t *node;

        /* MeCab reads on past the length it is given: hand it a NUL-terminated chunk. */
        s[end] = '\0';
        mecab_lattice_set_sentence2(a->lattice, s + start, end - start);
        if (!mecab_parse_lattice(a->tagger, a->lattice)) {
            s[end] = saved;
            return JKB_ETOKENIZE;
        }
        s[end] = saved;
        for (node = mecab_lattice_get_bos_node(a->lattice); node; node = node->next) {
            const mecab_node_t *parts[PART_MAX];
            size_t tlen, n_parts, i;
            const char *term;
            if (node->stat != MECAB_NOR_NODE && node->stat != MECAB_UNK_NODE)
                continue;
            if (node->length == 0)
                continue;
            if (is_skipped_pos(node->feature)) {
                pos++; /* takes a position, so phrases match across it */
                continue;
            }
            /* A compound takes one position per part. A document has it whole, spanning
               them, and each part at its own; a query has the parts, which then meet the
               compound as well as the parts written apart (コンピュータ ウイルス). */
            n_parts = compound_parts(a->lattice, s + start, node, parts);
            if (n_parts && mode == JKB__MODE_DOCUMENT &&
                (rc = emit(a, node->surface, node->length, pos, (uint32_t)n_parts, cb,
                           payload)) != 0)
                return rc;
            for (i = 0; i < n_parts; i++) {
                rc = emit(a, parts[i]->surface, parts[i]->length, pos + (uint32_t)i, 1, cb,
                          payload);
                if (rc)
                    return rc;
            }
            if (n_parts) {
                pos += (uint32_t)n_parts;
                continue;
            }
            /* Verbs and adjectives go by their base form. A document keeps a surface of two
               or more characters too, at the same position: a query word alone is often read
               as a noun (片付け) where the text has the verb (片付ける). */
            term = base_form(node->feature, &tlen);
            if (term != NULL && mode == JKB__MODE_DOCUMENT &&
                char_count(node->surface, node->length) >= 2 &&
                (tlen != node->length || memcmp(term, node->surface, tlen) != 0) &&
                (rc = emit(a, node->surface, node->length, pos, 1, cb, payload)) != 0)
                return rc;
            if (term == NULL) {
                term = node->surface;
                tlen = node->length;
            }
            rc = emit(a, term, tlen, pos, 1, cb, payload);
            if (rc)
                return rc;
            pos++;
        }
        start = end;
    }
    if (next_pos)
        *next_pos = pos;
    return 0;
}
