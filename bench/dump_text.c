/*
 * Prints the title and body of every document of an input file, one after the other: the
 * text the mecab command analyses as the baseline of index build speed.
 *
 * usage: dump_text FILE > text
 */
#include "bench_common.h"

int main(int argc, char **argv)
{
    jkb_reader *r;
    const jkb_doc *d;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: dump_text FILE\n");
        return 2;
    }
    if (jkb_reader_open(&r, argv[1], NULL) != 0) {
        fprintf(stderr, "%s\n", jkb_reader_errmsg(r));
        return 1;
    }
    while ((rc = jkb_reader_next(r, &d)) > 0)
        printf("%s\n%s\n", d->title, d->body);
    jkb_reader_close(r);
    return rc < 0;
}
