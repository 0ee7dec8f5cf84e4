/*
 * dataset.c -- the bqw_dataset handle: loading, accessors, diagnostics, names.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const unsigned char bqw_data_digest[];
extern const size_t bqw_data_digest_len;

#define DEFAULT_NAME "(embedded)/bqw-digest-2023.txt"
#define ARENA_CHUNK (64 * 1024)

const char *bqw_err_name(int err) {
  switch (err) {
  case BQW_OK:
    return "OK";
#define XX(name, value, text)                                                            \
  case BQW_##name:                                                                       \
    return #name;
    BQW_ERRNO_MAP(XX)
#undef XX
  }
  return "UNKNOWN";
}

const char *bqw_strerror(int err) {
  switch (err) {
  case BQW_OK:
    return "success";
#define XX(name, value, text)                                                            \
  case BQW_##name:                                                                       \
    return text;
    BQW_ERRNO_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *bqw_version(void) { return BQW_VERSION_STRING; }

void diag_add(bqw_dataset *ds, bqw_severity sev, uint32_t line, uint32_t col,
              const char *fmt, ...) {
  if (sev == BQW_ERROR)
    ds->report.errors++;
  else if (sev == BQW_WARNING)
    ds->report.warnings++;
  if (ds->diag_count >= BQW_DIAG_LIMIT) {
    ds->diag_dropped++;
    return;
  }
  if (ds->diag_count == ds->diag_cap) {
    size_t cap = ds->diag_cap ? ds->diag_cap * 2 : 16;
    bqw_diag *d = realloc(ds->diags, cap * sizeof *d);
    if (!d) {
      ds->diag_dropped++;
      return;
    }
    ds->diags = d;
    ds->diag_cap = cap;
  }
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  const char *msg = arena_strndup(&ds->mem, buf, strlen(buf));
  if (!msg) {
    ds->diag_dropped++;
    return;
  }
  ds->diags[ds->diag_count++] = (bqw_diag){sev, line, col, msg};
}

static bqw_dataset *dataset_new(const char *name) {
  bqw_dataset *ds = calloc(1, sizeof *ds);
  if (!ds)
    return NULL;
  arena_init(&ds->mem, ARENA_CHUNK);
  ds->name = arena_strndup(&ds->mem, name, strlen(name));
  if (!ds->name || facts_load(&ds->facts, &ds->mem)) {
    bqw_dataset_free(ds);
    return NULL;
  }
  return ds;
}

static int finish(bqw_dataset *ds, int rc, bqw_dataset **out) {
  ds->status = rc;
  *out = ds;
  return rc;
}

int bqw_load_buffer(const char *name, const void *data, size_t len, bqw_dataset **out) {
  if (!out)
    return BQW_EINVAL;
  *out = NULL;
  if (!data && len)
    return BQW_EINVAL;
  bqw_dataset *ds = dataset_new(name ? name : "(buffer)");
  if (!ds)
    return BQW_ENOMEM;
  int rc = clean_text(ds, data ? data : "", len);
  if (rc == BQW_ENOMEM)
    return finish(ds, rc, out);
  /* Lines with invalid bytes were kept with U+FFFD, so a broken file still shows its
   * structure; a file in another encoding has none worth parsing. */
  if (!ds->wrong_encoding) {
    int prc = parse_digest(ds);
    if (prc)
      rc = prc;
  }
  /* The raw lines are no longer needed; their text lives on in the arena. */
  free(ds->lines);
  ds->lines = NULL;
  ds->line_count = ds->line_cap = 0;
  return finish(ds, rc, out);
}

int bqw_load_file(const char *path, bqw_dataset **out) {
  if (!path || !out)
    return BQW_EINVAL;
  *out = NULL;
  FILE *f = fopen(path, "rb");
  int err = errno;
  buffer data = {0};
  if (f) {
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
      if (!buffer_append(&data, chunk, n)) {
        fclose(f);
        buffer_free(&data);
        return BQW_ENOMEM;
      }
    err = ferror(f) ? errno : 0;
    fclose(f);
  }
  if (!f || err) {
    buffer_free(&data);
    bqw_dataset *ds = dataset_new(path);
    if (!ds)
      return BQW_ENOMEM;
    diag_add(ds, BQW_ERROR, 0, 0, "cannot read file: %s", strerror(err));
    return finish(ds, BQW_EIO, out);
  }
  int rc = bqw_load_buffer(path, data.data, data.len, out);
  buffer_free(&data);
  return rc;
}

