/*
 * bqw.h -- public C API of libbqw, the core of bqw.
 *
 * libbqw turns the raw digest of Guangdong's 百县千镇万村高质量发展工程 policies into
 * clean, structured records: strict UTF-8 validation, NFC, removal of the pinyin
 * ruby residue, curated repairs, and a parser that keys on the text's structure.
 *
 * Conventions (after libuv): functions that can fail return an int, 0 on success
 * or a negative BQW_E* code; bqw_err_name() and bqw_strerror() map codes to text.
 * Every object is owned by a handle: a bqw_dataset owns its records, strings and
 * diagnostics, all freed by one bqw_dataset_free(). Strings are UTF-8, NUL
 * terminated, and NULL where a field does not apply. The library keeps no global
 * mutable state; distinct datasets may be used from distinct threads.
 */
#ifndef BQW_H
#define BQW_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BQW_API __attribute__((visibility("default")))
#else
#define BQW_API
#endif

#define BQW_VERSION_MAJOR 0
#define BQW_VERSION_MINOR 1
#define BQW_VERSION_PATCH 0
#define BQW_VERSION_STRING "0.1.0"

/* Error codes. Negative, so `if (rc < 0)` tests for failure. */
#define BQW_ERRNO_MAP(XX)                                                                \
  XX(ENOMEM, -1, "out of memory")                                                        \
  XX(EIO, -2, "file cannot be read")                                                     \
  XX(EENCODING, -3, "text is not valid UTF-8")                                           \
  XX(EINVAL, -4, "invalid argument")                                                     \
  XX(ERANGE, -5, "index out of range")                                                   \
  XX(ECANCELED, -6, "cancelled")                                                         \
  XX(ENODATA, -7, "no records in the data")

typedef enum bqw_errno {
  BQW_OK = 0,
#define XX(name, value, text) BQW_##name = value,
  BQW_ERRNO_MAP(XX)
#undef XX
} bqw_errno;

/* Returns the code's name ("EIO"), or "UNKNOWN" for a code this library does not define.
 */
BQW_API const char *bqw_err_name(int err);
/* Returns a short English description of the code. */
BQW_API const char *bqw_strerror(int err);
/* Returns BQW_VERSION_STRING of the library actually linked. */
BQW_API const char *bqw_version(void);

/* ---- records ------------------------------------------------------------ */

typedef enum bqw_kind {
  BQW_KIND_DOCUMENT, /* a provincial document: ●《title》 then ◎ measures */
  BQW_KIND_CITY,     /* a city entry: city line, headline, ◎ measures */
  BQW_KIND_GUIDING,  /* the guiding document 《…》 */
  BQW_KIND_TARGET,   /* a target of the guiding document: year line, text */
  BQW_KIND_MEETING,  /* a timeline entry: date line, text */
  BQW_KIND_OTHER     /* a line or section the parser did not recognise (warned) */
} bqw_kind;

typedef enum bqw_section {
  BQW_SECTION_PREAMBLE, /* before the first heading: introduction, byline, credits */
  BQW_SECTION_PROVINCE, /* 全省政策 */
  BQW_SECTION_CITY,     /* 地市政策 */
  BQW_SECTION_GUIDING,  /* 总体指导文件 */
  BQW_SECTION_TIMELINE, /* 重要会议一览 */
  BQW_SECTION_OTHER     /* a heading the parser does not know */
} bqw_section;

typedef enum bqw_action {
  BQW_ACTION_NONE,     /* not a city entry */
  BQW_ACTION_ISSUE,    /* the headline issues a document (印发《…》) */
  BQW_ACTION_MEETING,  /* the headline reports a meeting (召开…) */
  BQW_ACTION_STATEMENT /* any other headline */
} bqw_action;

/* Whether a record is the province's or a city's: a city entry is "city", any other
 * record "province". */
typedef enum bqw_level { BQW_LEVEL_PROVINCE, BQW_LEVEL_CITY } bqw_level;

/* One ◎ measure: its text without the ◎, and its 1-based source line. */
typedef struct bqw_measure {
  const char *text;
  uint32_t line;
} bqw_measure;

/* One record. Which fields are set depends on kind (see doc/bqw.txt). */
typedef struct bqw_record {
  bqw_kind kind;
  bqw_section section;
  uint32_t line;             /* 1-based source line where the record starts */
  uint32_t parent;           /* target: index + 1 of its guiding document; else 0 */
  const char *section_title; /* the section heading as published */
  const char *category;      /* document: category heading (县域发展, …) */
  const char *city;          /* city: gazetteer name, Simplified (广州) */
  const char *region;        /* city: gazetteer region, Simplified (珠三角) */
  const char *headline;      /* city: the line under the city name */
  const char *title; /* document, guiding, city with 《…》, other: without 《》 */
  const char *text;  /* target, meeting, other: the prose */
  const char *date;  /* meeting: ISO 8601 date, YYYY-MM-DD */
  int year;          /* target: the year; else 0 */
  bqw_action action; /* city: issue, meeting or statement */
  size_t measure_count;
  const bqw_measure *measures;
  /* meeting: the last day of a date range ("2023年9月1日至2日", "…1日—2日",
   * "…1日至10月2日"), ISO 8601; NULL for a single day. */
  const char *date_to;
  /* city: every line under the city's name before its first measure, in order; the
   * first is `headline` (from which action and title come). headline_count is 0 when
   * the entry has no headline. */
  size_t headline_count;
  const char *const *headlines;
  /* The fields derived from the record's text and the curated tables of data/ (level,
   * issuers, doctype, the period, years, mentions) and its document number (docno and
   * its parts) are not members: read them, as every field, with bqw_record_value
   * (bqw_schema.h says what each holds). The dataset keeps them compactly beside the
   * records. */
} bqw_record;

