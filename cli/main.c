/*
 * jikenbo — the command-line program: parses arguments, runs a subcommand through the
 * public API, prints its result, and owns the exit status (SPEC 5).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

typedef struct global {
    const char *db;
    jkb_options opts;
    int json;
} global;

static const char usage_text[] =
    "usage: jikenbo [-d DIR] COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "commands:\n"
    "  index [--format auto|casebook|jsonl] [--strict] [--max-doc-bytes N] [--threads N]\n"
    "        [--memory MB] [--commit-every N] [--log-commits] FILE...\n"
    "                      add or replace the documents of each FILE (- for stdin; .gz is read);\n"
    "                      analysis on N threads (default: one per core); memory within MB\n"
    "                      megabytes (default 512), a commit each time the buffered changes\n"
    "                      fill their share and, with --commit-every, every N documents;\n"
    "                      --log-commits prints a line as each commit lands\n"
    "  delete ID...        delete documents\n"
    "  search [-n N] [--offset N] [--no-group] [--complete] [--explain]\n"
    "         [--weights title=3,label=1.5,body=1,org=1] [--batch FILE] QUERY...\n"
    "                      ranked releases with snippets, one hit per case unless --no-group;\n"
    "                      --complete takes the last word as partial (a search box);\n"
    "                      --explain shows what each term and proximity add to the score\n"
    "  suggest [-n N] TEXT...  completions of the last word, most frequent first\n"
    "  show ID             print a stored document\n"
    "  case CASE           every release of a case (2024-217), oldest first\n"
    "  stats               documents, terms, bytes per table, analyzer, format version\n"
    "  check               verify the index's invariants (status 3 when one fails)\n"
    "  compact DIR         write a copy of the index into DIR with its pages full\n"
    "\n"
    "options for every command:\n"
    "  -d DIR              the index (default: $JIKENBO_DB or ./jikenbo.db)\n"
    "  --json              machine-readable output (errors too, on stderr)\n"
    "  --dicdir DIR        MeCab IPADIC UTF-8 dictionary (default " JKB_DEFAULT_DICDIR ")\n"
    "  --ignore-analyzer   open an index built with another analyzer\n"
    "\n"
    "exit status: 0 ok, 1 some input skipped, 2 usage or query error, 3 index error,\n"
    "4 no such document or case\n";

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_count(const char *s, size_t *out);

static int usage_error(const global *g, const char *msg)
{
    cli_error(g->json, "usage", "%s (see jikenbo --help)", msg);
    return EXIT_USAGE;
}

/* Opens the index or reports why not. */
static int open_index(const global *g, jkb_index **ix, int write)
{
    jkb_options o = g->opts;
    int rc;
    o.readonly = !write;
    o.create = write;
    rc = jkb_index_open(ix, g->db, &o);
    if (rc) {
        cli_error(g->json, cli_error_code(rc), "%s: %s", g->db, *jkb_index_errmsg(*ix)
                                                                   ? jkb_index_errmsg(*ix)
                                                                   : jkb_strerror(rc));
        jkb_index_close(*ix);
        *ix = NULL;
        return rc == JKB_EINVAL ? EXIT_USAGE : EXIT_INDEX;
    }
    return EXIT_OK;
}

/* ---- index ---- */

typedef struct index_run {
    const global *g;
    uint64_t docs;
    uint64_t skipped;
    uint64_t bytes;
    double started;
    double last_progress;
    int progress;
    uint64_t committed;    /* documents the index has committed in this run */
    uint64_t commit_every; /* 0: commits only when memory is full */
} index_run;

/* Printed as each commit lands, unbuffered: a process that is killed later still has told
   what is safe. */
static void log_commit(void *payload, uint64_t changes)
{
    index_run *run = payload;
    run->committed += changes;
    if (run->g->json)
        printf("{\"committed\":%llu}\n", (unsigned long long)run->committed);
    else
        printf("committed %llu documents\n", (unsigned long long)run->committed);
    fflush(stdout);
}

