/* The jikenbo command: shared pieces of its subcommands. */
#ifndef JKB_CLI_CLI_H
#define JKB_CLI_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "jikenbo.h"

/* Exit statuses (SPEC 5). */
enum {
    EXIT_OK = 0,
    EXIT_SKIPPED = 1,
    EXIT_USAGE = 2,
    EXIT_INDEX = 3,
    EXIT_NOTFOUND = 4
};

/* Maps a library error code to the exit status. */
int cli_exit_status(int code);

/* Prints a one-line error on stderr: as the JSON error object when json is set. */
void cli_error(int json, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The error code name for a library error ("index_error", "not_found" ...). */
const char *cli_error_code(int code);

/* The reference 【セキュリティ事件簿#CASE】 into buf, or "" without a case. */
const char *cli_case_ref(char *buf, size_t cap, const char *case_no);

/* The document object of SPEC 4.1. */
json_t *cli_doc_json(const jkb_doc *doc);

/* Whether to print bold: f is a terminal and NO_COLOR is unset. */
int cli_use_color(FILE *f);

/* The search result object of SPEC 4.1 as one line. */
void cli_print_results_json(FILE *f, const char *query, const jkb_results *res, double took_ms);

/* One block per hit, matches in bold when color. */
void cli_print_results(FILE *f, const jkb_results *res, int color);

/* A JSON string of s; text that is not UTF-8 (a query as typed) has its other bytes as "?". */
json_t *cli_text(const char *s);

/* Prints value as one line of JSON on f. */
void cli_print_json(FILE *f, json_t *value);

#endif
