/*
 * fuzz_codebook.c -- libFuzzer harness for codebooks (core/codebook.c, core/code.c):
 * any bytes as a codebook TSV; when they parse, every code's fields are read, the
 * automaton scans the same bytes as a text (each span inside it, in order), and the
 * codebook codes a small digest (each coding's span inside its text). When they do not
 * parse, the error has a line, a column and a message, and the set is left empty.
 */
#include "bqw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char digest[] = "全省政策\n县域发展\n●《关于推进乡村振兴的意见》\n"
                             "◎推进人才培养和標準化建设, 加大财政资金投入。\n"
                             "◎到2025年, 全省乡村建设取得显著成效。\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bqw_codebook *cb = NULL;
  if (bqw_codebook_new(&cb) != 0)
    __builtin_trap();
  bqw_codebook_error err;
  int rc = bqw_codebook_add(cb, "fuzz.tsv", (const char *)data, size, &err);
  if (rc != 0) {
    if (rc != BQW_EINVAL || err.line == 0 || err.col == 0 || !err.message[0] ||
        bqw_codebook_count(cb) != 0)
      __builtin_trap();
    bqw_codebook_free(cb);
    return 0;
  }
  for (size_t i = 0; i < bqw_codebook_count(cb); i++) {
    const bqw_code_info *c = bqw_codebook_code(cb, i);
    if (!c->code[0] || !c->label ||
        (c->parent >= 0 && (size_t)c->parent >= bqw_codebook_count(cb)))
      __builtin_trap();
    for (size_t p = 0; p < c->pattern_count; p++)
      if (!c->patterns[p][0])
        __builtin_trap();
  }
  bqw_code_match m[64];
  size_t n = bqw_codebook_scan(cb, (const char *)data, size, m, 64);
  for (size_t i = 0; i < n && i < 64; i++)
    if (m[i].start >= m[i].end || m[i].end > size || m[i].char_start >= m[i].char_end)
      __builtin_trap();
  bqw_dataset *ds = NULL;
  if (bqw_load_buffer("d.txt", digest, sizeof digest - 1, &ds) == 0) {
    bqw_dataset_set_codebook(ds, cb);
    const bqw_coding *c;
    size_t nc;
    if (bqw_dataset_codings(ds, &c, &nc) != 0)
      __builtin_trap();
    for (size_t i = 0; i < nc; i++) {
      const char *t = bqw_coding_text(ds, &c[i]);
      if (!t || c[i].end > strlen(t) || c[i].start >= c[i].end)
        __builtin_trap();
    }
  }
  bqw_dataset_free(ds);
  bqw_codebook_free(cb);
  return 0;
}
