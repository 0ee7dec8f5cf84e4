/*
 * test_residue.c -- the pinyin residue remover, clean_residue() (core/clean.c).
 *
 * The rule: "(reading)" where the reading is 1-6 pinyin letters (a-z, ü, vowels with
 * tone marks, ḿ ń ň ǹ) with at least one tone mark, directly after a Han character,
 * is residue of a ruby conversion and is removed. Everything else in parentheses is
 * content and stays. Then, on the shipped digest: the exact count, and no reading
 * left in any field of any record.
 */
#include "bqw.h"
#include "check.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct row {
  const char *in, *out;
  size_t removed;
} row;

static const row rows[] = {
    /* ---- true positives ---- */
    {"鄉(xiāng)協(xié)", "鄉協", 2},
    {"鄉(xiāng)協(xié)調(diào)發(fā)展", "鄉協調發展", 4},
    {"綠(lǜ)色", "綠色", 1},           /* ǜ */
    {"女(nǚ)士", "女士", 1},           /* ǚ */
    {"驢(lǘ)子", "驢子", 1},           /* ǘ */
    {"呂(lǚ)", "呂", 1},               /* at the end of the line */
    {"略(lüè)", "略", 1},              /* untoned ü beside a toned è */
    {"嗯(ń)", "嗯", 1},                /* ń */
    {"呣(ḿ)", "呣", 1},                /* ḿ (U+1E3F) */
    {"嗯(ňg)", "嗯", 1},               /* ň */
    {"嗯(ǹg)", "嗯", 1},               /* ǹ */
    {"莊(zhuāng)", "莊", 1},           /* six letters, the most allowed */
    {"愛(ài)國(guó)", "愛國", 2},      /* à, ó */
    {"鎮(zhèn)(街道)", "鎮(街道)", 1}, /* the reading goes, the content stays */
    {"\xF0\xA0\x80\x80(jiā)", "\xF0\xA0\x80\x80", 1}, /* Han from Ext. B (U+20000) */
    {"了(le)解(jiě)", "了(le)解", 1},                 /* only the toned one */
    {"發(fā)展;區(qū)", "發展;區", 2},

    /* ---- real parentheses, kept ---- */
    {"122個縣(市、區(qū))", "122個縣(市、區)", 1},
    {"實施方案(2023—2025年)", "實施方案(2023—2025年)", 0},
    {"實施方案(試行)", "實施方案(試行)", 0},
    {"四會市(含肇慶高新區(qū))", "四會市(含肇慶高新區)", 1},
    {"平均GDP(GDP)", "平均GDP(GDP)", 0},
    {"(GDP)", "(GDP)", 0},
    {"字(de)", "字(de)", 0},                     /* no tone mark */
    {"F(xiàn)", "F(xiàn)", 0},                   /* after a latin letter */
    {"2023(nián)", "2023(nián)", 0},             /* after a digit */
    {"。(xiàn)", "。(xiàn)", 0},                 /* after punctuation */
    {"(xiāng)開頭", "(xiāng)開頭", 0},           /* at the start of the line */
    {"莊(zhuāngg)", "莊(zhuāngg)", 0},           /* seven letters: too long */
    {"莊(zhuāngzhuāng)", "莊(zhuāngzhuāng)", 0}, /* far too long */
    {"字()", "字()", 0},                         /* empty */
    {"字(Xiāng)", "字(Xiāng)", 0},               /* capital letter */
    {"字(xiāng", "字(xiāng", 0},                 /* unclosed */
    {"字(xiā ng)", "字(xiā ng)", 0},             /* a space is not a letter */
    {"字(xiāng1)", "字(xiāng1)", 0},             /* a digit is not a letter */
    {"字\xEF\xBC\x88xiāng\xEF\xBC\x89", "字\xEF\xBC\x88xiāng\xEF\xBC\x89", 0}, /* （） */
    {"鄉(xiāng)(xiāng)", "鄉(xiāng)", 1}, /* the second follows ')', not Han */
    {"", "", 0},
    {"無括號的一行", "無括號的一行", 0},
};

static void test_table(void) {
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const row *r = &rows[i];
    check_context(r->in);
    size_t len = strlen(r->in);
    char *out = malloc(len + 1);
    if (!CHECK(out != NULL))
      continue;
    size_t removed = 100; /* clean_residue adds to it */
    size_t n = clean_residue(r->in, len, out, &removed);
    out[n] = '\0';
    CHECK_STR(out, r->out);
    CHECK_EQ_INT(n, strlen(r->out));
    CHECK_EQ_INT(removed, 100 + r->removed);
    free(out);
  }
  check_context(NULL);
}

