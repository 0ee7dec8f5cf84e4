/*
 * bench_load.c -- load benchmark for libbqw: the loader beside utf8proc NFC alone.
 *
 *   bench_load [--repeat N] [--json] [--only floor|nfc|load_file|load_buf|index] CORPUS
 *
 * Phases, each repetition in its own forked child so that neither time nor peak RSS of
 * one phase leaks into another (the parent never holds the corpus, so a child's
 * ru_maxrss, read with wait4(), is its own):
 *   floor     reads the file into one malloc'd buffer and touches it: the RSS floor;
 *   nfc       reads the file (not timed), then utf8proc_map(STABLE|COMPOSE) line by line
 *             over the same bytes (timed): the baseline;
 *   load_file bqw_load_file(path) (timed, reading included);
 *   load_buf  reads the file (not timed), then bqw_load_buffer() (timed);
 *   index     bqw_load_file(path) (not timed), then bqw_dataset_index() (timed): the
 *             search index's build, its peak RSS that of the loaded dataset and index.
 * Each phase runs N times (default 3); best and median times are reported, throughput
 * is input bytes / time, and the ratios use medians.
 */
#include "bqw.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>

#define MIB (1024.0 * 1024.0)
#define MAX_REPEAT 100

typedef enum phase {
  PHASE_FLOOR,
  PHASE_NFC,
  PHASE_LOAD_FILE,
  PHASE_LOAD_BUF,
  PHASE_INDEX
} phase;
static const char *const phase_names[] = {"floor", "nfc", "load_file", "load_buf",
                                          "index"};
static const char *const phase_what[] = {
    "read file only (RSS floor)", "utf8proc NFC alone, line by line",
    "bqw_load_file (reads the file)", "bqw_load_buffer (bytes in memory)",
    "bqw_dataset_index after a load"};
#define PHASES 5

/* What a child sends back through its pipe. */
typedef struct result {
  int ok;     /* 1 when the child ran to the end */
  int status; /* bqw status, or the count of NFC errors */
  double seconds;
  size_t records, measures, lines, residue, repairs, normalized, warnings, errors;
  size_t out_bytes; /* NFC output bytes (keeps the work observable) */
  long minflt;      /* minor page faults in the timed part: fresh memory touched */
  double cpu;       /* CPU seconds (user + system) of the timed part */
} result;

typedef struct phase_stats {
  double best, median;
  double cpu_median; /* CPU time: less disturbed than wall time by other load */
  long rss_kib;      /* the largest ru_maxrss of the phase's children */
  result last;
} phase_stats;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads the whole file into one buffer sized from fstat (as a careful caller would). */
static unsigned char *read_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return NULL;
  struct stat st;
  unsigned char *buf = NULL;
  if (fstat(fd, &st) == 0 && (buf = malloc((size_t)st.st_size + 1))) {
    size_t got = 0;
    while (got < (size_t)st.st_size) {
      ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (size_t)n;
    }
    if (got != (size_t)st.st_size) {
      free(buf);
      buf = NULL;
    }
    *len = got;
  }
  close(fd);
  return buf;
}

/* utf8proc NFC over each line (line ends excluded), as a loader that normalizes every
 * line with the library would. */
static void nfc_lines(const unsigned char *b, size_t n, result *r) {
  size_t i = 0;
  while (i < n) {
    const unsigned char *nl = memchr(b + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - b) : n;
    size_t len = end - i;
    if (len && b[end - 1] == '\r')
      len--;
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t k = utf8proc_map(b + i, (utf8proc_ssize_t)len, &out,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k < 0)
      r->status++;
    else
      r->out_bytes += (size_t)k;
    free(out);
    r->lines++;
    i = end + 1;
  }
}

static void describe(bqw_dataset *ds, result *r) {
  bqw_stats st;
  bqw_dataset_stats(ds, &st);
  const bqw_report *rep = bqw_dataset_report(ds);
  r->records = bqw_record_count(ds);
  r->measures = st.measures;
  r->lines = rep->lines;
  r->residue = rep->residue_removed;
  r->repairs = rep->repairs_applied;
  r->normalized = rep->normalized_runs;
  r->warnings = rep->warnings;
  r->errors = rep->errors;
}

static long minor_faults(double *cpu) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  return ru.ru_minflt;
}

