/*
 * derive.c -- the derived fields of a record (issuers, doctype, period, years,
 * mentions; the level is the kind's, record_level), read from its own text with the
 * curated tables of data/, once per load, and kept compactly (record_derived).
 * Each text is scanned once for both years and places: the scan looks at a place
 * name only where the text's next two bytes begin one.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define YEAR_MIN 1900
#define YEAR_MAX 2100

/* The range separators of a period, tried in this order: — – - ~ ～ 至 */
static const struct {
  const char *text;
  size_t len;
} separators[] = {{"\xE2\x80\x94", 3}, {"\xE2\x80\x93", 3}, {"-", 1}, {"~", 1},
                  {"\xEF\xBD\x9E", 3}, {"\xE8\x87\xB3", 3}};
#define SEPARATOR_COUNT (sizeof separators / sizeof *separators)

static const char NIAN[] = "\xE5\xB9\xB4"; /* 年 */

/* What derivation keeps between records: the place-name filter and scratch space. */
typedef struct deriver {
  const facts *f;
  uint64_t first_char[65536 / 64]; /* bit cp: a place name starts with cp (BMP) */
  bool astral;                     /* a place name starts beyond the BMP */
  const place_name **by_first;     /* the names, sorted by their first character */
  int32_t *firsts;                 /* ... and that character, in the same order */
  size_t name_count;
  bool *seen; /* per place of the gazetteer, for one record */
  size_t seen_count;
  uint8_t years[(YEAR_MAX - YEAR_MIN + 1 + 7) / 8]; /* the record's years, as bits */
  int found[YEAR_MAX - YEAR_MIN + 1];               /* ... and as a list, unsorted */
  size_t found_count;
} deriver;

static bool bit(const uint8_t *set, unsigned i) { return set[i >> 3] & (1u << (i & 7)); }
static void set_bit(uint8_t *set, unsigned i) { set[i >> 3] |= (uint8_t)(1u << (i & 7)); }
/* The same over 64-bit words: the word of a three-byte character is its first two
 * bytes' bits (cp >> 6), its bit the third byte's (cp & 63). */
