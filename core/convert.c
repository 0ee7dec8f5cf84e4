/*
 * convert.c -- Simplified/Traditional conversion with OpenCC (t2s.json, s2t.json).
 *
 * Each converter is opened once per process, on first use (pthread_once), and only read
 * afterwards: OpenCC's converters are immutable once built, so one handle serves every
 * thread. Text is converted line by line, because OpenCC holds several times its input
 * in memory while it converts one buffer.
 */
#include "internal.h"

#include <opencc/opencc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const config_of[] = {"t2s.json", "s2t.json"};
static opencc_t converters[2];
static pthread_once_t opened[2] = {PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT};

static void open_t2s(void) { converters[BQW_SCRIPT_HANS] = opencc_open(config_of[0]); }
static void open_s2t(void) { converters[BQW_SCRIPT_HANT] = opencc_open(config_of[1]); }

static opencc_t converter(bqw_script script) {
  pthread_once(&opened[script], script == BQW_SCRIPT_HANS ? open_t2s : open_s2t);
  return converters[script];
}

int bqw_script_available(bqw_script script, const char **why) {
  if ((unsigned)script > BQW_SCRIPT_HANT)
    return BQW_EINVAL;
  if (converter(script) == (opencc_t)-1) {
    if (why)
      *why = opencc_error();
    return BQW_EIO;
  }
  return 0;
}

int bqw_convert(const char *s, size_t len, bqw_script script, char **out,
                size_t *out_len) {
  if (!out || (!s && len) || (unsigned)script > BQW_SCRIPT_HANT)
    return BQW_EINVAL;
  *out = NULL;
  /* OpenCC reads past the end of a cut-off sequence: give it valid UTF-8 only */
  for (size_t i = 0; i < len;) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)s + i, len - i, &cp);
    if (!k)
      return BQW_EENCODING;
    i += k;
  }
  opencc_t cc = converter(script);
  if (cc == (opencc_t)-1)
    return BQW_EIO;
  buffer result = {0};
  const char *p = s, *end = s + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)((eol ? eol : end) - p);
    if (n) {
      char *converted = opencc_convert_utf8(cc, p, n);
      if (!converted) {
        buffer_free(&result);
        return BQW_ENOMEM;
      }
      bool ok = buffer_append(&result, converted, strlen(converted));
      opencc_convert_utf8_free(converted);
      if (!ok) {
        buffer_free(&result);
        return BQW_ENOMEM;
      }
    }
    if (eol && !buffer_append(&result, "\n", 1)) {
      buffer_free(&result);
      return BQW_ENOMEM;
    }
    p = eol ? eol + 1 : end;
  }
  if (!buffer_append(&result, "", 1)) { /* the NUL */
    buffer_free(&result);
    return BQW_ENOMEM;
  }
  *out = result.data;
  if (out_len)
    *out_len = result.len - 1;
  return 0;
}

void bqw_free(void *p) { free(p); }