/* Dataset metadata from the preamble and the closing source line. */
typedef struct bqw_meta {
  const char *introduction; /* paragraphs joined by "\n" */
  const char *byline;       /* without the leading ● */
  const char *credits;
  const char *source_note;
  const char *source;
  /* Every ● byline of the preamble, in order (byline is the first). */
  size_t byline_count;
  const char *const *bylines;
} bqw_meta;

/* Record counts; the keys of `bqw stats --json`. */
typedef struct bqw_stats {
  size_t provincial_documents;
  size_t provincial_measures;
  size_t city_entries;
  size_t city_measures;
  size_t guiding_documents;
  size_t targets;
  size_t meetings;
  size_t measures; /* provincial_measures + city_measures */
  size_t other;
} bqw_stats;

/* What the loader did to the text. */
typedef struct bqw_report {
  size_t bytes;           /* input size */
  size_t lines;           /* physical lines */
  size_t residue_removed; /* pinyin readings removed */
  size_t repairs_applied; /* curated repairs applied (occurrences) */
  size_t normalized_runs; /* runs that needed NFC */
  int had_bom;            /* a UTF-8 BOM was dropped */
  int had_cr;             /* CRLF or CR line ends were seen */
  size_t errors;
  size_t warnings;
} bqw_report;

typedef enum bqw_severity { BQW_NOTE, BQW_WARNING, BQW_ERROR } bqw_severity;

/* One diagnostic: 1-based line and column. `col` counts characters (code points),
 * `byte_col` bytes from the start of the physical line, as clang and Vim's quickfix
 * count them; both are 0 when the diagnostic has no position (line 0) and 1 for a
 * diagnostic about a whole line. Columns of the loader's checks (encoding, UTF-8,
 * control characters, repairs) are exact in the file as read; a parser diagnostic
 * inside a line counts in the cleaned line, offset by what trimming removed. */
typedef struct bqw_diag {
  bqw_severity severity;
  uint32_t line;
  uint32_t col;
  const char *message;
  uint32_t byte_col;
} bqw_diag;

typedef struct bqw_dataset bqw_dataset;

/* ---- loading ------------------------------------------------------------ */

/* The size limit bqw_load_file() applies unless told otherwise: 1 GiB. */
#define BQW_DEFAULT_MAX_SIZE ((size_t)1 << 30)

/* Options of bqw_load_file_opts(); zero-initialise, then set what you need. */
typedef struct bqw_load_options {
  size_t max_size; /* refuse a file larger than this many bytes; 0: the default */
} bqw_load_options;

/*
 * Loads the digest at `path`. On return *out holds a dataset the caller frees with
 * bqw_dataset_free(), whatever the result, so its diagnostics can be read; only when
 * BQW_ENOMEM leaves nothing to report is *out NULL.
 *
 * Only a regular file is read (a symlink to one is fine): a directory, FIFO, socket or
 * device is refused with BQW_EIO without blocking (the path is stat'ed first, opened
 * with O_NONBLOCK, and fstat'ed again). A file larger than BQW_DEFAULT_MAX_SIZE is
 * refused before it is read, and so is one that grows past the limit while it is read.
 *
 * Returns 0, BQW_EIO when the file cannot be read (missing, not a regular file, too
 * large), BQW_EENCODING when the text has errors (invalid UTF-8, another encoding, a
 * binary file), BQW_ENODATA when the file holds nothing (empty, or white space only;
 * the dataset then has an error diagnostic "no records: …"), BQW_ENOMEM, or
 * BQW_EINVAL for NULL arguments. Text with no record the parser recognises loads (0)
 * with a warning "no records: …": check bqw_record_count() before replacing output.
 */
BQW_API int bqw_load_file(const char *path, bqw_dataset **out);

/* As bqw_load_file(), with options (opts may be NULL for the defaults). */
BQW_API int bqw_load_file_opts(const char *path, const bqw_load_options *opts,
                               bqw_dataset **out);

/*
 * Reads the whole file at `path` through the loader's guards (those of bqw_load_file):
 * only a regular file, never opened when it is a FIFO or device, and at most max_size
 * bytes (0: BQW_DEFAULT_MAX_SIZE), also when it grows while it is read. path NULL reads
 * standard input instead (whatever it is) to the same limit. On success *data holds
 * the *len bytes and a NUL after them; free it with bqw_read_free(). On failure `why`
 * (why_size bytes; may be NULL) holds the loader's reason, such as "not a regular
 * file (a FIFO); …", for a message "FILE: error: WHY".
 * Returns 0, BQW_EIO (missing, not a regular file, too large, a read error),
 * BQW_ENOMEM or BQW_EINVAL.
 */
BQW_API int bqw_read_file(const char *path, size_t max_size, char **data, size_t *len,
                          char *why, size_t why_size);

/* Frees what bqw_read_file() returned; NULL is ignored. */
BQW_API void bqw_read_free(char *data);

/* The first encoding problem of a text, as bqw_check_text() finds it. */
typedef struct bqw_text_problem {
  uint32_t line, col, byte_col; /* as the loader's diagnostic has them (bqw_diag) */
  size_t line_offset;           /* where that line starts: the bytes before are good */
  char message[1024];           /* the loader's message and advice (truncated to fit) */
} bqw_text_problem;

/*
 * The loader's encoding checks alone, for text that is not a digest: UTF-16 and
 * UTF-32, binary files, GB18030/GBK and Big5, invalid UTF-8 (a NUL included). `name`
 * (may be NULL) is the file the advice names. Returns 0 when the loader would find no
 * encoding error in the text, BQW_EENCODING with *problem the first one (with the same
 * position and message as the loader's), or BQW_EINVAL.
 */
BQW_API int bqw_check_text(const char *name, const void *data, size_t len,
                           bqw_text_problem *problem);

/*
 * As bqw_load_file(), from `len` bytes at `data`; `name` (may be NULL) is the file
 * name diagnostics carry. The bytes are not retained.
 */
BQW_API int bqw_load_buffer(const char *name, const void *data, size_t len,
                            bqw_dataset **out);

