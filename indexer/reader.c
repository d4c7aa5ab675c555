/* Opening input, reading lines from plain or gzip-compressed files, and dispatching to the
   format's parser. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "utf8.h"

#define READ_CHUNK (1 << 16)

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int jkb_reader_open(jkb_reader **out, const char *path, const jkb_reader_options *opts)
{
    static const jkb_reader_options defaults = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;

    *out = NULL;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return JKB_ENOMEM;
    *out = r;
    r->opts = opts ? *opts : defaults;
    if (r->opts.max_doc_bytes == 0)
        r->opts.max_doc_bytes = JKB_DEFAULT_MAX_DOC_BYTES;
    jkb__docb_reset(&r->doc);
    if ((r->path = strdup(path)) == NULL || (r->in = malloc(READ_CHUNK)) == NULL)
        return JKB_ENOMEM;
    r->name = strcmp(path, "-") == 0 ? "<stdin>" : base_name(r->path);
    /* gzip input is inflated; anything else is read as it is. */
    r->gz = strcmp(path, "-") == 0 ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path, "rb");
    if (r->gz == NULL) {
        snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", path,
                 errno ? strerror(errno) : "cannot open");
        return errno == ENOENT ? JKB_ENOTFOUND : JKB_EIO;
    }
    gzbuffer(r->gz, 1 << 17);
    r->format = r->opts.format;
    if (r->format == JKB_FORMAT_AUTO && (ends_with(path, ".jsonl") || ends_with(path, ".json") ||
                                         ends_with(path, ".ndjson") ||
                                         ends_with(path, ".jsonl.gz") ||
                                         ends_with(path, ".ndjson.gz")))
        r->format = JKB_FORMAT_JSONL;
    return 0;
}

void jkb_reader_close(jkb_reader *r)
{
    if (r == NULL)
        return;
    if (r->gz)
        gzclose(r->gz);
    free(r->path);
    free(r->in);
    jkb__buf_fin(&r->line);
    jkb__buf_fin(&r->scratch);
    jkb__docb_fin(&r->doc);
    jkb__archive_fin(&r->archive);
    jkb__buf_fin(&r->ids);
    jkb__strmap_fin(&r->id_map);
    free(r->id_offs);
    free(r);
}

uint64_t jkb_reader_skipped(const jkb_reader *r)
{
    return r->skipped;
}

uint64_t jkb_reader_bytes(const jkb_reader *r)
{
    return r->bytes;
}

const char *jkb_reader_errmsg(const jkb_reader *r)
{
    return r ? r->errmsg : "out of memory";
}

void jkb__reader_warn(jkb_reader *r, uint64_t line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (r->opts.warn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->opts.warn(r->name, line, msg, r->opts.warn_payload);
}

static int fill(jkb_reader *r)
{
    int n;
    if (r->eof)
        return 0;
    n = gzread(r->gz, r->in, READ_CHUNK);
    if (n < 0) {
        int zerr;
        const char *msg = gzerror(r->gz, &zerr);
        r->io_error = 1;
        snprintf(r->errmsg, sizeof r->errmsg, "%s: %s", r->name,
                 zerr == Z_BUF_ERROR ? "compressed input is cut short" : msg);
        return JKB_EIO;
    }
    if (n == 0) {
        int zerr;
        gzerror(r->gz, &zerr);
        r->eof = 1;
        /* gzread reports a truncated stream as end of input with Z_BUF_ERROR pending. */
        if (zerr == Z_BUF_ERROR) {
            r->io_error = 1;
            snprintf(r->errmsg, sizeof r->errmsg, "%s: compressed input is cut short", r->name);
            return JKB_EIO;
        }
        return 0;
    }
    r->in_len = (size_t)n;
    r->in_pos = 0;
    r->bytes += (size_t)n;
    return 1;
}

int jkb__reader_getline(jkb_reader *r)
{
    size_t cap = r->opts.max_doc_bytes * 2 + (1 << 16); /* room for JSON escapes */
    int rc = 0, got = 0;

    if (r->io_error)
        return JKB_EIO;
    r->line.len = 0;
    r->line_too_long = 0;
    for (;;) {
        uint8_t *nl;
        size_t n;
        if (r->in_pos == r->in_len) {
            int f = fill(r);
            if (f < 0)
                return f;
            if (f == 0) {
                if (!got)
                    return 0;
                break; /* last line without a newline */
            }
        }
        got = 1;
        nl = memchr(r->in + r->in_pos, '\n', r->in_len - r->in_pos);
        n = (nl ? (size_t)(nl - r->in) : r->in_len) - r->in_pos;
        if (r->line.len + n > cap)
            r->line_too_long = 1;
        else
            jkb__buf_put(&rc, &r->line, r->in + r->in_pos, n);
        if (rc)
            return rc;
        r->in_pos += n + (nl != NULL);
        if (nl)
            break;
    }
    r->lineno++;
    if (r->line.len > 0 && r->line.data[r->line.len - 1] == '\r')
        r->line.len--;
    if (r->lineno == 1 && r->line.len >= 3 && memcmp(r->line.data, "\xEF\xBB\xBF", 3) == 0) {
        memmove(r->line.data, r->line.data + 3, r->line.len - 3);
        r->line.len -= 3;
    }
    jkb__buf_terminate(&rc, &r->line);
    return rc ? rc : 1;
}

void jkb__derive_id(int *rc, jkb__buf *out, const char *case_no, const char *title,
                    const char *date)
{
    char hex[16];
    uLong crc = crc32(0, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)case_no, (uInt)strlen(case_no) + 1);
    crc = crc32(crc, (const Bytef *)title, (uInt)strlen(title) + 1);
    crc = crc32(crc, (const Bytef *)date, (uInt)strlen(date));
    snprintf(hex, sizeof hex, "-%08lx", (unsigned long)crc);
    out->len = 0;
    jkb__buf_put_str(rc, out, *case_no ? case_no : "doc");
    jkb__buf_put_str(rc, out, hex);
}

