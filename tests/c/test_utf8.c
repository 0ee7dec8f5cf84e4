/*
 * test_utf8.c -- strict UTF-8 validation, line ends, BOMs, foreign encodings and NFC,
 * all through bqw_load_buffer().
 *
 * The table below is written by hand: each row is a complete small file with one
 * byte sequence placed at a known line and column (columns count characters,
 * 1-based, as the loader's diagnostics do). Beware C hex escapes: "\xAF" "a" is split
 * in two literals so the 'a' is not read as a hex digit. The text around the bytes is
 * Chinese on purpose: a short file where invalid sequences outnumber valid multibyte
 * characters is (rightly) taken for GB18030, which is tested separately.
 */
#include "bqw.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct row {
  const char *name;
  const char *bytes;
  size_t len;
  int status;       /* 0 or BQW_EENCODING */
  unsigned line;    /* of the first error diagnostic (invalid rows) */
  unsigned col;     /* of the first error diagnostic (invalid rows) */
  const char *what; /* substring of its message, or for valid rows the exact text */
} row;

#define VALID(name, lit)                                                                 \
  { name, lit, sizeof(lit) - 1, 0, 0, 0, lit }
#define INVALID(name, lit, line, col, what)                                              \
  { name, lit, sizeof(lit) - 1, BQW_EENCODING, line, col, what }

/* Valid rows are one line of preamble, so the loaded introduction is exactly the
 * input. */