/* As bqw_load_file(), from the digest embedded in the library at build time. */
BQW_API int bqw_load_default(bqw_dataset **out);

/* The embedded digest's bytes and length, as published. */
BQW_API const unsigned char *bqw_default_digest(size_t *len);

/* A curated table of data/ as embedded at build time, by name: "repairs", "regions",
 * "structure", "defects", "places", "issuers", "doctypes", "convert-overrides",
 * "convert-zhe" (the conversion overrides bqw_fold applies). Returns the TSV text and
 * sets *len, or returns NULL for an unknown name. */
BQW_API const char *bqw_fact_table(const char *name, size_t *len);

/* Frees the dataset and everything it owns. NULL is ignored. With owners added by
 * bqw_dataset_ref(), each bqw_dataset_free() drops one, and the last frees it. */
BQW_API void bqw_dataset_free(bqw_dataset *ds);

/* Adds an owner to a loaded dataset and returns it: another thread may read it (every
 * read-only call; the index is published under the dataset's own lock) until it
 * calls bqw_dataset_free() for its share. NULL is returned as is. */
BQW_API bqw_dataset *bqw_dataset_ref(bqw_dataset *ds);

/* Bytes the dataset holds on the heap (text, records, diagnostics, its search index
 * once built): what a garbage-collected binding should tell its collector. */
BQW_API size_t bqw_dataset_memory(const bqw_dataset *ds);

/* ---- reading ------------------------------------------------------------ */

/* The name given at load: the path, or "(embedded)/bqw-digest-2023.txt". */
BQW_API const char *bqw_dataset_name(const bqw_dataset *ds);
/* The load result: 0, or the negative code bqw_load_* returned. */
BQW_API int bqw_dataset_status(const bqw_dataset *ds);

/* Records in source order; index from 0 to bqw_record_count() - 1. */
BQW_API size_t bqw_record_count(const bqw_dataset *ds);
/* Returns NULL when index is out of range. */
BQW_API const bqw_record *bqw_record_at(const bqw_dataset *ds, size_t index);

BQW_API const bqw_meta *bqw_dataset_meta(const bqw_dataset *ds);
BQW_API void bqw_dataset_stats(const bqw_dataset *ds, bqw_stats *out);
BQW_API const bqw_report *bqw_dataset_report(const bqw_dataset *ds);

/* Diagnostics in the order found; index from 0 to bqw_diag_count() - 1. */
BQW_API size_t bqw_diag_count(const bqw_dataset *ds);
BQW_API const bqw_diag *bqw_diag_at(const bqw_dataset *ds, size_t index);

/*
 * Writes "FILE:LINE:COL: severity: message" into buf (NUL terminated, truncated to
 * size) and returns the length the full text needs, as snprintf does.
 */
BQW_API int bqw_diag_format(const bqw_dataset *ds, const bqw_diag *d, char *buf,
                            size_t size);

/* ---- text ---------------------------------------------------------------- */

/* Display width of `len` bytes of UTF-8 in terminal cells, from tables generated out of
 * EastAsianWidth.txt: Wide and Fullwidth take 2 (a Han character), marks and format
 * characters 0, East Asian Ambiguous (“ ” ◎ ● — …) `ambiwidth` cells (1, or 2 as in a
 * CJK terminal or Neovim's 'ambiwidth' double); an invalid byte counts 1. */
BQW_API size_t bqw_display_width(const char *s, size_t len, int ambiwidth);

/* Bytes of the longest prefix of s (whole characters, with their marks) that fits in
 * `width` cells; *used (may be NULL) receives the cells it takes. */
BQW_API size_t bqw_fit_width(const char *s, size_t len, size_t width, int ambiwidth,
                             size_t *used);

/* Encodes the code point cp (0..0x10FFFF, not a surrogate) as UTF-8 into out; returns
 * the bytes written, 1 to 4. */
BQW_API size_t bqw_utf8_encode(int32_t cp, char out[4]);

/* A name-based UUID (RFC 4122 version 5: the SHA-1 of the namespace UUID's 16 bytes and
 * the len bytes of name) into out as 36 lowercase characters and a NUL: the same name
 * always gives the same UUID (the REFI-QDA export's GUIDs). namespace_uuid is written
 * 8-4-4-4-12 in hex. Returns 0, or BQW_EINVAL (out untouched) for a bad namespace. */
BQW_API int bqw_uuid5(const char *namespace_uuid, const char *name, size_t len,
                      char out[37]);

/* Shows the characters of s a terminal would act on or that reorder text (C0 controls
 * but TAB and LF, DEL, C1 controls, the bidirectional embeddings, overrides and
 * isolates) as text: "\x1b" for a C0 control or DEL, "<U+202E>" for the others; every
 * other byte as it is. Writes at most size bytes of that to out (may be NULL with size
 * 0; no NUL added) and returns the bytes the whole of it takes: len exactly when s has
 * no such character, as every one of them is shown longer. */
BQW_API size_t bqw_visible(const char *s, size_t len, char *out, size_t size);

/* ---- scripts ------------------------------------------------------------- */

typedef enum bqw_script {
  BQW_SCRIPT_HANS, /* Simplified: OpenCC t2s.json, with the curated overrides */
  BQW_SCRIPT_HANT  /* Traditional: OpenCC t2s.json, then s2t.json */
} bqw_script;

/*
 * Converts `len` bytes of UTF-8 to the script as OpenCC's t2s.json (and s2t.json after
 * it, for BQW_SCRIPT_HANT, so either kind of input gives the same Traditional) does,
 * phrase tables included, byte for byte, over OpenCC's dictionaries compiled in at build
 * time. BQW_SCRIPT_HANS also applies the curated overrides of data/convert-overrides.tsv
 * (著力 -> 着力, ...). *out receives a NUL-terminated string to release with bqw_free(),
 * *out_len (may be NULL) its length. Returns 0, BQW_EENCODING when s is not valid UTF-8
 * (NUL included), BQW_ENOMEM or BQW_EINVAL. Keeps no state: safe from any thread.
 */