static void run_child(phase ph, const char *path, result *r) {
  memset(r, 0, sizeof *r);
  size_t len = 0;
  unsigned char *data = NULL;
  if (ph != PHASE_LOAD_FILE && ph != PHASE_INDEX && !(data = read_file(path, &len)))
    return;
  bqw_dataset *loaded = NULL;
  if (ph == PHASE_INDEX && (r->status = bqw_load_file(path, &loaded)) != 0) {
    bqw_dataset_free(loaded);
    return;
  }
  double cpu0, cpu1;
  long faults0 = minor_faults(&cpu0);
  double t0 = now();
  switch (ph) {
  case PHASE_INDEX:
    r->status = bqw_dataset_index(loaded);
    r->seconds = now() - t0;
    r->minflt = minor_faults(&cpu1) - faults0;
    r->cpu = cpu1 - cpu0;
    describe(loaded, r);
    bqw_dataset_free(loaded);
    if (r->status)
      return;
    break;
  case PHASE_FLOOR: {
    /* Touch every page, so the floor is the resident file, whatever read() did. */
    volatile unsigned sum = 0;
    for (size_t i = 0; i < len; i += 4096)
      sum += data[i];
    (void)sum;
    break;
  }
  case PHASE_NFC:
    nfc_lines(data, len, r);
    break;
  case PHASE_LOAD_FILE:
  case PHASE_LOAD_BUF: {
    bqw_dataset *ds = NULL;
    r->status = ph == PHASE_LOAD_FILE ? bqw_load_file(path, &ds)
                                      : bqw_load_buffer(path, data, len, &ds);
    r->seconds = now() - t0; /* the load, not the free */
    r->minflt = minor_faults(&cpu1) - faults0;
    r->cpu = cpu1 - cpu0;
    if (ds)
      describe(ds, r);
    bqw_dataset_free(ds);
    break;
  }
  }
  if (ph != PHASE_LOAD_FILE && ph != PHASE_LOAD_BUF && ph != PHASE_INDEX) {
    r->seconds = now() - t0;
    r->minflt = minor_faults(&cpu1) - faults0;
    r->cpu = cpu1 - cpu0;
  }
  free(data);
  r->ok = 1;
}