static const row rows[] = {
    /* ---- valid: every length, at the boundaries ---- */
    VALID("1-byte U+0041", "甲乙A丙丁"),
    VALID("1-byte U+007F (last 1-byte)", "甲乙\x7F丙丁"),
    VALID("2-byte U+0080 (first 2-byte)", "甲乙\xC2\x80丙丁"),
    VALID("2-byte U+00E9", "甲乙\xC3\xA9丙丁"),
    VALID("2-byte U+07FF (last 2-byte)", "甲乙\xDF\xBF丙丁"),
    VALID("3-byte U+0800 (first 3-byte)", "甲乙\xE0\xA0\x80丙丁"),
    VALID("3-byte U+D7FF (below surrogates)", "甲乙\xED\x9F\xBF丙丁"),
    VALID("3-byte U+E000 (above surrogates)", "甲乙\xEE\x80\x80丙丁"),
    VALID("3-byte U+FFFD", "甲乙\xEF\xBF\xBD丙丁"),
    VALID("3-byte U+FFFF (last 3-byte)", "甲乙\xEF\xBF\xBF丙丁"),
    VALID("4-byte U+10000 (first 4-byte)", "甲乙\xF0\x90\x80\x80丙丁"),
    VALID("4-byte U+20000 (CJK Ext. B)", "甲乙\xF0\xA0\x80\x80丙丁"),
    VALID("4-byte U+10FFFF (last code point)", "甲乙\xF4\x8F\xBF\xBF丙丁"),
    VALID("tab and ASCII", "甲乙a\tb丙丁"),

    /* ---- overlong ---- */
    INVALID("overlong 2-byte C0 AF ('/')", "標題\n甲乙\xC0\xAF丙丁戊己庚辛壬癸\n", 2, 3,
            "overlong 2-byte encoding of U+002F"),
    INVALID("overlong 2-byte C1 BF", "標題\n甲乙\xC1\xBF丙丁戊己庚辛壬癸\n", 2, 3,
            "overlong 2-byte encoding of U+007F"),
    INVALID("overlong 3-byte E0 80 AF", "標題\n甲乙\xE0\x80\xAF丙丁戊己庚辛壬癸\n", 2, 3,
            "overlong 3-byte encoding of U+002F"),
    INVALID("overlong 3-byte E0 9F BF (U+07FF)",
            "標題\nab甲\xE0\x9F\xBF丙丁戊己庚辛壬癸\n", 2, 4,
            "overlong 3-byte encoding of U+07FF"),
    INVALID("overlong 4-byte F0 80 80 AF", "標題\n甲乙\xF0\x80\x80\xAF丙丁戊己庚辛壬癸\n",
            2, 3, "overlong 4-byte encoding of U+002F"),
    INVALID("overlong 4-byte F0 8F BF BF (U+FFFF)",
            "標題\n甲\xF0\x8F\xBF\xBF乙丙丁戊己庚辛壬癸\n", 2, 2,
            "overlong 4-byte encoding of U+FFFF"),

    /* ---- surrogates ---- */
    INVALID("surrogate ED A0 80 (U+D800)", "標題\n甲乙\xED\xA0\x80丙丁戊己庚辛壬癸\n", 2,
            3, "surrogate U+D800"),
    INVALID("surrogate ED BF BF (U+DFFF)", "標題\n甲乙\xED\xBF\xBF丙丁戊己庚辛壬癸\n", 2,
            3, "surrogate U+DFFF"),
    INVALID("surrogate pair as CESU-8",
            "標題\n甲乙\xED\xA0\xBD\xED\xB8\x80丙丁戊己庚辛壬癸\n", 2, 3,
            "surrogate U+D83D"),

    /* ---- above U+10FFFF ---- */
    INVALID("above max F4 90 80 80", "標題\n甲乙\xF4\x90\x80\x80丙丁戊己庚辛壬癸\n", 2, 3,
            "U+110000 is above U+10FFFF"),
    INVALID("above max F5 80 80 80", "標題\n甲乙\xF5\x80\x80\x80丙丁戊己庚辛壬癸\n", 2, 3,
            "above U+10FFFF"),
    INVALID("above max F7 BF BF BF", "標題\n甲乙\xF7\xBF\xBF\xBF丙丁戊己庚辛壬癸\n", 2, 3,
            "U+1FFFFF is above U+10FFFF"),

    /* ---- continuation bytes without a lead ---- */
    INVALID("lone continuation 0x80", "標題\n甲乙\x80丙丁戊己庚辛壬癸\n", 2, 3,
            "stray continuation byte 0x80"),
    INVALID("lone continuation 0xBF", "標題\n甲乙丙\xBF丁\n", 2, 4,
            "stray continuation byte 0xBF"),
    INVALID("continuation after a complete char",
            "標題\n甲乙\xC3\xA9\xA9丙丁戊己庚辛壬癸\n", 2, 4, "continuation"),

    /* ---- truncated ---- */
    INVALID("truncated 3-byte mid-line",
            "標題\n甲乙\xE4\xB8"
            "x丙丁戊己庚辛壬癸\n",
            2, 3, "truncated sequence: lead byte 0xE4 announces 3 bytes, a non-"),
    INVALID("truncated 2-byte before a space", "標題\n甲乙\xC3 丙丁戊己庚辛壬癸\n", 2, 3,
            "lead byte 0xC3 announces 2 bytes, a non-continuation byte follows after 1"),
    INVALID("truncated 4-byte mid-line", "標題\n甲乙\xF0\x9F\x98丙丁戊己庚辛壬癸\n", 2, 3,
            "announces 4 bytes, a non-continuation byte follows after 3"),
    INVALID("truncated before the line end", "標題\n甲乙\xE4\xB8\n丙丁戊己庚辛壬癸\n", 2,
            3, "truncated"),
    INVALID("truncated at end of file", "標題\n甲乙\xE4\xB8", 2, 3,
            "announces 3 bytes, the file ends after 2"),
    INVALID("truncated 4-byte at end of file", "標題\n甲乙丙\xF0\x9F", 2, 4,
            "truncated sequence: lead byte 0xF0 announces 4 bytes, the file ends"),

    /* ---- bytes that are never UTF-8 ---- */
    INVALID("byte 0xFE", "標題\n甲乙\xFE丙丁戊己庚辛壬癸\n", 2, 3,
            "byte 0xFE never occurs in UTF-8"),
    INVALID("byte 0xFF", "標題\n甲乙\xFF丙丁戊己庚辛壬癸\n", 2, 3,
            "byte 0xFF never occurs in UTF-8"),
    INVALID("byte 0xF8 (5-byte lead)", "標題\n甲乙\xF8\x88\x80\x80\x80丙丁戊己庚辛壬癸\n",
            2, 3, "byte 0xF8 never occurs"),

    /* ---- line and column counting ---- */
    INVALID("first line, first column", "\xFF甲乙丙丁戊己庚辛壬癸\n", 1, 1,
            "never occurs"),
    INVALID("column after ASCII and a tab", "標題\nabc\tdef\xFF甲乙丙丁戊己庚辛\n", 2, 8,
            "never occurs"),
    INVALID("column after 4-byte characters",
            "標題\n\xF0\xA0\x80\x80\xF0\xA0\x80\x80\xFF"
            "甲乙丙丁戊己庚辛\n",
            2, 3, "never occurs"),
    INVALID("column after decomposed e + U+0301",
            "標題\nxe\xCC\x81\xFF甲乙丙丁戊己庚辛\n", 2, 4, "never occurs"),
    INVALID("CRLF line ends", "一\r\n二\r\n甲乙\xFF丙丁戊己庚辛\r\n", 3, 3,
            "never occurs"),
    INVALID("lone CR line ends", "一\r二\r甲乙\xFF丙", 3, 3, "never occurs"),
    INVALID("CR then CRLF: two line ends", "一\r\r\n\xFF甲乙丙丁戊己庚辛\n", 3, 1,
            "never occurs"),
    INVALID("LF then CR: two line ends", "一\n\r二\xFF甲乙丙丁戊己庚辛\n", 3, 2,
            "never occurs"),
    INVALID("mixed LF, CRLF, CR", "一\n二\r\n三\r四\n甲\xFF乙丙丁戊己庚辛\n", 5, 2,
            "never occurs"),
    INVALID("blank lines count", "一\n\n\n甲乙\xFF丙\n", 4, 3, "never occurs"),
};

