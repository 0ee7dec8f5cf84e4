/*
 * code.h -- what core/codebook.c (the codebook and its parser) and core/code.c (the
 * automaton and the codings) share. Internal: not installed.
 */
#ifndef BQW_CODE_H
#define BQW_CODE_H

#include "internal.h"

/* Room for one more item in the malloc'd array *items (array_grow, holding the pointer
 * in place): false when out of memory, the array then unchanged. */
static inline bool grow(void **items, size_t count, size_t *cap, size_t size) {
  void *p = array_grow(*items, count, cap, size, 32);
  if (!p)
    return false;
  *items = p;
  return true;
}

typedef struct cb_pattern {
  int32_t *cp; /* folded, in the codebook's arena */
  uint32_t n;
  uint32_t code;
  bool exclude;
} cb_pattern;

/* The automaton: states of the trie of every pattern (over character classes), their
 * failure links, and the patterns each state ends (its own and its failure chain's). */
typedef struct automaton {
  uint32_t classes;     /* 0 is every character no pattern holds */
  uint16_t *bmp;        /* class of each code point below 0x10000 */
  int32_t *astral;      /* sorted code points above, and their classes */
  uint32_t *astral_cls; /* (class of astral[i]) */
  size_t astral_count;
  uint32_t states;
  uint32_t *root; /* the root's transition on each class (0: stay) */
  uint32_t *edge_first, *edge_cls, *edge_to; /* CSR, sorted by class */
  uint32_t *fail;
  uint32_t *out_first, *out; /* CSR: patterns each state ends */
  /* a pattern holds a character the curated overrides change or produce: texts are then
   * folded whole by bqw_fold, else character by character (the same matches) */
  bool needs_rules;
} automaton;

struct bqw_codebook {
  arena mem;
  atomic_size_t refs;
  bqw_code_info *codes;
  size_t count, cap;
  int32_t **code_cp; /* each code folded, for lookups */
  size_t *code_ncp;
  cb_pattern *pats;
  size_t npat, patcap;
  automaton ac;
};

/* Builds cb's automaton over all its patterns (code.c); 0 or BQW_ENOMEM. */
int automaton_build(bqw_codebook *cb);
void automaton_free(automaton *a);

#endif
