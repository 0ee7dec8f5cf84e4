/*
 * gen_pinyin.c -- generates the pinyin readings table at build time from Unihan
 * (Debian's unicode-data: Unihan_Readings.txt, read on stdin). A character gets every
 * reading of kMandarin, kHanyuPinlu, kTGHZ2013 and kXHC1983 (modern usage, so 行 has
 * xing and hang), without tones (utf8proc strips the marks) and with ü written v.
 *
 * A character and its Simplified/Traditional variants (Unihan_Variants.txt:
 * kSimplifiedVariant, kTraditionalVariant) share their readings, so a word is found by
 * its pinyin in either script: Unihan gives 绿 lù and lǜ but 綠 only lǜ.
 *
 * usage: gen_pinyin Unihan_Readings.txt.bz2 Unihan_Variants.txt.bz2 OUT.h
 *        (decompressed with bzcat)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_READINGS 16

typedef struct reading_set {
  int cp;
  int count;
  char r[MAX_READINGS][8];
  char primary[8]; /* kMandarin's first reading, toneless: what sorting uses */
  int tone;        /* its tone, 1-4, 5 for the neutral one */
} reading_set;

static reading_set *sets;
static size_t nsets, capsets;

static reading_set *set_for(int cp) {
  if (nsets && sets[nsets - 1].cp == cp)
    return &sets[nsets - 1];
  if (nsets == capsets) {
    capsets = capsets ? capsets * 2 : 4096;
    sets = realloc(sets, capsets * sizeof *sets);
    if (!sets)
      exit(1);
  }
  memset(&sets[nsets], 0, sizeof *sets);
  sets[nsets].cp = cp;
  return &sets[nsets++];
}

/* One toned syllable ("xíng", "lǜ") to ASCII ("xing", "lv"); 0 when it is not pinyin.
 * *tone (when not NULL) gets its tone: 1-4, or 5 when it has no mark. */
static int toneless_tone(const char *s, size_t len, char *out, size_t cap, int *tone) {
  size_t n = 0;
  int t = 5;
  for (size_t i = 0; i < len;) {
    utf8proc_int32_t cp, d[4];
    utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                          (utf8proc_ssize_t)(len - i), &cp);
    if (k <= 0)
      return 0;
    i += (size_t)k;
    int boundclass = 0;
    utf8proc_ssize_t parts =
        utf8proc_decompose_char(cp, d, 4, UTF8PROC_DECOMPOSE, &boundclass);
    if (parts <= 0)
      return 0;
    char letter = 0;
    int umlaut = 0;
    for (utf8proc_ssize_t p = 0; p < parts; p++) {
      if (d[p] >= 'a' && d[p] <= 'z')
        letter = (char)d[p];
      else if (d[p] == 0x308)
        umlaut = 1;
      else if (d[p] == 0x304)
        t = 1;
      else if (d[p] == 0x301)
        t = 2;
      else if (d[p] == 0x30C)
        t = 3;
      else if (d[p] == 0x300)
        t = 4;
      else if (d[p] != 0x304 && d[p] != 0x301 && d[p] != 0x30C && d[p] != 0x300 &&
               d[p] != 0x302)
        return 0; /* not a tone mark, not ü, not ê */
    }
    if (!letter || n + 1 >= cap)
      return 0;
    out[n++] = umlaut && letter == 'u' ? 'v' : letter;
  }
  out[n] = '\0';
  if (tone)
    *tone = t;
  return n > 0;
}

static int toneless(const char *s, size_t len, char *out, size_t cap) {
  return toneless_tone(s, len, out, cap, NULL);
}

static void add(reading_set *set, const char *s, size_t len) {
  char r[8];
  if (!toneless(s, len, r, sizeof r))
    return;
  for (int i = 0; i < set->count; i++)
    if (!strcmp(set->r[i], r))
      return;
  if (set->count < MAX_READINGS)
    strcpy(set->r[set->count++], r);
}