static const bqw_diag *first_error(const bqw_dataset *ds) {
  for (size_t i = 0; i < bqw_diag_count(ds); i++)
    if (bqw_diag_at(ds, i)->severity == BQW_ERROR)
      return bqw_diag_at(ds, i);
  return NULL;
}

static size_t count_errors(const bqw_dataset *ds) {
  size_t n = 0;
  for (size_t i = 0; i < bqw_diag_count(ds); i++)
    n += bqw_diag_at(ds, i)->severity == BQW_ERROR;
  return n;
}

/* The byte column of character column col on line `line` of bytes: what clang and
 * Vim's quickfix count. The characters before col are valid UTF-8. */
static unsigned byte_col_of(const char *bytes, size_t len, unsigned line, unsigned col) {
  size_t i = 0;
  for (unsigned l = 1; l < line && i < len; i++)
    if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 >= len || bytes[i + 1] != '\n')))
      l++;
  size_t start = i;
  for (unsigned c = 1; c < col; c++) {
    unsigned char b = (unsigned char)bytes[i];
    i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  }
  return (unsigned)(i - start) + 1;
}

/* bqw_check_text, the loader's encoding checks alone (bqw convert), finds what the
 * loader finds: the same first error, at the same place, with the same message; and
 * nothing where the loader finds no encoding error. */
static void same_as_loader(const char *name, const void *bytes, size_t len) {
  bqw_dataset *ds = NULL;
  int rc = bqw_load_buffer(name, bytes, len, &ds);
  bqw_text_problem p;
  int crc = bqw_check_text(name, bytes, len, &p);
  if (rc != BQW_EENCODING) {
    CHECK_EQ_INT(crc, 0);
  } else if (CHECK_EQ_INT(crc, BQW_EENCODING)) {
    const bqw_diag *e = first_error(ds);
    if (CHECK(e != NULL)) {
      CHECK_EQ_INT(p.line, e->line);
      CHECK_EQ_INT(p.col, e->col);
      CHECK_EQ_INT(p.byte_col, e->byte_col);
      CHECK_STR(p.message, e->message);
    }
  }
  bqw_dataset_free(ds);
}

static void test_table(void) {
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const row *r = &rows[i];
    check_context(r->name);
    bqw_dataset *ds = NULL;
    int rc = bqw_load_buffer("utf8.txt", r->bytes, r->len, &ds);
    CHECK_EQ_INT(rc, r->status);
    same_as_loader("utf8.txt", r->bytes, r->len);
    if (!CHECK(ds != NULL))
      continue;
    CHECK_EQ_INT(bqw_dataset_status(ds), r->status);
    const bqw_diag *e = first_error(ds);
    const bqw_meta *m = bqw_dataset_meta(ds);
    if (r->status == 0) {
      CHECK(e == NULL);
      CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 0);
      CHECK_STR(m->introduction, r->what);
    } else if (CHECK(e != NULL)) {
      CHECK_EQ_INT(e->line, r->line);
      CHECK_EQ_INT(e->col, r->col);
      unsigned bcol = byte_col_of(r->bytes, r->len, r->line, r->col);
      CHECK_EQ_INT(e->byte_col, bcol);
      CHECK_CONTAINS(e->message, r->what);
      CHECK_LACKS(e->message, "GB18030");
      CHECK(bqw_dataset_report(ds)->errors >= 1);
      /* The line is kept, with U+FFFD where the bytes were. */
      CHECK_CONTAINS(m->introduction, "\xEF\xBF\xBD");
      char buf[512];
      char want[64];
      snprintf(want, sizeof want, "utf8.txt:%u:%u: error: ", r->line, bcol);
      bqw_diag_format(ds, e, buf, sizeof buf);
      CHECK_PREFIX(buf, want);
    }
    bqw_dataset_free(ds);
  }
  check_context(NULL);
}

