/*
 * rows_text.c -- the text pieces export rows are written with (bqw_rows.h), none of
 * them about a record: a growing buffer, the script a field is shown in, a CSV or TSV
 * cell, a JSON string as dkjson escapes it, a Markdown or HTML table cell.
 */
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bqw_buf_reserve(bqw_buf *b, size_t n) {
  if (!b)
    return BQW_EINVAL;
  if (b->cap - b->len >= n)
    return 0;
  if (n > SIZE_MAX / 2 - b->len)
    return BQW_ENOMEM;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < n)
    cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p)
    return BQW_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int bqw_buf_append(bqw_buf *b, const void *p, size_t n) {
  if (!n)
    return 0; /* b->data may still be NULL */
  int rc = bqw_buf_reserve(b, n);
  if (rc)
    return rc;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return 0;
}

void bqw_buf_free(bqw_buf *b) {
  if (!b)
    return;
  free(b->data);
  *b = (bqw_buf){0};
}

/* Appends n bytes to b, which has room for them (a reserve came first). */
static void put(bqw_buf *b, const char *p, size_t n) {
  memcpy(b->data + b->len, p, n);
  b->len += n;
}
static void put_str(bqw_buf *b, const char *s) { put(b, s, strlen(s)); }

int bqw_present_script(bqw_present present, int script) {
  if (script == BQW_SCRIPT_HANT && present != BQW_PRESENT_AS_IS)
    return BQW_SCRIPT_HANT;
  if (script == BQW_SCRIPT_HANS && present == BQW_PRESENT_TEXT)
    return BQW_SCRIPT_HANS;
  return -1;
}