static void on_warn(const char *file, uint64_t line, const char *msg, void *payload)
{
    index_run *run = payload;
    if (run->progress)
        fputs("\r\033[K", stderr);
    if (line)
        fprintf(stderr, "jikenbo: %s:%llu: %s\n", file, (unsigned long long)line, msg);
    else
        fprintf(stderr, "jikenbo: %s: %s\n", file, msg);
}

static void show_progress(index_run *run, uint64_t file_bytes)
{
    double t = now_seconds();
    if (!run->progress || t - run->last_progress < 0.5)
        return;
    run->last_progress = t;
    fprintf(stderr, "\r\033[K%llu documents, %.1f MB, %.1f s", (unsigned long long)run->docs,
            (double)(run->bytes + file_bytes) / 1e6, t - run->started);
}

static int index_file(index_run *run, jkb_index *ix, const char *path, jkb_format format,
                      size_t max_doc_bytes)
{
    jkb_reader_options ro = JKB_READER_OPTIONS_INIT;
    jkb_reader *r;
    const jkb_doc *doc;
    uint64_t docs_before = run->docs;
    int rc;

    ro.format = format;
    ro.max_doc_bytes = max_doc_bytes;
    ro.warn = on_warn;
    ro.warn_payload = run;
    if ((rc = jkb_reader_open(&r, path, &ro)) != 0) {
        cli_error(run->g->json, "input_skipped", "%s", jkb_reader_errmsg(r));
        jkb_reader_close(r);
        run->skipped++;
        return 0;
    }
    while ((rc = jkb_reader_next(r, &doc)) > 0) {
        int irc = jkb_index_add(ix, doc);
        if (irc == JKB_EINPUT) {
            on_warn(path, 0, jkb_index_errmsg(ix), run);
            run->skipped++;
            continue;
        }
        if (irc == 0) {
            run->docs++;
            if (run->commit_every && run->docs % run->commit_every == 0)
                irc = jkb_index_commit(ix);
        }
        if (irc) { /* the index failed, not the input */
            cli_error(run->g->json, cli_error_code(irc), "%s", jkb_index_errmsg(ix));
            jkb_reader_close(r);
            return irc;
        }
        show_progress(run, jkb_reader_bytes(r));
    }
    run->bytes += jkb_reader_bytes(r);
    run->skipped += jkb_reader_skipped(r);
    if (rc < 0) {
        cli_error(run->g->json, "input_skipped", "%s; %s", jkb_reader_errmsg(r),
                  rc == JKB_EINPUT ? "file skipped" : "the rest of this file is skipped");
        run->skipped++;
    } else if (run->docs == docs_before && jkb_reader_skipped(r) == 0) {
        on_warn(path, 0, "no documents in this file", run);
        run->skipped++;
    }
    jkb_reader_close(r);
    return 0;
}

