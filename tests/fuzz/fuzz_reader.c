/*
 * libFuzzer target for the input readers: the bytes are a file read as a casebook archive
 * (FORMAT JKB_FORMAT_CASEBOOK) or as JSON Lines (JKB_FORMAT_JSONL), every document taken and
 * every field read through. A small maximum document size brings its checks into reach. JSON
 * Lines are read twice, with and without the reading that bypasses jansson, and must give the
 * same documents and messages.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc_text.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_input(void)
{
    unlink(path);
}

static void on_warn(const char *file, uint64_t line, const char *msg, void *payload)
{
    int rc = 0;
    char at[32];
    (void)file;
    snprintf(at, sizeof at, "%llu: ", (unsigned long long)line);
    jkb__buf_put_str(&rc, payload, at);
    jkb__buf_put_str(&rc, payload, msg);
    jkb__buf_putc(&rc, payload, '\n');
}

/* Everything the reading gives, as text. */
static void read_as_text(jkb__buf *out)
{
    jkb_reader_options ro = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *d;
    int rc = 0;

    ro.format = FORMAT;
    ro.max_doc_bytes = 4096;
    ro.warn = on_warn;
    ro.warn_payload = out;
    if (jkb_reader_open(&r, path, &ro) == 0)
        while (jkb_reader_next(r, &d) > 0)
            doc_as_text(&rc, out, d);
    jkb_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jkb__buf fast = JKB__BUF_INIT, slow = JKB__BUF_INIT;
    int fd;

    if (!*path) {
        snprintf(path, sizeof path, "/tmp/jikenbo-fuzz-%ld", (long)getpid());
        atexit(remove_input);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    close(fd);
    read_as_text(&fast);
    if (FORMAT == JKB_FORMAT_JSONL) {
        jkb__jsonl_fast_path = 0;
        read_as_text(&slow);
        jkb__jsonl_fast_path = 1;
        if (fast.len != slow.len || (fast.len && memcmp(fast.data, slow.data, fast.len) != 0))
            abort(); /* the two readings differ */
    }
    jkb__buf_fin(&fast);
    jkb__buf_fin(&slow);
    return 0;
}
