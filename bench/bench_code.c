/*
 * bench_code.c -- the coding benchmark (issue 23): the cost of coding a corpus with the
 * shipped codebooks beside the cost of loading it, in one process, one run.
 *
 *   bench_code [--repeat N] CORPUS
 *
 * Each repetition loads CORPUS (bqw_load_file: what `bqw stats` costs, timed), then
 * gives the dataset the shipped codebooks (policy-tools, themes; parsing and building
 * the automaton, timed) and computes every coding (bqw_dataset_codings: folding each
 * measure and prose once and running the automaton over it, timed). Prints the median
 * of each and the ratio (load + coding) / load, which issue 23 bounds by 2.
 */
#include "bqw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int repeat = 3;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = atoi(argv[++i]);
    else
      path = argv[i];
  }
  if (!path || repeat < 1 || repeat > 50) {
    fprintf(stderr, "usage: bench_code [--repeat N] CORPUS\n");
    return 2;
  }
  double load[50], build[50], code[50];
  size_t codings = 0, measures = 0;
  for (int r = 0; r < repeat; r++) {
    double t0 = now();
    bqw_dataset *ds = NULL;
    int rc = bqw_load_file(path, &ds);
    double t1 = now();
    if (rc != 0) {
      fprintf(stderr, "%s: load failed: %s\n", path, bqw_strerror(rc));
      bqw_dataset_free(ds);
      return 1;
    }
    bqw_codebook *cb = NULL;
    bqw_codebook_new(&cb);
    const char *names[] = {"codebook-policy-tools", "codebook-themes"};
    for (int i = 0; i < 2; i++) {
      size_t len;
      const char *t = bqw_fact_table(names[i], &len);
      if (bqw_codebook_add(cb, names[i], t, len, NULL) != 0)
        return 1;
    }
    bqw_dataset_set_codebook(ds, cb);
    bqw_codebook_free(cb);
    double t2 = now();
    const bqw_coding *c;
    if (bqw_dataset_codings(ds, &c, &codings) != 0)
      return 1;
    double t3 = now();
    bqw_stats st;
    bqw_dataset_stats(ds, &st);
    measures = st.measures;
    load[r] = t1 - t0;
    build[r] = t2 - t1;
    code[r] = t3 - t2;
    bqw_dataset_free(ds);
  }
  qsort(load, (size_t)repeat, sizeof *load, cmp_d);
  qsort(build, (size_t)repeat, sizeof *build, cmp_d);
  qsort(code, (size_t)repeat, sizeof *code, cmp_d);
  double l = load[repeat / 2], b = build[repeat / 2], c = code[repeat / 2];
  printf("corpus %s: %zu measures, %zu codings (median of %d)\n", path, measures, codings,
         repeat);
  printf("load     %.3f s\ncodebook %.4f s\ncoding   %.3f s\n", l, b, c);
  printf("ratio (load + codebook + coding) / load = %.2f\n", (l + b + c) / l);
  return 0;
}