int bqw_load_default(bqw_dataset **out) {
  return bqw_load_buffer(DEFAULT_NAME, bqw_data_digest, bqw_data_digest_len, out);
}

const unsigned char *bqw_default_digest(size_t *len) {
  if (len)
    *len = bqw_data_digest_len;
  return bqw_data_digest;
}

void bqw_dataset_free(bqw_dataset *ds) {
  if (!ds)
    return;
  free(ds->lines);
  free(ds->records);
  free(ds->measures);
  free(ds->diags);
  arena_free(&ds->mem);
  free(ds);
}

const char *bqw_dataset_name(const bqw_dataset *ds) { return ds->name; }
int bqw_dataset_status(const bqw_dataset *ds) { return ds->status; }
size_t bqw_record_count(const bqw_dataset *ds) { return ds->record_count; }

const bqw_record *bqw_record_at(const bqw_dataset *ds, size_t index) {
  return index < ds->record_count ? &ds->records[index] : NULL;
}

const bqw_meta *bqw_dataset_meta(const bqw_dataset *ds) { return &ds->meta; }
const bqw_report *bqw_dataset_report(const bqw_dataset *ds) { return &ds->report; }
size_t bqw_diag_count(const bqw_dataset *ds) { return ds->diag_count; }

const bqw_diag *bqw_diag_at(const bqw_dataset *ds, size_t index) {
  return index < ds->diag_count ? &ds->diags[index] : NULL;
}

void bqw_dataset_stats(const bqw_dataset *ds, bqw_stats *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < ds->record_count; i++) {
    const bqw_record *r = &ds->records[i];
    switch (r->kind) {
    case BQW_KIND_DOCUMENT:
      out->provincial_documents++;
      out->provincial_measures += r->measure_count;
      break;
    case BQW_KIND_CITY:
      out->city_entries++;
      out->city_measures += r->measure_count;
      break;
    case BQW_KIND_GUIDING:
      out->guiding_documents++;
      break;
    case BQW_KIND_TARGET:
      out->targets++;
      break;
    case BQW_KIND_MEETING:
      out->meetings++;
      break;
    case BQW_KIND_OTHER:
      out->other++;
      break;
    }
  }
  out->measures = out->provincial_measures + out->city_measures;
}

int bqw_diag_format(const bqw_dataset *ds, const bqw_diag *d, char *buf, size_t size) {
  if (d->line == 0)
    return snprintf(buf, size, "%s: %s: %s", ds->name, bqw_severity_name(d->severity),
                    d->message);
  return snprintf(buf, size, "%s:%u:%u: %s: %s", ds->name, (unsigned)d->line,
                  (unsigned)d->col, bqw_severity_name(d->severity), d->message);
}

const char *bqw_kind_name(bqw_kind kind) {
  static const char *const names[] = {"document", "city",    "guiding",
                                      "target",   "meeting", "other"};
  return (unsigned)kind < sizeof names / sizeof *names ? names[kind] : "unknown";
}

const char *bqw_section_name(bqw_section section) {
  static const char *const names[] = {"preamble", "province", "city",
                                      "guiding",  "timeline", "other"};
  return (unsigned)section < sizeof names / sizeof *names ? names[section] : "unknown";
}

const char *bqw_action_name(bqw_action action) {
  static const char *const names[] = {"none", "issue", "meeting", "statement"};
  return (unsigned)action < sizeof names / sizeof *names ? names[action] : "unknown";
}

const char *bqw_severity_name(bqw_severity severity) {
  static const char *const names[] = {"note", "warning", "error"};
  return (unsigned)severity < sizeof names / sizeof *names ? names[severity] : "unknown";
}
