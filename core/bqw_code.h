/*
 * bqw_code.h -- policy-text coding in libbqw: codebooks and the codings of a dataset;
 * included by bqw.h (at its end, inside its extern "C"), installed beside it.
 */
#ifndef BQW_PUBLIC_CODE_H
#define BQW_PUBLIC_CODE_H

/* ---- coding ---------------------------------------------------------------
 *
 * Policy-text coding: a codebook is a set of codes (tools, themes), each with the words
 * and phrases (patterns) that signal it, read from TSV files (doc/bqw.txt,
 * "bqw-codebook": columns code, label, patterns, and optionally parent, exclude,
 * description; patterns separated by '|'). Patterns and texts are compared folded, as
 * search folds them (bqw_fold: script, width, case). A dataset given a codebook codes
 * each measure and each record's prose (`text`): a code is given where one of its
 * patterns occurs and no exclude pattern of the same code overlaps that occurrence; each
 * such occurrence is a coding, with its span. One pass of one automaton (Aho-Corasick,
 * built once for the whole set) reads each text.
 */
typedef struct bqw_codebook bqw_codebook;

/* A code, as its row gave it. Strings live as long as the codebook. */
typedef struct bqw_code_info {
  const char *code;        /* the name `--where code=` and facets use (供给型) */
  const char *label;       /* a label (Supply-side tools) */
  const char *description; /* "" when none */
  const char *file;        /* the codebook's name, and the row's line in it */
  uint32_t line;
  int parent;              /* index of the parent code, or -1 */
  const char *parent_name; /* as written, or NULL */
  unsigned depth;          /* 0 for a top-level code */
  size_t pattern_count;
  const char *const *patterns; /* as written, trimmed */
  size_t exclude_count;
  const char *const *excludes;
} bqw_code_info;

/* Where and why a codebook failed to parse: 1-based line and column (in characters),
 * and a message with what to do, without position. */
typedef struct bqw_codebook_error {
  uint32_t line, col;
  char message[512];
} bqw_codebook_error;

/* A new, empty codebook set; free with bqw_codebook_free. Returns 0, BQW_ENOMEM,
 * BQW_EINVAL. */
BQW_API int bqw_codebook_new(bqw_codebook **out);
/* Adds the codes of one TSV file (len bytes of data; name is the file name errors and
 * bqw_code_info.file carry). Strict: an unknown or repeated column, a missing code,
 * label or patterns column, a duplicate code (folded, across the set), an unknown
 * parent, a parent cycle, an empty pattern, invalid UTF-8 or a control character, a
 * code with no pattern and no child, are each an error: BQW_EINVAL with *err (may be
 * NULL) saying where, and the set is as it was before the call. A parent may name a
 * code of this file or of one added before. Returns 0, BQW_EINVAL or BQW_ENOMEM.
 * Not to be called once the codebook is given to a dataset. */
BQW_API int bqw_codebook_add(bqw_codebook *cb, const char *name, const char *data,
                             size_t len, bqw_codebook_error *err);
/* Writes "NAME:LINE:COL: error: MESSAGE" as snprintf does. */
BQW_API int bqw_codebook_error_format(const char *name, const bqw_codebook_error *err,
                                      char *buf, size_t size);
/* Codes in the order added; NULL out of range. */
BQW_API size_t bqw_codebook_count(const bqw_codebook *cb);
BQW_API const bqw_code_info *bqw_codebook_code(const bqw_codebook *cb, size_t i);
/* The index of a code (compared folded), or -1. */
BQW_API int bqw_codebook_find(const bqw_codebook *cb, const char *code, size_t len);
/* Adds an owner (as bqw_dataset_ref); bqw_codebook_free drops one. */
BQW_API bqw_codebook *bqw_codebook_ref(bqw_codebook *cb);
BQW_API void bqw_codebook_free(bqw_codebook *cb);

/* One occurrence of a pattern in a text, as bqw_codebook_scan reports it. */
typedef struct bqw_code_match {
  uint32_t code;                 /* index of the code */
  int exclude;                   /* an exclude pattern */
  uint32_t start, end;           /* bytes [start, end) of the text */
  uint32_t char_start, char_end; /* characters */
} bqw_code_match;