/* Every invalid sequence is reported, each at its own column, and the count is
 * exact. */
static void test_several_errors(void) {
  static const char text[] = "標題\n甲\xFF乙\xC0\xAF丙\xED\xA0\x80丁\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("x", text, sizeof text - 1, &ds), BQW_EENCODING);
  CHECK_EQ_INT(count_errors(ds), 3);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 3);
  static const unsigned cols[] = {2, 4, 6};
  static const char *const what[] = {"never occurs", "overlong", "surrogate"};
  size_t k = 0;
  for (size_t i = 0; i < bqw_diag_count(ds) && k < 3; i++) {
    const bqw_diag *d = bqw_diag_at(ds, i);
    if (d->severity != BQW_ERROR)
      continue;
    CHECK_EQ_INT(d->line, 2);
    CHECK_EQ_INT(d->col, cols[k]);
    CHECK_CONTAINS(d->message, what[k]);
    k++;
  }
  CHECK_STR(bqw_dataset_meta(ds)->introduction,
            "標題\n甲\xEF\xBF\xBD乙\xEF\xBF\xBD丙\xEF\xBF\xBD丁");
  bqw_dataset_free(ds);
}

static void test_bom(void) {
  /* A UTF-8 BOM is dropped: reported, and columns do not count it. */
  static const char text[] = "\xEF\xBB\xBF甲\xFF乙\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("bom.txt", text, sizeof text - 1, &ds), BQW_EENCODING);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_bom, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->bytes, sizeof text - 1);
  const bqw_diag *e = first_error(ds);
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, 1);
    CHECK_EQ_INT(e->col, 2);
  }
  bqw_dataset_free(ds);

  static const char ok[] = "\xEF\xBB\xBF甲乙丙\n";
  CHECK_EQ_INT(bqw_load_buffer("bom.txt", ok, sizeof ok - 1, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_bom, 1);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "甲乙丙");
  bqw_dataset_free(ds);

  static const char none[] = "甲乙丙\n";
  CHECK_EQ_INT(bqw_load_buffer("x", none, sizeof none - 1, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_bom, 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_cr, 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 1);
  bqw_dataset_free(ds);
}

static void test_line_ends(void) {
  bqw_dataset *ds = NULL;
  static const char crlf[] = "一\r\n二\r\n三\r\n";
  CHECK_EQ_INT(bqw_load_buffer("x", crlf, sizeof crlf - 1, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_cr, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 3);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "一\n二\n三");
  bqw_dataset_free(ds);

  static const char cr[] = "一\r二\r三";
  CHECK_EQ_INT(bqw_load_buffer("x", cr, sizeof cr - 1, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->had_cr, 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->lines, 3);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "一\n二\n三");
  bqw_dataset_free(ds);
}

static void check_wide(const char *label, const char *bytes, size_t len,
                       const char *want1, const char *want2) {
  check_context(label);
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("wide.txt", bytes, len, &ds), BQW_EENCODING);
  same_as_loader("wide.txt", bytes, len);
  CHECK_EQ_INT(bqw_diag_count(ds), 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 1);
  CHECK_EQ_INT(bqw_record_count(ds), 0);
  const bqw_diag *e = bqw_diag_at(ds, 0);
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->severity, BQW_ERROR);
    CHECK_EQ_INT(e->line, 1);
    CHECK_EQ_INT(e->col, 1);
    CHECK_CONTAINS(e->message, want1);
    CHECK_CONTAINS(e->message, want2);
    CHECK_CONTAINS(e->message, "iconv");
    CHECK_CONTAINS(e->message, "-t UTF-8 wide.txt");
  }
  bqw_dataset_free(ds);
  check_context(NULL);
}

