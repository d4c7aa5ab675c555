/* libFuzzer target for the query parser: any bytes as a query, then completion and
   relaxation of what parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static jkb__dict *dict;
static jkb__analyzer *analyzer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jkb__query q;
    jkb__err err;
    long offset;
    char *text;

    if (analyzer == NULL && (jkb__dict_open(&dict, NULL, NULL, &err) != 0 ||
                             jkb__analyzer_new(&analyzer, dict, &err) != 0))
        abort(); /* MeCab's dictionary is missing */
    if ((text = malloc(size + 1)) == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&q, 0, sizeof q);
    memset(&err, 0, sizeof err);
    if (jkb__query_parse(&q, analyzer, text, &err, &offset) == 0) {
        jkb__query_complete_last(&q);
        jkb__query_relax(&q, JKB__MATCH_PREFIX, 10);
    } else if (offset < -1 || (size_t)offset > size) {
        abort(); /* an error offset outside the query */
    }
    jkb__query_fin(&q);
    free(text);
    return 0;
}