/* The first bytes that make a spreadsheet read a cell as a formula (OWASP). */
static bool formula_start(char c) {
  return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* The first c in [p, end), or end. */
static const char *next_byte(const char *p, const char *end, char c) {
  const char *at = p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
  return at ? at : end;
}

int bqw_delimited_cell(bqw_buf *b, const char *s, size_t len, int tsv, int raw) {
  if (len > SIZE_MAX / 4 || bqw_buf_reserve(b, 2 * len + 3))
    return BQW_ENOMEM; /* quotes doubled, two around, a ' */
  char *out = b->data + b->len, *o = out;
  bool quote = len && (memchr(s, tsv ? '\t' : ',', len) || memchr(s, '"', len) ||
                       memchr(s, '\r', len) || memchr(s, '\n', len));
  if (quote)
    *o++ = '"';
  if (!raw && len && formula_start(s[0]))
    *o++ = '\'';
  if (!quote) {
    if (len)
      memcpy(o, s, len);
    b->len += (size_t)(o - out) + len;
    return 0;
  }
  /* runs up to the next " (and, in TSV, CR) copied as they are; each looked for once */
  const char *p = s, *end = s + len;
  const char *quote_at = next_byte(p, end, '"'),
             *cr_at = tsv ? next_byte(p, end, '\r') : end;
  for (;;) {
    const char *stop = quote_at < cr_at ? quote_at : cr_at;
    memcpy(o, p, (size_t)(stop - p));
    o += stop - p;
    p = stop;
    if (p == end)
      break;
    if (*p == '"') { /* doubled */
      *o++ = '"';
      *o++ = '"';
      quote_at = next_byte(++p, end, '"');
    } else { /* TSV: CR and CRLF as LF */
      *o++ = '\n';
      if (++p < end && *p == '\n')
        p++;
      cr_at = next_byte(p, end, '\r');
    }
  }
  *o++ = '"';
  b->len += (size_t)(o - out);
  return 0;
}

/* The code point of the valid UTF-8 sequence at s (n bytes). */
static unsigned decode(const unsigned char *s, size_t n) {
  if (n == 2)
    return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
  return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
}

/* How many bytes at s (len left) dkjson writes as \uXXXX: the code points its
 * quotestring escapes after Crockford's JSON-js "escapable" (controls, DEL, soft
 * hyphen, Arabic number signs, U+070F, U+17B4/5, zero-width and bidi marks, line and
 * paragraph separators, U+2060-206F, the BOM, U+FFF0-FFFF); 0 for none. */
static size_t escapable(const unsigned char *s, size_t len) {
  unsigned char a = s[0], b = len > 1 ? s[1] : 0, c = len > 2 ? s[2] : 0;
  switch (a) {
  case 0xC2:
    return (b >= 0x80 && b <= 0x9F) || b == 0xAD ? 2 : 0;
  case 0xD8:
    return b >= 0x80 && b <= 0x84 ? 2 : 0;
  case 0xDC:
    return b == 0x8F ? 2 : 0;
  case 0xE1:
    return b == 0x9E && (c == 0xB4 || c == 0xB5) ? 3 : 0;
  case 0xE2:
    if (b == 0x80)
      return (c >= 0x8C && c <= 0x8F) || (c >= 0xA8 && c <= 0xAF) ? 3 : 0;
    return b == 0x81 && c >= 0xA0 && c <= 0xAF ? 3 : 0;
  case 0xEF:
    if (b == 0xBB)
      return c == 0xBF ? 3 : 0;
    return b == 0xBF && c >= 0xB0 && c <= 0xBF ? 3 : 0;
  default:
    return 0;
  }
}

/* The bytes bqw_json_string looks at: a control, " \\ DEL, and the lead bytes of what
 * escapable escapes (C2 D8 DC E1 E2 EF); every other byte is copied as it is. */
#define JSON_LOOK(c)                                                                     \
  ((c) < 0x20 || (c) == '"' || (c) == '\\' || (c) == 0x7F || (c) == 0xC2 ||              \
   (c) == 0xD8 || (c) == 0xDC || (c) == 0xE1 || (c) == 0xE2 || (c) == 0xEF)
#define JSON_LOOK16(c)                                                                   \
  JSON_LOOK(c), JSON_LOOK(c + 1), JSON_LOOK(c + 2), JSON_LOOK(c + 3), JSON_LOOK(c + 4),  \
      JSON_LOOK(c + 5), JSON_LOOK(c + 6), JSON_LOOK(c + 7), JSON_LOOK(c + 8),            \
      JSON_LOOK(c + 9), JSON_LOOK(c + 10), JSON_LOOK(c + 11), JSON_LOOK(c + 12),         \
      JSON_LOOK(c + 13), JSON_LOOK(c + 14), JSON_LOOK(c + 15)
static const unsigned char json_look[256] = {
    JSON_LOOK16(0x00), JSON_LOOK16(0x10), JSON_LOOK16(0x20), JSON_LOOK16(0x30),
    JSON_LOOK16(0x40), JSON_LOOK16(0x50), JSON_LOOK16(0x60), JSON_LOOK16(0x70),
    JSON_LOOK16(0x80), JSON_LOOK16(0x90), JSON_LOOK16(0xA0), JSON_LOOK16(0xB0),
    JSON_LOOK16(0xC0), JSON_LOOK16(0xD0), JSON_LOOK16(0xE0), JSON_LOOK16(0xF0)};

int bqw_json_string(bqw_buf *b, const char *str, size_t len) {
  if (len > SIZE_MAX / 8 || bqw_buf_reserve(b, 6 * len + 2))
    return BQW_ENOMEM; /* \\u00XX: 6 bytes for one, at most */
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *)str;
  put(b, "\"", 1);
  size_t from = 0;
  for (size_t k = 0; k < len;) {
    unsigned char c = s[k];
    if (!json_look[c]) { /* most bytes: copied with the run they are in */
      k++;
      continue;
    }
    const char *esc = NULL;
    char u[7];
    size_t n = 1;
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      switch (c) {
      case '"':
        esc = "\\\"";
        break;
      case '\\':
        esc = "\\\\";
        break;
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      default:
        memcpy(u, "\\u00", 4);
        u[4] = hex[c >> 4];
        u[5] = hex[c & 15];
        u[6] = '\0';
        esc = u;
      }
    } else if (c >= 0xC2 && (n = escapable(s + k, len - k)) > 0) {
      unsigned cp = decode(s + k, n);
      u[0] = '\\';
      u[1] = 'u';
      u[2] = hex[(cp >> 12) & 15];
      u[3] = hex[(cp >> 8) & 15];
      u[4] = hex[(cp >> 4) & 15];
      u[5] = hex[cp & 15];
      u[6] = '\0';
      esc = u;
    } else {
      k++;
      continue;
    }
    put(b, str + from, k - from);
    put_str(b, esc);
    k += n;
    from = k;
  }
  put(b, str + from, len - from);
  put(b, "\"", 1);
  return 0;
}

/* How one piece of a cell is written in a Markdown table (GFM) or in HTML text. These
 * are the only copies of these rules in C; the Lua path (bqw.view_util.visible,
 * plugins/export/markdown.lua's escape and cell_text, bqw.html_util.escape and lines)
 * keeps its own, and tests/lua/rows_spec.lua holds the two to the same bytes. */
