/*
 * scan.c -- small scanners of a line's text for the parser: digits, year and date
 * lines (a range of days included), and document numbers (文号). Pure functions of
 * the bytes they are given; no allocation.
 */
#include "internal.h"

#include <string.h>

/* Reads up to max digits (ASCII or full-width) at *pos; returns the count. */
int scan_digits(const char *s, size_t len, size_t *pos, int max, int *value) {
  int n = 0;
  *value = 0;
  while (n < max && *pos < len) {
    unsigned char c = (unsigned char)s[*pos];
    if (c >= '0' && c <= '9') {
      *value = *value * 10 + (c - '0');
      *pos += 1;
    } else if (c == 0xEF && *pos + 2 < len && (unsigned char)s[*pos + 1] == 0xBC &&
               (unsigned char)s[*pos + 2] >= 0x90 && (unsigned char)s[*pos + 2] <= 0x99) {
      *value = *value * 10 + ((unsigned char)s[*pos + 2] - 0x90);
      *pos += 3;
    } else {
      break;
    }
    n++;
  }
  return n;
}

bool scan_word(const char *s, size_t len, size_t *pos, const char *word) {
  size_t n = strlen(word);
  if (len - *pos < n || memcmp(s + *pos, word, n))
    return false;
  *pos += n;
  return true;
}

/* "2025年" alone on a line. */
bool scan_year_line(const char *s, size_t len, int *year) {
  size_t pos = 0;
  return scan_digits(s, len, &pos, 4, year) == 4 &&
         scan_word(s, len, &pos, "\xE5\xB9\xB4") && pos == len;
}

#define YEAR_CHAR "\xE5\xB9\xB4"  /* 年 */
#define MONTH_CHAR "\xE6\x9C\x88" /* 月 */
#define DAY_CHAR "\xE6\x97\xA5"   /* 日 */

static bool valid_date(int y, int m, int d) {
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
    return false;
  return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* A meeting's date line: "2023年1月3日" alone on a line, or a range of days
 * "2023年9月1日至2日", "…1日至10月2日", "…1日至2024年1月2日" (至, 到, —, –, -, ~, ～ or
 * 〜 between). v: year, month, day, then the range's last year, month, day (the first
 * day's again for a single day). 0 = not a date line, 1 = a day, 2 = a range, -1 = shaped
 * so but impossible (or a range that ends before it starts). */
int scan_date_line(const char *s, size_t len, int v[6]) {
  static const char *const seps[] = {
      "\xE8\x87\xB3", "\xE5\x88\xB0", "\xE2\x80\x94", "\xE2\x80\x93", "-", "~",
      "\xEF\xBD\x9E", "\xE3\x80\x9C"};
  size_t pos = 0;
  if (scan_digits(s, len, &pos, 4, &v[0]) != 4 || !scan_word(s, len, &pos, YEAR_CHAR) ||
      scan_digits(s, len, &pos, 2, &v[1]) < 1 || !scan_word(s, len, &pos, MONTH_CHAR) ||
      scan_digits(s, len, &pos, 2, &v[2]) < 1 || !scan_word(s, len, &pos, DAY_CHAR))
    return 0;
  v[3] = v[0], v[4] = v[1], v[5] = v[2];
  int shape = 1;
  if (pos != len) {
    size_t k = 0;
    while (k < sizeof seps / sizeof *seps && !scan_word(s, len, &pos, seps[k]))
      k++;
    int n, a;
    if (k == sizeof seps / sizeof *seps || (n = scan_digits(s, len, &pos, 4, &a)) < 1)
      return 0;
    if (n == 4) { /* a year: its month and day follow */
      v[3] = a;
      if (!scan_word(s, len, &pos, YEAR_CHAR) || scan_digits(s, len, &pos, 2, &a) < 1)
        return 0;
      n = 2;
    }
    if (n > 2)
      return 0;
    if (scan_word(s, len, &pos, MONTH_CHAR)) {
      v[4] = a;
      if (scan_digits(s, len, &pos, 2, &a) < 1)
        return 0;
    } else if (v[3] != v[0]) {
      return 0; /* a year without a month */
    }
    v[5] = a;
    if (!scan_word(s, len, &pos, DAY_CHAR) || pos != len)
      return 0;
    shape = 2;
  }
  if (!valid_date(v[0], v[1], v[2]) || !valid_date(v[3], v[4], v[5]))
    return -1;
  if (shape == 2 && v[3] * 10000 + v[4] * 100 + v[5] <= v[0] * 10000 + v[1] * 100 + v[2])
    return -1;
  return shape;
}

/* ---- document numbers (文号) ---- */

bool scan_docno(const char *s, size_t len, docno_parts *d) {
  static const char *const open[] = {"\xE3\x80\x94", "[", "\xE3\x80\x90", "\xEF\xBC\xBB"},
                           *const close[] = {"\xE3\x80\x95", "]", "\xE3\x80\x91",
                                             "\xEF\xBC\xBD"};
  size_t pos = 0, chars = 0, b = 0;
  while (pos < len && chars <= 16) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)s + pos, len - pos, &cp);
    if (!k || !text_is_han(cp))
      break;
    pos += k;
    chars++;
  }
  if (!chars || chars > 16)
    return false;
  d->issuer_len = pos;
  while (b < 4 && !scan_word(s, len, &pos, open[b]))
    b++;
  if (b == 4 || scan_digits(s, len, &pos, 4, &d->year) != 4 ||
      !scan_word(s, len, &pos, close[b]) || scan_digits(s, len, &pos, 6, &d->number) < 1)
    return false;
  if (!scan_word(s, len, &pos, "\xE8\x99\x9F") &&
      !scan_word(s, len, &pos, "\xE5\x8F\xB7"))
    return false; /* 號 号 */
  d->text = s;
  d->len = len;
  return pos == len;
}

static size_t paren_open(const char *s, size_t len) {
  if (len >= 1 && s[0] == '(')
    return 1;
  return len >= 3 && !memcmp(s, "\xEF\xBC\x88", 3) ? 3 : 0;
}

size_t scan_paren_close(const char *s, size_t len) {
  if (len >= 1 && s[len - 1] == ')')
    return 1;
  return len >= 3 && !memcmp(s + len - 3, "\xEF\xBC\x89", 3) ? 3 : 0;
}

void scan_trim_spaces(const char **s, size_t *len) {
  while (*len && **s == ' ')
    (*s)++, (*len)--;
  while (*len && (*s)[*len - 1] == ' ')
    (*len)--;
  while (*len >= 3 && !memcmp(*s, "\xE3\x80\x80", 3)) /* U+3000 */
    *s += 3, *len -= 3;
  while (*len >= 3 && !memcmp(*s + *len - 3, "\xE3\x80\x80", 3))
    *len -= 3;
}

/* A document number alone, or in ( ) or （ ）, with spaces around it. */
bool scan_docno_alone(const char *s, size_t len, docno_parts *d) {
  scan_trim_spaces(&s, &len);
  size_t o = paren_open(s, len), c = o ? scan_paren_close(s, len) : 0;
  if (o && c && len > o + c) {
    s += o;
    len -= o + c;
    scan_trim_spaces(&s, &len);
  }
  return scan_docno(s, len, d);
}
