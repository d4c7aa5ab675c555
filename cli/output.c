#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

json_t *cli_text(const char *s)
{
    json_t *j = json_string(s);
    char *copy, *p;
    if (j != NULL || (copy = strdup(s)) == NULL)
        return j ? j : json_string("");
    /* not UTF-8: echo it with every byte outside ASCII as "?" */
    for (p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

void cli_print_json(FILE *f, json_t *value)
{
    json_dumpf(value, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    fputc('\n', f);
}

int cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(f)) && (nc == NULL || *nc == '\0');
}

/* {"terms": [{"term": t, "fields": {"title": x, ...}, "total": y}], "proximity": p,
    "score": s}: the parts add up to the score. */
static json_t *explain_json(const jkb_hit *h)
{
    json_t *terms = json_array();
    size_t i;
    int f;
    for (i = 0; i < h->n_explain; i++) {
        json_t *fields = json_object();
        double total = 0;
        for (f = 0; f < JKB_FIELDS; f++) {
            if (h->explain[i].field[f] != 0)
                json_object_set_new(fields, jkb_field_name(f), json_real(h->explain[i].field[f]));
            total += h->explain[i].field[f];
        }
        json_array_append_new(terms, json_pack("{s:s,s:o,s:f}", "term", h->explain[i].term,
                                               "fields", fields, "total", total));
    }
    return json_pack("{s:o,s:f,s:f}", "terms", terms, "proximity", h->proximity, "score",
                     h->score);
}

void cli_print_results_json(FILE *f, const char *query, const jkb_results *res, double took_ms)
{
    json_t *hits = json_array(), *o;
    size_t i, j;
    char ref[128];
    for (i = 0; i < jkb_results_count(res); i++) {
        const jkb_hit *h = jkb_results_hit(res, i);
        json_t *hl = json_array(), *rel = json_array();
        for (j = 0; j < h->n_highlights; j++)
            json_array_append_new(hl, json_pack("[i,i]", (int)h->highlights[2 * j],
                                                (int)h->highlights[2 * j + 1]));
        for (j = 0; j < h->n_related; j++)
            json_array_append_new(rel, json_pack("{s:s,s:s,s:s,s:b}", "id", h->related[j].id,
                                                 "title", h->related[j].title, "date",
                                                 h->related[j].date, "matched",
                                                 h->related[j].matched));
        json_t *hit = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:o,s:o}", "id", h->id, "case",
                              h->case_no, "case_ref", cli_case_ref(ref, sizeof ref, h->case_no),
                              "title", h->title, "org", h->org, "date", h->date, "score",
                              h->score, "snippet", h->snippet, "highlights", hl, "related", rel);
        if (h->explain)
            json_object_set_new(hit, "explain", explain_json(h));
        json_array_append_new(hits, hit);
    }
    o = json_pack("{s:o,s:I,s:b,s:f,s:o}", "query", cli_text(query), "total",
                  (json_int_t)jkb_results_total(res), "total_exact",
                  jkb_results_total_exact(res), "took_ms", took_ms, "hits", hits);
    cli_print_json(f, o);
    json_decref(o);
}

/* Prints the snippet with the highlighted code point ranges in bold. */
static void print_snippet(FILE *f, const jkb_hit *h, int color)
{
    const unsigned char *s = (const unsigned char *)h->snippet;
    size_t cp = 0, k = 0;
    int bold = 0;
    for (; *s; s++) {
        if (color && (*s & 0xC0) != 0x80) { /* the first byte of character number cp */
            int in;
            while (k < h->n_highlights && cp >= h->highlights[2 * k] + h->highlights[2 * k + 1])
                k++;
            in = k < h->n_highlights && cp >= h->highlights[2 * k];
            if (in != bold) {
                fputs(in ? "\033[1m" : "\033[0m", f);
                bold = in;
            }
            cp++;
        }
        fputc(*s, f);
    }
    if (bold)
        fputs("\033[0m", f);
}

void cli_print_results(FILE *f, const jkb_results *res, int color)
{
    size_t i, j;
    char ref[128];
    fprintf(f, "%llu %s%s\n", (unsigned long long)jkb_results_total(res),
            jkb_results_total(res) == 1 ? "hit" : "hits",
            jkb_results_total_exact(res) ? "" : " or more");
    for (i = 0; i < jkb_results_count(res); i++) {
        const jkb_hit *h = jkb_results_hit(res, i);
        fputc('\n', f);
        if (*h->case_no)
            fputs(cli_case_ref(ref, sizeof ref, h->case_no), f);
        fprintf(f, "%s%s%s\n", color ? "\033[1m" : "", h->title, color ? "\033[0m" : "");
        fputs(" ", f);
        if (*h->org)
            fprintf(f, " %s ", h->org);
        if (*h->date)
            fprintf(f, " %s ", h->date);
        fprintf(f, " %s\n", h->id);
        fputs("  ", f);
        print_snippet(f, h, color);
        fputc('\n', f);
        if (h->explain) {
            fprintf(f, "  score %.4f =", h->score);
            for (j = 0; j < h->n_explain; j++) {
                int fld;
                for (fld = 0; fld < JKB_FIELDS; fld++)
                    if (h->explain[j].field[fld] != 0)
                        fprintf(f, " %s:%s %.4f +", jkb_field_name(fld), h->explain[j].term,
                                h->explain[j].field[fld]);
            }
            fprintf(f, " proximity %.4f\n", h->proximity);
        }
        for (j = 0; j < h->n_related; j++)
            fprintf(f, "  related: %s  %s  %s%s\n", *h->related[j].date ? h->related[j].date :
                                                                            "(no date)",
                    h->related[j].title, h->related[j].id, h->related[j].matched ? "  (matches)"
                                                                                 : "");
    }
}