static int cmd_index(global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"strict", no_argument, NULL, 's'},
        {"max-doc-bytes", required_argument, NULL, 'm'},
        {"threads", required_argument, NULL, 't'},
        {"memory", required_argument, NULL, 'M'},
        {"commit-every", required_argument, NULL, 'c'},
        {"log-commits", no_argument, NULL, 'l'},
        {NULL, 0, NULL, 0},
    };
    jkb_format format = JKB_FORMAT_AUTO;
    size_t max_doc_bytes = 0, commit_every = 0;
    int strict = 0, log_commits = 0, c, i, rc, status;
    index_run run;
    jkb_index *ix;
    double secs;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "auto") == 0)
                format = JKB_FORMAT_AUTO;
            else if (strcmp(optarg, "casebook") == 0)
                format = JKB_FORMAT_CASEBOOK;
            else if (strcmp(optarg, "jsonl") == 0)
                format = JKB_FORMAT_JSONL;
            else
                return usage_error(g, "--format takes auto, casebook or jsonl");
            break;
        case 's':
            strict = 1;
            break;
        case 'm': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || v == 0)
                return usage_error(g, "--max-doc-bytes takes a positive number of bytes");
            max_doc_bytes = (size_t)v;
            break;
        }
        case 't': {
            size_t n;
            if (parse_count(optarg, &n) || n < 1 || n > 64)
                return usage_error(g, "--threads takes a number from 1 to 64");
            g->opts.threads = (unsigned)n;
            break;
        }
        case 'M': {
            size_t mb;
            if (parse_count(optarg, &mb) || mb < 16 || mb > 1000000)
                return usage_error(g, "--memory takes megabytes, 16 or more");
            g->opts.batch_bytes = mb << 20;
            break;
        }
        case 'c':
            if (parse_count(optarg, &commit_every) || commit_every < 1)
                return usage_error(g, "--commit-every takes a positive number of documents");
            break;
        case 'l':
            log_commits = 1;
            break;
        default:
            return usage_error(g, "unknown option to index");
        }
    }
    if (optind >= argc)
        return usage_error(g, "index needs at least one FILE");
    if (g->opts.threads == 0) { /* by default, one analysis thread per core */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        g->opts.threads = cores > 1 ? (unsigned)(cores > 64 ? 64 : cores) : 1;
    }

    if (strict)
        g->opts.batch_bytes = SIZE_MAX; /* one transaction for the whole run */
    if ((status = open_index(g, &ix, 1)) != EXIT_OK)
        return status;
    memset(&run, 0, sizeof run);
    run.g = g;
    run.started = now_seconds();
    run.progress = isatty(STDERR_FILENO) && !g->json;
    run.commit_every = strict ? 0 : commit_every;
    if (log_commits)
        jkb_index_on_commit(ix, log_commit, &run);
    for (i = optind; i < argc; i++) {
        if ((rc = index_file(&run, ix, argv[i], format, max_doc_bytes)) != 0) {
            jkb_index_close(ix);
            return cli_exit_status(rc);
        }
    }
    if (run.progress)
        fputs("\r\033[K", stderr);
    if (strict && run.skipped) {
        jkb_index_rollback(ix);
        cli_error(g->json, "input_skipped", "%llu input records skipped; --strict: nothing "
                  "from this run was committed", (unsigned long long)run.skipped);
        jkb_index_close(ix);
        return EXIT_SKIPPED;
    }
    if ((rc = jkb_index_commit(ix)) != 0) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return EXIT_INDEX;
    }
    jkb_index_close(ix);
    secs = now_seconds() - run.started;
    if (g->json) {
        json_t *o = json_pack("{s:I,s:I,s:f,s:I}", "documents", (json_int_t)run.docs, "bytes",
                              (json_int_t)run.bytes, "seconds", secs, "skipped",
                              (json_int_t)run.skipped);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("indexed %llu documents (%.1f MB) in %.2f s", (unsigned long long)run.docs,
               (double)run.bytes / 1e6, secs);
        if (run.skipped)
            printf(", %llu skipped", (unsigned long long)run.skipped);
        putchar('\n');
    }
    return run.skipped ? EXIT_SKIPPED : EXIT_OK;
}

/* ---- search ---- */

typedef struct search_args {
    jkb_search_options opts;
    const char *batch;
} search_args;

static int parse_count(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    if (*s < '0' || *s > '9')
        return -1;
    v = strtoull(s, &end, 10);
    if (*end || v > 1000000)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* "title=3,body=1": the fields not named keep their default weight. */
static int parse_weights(const char *s, double *w)
{
    static const double defaults[JKB_FIELDS] = {3.0, 1.5, 1.0, 1.0};
    int f;
    for (f = 0; f < JKB_FIELDS; f++)
        w[f] = defaults[f];
    while (*s) {
        size_t n = strcspn(s, "=");
        char *end;
        double v;
        for (f = 0; f < JKB_FIELDS; f++)
            if (strlen(jkb_field_name(f)) == n && strncmp(s, jkb_field_name(f), n) == 0)
                break;
        if (f == JKB_FIELDS || s[n] != '=')
            return -1;
        v = strtod(s + n + 1, &end);
        if (end == s + n + 1 || v < 0 || v > 100 || (*end && *end != ','))
            return -1;
        w[f] = v;
        s = *end ? end + 1 : end;
    }
    return 0;
}

/* The words joined by single spaces (malloc'd), or NULL. */
static char *join_words(int n, char **words)
{
    size_t len = 1;
    int i;
    char *s;
    for (i = 0; i < n; i++)
        len += strlen(words[i]) + 1;
    if ((s = malloc(len)) == NULL)
        return NULL;
    s[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i > 0)
            strcat(s, " ");
        strcat(s, words[i]);
    }
    return s;
}

