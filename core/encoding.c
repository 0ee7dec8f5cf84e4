/*
 * encoding.c -- what a file that is not UTF-8 text is, and what to do about it: the
 * loader's encoding checks and advice (core/clean.c), and the same checks alone for
 * text that is not a digest (bqw_check_text: `bqw convert`), so the two never differ.
 *
 * UTF-16 and UTF-32 are known by a byte order mark or a regular pattern of NULs, any
 * other NUL makes a binary file; text that fails as UTF-8 and is well formed as a
 * two-byte Chinese encoding is GB18030/GBK or Big5, told apart by byte ranges only one
 * of them uses (see legacy_encoding). Advice never names a conversion that would turn
 * the text into other characters: where the bytes say nothing clear, it says how to
 * look, or only that the bytes are not UTF-8.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* ---- UTF-16 and UTF-32 ---- */

/* A wide encoding: what to call it, and iconv's name for it. */
typedef struct wide_encoding {
  const char *what, *iconv;
} wide_encoding;

static const wide_encoding
    UTF32LE_BOM = {"UTF-32 (little-endian byte order mark)", "UTF-32"},
    UTF32BE_BOM = {"UTF-32 (big-endian byte order mark)", "UTF-32"},
    UTF16LE_BOM = {"UTF-16 (little-endian byte order mark)", "UTF-16"},
    UTF16BE_BOM = {"UTF-16 (big-endian byte order mark)", "UTF-16"},
    UTF32LE = {"UTF-32 (little-endian, no byte order mark)", "UTF-32LE"},
    UTF32BE = {"UTF-32 (big-endian, no byte order mark)", "UTF-32BE"},
    UTF16LE = {"UTF-16 (little-endian, no byte order mark: NUL in "
               "every other byte of ASCII)",
               "UTF-16LE"},
    UTF16BE = {"UTF-16 (big-endian, no byte order mark: NUL in every "
               "other byte of ASCII)",
               "UTF-16BE"};

static const wide_encoding *utf16_or_32_bom(const unsigned char *b, size_t n) {
  if (n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)
    return &UTF32LE_BOM;
  if (n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF)
    return &UTF32BE_BOM;
  if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE)
    return &UTF16LE_BOM;
  if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF)
    return &UTF16BE_BOM;
  return NULL;
}

/* Whether a code point reads as text: not NUL, not a control other than TAB, LF, CR,
 * not a surrogate or a noncharacter, not beyond U+10FFFF. */
static bool text_like(uint32_t cp) {
  if (cp < 0x20)
    return cp == '\t' || cp == '\n' || cp == '\r';
  if (cp >= 0x7F && cp <= 0x9F)
    return false;
  if (cp >= 0xD800 && cp <= 0xDFFF)
    return false;
  return cp <= 0x10FFFF && (cp & 0xFFFE) != 0xFFFE && !(cp >= 0xFDD0 && cp <= 0xFDEF);
}

/* The share of text-like characters, in percent, when b is read as UTF-32 (unit 4)
 * or UTF-16 (unit 2, surrogate pairs joined) in the given byte order. */
static unsigned wide_text_percent(const unsigned char *b, size_t n, int unit, bool le) {
  size_t good = 0, all = 0;
  for (size_t i = 0; i + (size_t)unit <= n; i += (size_t)unit, all++) {
    uint32_t cp;
    if (unit == 4)
      cp = le ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 | (uint32_t)b[i + 2] << 16 |
                    (uint32_t)b[i + 3] << 24
              : (uint32_t)b[i + 3] | (uint32_t)b[i + 2] << 8 | (uint32_t)b[i + 1] << 16 |
                    (uint32_t)b[i] << 24;
    else {
      cp = le ? (uint32_t)(b[i] | b[i + 1] << 8) : (uint32_t)(b[i + 1] | b[i] << 8);
      if (cp >= 0xD800 && cp <= 0xDBFF && i + 4 <= n) {
        uint32_t lo = le ? (uint32_t)(b[i + 2] | b[i + 3] << 8)
                         : (uint32_t)(b[i + 3] | b[i + 2] << 8);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 2;
        }
      }
    }
    good += text_like(cp);
  }
  return all ? (unsigned)(good * 100 / all) : 0;
}