static reading_set *find_set(int cp) {
  size_t lo = 0, hi = nsets;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (sets[mid].cp < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < nsets && sets[lo].cp == cp ? &sets[lo] : NULL;
}

static void share_readings(reading_set *to, const reading_set *from) {
  for (int i = 0; i < from->count; i++)
    add(to, from->r[i], strlen(from->r[i]));
}

/* Every kSimplifiedVariant/kTraditionalVariant pair shares its readings, both ways.
 * Returns the number of pairs, or -1 when the file cannot be read. */
static long read_variants(const char *path) {
  char command[4200];
  snprintf(command, sizeof command, "bzcat '%s'", path);
  FILE *in = popen(command, "r");
  if (!in)
    return -1;
  long pairs = 0;
  char line[4096];
  while (fgets(line, sizeof line, in)) {
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (strncmp(line, "U+", 2) || !tab2)
      continue;
    *tab1 = *tab2 = '\0';
    if (strcmp(tab1 + 1, "kSimplifiedVariant") && strcmp(tab1 + 1, "kTraditionalVariant"))
      continue;
    reading_set *a = find_set((int)strtol(line + 2, NULL, 16));
    for (char *v = strstr(tab2 + 1, "U+"); a && v; v = strstr(v + 2, "U+")) {
      reading_set *b = find_set((int)strtol(v + 2, NULL, 16));
      if (b && b != a) {
        share_readings(a, b);
        share_readings(b, a);
        pairs++;
      }
    }
  }
  return pclose(in) == 0 ? pairs : -1;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr,
            "usage: gen_pinyin Unihan_Readings.txt.bz2 Unihan_Variants.txt.bz2 OUT.h\n");
    return 2;
  }
  char command[4200];
  snprintf(command, sizeof command, "bzcat '%s'", argv[1]);
  FILE *in = popen(command, "r");
  if (!in) {
    fprintf(stderr, "gen_pinyin: cannot run %s\n", command);
    return 1;
  }
  static const char *const fields[] = {"kMandarin", "kHanyuPinlu", "kTGHZ2013",
                                       "kXHC1983"};
  char line[4096];
  while (fgets(line, sizeof line, in)) {
    if (strncmp(line, "U+", 2))
      continue;
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2)
      continue;
    *tab1 = *tab2 = '\0';
    int known = 0;
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++)
      known |= !strcmp(tab1 + 1, fields[f]);
    if (!known)
      continue;
    int cp = (int)strtol(line + 2, NULL, 16);
    reading_set *set = set_for(cp);
    if (!strcmp(tab1 + 1, "kMandarin")) {
      const char *v = tab2 + 1;
      size_t vlen = strcspn(v, " \n");
      if (!toneless_tone(v, vlen, set->primary, sizeof set->primary, &set->tone))
        set->primary[0] = '\0';
    }
    /* values: "xíng háng", "xìng(499) xīng(164)", "0442.080:háng 1290.030:xíng" */
    for (char *p = tab2 + 1; *p && *p != '\n';) {
      while (*p == ' ')
        p++;
      char *end = p;
      while (*end && *end != ' ' && *end != '\n')
        end++;
      char *word = strchr(p, ':');
      word = word && word < end ? word + 1 : p;
      char *paren = memchr(word, '(', (size_t)(end - word));
      for (char *w = word; w < (paren ? paren : end);) {
        char *comma = memchr(w, ',', (size_t)((paren ? paren : end) - w));
        char *wend = comma ? comma : (paren ? paren : end);
        add(set, w, (size_t)(wend - w));
        w = wend + (comma ? 1 : 0);
        if (!comma)
          break;
      }
      p = end;
    }
  }
  if (pclose(in) != 0 || nsets < 1000) {
    fprintf(stderr, "gen_pinyin: could not read the readings from %s\n", argv[1]);
    return 1;
  }
  long pairs = read_variants(argv[2]);
  if (pairs < 1000) {
    fprintf(stderr, "gen_pinyin: could not read the variants from %s\n", argv[2]);
    return 1;
  }
  FILE *o = fopen(argv[3], "w");
  if (!o)
    return 1;
  fprintf(o, "/* Generated by tools/gen_pinyin.c from Unihan; do not edit. */\n");
  fprintf(o, "static const unsigned pinyin_cp[%zu] = {", nsets);
  for (size_t i = 0; i < nsets; i++)
    fprintf(o, "%s%d,", i % 12 ? "" : "\n ", sets[i].cp);
  /* The strings in one pool, found by offset: a table of pointers would be 83,000
   * relocations for the dynamic loader at every start of every program linking libbqw. */
  unsigned *readings_at = malloc(nsets * sizeof *readings_at);
  unsigned *primary_at = malloc(nsets * sizeof *primary_at);
  if (!readings_at || !primary_at)
    return 1;
  unsigned pool = 0;
  char primary[16];
  fprintf(o, "};\n/* per character: its readings, space separated, then the primary "
             "reading and\n"
             " * its tone (\"chao2\"; the first reading when Unihan names none), each "
             "ending in a NUL */\n"
             "static const char pinyin_pool[] =");
  for (size_t i = 0; i < nsets; i++) {
    readings_at[i] = pool;
    fprintf(o, "\n \"");
    for (int r = 0; r < sets[i].count; r++) {
      fprintf(o, "%s%s", r ? " " : "", sets[i].r[r]);
      pool += (unsigned)strlen(sets[i].r[r]) + (r ? 1 : 0);
    }
    pool += 1;
    const char *p = sets[i].primary[0] ? sets[i].primary : sets[i].r[0];
    snprintf(primary, sizeof primary, "%s%d", p, sets[i].primary[0] ? sets[i].tone : 5);
    primary_at[i] = pool;
    pool += (unsigned)strlen(primary) + 1;
    fprintf(o, "\\0\" \"%s\\0\"", primary);
  }
  fprintf(o, ";\nstatic const unsigned pinyin_readings_at[%zu] = {", nsets);
  for (size_t i = 0; i < nsets; i++)
    fprintf(o, "%s%u,", i % 10 ? "" : "\n ", readings_at[i]);
  fprintf(o, "};\nstatic const unsigned pinyin_primary_at[%zu] = {", nsets);
  for (size_t i = 0; i < nsets; i++)
    fprintf(o, "%s%u,", i % 10 ? "" : "\n ", primary_at[i]);
  fprintf(o, "};\n");
  fclose(o);
  return 0;
}