/* Runs one query and prints its result; returns the exit status. */
static int run_query(const global *g, jkb_index *ix, const char *query,
                     const jkb_search_options *opts, int batch)
{
    jkb_results *res;
    double t0 = now_seconds(), ms;
    int rc = jkb_search(ix, query, opts, &res);
    ms = (now_seconds() - t0) * 1000;
    if (rc) {
        const char *code = cli_error_code(rc);
        if (g->json || batch) {
            json_t *err = json_pack("{s:s,s:s}", "code", code, "message", jkb_index_errmsg(ix));
            if (jkb_index_erroffset(ix) >= 0)
                json_object_set_new(err, "offset", json_integer(jkb_index_erroffset(ix)));
            if (batch) { /* keep one line per query on stdout */
                json_t *o = json_pack("{s:o,s:o}", "query", cli_text(query), "error", err);
                cli_print_json(stdout, o);
                json_decref(o);
            } else {
                json_t *o = json_pack("{s:o}", "error", err);
                cli_print_json(stderr, o);
                json_decref(o);
            }
        } else {
            cli_error(0, code, "%s", jkb_index_errmsg(ix));
        }
        return cli_exit_status(rc);
    }
    if (g->json || batch)
        cli_print_results_json(stdout, query, res, ms);
    else
        cli_print_results(stdout, res, cli_use_color(stdout));
    jkb_results_free(res);
    return EXIT_OK;
}

static int run_batch(const global *g, jkb_index *ix, const char *path,
                     const jkb_search_options *opts)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int status = EXIT_OK;
    if (f == NULL) {
        cli_error(g->json, "usage", "%s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        int st;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        st = run_query(g, ix, line, opts, 1);
        if (st > status && st != EXIT_USAGE)
            status = st;
        fflush(stdout);
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return status;
}

static int cmd_search(global *g, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"offset", required_argument, NULL, 'o'},
        {"batch", required_argument, NULL, 'b'},
        {"no-group", no_argument, NULL, 'g'},
        {"limit", required_argument, NULL, 'n'},
        {"complete", no_argument, NULL, 'c'},
        {"explain", no_argument, NULL, 'e'},
        {"weights", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    static const jkb_search_options defaults = JKB_SEARCH_OPTIONS_INIT;
    search_args a;
    jkb_index *ix;
    char *query;
    int c, status;

    a.opts = defaults;
    a.batch = NULL;
    optind = 1;
    /* "+": options end at the first query word, which may start with '-' */
    while ((c = getopt_long(argc, argv, "+n:", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_count(optarg, &a.opts.limit) || a.opts.limit == 0)
                return usage_error(g, "-n takes a number of hits from 1 to 1000000");
            break;
        case 'o':
            if (parse_count(optarg, &a.opts.offset))
                return usage_error(g, "--offset takes a number");
            break;
        case 'b':
            a.batch = optarg;
            break;
        case 'g':
            a.opts.no_group = 1;
            break;
        case 'c':
            a.opts.complete = 1;
            break;
        case 'e':
            a.opts.explain = 1;
            break;
        case 'w':
            if (parse_weights(optarg, a.opts.weights))
                return usage_error(g, "--weights takes FIELD=WEIGHT,... (title, label, body, "
                                      "org; weights from 0 to 100)");
            break;
        default:
            return usage_error(g, "unknown option to search");
        }
    }
    if (a.batch == NULL && optind >= argc)
        return usage_error(g, "search needs a QUERY (or --batch FILE)");
    if (a.batch != NULL && optind < argc)
        return usage_error(g, "search takes a QUERY or --batch FILE, not both");
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    if (a.batch) {
        status = run_batch(g, ix, a.batch, &a.opts);
    } else if ((query = join_words(argc - optind, argv + optind)) == NULL) {
        status = EXIT_INDEX;
    } else {
        status = run_query(g, ix, query, &a.opts, 0);
        free(query);
    }
    jkb_index_close(ix);
    return status;
}

static int cmd_suggest(global *g, int argc, char **argv)
{
    jkb_suggestion sug[100];
    size_t limit = 10, n, i, keep;
    jkb_index *ix;
    char *text, *last;
    int c, rc, status;

    optind = 1;
    while ((c = getopt(argc, argv, "+n:")) != -1) {
        if (c != 'n' || parse_count(optarg, &limit) || limit == 0 || limit > 100)
            return usage_error(g, "suggest takes -n N (1 to 100) and the text to complete");
    }
    if (optind >= argc)
        return usage_error(g, "suggest needs the text to complete");
    if ((text = join_words(argc - optind, argv + optind)) == NULL)
        return EXIT_INDEX;
    /* complete the last word; the words before it stay as they are */
    last = strrchr(text, ' ');
    last = last ? last + 1 : text;
    keep = (size_t)(last - text);
    if ((status = open_index(g, &ix, 0)) != EXIT_OK) {
        free(text);
        return status;
    }
    rc = jkb_suggest(ix, last, sug, limit, &n);
    if (rc) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        status = cli_exit_status(rc);
    } else if (g->json) {
        json_t *list = json_array(), *o;
        for (i = 0; i < n; i++) {
            json_t *q = json_sprintf("%.*s%s", (int)keep, text, sug[i].term);
            json_array_append_new(list, json_pack("{s:s,s:I,s:o}", "term", sug[i].term, "df",
                                                  (json_int_t)sug[i].df, "query", q));
        }
        o = json_pack("{s:o,s:o}", "prefix", cli_text(text), "suggestions", list);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        for (i = 0; i < n; i++)
            printf("%.*s%s\t%llu\n", (int)keep, text, sug[i].term,
                   (unsigned long long)sug[i].df);
    }
    free(text);
    jkb_index_close(ix);
    return status;
}

