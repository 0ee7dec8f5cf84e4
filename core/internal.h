/*
 * internal.h -- shared by libbqw's translation units; not installed.
 * Layers: arena (memory), text (UTF-8 decode, validate, NFC), clean (repairs,
 * residue, trimming), facts (curated tables), parse (records), dataset (the handle).
 */
#ifndef BQW_INTERNAL_H
#define BQW_INTERNAL_H

#include "bqw.h"
#include "ucd_tables.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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

/* Asks for transparent huge pages over the whole 2 MB pages inside a large block,
 * before it is first written: where THP is "madvise" (Debian's default), a 100 MB
 * load otherwise takes ~44,000 page faults, and under virtualisation each costs a
 * trap to the hypervisor (bench/README.md, "Why 30071f4 measured 3.2x"). A hint:
 * nothing changes where THP is off or the block is smaller. */
void advise_huge(void *p, size_t len);

/* A block for a large table or text: from 2 MB on, its own mapping of whole 2 MB
 * pages, aligned and advised as huge (see advise_huge), and with `populate` mapped in
 * one call before its first use (for a block that will be written through); smaller,
 * from malloc. Only the huge_* calls below take it, never free() or realloc(). */
void *huge_alloc(size_t size, bool populate);
void huge_free(void *p); /* p may be NULL */
/* Like realloc (NULL on failure, p kept); a block growing past 2 MB moves to a mapping.
 */
void *huge_realloc(void *p, size_t size);
/* array_grow for a huge_alloc'd array. */
void *huge_grow(void *items, size_t count, size_t *cap, size_t size, size_t initial);

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

/* A malloc'd array of count items (size bytes each, *cap allocated) with room for one
 * more: items itself, or a reallocation of it (doubling; initial items the first time).
 * NULL when out of memory, the array then unchanged. */
void *array_grow(void *items, size_t count, size_t *cap, size_t size, size_t initial);
bool buffer_append(buffer *b, const void *data, size_t len);
void buffer_free(buffer *b);

/* ---- text ---- */

/* Unicode properties from tables generated at build time (tools/gen_tables.lua). */
static inline unsigned ucd_flags(int32_t cp) {
  if (cp < 0 || cp > 0x10FFFF)
    return 0;
  return ucd_stage2[ucd_stage1[cp >> 8]][cp & 0xFF];
}

static inline bool text_is_han(int32_t cp) { return ucd_flags(cp) & UCD_FLAG_HAN; }

/* True when NFC could change a run holding cp: NFC_QC is No or Maybe, or ccc != 0. */
static inline bool text_nfc_unstable(int32_t cp) {
  return cp >= 0x300 && (ucd_flags(cp) & UCD_FLAG_NFC_UNSTABLE);
}

static inline bool text_is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Control characters that would act on a terminal or reorder text if printed: C0
 * (TAB and the line ends are text), DEL, C1, and the bidirectional embeddings,
 * overrides and isolates. */