static void test_utf16_32(void) {
  /* "甲乙\n" in each encoding, written out byte by byte. */
  static const char le[] = "\xFF\xFE\x32\x75\x59\x4E\x0A\x00";
  static const char be[] = "\xFE\xFF\x75\x32\x4E\x59\x00\x0A";
  static const char le32[] = "\xFF\xFE\x00\x00\x32\x75\x00\x00\x0A\x00\x00\x00";
  static const char nobom[] = "2\0000\0002\0003\0\x74\x5E\n\0";
  check_wide("UTF-16LE BOM", le, sizeof le - 1, "UTF-16 (little-endian",
             "iconv -f UTF-16 -t UTF-8");
  check_wide("UTF-16BE BOM", be, sizeof be - 1, "UTF-16 (big-endian",
             "iconv -f UTF-16 -t UTF-8");
  check_wide("UTF-32LE BOM", le32, sizeof le32 - 1, "UTF-32 (little-endian",
             "iconv -f UTF-32 -t UTF-8");
  check_wide("UTF-16 without BOM", nobom, sizeof nobom - 1,
             "UTF-16 (little-endian, no byte order mark", "iconv -f UTF-16LE -t UTF-8");
  static const char nobom_be[] = "\0002\0000\0002\0003\x5E\x74\0\n";
  check_wide("UTF-16BE without BOM", nobom_be, sizeof nobom_be - 1,
             "UTF-16 (big-endian, no byte order mark", "iconv -f UTF-16BE -t UTF-8");
  static const char le32_nobom[] = "\x32\x75\0\0\x59\x4E\0\0\n\0\0\0";
  check_wide("UTF-32LE without BOM", le32_nobom, sizeof le32_nobom - 1,
             "UTF-32 (little-endian, no byte order mark", "iconv -f UTF-32LE -t UTF-8");
  static const char be32_nobom[] = "\0\0\x75\x32\0\0\x4E\x59\0\0\0\n";
  check_wide("UTF-32BE without BOM", be32_nobom, sizeof be32_nobom - 1,
             "UTF-32 (big-endian, no byte order mark", "iconv -f UTF-32BE -t UTF-8");
}

/* A NUL byte that is not part of UTF-16 or UTF-32 makes a binary file: one error at
 * the first NUL (bytes and characters), no guess of an encoding, nothing parsed. */
static void check_binary(const char *label, const char *bytes, size_t len, unsigned line,
                         unsigned col, unsigned byte_col) {
  check_context(label);
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("bin", bytes, len, &ds), BQW_EENCODING);
  same_as_loader("bin", bytes, len);
  CHECK_EQ_INT(bqw_diag_count(ds), 1);
  CHECK_EQ_INT(bqw_record_count(ds), 0);
  const bqw_diag *e = bqw_diag_at(ds, 0);
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, line);
    CHECK_EQ_INT(e->col, col);
    CHECK_EQ_INT(e->byte_col, byte_col);
    char want[64];
    snprintf(want, sizeof want, "binary file (NUL byte at %u:%u)", line, byte_col);
    CHECK_CONTAINS(e->message, want);
    CHECK_LACKS(e->message, "UTF-16");
    CHECK_LACKS(e->message, "iconv");
  }
  bqw_dataset_free(ds);
  check_context(NULL);
}

static void test_binary(void) {
  static const char nul_in_text[] = "標題\n甲乙\x00丙丁戊己庚辛壬癸\n";
  check_binary("NUL in UTF-8 text", nul_in_text, sizeof nul_in_text - 1, 2, 3, 7);
  /* the start of an ELF executable, then its NUL-heavy header */
  static const char elf[] = "\x7F"
                            "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>"
                            "\x00\x01\x00\x00\x00\x60\x61\x00\x00\x00\x00\x00\x00@\x00";
  check_binary("ELF header", elf, sizeof elf - 1, 1, 8, 8);
  static const char crlf[] = "ab\r\ncd\re\x00"
                             "f";
  check_binary("NUL after CRLF and CR", crlf, sizeof crlf - 1, 3, 2, 2);
  /* NULs on both parities, in ASCII: not UTF-16 */
  static const char mixed[] = "ab\0\0cd\0e\0\0fgh\0ijk\0\0";
  check_binary("irregular NULs", mixed, sizeof mixed - 1, 1, 3, 3);
  /* one stray NUL after text in a long line is no reason to read UTF-16 */
  static const char stray[] = "百縣千鎮萬村高質量發展工程\0";
  check_binary("stray NUL", stray, sizeof stray - 1, 1, 14, 40);
}

