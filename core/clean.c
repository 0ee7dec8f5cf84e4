/*
 * clean.c -- from bytes to clean lines: encoding checks, strict UTF-8 validation,
 * line ends, NFC, trimming, curated repairs, pinyin residue, known defects.
 *
 * Each physical line is cleaned on its own (no step crosses a line end), so
 * diagnostics keep the published line numbers. Lines that are valid and hold no
 * character whose NFC could differ are copied through untouched: that is nearly all
 * CJK text, and it makes NFC cost nothing where it cannot change anything.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define UTF8_LIMIT_ERRORS 100
#define CONTROL_LIMIT_LINES 100

typedef struct cleaner {
  bqw_dataset *ds;
  buffer fixed;  /* the line after U+FFFD substitution and NFC */
  buffer staged; /* the line after repairs */
  buffer spare;  /* the next repair's output: staged and spare swap, and keep their
                    room, so a long line is not paged in afresh for every repair */
  int32_t *cps;  /* a run's code points while NFC puts them in order (nfc_run) */
  size_t cp_cap;
  size_t utf8_errors;
  uint32_t gb_line, gb_col, gb_byte_col; /* where text in GB18030 or Big5 fails */
  legacy_kind legacy;                    /* which, as encoding_legacy says */
  size_t control_lines;                  /* lines with control characters so far */
  size_t valid_multi; /* valid multibyte characters in the lines before */
  /* Repair anchors (see repair.anchor): which repairs a character may start, so the
   * line scan learns which repairs are worth searching for. */
  uint64_t ascii_anchor[128];
  uint64_t bmp_anchor_bits[65536 / 64];
  uint64_t unscanned; /* repairs whose anchor the scan cannot track: always search */
  bool ascii_anchors; /* some repair's anchor is ASCII */
  /* Per block of 64 code points from U+0800 to U+FFFF (three-byte sequences, indexed
   * by cp >> 6), a bit per code point, set when the character is a control, could
   * change under NFC or anchors a repair: only those need more than a look at the
   * sequence's shape. Every bit is set until the scan first meets the block and
   * classifies it. */
  uint64_t loud[1024];
  bool classified[1024];
} cleaner;

/* ---- NFC of the runs that can change ---- */

static size_t prev_char_start(const char *s, size_t pos) {
  while (pos > 0 && ((unsigned char)s[--pos] & 0xC0) == 0x80)
    ;
  return pos;
}

static bool reserve_cps(cleaner *c, size_t n) {
  if (n <= c->cp_cap)
    return true;
  size_t cap = c->cp_cap ? c->cp_cap : 256;
  while (cap < n)
    cap *= 2;
  int32_t *p = realloc(c->cps, cap * sizeof *p);
  if (!p)
    return false;
  c->cps = p;
  c->cp_cap = cap;
  return true;
}

static int combining_class(int32_t cp) {
  return utf8proc_get_property(cp)->combining_class;
}

/* Puts a sequence of combining marks (combining class > 0) in canonical order: a
 * stable sort by class, by insertion when short, by counting when long (tmp has room
 * for n). */
static void order_marks(int32_t *m, size_t n, int32_t *tmp) {
  if (n <= 32) {
    for (size_t i = 1; i < n; i++) {
      int32_t cp = m[i];
      int cc = combining_class(cp);
      size_t j = i;
      for (; j > 0 && combining_class(m[j - 1]) > cc; j--)
        m[j] = m[j - 1];
      m[j] = cp;
    }
    return;
  }
  size_t start[257] = {0};
  for (size_t i = 0; i < n; i++)
    start[combining_class(m[i]) + 1]++;
  for (int k = 1; k <= 256; k++)
    start[k] += start[k - 1];
  for (size_t i = 0; i < n; i++)
    tmp[start[combining_class(m[i])]++] = m[i];
  memcpy(m, tmp, n * sizeof *m);
}