static inline bool text_is_control(int32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
         (cp >= 0x7F && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length and sets
 * *cp, or returns 0 for an invalid or truncated sequence (see text_utf8_problem). NUL
 * is not accepted as text. */
__attribute__((always_inline)) static inline size_t text_decode(const unsigned char *s,
                                                                size_t n, int32_t *cp) {
  unsigned char c = s[0];
  *cp = c; /* also what an invalid sequence leaves, so *cp is always set */
  if (c < 0x80)
    return c ? 1 : 0;
  if (c < 0xC2)
    return 0;
  if (c < 0xE0) {
    if (n < 2 || !text_is_cont(s[1]))
      return 0;
    *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  if (c < 0xF0) {
    if (n < 3 || !text_is_cont(s[1]) || !text_is_cont(s[2]))
      return 0;
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
      return 0; /* overlong, surrogate */
    *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return 3;
  }
  if (c < 0xF5) {
    if (n < 4 || !text_is_cont(s[1]) || !text_is_cont(s[2]) || !text_is_cont(s[3]))
      return 0;
    if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
      return 0; /* overlong, above U+10FFFF */
    *cp =
        ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
  }
  return 0;
}
/* Decodes the character at s[*i] (U+FFFD for an invalid byte) and advances *i past it:
 * the reading of text that must go on past a bad byte (search, pinyin). */
__attribute__((always_inline)) static inline int32_t text_next(const unsigned char *s,
                                                               size_t len, size_t *i) {
  int32_t cp;
  size_t k = text_decode(s + *i, len - *i, &cp);
  if (!k) {
    k = 1;
    cp = 0xFFFD;
  }
  *i += k;
  return cp;
}
/* Whether cp separates the words of a search (never indexed, never matched). */
static inline bool text_is_space(int32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0x3000 ||
         cp == 0xA0;
}
/* Encodes cp; returns the length (1..4). */
size_t text_encode(int32_t cp, char out[4]);
/* Length in code points of a valid UTF-8 string. */
size_t text_count_chars(const char *s, size_t len);
/* The character cp folds to for search: script, width, case (tools/gen_fold.c). */
int32_t text_fold(int32_t cp);

/* ---- fold.c: search's folding (text_fold, then the curated overrides) ---- */

/* Folds len bytes of text into out (room for len code points), one per character
 * (invalid bytes as U+FFFD), the overrides applied: how many. */
size_t fold_text(const char *text, size_t len, int32_t *out);
/* As fold_text for a query: spaces collapsed to one ' ', the ends trimmed. */
size_t fold_query(const char *q, size_t len, int32_t *out);
/* Whether a folded word holds a character the overrides change or produce: only then
 * can matching it with the overrides differ from matching it without. */
bool fold_touches_rules(const int32_t *w, size_t m);
/* Whether text (len bytes, not folded) holds the folded word (m >= 1): each character
 * decoded and folded once on the way, the rest of the word compared only where its
 * first character is found, the scan ending at the first match. The overrides are not
 * applied to the text: for a word they cannot touch (fold_touches_rules). */
bool fold_occurs(const char *text, size_t len, const int32_t *word, size_t m);
/* Whether s (len bytes) folds, character by character, to exactly the word. */
bool fold_spells(const char *s, size_t len, const int32_t *word, size_t m);
/* A term of a folded query: a run between spaces. */
typedef struct fold_term {
  const int32_t *cp;
  size_t len;
} fold_term;
/* The terms of a folded query (m code points) into terms (room for m / 2 + 1). */
size_t fold_split_terms(const int32_t *q, size_t m, fold_term *terms);
/* A folded word longer than this is found by Knuth-Morris-Pratt: comparing at every
 * place its first character is found costs up to the text's length times the word's
 * (a 20,000-character query over a 200,000-character measure took 11.6 s). */
#define FOLD_SHORT_WORD 16
/* The word's failure table (free it), or NULL when the word is short or there is no
 * memory: then fold_find_word scans plainly. */
uint32_t *fold_word_table(const int32_t *w, size_t m);
/* Where word (m >= 1 code points) first occurs in text (n) at or after from, or n: in
 * time linear in n - from with its table, else by the plain scan. */
size_t fold_find_word(const int32_t *text, size_t n, size_t from, const int32_t *word,
                      size_t m, const uint32_t *table);
/* Whether word (m code points, 0: always) occurs in text (n); table: its
 * fold_word_table or NULL. */
bool fold_contains(const int32_t *text, size_t n, const int32_t *word, size_t m,
                   const uint32_t *table);
/* ---- conversion tables (tools/gen_convert.lua) ---- */

typedef struct cv_node {
  uint32_t child, nchild; /* the run of children in cv_child_cp / cv_child_node */
  uint32_t value;         /* OpenCC's value (offset << 8 | length), 0: none */
  uint32_t override;      /* the curated override's value, 0: none */
} cv_node;

#define CV_OVERRIDE_MAX 8
typedef struct cv_override {
  int len; /* characters, the same in from and to */
  int32_t from[CV_OVERRIDE_MAX], to[CV_OVERRIDE_MAX];
} cv_override;

/* The most overrides core/fold.c holds; convert.c fails to compile above it. */
#define CV_OVERRIDES_MAX 4096

/* The curated overrides of data/convert-overrides.tsv and data/convert-zhe.tsv, as code
 * points: how many. */
size_t convert_overrides(const cv_override **out);
/* Appends s (len bytes) converted to script to out, as bqw_convert converts it (no NUL);
 * scratch holds Traditional's intermediate text (kept by the caller, for reuse). Returns
 * 0, BQW_EENCODING or BQW_ENOMEM (out then has its length as before). */
int convert_append(const char *s, size_t len, bqw_script script, buffer *out,
                   buffer *scratch);
/* Whether s (len bytes) converted to script (as bqw_convert converts it) is other
 * bytes: 1, 0, or -1 where bqw_convert fails (a NUL, bad UTF-8, out of memory). Most
 * texts are told without converting them whole. */
int convert_changes(const char *s, size_t len, bqw_script script);

/* As bqw_index_finish; a build stops with BQW_ECANCELED once *cancel (may be NULL) is
 * set, checked before each document of each pass. */
int index_finish(bqw_index *ix, const atomic_bool *cancel);

/* Counts a hit and keeps it when fewer than limit are kept; 0 or BQW_ENOMEM. */
int results_push(bqw_results *r, uint64_t tag, uint32_t doc_index, size_t limit);
/* Sizes the index's document table for docs documents, before the first
 * bqw_index_add; false when out of memory (the table then grows as they come). */
bool index_reserve(bqw_index *ix, size_t docs);

/* ---- search.c: a search query, as both searches test a text against it ---- */

/* Byte spellings of a one-word query that fold exactly as it does: the query as
 * typed, and OpenCC's Simplified and Traditional forms of it. */
#define SEARCH_SPELLINGS 3
typedef struct search_spellings {
  char *text[SEARCH_SPELLINGS];
  size_t len[SEARCH_SPELLINGS];
  int count;
} search_spellings;
/* A query folded and split into terms, and what testing a text against them needs;
 * both searches (the index's candidates, a scan of every document) test texts alike. */
typedef struct search_query {
  const char *text; /* as given, for its spellings */
  size_t len;
  int32_t *cp; /* folded */
  fold_term *terms;
  size_t nterms;
  bool quick;   /* one word the overrides cannot touch: found by its spellings or */
  bool spelled; /* a fold on the way, the text not folded whole; sp made once */
  search_spellings sp;
  int32_t *folded; /* a text folded whole, when not quick */
  size_t folded_cap;
} search_query;
/* Folds and splits a query: 0, BQW_ENOMEM, or BQW_EINVAL for a query without a term;
 * search_query_close in every case. */
int search_query_open(search_query *qr, const char *text, size_t len);
/* Whether text holds every term of the query: 1 or 0, or BQW_ENOMEM. */
int search_query_test(search_query *qr, const char *text, size_t len);
void search_query_close(search_query *qr);

/* What is wrong with an invalid sequence at s: fills msg and returns the number of
 * bytes to skip (at least 1). */
size_t text_utf8_problem(const unsigned char *s, size_t n, char *msg, size_t msg_size);

/* ---- encodings: what a file that is not UTF-8 is (encoding.c) ---- */

/* Room for an encoding message: the file's name appears in it twice. */
#define ENCODING_MESSAGE_MAX 10000

typedef enum legacy_kind {
  LEGACY_NONE,
  LEGACY_GB18030,
  LEGACY_BIG5,
  LEGACY_EITHER /* bytes of both: say how to look, name neither */
} legacy_kind;

/* UTF-16 or UTF-32 (a byte order mark, or NULs in their pattern), or binary (any other
 * NUL) at b[0..n): true with the position (line, col, byte_col) and the message, with
 * its advice, in msg; false when the text is none of them. name: the file, for the
 * advice's iconv command. */
bool encoding_sniff_wide(const unsigned char *b, size_t n, const char *name,
                         uint32_t *line, uint32_t *col, uint32_t *byte_col, char *msg,
                         size_t size);
/* Whether the text b[0..n) (the whole file after any BOM), whose first invalid UTF-8
 * follows valid_before multibyte characters in the lines before, is GB18030/GBK or
 * Big5 rather than UTF-8 with bad bytes. Linear in n. */
legacy_kind encoding_legacy(const unsigned char *b, size_t n, size_t valid_before);
/* The error message for a legacy encoding, with how to check and convert. */
void encoding_legacy_advice(legacy_kind kind, const char *name, char *msg, size_t size);
/* The error message for the invalid sequence at s, with advice; returns the bytes to
 * skip, as text_utf8_problem. */
size_t encoding_utf8_error(const unsigned char *s, size_t n, char *msg, size_t size);

/* ---- facts: curated tables from data/ ---- */

/* A curated repair (data/repairs.tsv), or a form of one in the other script: a row's
 * corrupted span converted to Simplified or Traditional (bqw_convert) when that
 * differs, so a digest re-published in either script is repaired too. */
typedef struct repair {
  const char *corrupted, *correct, *reason;
  int32_t anchor; /* the character of corrupted rarest in the shipped digest: a line
                     without it cannot match, and the line scan looks for it */
  size_t corrupted_len, correct_len;
  size_t applied;
  uint32_t first_line, first_col, first_byte_col; /* where it first applied */
  size_t row; /* the index of the row this is a form of (its own for a row) */
  /* A row's corrupted span may read the same in both scripts while its correct text
   * does not: in a line whose text around the span is Simplified it is replaced by
   * correct_hans, in a Traditional one by correct_hant (the row's own text when that
   * is Traditional already). Both equal correct when the scripts do not matter. */
  const char *correct_hans, *correct_hant;
  size_t correct_hans_len, correct_hant_len;
} repair;

typedef struct place {
  const char *name_hans, *name_hant, *region_hans, *region_hant;
} place;

/* The roles of data/structure.tsv, resolved once at load. */
typedef enum keyword_role {
  ROLE_UNKNOWN,
  ROLE_SECTION_PROVINCE,
  ROLE_SECTION_CITY,
  ROLE_SECTION_GUIDING,
  ROLE_SECTION_TIMELINE,
  ROLE_LABEL_TARGETS,
  ROLE_CATEGORY,
  ROLE_SOURCE,
  ROLE_ACTION_ISSUE,
  ROLE_ACTION_MEETING
} keyword_role;

typedef struct keyword {
  keyword_role role;
  const char *text;
  size_t len;
} keyword;

typedef struct defect {
  const char *text, *message;
  size_t len;
} defect;

/* An issuing body (data/issuers.tsv); kept longest Simplified name first. */
typedef struct issuer {
  const char *hans, *hant;
  size_t hans_len, hant_len;
} issuer;

/* A document type's ending (data/doctypes.tsv); kept longest Simplified ending first. */
typedef struct doctype {
  const char *ending_hans, *ending_hant, *type;
  size_t hans_len, hant_len;
} doctype;

/* A name under which a place of the gazetteer may be mentioned: regions, then cities
 * (regions.tsv), then places.tsv, each in either script. */
typedef struct place_name {
  const char *text;
  size_t len;
  uint32_t place; /* index into facts.mention_places */
} place_name;

typedef struct facts {
  issuer *issuers;
  size_t issuer_count;
  doctype *doctypes;
  size_t doctype_count;
  const char **mention_places; /* canonical (Simplified) names, in gazetteer order */
  size_t mention_place_count;
  place_name *place_names;
  size_t place_name_count;
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

/* What query.c and vocab.c share. Folds len bytes of s (bqw_fold) into new code
 * points (*out, *n; free them); false when out of memory. */
bool query_fold_alloc(const char *s, size_t len, int32_t **out, size_t *n);
bool query_equal(const int32_t *a, size_t na, const int32_t *b, size_t nb);
/* Appends s (at most max bytes, cut at a character) as Lua's %q quotes it, or a plain
 * string, to out (size bytes, *used of them taken; NUL terminated). */
void query_put_quoted(char *out, size_t size, size_t *used, const char *s, size_t n,
                      size_t max);
void query_put_str(char *out, size_t size, size_t *used, const char *s);
/* Edit distance with transpositions between two strings of at most 64 code points. */
size_t query_distance(const int32_t *a, size_t na, const int32_t *b, size_t nb);
/* The known values of a closed vocabulary, gathered once per parse. */
typedef struct query_vocab query_vocab;
int query_vocab_check(query_vocab **cache, bqw_dataset *ds, const bqw_field_info *fi,
                      bool contains, const int32_t *cp, size_t n, const uint32_t *kmp,
                      const char *value, size_t len, char *msg, size_t size);
void query_vocab_free(query_vocab *v);
/* An integer filter's value, "2025" or "2023..2025" (saturated), and a date filter's,
 * "2023", "2023-09" or "2023-09-01", or a range of those (the prefixes, NUL
 * terminated): 0, or 1 with the message ("bad value for WORD: …") in msg. */
int query_parse_range(const char *word, const char *s, size_t n, long long *from,
                      long long *to, char *msg, size_t size);
int query_parse_dates(const char *word, const char *s, size_t n, char from[16],
                      char to[16], char *msg, size_t size);

/* ---- the dataset handle ---- */

typedef struct text_line {
  const char *text; /* cleaned, NUL terminated, in the arena */
  uint32_t len;
  uint32_t number; /* 1-based physical line */
} text_line;

/* A record's derived fields (derive.c) and document number (parse.c), kept beside
 * ds->records (the same index) and compactly: lists as runs of the dataset's pools,
 * names as indexes into the facts. Only bqw_record_value (schema.c) reads them.
 *  - level: not kept; record_level() tells it from the kind.
 *  - issuers (document, guiding, city): the bodies (data/issuers.tsv) the title opens
 *    with, in order, a space (ASCII or U+3000) allowed between two ("中共广东省委 广东
 *    省人民政府关于…" gives both); none when the title names no body or there is none.
 *  - doctype (document, guiding, city with a title): the type (文种, "意见") of the
 *    ending the title has once trailing parenthesised notes such as (试行) or
 *    (2023—2025年) are set aside, the longest ending of data/doctypes.tsv winning;
 *    doctype_detail is that ending ("实施意见").
 *  - period (document, guiding, city): the first "YYYY—YYYY年" the title names (— – - ~
 *    ～ 至 tried in that order); both 0 when it names none.
 *  - years: every year the record names, sorted and unique: four digits (no digit
 *    before) followed by 年, or the first year of a range "YYYY—YYYY年", plus a target's
 *    year and the years of a meeting's date and date_to; only years 1900 to 2100.
 *  - mentions: the places of the gazetteer (regions, cities of data/regions.tsv, then
 *    data/places.tsv) any of the record's texts names, in gazetteer order.
 *  - docno: the document number (文号) the title line carries, in the title as a
 *    trailing parenthesised note (taken out of the title), after the closing 》
 *    (parenthesised or not), or alone on the line after the title, as published without
 *    the parentheses ("粵府〔2023〕12號"; 〔〕 [] 【】 and 號 or 号 accepted).
 * Names are Simplified, as data/ gives them, whatever the script of the text. */
typedef struct record_derived {
  uint32_t issuers;   /* the first of the record's issuers in ds->name_pool */
  uint32_t mentions;  /* the first of its mentions in ds->name_pool */
  uint32_t years;     /* the first of its years in ds->year_pool */
  uint32_t docno;     /* 1 + the index of its document number in ds->docnos; 0: none */
  uint16_t period[2]; /* the period's first and last year; 0 and 0: none */
  uint8_t doctype;    /* 1 + the index of its ending in facts.doctypes; 0: none */
  uint8_t issuer_count, year_count, mention_count;
} record_derived;

/* A document number: as published (without enclosing parentheses), its issuer
 * abbreviation in Simplified ("粤府"), its year and serial number. */
typedef struct record_docno {
  const char *text, *issuer;
  int year, number;
} record_docno;

/* Whether a record is the province's or a city's: a city entry is a city's. */
static inline bqw_level record_level(const bqw_record *r) {
  return r->kind == BQW_KIND_CITY ? BQW_LEVEL_CITY : BQW_LEVEL_PROVINCE;
}

struct bqw_dataset {
  arena mem;
  const char *name;
  int status;
  char *storage;       /* the input bytes, reused for the clean text */
  bool wrong_encoding; /* the whole file is in another encoding: nothing to parse */
  bool keep_lines;     /* dataset_load_keep_lines: the lines stay as cleaned (the parser
                          copies titles out of them instead of ending them in place) */
  facts facts;
  bqw_meta meta;
  bqw_report report;
  text_line *lines;
  size_t line_count, line_cap;
  bqw_record *records;
  size_t record_count, record_cap;
  bqw_measure *measures;
  size_t measure_count, measure_cap;
  record_derived *derived; /* one per record (derived_cap allocated); NULL until the
                              first document number or derive_records */
  size_t derived_cap;
  const char **name_pool; /* the derived lists of names, each record's a run */
  size_t name_count, name_cap;
  int *year_pool; /* the derived lists of years, each record's a run */
  size_t year_count, year_cap;
  record_docno *docnos;
  size_t docno_count, docno_cap;
  bqw_diag *diags;
  size_t diag_count, diag_cap;
  size_t diag_dropped; /* diagnostics past the limit, counted but not stored */
  /* The search index and its build are the only parts that change after the load:
   * threads sharing the dataset (bqw_dataset_ref), and the thread building the index,
   * read and write these under index_lock. The index is built apart from the lock
   * (searches meanwhile scan) and published, finished, in one store under it. */
  bqw_index *index;         /* NULL until published; never changes after */
  bool searched;            /* a search has scanned the records */
  bool building;            /* a build is under way (on the builder or a caller) */
  bool builder_started;     /* builder is a thread to join at bqw_dataset_free */
  int index_status;         /* the last build's result when it failed, else 0 */
  int builder_nice;         /* the builder lowers its priority by this much */
  pthread_t builder;        /* bqw_dataset_index_start's thread */
  pthread_cond_t built;     /* broadcast when a build ends, published or not */
  atomic_bool index_cancel; /* set by bqw_dataset_free: a build stops at the next
                               document, with BQW_ECANCELED */
  struct index_hook_slot {
    void (*fn)(bqw_dataset *ds, int stage, int status, void *data);
    void *data;
  } index_hook; /* for tests: see dataset_set_index_hook */
  pthread_mutex_t index_lock;
  atomic_size_t refs; /* owners: one, plus one per bqw_dataset_ref */
  /* bqw_dataset_set_codebook's codebook with its codings (NULL: none), swapped whole;
   * the sets it replaced while another owner could be reading them, kept (a list
   * through coding_set.retired) until the only owner sets one or frees the dataset */
  _Atomic(struct coding_set *) coding_set;
  _Atomic(struct coding_set *) retired;
  bool seen[BQW_SECTION_OTHER + 1]; /* the sections the parser met */
};

#define BQW_DIAG_LIMIT 1000

/* code.c: the codings of a dataset, computed on first use (NULL without a codebook;
 * *status, may be NULL, BQW_ENOMEM when they could not be), and the codes of a row,
 * ancestors included (false without a codebook). */
struct codings;
struct coding_set;
const struct codings *dataset_codings(const bqw_dataset *ds, int *status);
bool dataset_code_names(const bqw_dataset *ds, size_t record, size_t measure,
                        const char *const **names, size_t *count);
/* Frees the dataset's coding set and the retired ones (bqw_dataset_free). */
void dataset_coding_sets_free(bqw_dataset *ds);
/* How many replaced coding sets the dataset keeps (for tests). */
size_t dataset_retired_sets(const bqw_dataset *ds);

/* rows.c: a row walk's end, clamped to its positions; the record at position i and
 * whether it is selected (1, 0 or the query's error; `tested`: the rows test it
 * instead). Shared by the table and list views' walks (table.c). */
size_t row_walk_end(const bqw_dataset *ds, const bqw_row_walk *w);
int row_walk_record(const bqw_dataset *ds, const bqw_row_walk *w, bool tested, size_t i,
                    size_t *at);

/* Records a diagnostic; message formatted printf-style into the arena. */
void diag_add(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* As diag_add, at a column given both in characters and in bytes. */
void diag_add_at(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
                 uint32_t byte_col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Splits, validates, normalizes and cleans bytes into ds->lines, reusing the bytes'
 * storage (len + 1 bytes, owned by ds) for the clean text where it can. Returns 0,
 * BQW_ENOMEM or BQW_EENCODING. */
int clean_text(bqw_dataset *ds, unsigned char *bytes, size_t len);

/* Removes pinyin residue from line (len bytes) into out (at least len bytes);
 * returns the new length and adds the number of readings removed to *removed. */
size_t clean_residue(const char *line, size_t len, char *out, size_t *removed);

/* Warns about each repair that did not apply exactly once. */
void clean_report_repairs(bqw_dataset *ds);

/* ---- scan: the parser's scanners of a line (scan.c) ---- */

/* Reads up to max digits (ASCII or full-width) at *pos into *value; returns the count. */
int scan_digits(const char *s, size_t len, size_t *pos, int max, int *value);
/* Whether word is at *pos; if so *pos moves past it. */
bool scan_word(const char *s, size_t len, size_t *pos, const char *word);
/* "2025年" alone on a line. */
bool scan_year_line(const char *s, size_t len, int *year);
/* A meeting's date line: "2023年1月3日" alone, or a range of days "2023年9月1日至2日",
 * "…1日至10月2日", "…1日至2024年1月2日" (至, 到, —, –, -, ~, ～ or 〜 between).
 * v: year, month, day, then the range's last year, month, day (the first day's again
 * for a single day). Returns 0 (not a date line), 1 (a day), 2 (a range) or -1 (shaped
 * so but impossible, or a range that does not end after it starts). */
int scan_date_line(const char *s, size_t len, int v[6]);

/* A document number (文号) found by scan_docno. */
typedef struct docno_parts {
  const char *text; /* as published, without enclosing parentheses */
  size_t len;
  size_t issuer_len; /* bytes of the issuer abbreviation at text */
  int year, number;
} docno_parts;

/* Whether s[0..len) is exactly a document number: an issuer abbreviation of 1 to 16 Han
 * characters ("粵府", "粵自然資規字"), its year in 〔〕, [], 【】 or ［］, the number,
 * then 號 or 号. */
bool scan_docno(const char *s, size_t len, docno_parts *d);
/* A document number alone, or in ( ) or （ ）, with spaces around it. */
bool scan_docno_alone(const char *s, size_t len, docno_parts *d);
/* The bytes of a closing ) or ） that ends s[0..len), or 0. */
size_t scan_paren_close(const char *s, size_t len);
/* Drops ASCII spaces and U+3000 from both ends of *s. */
void scan_trim_spaces(const char **s, size_t *len);

/* Builds records from ds->lines. Returns 0 or BQW_ENOMEM. */
int parse_digest(bqw_dataset *ds);
/* Warns about what a complete digest has and this one lacks (after parse_digest). */
void parse_check_complete(bqw_dataset *ds);

/* Sets every record's derived fields (issuers, doctype, period, years, mentions) in
 * ds->derived and the pools, from its text and the facts. Returns 0, BQW_ENOMEM, or
 * BQW_EINVAL when the facts outgrow record_derived's counts. */
int derive_records(bqw_dataset *ds);

/* The dataset's searchable documents in rank order (titles, cities, headlines,
 * measures, prose, categories; each in source order; the empty ones left out), the
 * numbering of the index's documents: visit(ctx, text, len, tag) for each until it
 * returns nonzero, which is returned. */
int dataset_each_doc(const bqw_dataset *ds, void *ctx,
                     int (*visit)(void *ctx, const char *text, size_t len, uint64_t tag));

/* ---- the background index build: for tests ---- */

/* Called on the thread that builds a dataset's index in the background: at
 * INDEX_HOOK_START before the build (status 0; a cancel made while it runs stops the
 * build at its first document), and at INDEX_HOOK_DONE once the build has ended and
 * its index, if any, is published (status: the build's result). Lets a test hold a
 * build and look at its thread. Set before bqw_dataset_index_start. */
enum { INDEX_HOOK_START, INDEX_HOOK_DONE };
void dataset_set_index_hook(bqw_dataset *ds,
                            void (*fn)(bqw_dataset *ds, int stage, int status,
                                       void *data),
                            void *data);

/* As bqw_load_buffer, keeping the cleaned lines (ds->lines, ds->line_count) that a
 * load frees once parsed, as they were cleaned: for tests that follow each line to
 * where it went. (A load ends a document's title in place, over its line's 》; this
 * one copies the titles out, which gives the same records.) */
int dataset_load_keep_lines(const char *name, const void *data, size_t len,
                            bqw_dataset **out);

/* Lowers the calling thread's priority by nice steps (up to 19) where threads have a
 * nice value of their own (Linux); elsewhere it does nothing. */
void thread_lower_priority(int nice);

/* ---- loop: for tests ---- */

/* Called on a load's working thread: at LOAD_HOOK_START, before the cancel check (a
 * cancel made while it runs skips the work), and at LOAD_HOOK_WORK, just before the
 * work (a cancel made while it runs discards the result). Lets a test hold a load at
 * either point and look at the thread. Later loads of the loop get it. */
enum { LOAD_HOOK_START, LOAD_HOOK_WORK };
typedef void (*load_hook)(bqw_load_req *req, int stage, void *data);
void loop_set_load_hook(bqw_loop *loop, load_hook hook, void *data);

#endif /* BQW_INTERNAL_H */