/* ---- delete, show, case, stats ---- */

static int cmd_delete(global *g, int argc, char **argv)
{
    jkb_index *ix;
    json_t *deleted = json_array(), *missing = json_array();
    int i, rc, status;
    if (argc < 2)
        return usage_error(g, "delete needs at least one ID");
    if ((status = open_index(g, &ix, 1)) != EXIT_OK)
        return status;
    for (i = 1; i < argc; i++) {
        rc = jkb_index_delete(ix, argv[i]);
        if (rc == JKB_ENOTFOUND) {
            cli_error(g->json, "not_found", "%s", jkb_index_errmsg(ix));
            json_array_append_new(missing, json_string(argv[i]));
        } else if (rc) {
            cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
            status = EXIT_INDEX;
            goto out;
        } else {
            json_array_append_new(deleted, json_string(argv[i]));
        }
    }
    if ((rc = jkb_index_commit(ix)) != 0) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        status = EXIT_INDEX;
        goto out;
    }
    if (g->json) {
        json_t *o = json_pack("{s:O,s:O}", "deleted", deleted, "missing", missing);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("deleted %zu document%s\n", json_array_size(deleted),
               json_array_size(deleted) == 1 ? "" : "s");
    }
    status = json_array_size(missing) ? EXIT_NOTFOUND : EXIT_OK;
out:
    json_decref(deleted);
    json_decref(missing);
    jkb_index_close(ix);
    return status;
}

static int cmd_show(global *g, int argc, char **argv)
{
    jkb_index *ix;
    const jkb_doc *doc;
    int rc, status;
    char ref[128];
    size_t i;

    if (argc != 2)
        return usage_error(g, "show takes one ID");
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    rc = jkb_index_get(ix, argv[1], &doc);
    if (rc) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return cli_exit_status(rc);
    }
    if (g->json) {
        json_t *o = cli_doc_json(doc);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        if (*doc->case_no)
            printf("%s\n", cli_case_ref(ref, sizeof ref, doc->case_no));
        printf("%s\n", doc->title);
        printf("id: %s\n", doc->id);
        if (*doc->org)
            printf("org: %s\n", doc->org);
        if (*doc->label)
            printf("label: %s\n", doc->label);
        if (*doc->date)
            printf("date: %s\n", doc->date);
        if (*doc->url)
            printf("url: %s\n", doc->url);
        for (i = 0; i < doc->n_fields; i++)
            printf("%s: %s\n", doc->fields[i].name, doc->fields[i].value);
        printf("source: %s\n\n%s\n", doc->source_ref, doc->body);
    }
    jkb_index_close(ix);
    return EXIT_OK;
}

