/*
 * convert.c -- Simplified/Traditional conversion over OpenCC's own dictionaries,
 * compiled into tables at build time (tools/gen_convert.lua, convert_table.h).
 *
 * It does what OpenCC's t2s.json and s2t.json do: segmentation by maximum match over
 * the phrase dictionary (TSPhrases, STPhrases), each phrase replaced by its first
 * value, every other character by the character dictionary's first value (TSCharacters,
 * STCharacters), or kept. No key holds a line end, so a buffer converts as its lines
 * would one by one, and no key starts with ASCII, so ASCII runs are copied unlooked-at.
 * Simplified ("hans") applies the curated overrides of data/convert-overrides.tsv and
 * data/convert-zhe.tsv (著/着 from CC-CEDICT), which are extra phrases of the t2s
 * dictionary, matched in the same maximum match (a guard such as 土著 is a phrase that
 * keeps OpenCC's output and wins over 著力 by starting first); Traditional ("hant") is
 * OpenCC's t2s without them, then s2t, so either kind of input comes out the same.
 *
 * The tables are read-only; the converter keeps no state between calls.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "convert_table.h"

enum { SET_T2S, SET_S2T };

_Static_assert(
    CV_OVERRIDES <= CV_OVERRIDES_MAX,
    "more conversion overrides than the search fold holds: raise CV_OVERRIDES_MAX "
    "in core/internal.h");

/* The node of a phrase trie whose key starts with cp, or 0. */
static uint32_t root_of(int set, int32_t cp) {
  return cv_blocks[cv_stage1[set * 2 + 1][cp >> 8]][cp & 0xFF];
}

/* The character dictionary's value of cp, or 0. */
static uint32_t char_of(int set, int32_t cp) {
  return cv_blocks[cv_stage1[set * 2][cp >> 8]][cp & 0xFF];
}

