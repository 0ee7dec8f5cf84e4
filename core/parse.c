/*
 * parse.c -- the digest parser: clean lines in, records out.
 *
 * Recognition keys on structure: ● 《》 open a document, ◎ a measure, a gazetteer
 * name a city entry, "2025年" a target, "2023年1月3日" a meeting, and the words of
 * data/structure.tsv the section headings, labels, source line and city actions.
 * Never on line numbers or order. What it cannot place it keeps, as an `other`
 * record, and warns about.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULLET "\xE2\x97\x8F"  /* ● */
#define MEASURE "\xE2\x97\x8E" /* ◎ */
#define LQUOTE "\xE3\x80\x8A"  /* 《 */
#define RQUOTE "\xE3\x80\x8B"  /* 》 */
#define HEADING_MAX_CHARS 24

/* A text field being joined from several lines ("\n" between them), kept with room to
 * grow: a line added to the field it built last is copied once, not the whole text
 * again (which made a run of 40,000 unrecognised lines take 5.6 GB). The old blocks
 * stay in the arena until the dataset is freed; as the room doubles, they add up to
 * less than the last one. */
typedef struct join {
  char *text; /* the field's value while this join builds it */
  size_t len, cap;
} join;

/* The fields that grow a line at a time; each has its own join, as one may be left
 * open while another grows (an introduction around a credits line, a meeting's text
 * around an unknown section). */
typedef enum {
  JOIN_RUN,          /* the `other` record of a run of unrecognised lines */
  JOIN_OTHER,        /* the `other` record of an unknown section */
  JOIN_ITEM,         /* a target's or meeting's text */
  JOIN_SOURCE_NOTE,  /* meta.source_note */
  JOIN_INTRODUCTION, /* meta.introduction */
  JOIN_MEASURE,      /* a measure continued on the next line */
  JOIN_COUNT
} join_field;

/* A list of texts that grows a line at a time, its room doubling (a run of 40,000
 * bylines or headlines copies 80,000 pointers, not 800 million). */
typedef struct list {
  const char **items;
  size_t count, cap;
} list;

typedef struct parser {
  bqw_dataset *ds;
  join joins[JOIN_COUNT];
  bqw_section section;
  const char *section_title;
  bqw_section known;       /* the last known section, where parsing resumes after an */
  const char *known_title; /* unknown heading, at the next line it recognises */
  const char *category;
  bool category_open; /* a category heading came, and no document yet */
  size_t current;     /* index + 1 of the record taking ◎ measures */
  size_t guiding;     /* index + 1 of the guiding document */
  size_t awaiting;    /* index + 1 of a target or meeting awaiting its text */
  size_t other;       /* index + 1 of the open unknown-section record */
  size_t run;         /* index + 1 of the `other` record of a run of unrecognised lines */
  size_t run_line;    /* the line index last added to it */
  bool expect_headline;
  bool headline_open; /* the city entry has a headline and no measure yet */
  bool seen[BQW_SECTION_OTHER + 1];
  bool byline_seen;
  size_t prev;       /* the index of the last non-empty line parsed, SIZE_MAX: none */
  size_t measure_at; /* the index of the last measure's line (or of its continuation) */
  list headlines;    /* the open city entry's headlines */
  const text_line *heading_of; /* the line whose heading_like `heading` holds */
  bool heading;
  list bylines; /* meta.bylines */
} parser;

/* Whether s holds the n bytes of word (n >= 1) at its start: the first and last bytes
 * are compared before a call, which most places fail (the lead bytes of CJK text are
 * few, its last bytes many). */
static bool same_at(const char *s, const char *word, size_t n) {
  return s[0] == word[0] && s[n - 1] == word[n - 1] && !memcmp(s, word, n);
}

__attribute__((always_inline)) static inline bool starts_with(const char *s, size_t len,
                                                              const char *prefix) {
  size_t n = strlen(prefix);
  return !n || (len >= n && same_at(s, prefix, n));
}

/* The parser searches short lines for short words, where memmem's set-up costs more
 * than a plain scan. */
static const char *find(const char *s, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; n && i + n <= len; i++)
    if (same_at(s + i, needle, n))
      return s + i;
  return NULL;
}

static const char *find_last(const char *s, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (!n)
    return s + len; /* as the empty word matches at the end */
  for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
    if (same_at(s + i, needle, n))
      return s + i;
  return NULL;
}

/* ---- words from data/structure.tsv ---- */

static bool keyword_match(const bqw_dataset *ds, keyword_role role, const char *s,
                          size_t len, bool prefix_only) {
  for (size_t i = 0; i < ds->facts.keyword_count; i++) {
    const keyword *k = &ds->facts.keywords[i];
    if (k->role != role || !k->len)
      continue;
    if (prefix_only ? starts_with(s, len, k->text) : find(s, len, k->text) != NULL)
      return true;
  }
  return false;
}