BQW_API int bqw_convert(const char *s, size_t len, bqw_script script, char **out,
                        size_t *out_len);

/* 0 for a known script (the tables are compiled in, nothing can be missing), else
 * BQW_EINVAL; *why is left alone. Kept for callers written when OpenCC was opened at
 * run time. */
BQW_API int bqw_script_available(bqw_script script, const char **why);

/* Releases what bqw_convert and bqw_search return. */
BQW_API void bqw_free(void *p);

/* ---- search -------------------------------------------------------------- */

/*
 * Full-text search that ignores script (Traditional folds to Simplified), width
 * (full-width forms fold to ASCII) and case. An index is a set of documents (texts the
 * caller keeps alive) numbered in the order added, which is also the rank order of
 * hits. Queries of one or two characters are exact from the index, one word of more
 * from the positions of its bigrams; several words are verified against the text.
 * Spaces in a query separate words, which must all occur in a document, anywhere.
 */
typedef struct bqw_index bqw_index;

/* A byte range [start, end) in a text. */
typedef struct bqw_span {
  uint32_t start, end;
} bqw_span;

typedef struct bqw_hit {
  uint64_t tag; /* what bqw_index_add was given */
  uint32_t doc; /* the document's number, from 0 */
} bqw_hit;

typedef struct bqw_results {
  size_t total; /* documents that match */
  size_t count; /* hits returned, at most the limit */
  size_t cap;
  bqw_hit *hits; /* in rank order */
} bqw_results;

BQW_API bqw_index *bqw_index_new(void);
/* Adds a document; text is not copied and must outlive the index. Returns 0,
 * BQW_ENOMEM, or BQW_EINVAL after bqw_index_finish. */
BQW_API int bqw_index_add(bqw_index *ix, const char *text, size_t len, uint64_t tag);
/* Builds the posting lists; no document can be added after. */
BQW_API int bqw_index_finish(bqw_index *ix);
/* Bytes the index holds (documents, key table, postings), the texts not counted. */
BQW_API size_t bqw_index_memory(const bqw_index *ix);
BQW_API size_t bqw_index_doc_count(const bqw_index *ix);
/* Searches; *out gets results to release with bqw_results_free. Returns 0,
 * BQW_EINVAL for an empty query (nothing but spaces) or an unfinished index, or
 * BQW_ENOMEM. limit bounds the hits returned, not the total counted. */
BQW_API int bqw_index_search(const bqw_index *ix, const char *query, size_t qlen,
                             size_t limit, bqw_results **out);
BQW_API void bqw_results_free(bqw_results *r);
BQW_API void bqw_index_free(bqw_index *ix);

/* Where a query matches in a text, folded as search folds: writes up to max byte
 * spans and returns how many matches there are. */
BQW_API size_t bqw_match_spans(const char *text, size_t len, const char *query,
                               size_t qlen, bqw_span *spans, size_t max);

/*
 * Folds len bytes of UTF-8 exactly as the search index folds text (script to
 * Simplified, full-width to ASCII, case, and the curated conversion overrides), so that
 * another index (the SQLite tokenizer in sqlite/bqw_fts5.c) agrees with bqw's: writes
 * one folded code point per character of s to cp (an invalid byte is one character,
 * U+FFFD) and each character's byte offset in s to at, then at[n] = len. cp needs room
 * for len entries and at for len + 1 (a character takes at least one byte); len must
 * be under 4 GiB. Returns n, the number of characters.
 */
BQW_API size_t bqw_fold(const char *s, size_t len, int32_t *cp, uint32_t *at);

/* The fields of a record the dataset's index holds, in rank order. */
typedef enum bqw_field {
  BQW_FIELD_TITLE,
  BQW_FIELD_CITY,
  BQW_FIELD_HEADLINE,
  BQW_FIELD_MEASURE,
  BQW_FIELD_TEXT,
  BQW_FIELD_CATEGORY
} bqw_field;

/* Builds the dataset's index over every record's title, city, headline, measures, text
 * and category on the calling thread, and returns when searches answer from it: 0 at
 * once when it is built, after waiting when a build is under way (that of
 * bqw_dataset_index_start, or another thread's call), else after building it. Returns
 * 0 or BQW_ENOMEM. */
BQW_API int bqw_dataset_index(bqw_dataset *ds);
/* Starts building the dataset's index on a thread of the dataset's own and returns at
 * once: 0 (also when the index is built or being built), BQW_EINVAL for a nice value
 * outside 0..19, BQW_ENOMEM when the thread cannot start, or the error of an earlier
 * background build that failed (out of memory). The thread first lowers its own
 * priority by nice steps (as bqw_loop_set_load_nice; 0: normal priority). Until the
 * index is published, searches answer by scanning, with the same hits, order and total
 * (and from any thread sharing the dataset); the index is then published at once, under
 * the dataset's lock. bqw_dataset_free while the build runs stops it (at the next
 * document) and waits for the thread. The loop's loads call this (bqw_loop_load). */
BQW_API int bqw_dataset_index_start(bqw_dataset *ds, int nice);
/* 1 when searches answer from the index, else 0. */
BQW_API int bqw_dataset_index_ready(bqw_dataset *ds);
/* Searches the dataset; hits' tags split with bqw_tag_split into record index, field
 * and measure index. A search of a dataset without an index reads every text once
 * (cheaper than building the index for one query: the command line's case); the second
 * such search also starts building the index in the background
 * (bqw_dataset_index_start, nice 0), and searches answer from it once it is published.
 * The hits, their order and the total are the same either way. Safe from several
 * threads sharing the dataset. */
BQW_API int bqw_dataset_search(bqw_dataset *ds, const char *query, size_t qlen,
                               size_t limit, bqw_results **out);
BQW_API void bqw_tag_split(uint64_t tag, size_t *record, bqw_field *field, size_t *item);
/* The text of a record's field (item: the measure index, or which of a city entry's
 * headlines), or NULL. */
