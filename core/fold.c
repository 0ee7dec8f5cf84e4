/*
 * fold.c -- search's folding, and finding a folded word in folded text.
 *
 * Folding maps every character to one character (Traditional to Simplified by
 * OpenCC's character table, full-width to ASCII, upper to lower case), so a fold never
 * changes where characters are and a match in folded text is a match at the same place
 * in the original. The curated conversion overrides (data/convert-overrides.tsv) then
 * apply to the folded text, by maximum match from the left, as the converter applies
 * them: 著力 folds to 着力 as it is shown, while 著名 stays 著名. They only change a few
 * characters (the rules' triggers, 著 and 瞭, into their targets, 着 and 了), so a query
 * holding none of those matches the same places with or without them, and only such a
 * query needs the candidates' text folded whole.
 *
 * The search (search.c, index.c), the query engine (query.c, vocab.c), facets, the
 * SQLite tokenizer and the highlights (bqw_match_spans) all fold here, so every surface
 * folds alike.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fold_table.h"

int32_t text_fold(int32_t cp) {
  if (cp < 0 || cp >= 0x110000)
    return cp;
  return cp + fold_stage2[fold_stage1[cp >> 8]][cp & 0xFF];
}

/* ---- the conversion overrides, folded: built once, read-only afterwards ---- */

/* Folded rules sorted by their first character, so a position is matched against the
 * rules that start with its character only (a binary search, then that run). The
 * array holds every override: convert.c fails to compile when CV_OVERRIDES exceeds
 * CV_OVERRIDES_MAX. The characters the rules change (triggers) and produce (targets)
 * are few (著, 瞭); should they ever exceed MAX_RULE_CHARS, every character counts as
 * one (slower, never wrong). */
#define MAX_RULE_CHARS 16
typedef struct fold_rules {
  size_t count;
  cv_override rule[CV_OVERRIDES_MAX]; /* from and to folded, sorted by from[0] */
  int32_t trigger[MAX_RULE_CHARS], target[MAX_RULE_CHARS];
  size_t triggers, targets;
  bool every_char;       /* the sets overflowed: every character may be one */
  uint64_t trigger_bits; /* bit (cp & 63) of each trigger: a quick "surely not" */
} fold_rules;

static fold_rules rules;
static pthread_once_t rules_built = PTHREAD_ONCE_INIT;

static void add_char(fold_rules *fr, int32_t *set, size_t *n, int32_t cp) {
  for (size_t i = 0; i < *n; i++)
    if (set[i] == cp)
      return;
  if (*n < MAX_RULE_CHARS)
    set[(*n)++] = cp;
  else
    fr->every_char = true;
}

static int by_first_char(const void *a, const void *b) {
  const cv_override *x = a, *y = b;
  return (x->from[0] > y->from[0]) - (x->from[0] < y->from[0]);
}

static void build_rules(void) {
  const cv_override *ov;
  size_t n = convert_overrides(&ov);
  for (size_t i = 0; i < n; i++) {
    cv_override *r = &rules.rule[rules.count++];
    r->len = ov[i].len;
    for (int k = 0; k < r->len; k++) {
      r->from[k] = text_fold(ov[i].from[k]);
      r->to[k] = text_fold(ov[i].to[k]);
      if (r->from[k] != r->to[k]) {
        add_char(&rules, rules.trigger, &rules.triggers, r->from[k]);
        add_char(&rules, rules.target, &rules.targets, r->to[k]);
        rules.trigger_bits |= (uint64_t)1 << (r->from[k] & 63);
      }
    }
  }
  if (rules.every_char)
    rules.trigger_bits = ~(uint64_t)0;
  qsort(rules.rule, rules.count, sizeof *rules.rule, by_first_char);
}

static const fold_rules *fold_rules_get(void) {
  pthread_once(&rules_built, build_rules);
  return &rules;
}

static bool in_set(const int32_t *set, size_t n, int32_t cp) {
  for (size_t i = 0; i < n; i++)
    if (set[i] == cp)
      return true;
  return false;
}

/* Whether a folded character may start a change by the overrides. */
static bool is_trigger(const fold_rules *fr, int32_t cp) {
  return (fr->trigger_bits >> (cp & 63) & 1) &&
         (fr->every_char || in_set(fr->trigger, fr->triggers, cp));
}