/* Text with a NUL byte is UTF-32 or UTF-16 without a byte order mark, or binary. It
 * is taken for UTF-32 or UTF-16 only when nearly every character decodes to text, and
 * for UTF-16 only when its NULs (the high bytes of ASCII characters) are regular: all
 * on odd positions (little-endian) or all on even ones (big-endian), and frequent
 * enough to be line ends and ASCII rather than a stray byte. Anything else with a NUL
 * (an executable, an image, UTF-8 with NULs in it) is binary. */
static const wide_encoding *sniff_nul(const unsigned char *b, size_t n) {
  size_t probe = n < 65536 ? n : 65536;
  if (probe >= 8 && probe % 4 == 0 && wide_text_percent(b, probe, 4, true) >= 98)
    return &UTF32LE;
  if (probe >= 8 && probe % 4 == 0 && wide_text_percent(b, probe, 4, false) >= 98)
    return &UTF32BE;
  size_t even = 0, odd = 0;
  for (size_t i = 0; i < probe; i++)
    if (!b[i])
      *(i & 1 ? &odd : &even) += 1;
  size_t nuls = even + odd;
  if (probe < 4 || nuls < 2 || nuls * 200 < probe)
    return NULL;
  if (odd * 100 >= nuls * 98 && wide_text_percent(b, probe, 2, true) >= 95)
    return &UTF16LE;
  if (even * 100 >= nuls * 98 && wide_text_percent(b, probe, 2, false) >= 95)
    return &UTF16BE;
  return NULL;
}

/* Line and column (characters and bytes) of offset `at`, counting line ends as the
 * loader does (LF, CRLF, lone CR). */
static void position_of(const unsigned char *b, size_t at, uint32_t *line, uint32_t *col,
                        uint32_t *byte_col) {
  size_t start = 0;
  uint32_t number = 1;
  for (size_t i = 0; i < at; i++) {
    if (b[i] == '\n' || (b[i] == '\r' && (i + 1 >= at || b[i + 1] != '\n'))) {
      number++;
      start = i + 1;
    }
  }
  size_t chars = 0;
  for (size_t i = start; i < at; i++)
    chars += !text_is_cont(b[i]);
  *line = number;
  *col = (uint32_t)chars + 1;
  *byte_col = (uint32_t)(at - start) + 1;
}

/* ---- one verdict for the start of a file ---- */

bool encoding_sniff_wide(const unsigned char *b, size_t n, const char *name,
                         uint32_t *line, uint32_t *col, uint32_t *byte_col, char *msg,
                         size_t size) {
  const wide_encoding *wide = utf16_or_32_bom(b, n);
  const unsigned char *nul = wide ? NULL : memchr(b, 0, n);
  if (nul && !(wide = sniff_nul(b, n))) {
    position_of(b, (size_t)(nul - b), line, col, byte_col);
    snprintf(msg, size,
             "binary file (NUL byte at %u:%u), not UTF-8 text; bqw reads the digest as "
             "published, in UTF-8",
             (unsigned)*line, (unsigned)*byte_col);
    return true;
  }
  if (!wide)
    return false;
  *line = *col = *byte_col = 1;
  snprintf(msg, size,
           "file is %s, not UTF-8; convert it: iconv -f %s -t UTF-8 %s > out.txt",
           wide->what, wide->iconv, name);
  return true;
}

size_t encoding_utf8_error(const unsigned char *s, size_t n, char *msg, size_t size) {
  char what[200];
  size_t k = text_utf8_problem(s, n, what, sizeof what);
  snprintf(msg, size, "%s; fix or remove the bytes, or re-save the file as UTF-8", what);
  return k;
}

/* ---- GB18030/GBK and Big5 ---- */