BQW_API const char *bqw_field_text(const bqw_dataset *ds, size_t record, bqw_field field,
                                   size_t item);

/* ---- pinyin --------------------------------------------------------------- */

/*
 * Pinyin search: the query is latin letters (spaces and apostrophes ignored, ü written
 * v), read as full syllables or initials over consecutive characters, any reading of
 * each counting (readings from Unihan's kMandarin, kHanyuPinlu, kTGHZ2013 and
 * kXHC1983, without tones): "xczx" and "xiangcunzhenxing" find 乡村振兴, in either
 * script. BQW_EINVAL for a query that is not such letters (or over 64 of them).
 */
BQW_API int bqw_dataset_search_pinyin(bqw_dataset *ds, const char *query, size_t qlen,
                                      size_t limit, bqw_results **out);
/* Where a pinyin query matches in a text: up to max byte spans; returns how many. */
BQW_API size_t bqw_pinyin_spans(const char *text, size_t len, const char *query,
                                size_t qlen, bqw_span *spans, size_t max);

/*
 * A sort key for s (len bytes of UTF-8) in Chinese dictionary order: comparing two
 * keys with memcmp (the shorter first when one is a prefix of the other) orders the
 * strings by the pinyin of their Han characters, each read by its primary reading
 * (Unihan kMandarin: 潮州 chao zhou < 东莞 dong guan < … < 珠海 zhu hai), syllable by
 * syllable; other characters stand for themselves, as bytes; ties are broken by the
 * tones, then by the code points, so only equal strings have equal keys. Numbers are
 * not compared numerically: a caller that wants that compares them before the keys.
 * Writes at most cap bytes to out (which may be NULL when cap is 0) and returns the
 * key's full length, at most 11 * len + 2: call again with a larger buffer when it
 * exceeds cap. An invalid byte stands for itself.
 */
BQW_API size_t bqw_collate_key(const char *s, size_t len, char *out, size_t cap);

/* ---- the loop ------------------------------------------------------------ */

/*
 * An event loop on libuv for background work. A bqw_loop either owns its uv loop
 * (bqw_loop_new; drive it with bqw_loop_run) or runs on a host's (bqw_loop_new_on,
 * given a uv_loop_t*, such as Neovim's from luv's luv_loop()); then the host's loop
 * drives it, or the host polls bqw_loop_backend_fd. Slow work runs on libuv's
 * threadpool (or, for niced loads, on threads of their own: bqw_loop_set_load_nice);
 * every callback runs on the loop's thread. Each request calls back exactly once,
 * BQW_ECANCELED when cancelled, and hands over what it carries.
 */
typedef struct bqw_loop bqw_loop;
typedef enum bqw_run_mode { BQW_RUN_DEFAULT, BQW_RUN_ONCE, BQW_RUN_NOWAIT } bqw_run_mode;

BQW_API int bqw_loop_new(bqw_loop **out);
BQW_API int bqw_loop_new_on(void *uv_loop, bqw_loop **out);
/* Runs an owned loop as uv_run does; returns non-zero while work remains. BQW_EINVAL
 * for a loop on a host's uv loop, or when called from one of the loop's callbacks.
 * bqw_loop_free from a callback is allowed: the loop is freed when this returns. */
BQW_API int bqw_loop_run(bqw_loop *loop, bqw_run_mode mode);
BQW_API void bqw_loop_stop(bqw_loop *loop);
/* For a host that polls: the fd to wait on, and how long (ms, -1 forever). */
BQW_API int bqw_loop_backend_fd(const bqw_loop *loop);
BQW_API int bqw_loop_backend_timeout(const bqw_loop *loop);
BQW_API uint64_t bqw_loop_now(const bqw_loop *loop);
/* Handles open and requests in flight. */
BQW_API size_t bqw_loop_pending(const bqw_loop *loop);
/* Stops and closes every handle. An owned loop runs until requests in flight have
 * called back, then is freed; a loop on a host's is freed when they have. */
BQW_API void bqw_loop_free(bqw_loop *loop);

/* Loads (reads, validates, normalizes, parses) in the background, then, for a good
 * dataset, starts building its search index on a thread of its own
 * (bqw_dataset_index_start, at the loop's load nice value; unless
 * bqw_loop_set_index turned that off) before calling back: the dataset comes back as
 * soon as it is parsed, and its searches scan until the index is published. The
 * callback owns ds (NULL when cancelled, or out of memory); status as bqw_load_file,
 * or BQW_ECANCELED. *out (may be NULL) is valid until the callback returns. */
typedef struct bqw_load_req bqw_load_req;
typedef void (*bqw_load_cb)(bqw_load_req *req, int status, bqw_dataset *ds, void *data);
BQW_API int bqw_loop_load(bqw_loop *loop, const char *path, bqw_load_cb cb, void *data,
                          bqw_load_req **out);
/* The size limit of the loop's loads and watches from now on (see bqw_load_options);
 * 0: BQW_DEFAULT_MAX_SIZE. */
BQW_API void bqw_loop_set_max_size(bqw_loop *loop, size_t max_size);
/* The priority of the loop's later loads, bqw_loop_load's and a watch's reloads: 0 (the
 * default) runs each on libuv's threadpool at normal priority; 1..19 runs each on a
 * thread of its own that first raises its own nice value by that much (up to 19), so
 * a host's loop (an editor's) keeps its CPU while a large digest loads. Threadpool
 * threads are never reniced: the pool is shared with the host's own work, and an
 * unprivileged thread cannot lower its nice value back. Where threads have no nice
 * value of their own (not Linux) the thread runs at normal priority. Every guarantee
 * of bqw_loop_load holds either way. BQW_EINVAL for a nice value outside 0..19. */
BQW_API int bqw_loop_set_load_nice(bqw_loop *loop, int nice);
/* Whether the loop's later loads (bqw_loop_load's and a watch's reloads) start building
 * the loaded dataset's search index: 1 (the default) or 0, for a host that will not
 * search it (an export on every change) and should not pay for the build. */