/* The loader applies it per line: a file with residue loads clean, counted. */
static void test_through_loader(void) {
  static const char text[] = "全省政策\n"
                             "縣(xiàn)域(yù)發(fā)展\n"
                             "●《關于實施方案(試(shì)行(xíng))》\n"
                             "◎122個縣(xiàn)(市、區(qū))全覆蓋。\n";
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_buffer("r.txt", text, sizeof text - 1, &ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->residue_removed, 7);
  const bqw_record *r = bqw_record_at(ds, 0);
  if (CHECK(r != NULL)) {
    CHECK_STR(r->category, "縣域發展");
    CHECK_STR(r->title, "關于實施方案(試行)");
    if (CHECK_EQ_INT(r->measure_count, 1))
      CHECK_STR(r->measures[0].text, "122個縣(市、區)全覆蓋。");
  }
  bqw_dataset_free(ds);

  /* NFC comes first: a reading typed with a combining macron is still a reading. */
  static const char decomposed[] = "鄉(xia\xCC\x84ng)協(xie\xCC\x81)調\n";
  CHECK_EQ_INT(bqw_load_buffer("d.txt", decomposed, sizeof decomposed - 1, &ds), 0);
  CHECK_STR(bqw_dataset_meta(ds)->introduction, "鄉協調");
  CHECK_EQ_INT(bqw_dataset_report(ds)->residue_removed, 2);
  CHECK_EQ_INT(bqw_dataset_report(ds)->normalized_runs, 2);
  bqw_dataset_free(ds);
}

/* ---- the shipped digest ---- */

static int is_toned(int32_t cp) {
  static const int32_t toned[] = {0x101, 0xE1,   0x1CE, 0xE0,  0x113, 0xE9,  0x11B, 0xE8,
                                  0x12B, 0xED,   0x1D0, 0xEC,  0x14D, 0xF3,  0x1D2, 0xF2,
                                  0x16B, 0xFA,   0x1D4, 0xF9,  0x1D6, 0x1D8, 0x1DA, 0x1DC,
                                  0xFC,  0x1E3F, 0x144, 0x148, 0x1F9};
  for (size_t i = 0; i < sizeof toned / sizeof *toned; i++)
    if (toned[i] == cp)
      return 1;
  return 0;
}

/* 1 when s holds "(" followed by latin letters and then a toned letter. */
static int has_reading(const char *s) {
  if (!s)
    return 0;
  for (const char *p = strchr(s, '('); p; p = strchr(p + 1, '(')) {
    const unsigned char *u = (const unsigned char *)p + 1;
    size_t n = strlen((const char *)u);
    while (n && *u >= 'a' && *u <= 'z')
      u++, n--;
    int32_t cp;
    if (n && *u >= 0x80 && text_decode(u, n, &cp) && is_toned(cp))
      return 1;
  }
  return 0;
}

static int scanned;

static void check_field(const char *what, size_t index, const char *s) {
  char ctx[96];
  snprintf(ctx, sizeof ctx, "record %zu %s", index, what);
  check_context(ctx);
  scanned += s != NULL;
  if (has_reading(s))
    CHECK_LACKS(s, "("); /* fails, printing the field */
}

static void test_digest(void) {
  bqw_dataset *ds = NULL;
  CHECK_EQ_INT(bqw_load_default(&ds), 0);
  CHECK_EQ_INT(bqw_dataset_report(ds)->residue_removed, 807);
  for (size_t i = 0; i < bqw_record_count(ds); i++) {
    const bqw_record *r = bqw_record_at(ds, i);
    check_field("section_title", i, r->section_title);
    check_field("category", i, r->category);
    check_field("headline", i, r->headline);
    check_field("title", i, r->title);
    check_field("text", i, r->text);
    for (size_t k = 0; k < r->measure_count; k++)
      check_field("measure", i, r->measures[k].text);
  }
  const bqw_meta *m = bqw_dataset_meta(ds);
  check_field("meta.introduction", 0, m->introduction);
  check_field("meta.byline", 0, m->byline);
  check_field("meta.credits", 0, m->credits);
  check_field("meta.source_note", 0, m->source_note);
  check_field("meta.source", 0, m->source);
  check_context(NULL);
  /* The scan did look at the text: every record has fields, and the meta is full. */
  CHECK(scanned > 200);
  /* The detector itself finds readings. */
  CHECK(has_reading("鄉(xiāng)"));
  CHECK(has_reading("發(fā)"));
  CHECK(has_reading("綠(lǜ)"));
  CHECK(!has_reading("(2023—2025年)"));
  CHECK(!has_reading("字(de)"));
  /* Real parentheses of the digest survive (lines 14, 55, 124). */
  const char *want[] = {"45個縣(市)全覆蓋", "實施方案(試行)", "四會市(含肇慶高新區)"};
  for (size_t w = 0; w < 3; w++) {
    int found = 0;
    for (size_t i = 0; i < bqw_record_count(ds); i++) {
      const bqw_record *r = bqw_record_at(ds, i);
      found |= r->title && strstr(r->title, want[w]);
      for (size_t k = 0; k < r->measure_count; k++)
        found |= strstr(r->measures[k].text, want[w]) != NULL;
    }
    check_context(want[w]);
    CHECK(found);
  }
  check_context(NULL);
  bqw_dataset_free(ds);
}

int main(void) {
  test_table();
  test_through_loader();
  test_digest();
  return check_report("test_residue");
}