static bool keyword_is(const bqw_dataset *ds, keyword_role role, const char *s,
                       size_t len) {
  for (size_t i = 0; i < ds->facts.keyword_count; i++) {
    const keyword *k = &ds->facts.keywords[i];
    if (k->role == role && k->len == len && !memcmp(k->text, s, len))
      return true;
  }
  return false;
}

/* A heading is short and reads like a title, not a sentence or an item: at most
 * HEADING_MAX_CHARS characters, none of them sentence punctuation (ASCII , ; : ! ? or
 * their full-width forms, or 。). One pass that gives up at the first sign of prose. */
static bool heading_like(const char *s, size_t len) {
  if (!len || starts_with(s, len, BULLET) || starts_with(s, len, MEASURE) ||
      starts_with(s, len, LQUOTE))
    return false;
  if (len > HEADING_MAX_CHARS * 4)
    return false; /* more characters than a heading has, whatever they are */
  const unsigned char *u = (const unsigned char *)s;
  size_t chars = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = u[i];
    if (text_is_cont(c))
      continue;
    if (++chars > HEADING_MAX_CHARS)
      return false;
    if (c == ',' || c == ';' || c == ':' || c == '!' || c == '?')
      return false;
    if (i + 2 < len && c == 0xEF && u[i + 1] == 0xBC &&
        (u[i + 2] == 0x8C || u[i + 2] == 0x9B || u[i + 2] == 0x9A || u[i + 2] == 0x81 ||
         u[i + 2] == 0x9F))
      return false; /* ，；：！？ */
    if (i + 2 < len && c == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x82)
      return false; /* 。 */
  }
  return true;
}

static bqw_section section_of(const bqw_dataset *ds, const char *s, size_t len,
                              bool heading) {
  static const struct {
    keyword_role role;
    bqw_section section;
  } roles[] = {{ROLE_SECTION_PROVINCE, BQW_SECTION_PROVINCE},
               {ROLE_SECTION_CITY, BQW_SECTION_CITY},
               {ROLE_SECTION_GUIDING, BQW_SECTION_GUIDING},
               {ROLE_SECTION_TIMELINE, BQW_SECTION_TIMELINE}};
  if (!heading) /* heading_like(s, len) */
    return BQW_SECTION_PREAMBLE;
  /* One pass over the keywords keeps the earliest role of roles[] that matches. */
  size_t best = sizeof roles / sizeof *roles;
  for (size_t i = 0; i < ds->facts.keyword_count && best > 0; i++) {
    const keyword *k = &ds->facts.keywords[i];
    size_t r = 0;
    while (r < best && roles[r].role != k->role)
      r++;
    if (r < best && k->len && find(s, len, k->text))
      best = r;
  }
  return best < sizeof roles / sizeof *roles ? roles[best].section : BQW_SECTION_PREAMBLE;
}

/* heading_like of a line, worked out once however often the parser asks (up to five
 * times a line). */
static bool heading(parser *p, const text_line *l) {
  if (p->heading_of != l) {
    p->heading_of = l;
    p->heading = heading_like(l->text, l->len);
  }
  return p->heading;
}

static const place *find_place(const bqw_dataset *ds, const char *s, size_t len) {
  static const char city_suffix[] = "\xE5\xB8\x82"; /* 市 */
  if (len > 3 && !memcmp(s + len - 3, city_suffix, 3))
    len -= 3;
  for (size_t i = 0; i < ds->facts.place_count; i++) {
    const place *p = &ds->facts.places[i];
    /* the first byte first: most names differ there (s is NUL terminated) */
    if ((p->name_hans[0] == s[0] && strlen(p->name_hans) == len &&
         !memcmp(p->name_hans, s, len)) ||
        (p->name_hant[0] == s[0] && strlen(p->name_hant) == len &&
         !memcmp(p->name_hant, s, len)))
      return p;
  }
  return NULL;
}

/* ---- dates and document numbers: core/scan.c ---- */

/* ---- building records ---- */

static bqw_record *push_record(parser *p, bqw_kind kind, const text_line *l) {
  bqw_dataset *ds = p->ds;
  bqw_record *records =
      huge_grow(ds->records, ds->record_count, &ds->record_cap, sizeof *records, 64);
  if (!records)
    return NULL;
  ds->records = records;
  if (ds->derived) { /* a record before has a document number: see set_docno */
    record_derived *derived =
        huge_grow(ds->derived, ds->record_count, &ds->derived_cap, sizeof *derived, 64);
    if (!derived)
      return NULL;
    ds->derived = derived;
    ds->derived[ds->record_count] = (record_derived){0};
  }
  bqw_record *r = &ds->records[ds->record_count++];
  *r = (bqw_record){.kind = kind,
                    .section = p->section,
                    .line = l->number,
                    .section_title = p->section_title};
  return r;
}

