/*
 * text.c -- UTF-8 decoding and the Unicode properties the loader needs, from
 * tables generated at build time out of the Unicode Character Database.
 */
#define UCD_TABLES_DEFINE
#include "internal.h"

#include <stdio.h>

size_t text_encode(int32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t bqw_utf8_encode(int32_t cp, char out[4]) { return text_encode(cp, out); }

size_t text_count_chars(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += !text_is_cont((unsigned char)s[i]);
  return n;
}

/* Bytes of the sequence a lead byte announces, or 0 when c cannot lead. */
static size_t announced_length(unsigned char c) {
  if (c >= 0xC0 && c < 0xE0)
    return 2;
  if (c >= 0xE0 && c < 0xF0)
    return 3;
  if (c >= 0xF0 && c < 0xF8)
    return 4;
  return 0;
}

size_t text_utf8_problem(const unsigned char *s, size_t n, char *msg, size_t msg_size) {
  unsigned char c = s[0];
  if (c == 0) {
    snprintf(msg, msg_size, "NUL byte in text");
    return 1;
  }
  if (text_is_cont(c)) {
    snprintf(msg, msg_size,
             "invalid UTF-8: stray continuation byte 0x%02X with no lead byte", c);
    return 1;
  }
  size_t want = announced_length(c);
  if (!want) {
    snprintf(msg, msg_size, "invalid UTF-8: byte 0x%02X never occurs in UTF-8", c);
    return 1;
  }
  size_t have = 1;
  while (have < want && have < n && text_is_cont(s[have]))
    have++;
  if (have < want) {
    snprintf(msg, msg_size,
             "invalid UTF-8: truncated sequence: lead byte 0x%02X announces %zu bytes, "
             "%s after %zu",
             c, want, have < n ? "a non-continuation byte follows" : "the file ends",
             have);
    return have;
  }
  /* Complete shape; the value is the problem. */
  uint32_t cp = c & (0xFF >> (want + 1));
  for (size_t i = 1; i < want; i++)
    cp = (cp << 6) | (s[i] & 0x3F);
  static const uint32_t min_for_length[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_length[want])
    snprintf(msg, msg_size,
             "invalid UTF-8: overlong %zu-byte encoding of U+%04X (its encoding is %s)",
             want, (unsigned)cp,
             cp < 0x80    ? "1 byte"
             : cp < 0x800 ? "2 bytes"
                          : "3 bytes");
  else if (cp >= 0xD800 && cp <= 0xDFFF)
    snprintf(msg, msg_size,
             "invalid UTF-8: encoded UTF-16 surrogate U+%04X (CESU-8 or broken UTF-16 "
             "conversion)",
             (unsigned)cp);
  else if (cp > 0x10FFFF)
    snprintf(msg, msg_size, "invalid UTF-8: code point U+%X is above U+10FFFF",
             (unsigned)cp);
  else
    snprintf(msg, msg_size, "invalid UTF-8 sequence starting with 0x%02X", c);
  return want;
}

/* Cells a character takes: 0 for marks and format characters, 2 for East Asian Wide
 * and Fullwidth, and for Ambiguous when ambiwidth is 2 (a CJK terminal, or Neovim with
 * 'ambiwidth' double); controls take 0. An invalid byte counts 1. */
static size_t char_width(const unsigned char *s, size_t n, int ambiwidth, size_t *k) {
  int32_t cp;
  *k = text_decode(s, n, &cp);
  if (!*k) {
    *k = 1;
    return 1;
  }
  if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
    return 0;
  unsigned flags = ucd_flags(cp);
  if (flags & UCD_FLAG_ZERO)
    return 0;
  if (flags & UCD_FLAG_WIDE)
    return 2;
  if (flags & UCD_FLAG_AMBIGUOUS)
    return ambiwidth == 2 ? 2 : 1;
  return 1;
}

size_t bqw_display_width(const char *s, size_t len, int ambiwidth) {
  size_t width = 0, k;
  for (size_t i = 0; i < len; i += k)
    width += char_width((const unsigned char *)s + i, len - i, ambiwidth, &k);
  return width;
}

size_t bqw_fit_width(const char *s, size_t len, size_t width, int ambiwidth,
                     size_t *used) {
  size_t cells = 0, i = 0, k;
  while (i < len) {
    size_t w = char_width((const unsigned char *)s + i, len - i, ambiwidth, &k);
    if (cells + w > width)
      break;
    cells += w;
    i += k;
  }
  /* Zero-width marks belong to the character before them. */
  while (i < len &&
         char_width((const unsigned char *)s + i, len - i, ambiwidth, &k) == 0 && k > 0 &&
         !((unsigned char)s[i] < 0x20))
    i += k;
  if (used)
    *used = cells;
  return i;
}

/* Bytes of the character at s that a terminal would act on or that reorder text (C0
 * controls but TAB and LF, DEL, C1 controls, bidi embeddings, overrides and isolates),
 * else 0. */
static size_t control_at(const unsigned char *s, size_t left) {
  if ((s[0] < 0x20 && s[0] != '\t' && s[0] != '\n') || s[0] == 0x7f)
    return 1;
  if (s[0] == 0xc2 && left >= 2 && s[1] >= 0x80 && s[1] <= 0x9f)
    return 2;
  if (s[0] == 0xe2 && left >= 3 &&
      ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
       (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
    return 3;
  return 0;
}

size_t bqw_visible(const char *s, size_t len, char *out, size_t size) {
  const unsigned char *u = (const unsigned char *)s;
  size_t o = 0;
  for (size_t i = 0; i < len;) {
    size_t n = control_at(u + i, len - i);
    char shown[9];
    size_t k;
    if (n == 1)
      k = (size_t)snprintf(shown, sizeof shown, "\\x%02x", u[i]);
    else if (n == 2)
      k = (size_t)snprintf(shown, sizeof shown, "<U+%04X>", (unsigned)u[i + 1]);
    else if (n == 3)
      k = (size_t)snprintf(
          shown, sizeof shown, "<U+%04X>",
          (unsigned)(0x2000 + (u[i + 1] - 0x80) * 64 + (u[i + 2] - 0x80)));
    else
      shown[0] = s[i], k = 1;
    for (size_t c = 0; c < k && out; c++)
      if (o + c < size)
        out[o + c] = shown[c];
    o += k;
    i += n ? n : 1;
  }
  return o;
}