/* The first rule whose from[0] is cp or greater. */
static size_t first_rule(const fold_rules *fr, int32_t cp) {
  size_t lo = 0, hi = fr->count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (fr->rule[mid].from[0] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Applies the overrides to folded text, by maximum match from the left, in place. */
static void apply_rules(const fold_rules *fr, int32_t *cp, size_t n) {
  for (size_t i = 0; i < n;) {
    const cv_override *best = NULL;
    for (size_t r = first_rule(fr, cp[i]); r < fr->count && fr->rule[r].from[0] == cp[i];
         r++) {
      const cv_override *o = &fr->rule[r];
      if ((size_t)o->len <= n - i && (!best || o->len > best->len) &&
          !memcmp(cp + i, o->from, (size_t)o->len * sizeof *cp))
        best = o;
    }
    if (!best) {
      i++;
      continue;
    }
    memcpy(cp + i, best->to, (size_t)best->len * sizeof *cp);
    i += (size_t)best->len;
  }
}

/* Whether a folded word holds a character the overrides change or produce: only then
 * can matching it with the overrides differ from matching it without. */
bool fold_touches_rules(const int32_t *w, size_t m) {
  const fold_rules *fr = fold_rules_get();
  for (size_t i = 0; i < m; i++)
    if (fr->every_char || in_set(fr->trigger, fr->triggers, w[i]) ||
        in_set(fr->target, fr->targets, w[i]))
      return true;
  return false;
}

/* ---- folding ---- */

size_t fold_text(const char *text, size_t len, int32_t *out) {
  const fold_rules *fr = fold_rules_get();
  const unsigned char *s = (const unsigned char *)text;
  size_t n = 0;
  bool triggered = false;
  for (size_t i = 0; i < len;) {
    int32_t cp = text_fold(text_next(s, len, &i));
    triggered = triggered || is_trigger(fr, cp);
    out[n++] = cp;
  }
  if (triggered)
    apply_rules(fr, out, n);
  return n;
}

size_t fold_query(const char *q, size_t len, int32_t *out) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int32_t cp = text_fold(text_next((const unsigned char *)q, len, &i));
    if (text_is_space(cp)) {
      if (n && out[n - 1] != ' ')
        out[n++] = ' ';
      continue;
    }
    out[n++] = cp;
  }
  while (n && out[n - 1] == ' ')
    n--;
  apply_rules(fold_rules_get(), out, n);
  return n;
}

size_t bqw_fold(const char *s, size_t len, int32_t *cp, uint32_t *at) {
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    at[n] = (uint32_t)i;
    cp[n++] = text_fold(text_next((const unsigned char *)s, len, &i));
  }
  at[n] = (uint32_t)len;
  apply_rules(fold_rules_get(), cp, n);
  return n;
}

size_t fold_split_terms(const int32_t *q, size_t m, fold_term *terms) {
  size_t n = 0;
  for (size_t i = 0; i < m;) {
    while (i < m && q[i] == ' ')
      i++;
    size_t start = i;
    while (i < m && q[i] != ' ')
      i++;
    if (i > start)
      terms[n++] = (fold_term){q + start, i - start};
  }
  return n;
}

/* ---- finding a folded word ---- */

uint32_t *fold_word_table(const int32_t *w, size_t m) {
  uint32_t *f = m > FOLD_SHORT_WORD ? malloc(m * sizeof *f) : NULL;
  if (!f)
    return NULL;
  f[0] = 0;
  for (size_t i = 1, k = 0; i < m; i++) {
    while (k && w[i] != w[k])
      k = f[k - 1];
    if (w[i] == w[k])
      k++;
    f[i] = (uint32_t)k;
  }
  return f;
}

size_t fold_find_word(const int32_t *text, size_t n, size_t from, const int32_t *word,
                      size_t m, const uint32_t *table) {
  if (!table) {
    for (size_t i = from; i + m <= n; i++)
      if (text[i] == word[0] && !memcmp(text + i + 1, word + 1, (m - 1) * sizeof *word))
        return i;
    return n;
  }
  for (size_t i = from, k = 0; i < n; i++) {
    while (k && text[i] != word[k])
      k = table[k - 1];
    if (text[i] == word[k] && ++k == m)
      return i + 1 - m;
  }
  return n;
}