static uint32_t child_of(uint32_t node, int32_t cp) {
  const cv_node *n = &cv_nodes[node];
  size_t lo = n->child, hi = (size_t)n->child + n->nchild;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (cv_child_cp[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < (size_t)n->child + n->nchild && cv_child_cp[lo] == cp ? cv_child_node[lo]
                                                                    : 0;
}

static uint32_t node_value(uint32_t node, bool overrides) {
  const cv_node *n = &cv_nodes[node];
  return overrides && n->override ? n->override : n->value;
}

/* The longest phrase at s[0..n) starting with the character cp (k bytes): its length in
 * bytes, and *value its value; 0 when none. */
static size_t longest_phrase(uint32_t node, const unsigned char *s, size_t n, size_t k,
                             bool overrides, uint32_t *value) {
  size_t best = 0;
  for (size_t at = k;;) {
    uint32_t v = node_value(node, overrides);
    if (v) {
      best = at;
      *value = v;
    }
    if (!cv_nodes[node].nchild || at >= n)
      return best;
    int32_t cp;
    size_t k2 = text_decode(s + at, n - at, &cp);
    if (!k2 || !(node = child_of(node, cp)))
      return best;
    at += k2;
  }
}

/* Converts s[0..n) with one set into b (appended); BQW_EENCODING or BQW_ENOMEM. */
static int convert_set(const unsigned char *s, size_t n, int set, bool overrides,
                       buffer *b) {
  /* OpenCC values are at most a few characters longer than their keys: reserve the
   * input's size and a margin once, then check before each value */
  if (!buffer_reserve(b, n + n / 8 + 256))
    return BQW_ENOMEM;
  for (size_t i = 0; i < n;) {
    if (s[i] < 0x80) {
      if (!s[i])
        return BQW_EENCODING; /* as OpenCC's C API, which stops at a NUL */
      size_t j = i + 1;
      while (j < n && s[j] < 0x80 && s[j])
        j++;
      if (j - i <= 8 && b->cap - b->len >= 8 && n - i >= 8) {
        memcpy(b->data + b->len, s + i, 8); /* short runs: punctuation, digits */
        b->len += j - i;
      } else if (!buffer_append(b, s + i, j - i)) {
        return BQW_ENOMEM;
      }
      i = j;
      continue;
    }
    int32_t cp;
    size_t k = text_decode(s + i, n - i, &cp);
    if (!k)
      return BQW_EENCODING;
    uint32_t value = 0, node = root_of(set, cp);
    size_t used = node ? longest_phrase(node, s + i, n - i, k, overrides, &value) : 0;
    if (!used) {
      used = k;
      value = char_of(set, cp);
    }
    if (b->cap - b->len < 256 && !buffer_reserve(b, 256 + (n - i) / 4))
      return BQW_ENOMEM;
    /* Most values and characters are 3 or 4 bytes: a fixed-size copy of 8 (the pool is
     * padded, the buffer keeps 256 spare) is a move or two, a sized memcpy a call. */
    char *to = b->data + b->len;
    if (value) {
      size_t vlen = value & 0xFF;
      const unsigned char *from = cv_pool + (value >> 8);
      if (vlen <= 8)
        memcpy(to, from, 8);
      else
        memcpy(to, from, vlen);
      b->len += vlen;
    } else if (n - i >= 4) {
      memcpy(to, s + i, 4);
      b->len += used;
    } else {
      memcpy(to, s + i, used);
      b->len += used;
    }
    i += used;
  }
  return 0;
}

int bqw_script_available(bqw_script script, const char **why) {
  (void)why; /* the tables are compiled in: nothing can be missing */
  return (unsigned)script > BQW_SCRIPT_HANT ? BQW_EINVAL : 0;
}

/* Whether s[i..n) is what convert_set converts: no NUL, no bad UTF-8. */
static bool convertible(const unsigned char *s, size_t i, size_t n) {
  while (i < n) {
    int32_t cp;
    size_t k = text_decode(s + i, n - i, &cp);
    if (!k)
      return false;
    i += k;
  }
  return true;
}

/* Whether a[0..n) and b[0..n) are the same bytes: a loop for a character or two. */
static bool same_bytes(const unsigned char *a, const unsigned char *b, size_t n) {
  if (n > 8)
    return !memcmp(a, b, n);
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

/* Whether converting s[0..n) with one set gives other bytes than ref[0..rn): 1, 0, or
 * -1 where convert_set fails (a NUL, bad UTF-8). The output is compared as convert_set
 * makes it, segment by segment, and never held; at the first difference only the
 * rest's bytes are checked. */
static int set_differs(const unsigned char *s, size_t n, int set, bool overrides,
                       const unsigned char *ref, size_t rn) {
  size_t o = 0; /* the output so far, equal to ref[0..o) */
  for (size_t i = 0; i < n;) {
    const unsigned char *piece = s + i;
    size_t used, len;
    if (s[i] < 0x80) {
      used = 0;
      while (i + used < n && s[i + used] < 0x80 && s[i + used])
        used++;
      if (!used)
        return -1; /* a NUL */
      len = used;
    } else {
      int32_t cp;
      size_t k = text_decode(s + i, n - i, &cp);
      if (!k)
        return -1;
      uint32_t value = 0, node = root_of(set, cp);
      used = node ? longest_phrase(node, s + i, n - i, k, overrides, &value) : 0;
      if (!used) {
        used = k;
        value = char_of(set, cp);
      }
      len = used;
      if (value) {
        piece = cv_pool + (value >> 8);
        len = value & 0xFF;
      }
    }
    /* a piece of the input where ref is the input is itself (most characters) */
    if (len > rn - o || (piece != ref + o && !same_bytes(piece, ref + o, len)))
      return convertible(s, i, n) ? 1 : -1;
    o += len;
    i += used;
  }
  return o != rn;
}

int convert_changes(const char *s, size_t len, bqw_script script) {
  const unsigned char *in = (const unsigned char *)(s ? s : "");
  if (script == BQW_SCRIPT_HANS)
    return set_differs(in, len, SET_T2S, true, in, len);
  /* Traditional: t2s whole, then s2t compared as it goes */
  buffer simplified = {0};
  int changes = convert_set(in, len, SET_T2S, false, &simplified)
                    ? -1
                    : set_differs((const unsigned char *)simplified.data, simplified.len,
                                  SET_S2T, false, in, len);
  buffer_free(&simplified);
  return changes;
}

int convert_append(const char *s, size_t len, bqw_script script, buffer *out,
                   buffer *scratch) {
  const unsigned char *in = (const unsigned char *)(s ? s : "");
  size_t start = out->len;
  int rc;
  if (script == BQW_SCRIPT_HANS) {
    rc = convert_set(in, len, SET_T2S, true, out);
  } else {
    scratch->len = 0;
    rc = convert_set(in, len, SET_T2S, false, scratch);
    if (!rc)
      rc = convert_set((const unsigned char *)scratch->data, scratch->len, SET_S2T, false,
                       out);
  }
  if (rc)
    out->len = start;
  return rc;
}

int bqw_convert(const char *s, size_t len, bqw_script script, char **out,
                size_t *out_len) {
  if (!out || (!s && len) || (unsigned)script > BQW_SCRIPT_HANT)
    return BQW_EINVAL;
  *out = NULL;
  buffer result = {0}, simplified = {0};
  int rc = convert_append(s, len, script, &result, &simplified);
  buffer_free(&simplified);
  if (!rc && !buffer_append(&result, "", 1)) /* the NUL */
    rc = BQW_ENOMEM;
  if (rc) {
    buffer_free(&result);
    return rc;
  }
  *out = result.data;
  if (out_len)
    *out_len = result.len - 1;
  return 0;
}

size_t convert_overrides(const cv_override **out) {
  *out = cv_overrides;
  return CV_OVERRIDES;
}

void bqw_free(void *p) { free(p); }