static bool bit64(const uint64_t *set, unsigned i) { return set[i >> 6] >> (i & 63) & 1; }
static void set_bit64(uint64_t *set, unsigned i) {
  set[i >> 6] |= UINT64_C(1) << (i & 63);
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Whether s holds the plen bytes of p at its start; the first and last bytes are
 * compared before a call, which most candidates fail. */
static bool same_bytes(const char *s, const char *p, size_t plen) {
  return s[0] == p[0] && s[plen - 1] == p[plen - 1] && !memcmp(s, p, plen);
}

static bool has_prefix(const char *s, size_t len, const char *p, size_t plen) {
  return plen && plen <= len && same_bytes(s, p, plen);
}

static bool has_suffix(const char *s, size_t len, const char *p, size_t plen) {
  return plen && plen <= len && same_bytes(s + len - plen, p, plen);
}

/* Whether the NUL-terminated s starts with the plen bytes of p (no NUL among them):
 * compared byte by byte, so s's NUL ends the comparison at its first mismatch and
 * nothing past it is read. */
static bool starts_z(const char *s, const char *p, size_t plen) {
  size_t i = 0;
  while (i < plen && s[i] == p[i])
    i++;
  return plen && i == plen;
}

static int four_digits(const char *s) {
  return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

static void add_year(deriver *d, int y) {
  if (y >= YEAR_MIN && y <= YEAR_MAX && !bit(d->years, (unsigned)(y - YEAR_MIN))) {
    set_bit(d->years, (unsigned)(y - YEAR_MIN));
    d->found[d->found_count++] = y;
  }
}

/* The places whose names start at s (NUL terminated; its first character cp). */
static void match_places(deriver *d, const char *s, int32_t cp) {
  size_t n = d->name_count, lo = 0, hi = n;
  if (cp >= 0x10000)
    hi = 0; /* astral: every name is a candidate (below) */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->firsts[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (size_t i = lo; i < n && (cp >= 0x10000 || d->firsts[i] == cp); i++) {
    const place_name *p = d->by_first[i];
    if (!d->seen[p->place] && starts_z(s, p->text, p->len)) {
      d->seen[p->place] = true;
      d->seen_count++;
    }
  }
}

/* Whether the NUL-terminated s starts with "YYYY年", exactly four digits. */
static bool year_z(const char *s) {
  return is_digit((unsigned char)s[0]) && is_digit((unsigned char)s[1]) &&
         is_digit((unsigned char)s[2]) && is_digit((unsigned char)s[3]) &&
         starts_z(s + 4, NIAN, 3);
}

/* One pass over a text (NUL terminated, so no strlen before it): the years it names
 * and the places it mentions; and, with x (a titled record's title), its period: of
 * the ranges "YYYY—YYYY年", the earliest of the first separator in separators[] that
 * any has (a "—" range anywhere wins over an earlier "-" one). */
static void scan_text(deriver *d, const char *s, record_derived *x) {
  const unsigned char *b = (const unsigned char *)s;
  size_t best = SEPARATOR_COUNT; /* the period's separator so far */
  for (size_t i = 0; b[i];) {
    if (is_digit(b[i])) {
      size_t j = i;
      while (is_digit(b[j]))
        j++;
      if (j - i == 4) {
        if (starts_z(s + j, NIAN, 3))
          add_year(d, four_digits(s + i));
        else
          for (size_t k = 0; k < SEPARATOR_COUNT; k++) {
            size_t sep = separators[k].len;
            if (starts_z(s + j, separators[k].text, sep) && year_z(s + j + sep)) {
              add_year(d, four_digits(s + i));
              if (x && k < best) {
                best = k;
                x->period[0] = (uint16_t)four_digits(s + i);
                x->period[1] = (uint16_t)four_digits(s + j + sep);
              }
              break;
            }
          }
      }
      i = j;
      continue;
    }
    /* The text is valid UTF-8 (the loader saw to it), so a lead byte's character is
     * read without checks (a NUL after it, which valid text never has, ends the
     * character). Most of it is three-byte characters no place name starts with:
     * those are passed over in a tight loop, a character's word of first_char read
     * from its first two bytes and its bit from the third. */
    size_t from = i;
    for (;;) { /* each byte read once */
      unsigned c0 = b[i], c1, c2;
      if ((c0 & 0xF0) != 0xE0 || !(c1 = b[i + 1]) || !(c2 = b[i + 2]))
        break;
      unsigned word = (c0 & 0x0Fu) << 6 | (c1 & 0x3Fu);
      if (d->first_char[word] >> (c2 & 0x3Fu) & 1)
        match_places(d, s + i, (int32_t)(word << 6 | (c2 & 0x3Fu)));
      i += 3;
    }
    if (i > from)
      continue;
    int32_t cp;
    size_t k = 1;
    if (b[i] < 0x80)
      cp = b[i];
    else if (b[i] < 0xE0 && b[i + 1])
      cp = (b[i] & 0x1F) << 6 | (b[i + 1] & 0x3F), k = 2;
    else if (b[i] < 0xF0 && b[i + 1] && b[i + 2])
      cp = (b[i] & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F), k = 3;
    else
      cp = 0x10000, k = b[i] >= 0xF0 ? 4 : 1;
    if (cp < 0x10000 ? bit64(d->first_char, (unsigned)cp) : d->astral)
      match_places(d, s + i, cp);
    if (k == 4) { /* a sequence cut by the end goes up to the NUL */
      size_t m = 1;
      while (m < k && b[i + m])
        m++;
      k = m;
    }
    i += k;
  }
}

/* The title without trailing parenthesised notes: "(试行)", "（2023—2025年）". */
static size_t strip_trailing_parens(const char *t, size_t len) {
  static const char open_full[] = "\xEF\xBC\x88", close_full[] = "\xEF\xBC\x89";
  for (;;) {
    if (len && t[len - 1] == ')') {
      size_t j = len - 1;
      while (j > 0 && t[j - 1] != '(' && t[j - 1] != ')')
        j--;
      if (j == 0 || t[j - 1] != '(')
        return len;
      len = j - 1;
    } else if (has_suffix(t, len, close_full, 3)) {
      const char *open = NULL;
      for (const char *p = t; (p = memmem(p, (size_t)(t + len - p), open_full, 3));
           p += 3)
        open = p;
      if (!open)
        return len;
      len = (size_t)(open - t);
    } else {
      return len;
    }
  }
}

static void derive_doctype(const facts *f, const bqw_record *r, size_t title_len,
                           record_derived *x) {
  size_t len = strip_trailing_parens(r->title, title_len);
  for (size_t i = 0; i < f->doctype_count; i++) {
    const doctype *dt = &f->doctypes[i];
    if (has_suffix(r->title, len, dt->ending_hans, dt->hans_len) ||
        has_suffix(r->title, len, dt->ending_hant, dt->hant_len)) {
      x->doctype = (uint8_t)(i + 1);
      return;
    }
  }
}

/* Appends n names to the dataset's pool: the index of the first, or -1 when out of
 * memory. */
static long long pool_names(bqw_dataset *ds, const char *const *names, size_t n) {
  if (ds->name_count + n > UINT32_MAX)
    return -1;
  while (ds->name_cap - ds->name_count < n) {
    const char **grown =
        huge_grow(ds->name_pool, ds->name_cap, &ds->name_cap, sizeof *grown, 4096);
    if (!grown)
      return -1;
    ds->name_pool = grown;
  }
  memcpy(ds->name_pool + ds->name_count, names, n * sizeof *names);
  ds->name_count += n;
  return (long long)(ds->name_count - n);
}

static int derive_issuers(bqw_dataset *ds, const bqw_record *r, size_t len,
                          record_derived *x) {
  const facts *f = &ds->facts;
  const char *rest = r->title;
  const char *found[64];
  size_t n = 0;
  for (;;) {
    const issuer *hit = NULL;
    size_t k = 0;
    for (size_t i = 0; i < f->issuer_count && !hit; i++) {
      const issuer *is = &f->issuers[i];
      if (has_prefix(rest, len, is->hans, is->hans_len))
        hit = is, k = is->hans_len;
      else if (has_prefix(rest, len, is->hant, is->hant_len))
        hit = is, k = is->hant_len;
    }
    if (!hit || n == sizeof found / sizeof *found)
      break;
    found[n++] = hit->hans;
    rest += k, len -= k;
    while (len && *rest == ' ')
      rest++, len--;
    while (has_prefix(rest, len, "\xE3\x80\x80", 3)) /* U+3000 */
      rest += 3, len -= 3;
  }
  if (!n)
    return 0;
  long long at = pool_names(ds, found, n);
  if (at < 0)
    return BQW_ENOMEM;
  x->issuers = (uint32_t)at;
  x->issuer_count = (uint8_t)n;
  return 0;
}

/* The year of an ISO date "YYYY-…", or 0. */
static int date_year(const char *date) {
  for (int i = 0; i < 4; i++)
    if (!is_digit((unsigned char)date[i]))
      return 0;
  return four_digits(date);
}

static int derive_record(deriver *d, bqw_dataset *ds, const bqw_record *r,
                         record_derived *x) {
  const facts *f = d->f;
  bool titled_kind = r->kind == BQW_KIND_DOCUMENT || r->kind == BQW_KIND_GUIDING ||
                     r->kind == BQW_KIND_CITY;
  if (titled_kind && r->title) {
    size_t len = strlen(r->title);
    int rc = derive_issuers(ds, r, len, x);
    if (rc)
      return rc;
    derive_doctype(f, r, len, x);
  }

  for (size_t i = 0; i < d->found_count; i++) /* only the bits the last record set */
    d->years[(d->found[i] - YEAR_MIN) >> 3] = 0;
  d->found_count = 0;
  if (d->seen_count)
    memset(d->seen, 0, f->mention_place_count * sizeof *d->seen);
  d->seen_count = 0;
  const char *texts[] = {r->title, r->headline, r->text};
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
    if (texts[i]) /* the period: a titled record's title's */
      scan_text(d, texts[i], i == 0 && titled_kind ? x : NULL);
  for (size_t i = 1; i < r->headline_count; i++) /* the first is headline */
    scan_text(d, r->headlines[i], NULL);
  for (size_t i = 0; i < r->measure_count; i++)
    scan_text(d, r->measures[i].text, NULL);
  if (r->year)
    add_year(d, r->year);
  if (r->date)
    add_year(d, date_year(r->date));
  if (r->date_to)
    add_year(d, date_year(r->date_to));

  size_t ny = d->found_count;
  if (ny) {
    if (ds->year_count + ny > UINT32_MAX)
      return BQW_ENOMEM;
    while (ds->year_cap - ds->year_count < ny) {
      int *grown =
          huge_grow(ds->year_pool, ds->year_cap, &ds->year_cap, sizeof *grown, 4096);
      if (!grown)
        return BQW_ENOMEM;
      ds->year_pool = grown;
    }
    int *years = ds->year_pool + ds->year_count;
    for (size_t i = 0; i < ny; i++) { /* insertion sort: a record names a few years */
      int y = d->found[i];
      size_t j = i;
      for (; j > 0 && years[j - 1] > y; j--)
        years[j] = years[j - 1];
      years[j] = y;
    }
    x->years = (uint32_t)ds->year_count;
    x->year_count = (uint8_t)ny;
    ds->year_count += ny;
  }
  if (d->seen_count) {
    const char *mentions[UINT8_MAX];
    size_t k = 0;
    for (size_t p = 0; p < f->mention_place_count; p++)
      if (d->seen[p])
        mentions[k++] = f->mention_places[p];
    long long at = pool_names(ds, mentions, k);
    if (at < 0)
      return BQW_ENOMEM;
    x->mentions = (uint32_t)at;
    x->mention_count = (uint8_t)k;
  }
  return 0;
}

int derive_records(bqw_dataset *ds) {
  /* The compact counts of record_derived hold every list the tables allow: at most 64
   * issuers (derive_issuers), 201 years, a mention per place and a doctype index. */
  if (ds->facts.mention_place_count > UINT8_MAX || ds->facts.doctype_count >= UINT8_MAX)
    return BQW_EINVAL;
  deriver *d = calloc(1, sizeof *d);
  if (!d)
    return BQW_ENOMEM;
  d->f = &ds->facts;
  size_t names = ds->facts.place_name_count;
  d->seen = calloc(ds->facts.mention_place_count + 1, sizeof *d->seen);
  d->by_first = calloc(names + 1, sizeof *d->by_first);
  d->firsts = calloc(names + 1, sizeof *d->firsts);
  int rc = d->seen && d->by_first && d->firsts ? 0 : BQW_ENOMEM;
  for (size_t n = 0; !rc && n < names; n++) {
    const place_name *p = &ds->facts.place_names[n];
    int32_t cp;
    if (!p->len || !text_decode((const unsigned char *)p->text, p->len, &cp))
      continue; /* an empty or broken name matches nothing */
    if (cp < 0x10000)
      set_bit64(d->first_char, (unsigned)cp);
    else
      d->astral = true;
    /* insertion by first character, stable, so gazetteer order holds within one */
    size_t j = d->name_count++;
    for (; j > 0 && d->firsts[j - 1] > cp; j--) {
      d->by_first[j] = d->by_first[j - 1];
      d->firsts[j] = d->firsts[j - 1];
    }
    d->by_first[j] = p;
    d->firsts[j] = cp;
  }
  /* The derived table, unless a document number made it during the parse: now that
   * the line table is gone, at the records' count. */
  bool fresh = !ds->derived && ds->record_count;
  if (!rc && fresh) {
    ds->derived = huge_alloc(ds->record_count * sizeof *ds->derived, false);
    if (ds->derived)
      ds->derived_cap = ds->record_count;
    else
      rc = BQW_ENOMEM;
  }
  for (size_t i = 0; !rc && i < ds->record_count; i++) {
    if (fresh)
      ds->derived[i] = (record_derived){0};
    rc = derive_record(d, ds, &ds->records[i], &ds->derived[i]);
  }
  free(d->seen);
  free(d->by_first);
  free(d->firsts);
  free(d);
  return rc;
}