static void test_gb18030(void) {
  /* printf '2023年廣東省\n百縣千鎮萬村高質量發展工程\n' | iconv -t GB18030 | xxd -i
   * The first byte that fails as UTF-8 is 0xC4 (of 年, C4 EA) at line 1, column 5. */
  static const unsigned char gb[] = {
      0x32, 0x30, 0x32, 0x33, 0xc4, 0xea, 0x8f, 0x56, 0x96, 0x7c, 0xca, 0xa1, 0x0a, 0xb0,
      0xd9, 0xbf, 0x68, 0xc7, 0xa7, 0xe6, 0x82, 0xc8, 0x66, 0xb4, 0xe5, 0xb8, 0xdf, 0xd9,
      0x7c, 0xc1, 0xbf, 0xb0, 0x6c, 0xd5, 0xb9, 0xb9, 0xa4, 0xb3, 0xcc, 0x0a};
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("gb.txt", gb, sizeof gb, &ds), BQW_EENCODING);
  same_as_loader("gb.txt", gb, sizeof gb);
  CHECK_EQ_INT(bqw_dataset_status(ds), BQW_EENCODING);
  CHECK_EQ_INT(count_errors(ds), 1);
  CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 1);
  CHECK_EQ_INT(bqw_record_count(ds), 0);
  /* That nothing else is said (as for UTF-16) is c_bug_gb18030_warnings. */
  const bqw_diag *e = first_error(ds);
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, 1);
    CHECK_EQ_INT(e->col, 5);
    CHECK_CONTAINS(e->message, "GB18030");
    CHECK_CONTAINS(e->message, "iconv -f GB18030 -t UTF-8 gb.txt");
  }
  bqw_dataset_free(ds);
}

/* The first error of bytes loaded as name, or NULL. */
static const bqw_diag *load_error(const char *name, const void *bytes, size_t len,
                                  bqw_dataset **ds) {
  *ds = NULL;
  bqw_load_buffer(name, bytes, len, ds);
  same_as_loader(name, bytes, len);
  return *ds ? first_error(*ds) : NULL;
}

static void test_big5(void) {
  check_context("Big5");
  /* printf '百縣千鎮萬村，高質量發展工程。\n「鄉村振興」\n' | iconv -t BIG5 | xxd -i:
   * GB18030 would read it without complaint, as other characters and private-use ones */
  static const unsigned char big5[] = {
      0xa6, 0xca, 0xbf, 0xa4, 0xa4, 0x64, 0xc2, 0xed, 0xb8, 0x55, 0xa7,
      0xf8, 0xa1, 0x41, 0xb0, 0xaa, 0xbd, 0xe8, 0xb6, 0x71, 0xb5, 0x6f,
      0xae, 0x69, 0xa4, 0x75, 0xb5, 0x7b, 0xa1, 0x43, 0x0a, 0xa1, 0x75,
      0xb6, 0x6d, 0xa7, 0xf8, 0xae, 0xb6, 0xbf, 0xb3, 0xa1, 0x76, 0x0a};
  bqw_dataset *ds;
  const bqw_diag *e = load_error("b5.txt", big5, sizeof big5, &ds);
  if (CHECK(e != NULL)) {
    CHECK_EQ_INT(e->line, 1);
    CHECK_EQ_INT(e->byte_col, 1);
    CHECK_CONTAINS(e->message, "Big5");
    CHECK_CONTAINS(e->message, "iconv -f BIG5 -t UTF-8 b5.txt > out.txt");
    CHECK_CONTAINS(e->message, "| head"); /* how to check first */
    CHECK_LACKS(e->message, "iconv -f GB18030");
  }
  bqw_dataset_free(ds);
  /* the same text in Simplified, GB18030 (GB2312's bytes, which Big5 also takes) */
  static const unsigned char gb[] = {0xb0, 0xd9, 0xcf, 0xd8, 0xc7, 0xa7, 0xd5, 0xf2,
                                     0xcd, 0xf2, 0xb4, 0xe5, 0xa3, 0xac, 0xb8, 0xdf,
                                     0xd6, 0xca, 0xc1, 0xbf, 0xb7, 0xa2, 0xd5, 0xb9,
                                     0xb9, 0xa4, 0xb3, 0xcc, 0xa1, 0xa3, 0x0a};
  e = load_error("gb.txt", gb, sizeof gb, &ds);
  if (CHECK(e != NULL)) {
    CHECK_CONTAINS(e->message, "GB18030");
    CHECK_CONTAINS(e->message, "iconv -f GB18030 -t UTF-8 gb.txt > out.txt");
    CHECK_LACKS(e->message, "iconv -f BIG5");
  }
  bqw_dataset_free(ds);
  /* four characters with nothing to tell the two apart: no conversion is named */
  static const unsigned char either[] = {0xb0, 0xd9, 0xcf, 0xd8, 0xb0,
                                         0xd9, 0xcf, 0xd8, '\n'};
  e = load_error("x.txt", either, sizeof either, &ds);
  if (CHECK(e != NULL)) {
    CHECK_CONTAINS(e->message, "GB18030/GBK or Big5");
    CHECK_LACKS(e->message, "> out.txt");
  }
  bqw_dataset_free(ds);
  check_context(NULL);
}