static int push_measure(parser *p, const char *text, uint32_t number) {
  bqw_dataset *ds = p->ds;
  bqw_measure *measures =
      huge_grow(ds->measures, ds->measure_count, &ds->measure_cap, sizeof *measures, 64);
  if (!measures)
    return BQW_ENOMEM;
  ds->measures = measures;
  ds->measures[ds->measure_count++] = (bqw_measure){text, number};
  ds->records[p->current - 1].measure_count++;
  return 0;
}

/* Joins a further line onto a text field with "\n": in place when the field is the
 * one the join built last and there is room, else into a new block. */
static const char *append_sep(parser *p, join_field which, const char *old,
                              const text_line *l, const char *sep) {
  if (!old)
    return l->text;
  join *j = &p->joins[which];
  size_t b = l->len, sl = strlen(sep);
  bool fresh = old != j->text;
  if (fresh) { /* a field this join has not built (yet): start from it */
    j->text = NULL;
    j->len = strlen(old);
    j->cap = 0;
  }
  size_t need = j->len + sl + b + 1;
  if (need > j->cap) {
    /* most fields are two lines: the first join takes what it needs, a third line
     * and on double the room */
    size_t cap = fresh ? need : need * 2;
    char *s = arena_alloc(&p->ds->mem, cap);
    if (!s)
      return NULL;
    memcpy(s, old, j->len);
    j->text = s;
    j->cap = cap;
  }
  memcpy(j->text + j->len, sep, sl);
  memcpy(j->text + j->len + sl, l->text, b);
  j->len += sl + b;
  j->text[j->len] = '\0';
  return j->text;
}

static const char *append_text(parser *p, join_field which, const char *old,
                               const text_line *l) {
  return append_sep(p, which, old, l, "\n");
}

/* Appends s to a list; false when out of memory. */
static bool list_push(parser *p, list *li, const char *s) {
  if (li->count == li->cap) {
    size_t cap = li->cap ? li->cap * 2 : 2;
    const char **items = arena_alloc(&p->ds->mem, cap * sizeof *items);
    if (!items)
      return false;
    if (li->count)
      memcpy(items, li->items, li->count * sizeof *items);
    li->items = items;
    li->cap = cap;
  }
  li->items[li->count++] = s;
  return true;
}

/* The text inside the first 《 and the last 》, or NULL when there is no 《; *rest
 * (may be NULL) is set to what follows the 》 (the line's end when it is unclosed). */
static const char *quoted_title(parser *p, const text_line *l, const char *s, size_t len,
                                const char **rest, bool in_place) {
  const char *open = find(s, len, LQUOTE);
  if (!open)
    return NULL;
  const char *inner = open + 3;
  const char *close = find_last(inner, (size_t)(s + len - inner), RQUOTE);
  if (!close) {
    diag_add_at(p->ds, BQW_WARNING, l->number,
                (uint32_t)text_count_chars(l->text, (size_t)(open - l->text)) + 1,
                (uint32_t)(open - l->text) + 1,
                "unclosed 《: title taken to the end of the line");
    close = s + len;
  }
  if (rest)
    *rest = close == s + len ? close : close + strlen(RQUOTE);
  if (!in_place)
    return arena_strndup(&p->ds->mem, inner, (size_t)(close - inner));
  /* The line is the loader's own clean text, and nothing reads it as a whole after
   * this: the title ends where its 》 began (the rest of the line, read through *rest,
   * stays as it was), and no copy is made. */
  *(char *)close = '\0';
  return inner;
}

/* Sets the record's document number, with a note. */
static int set_docno(parser *p, bqw_record *r, const text_line *l, const docno_parts *d,
                     const char *where) {
  bqw_dataset *ds = p->ds;
  if (!ds->derived) {
    /* The first document number: the derived table comes now, sized as the records'
     * room (its pages past the last record untouched), rather than after the parse
     * (derive_records), where most digests, having none, first need it once the line
     * table is gone. */
    ds->derived = huge_alloc(ds->record_cap * sizeof *ds->derived, false);
    if (!ds->derived)
      return BQW_ENOMEM;
    ds->derived_cap = ds->record_cap;
    for (size_t i = 0; i < ds->record_count; i++)
      ds->derived[i] = (record_derived){0};
  }
  record_docno *docnos =
      array_grow(ds->docnos, ds->docno_count, &ds->docno_cap, sizeof *docnos, 16);
  if (!docnos)
    return BQW_ENOMEM;
  ds->docnos = docnos;
  char *hans = NULL;
  size_t hans_len = 0;
  int rc = bqw_convert(d->text, d->issuer_len, BQW_SCRIPT_HANS, &hans, &hans_len);
  if (rc)
    return rc;
  record_docno *n = &ds->docnos[ds->docno_count];
  n->issuer = arena_strndup(&ds->mem, hans, hans_len);
  bqw_free(hans);
  n->text = arena_strndup(&ds->mem, d->text, d->len);
  if (!n->text || !n->issuer)
    return BQW_ENOMEM;
  n->year = d->year;
  n->number = d->number;
  ds->derived[r - ds->records].docno = (uint32_t)++ds->docno_count;
  diag_add(ds, BQW_NOTE, l->number, 1, "document number \"%s\" %s; kept as docno",
           n->text, where);
  return 0;
}

