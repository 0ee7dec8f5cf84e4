/*
 * check.h -- a tiny assertion kit for libbqw's C unit tests.
 *
 * Every CHECK* records a failure (file:line, the expression, and the values seen)
 * and carries on, so one run lists every failed assertion. A test's main ends with
 * `return check_report("name");`, which is nonzero when anything failed.
 * check_context(), when set, is printed with each failure (e.g. the table row).
 */
#ifndef BQW_TEST_CHECK_H
#define BQW_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed_count;
static int check_passed_count;
static char check_context_buf[256];

static inline void check_context(const char *text) {
  snprintf(check_context_buf, sizeof check_context_buf, "%s", text ? text : "");
}

static inline void check_fail_head(const char *file, int line) {
  check_failed_count++;
  fprintf(stderr, "%s:%d: FAILED", file, line);
  if (check_context_buf[0])
    fprintf(stderr, " [%s]", check_context_buf);
  fprintf(stderr, ": ");
}

static inline int check_true(int ok, const char *expr, const char *file, int line) {
  if (ok) {
    check_passed_count++;
    return 1;
  }
  check_fail_head(file, line);
  fprintf(stderr, "CHECK(%s)\n", expr);
  return 0;
}

static inline int check_eq_int(long long got, long long want, const char *got_expr,
                               const char *want_expr, const char *file, int line) {
  if (got == want) {
    check_passed_count++;
    return 1;
  }
  check_fail_head(file, line);
  fprintf(stderr, "%s == %s: got %lld, expected %lld\n", got_expr, want_expr, got, want);
  return 0;
}

/* NULL equals only NULL. */
static inline int check_str(const char *got, const char *want, const char *got_expr,
                            const char *file, int line) {
  if ((!got && !want) || (got && want && !strcmp(got, want))) {
    check_passed_count++;
    return 1;
  }
  check_fail_head(file, line);
  fprintf(stderr, "%s: got %s%s%s, expected %s%s%s\n", got_expr, got ? "\"" : "",
          got ? got : "NULL", got ? "\"" : "", want ? "\"" : "", want ? want : "NULL",
          want ? "\"" : "");
  return 0;
}

/* got contains want (got NULL fails); with `absent`, got must not contain it. */
static inline int check_has(const char *got, const char *want, int absent,
                            const char *got_expr, const char *file, int line) {
  int found = got && strstr(got, want) != NULL;
  if (got && found != absent) {
    check_passed_count++;
    return 1;
  }
  check_fail_head(file, line);
  fprintf(stderr, "%s: got %s%s%s, expected it %s \"%s\"\n", got_expr, got ? "\"" : "",
          got ? got : "NULL", got ? "\"" : "", absent ? "not to contain" : "to contain",
          want);
  return 0;
}

/* got starts (or, with at_end, ends) with want. */
static inline int check_affix(const char *got, const char *want, int at_end,
                              const char *got_expr, const char *file, int line) {
  size_t g = got ? strlen(got) : 0, w = strlen(want);
  if (got && g >= w && !memcmp(at_end ? got + g - w : got, want, w)) {
    check_passed_count++;
    return 1;
  }
  check_fail_head(file, line);
  fprintf(stderr, "%s: got %s%s%s, expected it to %s with \"%s\"\n", got_expr,
          got ? "\"" : "", got ? got : "NULL", got ? "\"" : "", at_end ? "end" : "start",
          want);
  return 0;
}

#define CHECK(cond) check_true(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_EQ_INT(got, want)                                                          \
  check_eq_int((long long)(got), (long long)(want), #got, #want, __FILE__, __LINE__)
#define CHECK_STR(got, want) check_str((got), (want), #got, __FILE__, __LINE__)
#define CHECK_CONTAINS(got, want) check_has((got), (want), 0, #got, __FILE__, __LINE__)
#define CHECK_LACKS(got, want) check_has((got), (want), 1, #got, __FILE__, __LINE__)
#define CHECK_PREFIX(got, want) check_affix((got), (want), 0, #got, __FILE__, __LINE__)
#define CHECK_SUFFIX(got, want) check_affix((got), (want), 1, #got, __FILE__, __LINE__)

/* Prints the tally; returns the exit status for main. */
static inline int check_report(const char *name) {
  check_context(NULL);
  if (check_failed_count) {
    fprintf(stderr, "%s: %d of %d checks FAILED\n", name, check_failed_count,
            check_failed_count + check_passed_count);
    return 1;
  }
  printf("%s: all %d checks passed\n", name, check_passed_count);
  return 0;
}

/* A test binary of several cases, one per ctest entry (`test CASE`): runs the named
 * case and reports it; exit status 2 and a usage line for an unknown one. */
typedef struct check_case {
  const char *name;
  void (*run)(void);
} check_case;

static inline int check_run_case(int argc, char **argv, const check_case *cases,
                                 size_t count) {
  for (size_t i = 0; i < count; i++)
    if (argc == 2 && !strcmp(argv[1], cases[i].name)) {
      cases[i].run();
      return check_report(cases[i].name);
    }
  fprintf(stderr, "usage: %s CASE\n", argv[0]);
  return 2;
}
#define CHECK_RUN_CASES(argc, argv, cases)                                               \
  check_run_case((argc), (argv), (cases), sizeof(cases) / sizeof *(cases))

#endif /* BQW_TEST_CHECK_H */