BQW_API void bqw_loop_set_index(bqw_loop *loop, int on);
BQW_API void bqw_load_cancel(bqw_load_req *req);

/* A timer: fires after timeout_ms, then every repeat_ms (0: once). Stopping frees it. */
typedef struct bqw_timer bqw_timer;
typedef void (*bqw_timer_cb)(bqw_timer *timer, void *data);
BQW_API int bqw_timer_start(bqw_loop *loop, uint64_t timeout_ms, uint64_t repeat_ms,
                            bqw_timer_cb cb, void *data, bqw_timer **out);
BQW_API void bqw_timer_stop(bqw_timer *timer);

/* A signal handler (SIGINT, …) on the loop. Stopping frees it. */
typedef struct bqw_signal bqw_signal;
typedef void (*bqw_signal_cb)(bqw_signal *sig, int signum, void *data);
BQW_API int bqw_signal_start(bqw_loop *loop, int signum, bqw_signal_cb cb, void *data,
                             bqw_signal **out);
BQW_API void bqw_signal_stop(bqw_signal *sig);

/* Watches a digest: when it changes (written, replaced by rename, deleted and
 * re-created) it is loaded again in the background, debounce_ms after the last change;
 * a burst of writes gives one load. The callback owns ds: a good dataset (status 0),
 * or the failed one whose diagnostics say why (status < 0). Stopping frees it. */
typedef struct bqw_watch bqw_watch;
typedef void (*bqw_watch_cb)(bqw_watch *watch, int status, bqw_dataset *ds, void *data);
BQW_API int bqw_watch_start(bqw_loop *loop, const char *path, uint64_t debounce_ms,
                            bqw_watch_cb cb, void *data, bqw_watch **out);
BQW_API void bqw_watch_stop(bqw_watch *watch);
BQW_API const char *bqw_watch_path(const bqw_watch *watch);

/* ---- the field schema ----------------------------------------------------
 *
 * Every field of a record, once: what the Lua record tables hold, what `--where`
 * filters on, what facets count and sorts order by, the columns of every export and
 * view, the completions and the field tables of the README and `:help bqw` are all read
 * from this table (BQW_SCHEMA_MAP, in export column order). Nothing else lists fields.
 */

/* A value's type. A list holds texts or integers; a date is text YYYY-MM-DD. */
typedef enum bqw_type {
  BQW_TYPE_NONE,    /* the field does not apply to this record */
  BQW_TYPE_TEXT,    /* UTF-8 */
  BQW_TYPE_INTEGER, /* a number */
  BQW_TYPE_DATE,    /* ISO 8601 text */
  BQW_TYPE_TEXTS,   /* a list of texts */
  BQW_TYPE_INTEGERS /* a list of integers */
} bqw_type;

/* How a field's text is presented in another script (bqw_value.present). */
typedef enum bqw_present {
  BQW_PRESENT_AS_IS, /* a keyword or code ("document", "2023-09-01"): never converted */
  BQW_PRESENT_TEXT,  /* published prose: converted to either script */
  BQW_PRESENT_NAME   /* a gazetteer or table name, Simplified: converted to Traditional */
} bqw_present;

/* Field flags. */
enum {
  BQW_FLAG_FILTER = 1 << 0,  /* `--where NAME…` filters on it (its filter word) */
  BQW_FLAG_FOLD = 1 << 1,    /* = and ~ fold script, width and case (bqw_fold) */
  BQW_FLAG_CLOSED = 1 << 2,  /* a closed vocabulary: = and ~ must name a known value */
  BQW_FLAG_FACET = 1 << 3,   /* `bqw facet NAME` counts it */
  BQW_FLAG_SORT = 1 << 4,    /* `--sort NAME` orders by it */
  BQW_FLAG_RECORD = 1 << 5,  /* a key of a record row (Lua table, JSON, export column) */
  BQW_FLAG_MEASURE = 1 << 6, /* a key of a measure row only (--shape measure) */
  BQW_FLAG_MEASURES = 1 << 7 /* the record's list of its measures (measures and their
                              * lines): a record row's key, never a measure shape row's */
};

/* Kinds as bits, for bqw_field_info.kinds. */
#define BQW_KIND_BIT(k) (1u << (k))
#define BQW_KINDS_ALL 0x3fu

/* X-macro of the schema (bqw_schema.h): XX(ID, name, filter word, type, kinds, flags,
 * present, also, description). The filter word is the name `--where`, `facet` and
 * `--sort` use (NULL: none); "issuers" is filtered as "issuer", "years" as "year".
 * `also` is a second field a filter's = and ~ test (doctype also tests doctype_detail,
 * section its heading as published), or NONE. */
typedef enum bqw_field_id {
#define XX(id, name, word, type, kinds, flags, present, also, desc) BQW_F_##id,
#include "bqw_schema.h"
#undef XX
  BQW_F_COUNT
} bqw_field_id;

typedef struct bqw_field_info {
  bqw_field_id id;
  const char *name;        /* the record key ("issuers") */
  const char *filter;      /* the filter and facet word ("issuer"), or NULL */
  bqw_type type;           /* its type where it applies */
  unsigned kinds;          /* BQW_KIND_BIT of each kind it applies to */
  unsigned flags;          /* BQW_FLAG_* */
  bqw_present present;     /* how it converts to another script */
  int also;                /* a bqw_field_id the filter also tests, or -1 */
  const char *description; /* one line, English, for docs and `bqw fields` */
} bqw_field_info;

/* The number of fields, and field i (0..count-1) in export column order. */
BQW_API size_t bqw_schema_count(void);
BQW_API const bqw_field_info *bqw_schema_field(size_t i);
/* The field of a filter word, else of a record key ("issuer", then "issuers"): "year"
 * is the years field; NULL when neither. */