/* Runs one repetition of a phase in a child; returns 0 and fills r and *rss_kib. */
static int run_forked(phase ph, const char *path, result *r, long *rss_kib) {
  int fds[2];
  if (pipe(fds) < 0)
    return -1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    result res;
    run_child(ph, path, &res);
    ssize_t w = write(fds[1], &res, sizeof res);
    _exit(w == (ssize_t)sizeof res ? 0 : 1);
  }
  close(fds[1]);
  memset(r, 0, sizeof *r);
  size_t got = 0;
  while (got < sizeof *r) {
    ssize_t n = read(fds[0], (char *)r + got, sizeof *r - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(fds[0]);
  int wstatus;
  struct rusage ru;
  while (wait4(pid, &wstatus, 0, &ru) < 0)
    if (errno != EINTR)
      return -1;
  if (got != sizeof *r || !r->ok || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus))
    return -1;
  *rss_kib = ru.ru_maxrss; /* Linux: KiB */
  return 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int run_phase(phase ph, const char *path, int repeat, phase_stats *ps) {
  double times[MAX_REPEAT], cpus[MAX_REPEAT];
  ps->rss_kib = 0;
  for (int i = 0; i < repeat; i++) {
    long rss;
    if (run_forked(ph, path, &ps->last, &rss) < 0) {
      fprintf(stderr, "bench_load: phase %s failed (repetition %d)\n", phase_names[ph],
              i + 1);
      return -1;
    }
    times[i] = ps->last.seconds;
    cpus[i] = ps->last.cpu;
    if (rss > ps->rss_kib)
      ps->rss_kib = rss;
  }
  qsort(times, (size_t)repeat, sizeof *times, cmp_double);
  qsort(cpus, (size_t)repeat, sizeof *cpus, cmp_double);
  ps->best = times[0];
  ps->median =
      repeat % 2 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
  ps->cpu_median =
      repeat % 2 ? cpus[repeat / 2] : (cpus[repeat / 2 - 1] + cpus[repeat / 2]) / 2;
  return 0;
}

/* a / b, or 0 when b is not positive (a phase that did not run). */
static double ratio_or_zero(double a, double b) { return b > 0 ? a / b : 0; }

static void usage(FILE *f) {
  fprintf(f,
          "usage: bench_load [--repeat N] [--json] CORPUS\n"
          "  Times bqw_load_file and bqw_load_buffer on CORPUS beside utf8proc NFC\n"
          "  alone over the same bytes, each repetition in a forked child, and reports\n"
          "  MB/s (1 MB = 2^20 bytes), ratios of medians and peak RSS per phase.\n");
}

int main(int argc, char **argv) {
  int repeat = 3, json = 0, only = -1;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) {
      json = 1;
    } else if ((!strcmp(argv[i], "--repeat") || !strcmp(argv[i], "-n")) && i + 1 < argc) {
      repeat = atoi(argv[++i]);
      if (repeat < 1 || repeat > MAX_REPEAT) {
        fprintf(stderr, "bench_load: --repeat is 1..%d\n", MAX_REPEAT);
        return 2;
      }
    } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
      i++;
      for (int p = 0; p < PHASES; p++)
        if (!strcmp(argv[i], phase_names[p]))
          only = p;
      if (only < 0) {
        fprintf(stderr,
                "bench_load: --only takes floor, nfc, load_file, load_buf or index\n");
        return 2;
      }
    } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' || path) {
      usage(stderr);
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    usage(stderr);
    return 2;
  }
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "bench_load: %s: %s\n", path, strerror(errno));
    return 2;
  }
  double input_mib = (double)st.st_size / MIB;

  phase_stats ps[PHASES];
  memset(ps, 0, sizeof ps);
  if (only >= 0) { /* one phase, e.g. under callgrind: a single line, no ratios */
    if (run_phase((phase)only, path, repeat, &ps[only]) < 0)
      return 1;
    printf("%s: median %.3f s, best %.3f s, %.1f MB/s, peak RSS %.1f MB\n",
           phase_names[only], ps[only].median, ps[only].best,
           ps[only].median > 0 ? input_mib / ps[only].median : 0,
           (double)ps[only].rss_kib / 1024.0);
    return 0;
  }
  for (int p = 0; p < PHASES; p++)
    if (run_phase((phase)p, path, repeat, &ps[p]) < 0)
      return 1;
  struct rusage self;
  getrusage(RUSAGE_SELF, &self);

  double mbps[PHASES], mbps_best[PHASES], rss_mib[PHASES];
  for (int p = 0; p < PHASES; p++) {
    mbps[p] = ps[p].median > 0 ? input_mib / ps[p].median : 0;
    mbps_best[p] = ps[p].best > 0 ? input_mib / ps[p].best : 0;
    rss_mib[p] = (double)ps[p].rss_kib / 1024.0;
  }
  double ratio_file = ratio_or_zero(ps[PHASE_NFC].median, ps[PHASE_LOAD_FILE].median);
  double ratio_buf = ratio_or_zero(ps[PHASE_NFC].median, ps[PHASE_LOAD_BUF].median);
  double cpu_file =
      ratio_or_zero(ps[PHASE_NFC].cpu_median, ps[PHASE_LOAD_FILE].cpu_median);
  double cpu_buf = ratio_or_zero(ps[PHASE_NFC].cpu_median, ps[PHASE_LOAD_BUF].cpu_median);
  /* The verdict takes the worse of the two load paths. */
  double ratio = ratio_file < ratio_buf ? ratio_file : ratio_buf;
  double load_rss = rss_mib[PHASE_LOAD_FILE] > rss_mib[PHASE_LOAD_BUF]
                        ? rss_mib[PHASE_LOAD_FILE]
                        : rss_mib[PHASE_LOAD_BUF];
  double rss_x = input_mib > 0 ? load_rss / input_mib : 0;
  const result *lf = &ps[PHASE_LOAD_FILE].last;
  const result *nf = &ps[PHASE_NFC].last;

  if (json) {
    printf("{\n  \"corpus\": \"%s\",\n  \"input_bytes\": %lld,\n  \"repeat\": %d,\n",
           path, (long long)st.st_size, repeat);
    printf("  \"libbqw\": \"%s\",\n  \"utf8proc\": \"%s\",\n  \"phases\": {\n",
           bqw_version(), utf8proc_version());
    for (int p = 0; p < PHASES; p++)
      printf("    \"%s\": {\"best_s\": %.6f, \"median_s\": %.6f, \"mbps_median\": %.2f, "
             "\"mbps_best\": %.2f, \"peak_rss_kib\": %ld, \"rss_x_input\": %.3f, "
             "\"minor_faults\": %ld, \"cpu_median_s\": %.6f}%s\n",
             phase_names[p], ps[p].best, ps[p].median, mbps[p], mbps_best[p],
             ps[p].rss_kib, input_mib > 0 ? rss_mib[p] / input_mib : 0, ps[p].last.minflt,
             ps[p].cpu_median, p + 1 < PHASES ? "," : "");
    printf(
        "  },\n  \"ratio_load_file_vs_nfc\": %.3f,\n  \"ratio_load_buf_vs_nfc\": %.3f,\n",
        ratio_file, ratio_buf);
    printf("  \"cpu_ratio_load_file_vs_nfc\": %.3f,\n  \"cpu_ratio_load_buf_vs_nfc\": "
           "%.3f,\n",
           cpu_file, cpu_buf);
    printf("  \"load\": {\"status\": \"%s\", \"records\": %zu, \"measures\": %zu, "
           "\"lines\": %zu, \"residue_removed\": %zu, \"repairs_applied\": %zu, "
           "\"normalized_runs\": %zu, \"warnings\": %zu, \"errors\": %zu},\n",
           bqw_err_name(lf->status), lf->records, lf->measures, lf->lines, lf->residue,
           lf->repairs, lf->normalized, lf->warnings, lf->errors);
    printf("  \"nfc\": {\"lines\": %zu, \"out_bytes\": %zu, \"errors\": %d},\n",
           nf->lines, nf->out_bytes, nf->status);
    printf("  \"verdict\": {\"load_x_baseline\": %.3f, \"target_x_baseline\": 3, "
           "\"peak_rss_x_input\": %.3f, \"target_rss_x_input\": 3, \"pass\": %s}\n}\n",
           ratio, rss_x, ratio >= 3 && rss_x <= 3 ? "true" : "false");
    return 0;
  }

  printf("corpus   %s: %lld bytes (%.1f MB), %zu lines\n", path, (long long)st.st_size,
         input_mib, nf->lines);
  printf("runs     %d per phase, each in its own forked child; times are medians "
         "(best)\n",
         repeat);
  printf("versions libbqw %s, utf8proc %s\n\n", bqw_version(), utf8proc_version());
  printf("%-10s %-34s %9s %9s %8s %8s %9s %7s %8s\n", "phase", "what", "median s",
         "best s", "MB/s", "best", "peak RSS", "x input", "faults");
  for (int p = 0; p < PHASES; p++) {
    if (p == PHASE_FLOOR)
      printf("%-10s %-34s %9s %9s %8s %8s %6.1f MB %6.2fx %8s\n", phase_names[p],
             phase_what[p], "-", "-", "-", "-", rss_mib[p], rss_mib[p] / input_mib, "-");
    else
      printf("%-10s %-34s %9.3f %9.3f %8.1f %8.1f %6.1f MB %6.2fx %8ld\n", phase_names[p],
             phase_what[p], ps[p].median, ps[p].best, mbps[p], mbps_best[p], rss_mib[p],
             rss_mib[p] / input_mib, ps[p].last.minflt);
  }
  printf("\nratio    load_file/nfc %.2fx, load_buf/nfc %.2fx (throughput, medians)\n",
         ratio_file, ratio_buf);
  printf("cpu      load_file/nfc %.2fx, load_buf/nfc %.2fx (CPU time of the timed part, "
         "medians: nfc %.3f s, load_file %.3f s, load_buf %.3f s)\n",
         cpu_file, cpu_buf, ps[PHASE_NFC].cpu_median, ps[PHASE_LOAD_FILE].cpu_median,
         ps[PHASE_LOAD_BUF].cpu_median);
  printf("load     %s: %zu records, %zu measures, %zu lines; %zu readings removed, "
         "%zu repairs, %zu NFC runs; %zu errors, %zu warnings\n",
         bqw_err_name(lf->status), lf->records, lf->measures, lf->lines, lf->residue,
         lf->repairs, lf->normalized, lf->errors, lf->warnings);
  printf(
      "index    bqw_dataset_index %.3f s = %.2fx load_file (medians; CPU %.3f s); peak "
      "RSS "
      "of load + index %.1f MB = %.2fx input\n",
      ps[PHASE_INDEX].median,
      ps[PHASE_LOAD_FILE].median > 0 ? ps[PHASE_INDEX].median / ps[PHASE_LOAD_FILE].median
                                     : 0,
      ps[PHASE_INDEX].cpu_median, rss_mib[PHASE_INDEX], rss_mib[PHASE_INDEX] / input_mib);
  if (nf->status)
    printf("nfc      %d lines were rejected by utf8proc\n", nf->status);
  printf("faults   minor page faults inside the timed part (last run): fresh memory "
         "first touched, %ld KiB each\n",
         sysconf(_SC_PAGESIZE) / 1024);
  printf("parent   peak RSS %.1f MB (never holds the corpus)\n",
         (double)self.ru_maxrss / 1024.0);
  /* issue 19 raised the speed target from 3x to 3.5x: "No slower" than its load */
  printf("verdict: load %.1fx baseline (target >= 3.5x), peak RSS %.1fx input (target <= "
         "3x)\n",
         ratio, rss_x);
  return 0;
}
