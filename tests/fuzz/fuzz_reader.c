/*
 * libFuzzer target for the input readers: the bytes are a file read as a casebook archive
 * (FORMAT JKB_FORMAT_CASEBOOK) or as JSON Lines (JKB_FORMAT_JSONL), every document taken and
 * every field read through. A small maximum document size brings its checks into reach.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jikenbo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_input(void)
{
    unlink(path);
}

static size_t field_bytes(const jkb_doc *d)
{
    const char *const s[] = {d->id,   d->case_no, d->title, d->org,       d->label,
                             d->date, d->body,    d->url,   d->source_ref};
    size_t i, n = 0;
    for (i = 0; i < sizeof s / sizeof *s; i++)
        n += strlen(s[i]);
    for (i = 0; i < d->n_fields; i++)
        n += strlen(d->fields[i].name) + strlen(d->fields[i].value);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jkb_reader_options ro = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *doc;
    size_t total = 0;
    int fd;

    if (!*path) {
        snprintf(path, sizeof path, "/tmp/jikenbo-fuzz-%ld", (long)getpid());
        atexit(remove_input);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
        abort();
    close(fd);
    ro.format = FORMAT;
    ro.max_doc_bytes = 4096;
    if (jkb_reader_open(&r, path, &ro) == 0)
        while (jkb_reader_next(r, &doc) > 0)
            total += field_bytes(doc);
    jkb_reader_close(r);
    return total == SIZE_MAX; /* keeps the reads */
}