BQW_API const bqw_field_info *bqw_schema_find(const char *name, size_t len);
/* What joins the items of a list in one cell of an export (CSV, TSV, xlsx, Markdown,
 * HTML) under the row key `key` (len bytes): a newline for the record's measures (a
 * list of texts flagged BQW_FLAG_MEASURES), "; " for any other list, and for a key no
 * field has (a user's own column). */
BQW_API const char *bqw_list_joiner(const char *key, size_t len);
/* The schema field a search hit's field (bqw_field) is: its record key ("title",
 * "city", "headline", "measure", "text", "category") and how its text is presented in
 * another script (a city's name is Simplified already); NULL for a value that is no
 * bqw_field. */
BQW_API const bqw_field_info *bqw_search_field(bqw_field field);

/* One field of one row. A row is a record (measure 0) or, in the measure shape, one
 * of its measures (measure 1..measure_count). Texts point into the dataset. */
typedef struct bqw_value {
  bqw_type type;       /* BQW_TYPE_NONE when the field does not apply */
  bqw_present present; /* the field's */
  const char *text;    /* TEXT, DATE */
  long long integer;   /* INTEGER */
  size_t count;        /* TEXTS, INTEGERS: items */
  const void *items;   /* read with bqw_value_text_at / bqw_value_int_at */
  size_t stride;       /* bytes between items */
} bqw_value;

/* Field `field` of record `record` (index from 0) in row `measure` (0: the record's
 * row, 1..: its measure's row). Returns 0, or BQW_ERANGE for a record or measure out
 * of range (out->type is then NONE). */
BQW_API int bqw_record_value(const bqw_dataset *ds, size_t record, size_t measure,
                             bqw_field_id field, bqw_value *out);
/* The measure rows of record `record` in the measure shape: its measure count when it
 * is of a kind measures apply to and has some (rows 1..n), else 0 (the record is one
 * row of its own, measure 0, with the measure columns empty). 0 for a record out of
 * range. */
BQW_API size_t bqw_record_measure_rows(const bqw_dataset *ds, size_t record);
/* Item i of a TEXTS or INTEGERS value. */
BQW_API const char *bqw_value_text_at(const bqw_value *v, size_t i);
BQW_API long long bqw_value_int_at(const bqw_value *v, size_t i);

/* Column sets: the fields an output shows by default, in its own order. The schema's
 * order is the JSON record's; these outputs kept the selection and order they had
 * before the schema, so that no export changed. */
typedef enum bqw_column_set {
  BQW_COLUMNS_FLAT_RECORD,   /* CSV, TSV, xlsx: the record shape's columns */
  BQW_COLUMNS_FLAT_MEASURE,  /* the measure shape's */
  BQW_COLUMNS_TABLE_RECORD,  /* Markdown and HTML: a section table's candidates */
  BQW_COLUMNS_TABLE_MEASURE, /* the same in the measure shape */
  BQW_COLUMNS_NDJSON,        /* NDJSON's key order: every row key */
  BQW_COLUMNS_SQLITE,        /* the SQLite export's records table */
  BQW_COLUMNS_DETAIL,        /* the detail view's reading order */
  BQW_COLUMNS_COUNT
} bqw_column_set;

/* The name of a column set ("flat_record", "table_measure", "ndjson", …), or NULL. */
BQW_API const char *bqw_column_set_name(bqw_column_set set);
/* The fields of a column set, in order; *count gets how many (0 and NULL for a set out
 * of range). */
BQW_API const bqw_field_id *bqw_schema_columns(bqw_column_set set, size_t *count);

/* ---- the query engine ----------------------------------------------------
 *
 * One evaluator for `--where` expressions, facets, crosstabs and orderings, shared
 * by every front end (the CLI, the Lua API, Neovim, the exports). The language:
 *
 *   expr := or ;  or := and { "or" and } ;  and := term { ["and"] term }
 *   term := "(" expr ")" | "not" term | WORD OP VALUE
 *   OP   := "=" | "!=" | "~" | "!~" | ">=" | "<=" | ">" | "<"
 *
 * A VALUE is a bare word or a quoted string ('…' or "…", \ escapes). Semantics, per
 * the field's schema entry (doc/bqw.txt, "bqw-where", is the user's statement):
 *  - text fields: `=` is equality, `~` containment, both after bqw_fold of both sides
 *    (script, width, case); a list field matches when any item does;
 *  - closed vocabularies (BQW_FLAG_CLOSED): the value must equal (=) or be part of (~)
 *    some known value, folded; else a parse error with a did-you-mean;
 *  - integer fields: = >= <= > < against N or a range A..B (= within, >= from A, <= to
 *    B, > after B, < before A); a list matches when any item does;
 *  - `text`: anywhere in the record (title, city, headline, measures, prose, category)
 *    through the search index (bqw_dataset_search), = and ~ both containment;
 *  - in the measure shape each row is a measure: `text` and `measure` test the row's
 *    own measure, `measure_index` its place, other fields the record's (so `not
 *    text~X` selects the measures not naming X); a record without measures is one row
 *    (measure 0), tested as a record;
 *  - `!=` and `!~` are `not` of = and ~; a record without the field fails = and ~.
 * Words the schema does not know are offered to the caller's resolver (user filter
 * plugins), whose leaves are evaluated by its callback.
 */
typedef struct bqw_query bqw_query;

/* Where and why an expression failed to parse: byte offset of the offending token and
 * its 1-based column in characters, and an English message without position. */
typedef struct bqw_query_error {
  size_t pos;
  uint32_t col;
  char message[768];
} bqw_query_error;

/* A leaf the engine hands to the caller: a filter word it does not know (or one the
 * caller overrides), with its operator and value as written. */
typedef struct bqw_query_leaf {
  const char *word;  /* NUL terminated */
  const char *op;    /* "=", "~", ">=", "<=", ">" or "<" (negation is a not node) */
  const char *value; /* unquoted, NUL terminated */
  size_t pos;        /* byte offset of the word in the expression */
  size_t value_pos;  /* byte offset of the value */
} bqw_query_leaf;