typedef struct case_walk {
    const global *g;
    json_t *list;
    int n;
} case_walk;

static int print_case_doc(const jkb_doc *doc, void *payload)
{
    case_walk *w = payload;
    if (w->g->json) {
        json_array_append_new(w->list, cli_doc_json(doc));
    } else {
        char ref[128];
        if (w->n == 0)
            printf("%s\n", cli_case_ref(ref, sizeof ref, doc->case_no));
        printf("%-10s  %s\n            %s  %s\n", *doc->date ? doc->date : "(no date)",
               doc->title, doc->id, doc->source_ref);
    }
    w->n++;
    return 0;
}

static int cmd_case(global *g, int argc, char **argv)
{
    jkb_index *ix;
    case_walk w;
    const char *case_no;
    int rc, status;

    if (argc != 2)
        return usage_error(g, "case takes one case number, such as 2024-217");
    case_no = argv[1][0] == '#' ? argv[1] + 1 : argv[1];
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    w.g = g;
    w.list = json_array();
    w.n = 0;
    rc = jkb_index_case(ix, case_no, print_case_doc, &w);
    if (rc) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        status = cli_exit_status(rc);
    } else if (g->json) {
        char ref[128];
        json_t *o = json_pack("{s:s,s:s,s:O}", "case", case_no, "case_ref",
                              cli_case_ref(ref, sizeof ref, case_no), "releases", w.list);
        cli_print_json(stdout, o);
        json_decref(o);
    }
    json_decref(w.list);
    jkb_index_close(ix);
    return status;
}

static int cmd_stats(global *g, int argc, char **argv)
{
    jkb_index *ix;
    jkb_stats st;
    int rc, status;
    size_t i;

    (void)argv;
    if (argc != 1)
        return usage_error(g, "stats takes no arguments");
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    rc = jkb_index_stats(ix, &st);
    if (rc) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return EXIT_INDEX;
    }
    if (g->json) {
        json_t *tables = json_object(), *o;
        for (i = 0; i < st.n_tables; i++)
            json_object_set_new(tables, st.tables[i].name,
                                json_pack("{s:I,s:I}", "entries",
                                          (json_int_t)st.tables[i].entries, "bytes",
                                          (json_int_t)st.tables[i].bytes));
        o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:i,s:s,s:o}", "documents", (json_int_t)st.documents,
                      "terms", (json_int_t)st.terms, "tokens", (json_int_t)st.tokens, "bytes",
                      (json_int_t)st.bytes, "file_bytes", (json_int_t)st.file_bytes,
                      "format_version", (int)st.format_version, "analyzer", st.analyzer,
                      "tables", tables);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("documents       %llu\n", (unsigned long long)st.documents);
        printf("terms           %llu\n", (unsigned long long)st.terms);
        printf("tokens          %llu\n", (unsigned long long)st.tokens);
        printf("bytes in use    %llu\n", (unsigned long long)st.bytes);
        printf("data file       %llu\n", (unsigned long long)st.file_bytes);
        printf("format version  %u\n", st.format_version);
        printf("analyzer        %s\n\n", st.analyzer);
        printf("%-8s %10s %12s\n", "table", "entries", "bytes");
        for (i = 0; i < st.n_tables; i++)
            printf("%-8s %10llu %12llu\n", st.tables[i].name,
                   (unsigned long long)st.tables[i].entries,
                   (unsigned long long)st.tables[i].bytes);
    }
    jkb_index_close(ix);
    return EXIT_OK;
}

/* Verifies the index's invariants (jkb_index_check): status 3 when one fails. */
static int cmd_check(global *g, int argc, char **argv)
{
    jkb_index *ix;
    jkb_stats st;
    int rc, status;

    (void)argv;
    if (argc != 1)
        return usage_error(g, "check takes no arguments");
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    if ((rc = jkb_index_check(ix)) != 0 || (rc = jkb_index_stats(ix, &st)) != 0) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return EXIT_INDEX;
    }
    if (g->json) {
        json_t *o = json_pack("{s:b,s:I,s:I}", "ok", 1, "documents", (json_int_t)st.documents,
                              "terms", (json_int_t)st.terms);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("ok: %llu documents, %llu terms\n", (unsigned long long)st.documents,
               (unsigned long long)st.terms);
    }
    jkb_index_close(ix);
    return EXIT_OK;
}