/* Whether the record has a document number already. */
static bool has_docno(const parser *p, const bqw_record *r) {
  return p->ds->derived && p->ds->derived[r - p->ds->records].docno != 0;
}

/* The document number of a title line: a trailing parenthesised note of the title
 * (taken out of it), or what follows its 》. Other text after the 》 is said in a
 * warning, which keeps it. */
static int title_docno(parser *p, bqw_record *r, const text_line *l, const char *rest) {
  docno_parts d;
  char *t = (char *)r->title;
  size_t tlen = strlen(t), c = scan_paren_close(t, tlen);
  if (c) {
    const char *o1 = find_last(t, tlen, "("), *o2 = find_last(t, tlen, "\xEF\xBC\x88");
    const char *o = o1 && (!o2 || o1 > o2) ? o1 : o2;
    size_t olen = o == o1 ? 1 : 3;
    if (o && scan_docno(o + olen, (size_t)(t + tlen - c - o - olen), &d)) {
      int rc = set_docno(p, r, l, &d, "ends the title");
      if (rc)
        return rc;
      size_t keep = (size_t)(o - t);
      while (keep && t[keep - 1] == ' ')
        keep--;
      while (keep >= 3 && !memcmp(t + keep - 3, "\xE3\x80\x80", 3))
        keep -= 3;
      t[keep] = '\0';
    }
  }
  size_t n = (size_t)(l->text + l->len - rest);
  scan_trim_spaces(&rest, &n);
  if (!n)
    return 0;
  if (!has_docno(p, r) && scan_docno_alone(rest, n, &d))
    return set_docno(p, r, l, &d, "follows the title");
  if (r->kind == BQW_KIND_CITY)
    return 0; /* a headline keeps all of its line */
  diag_add(p->ds, BQW_WARNING, l->number,
           (uint32_t)text_count_chars(l->text, (size_t)(rest - l->text)) + 1,
           "text after the title's 》 is not a document number; kept only here: \"%.*s\"",
           (int)n, rest);
  return 0;
}

/* A line that is a document number alone, right after the title line of the record
 * that now takes measures (before any of them): that record's docno. */
static bool docno_line(parser *p, const text_line *l, docno_parts *d) {
  if (!p->ds->record_count)
    return false;
  const bqw_record *r = &p->ds->records[p->ds->record_count - 1];
  bool titled = r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_GUIDING ||
                (r->kind == BQW_KIND_CITY && r->headline);
  if (!titled || has_docno(p, r) || r->measure_count || p->prev == SIZE_MAX)
    return false;
  bool after_title = r->kind == BQW_KIND_CITY ? p->headline_open
                                              : p->ds->lines[p->prev].number == r->line;
  return after_title && scan_docno_alone(l->text, l->len, d);
}

static void close_open_items(parser *p) {
  p->current = p->awaiting = p->other = p->run = 0;
  p->expect_headline = p->headline_open = false;
  p->measure_at = SIZE_MAX;
}

static size_t prev_nonblank(const bqw_dataset *ds, size_t i) {
  while (i-- > 0)
    if (ds->lines[i].len)
      return i;
  return SIZE_MAX;
}

/* A line the parser cannot place: kept as an `other` record and warned, once for a run
 * of such lines (they join one record), and parsing goes on at the next line. */
static int keep_unrecognised(parser *p, size_t i, const text_line *l) {
  bqw_dataset *ds = p->ds;
  if (p->run && p->run == ds->record_count && p->run_line == prev_nonblank(ds, i)) {
    bqw_record *r = &ds->records[p->run - 1];
    p->run_line = i;
    return (r->text = append_text(p, JOIN_RUN, r->text, l)) ? 0 : BQW_ENOMEM;
  }
  diag_add(ds, BQW_WARNING, l->number, 1,
           "line not recognised in section \"%s\"; kept as an 'other' record",
           p->section_title ? p->section_title : "(preamble)");
  bqw_record *r = push_record(p, BQW_KIND_OTHER, l);
  if (!r)
    return BQW_ENOMEM;
  r->text = l->text;
  p->run = ds->record_count;
  p->run_line = i;
  return 0;
}

/* An unknown heading: it and the unrecognised lines under it are one `other` record;
 * the first line the parser recognises in the section before it resumes that section.
 * What was open (the document taking measures, a city entry) stays open, so a stray
 * heading among measures loses none of them. */
static int open_unknown_section(parser *p, const text_line *l) {
  diag_add(
      p->ds, BQW_WARNING, l->number, 1,
      "unknown section heading \"%s\"; its lines are kept as an 'other' record until "
      "a line bqw recognises",
      l->text);
  p->section = BQW_SECTION_OTHER;
  p->section_title = l->text;
  p->seen[BQW_SECTION_OTHER] = true;
  bqw_record *r = push_record(p, BQW_KIND_OTHER, l);
  if (!r)
    return BQW_ENOMEM;
  r->title = l->text;
  p->other = p->ds->record_count;
  return 0;
}

