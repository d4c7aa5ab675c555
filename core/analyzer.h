/*
 * Japanese analysis, the same for documents and queries:
 *   1. text-level folding (normalize.h), keeping a map back to the source bytes;
 *   2. MeCab over the folded text, cut into NUL-terminated chunks of at most CHUNK_BYTES at
 *      sentence ends (。 ! ? and line breaks) or, failing that, at a character boundary;
 *   3. term-level folding, after MeCab so that it cannot change how MeCab splits the text:
 *      rules (a katakana word of four or more characters loses a trailing ー), then the
 *      variant table (dict/variants.tsv: variant -> canonical).
 * Particles, auxiliary verbs and symbols (助詞, 助動詞, 記号) are not emitted, but they take a
 * position, so phrases still match across them. Verbs and adjectives are indexed by their
 * base form.
 *
 * Lifetimes (as MeCab wants them): one jkb__dict (the MeCab model, the variant table and the
 * analyzer fingerprint) is shared by every handle of a process that names the same
 * dictionaries; each jkb__analyzer has its own tagger and lattice and serves one thread.
 */
#ifndef JKB_CORE_ANALYZER_H
#define JKB_CORE_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Longest term kept, in bytes; longer ones are cut on a character boundary. */
#define JKB__TERM_MAX 128

typedef enum jkb__mode {
    JKB__MODE_DOCUMENT, /* text being indexed */
    JKB__MODE_QUERY,    /* a query word */
    JKB__MODE_PREFIX,   /* a partial word: folded like text, never split by MeCab */
    JKB__MODE_WHOLE     /* a query word as one term, folded like a term, not split by MeCab */
} jkb__mode;

typedef struct jkb__token {
    const char *term; /* folded term, not NUL-terminated; valid during the callback */
    size_t term_len;
    uint32_t pos;     /* position in the field, counting every MeCab token */
    uint32_t pos_len; /* positions the token spans (1; more for a compound) */
} jkb__token;

/* Returning non-zero stops the analysis; jkb__analyze returns that value. */
typedef int (*jkb__token_fn)(const jkb__token *tok, void *payload);

typedef struct jkb__dict jkb__dict;
typedef struct jkb__analyzer jkb__analyzer;

/*
 * Opens (or shares) the dictionaries: the MeCab system dictionary in dicdir and, in datadir,
 * the compiled user dictionary security.dic and the variant table variants.tsv. A NULL dicdir
 * or datadir picks the default. Checks that the dictionary is UTF-8.
 */
int jkb__dict_open(jkb__dict **out, const char *dicdir, const char *datadir, jkb__err *err);
void jkb__dict_close(jkb__dict *d);

/*
 * A fingerprint of the contents of the dictionaries and the variant table and the rules, into
 * *out (kept by d). The MeCab system dictionary's files (about 50 MB) are read whole once per
 * process, unless seen[0..seen_len), a fingerprint made when jkb__dict_files_stat() was
 * seen_stat, was made of them as they are now: the same stat, so its CRC stands.
 * JKB_ETOKENIZE when they cannot be read.
 */
int jkb__dict_fingerprint(jkb__dict *d, const char *seen, size_t seen_len, uint64_t seen_stat,
                          const char **out, jkb__err *err);

/* What stat says of the system dictionary's files (sizes, times, file numbers), hashed: the
   same while nobody writes them. */
uint64_t jkb__dict_files_stat(const jkb__dict *d);

/*
 * For analysing in bulk: moves MeCab's dictionary into anonymous memory on huge pages, once
 * per process (see hugemap.h), and returns the bytes it holds there (0 when not moved). Its
 * trie lookups then miss the TLB far less: livedoor's build takes 3-4% less time. Not worth
 * its 30 ms for a search, which analyses a few words.
 */
size_t jkb__dict_huge_pages(jkb__dict *d);

int jkb__analyzer_new(jkb__analyzer **out, jkb__dict *d, jkb__err *err);
void jkb__analyzer_free(jkb__analyzer *a);

/*
 * Analyses text[0..len) (valid UTF-8) and calls cb for each term. Positions start at
 * first_pos; *next_pos (may be NULL) receives the position after the last token.
 */
int jkb__analyze(jkb__analyzer *a, jkb__mode mode, const char *text, size_t len,
                 uint32_t first_pos, jkb__token_fn cb, void *payload, uint32_t *next_pos);

/*
 * Calls fn with every surface form (in text-folded form) that term-level folding turns into
 * term: the term itself, with a trailing ー where the long-vowel rule drops one, and every
 * variant the table maps to it. Snippets find matches in text this way without MeCab.
 */
typedef void (*jkb__surface_fn)(const char *s, size_t len, void *payload);
void jkb__term_surfaces(const jkb__dict *d, const char *term, size_t len, jkb__surface_fn fn,
                        void *payload);

/* Applies the term-level folding to a term (rules, then the variant table). */
size_t jkb__fold_term(const jkb__dict *d, const char *term, size_t len, char *out, size_t cap);

#endif