/* Writes a copy of the index with full pages (jkb_index_compact). */
static int cmd_compact(global *g, int argc, char **argv)
{
    jkb_index *ix;
    jkb_stats st;
    uint64_t after = 0;
    int rc, status;

    if (argc != 2)
        return usage_error(g, "compact takes the directory to write the copy into");
    if ((status = open_index(g, &ix, 0)) != EXIT_OK)
        return status;
    if ((rc = jkb_index_stats(ix, &st)) != 0 || (rc = jkb_index_compact(ix, argv[1], &after)) != 0) {
        cli_error(g->json, cli_error_code(rc), "%s", jkb_index_errmsg(ix));
        jkb_index_close(ix);
        return rc == JKB_EINVAL ? EXIT_USAGE : EXIT_INDEX;
    }
    if (g->json) {
        json_t *o = json_pack("{s:s,s:I,s:I}", "copy", argv[1], "bytes_before",
                              (json_int_t)st.file_bytes, "bytes_after", (json_int_t)after);
        cli_print_json(stdout, o);
        json_decref(o);
    } else {
        printf("compacted into %s: %llu bytes (the index: %llu)\n", argv[1],
               (unsigned long long)after, (unsigned long long)st.file_bytes);
    }
    jkb_index_close(ix);
    return EXIT_OK;
}

/* ---- main ---- */

typedef struct command {
    const char *name;
    int (*run)(global *g, int argc, char **argv);
} command;

static const command commands[] = {
    {"index", cmd_index},
    {"delete", cmd_delete},
    {"search", cmd_search},
    {"suggest", cmd_suggest},
    {"show", cmd_show},
    {"case", cmd_case},
    {"stats", cmd_stats},
    {"check", cmd_check},
    {"compact", cmd_compact},
};

/*
 * Takes the options every command shares out of argv (wherever they stand), leaving the
 * command's own. Returns the new argc, or -1 on a usage error.
 */
static int take_global_options(global *g, int argc, char **argv)
{
    int i, n = 1, seen_command = 0;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[n++] = argv[i++];
            break;
        }
        if (strcmp(a, "-d") == 0 || strcmp(a, "--db") == 0 || strcmp(a, "--dicdir") == 0) {
            if (i + 1 >= argc)
                return -1;
            if (strcmp(a, "--dicdir") == 0)
                g->opts.dicdir = argv[++i];
            else
                g->db = argv[++i];
        } else if (!seen_command && strncmp(a, "-d", 2) == 0 && a[2] != '\0') {
            g->db = a + 2; /* -dDIR, before the command only: later it could be a query */
        } else if (strcmp(a, "--json") == 0) {
            g->json = 1;
        } else if (strcmp(a, "--ignore-analyzer") == 0) {
            g->opts.ignore_analyzer = 1;
        } else {
            seen_command |= a[0] != '-';
            argv[n++] = argv[i];
        }
    }
    argv[n] = NULL;
    return n;
}

int main(int argc, char **argv)
{
    static const jkb_options defaults = JKB_OPTIONS_INIT;
    global g;
    size_t i;
    const char *env = getenv("JIKENBO_DB");

    /* A file-size limit (ulimit -f) then fails a write with EFBIG, reported as a full disk,
       instead of killing the process mid-commit. */
    signal(SIGXFSZ, SIG_IGN);
    memset(&g, 0, sizeof g);
    g.opts = defaults;
    g.db = env && *env ? env : "./jikenbo.db";
    argc = take_global_options(&g, argc, argv);
    if (argc < 0) {
        fputs("jikenbo: an option lacks its argument (see jikenbo --help)\n", stderr);
        return EXIT_USAGE;
    }
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(&g, argc - 1, argv + 1);
    cli_error(g.json, "usage", "unknown command \"%s\" (see jikenbo --help)", argv[1]);
    return EXIT_USAGE;
}