static size_t next_nonblank_index(const bqw_dataset *ds, size_t i) {
  for (i++; i < ds->line_count; i++)
    if (ds->lines[i].len)
      return i;
  return SIZE_MAX;
}

static const text_line *next_nonblank(const bqw_dataset *ds, size_t i) {
  size_t n = next_nonblank_index(ds, i);
  return n == SIZE_MAX ? NULL : &ds->lines[n];
}

static int measure(parser *p, size_t i, const text_line *l) {
  const char *text = l->text + strlen(MEASURE);
  while (*text == ' ')
    text++;
  if (!p->current)
    return keep_unrecognised(p, i, l);
  p->measure_at = i;
  p->headline_open = false;
  return push_measure(p, text, l->number);
}

/* A line right after a measure (or its continuation) that is neither a marker line
 * (● ◎ 《) nor reads like a heading: the measure wrapped onto it. */
static bool continues_measure(parser *p, const text_line *l) {
  return p->current && p->measure_at != SIZE_MAX && p->measure_at == p->prev &&
         !starts_with(l->text, l->len, BULLET) &&
         !starts_with(l->text, l->len, MEASURE) &&
         !starts_with(l->text, l->len, LQUOTE) && !heading(p, l);
}

/* Joins the line to the last measure (no separator: a wrapped line), with a note. */
static int continue_measure(parser *p, size_t i, const text_line *l) {
  bqw_measure *m = &p->ds->measures[p->ds->measure_count - 1];
  diag_add(p->ds, BQW_NOTE, l->number, 1,
           "line continues the ◎ measure of line %u; joined to it", m->line);
  p->measure_at = i;
  return (m->text = append_sep(p, JOIN_MEASURE, m->text, l, "")) ? 0 : BQW_ENOMEM;
}

static int new_document(parser *p, const text_line *l, bqw_kind kind) {
  bqw_record *r = push_record(p, kind, l);
  if (!r)
    return BQW_ENOMEM;
  r->category = kind == BQW_KIND_DOCUMENT ? p->category : NULL;
  p->category_open = false;
  const char *rest;
  /* A document's line is its title's alone (a city's headline keeps its whole line):
   * the title is cut out of it in place, unless the lines are kept as cleaned. */
  const char *title = quoted_title(p, l, l->text, l->len, &rest, !p->ds->keep_lines);
  if (!title)
    return BQW_ENOMEM;
  r = &p->ds->records[p->ds->record_count - 1];
  r->title = title;
  int rc = title_docno(p, r, l, rest);
  if (rc)
    return rc;
  p->current = kind == BQW_KIND_DOCUMENT ? p->ds->record_count : 0;
  if (kind == BQW_KIND_GUIDING)
    p->guiding = p->ds->record_count;
  return 0;
}

/* A category heading: a word of data/structure.tsv, or (with a note, once) a short
 * line right over a ● 《 document, unless a category heading already waits for its
 * first document: then the line between them is not the category. */
static bool is_category(parser *p, size_t i, const text_line *l, bool *novel) {
  *novel = false;
  if (keyword_is(p->ds, ROLE_CATEGORY, l->text, l->len))
    return true;
  if (p->category_open || !heading(p, l))
    return false;
  const text_line *next = next_nonblank(p->ds, i);
  *novel = next && starts_with(next->text, next->len, BULLET LQUOTE);
  return *novel;
}

static int province_line(parser *p, size_t i, const text_line *l) {
  bool novel;
  if (starts_with(l->text, l->len, BULLET LQUOTE))
    return new_document(p, l, BQW_KIND_DOCUMENT);
  if (starts_with(l->text, l->len, MEASURE))
    return measure(p, i, l);
  if (continues_measure(p, l))
    return continue_measure(p, i, l);
  docno_parts dn;
  if (docno_line(p, l, &dn))
    return set_docno(p, &p->ds->records[p->ds->record_count - 1], l, &dn,
                     "is alone on the line after the title");
  if (is_category(p, i, l, &novel)) {
    if (novel)
      diag_add(
          p->ds, BQW_NOTE, l->number, 1,
          "category heading \"%s\" is not in data/structure.tsv; taken as a category "
          "because a document follows it",
          l->text);
    p->category = l->text;
    p->category_open = true;
    p->current = 0;
    return 0;
  }
  if (heading(p, l))
    return open_unknown_section(p, l);
  return keep_unrecognised(p, i, l);
}

static bqw_action headline_action(const bqw_dataset *ds, const text_line *l) {
  if (keyword_match(ds, ROLE_ACTION_ISSUE, l->text, l->len, true))
    return BQW_ACTION_ISSUE;
  if (keyword_match(ds, ROLE_ACTION_MEETING, l->text, l->len, true))
    return BQW_ACTION_MEETING;
  return find(l->text, l->len, LQUOTE) ? BQW_ACTION_ISSUE : BQW_ACTION_STATEMENT;
}