/* Every occurrence of every pattern (include and exclude) in len bytes of text, in the
 * order their ends come (then pattern order): writes up to max and returns how many
 * there are. The automaton alone, without exclusion: for tests and tools. */
BQW_API size_t bqw_codebook_scan(const bqw_codebook *cb, const char *text, size_t len,
                                 bqw_code_match *out, size_t max);

/* Gives the dataset a codebook set (it takes an owner; NULL removes it); the codings
 * are computed on their first use (bqw_dataset_codings, the `code` field) and kept.
 * Safe while other threads read the dataset through owners of their own
 * (bqw_dataset_ref; a view job's): the codebook and its codings are replaced as one
 * set, and a reader sees the old set or the new one, never a mix. The set replaced,
 * with its codings, is kept while another owner could still be reading it: it is freed
 * by bqw_dataset_free, or by a later bqw_dataset_set_codebook made while the caller is
 * the dataset's only owner (refs back to one: every other thread has let go). So what
 * bqw_dataset_codebook and bqw_dataset_codings gave stays valid until the caller itself
 * sets another codebook while owning the dataset alone, or frees it. Returns 0,
 * BQW_EINVAL or BQW_ENOMEM (the dataset then keeps its set). */
BQW_API int bqw_dataset_set_codebook(bqw_dataset *ds, bqw_codebook *cb);
/* 1 when the codings of the dataset's codebook are computed (or it has none), so that
 * bqw_dataset_codings would not compute them now, else 0: a host whose thread must not
 * wait (an editor) has them computed on another thread first. Never blocks. */
BQW_API int bqw_dataset_codings_ready(const bqw_dataset *ds);
/* The dataset's codebook set, or NULL. Another thread's bqw_dataset_set_codebook may
 * replace it between this call and bqw_dataset_codings: bqw_dataset_codings_of gives
 * the two of one set. */
BQW_API const bqw_codebook *bqw_dataset_codebook(const bqw_dataset *ds);

/* A coding: a code given to a measure (or a record's prose), with its evidence. */
typedef struct bqw_coding {
  uint32_t record;               /* index from 0 */
  uint32_t measure;              /* the measure from 1, or 0: the record's text */
  uint32_t code;                 /* index in the codebook */
  uint32_t line;                 /* the measure's source line (the record's for text) */
  uint32_t start, end;           /* bytes [start, end) of the evidence in that text */
  uint32_t char_start, char_end; /* the same in characters (code points) */
} bqw_coding;

/* Every coding of the dataset, in source order (record, its measures, then its text;
 * in each text by where the evidence ends). The codings belong to the dataset. Returns
 * 0 (none without a codebook) or BQW_ENOMEM. */
BQW_API int bqw_dataset_codings(const bqw_dataset *ds, const bqw_coding **out,
                                size_t *count);
/* As bqw_dataset_codings, with *cb (cb may be NULL) the codebook those codings index
 * (bqw_coding.code): the two of one set even while another thread sets a codebook. */
BQW_API int bqw_dataset_codings_of(const bqw_dataset *ds, const bqw_codebook **cb,
                                   const bqw_coding **out, size_t *count);
/* The codings of one record (index from 0), with *cb (cb may be NULL) as for
 * bqw_dataset_codings_of: *out points into that set's array, *count of them (0 for a
 * record without). Returns 0 or BQW_ENOMEM. */
BQW_API int bqw_dataset_record_codings(const bqw_dataset *ds, size_t record,
                                       const bqw_codebook **cb, const bqw_coding **out,
                                       size_t *count);
/* The codes of one coded unit, ancestors included, in codebook order: a measure (from
 * 1), or with measure 0 the record's text alone (a record row's `code` value adds its
 * measures'). *names (count of them) belong to the dataset. Returns 0 (none without a
 * codebook), BQW_EINVAL, BQW_ERANGE (no such record or measure) or BQW_ENOMEM. */
BQW_API int bqw_dataset_unit_codes(const bqw_dataset *ds, size_t record, size_t measure,
                                   const char *const **names, size_t *count);
/* The text a coding's span counts in (the measure, or the record's text). */
BQW_API const char *bqw_coding_text(const bqw_dataset *ds, const bqw_coding *c);

#endif /* BQW_PUBLIC_CODE_H */