/* Appends the NFC of one run to out, as utf8proc_map(UTF8PROC_STABLE | COMPOSE) gives
 * it, in time linear in the run: utf8proc_map puts combining marks in canonical order
 * by a bubble sort, and a line of 40,000 marks of two alternating classes took 2.9 s
 * (400,000 over 100 s). Here each character is decomposed on its own, the marks are
 * ordered by order_marks, and utf8proc_reencode composes (one pass). */
static int nfc_run(cleaner *c, const char *s, size_t len, buffer *out) {
  const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)s + i, len - i, &cp);
    if (!k)
      return BQW_EENCODING;
    i += k;
    for (;;) {
      if (!reserve_cps(c, n + 32))
        return BQW_ENOMEM;
      int boundclass = UTF8PROC_BOUNDCLASS_START;
      utf8proc_ssize_t r = utf8proc_decompose_char(
          cp, c->cps + n, (utf8proc_ssize_t)(c->cp_cap - n), opts, &boundclass);
      if (r < 0)
        return r == UTF8PROC_ERROR_NOMEM ? BQW_ENOMEM : BQW_EENCODING;
      if ((size_t)r <= c->cp_cap - n) {
        n += (size_t)r;
        break;
      }
      if (!reserve_cps(c, n + (size_t)r))
        return BQW_ENOMEM;
    }
  }
  if (!reserve_cps(c, 2 * n)) /* the second half: order_marks' room */
    return BQW_ENOMEM;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && combining_class(c->cps[j]))
      j++;
    if (j - i > 1)
      order_marks(c->cps + i, j - i, c->cps + n);
    i = j > i ? j : i + 1;
  }
  utf8proc_ssize_t bytes = utf8proc_reencode(c->cps, (utf8proc_ssize_t)n, opts);
  if (bytes < 0)
    return bytes == UTF8PROC_ERROR_NOMEM ? BQW_ENOMEM : BQW_EENCODING;
  return buffer_append(out, c->cps, (size_t)bytes) ? 0 : BQW_ENOMEM;
}

/* Appends src to out with every run that NFC could change normalized. A run starts
 * at the starter before an unstable character and ends before the next character
 * that is stable (NFC_QC=Yes and ccc=0): such a character neither composes with
 * what precedes it nor reorders, so runs can be normalized one by one. */
static int nfc_runs(cleaner *c, const char *src, size_t len, buffer *out) {
  size_t done = 0, i = 0;
  while (i < len) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)src + i, len - i, &cp);
    if (!text_nfc_unstable(cp)) {
      i += k;
      continue;
    }
    size_t start = prev_char_start(src, i);
    if (start < done)
      start = done;
    size_t end = i + k;
    while (end < len) {
      size_t k2 = text_decode((const unsigned char *)src + end, len - end, &cp);
      if (!text_nfc_unstable(cp))
        break;
      end += k2;
    }
    if (!buffer_append(out, src + done, start - done))
      return BQW_ENOMEM;
    int rc = nfc_run(c, src + start, end - start, out);
    if (rc)
      return rc;
    c->ds->report.normalized_runs++;
    done = i = end;
  }
  return buffer_append(out, src + done, len - done) ? 0 : BQW_ENOMEM;
}

/* ---- trimming ---- */