/* What a parse of the text as one two-byte encoding found. */
typedef struct legacy_parse {
  bool ok;        /* every byte above ASCII is part of a well-formed character */
  size_t chars;   /* characters of two (or four) bytes */
  size_t in_runs; /* of them, those next to another one: text, not stray bytes */
  /* Characters the other encoding has no use for (its reserved or user-defined
   * areas: converted, they would be private-use characters or refused):
   * Big5 leaves 8140-A0FE and C6A1-C8FE unassigned and has no second byte 80-A0
   * and no four-byte form; GB2312's most common characters B0A1-D7FE include
   * C6-C8 (全 C8AB, 区 C7F8, 千 C7A7). */
  size_t gb_only;
  /* GBK's user-defined areas A140-A7A0 and AAA1-AFFE (Big5's punctuation ，、。「」
   * and common characters: 一 A440, 的 AABA) and its kana, Greek and Cyrillic
   * A4A1-A7FE (Big5's 不 A4A3, 百 A6CA). */
  size_t big5_only;
} legacy_parse;

static legacy_parse parse_legacy(const unsigned char *b, size_t n, bool big5) {
  legacy_parse p = {.ok = true};
  size_t last_end = (size_t)-1; /* where the previous character ended */
  bool last_counted = false;
  for (size_t i = 0; i < n;) {
    unsigned char c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t k = 0;
    unsigned char d = i + 1 < n ? b[i + 1] : 0;
    if (c >= 0x81 && c <= 0xFE && i + 1 < n) {
      if ((d >= 0x40 && d <= 0x7E) || (d >= 0xA1 && d <= 0xFE))
        k = 2;
      else if (!big5 && d >= 0x80 && d <= 0xA0)
        k = 2;
      else if (!big5 && d >= 0x30 && d <= 0x39 && i + 3 < n && b[i + 2] >= 0x81 &&
               b[i + 2] <= 0xFE && b[i + 3] >= 0x30 && b[i + 3] <= 0x39)
        k = 4;
    }
    if (!k) {
      p.ok = false;
      return p;
    }
    p.chars++;
    if (k == 4 || (d >= 0x80 && d <= 0xA0) || c <= 0xA0 ||
        (c >= 0xC6 && c <= 0xC8 && d >= 0xA1))
      p.gb_only++;
    if ((c >= 0xA1 && c <= 0xA7 && d >= 0x40 && d <= 0x7E) ||
        (c >= 0xA4 && c <= 0xA7 && d >= 0xA1) || (c >= 0xAA && c <= 0xAF && d >= 0xA1))
      p.big5_only++;
    if (last_end == i) {
      p.in_runs += last_counted ? 1 : 2;
      last_counted = true;
    } else {
      last_counted = false;
    }
    i += k;
    last_end = i;
  }
  return p;
}

legacy_kind encoding_legacy(const unsigned char *b, size_t n, size_t valid_before) {
  /* Text that fails as UTF-8 more often than it passes (GB and Big5 bytes make a valid
   * UTF-8 character now and then) ... */
  size_t valid_multi = 0, invalid = 0;
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = b[i] < 0x80 ? 1 : text_decode(b + i, n - i, &cp);
    if (k == 0) {
      invalid++;
      i++;
    } else {
      valid_multi += k > 1;
      i += k;
    }
  }
  if (invalid <= valid_multi)
    return LEGACY_NONE;
  /* ... every byte of which is part of a character of one of them ... */
  legacy_parse gb = parse_legacy(b, n, false), big5 = parse_legacy(b, n, true);
  const legacy_parse *p = gb.ok ? &gb : big5.ok ? &big5 : NULL;
  if (!p)
    return LEGACY_NONE;
  /* ... in runs of characters, not a stray byte or two before a letter (Latin-1's é,
   * a corrupted byte in UTF-8); and text before it with UTF-8 characters is UTF-8, which
   * a conversion of the whole file would garble, unless they are few enough to be GB
   * or Big5 bytes that happen to read as UTF-8 */
  if (p->chars < 2 || p->in_runs * 2 < p->chars || valid_before * 8 > p->chars)
    return LEGACY_NONE;
  if (!big5.ok)
    return LEGACY_GB18030;
  if (!gb.ok)
    return LEGACY_BIG5;
  /* a Greek letter in GB text or a vendor's character in Big5 is no reason to doubt
   * the rest, but evidence on both sides in like amounts is: then, as with none at
   * all, the advice says how to look and names neither */
  if (gb.gb_only > 4 * gb.big5_only)
    return LEGACY_GB18030;
  if (gb.big5_only > 4 * gb.gb_only)
    return LEGACY_BIG5;
  return LEGACY_EITHER;
}