bool fold_contains(const int32_t *text, size_t n, const int32_t *word, size_t m,
                   const uint32_t *table) {
  if (m == 0)
    return true;
  return m <= n && fold_find_word(text, n, 0, word, m, table) < n;
}

bool fold_occurs(const char *text, size_t len, const int32_t *word, size_t m) {
  const unsigned char *s = (const unsigned char *)text;
  if (m > FOLD_SHORT_WORD) {
    if (m > len)
      return false; /* m characters take m bytes at least */
    int32_t *folded = malloc((len + 1) * sizeof *folded);
    if (folded) {
      size_t n = 0;
      for (size_t i = 0; i < len;)
        folded[n++] = text_fold(text_next(s, len, &i));
      uint32_t *table = fold_word_table(word, m);
      bool found = fold_contains(folded, n, word, m, table);
      free(table);
      free(folded);
      return found;
    }
  }
  for (size_t i = 0; i < len;) {
    if (text_fold(text_next(s, len, &i)) != word[0])
      continue;
    size_t at = i, j = 1;
    while (j < m && at < len && text_fold(text_next(s, len, &at)) == word[j])
      j++;
    if (j == m)
      return true;
  }
  return false;
}

bool fold_spells(const char *s, size_t len, const int32_t *word, size_t m) {
  size_t i = 0, j = 0;
  while (i < len && j < m)
    if (text_fold(text_next((const unsigned char *)s, len, &i)) != word[j++])
      return false;
  return i == len && j == m;
}

/* ---- highlights ---- */

/* Where the folded query occurs in the folded text: byte ranges of each match, none
 * overlapping. Returns how many; writes at most max. */
static size_t find_matches(const int32_t *cp, const uint32_t *at, size_t n,
                           const int32_t *q, size_t m, bqw_span *spans, size_t max) {
  size_t found = 0;
  if (!m || m > n)
    return 0;
  uint32_t *table = fold_word_table(q, m);
  for (size_t i = 0; (i = fold_find_word(cp, n, i, q, m, table)) < n; i += m) {
    if (found < max)
      spans[found] = (bqw_span){at[i], at[i + m]};
    found++;
  }
  free(table);
  return found;
}

static int span_order(const void *a, const void *b) {
  const bqw_span *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

size_t bqw_match_spans(const char *text, size_t len, const char *query, size_t qlen,
                       bqw_span *spans, size_t max) {
  int32_t *q = malloc((qlen + 1) * sizeof *q), *cp = malloc((len + 1) * sizeof *cp);
  uint32_t *at = malloc((len + 1) * sizeof *at);
  fold_term *terms = malloc((qlen / 2 + 1) * sizeof *terms);
  bqw_span *all = NULL;
  size_t total = 0, stored = 0;
  if (!q || !terms || !cp || !at)
    goto done;
  size_t nterms = fold_split_terms(q, fold_query(query, qlen, q), terms);
  size_t n = bqw_fold(text, len, cp, at);
  for (size_t t = 0; t < nterms; t++)
    total += find_matches(cp, at, n, terms[t].cp, terms[t].len, NULL, 0);
  all = malloc((total + 1) * sizeof *all);
  if (!all)
    goto done;
  for (size_t t = 0; t < nterms; t++)
    stored +=
        find_matches(cp, at, n, terms[t].cp, terms[t].len, all + stored, total - stored);
  qsort(all, stored, sizeof *all, span_order);
  /* overlapping matches of different terms merge into one span */
  total = 0;
  for (size_t i = 0; i < stored; i++) {
    if (total && all[i].start < all[total - 1].end) {
      if (all[i].end > all[total - 1].end)
        all[total - 1].end = all[i].end;
    } else {
      all[total++] = all[i];
    }
  }
  for (size_t i = 0; i < total && i < max; i++)
    spans[i] = all[i];
done:
  free(q);
  free(cp);
  free(at);
  free(terms);
  free(all);
  return total;
}