/* A city entry's shape, for a name the gazetteer does not have (a county, a new
 * city): a short name line, then a headline that is neither a measure, a document nor
 * a known place, then ◎ measures. */
static bool city_shape(parser *p, size_t i, const text_line *l) {
  if (!heading(p, l))
    return false;
  size_t h = next_nonblank_index(p->ds, i);
  if (h == SIZE_MAX)
    return false;
  const text_line *head = &p->ds->lines[h];
  if (starts_with(head->text, head->len, MEASURE) ||
      starts_with(head->text, head->len, BULLET) ||
      starts_with(head->text, head->len, LQUOTE) ||
      section_of(p->ds, head->text, head->len, heading(p, head)) !=
          BQW_SECTION_PREAMBLE ||
      (heading(p, head) && find_place(p->ds, head->text, head->len)))
    return false;
  const text_line *first = next_nonblank(p->ds, h);
  return first && starts_with(first->text, first->len, MEASURE);
}

static int new_city(parser *p, const text_line *l, const place *pl) {
  bqw_record *r = push_record(p, BQW_KIND_CITY, l);
  if (!r)
    return BQW_ENOMEM;
  if (pl) {
    r->city = pl->name_hans;
    r->region = pl->region_hans;
  } else {
    r->city = l->text;
    diag_add(
        p->ds, BQW_WARNING, l->number, 1,
        "\"%s\" is not a city of the gazetteer (data/regions.tsv), but reads like a "
        "city entry (a name, a headline, ◎ measures); kept as a city entry without a "
        "region",
        l->text);
  }
  p->current = p->ds->record_count;
  p->expect_headline = true;
  p->headline_open = false;
  p->measure_at = SIZE_MAX;
  p->headlines = (list){0};
  return 0;
}

/* A line under the city's name before its measures: the first is the headline (its
 * action and 《title》), every one is kept in headlines, each after the first noted. */
static int add_headline(parser *p, const text_line *l) {
  bqw_record *r = &p->ds->records[p->current - 1];
  if (!list_push(p, &p->headlines, l->text))
    return BQW_ENOMEM;
  r->headlines = p->headlines.items;
  r->headline_count = p->headlines.count;
  if (!r->headline) {
    r->headline = l->text;
    r->action = headline_action(p->ds, l);
  } else {
    diag_add(p->ds, BQW_NOTE, l->number, 1,
             "city entry %s has another headline; kept in headlines", r->city);
  }
  p->expect_headline = false;
  p->headline_open = true;
  if (!r->title && find(l->text, l->len, LQUOTE)) {
    const char *rest;
    if (!(r->title = quoted_title(p, l, l->text, l->len, &rest, false)))
      return BQW_ENOMEM;
    return title_docno(p, r, l, rest);
  }
  return 0;
}

static int city_line(parser *p, size_t i, const text_line *l) {
  const place *pl = heading(p, l) ? find_place(p->ds, l->text, l->len) : NULL;
  if (pl)
    return new_city(p, l, pl);
  if (starts_with(l->text, l->len, MEASURE)) {
    if (p->expect_headline) {
      diag_add(p->ds, BQW_WARNING, l->number, 1,
               "city entry has no headline before its measures");
      p->expect_headline = false;
    }
    return measure(p, i, l);
  }
  if (continues_measure(p, l))
    return continue_measure(p, i, l);
  if (p->expect_headline)
    return add_headline(p, l);
  docno_parts dn;
  if (docno_line(p, l, &dn))
    return set_docno(p, &p->ds->records[p->current - 1], l, &dn,
                     "is alone on the line after the headline");
  if (p->headline_open && !city_shape(p, i, l))
    return add_headline(p, l);
  if (city_shape(p, i, l))
    return new_city(p, l, NULL);
  if (heading(p, l))
    return open_unknown_section(p, l);
  return keep_unrecognised(p, i, l);
}

/* The text under a year or date line: its first line whatever it looks like; further
 * lines join it unless they look like a heading, which opens an unknown section. */
static int item_text(parser *p, size_t i, const text_line *l) {
  bqw_record *r = p->awaiting ? &p->ds->records[p->awaiting - 1] : NULL;
  if (r && !r->text)
    return (r->text = l->text) ? 0 : BQW_ENOMEM;
  if (heading(p, l))
    return open_unknown_section(p, l);
  if (r)
    return (r->text = append_text(p, JOIN_ITEM, r->text, l)) ? 0 : BQW_ENOMEM;
  return keep_unrecognised(p, i, l);
}