void encoding_legacy_advice(legacy_kind kind, const char *name, char *msg, size_t size) {
  switch (kind) {
  case LEGACY_BIG5:
    snprintf(msg, size,
             "file is not UTF-8; it looks like Big5 (Traditional Chinese, as in Taiwan "
             "and Hong Kong), not GB18030; check that iconv -f BIG5 -t UTF-8 %s | head "
             "reads as Chinese, then convert it: iconv -f BIG5 -t UTF-8 %s > out.txt "
             "(BIG5-HKSCS if iconv stops at a character)",
             name, name);
    break;
  case LEGACY_EITHER:
    snprintf(msg, size,
             "file is not UTF-8; it looks like GB18030/GBK or Big5, and its bytes do not "
             "say which; "
             "see which of iconv -f GB18030 -t UTF-8 %s | head and iconv -f BIG5 -t "
             "UTF-8 %s | head reads as Chinese, then convert the file with that one",
             name, name);
    break;
  default:
    snprintf(msg, size,
             "file is not UTF-8; it looks like GB18030/GBK (Chinese, as in mainland "
             "China), not Big5; check that iconv -f GB18030 -t UTF-8 %s | head reads "
             "as Chinese, then convert it: iconv -f GB18030 -t UTF-8 %s > out.txt",
             name, name);
    break;
  }
}

/* ---- the checks alone ---- */

int bqw_check_text(const char *name, const void *data, size_t len,
                   bqw_text_problem *problem) {
  if (!problem || (!data && len))
    return BQW_EINVAL;
  memset(problem, 0, sizeof *problem);
  if (!name)
    name = "(buffer)";
  const unsigned char *b = data ? data : (const unsigned char *)"";
  if (encoding_sniff_wide(b, len, name, &problem->line, &problem->col, &problem->byte_col,
                          problem->message, sizeof problem->message))
    return BQW_EENCODING;
  /* as the loader: columns count from after a UTF-8 byte order mark */
  size_t skip = len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
  const unsigned char *t = b + skip;
  size_t n = len - skip, line_start = 0, col = 1, valid_before = 0, valid_here = 0;
  uint32_t number = 1;
  for (size_t i = 0; i < n;) {
    unsigned char c = t[i];
    if (c == '\n' || c == '\r') {
      i += c == '\r' && i + 1 < n && t[i + 1] == '\n' ? 2 : 1;
      line_start = i;
      col = 1;
      number++;
      valid_before += valid_here; /* the lines before, as the loader counts them */
      valid_here = 0;
      continue;
    }
    int32_t cp;
    size_t k = c < 0x80 ? 1 : text_decode(t + i, n - i, &cp);
    if (k) {
      valid_here += k > 1;
      i += k;
      col++;
      continue;
    }
    problem->line = number;
    problem->col = (uint32_t)col;
    problem->byte_col = (uint32_t)(i - line_start + 1);
    problem->line_offset = skip + line_start;
    legacy_kind kind = encoding_legacy(t, n, valid_before);
    if (kind != LEGACY_NONE)
      encoding_legacy_advice(kind, name, problem->message, sizeof problem->message);
    else
      encoding_utf8_error(t + i, n - i, problem->message, sizeof problem->message);
    return BQW_EENCODING;
  }
  return 0;
}