static size_t space_at(const char *s, size_t len) {
  unsigned char c = (unsigned char)s[0];
  if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
    return 1;
  if (len >= 2 && c == 0xC2 && (unsigned char)s[1] == 0xA0)
    return 2; /* U+00A0 */
  if (len >= 3 && c == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
    return 3; /* U+3000 ideographic space */
  return 0;
}

static void trim(const char **s, size_t *len) {
  size_t k;
  while (*len && (k = space_at(*s, *len))) {
    *s += k;
    *len -= k;
  }
  while (*len) {
    size_t start = prev_char_start(*s, *len);
    if (space_at(*s + start, *len - start) != *len - start)
      break;
    *len = start;
  }
}

/* ---- repairs ---- */

/* How far around a repair's span its line is looked at to tell the line's script. */
#define SCRIPT_CONTEXT 4096

/* Whether text converts to something else in script; -1 when it cannot be told. */
static int changes_in(const char *text, size_t len, bqw_script script) {
  return len ? convert_changes(text, len, script) : 0;
}

/* Whether a or b converts to something else in script: 1, 0, or -1 (it cannot be told);
 * b asked only when a keeps its text. */
static int either_changes(const char *a, size_t a_len, const char *b, size_t b_len,
                          bqw_script script) {
  int changes = changes_in(a, a_len, script);
  return changes ? changes : changes_in(b, b_len, script);
}

/* The correct text of a repair first found at hit: for a row whose correct text
 * differs between the scripts, the form of the script the line is in around the span
 * (Simplified when only Traditional conversion changes it, Traditional when only
 * Simplified does), else the row's own; "around" is SCRIPT_CONTEXT bytes each side.
 * Asked once a line, so a line of many matches is converted once. */
static void repair_text(const repair *rep, const char *s, size_t len, const char *hit,
                        const char **text, size_t *text_len) {
  *text = rep->correct;
  *text_len = rep->correct_len;
  if (!strcmp(rep->correct_hans, rep->correct_hant))
    return;
  /* the text around the span, at most SCRIPT_CONTEXT bytes each side (whole characters):
   * enough for any line of a digest, and a line of megabytes costs no more
   * (linear_ratio's long_line and repair_matches converted it whole, four times a repair
   * row) */
  const char *before =
      hit - (size_t)(hit - s > SCRIPT_CONTEXT ? SCRIPT_CONTEXT : hit - s);
  while (before < hit && ((unsigned char)*before & 0xC0) == 0x80)
    before++;
  const char *after = hit + rep->corrupted_len, *end = s + len;
  if ((size_t)(end - after) > SCRIPT_CONTEXT) {
    end = after + SCRIPT_CONTEXT;
    while (end > after && ((unsigned char)*end & 0xC0) == 0x80)
      end--;
  }
  size_t before_len = (size_t)(hit - before), after_len = (size_t)(end - after);
  /* Traditional when only Simplified conversion changes the text around, Simplified
   * when only Traditional does, else (either fails: a NUL, bad UTF-8) the row's own.
   * Each script's second side is asked only when the first does not tell, and the
   * second script only when its answer can give other text than the row's own: a
   * changed side decides for its script, and a script whose sides both come out the
   * same has checked both sides whole. */
  int traditional = either_changes(before, before_len, after, after_len, BQW_SCRIPT_HANS);
  bool own_hant = !strcmp(rep->correct, rep->correct_hant),
       own_hans = !strcmp(rep->correct, rep->correct_hans);
  if (traditional < 0 || (traditional ? own_hant : own_hans))
    return;
  int simplified = either_changes(before, before_len, after, after_len, BQW_SCRIPT_HANT);
  if (simplified < 0)
    return;
  if (simplified && !traditional) {
    *text = rep->correct_hans;
    *text_len = rep->correct_hans_len;
  } else if (traditional && !simplified) {
    *text = rep->correct_hant;
    *text_len = rep->correct_hant_len;
  }
}

/* Applies every repair to the line; returns the repaired text in c->staged or the
 * input unchanged. */
static int apply_repairs(cleaner *c, const char **s, size_t *len, uint32_t number,
                         size_t lead_bytes, size_t lead_chars, uint64_t candidates) {
  facts *f = &c->ds->facts;
  for (size_t r = 0; r < f->repair_count; r++) {
    repair *rep = &f->repairs[r];
    if (r < 64 && !(candidates & (UINT64_C(1) << r)))
      continue;
    const char *hit = memmem(*s, *len, rep->corrupted, rep->corrupted_len);
    if (!hit)
      continue;
    buffer out = c->spare;
    out.len = 0;
    const char *p = *s, *end = *s + *len;
    /* characters before `counted`, counted on from the last match, not from the line's
     * start: a line of a million matches costs its length once */
    size_t counted = 0, chars = 0;
    const char *good;
    size_t good_len;
    repair_text(rep, *s, *len, hit, &good, &good_len);
    while (hit) {
      if (!buffer_append(&out, p, (size_t)(hit - p)) ||
          !buffer_append(&out, good, good_len)) {
        c->spare = out;
        return BQW_ENOMEM;
      }
      /* the place in the line as read: what trimming removed, then the text before */
      size_t at = (size_t)(hit - *s);
      chars += text_count_chars(*s + counted, at - counted);
      counted = at;
      uint32_t col = (uint32_t)(lead_chars + chars + 1),
               byte_col = (uint32_t)(lead_bytes + at + 1);
      if (!rep->applied++) {
        rep->first_line = number;
        rep->first_col = col;
        rep->first_byte_col = byte_col;
      }
      c->ds->report.repairs_applied++;
      diag_add_at(c->ds, BQW_NOTE, number, col, byte_col, "repaired \"%s\" to \"%s\": %s",
                  rep->corrupted, good, rep->reason);
      p = hit + rep->corrupted_len;
      hit = memmem(p, (size_t)(end - p), rep->corrupted, rep->corrupted_len);
    }
    if (!buffer_append(&out, p, (size_t)(end - p))) {
      c->spare = out;
      return BQW_ENOMEM;
    }
    c->spare = c->staged;
    c->staged = out;
    *s = c->staged.data;
    *len = c->staged.len;
  }
  return 0;
}

/* ---- pinyin residue ---- */

/* A pinyin letter: a-z, ü, or a letter with a tone mark (ā, ǚ, ń, …; the table is
 * generated from the UCD's decompositions). Returns its length and sets *toned, or 0
 * when s does not start with one. */
static size_t pinyin_letter(const unsigned char *s, size_t n, bool *toned) {
  *toned = false;
  if (s[0] >= 'a' && s[0] <= 'z')
    return 1;
  int32_t cp;
  size_t k = text_decode(s, n, &cp);
  if (!k || cp < 0x80)
    return 0;
  unsigned flags = ucd_flags(cp);
  *toned = flags & UCD_FLAG_PINYIN_TONED;
  return (flags & (UCD_FLAG_PINYIN_TONED | UCD_FLAG_PINYIN_LETTER)) ? k : 0;
}

/* Length of a reading "(xiāng)" at s: 1-6 pinyin letters, at least one toned, in
 * ASCII parentheses; 0 when s is not one. */
static size_t reading_at(const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 1, letters = 0;
  bool any_tone = false;
  while (i < n && u[i] != ')') {
    bool toned;
    size_t k = pinyin_letter(u + i, n - i, &toned);
    if (!k || ++letters > 6)
      return 0;
    any_tone |= toned;
    i += k;
  }
  return i < n && letters && any_tone ? i + 1 : 0;
}

/* Moves s[from, from + n) to out + o, where the two differ: a line cleaned in place
 * with nothing trimmed or removed before it is not copied onto itself. */
static void move_text(char *out, size_t o, const char *s, size_t from, size_t n) {
  if (out + o != s + from)
    memmove(out + o, s + from, n);
}

size_t clean_residue(const char *s, size_t len, char *out, size_t *removed) {
  size_t o = 0, done = 0;
  const char *paren = memchr(s, '(', len);
  while (paren) {
    size_t at = (size_t)(paren - s);
    size_t k = reading_at(paren, len - at);
    bool after_han = false;
    if (k && at > done) {
      size_t prev = prev_char_start(s, at);
      int32_t cp;
      after_han =
          text_decode((const unsigned char *)s + prev, at - prev, &cp) && text_is_han(cp);
    }
    size_t next = at + 1;
    if (after_han) {
      move_text(out, o, s, done, at - done);
      o += at - done;
      done = next = at + k;
      (*removed)++;
    }
    paren = next < len ? memchr(s + next, '(', len - next) : NULL;
  }
  move_text(out, o, s, done, len - done);
  return o + len - done;
}

/* ---- known defects ---- */

static void check_defects(cleaner *c, const char *s, size_t len, uint32_t number) {
  facts *f = &c->ds->facts;
  for (size_t i = 0; i < f->defect_count; i++)
    if (len >= f->defects[i].len &&
        (!f->defects[i].len || s[0] == f->defects[i].text[0]) &&
        !memcmp(s, f->defects[i].text, f->defects[i].len))
      diag_add(c->ds, BQW_WARNING, number, 1, "known defect: %s", f->defects[i].message);
}

/* ---- lines ---- */

static int push_line(bqw_dataset *ds, const char *text, size_t len, uint32_t number) {
  text_line *lines =
      huge_grow(ds->lines, ds->line_count, &ds->line_cap, sizeof *lines, 256);
  if (!lines)
    return BQW_ENOMEM;
  ds->lines = lines;
  ds->lines[ds->line_count++] = (text_line){text, (uint32_t)len, number};
  return 0;
}

/* Trims, repairs and strips residue from one line and records it. `room` is the
 * line's place in the loader's own buffer (room_len bytes, and one more for a NUL):
 * the clean text is written there whenever it fits, which it nearly always does
 * (every step but NFC and a repair only shrinks the text, and those mostly shrink it
 * too), and to the arena otherwise. s may lie in room itself. */
static int finish_line(cleaner *c, const char *s, size_t len, uint32_t number, char *room,
                       size_t room_len, uint64_t candidates) {
  const char *raw = s;
  trim(&s, &len);
  size_t lead_bytes = (size_t)(s - raw);
  size_t lead_chars = lead_bytes ? text_count_chars(raw, lead_bytes) : 0;
  int rc = apply_repairs(c, &s, &len, number, lead_bytes, lead_chars, candidates);
  if (rc)
    return rc;
  /* Where s lies in room, writing from room's start only ever moves text back
   * (clean_residue moves with memmove). */
  char *out = len <= room_len ? room : arena_alloc(&c->ds->mem, len + 1);
  if (!out)
    return BQW_ENOMEM;
  size_t n = clean_residue(s, len, out, &c->ds->report.residue_removed);
  out[n] = '\0';
  check_defects(c, out, n, number);
  return push_line(c->ds, out, n, number);
}

/* The repairs whose anchor is cp. */
static uint64_t anchor_repairs(const cleaner *c, int32_t cp) {
  uint64_t mask = 0;
  const facts *f = &c->ds->facts;
  for (size_t r = 0; r < f->repair_count && r < 64; r++)
    if (f->repairs[r].anchor == cp)
      mask |= UINT64_C(1) << r;
  return mask;
}

static void index_anchors(cleaner *c) {
  const facts *f = &c->ds->facts;
  for (size_t r = 0; r < f->repair_count && r < 64; r++) {
    int32_t cp = f->repairs[r].anchor;
    uint64_t bit = UINT64_C(1) << r;
    if (cp > 0 && cp < 128) {
      c->ascii_anchor[cp] |= bit;
      c->ascii_anchors = true;
    } else if (cp >= 128 && cp < 65536)
      c->bmp_anchor_bits[cp >> 6] |= UINT64_C(1) << (cp & 63);
    else
      c->unscanned |= bit;
  }
}

static const char *control_name(int32_t cp) {
  static const char *const c0[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
                                   "BS",  "TAB", "LF",  "VT",  "FF",  "CR",  "SO",  "SI",
                                   "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                                   "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};
  static const char *const bidi[] = {"LEFT-TO-RIGHT EMBEDDING", "RIGHT-TO-LEFT EMBEDDING",
                                     "POP DIRECTIONAL FORMATTING",
                                     "LEFT-TO-RIGHT OVERRIDE", "RIGHT-TO-LEFT OVERRIDE"};
  static const char *const isolates[] = {"LEFT-TO-RIGHT ISOLATE", "RIGHT-TO-LEFT ISOLATE",
                                         "FIRST STRONG ISOLATE",
                                         "POP DIRECTIONAL ISOLATE"};
  if (cp < 0x20)
    return c0[cp];
  if (cp == 0x7F)
    return "DEL";
  if (cp == 0x9B)
    return "CSI, a C1 control";
  if (cp >= 0x80 && cp <= 0x9F)
    return "a C1 control";
  if (cp >= 0x202A && cp <= 0x202E)
    return bidi[cp - 0x202A];
  return isolates[cp - 0x2066];
}

/* One warning a line, at its first control character, however many it has. */
static void report_controls(cleaner *c, uint32_t number, size_t count, int32_t first,
                            size_t col, size_t byte_col) {
  if (++c->control_lines > CONTROL_LIMIT_LINES) {
    c->ds->report.warnings++;
    if (c->control_lines == CONTROL_LIMIT_LINES + 1)
      diag_add_at(
          c->ds, BQW_NOTE, number, (uint32_t)col, (uint32_t)byte_col,
          "more lines with control characters; the rest are counted but not listed");
    return;
  }
  char more[64] = "";
  if (count > 1)
    snprintf(more, sizeof more, " (and %zu more on this line)", count - 1);
  diag_add_at(c->ds, BQW_WARNING, number, (uint32_t)col, (uint32_t)byte_col,
              "control character U+%04X (%s)%s in the text; kept as it is, and shown "
              "escaped by views and exports",
              (unsigned)first, control_name(first), more);
}

/* Classifies a block of three-byte characters (see cleaner.loud). */
static uint64_t classify_block(cleaner *c, unsigned blk) {
  uint64_t loud = c->bmp_anchor_bits[blk];
  if (blk < 0x800 >> 6 || (blk >= 0xD800 >> 6 && blk <= 0xDFFF >> 6))
    loud = ~UINT64_C(0); /* overlong, surrogate: invalid, for the full decoder */
  for (int32_t k = 0; k < 64; k++) {
    int32_t cp = (int32_t)blk << 6 | k;
    if (text_is_control(cp) || text_nfc_unstable(cp))
      loud |= UINT64_C(1) << k;
  }
  c->classified[blk] = true;
  return c->loud[blk] = loud;
}

/* Validates the line starting at b[i]; stops at a line end. Reports invalid
 * sequences and control characters. Sets *end to the line end, *dirty when a byte is
 * invalid, *unstable when a character may change under NFC. */
static void validate_line(cleaner *c, const unsigned char *b, size_t n, size_t i,
                          uint32_t number, size_t *end, bool *dirty, bool *unstable,
                          uint64_t *candidates) {
  size_t start = i, multi = 0;
  size_t col = 1, controls = 0, control_col = 0, control_byte = 0;
  int32_t first_control = 0;
  uint64_t found = c->unscanned;
  *dirty = *unstable = false;
  while (i < n) {
    unsigned char ch = b[i];
    if (ch >= 0x20 && ch < 0x7F) { /* a run of printable ASCII */
      size_t run = i;
      if (c->ascii_anchors)
        do
          found |= c->ascii_anchor[b[i]];
        while (++i < n && b[i] >= 0x20 && b[i] < 0x7F);
      else
        while (++i < n && b[i] >= 0x20 && b[i] < 0x7F)
          ;
      col += i - run;
      continue;
    }
    if (ch == '\n' || ch == '\r')
      break;
    /* Most of the digest: a run of well-formed three-byte characters none of which is
     * loud, which need no more than a look at their shape. */
    if ((ch & 0xF0) == 0xE0) {
      size_t chars = 0;
      while (i + 2 < n) {
        unsigned x1 = b[i + 1] ^ 0x80u, x2 = b[i + 2] ^ 0x80u;
        if ((x1 | x2) >= 0x40)
          break; /* not two continuation bytes */
        unsigned blk = (b[i] & 0x0Fu) << 6 | x1;
        if (c->loud[blk] >> x2 & 1 &&
            (c->classified[blk] || classify_block(c, blk) >> x2 & 1))
          break;
        i += 3;
        chars++;
        if ((b[i] & 0xF0) != 0xE0)
          break;
      }
      if (chars) {
        multi += chars;
        col += chars;
        continue;
      }
    }
    int32_t cp;
    size_t k = ch ? text_decode(b + i, n - i, &cp) : 0;
    if (k) {
      if (text_is_control(cp) && !controls++) {
        first_control = cp;
        control_col = col;
        control_byte = i - start + 1;
      }
      *unstable |= text_nfc_unstable(cp);
      if (cp < 65536 && (c->bmp_anchor_bits[cp >> 6] >> (cp & 63) & 1))
        found |= anchor_repairs(c, cp);
      multi += k > 1;
      i += k;
    } else {
      /* One clear error beats a hundred about bytes that were never UTF-8. The text
       * from this line on is still as read, and everything before it was valid. */
      if (!c->utf8_errors && (c->legacy = encoding_legacy(b, n, c->valid_multi))) {
        c->gb_line = number;
        c->gb_col = (uint32_t)col;
        c->gb_byte_col = (uint32_t)(i - start + 1);
        *end = n;
        return;
      }
      char msg[300];
      k = encoding_utf8_error(b + i, n - i, msg, sizeof msg);
      if (++c->utf8_errors <= UTF8_LIMIT_ERRORS)
        diag_add_at(c->ds, BQW_ERROR, number, (uint32_t)col, (uint32_t)(i - start + 1),
                    "%s", msg);
      else if (c->utf8_errors == UTF8_LIMIT_ERRORS + 1) {
        c->ds->report.errors++;
        diag_add_at(c->ds, BQW_NOTE, number, (uint32_t)col, (uint32_t)(i - start + 1),
                    "too many UTF-8 errors; the rest are counted but not listed");
      } else {
        c->ds->report.errors++;
      }
      *dirty = true;
      i += k;
    }
    col++;
  }
  if (controls)
    report_controls(c, number, controls, first_control, control_col, control_byte);
  c->valid_multi += multi;
  *candidates = found;
  *end = i;
}

/* Copies the line with each invalid sequence replaced by U+FFFD. */
static int substitute_invalid(buffer *out, const unsigned char *b, size_t n) {
  for (size_t i = 0; i < n;) {
    int32_t cp;
    size_t k = b[i] ? text_decode(b + i, n - i, &cp) : 0;
    if (k) {
      if (!buffer_append(out, b + i, k))
        return BQW_ENOMEM;
      i += k;
    } else {
      char msg[8];
      i += text_utf8_problem(b + i, n - i, msg, sizeof msg);
      if (!buffer_append(out, REPLACEMENT, 3))
        return BQW_ENOMEM;
    }
  }
  return 0;
}

/* The LF and CR bytes of b[0..n): in blocks of a fixed 240 bytes, each counted in a byte
 * (at most 240 < 256), a loop compilers vectorize at -O2 (one pass, ~3 ms for 100 MB,
 * against ~25 ms for a memchr per line end, twice). */
static size_t count_line_ends(const unsigned char *b, size_t n) {
  enum { BLOCK = 240 };
  size_t total = 0, i = 0;
  for (; n - i >= BLOCK; i += BLOCK) {
    uint8_t count = 0;
    for (size_t k = 0; k < BLOCK; k++)
      count += (uint8_t)((b[i + k] == '\n') | (b[i + k] == '\r'));
    total += count;
  }
  for (; i < n; i++)
    total += (b[i] == '\n') | (b[i] == '\r');
  return total;
}

static int clean_lines(cleaner *c, unsigned char *b, size_t n) {
  bqw_dataset *ds = c->ds;
  uint32_t number = 1;
  size_t i = 0;
  for (;;) {
    size_t end, next;
    bool dirty, unstable;
    uint64_t candidates = 0;
    validate_line(c, b, n, i, number, &end, &dirty, &unstable, &candidates);
    if (c->gb_line)
      return 0;
    /* Where the next line starts, read before the line end may be overwritten. */
    if (end < n && b[end] == '\r') {
      ds->report.had_cr = 1;
      next = end + (end + 1 < n && b[end + 1] == '\n' ? 2 : 1);
    } else {
      next = end + 1;
    }
    int rc;
    if (dirty || unstable) {
      buffer tmp = {0};
      rc = dirty ? substitute_invalid(&tmp, b + i, end - i)
                 : (buffer_append(&tmp, b + i, end - i) ? 0 : BQW_ENOMEM);
      c->fixed.len = 0;
      if (!rc)
        rc = nfc_runs(c, tmp.data ? tmp.data : "", tmp.len, &c->fixed);
      buffer_free(&tmp);
      if (!rc)
        rc = finish_line(c, c->fixed.data ? c->fixed.data : "", c->fixed.len, number,
                         (char *)b + i, end - i,
                         ~UINT64_C(0)); /* the text changed: search for all */
    } else {
      rc = finish_line(c, (const char *)b + i, end - i, number, (char *)b + i, end - i,
                       candidates);
    }
    if (rc)
      return rc;
    if (next >= n)
      break; /* a final line end does not open another line */
    i = next;
    number++;
  }
  ds->report.lines = number;
  return 0;
}

void clean_report_repairs(bqw_dataset *ds) {
  facts *f = &ds->facts;
  for (size_t r = 0; r < f->repair_count; r++) {
    repair *rep = &f->repairs[r];
    if (rep->row != r)
      continue; /* a form of a row: counted with it */
    size_t applied = 0;
    for (size_t v = 0; v < f->repair_count; v++)
      if (f->repairs[v].row == r) {
        if (!applied && f->repairs[v].applied)
          rep = &f->repairs[v]; /* the first form that applied says where */
        applied += f->repairs[v].applied;
      }
    if (applied == 1)
      continue;
    if (applied == 0)
      diag_add(ds, BQW_WARNING, 0, 0,
               "repair did not match: \"%s\" (%s) is not in the text; check "
               "data/repairs.tsv against this file",
               rep->corrupted, rep->reason);
    else
      diag_add_at(ds, BQW_WARNING, rep->first_line, rep->first_col, rep->first_byte_col,
                  "repair matched %zu times, expected once: \"%s\" -> \"%s\" applied to "
                  "every occurrence",
                  applied, rep->corrupted, rep->correct);
  }
}

int clean_text(bqw_dataset *ds, unsigned char *b, size_t n) {
  ds->report.bytes = n;
  {
    uint32_t line, col, byte_col;
    char *msg =
        malloc(ENCODING_MESSAGE_MAX); /* the file's name, twice: not for the stack */
    if (!msg)
      return BQW_ENOMEM;
    bool wide = encoding_sniff_wide(b, n, ds->name, &line, &col, &byte_col, msg,
                                    ENCODING_MESSAGE_MAX);
    if (wide) {
      ds->wrong_encoding = true;
      diag_add_at(ds, BQW_ERROR, line, col, byte_col, "%s", msg);
    }
    free(msg);
    if (wide)
      return BQW_EENCODING;
  }
  if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
    ds->report.had_bom = 1;
    b += 3;
    n -= 3;
  }
  cleaner *c = calloc(1, sizeof *c); /* ~18 KB of tables: not for the stack */
  if (!c)
    return BQW_ENOMEM;
  c->ds = ds;
  memset(c->loud, 0xFF, sizeof c->loud);
  index_anchors(c);
  /* The line table at its final size from the start (a line per LF or CR, at most),
   * so it is never copied as it grows; pages past the last line are never touched. */
  size_t bound = count_line_ends(b, n) + 1;
  int rc = BQW_ENOMEM;
  if ((ds->lines = huge_alloc(bound * sizeof *ds->lines, false))) {
    ds->line_cap = bound;
    rc = clean_lines(c, b, n);
  }
  uint32_t gb_line = c->gb_line, gb_col = c->gb_col, gb_byte_col = c->gb_byte_col;
  legacy_kind legacy = c->legacy;
  size_t utf8_errors = c->utf8_errors;
  buffer_free(&c->fixed);
  buffer_free(&c->staged);
  buffer_free(&c->spare);
  free(c->cps);
  free(c);
  if (rc)
    return rc;
  if (gb_line) {
    ds->wrong_encoding = true;
    char *msg = malloc(ENCODING_MESSAGE_MAX);
    if (!msg)
      return BQW_ENOMEM;
    encoding_legacy_advice(legacy, ds->name, msg, ENCODING_MESSAGE_MAX);
    diag_add_at(ds, BQW_ERROR, gb_line, gb_col, gb_byte_col, "%s", msg);
    free(msg);
    return BQW_EENCODING;
  }
  return utf8_errors ? BQW_EENCODING : 0;
}