/* Bytes that are not UTF-8 but no Chinese text either: no conversion is advised. */
static void test_not_legacy(void) {
  static const struct {
    const char *name, *bytes;
    unsigned line, byte_col;
  } cases[] = {
      /* one stray byte before a letter makes a well-formed GB18030 character */
      {"one stray byte in ASCII", "title\nhello \xB0world and more\n", 2, 7},
      {"one stray byte in Chinese", "\xB0标题\n百县千镇万村\n", 1, 1},
      {"two stray bytes, apart",
       "a\xB0"
       "bc\xC4"
       "de\n",
       1, 2},
      {"Latin-1", "M\xFCller, G\xE9rard; Fran\xE7ois\n", 1, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    check_context(cases[i].name);
    bqw_dataset *ds;
    const bqw_diag *e = load_error("s.txt", cases[i].bytes, strlen(cases[i].bytes), &ds);
    if (CHECK(e != NULL)) {
      CHECK_EQ_INT(e->line, cases[i].line);
      CHECK_EQ_INT(e->byte_col, cases[i].byte_col);
      CHECK_CONTAINS(e->message, "invalid UTF-8");
      CHECK_LACKS(e->message, "GB18030");
      CHECK_LACKS(e->message, "Big5");
      CHECK_LACKS(e->message, "iconv");
    }
    bqw_dataset_free(ds);
  }
  check_context(NULL);
}

/* bqw_read_file: the loader's guards, for bqw convert. */
static void test_read_file(void) {
  char *data = NULL, why[300];
  size_t len = 0;
  CHECK_EQ_INT(bqw_read_file("/dev/zero", 0, &data, &len, why, sizeof why), BQW_EIO);
  CHECK_CONTAINS(why, "not a regular file (a character device)");
  CHECK(data == NULL);
  CHECK_EQ_INT(bqw_read_file("/", 0, &data, &len, why, sizeof why), BQW_EIO);
  CHECK_CONTAINS(why, "not a regular file (a directory)");
  CHECK_EQ_INT(bqw_read_file("/nonexistent/x", 0, &data, &len, why, sizeof why), BQW_EIO);
  CHECK_CONTAINS(why, "cannot read file");
  char path[] = "/tmp/bqw-read-XXXXXX";
  int fd = mkstemp(path);
  if (!CHECK(fd >= 0))
    return;
  CHECK_EQ_INT((int)write(fd, "0123456789", 10), 10);
  close(fd);
  CHECK_EQ_INT(bqw_read_file(path, 9, &data, &len, why, sizeof why), BQW_EIO);
  CHECK_CONTAINS(why, "larger than the size limit of 9 bytes");
  CHECK_EQ_INT(bqw_read_file(path, 10, &data, &len, NULL, 0), 0);
  CHECK_EQ_INT((int)len, 10);
  if (CHECK(data != NULL))
    CHECK_STR(data, "0123456789");
  bqw_read_free(data);
  unlink(path);
  CHECK_EQ_INT(bqw_read_file(path, 0, NULL, &len, NULL, 0), BQW_EINVAL);
  CHECK_EQ_INT(bqw_check_text("x", NULL, 1, NULL), BQW_EINVAL);
}

static void test_nfc(void) {
  bqw_dataset *ds = NULL;
  /* e + U+0301 -> U+00E9; U+F900 (CJK compatibility) -> U+8C48; two runs. */
  static const char text[] = "標題\nCafe\xCC\x81 \xEF\xA4\x80字\n";
  CHECK_EQ_INT(bqw_load_buffer("nfc.txt", text, sizeof text - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "標題\nCaf\xC3\xA9 \xE8\xB1\x88字");
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 2);
  bqw_dataset_free(ds);

  /* Combining marks are reordered and composed: e + U+0301 + U+0323 -> U+1EB9 U+0301;
   * conjoining jamo compose: U+1100 U+1161 -> U+AC00. */
  static const char more[] = "甲e\xCC\x81\xCC\xA3 \xE1\x84\x80\xE1\x85\xA1\n";
  CHECK_EQ_INT(bqw_load_buffer("nfc.txt", more, sizeof more - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "甲\xE1\xBA\xB9\xCC\x81 \xEA\xB0\x80");
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 2);
  bqw_dataset_free(ds);

  /* Already NFC: nothing to do. */
  static const char done[] = "Caf\xC3\xA9 \xE8\xB1\x88 鄉\n";
  CHECK_EQ_INT(bqw_load_buffer("nfc.txt", done, sizeof done - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "Caf\xC3\xA9 \xE8\xB1\x88 鄉");
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 0);
  bqw_dataset_free(ds);

  /* NFC reaches record text, not just the preamble: a measure under a document. */
  static const char doc[] =
      "全省政策\n縣域發展\n●《標題》\n◎Cafe\xCC\x81與\xEF\xA4\x80。\n";
  CHECK_EQ_INT(bqw_load_buffer("nfc.txt", doc, sizeof doc - 1, &ds), 0);
  const bqw_record *r = bqw_record_at(ds, 0);
  if (CHECK(r != NULL) && CHECK_EQ_INT(r->measure_count, 1))
    CHECK_STR(r->measures[0].text, "Caf\xC3\xA9與\xE8\xB1\x88。");
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 2);
  bqw_dataset_free(ds);

  /* The shipped digest is NFC throughout. */
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 0);
  bqw_dataset_free(ds);
}