static int guiding_line(parser *p, size_t i, const text_line *l) {
  int year;
  if (starts_with(l->text, l->len, LQUOTE) ||
      starts_with(l->text, l->len, BULLET LQUOTE)) {
    p->awaiting = 0;
    return new_document(p, l, BQW_KIND_GUIDING);
  }
  docno_parts dn;
  if (!p->awaiting && docno_line(p, l, &dn))
    return set_docno(p, &p->ds->records[p->ds->record_count - 1], l, &dn,
                     "is alone on the line after the title");
  if (keyword_is(p->ds, ROLE_LABEL_TARGETS, l->text, l->len))
    return 0;
  if (scan_year_line(l->text, l->len, &year)) {
    bqw_record *r = push_record(p, BQW_KIND_TARGET, l);
    if (!r)
      return BQW_ENOMEM;
    r->year = year;
    r->parent = (uint32_t)p->guiding;
    p->awaiting = p->ds->record_count;
    return 0;
  }
  return item_text(p, i, l);
}

static const char *iso_date(parser *p, const int *v) {
  char iso[48];
  snprintf(iso, sizeof iso, "%04d-%02d-%02d", v[0], v[1], v[2]);
  return arena_strndup(&p->ds->mem, iso, strlen(iso));
}

static int timeline_line(parser *p, size_t i, const text_line *l) {
  int v[6];
  int shape = scan_date_line(l->text, l->len, v);
  if (shape) {
    bqw_record *r = push_record(p, BQW_KIND_MEETING, l);
    if (!r)
      return BQW_ENOMEM;
    if (shape < 0)
      diag_add(p->ds, BQW_WARNING, l->number, 1,
               "impossible date \"%s\"; kept without an ISO date", l->text);
    else if (!(r->date = iso_date(p, v)))
      return BQW_ENOMEM;
    if (shape == 2) {
      if (!(r->date_to = iso_date(p, v + 3)))
        return BQW_ENOMEM;
      diag_add(p->ds, BQW_NOTE, l->number, 1,
               "meeting dated a range of days \"%s\"; kept as date %s and date_to %s",
               l->text, r->date, r->date_to);
    }
    p->awaiting = p->ds->record_count;
    return 0;
  }
  return item_text(p, i, l);
}

static int preamble_line(parser *p, size_t i, const text_line *l) {
  bqw_meta *m = &p->ds->meta;
  const char *colon = find(l->text, l->len, ":");
  const char *wide_colon = find(l->text, l->len, "\xEF\xBC\x9A");
  if (!colon || (wide_colon && wide_colon < colon))
    colon = wide_colon;
  if (starts_with(l->text, l->len, BULLET) &&
      !starts_with(l->text, l->len, BULLET LQUOTE)) {
    const char *s = l->text + strlen(BULLET);
    while (*s == ' ')
      s++;
    if (!list_push(p, &p->bylines, s))
      return BQW_ENOMEM;
    m->bylines = p->bylines.items;
    m->byline_count = p->bylines.count;
    if (m->byline)
      diag_add(p->ds, BQW_NOTE, l->number, 1,
               "another byline (%zu in all so far); kept in meta.bylines",
               p->bylines.count);
    else
      m->byline = s;
    p->byline_seen = true;
    return 0;
  }
  /* A credits line is a short label and a colon: "统筹:…". */
  if (colon && text_count_chars(l->text, (size_t)(colon - l->text)) <= 4) {
    m->credits = l->text;
    return 0;
  }
  if (p->byline_seen)
    return (m->source_note = append_text(p, JOIN_SOURCE_NOTE, m->source_note, l))
               ? 0
               : BQW_ENOMEM;
  if (starts_with(l->text, l->len, BULLET LQUOTE) ||
      starts_with(l->text, l->len, MEASURE))
    return keep_unrecognised(p, i, l);
  return (m->introduction = append_text(p, JOIN_INTRODUCTION, m->introduction, l))
             ? 0
             : BQW_ENOMEM;
}

/* Whether the line is one the grammar of `section` places (without placing it): where
 * parsing resumes after an unknown heading. */
static bool recognised_in(parser *p, bqw_section section, size_t i, const text_line *l) {
  int year, v[6];
  bool novel;
  switch (section) {
  case BQW_SECTION_PROVINCE:
    return starts_with(l->text, l->len, BULLET LQUOTE) ||
           (starts_with(l->text, l->len, MEASURE) && p->current) ||
           is_category(p, i, l, &novel);
  case BQW_SECTION_CITY:
    return (heading(p, l) && find_place(p->ds, l->text, l->len)) ||
           (starts_with(l->text, l->len, MEASURE) && p->current) || city_shape(p, i, l);
  case BQW_SECTION_GUIDING:
    return starts_with(l->text, l->len, LQUOTE) ||
           starts_with(l->text, l->len, BULLET LQUOTE) ||
           keyword_is(p->ds, ROLE_LABEL_TARGETS, l->text, l->len) ||
           scan_year_line(l->text, l->len, &year);
  case BQW_SECTION_TIMELINE:
    return scan_date_line(l->text, l->len, v) != 0;
  default:
    return false;
  }
}

