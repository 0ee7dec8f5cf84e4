/*
 * internal.h -- shared by libbqw's translation units; not installed.
 * Layers: arena (memory), text (UTF-8 decode, validate, NFC), clean (repairs,
 * residue, trimming), facts (curated tables), parse (records), dataset (the handle).
 */
#ifndef BQW_INTERNAL_H
#define BQW_INTERNAL_H

#include "bqw.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- arena: bump allocation in chunks, freed at once ---- */

typedef struct arena_chunk arena_chunk;
typedef struct arena {
  arena_chunk *head;
  size_t chunk_size;
  size_t total; /* bytes reserved, for accounting */
} arena;

void arena_init(arena *a, size_t chunk_size);
void arena_free(arena *a);
void *arena_alloc(arena *a, size_t size); /* 8-byte aligned; NULL on OOM */
char *arena_strndup(arena *a, const char *s, size_t len);

/* ---- growable byte buffer (malloc-owned) ---- */

typedef struct buffer {
  char *data;
  size_t len, cap;
} buffer;

bool buffer_reserve(buffer *b, size_t extra);
bool buffer_append(buffer *b, const void *data, size_t len);
void buffer_free(buffer *b);

/* ---- text ---- */

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length and sets
 * *cp, or returns 0 for an invalid or truncated sequence (see text_utf8_problem). */
size_t text_decode(const unsigned char *s, size_t n, int32_t *cp);
/* Encodes cp; returns the length (1..4). */
size_t text_encode(int32_t cp, char out[4]);
/* Length in code points of a valid UTF-8 string. */
size_t text_count_chars(const char *s, size_t len);
bool text_is_han(int32_t cp);
bool text_nfc_unstable(int32_t cp);

/* What is wrong with an invalid sequence at s: fills msg and returns the number of
 * bytes to skip (at least 1). */
size_t text_utf8_problem(const unsigned char *s, size_t n, char *msg, size_t msg_size);

/* ---- facts: curated tables from data/ ---- */

typedef struct repair {
  const char *corrupted, *correct, *reason;
  size_t corrupted_len, correct_len;
  size_t applied;
  uint32_t first_line;
} repair;

typedef struct place {
  const char *name_hans, *name_hant, *region_hans, *region_hant;
} place;

typedef struct keyword {
  const char *role; /* "section.city", "source", ... */
  const char *text;
  size_t len;
} keyword;

typedef struct defect {
  const char *text, *message;
  size_t len;
} defect;

typedef struct facts {
  repair *repairs;
  size_t repair_count;
  place *places;
  size_t place_count;
  keyword *keywords;
  size_t keyword_count;
  defect *defects;
  size_t defect_count;
} facts;

/* Parses the embedded TSV tables into f, allocating from a. Returns 0 or BQW_ENOMEM. */
int facts_load(facts *f, arena *a);

/* ---- the dataset handle ---- */

typedef struct text_line {
  const char *text; /* cleaned, NUL terminated, in the arena */
  uint32_t len;
  uint32_t number; /* 1-based physical line */
} text_line;

struct bqw_dataset {
  arena mem;
  const char *name;
  int status;
  bool wrong_encoding; /* the whole file is in another encoding: nothing to parse */
  facts facts;
  bqw_meta meta;
  bqw_report report;
  text_line *lines;
  size_t line_count, line_cap;
  bqw_record *records;
  size_t record_count, record_cap;
  bqw_measure *measures;
  size_t measure_count, measure_cap;
  bqw_diag *diags;
  size_t diag_count, diag_cap;
  size_t diag_dropped; /* diagnostics past the limit, counted but not stored */
};

#define BQW_DIAG_LIMIT 1000

/* Records a diagnostic; message formatted printf-style into the arena. */
void diag_add(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Splits, validates, normalizes and cleans bytes into ds->lines. Returns 0, BQW_ENOMEM
 * or BQW_EENCODING. */
int clean_text(bqw_dataset *ds, const unsigned char *bytes, size_t len);

/* Removes pinyin residue from line (len bytes) into out (at least len bytes);
 * returns the new length and adds the number of readings removed to *removed. */
size_t clean_residue(const char *line, size_t len, char *out, size_t *removed);

/* Builds records from ds->lines. Returns 0 or BQW_ENOMEM. */
int parse_digest(bqw_dataset *ds);

#endif /* BQW_INTERNAL_H */