static void test_arguments(void) {
  bqw_dataset *ds = (bqw_dataset *)&ds;
  CHECK_EQ_INT(bqw_load_buffer("x", NULL, 3, &ds), BQW_EINVAL);
  CHECK(ds == NULL);
  CHECK_EQ_INT(bqw_load_buffer("x", "abc", 3, NULL), BQW_EINVAL);
  /* An empty buffer holds no record: an error, so nothing replaces good output. */
  CHECK_EQ_INT(bqw_load_buffer(NULL, NULL, 0, &ds), BQW_ENODATA);
  if (CHECK(ds != NULL)) {
    CHECK_STR(bqw_dataset_name(ds), "(buffer)");
    CHECK_EQ_INT(bqw_record_count(ds), 0);
    CHECK_EQ_INT(bqw_dataset_report(ds)->errors, 1);
    CHECK_EQ_INT(bqw_diag_count(ds), 1);
    char buf[200];
    bqw_diag_format(ds, bqw_diag_at(ds, 0), buf, sizeof buf);
    CHECK_STR(buf, "(buffer): error: no records: the file is empty");
  }
  bqw_dataset_free(ds);
  static const char blank[] = " \t\n\xE3\x80\x80\r\n\n";
  CHECK_EQ_INT(bqw_load_buffer("w.txt", blank, sizeof blank - 1, &ds), BQW_ENODATA);
  if (CHECK(ds != NULL)) {
    CHECK_EQ_INT(bqw_diag_count(ds), 1);
    CHECK_CONTAINS(bqw_diag_at(ds, 0)->message, "only white space (3 lines)");
  }
  bqw_dataset_free(ds);
  CHECK_STR(bqw_err_name(BQW_EENCODING), "EENCODING");
  CHECK_STR(bqw_err_name(BQW_ENODATA), "ENODATA");
  CHECK_STR(bqw_err_name(-99), "UNKNOWN");
}

/* bqw_visible: which characters are shown as text, how, and the length contract. */
static void test_visible(void) {
  check_context("bqw_visible");
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain 粤 text\tand\nlines", "plain 粤 text\tand\nlines"},
      {"a\x1b[31mb", "a\\x1b[31mb"},
      {"cr\r", "cr\\x0d"},
      {"del\x7f", "del\\x7f"},
      {"c1\xc2\x85", "c1<U+0085>"},
      {"\xe2\x80\xae"
       "evil",
       "<U+202E>evil"},
      {"\xe2\x81\xa6iso\xe2\x81\xa9", "<U+2066>iso<U+2069>"},
      {"\xe2\x80\xa6", "\xe2\x80\xa6"}, /* … is text */
      {"cut\xc2", "cut\xc2"},           /* a truncated sequence stays as it is */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t len = strlen(cases[i].in);
    size_t n = bqw_visible(cases[i].in, len, NULL, 0);
    CHECK_EQ_INT(n, strlen(cases[i].out));
    char out[64] = {0};
    CHECK_EQ_INT(bqw_visible(cases[i].in, len, out, sizeof out - 1), n);
    CHECK_STR(out, cases[i].out);
    CHECK_EQ_INT(n == len, strcmp(cases[i].in, cases[i].out) == 0);
  }
  char small[4] = {'#', '#', '#', '#'};
  CHECK_EQ_INT(bqw_visible("\x1b", 1, small, 3), 4); /* cut at size, length whole */
  CHECK(!memcmp(small, "\\x1#", 4));
}

int main(void) {
  test_visible();
  test_table();
  test_several_errors();
  test_bom();
  test_line_ends();
  test_utf16_32();
  test_binary();
  test_gb18030();
  test_big5();
  test_not_legacy();
  test_read_file();
  test_nfc();
  test_arguments();
  return check_report("test_utf8");
}
