/*
 * pinyin.c -- search by pinyin: full syllables or initials, any reading of a
 * character (readings from Unihan, generated at build time by tools/gen_pinyin.c).
 * "xczx" and "xiangcunzhenxing" both find 乡村振兴 (and 鄉村振興); 行 matches xing or
 * hang. A match runs over consecutive characters that have readings.
 */
#include "internal.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "pinyin_table.h"

#define MAX_QUERY 64

#define NCP (sizeof pinyin_cp / sizeof *pinyin_cp)

/* The index of cp in the tables, or NCP. */
static size_t index_of(int32_t cp) {
  size_t lo = 0, hi = NCP;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (pinyin_cp[mid] < (unsigned)cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < NCP && pinyin_cp[lo] == (unsigned)cp ? lo : NCP;
}

static const char *readings_of(int32_t cp) {
  size_t i = index_of(cp);
  return i < NCP ? pinyin_pool + pinyin_readings_at[i] : NULL;
}

/* The pinyin letter cp stands for, a-z with ü as v: ASCII either case, or a Latin
 * letter with tone marks or a diaeresis (ā → a, ǚ → v, Ü → v); 0 for anything else. */
static char pinyin_letter(int32_t cp) {
  if (cp >= 'A' && cp <= 'Z')
    return (char)(cp - 'A' + 'a');
  if (cp >= 'a' && cp <= 'z')
    return (char)cp;
  utf8proc_int32_t d[4];
  int boundclass = 0;
  utf8proc_ssize_t parts = utf8proc_decompose_char(
      cp, d, 4, UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD, &boundclass);
  if (parts < 2 || d[0] < 'a' || d[0] > 'z')
    return 0;
  bool diaeresis = false;
  for (utf8proc_ssize_t p = 1; p < parts; p++) {
    if (d[p] == 0x308)
      diaeresis = true;
    else if (d[p] != 0x304 && d[p] != 0x301 && d[p] != 0x30C && d[p] != 0x300)
      return 0; /* not a tone mark */
  }
  return diaeresis ? (d[0] == 'u' ? 'v' : 0) : (char)d[0];
}

/* Normalizes a pinyin query to a-z (ü written v), as a user may type it: ASCII or
 * full-width letters, either case, tone marks or none, ü written ü, v or u:; spaces
 * (the ideographic one too), apostrophes and hyphens dropped. Returns its length, or 0
 * when it holds anything else or is too long. */
static size_t normalize(const char *q, size_t len, char *out) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)q + i, len - i, &cp);
    if (!k)
      return 0;
    i += k;
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
      cp -= 0xFEE0;
    if (cp == ' ' || cp == '\'' || cp == '-' || cp == 0x3000 || cp == 0x2019)
      continue;
    if (cp == ':' && n && out[n - 1] == 'u') { /* lu:, the ASCII spelling of lü */
      out[n - 1] = 'v';
      continue;
    }
    char c = pinyin_letter(cp);
    if (!c || n == MAX_QUERY)
      return 0;
    out[n++] = c;
  }
  return n;
}

/* Whether q[j..m) can be read from the characters cps[i..), one syllable or initial
 * each; *end gets the character after the match. failed[i * (m + 1) + j] remembers
 * the states known to fail (whatever the start), so the search is polynomial even
 * where many readings share letters. */
static bool read_from(const int32_t *cps, size_t n, size_t i, const char *q, size_t m,
                      size_t j, size_t *end, unsigned char *failed) {
  if (j == m) {
    *end = i;
    return true;
  }
  if (i == n || failed[i * (m + 1) + j])
    return false;
  const char *r = readings_of(cps[i]);
  while (r && *r) {
    const char *sp = strchr(r, ' ');
    size_t len = sp ? (size_t)(sp - r) : strlen(r);
    bool two_letter_initial =
        len >= 2 && r[1] == 'h' && (r[0] == 'z' || r[0] == 'c' || r[0] == 's');
    if (m - j >= len && !memcmp(q + j, r, len) &&
        read_from(cps, n, i + 1, q, m, j + len, end, failed))
      return true;
    if (two_letter_initial && m - j >= 2 && !memcmp(q + j, r, 2) && len > 2 &&
        read_from(cps, n, i + 1, q, m, j + 2, end, failed))
      return true;
    if (q[j] == r[0] && len > 1 && read_from(cps, n, i + 1, q, m, j + 1, end, failed))
      return true;
    r = sp ? sp + 1 : r + len;
  }
  failed[i * (m + 1) + j] = 1;
  return false;
}