typedef struct bqw_query_options {
  int measure_shape; /* rows are measures: text and measure test the row's measure */
  /* Called for each leaf whose word is not a schema filter, or is in `overridden`:
   * returns a handle >= 0 that bqw_query_options.eval receives, or -1 with err->message
   * set (an unknown filter, a bad value) and err->pos where the caret goes (it comes
   * set to leaf->pos; leaf->value_pos for a bad value); the engine fills col. -1 with
   * no message: the engine's "unknown filter" error. When the word has no operator or
   * no value after it, op and value are NULL: only whether the word is known counts
   * (the engine then reports what is missing). NULL: unknown words are errors. */
  int (*resolve)(void *data, const bqw_query_leaf *leaf, bqw_query_error *err);
  /* Evaluates a resolved leaf on a row: 1 match, 0 no match, < 0 an error that stops
   * the evaluation (bqw_query_match returns it). */
  int (*eval)(void *data, int handle, size_t record, size_t measure);
  void *data;
  /* Filter words (NUL-separated, ending with an empty one) the caller evaluates
   * itself although the schema knows them: a user plugin replacing a built-in. */
  const char *overridden;
} bqw_query_options;

/* Parses `len` bytes of expression for `ds` (closed vocabularies are checked against
 * the schema's tables and the dataset's values). On success *out holds a query to free
 * with bqw_query_free; on BQW_EINVAL *err says where and why. An empty expression (or
 * only white space) matches every row: every front end passes it here, so this is the
 * one place that decides. Returns 0, BQW_EINVAL, BQW_ENOMEM. Parsing and evaluation
 * take time linear in the expression (nesting deeper than 100 is an error). */
BQW_API int bqw_query_parse(bqw_dataset *ds, const char *expr, size_t len,
                            const bqw_query_options *opts, bqw_query **out,
                            bqw_query_error *err);
/* Whether row (record, measure) matches: 1, 0, or a negative code (the caller's eval
 * failed, or a search ran out of memory). A query reuses a buffer as it evaluates: one
 * thread at a time (parse one per thread to share a dataset). */
BQW_API int bqw_query_match(bqw_query *q, size_t record, size_t measure);
/* Whether record `record` has a row that matches: in the record shape (or q NULL) its
 * own row, as bqw_query_match(q, record, 0); in the measure shape any of its measure
 * rows (bqw_record_measure_rows), or its own row when it has none. An export in the
 * measure shape walks the records this selects and writes the rows that match. 1, 0,
 * or a negative code as bqw_query_match. */
BQW_API int bqw_query_match_record(bqw_query *q, size_t record);
/* Whether q's rows are measures (it was parsed with measure_shape); 0 for NULL. */
BQW_API int bqw_query_measure_shape(const bqw_query *q);
BQW_API void bqw_query_free(bqw_query *q);

/* A set of rows in order: (record, measure) pairs. */
typedef struct bqw_rows {
  size_t count;
  uint32_t *records;  /* record index from 0 */
  uint32_t *measures; /* 0, or the measure from 1 in the measure shape */
} bqw_rows;

/* One ordering key: a sortable field, descending or not. */
typedef struct bqw_sort_key {
  bqw_field_id field;
  int descending;
} bqw_sort_key;

/*
 * The rows `q` selects (q NULL: all) among records [0, last) (last 0: all), in the
 * order of keys: texts by bqw_collate_key of the text as presented in `script`
 * (-1: as published), numbers numerically, a list by its first item, an absent value
 * last in either direction, ties by record then measure; nkeys 0: source order. The
 * rows are those of q's shape. *out is freed with bqw_rows_free. Returns 0, BQW_EINVAL
 * (a field not sortable), BQW_ENOMEM, or the error of q's evaluation.
 */
BQW_API int bqw_query_rows(bqw_dataset *ds, bqw_query *q, size_t last,
                           const bqw_sort_key *keys, size_t nkeys, int script,
                           bqw_rows **out);
BQW_API void bqw_rows_free(bqw_rows *rows);

/* A facet: how many records (and their measures) carry each value of a field, or, with
 * `by`, each pair of values (a crosstab). A record counts once under each distinct value
 * it has (folded as = compares); values come by count descending, then collation
 * (integers numerically); with `by`, cells[i * by_count + j] counts value i with by
 * value j and the by values come in the same order by their totals. */
typedef struct bqw_facet {
  size_t count;        /* values */
  const char **values; /* as published (the first spelling met) */
  size_t *records;     /* records per value */
  size_t *measures;    /* measures of those records */
  size_t *firsts;      /* the first record (index from 0) counted under each value */
  size_t by_count;     /* crosstab: values of `by`, else 0 */
  const char **by_values;
  size_t *cells; /* count * by_count record counts */
  size_t total;  /* records counted (selected and having the field) */
} bqw_facet;

/* Facet of `field` (a BQW_FLAG_FACET field) over the records q selects (NULL: all)
 * among [0, last) (0: all); by: BQW_F_COUNT for none, else a second facet field.
 * Returns 0, BQW_EINVAL (a field not facetable), BQW_ENOMEM or q's error. */
BQW_API int bqw_facet_count(bqw_dataset *ds, bqw_query *q, size_t last,
                            bqw_field_id field, bqw_field_id by, bqw_facet **out);
BQW_API void bqw_facet_free(bqw_facet *f);

/* Names for the enums, as used by the Lua API and JSON ("document", "province", …). */
BQW_API const char *bqw_kind_name(bqw_kind kind);
BQW_API const char *bqw_section_name(bqw_section section);
BQW_API const char *bqw_action_name(bqw_action action);
BQW_API const char *bqw_level_name(bqw_level level);
BQW_API const char *bqw_severity_name(bqw_severity severity);
#include "bqw_code.h" /* policy-text coding: codebooks, codings */
#include "bqw_rows.h" /* export rows: buffers, cells, row formats, sections, orders */
#ifdef __cplusplus
}
#endif
#endif /* BQW_H */