static void put_shown(bqw_buf *b, const char *piece, size_t n, int html) {
  for (size_t k = 0; k < n; k++) {
    char c = piece[k];
    const char *esc = NULL;
    if (html) {
      /* HTML: & < > " ' as entities, so text is safe in element content and quoted
       * attributes (bqw.html_util.escape). */
      switch (c) {
      case '&':
        esc = "&amp;";
        break;
      case '<':
        esc = "&lt;";
        break;
      case '>':
        esc = "&gt;";
        break;
      case '"':
        esc = "&quot;";
        break;
      case '\'':
        esc = "&#39;";
        break;
      default:
        break;
      }
      if (esc) {
        put_str(b, esc);
        continue;
      }
    } else if (c && strchr("\\`*_[]<>&~#|", c)) {
      /* Markdown: | and the punctuation that opens markup, a link, HTML or an escape
       * get a backslash, so a cell is never read as anything but text. */
      put(b, "\\", 1);
    }
    put(b, &c, 1);
  }
}

/* Whether byte c of a cell needs more than copying (see put_table_cell). */
static bool table_special(unsigned char c, int html) {
  if (c < 0x20 || c == 0x7F || c == 0xC2 || c == 0xE2)
    return c != '\t';
  if (html)
    return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
  return c == '\\' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' ||
         c == '<' || c == '>' || c == '&' || c == '~' || c == '#' || c == '|';
}

/* A cell (export_util.cell's text) appended to b as a Markdown table cell (markdown.lua's
 * cell_text) or an HTML table cell's content (html_util's lines). In order, as the Lua
 * path applies them:
 *  1. what a terminal would act on or what reorders text is shown as text
 *     (view_util.visible): C0 controls but TAB and LF, and DEL, as \xHH (two
 *     lowercase hex digits); C1 controls (U+0080-009F), the bidi embeddings and
 *     overrides U+202A-202E and the isolates U+2066-2069 as <U+XXXX> (four uppercase
 *     digits). The records are valid UTF-8 (the loader puts U+FFFD for a bad
 *     sequence), so these byte patterns are those characters. CR is a C0 control:
 *     it is \x0d by then, so the CR LF and CR rules of the Lua path never apply.
 *  2. what that gives is escaped as put_shown says (the \ of \x1b and the < > of
 *     <U+202E> too);
 *  3. LF becomes <br> (not escaped);
 *  4. Markdown only: spaces and TABs at the start and the end are dropped (Lua's %s
 *     trimmed after the steps above; the other %s characters, VT FF CR LF, are gone
 *     by then, and nothing the steps write starts or ends with a space). */
int bqw_table_cell(bqw_buf *b, const char *cell, size_t len, int html) {
  /* at most 8 bytes a byte: \\x1b for a control, &lt;U+0085&gt; for two */
  if (len > SIZE_MAX / 16 || bqw_buf_reserve(b, 8 * len + 1))
    return BQW_ENOMEM;
  const unsigned char *s = (const unsigned char *)(cell ? cell : "");
  size_t k = 0;
  if (!html) {
    while (k < len && (s[k] == ' ' || s[k] == '\t'))
      k++;
    while (len > k && (s[len - 1] == ' ' || s[len - 1] == '\t'))
      len--;
  }
  while (k < len) {
    size_t from = k;
    while (k < len && !table_special(s[k], html))
      k++;
    put(b, (const char *)s + from, k - from);
    if (k == len)
      break;
    unsigned char c = s[k];
    unsigned cp = 0;
    if (c == '\n') {
      put(b, "<br>", 4);
      k++;
    } else if (c < 0x20 || c == 0x7F) {
      char shown[8];
      put_shown(b, shown, (size_t)snprintf(shown, sizeof shown, "\\x%02x", c), html);
      k++;
    } else if (c == 0xC2 && k + 1 < len && s[k + 1] >= 0x80 && s[k + 1] <= 0x9F) {
      cp = s[k + 1];
      k += 2;
    } else if (c == 0xE2 && k + 2 < len && s[k + 1] == 0x80 && s[k + 2] >= 0xAA &&
               s[k + 2] <= 0xAE) {
      cp = 0x2000 + (s[k + 2] - 0x80u);
      k += 3;
    } else if (c == 0xE2 && k + 2 < len && s[k + 1] == 0x81 && s[k + 2] >= 0xA6 &&
               s[k + 2] <= 0xA9) {
      cp = 0x2040 + (s[k + 2] - 0x80u);
      k += 3;
    } else if (c == 0xC2 || c == 0xE2) {
      put(b, (const char *)s + k, 1);
      k++;
    } else {
      put_shown(b, (const char *)s + k, 1, html);
      k++;
    }
    if (cp) {
      char shown[16];
      put_shown(b, shown, (size_t)snprintf(shown, sizeof shown, "<U+%04X>", cp), html);
    }
  }
  return 0;
}