/* Matches of the normalized query q in text: byte spans, none overlapping. */
static size_t find_pinyin(const char *text, size_t len, const char *q, size_t m,
                          bqw_span *spans, size_t max) {
  int32_t *cps = malloc((len + 1) * sizeof *cps);
  uint32_t *at = malloc((len + 2) * sizeof *at);
  unsigned char *failed = NULL;
  size_t n = 0, found = 0;
  if (!cps || !at)
    goto done;
  for (size_t i = 0; i < len;) {
    at[n] = (uint32_t)i;
    cps[n++] = text_next((const unsigned char *)text, len, &i);
  }
  at[n] = (uint32_t)len;
  if (!(failed = calloc((n + 1) * (m + 1), 1)))
    goto done;
  for (size_t i = 0; i < n;) {
    size_t end;
    if (read_from(cps, n, i, q, m, 0, &end, failed)) {
      if (found < max)
        spans[found] = (bqw_span){at[i], at[end]};
      found++;
      i = end;
    } else {
      i++;
    }
  }
done:
  free(cps);
  free(at);
  free(failed);
  return found;
}

size_t bqw_pinyin_spans(const char *text, size_t len, const char *query, size_t qlen,
                        bqw_span *spans, size_t max) {
  char q[MAX_QUERY];
  size_t m = normalize(query, qlen, q);
  return m ? find_pinyin(text, len, q, m, spans, max) : 0;
}

/* What a pinyin scan of the documents keeps. */
typedef struct pinyin_scan {
  const char *q;
  size_t m, limit;
  bqw_results *r;
  uint32_t doc;
} pinyin_scan;

static int pinyin_doc(void *ctx, const char *text, size_t len, uint64_t tag) {
  pinyin_scan *ps = ctx;
  bqw_span first;
  uint32_t d = ps->doc++;
  if (find_pinyin(text, len, ps->q, ps->m, &first, 1))
    return results_push(ps->r, tag, d, ps->limit);
  return 0;
}

/* Every document is read (the index has no pinyin keys), in the index's rank order,
 * so the index is not needed: none is built on the caller's thread. */
int bqw_dataset_search_pinyin(bqw_dataset *ds, const char *query, size_t qlen,
                              size_t limit, bqw_results **out) {
  if (!ds || !out || (!query && qlen))
    return BQW_EINVAL;
  *out = NULL;
  char q[MAX_QUERY];
  size_t m = normalize(query, qlen, q);
  if (!m)
    return BQW_EINVAL;
  bqw_results *r = calloc(1, sizeof *r);
  if (!r)
    return BQW_ENOMEM;
  pinyin_scan ps = {q, m, limit, r, 0};
  int rc = dataset_each_doc(ds, &ps, pinyin_doc);
  if (rc) {
    bqw_results_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* ---- collation ------------------------------------------------------------ */

/* Appends a byte to the key when it fits; the length counts it either way. */
static void key_put(char *out, size_t cap, size_t *n, unsigned char b) {
  if (*n < cap)
    out[*n] = (char)b;
  (*n)++;
}

/* Three levels, each compared only when the ones before are equal: the characters
 * (a Han character as its primary pinyin syllable, anything else as itself, each
 * ended by 0x01 so that xi'an sorts before xian), then the tones, then the code
 * points. Levels are separated by 0x00, lower than anything inside one. */
size_t bqw_collate_key(const char *s, size_t len, char *out, size_t cap) {
  const unsigned char *u = (const unsigned char *)s;
  size_t n = 0;
  for (int level = 1; level <= 3; level++) {
    if (level > 1)
      key_put(out, cap, &n, 0);
    for (size_t i = 0; i < len;) {
      int32_t cp;
      size_t k = text_decode(u + i, len - i, &cp);
      if (k == 0)
        k = 1; /* an invalid byte stands for itself */
      size_t at = index_of(cp);
      const char *syllable = at < NCP ? pinyin_pool + pinyin_primary_at[at] : NULL;
      size_t letters = syllable ? strlen(syllable) - 1 : 0; /* the last is the tone */
      if (level == 1) {
        if (syllable)
          for (size_t j = 0; j < letters; j++)
            key_put(out, cap, &n, (unsigned char)syllable[j]);
        else
          for (size_t j = 0; j < k; j++)
            key_put(out, cap, &n, u[i + j]);
        key_put(out, cap, &n, 1);
      } else if (level == 2) {
        key_put(out, cap, &n, syllable ? (unsigned char)syllable[letters] : '0');
      } else {
        key_put(out, cap, &n, (unsigned char)((cp >> 16) & 0xFF));
        key_put(out, cap, &n, (unsigned char)((cp >> 8) & 0xFF));
        key_put(out, cap, &n, (unsigned char)(cp & 0xFF));
      }
      i += k;
    }
  }
  return n;
}