static const char *id_key(const void *ctx, uint32_t v, size_t *len)
{
    const jkb_reader *r = ctx;
    const char *s = (const char *)r->ids.data + r->id_offs[v];
    *len = strlen(s);
    return s;
}

void jkb__reader_unique_id(int *rc, jkb_reader *r, jkb__buf *id)
{
    size_t base = id->len, off;
    unsigned k;
    uint32_t found;
    if (*rc)
        return;
    for (k = 2;; k++) {
        if (!jkb__strmap_find(&r->id_map, (const char *)id->data, id->len,
                              jkb__hash((const char *)id->data, id->len), id_key, r, &found))
            break;
        char suffix[16];
        snprintf(suffix, sizeof suffix, "-%u", k);
        id->len = base;
        jkb__buf_put_str(rc, id, suffix);
        if (*rc)
            return;
    }
    JKB__RESERVE(*rc, r->id_offs, r->ids_cap, r->n_ids);
    off = r->ids.len;
    jkb__buf_put(rc, &r->ids, id->data, id->len);
    jkb__buf_putc(rc, &r->ids, 0);
    if (*rc)
        return;
    r->id_offs[r->n_ids] = off;
    *rc = jkb__strmap_insert(&r->id_map, jkb__hash((const char *)id->data, id->len),
                             (uint32_t)r->n_ids);
    r->n_ids++;
}

/* How many of the first bytes tell text from binary data. */
#define SNIFF_BYTES 8192

/* Whether the first bytes are mostly NUL bytes or invalid UTF-8: binary data, or text in
   another encoding (Shift_JIS), which line-by-line messages would only bury. */
static int looks_binary(const uint8_t *s, size_t len, unsigned *percent)
{
    size_t i = 0, bad = 0, n;
    uint32_t cp;
    if (len > SNIFF_BYTES)
        len = SNIFF_BYTES;
    while (i + 4 <= len) { /* the last bytes may be a character cut by the buffer */
        n = s[i] ? jkb__utf8_decode(s + i, len - i, &cp) : 0;
        bad += n == 0;
        i += n ? n : 1;
    }
    *percent = i ? (unsigned)(bad * 100 / i) : 0;
    return bad >= 4 && bad * 8 > i;
}

/* Looks at the first bytes, without consuming them: binary input is refused; with the
   format left to detect, JSON Lines start with "{" (after a BOM and blanks). */
static int sniff(jkb_reader *r)
{
    size_t i = 0;
    unsigned percent;
    int f = fill(r);
    if (f <= 0)
        return f;
    if (looks_binary(r->in, r->in_len, &percent)) {
        snprintf(r->errmsg, sizeof r->errmsg,
                 "%s: not UTF-8 text (%u%% of its first bytes are NUL or invalid UTF-8: "
                 "binary data, or another encoding such as Shift_JIS)", r->name, percent);
        return JKB_EINPUT;
    }
    if (r->format != JKB_FORMAT_AUTO)
        return 0;
    if (r->in_len >= 3 && memcmp(r->in, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < r->in_len && strchr(" \t\r\n", r->in[i]) != NULL && r->in[i] != 0)
        i++;
    r->format = i < r->in_len && r->in[i] == '{' ? JKB_FORMAT_JSONL : JKB_FORMAT_CASEBOOK;
    return 0;
}

int jkb_reader_next(jkb_reader *r, const jkb_doc **out)
{
    int rc;
    *out = NULL;
    if (!r->sniffed) {
        r->sniffed = 1;
        if ((rc = sniff(r)) != 0)
            return rc;
    }
    if (r->format == JKB_FORMAT_AUTO)
        return 0; /* nothing but blanks */
    return r->format == JKB_FORMAT_JSONL ? jkb__jsonl_next(r, out) : jkb__archive_next(r, out);
}
