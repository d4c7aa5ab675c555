#include <stdarg.h>
#include <string.h>

#include "cli.h"

int cli_exit_status(int code)
{
    switch (code) {
    case JKB_OK:
        return EXIT_OK;
    case JKB_EINVAL:
    case JKB_EQUERY:
        return EXIT_USAGE;
    case JKB_ENOTFOUND:
        return EXIT_NOTFOUND;
    case JKB_EINPUT:
        return EXIT_SKIPPED;
    default:
        return EXIT_INDEX;
    }
}

const char *cli_error_code(int code)
{
    switch (code) {
    case JKB_EINVAL:
        return "usage";
    case JKB_EQUERY:
        return "malformed_query";
    case JKB_ENOTFOUND:
        return "not_found";
    case JKB_EVERSION:
        return "index_version";
    case JKB_EANALYZER:
        return "analyzer_mismatch";
    case JKB_ECORRUPT:
        return "index_corrupt";
    case JKB_EFULL:
        return "disk_full";
    case JKB_EINPUT:
        return "input_skipped";
    default:
        return "index_error";
    }
}

void cli_error(int json, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json) {
        json_t *e = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
        cli_print_json(stderr, e);
        json_decref(e);
    } else {
        fprintf(stderr, "jikenbo: %s\n", msg);
    }
}

const char *cli_case_ref(char *buf, size_t cap, const char *case_no)
{
    if (case_no == NULL || *case_no == '\0')
        return "";
    snprintf(buf, cap, "【セキュリティ事件簿#%s】", case_no);
    return buf;
}

json_t *cli_doc_json(const jkb_doc *doc)
{
    char ref[128];
    json_t *fields = json_object(), *o;
    size_t i;
    if (*doc->url)
        json_object_set_new(fields, "url", json_string(doc->url));
    for (i = 0; i < doc->n_fields; i++)
        json_object_set_new(fields, doc->fields[i].name, json_string(doc->fields[i].value));
    o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", doc->id, "case",
                  doc->case_no, "case_ref", cli_case_ref(ref, sizeof ref, doc->case_no), "title",
                  doc->title, "org", doc->org, "label", doc->label, "date", doc->date, "body",
                  doc->body, "source_ref", doc->source_ref, "fields", fields);
    return o;
}

void cli_print_json(FILE *f, json_t *value)
{
    json_dumpf(value, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    fputc('\n', f);
}