static int dispatch(parser *p, size_t i, const text_line *l) {
  bqw_section s = section_of(p->ds, l->text, l->len, heading(p, l));
  if (s != BQW_SECTION_PREAMBLE) {
    close_open_items(p);
    p->section = p->known = s;
    p->section_title = p->known_title = l->text;
    p->category = NULL;
    p->category_open = false;
    p->seen[s] = true;
    return 0;
  }
  if (heading(p, l) && keyword_match(p->ds, ROLE_SOURCE, l->text, l->len, true)) {
    p->ds->meta.source = l->text;
    return 0;
  }
  if (p->section == BQW_SECTION_OTHER) {
    if (!recognised_in(p, p->known, i, l)) {
      bqw_record *r = &p->ds->records[p->other - 1];
      return (r->text = append_text(p, JOIN_OTHER, r->text, l)) ? 0 : BQW_ENOMEM;
    }
    p->section = p->known;
    p->section_title = p->known_title;
    p->other = 0;
  }
  switch (p->section) {
  case BQW_SECTION_PREAMBLE:
    return preamble_line(p, i, l);
  case BQW_SECTION_PROVINCE:
    return province_line(p, i, l);
  case BQW_SECTION_CITY:
    return city_line(p, i, l);
  case BQW_SECTION_GUIDING:
    return guiding_line(p, i, l);
  case BQW_SECTION_TIMELINE:
    return timeline_line(p, i, l);
  case BQW_SECTION_OTHER:
    break;
  }
  return 0;
}

/* Warnings for what a complete digest has and this one lacks. */
void parse_check_complete(bqw_dataset *ds) {
  uint32_t last = ds->line_count ? ds->lines[ds->line_count - 1].number : 1;
  static const struct {
    bqw_section s;
    const char *name;
  } expected[] = {{BQW_SECTION_PROVINCE, "provincial policies (全省政策)"},
                  {BQW_SECTION_CITY, "city policies (地市政策)"},
                  {BQW_SECTION_GUIDING, "guiding document (总体指导文件)"},
                  {BQW_SECTION_TIMELINE, "meeting timeline (重要会议一览)"}};
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
    if (!ds->seen[expected[i].s])
      diag_add(ds, BQW_WARNING, last, 1, "no %s section found; is the file truncated?",
               expected[i].name);
  if (!ds->meta.source)
    diag_add(ds, BQW_WARNING, last, 1,
             "no source line (转自…) found at the end; is the file truncated?");
  for (size_t i = 0; i < ds->record_count; i++) {
    const bqw_record *r = &ds->records[i];
    if ((r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_CITY) && !r->measure_count)
      diag_add(ds, BQW_WARNING, r->line, 1, "%s has no ◎ measures",
               r->kind == BQW_KIND_DOCUMENT ? "document" : "city entry");
    if (r->kind == BQW_KIND_CITY && !r->headline)
      diag_add(ds, BQW_WARNING, r->line, 1, "city entry %s has no headline", r->city);
    if ((r->kind == BQW_KIND_TARGET || r->kind == BQW_KIND_MEETING) && !r->text)
      diag_add(ds, BQW_WARNING, r->line, 1, "%s has no text",
               r->kind == BQW_KIND_TARGET ? "target" : "meeting");
  }
}

int parse_digest(bqw_dataset *ds) {
  parser p = {.ds = ds, .prev = SIZE_MAX, .measure_at = SIZE_MAX};
  /* Room for a record and a measure per non-empty line (a bound), reserved at once:
   * doubling would hold the old and the new array together at its peak, ~50 MB more
   * at 100 MB, and copy into fresh pages.
   * Pages of the room no record uses are never touched. */
  size_t bound = 0;
  for (size_t i = 0; i < ds->line_count; i++)
    bound += ds->lines[i].len != 0;
  if (!ds->record_cap && bound) {
    ds->records = huge_alloc(bound * sizeof *ds->records, false);
    if (!ds->records)
      return BQW_ENOMEM;
    ds->record_cap = bound;
  }

  if (!ds->measure_cap && bound) { /* a measure is a line too */
    ds->measures = huge_alloc(bound * sizeof *ds->measures, false);
    if (!ds->measures)
      return BQW_ENOMEM;
    ds->measure_cap = bound;
  }
  for (size_t i = 0; i < ds->line_count; i++) {
    const text_line *l = &ds->lines[i];
    if (!l->len)
      continue;
    int rc = dispatch(&p, i, l);
    if (rc)
      return rc;
    p.prev = i;
  }
  /* Measures were appended in record order; hand each record its slice. */
  size_t next = 0;
  for (size_t i = 0; i < ds->record_count; i++) {
    bqw_record *r = &ds->records[i];
    r->measures = r->measure_count ? ds->measures + next : NULL;
    next += r->measure_count;
  }
  memcpy(ds->seen, p.seen, sizeof ds->seen);
  return 0;
}
