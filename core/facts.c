/*
 * facts.c -- the curated tables of data/ (repairs, gazetteer, structure words, known
 * defects), embedded at build time and parsed into a dataset's arena at load.
 * Format: UTF-8, one row a line, fields separated by TAB, '#' starts a comment line.
 */
#include "internal.h"

#include <string.h>

extern const unsigned char bqw_data_repairs[], bqw_data_regions[], bqw_data_structure[],
    bqw_data_defects[], bqw_data_digest[], bqw_data_places[], bqw_data_issuers[],
    bqw_data_doctypes[], bqw_data_convert_overrides[], bqw_data_convert_zhe[],
    bqw_data_codebook_tools[], bqw_data_codebook_themes[];
extern const size_t bqw_data_repairs_len, bqw_data_regions_len, bqw_data_structure_len,
    bqw_data_defects_len, bqw_data_digest_len, bqw_data_places_len, bqw_data_issuers_len,
    bqw_data_doctypes_len, bqw_data_convert_overrides_len, bqw_data_convert_zhe_len,
    bqw_data_codebook_tools_len, bqw_data_codebook_themes_len;

const char *bqw_fact_table(const char *name, size_t *len) {
  static const struct {
    const char *name;
    const unsigned char *data;
    const size_t *len;
  } tables[] = {
      {"repairs", bqw_data_repairs, &bqw_data_repairs_len},
      {"regions", bqw_data_regions, &bqw_data_regions_len},
      {"structure", bqw_data_structure, &bqw_data_structure_len},
      {"defects", bqw_data_defects, &bqw_data_defects_len},
      {"places", bqw_data_places, &bqw_data_places_len},
      {"issuers", bqw_data_issuers, &bqw_data_issuers_len},
      {"doctypes", bqw_data_doctypes, &bqw_data_doctypes_len},
      {"convert-overrides", bqw_data_convert_overrides, &bqw_data_convert_overrides_len},
      {"convert-zhe", bqw_data_convert_zhe, &bqw_data_convert_zhe_len},
      {"codebook-policy-tools", bqw_data_codebook_tools, &bqw_data_codebook_tools_len},
      {"codebook-themes", bqw_data_codebook_themes, &bqw_data_codebook_themes_len}};
  for (size_t i = 0; name && i < sizeof tables / sizeof *tables; i++)
    if (!strcmp(tables[i].name, name)) {
      if (len)
        *len = *tables[i].len;
      return (const char *)tables[i].data;
    }
  return NULL;
}

#define MAX_FIELDS 5

/* Calls row() for each data row with its fields (NUL terminated, in the arena). */
static int each_row(arena *a, const unsigned char *data, size_t len, size_t want,
                    int (*row)(void *ctx, char **fields), void *ctx) {
  const char *p = (const char *)data, *end = p + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
      eol = end;
    if (eol > p && *p != '#') {
      char *fields[MAX_FIELDS] = {0};
      size_t nf = 0;
      const char *f = p;
      while (nf < want) {
        const char *tab = memchr(f, '\t', (size_t)(eol - f));
        const char *fe = tab && nf + 1 < want ? tab : eol;
        if (!(fields[nf++] = arena_strndup(a, f, (size_t)(fe - f))))
          return BQW_ENOMEM;
        if (fe == eol)
          break;
        f = fe + 1;
      }
      int rc = row(ctx, fields);
      if (rc)
        return rc;
    }
    p = eol + 1;
  }
  return 0;
}

typedef struct table {
  arena *a;
  void **items;
  size_t *count;
  size_t item_size;
  size_t cap;
} table;

static void *table_push(table *t) {
  if (*t->count == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    void *p = arena_alloc(t->a, cap * t->item_size);
    if (!p)
      return NULL;
    if (*t->count)
      memcpy(p, *t->items, *t->count * t->item_size);
    *t->items = p;
    t->cap = cap;
  }
  return (char *)*t->items + (*t->count)++ * t->item_size;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

/* The character of s that occurs least often in the shipped digest, so the scan for
 * it rules out nearly every line (the first such character on ties). */
static int32_t rarest_char(const char *s, size_t len) {
  int32_t best = 0;
  size_t best_count = (size_t)-1;
  for (size_t i = 0; i < len;) {
    int32_t cp;
    size_t k = text_decode((const unsigned char *)s + i, len - i, &cp);
    if (!k)
      return 0;
    size_t count = 0;
    const unsigned char *p = bqw_data_digest, *end = p + bqw_data_digest_len;
    while ((p = memmem(p, (size_t)(end - p), s + i, k)) != NULL) {
      count++;
      p += k;
    }
    if (count < best_count) {
      best = cp;
      best_count = count;
    }
    i += k;
  }
  return best;
}

static int repair_row(void *ctx, char **f) {
  repair *r = table_push(ctx);
  if (!r)
    return BQW_ENOMEM;
  *r = (repair){.corrupted = f[0], .correct = or_empty(f[1]), .reason = or_empty(f[2])};
  r->corrupted_len = strlen(r->corrupted);
  r->anchor = rarest_char(r->corrupted, r->corrupted_len);
  r->correct_len = strlen(r->correct);
  return 0;
}

/* s converted to script into the arena (s itself when unchanged); NULL when out of
 * memory. */
static const char *converted(arena *a, const char *s, bqw_script script) {
  char *out = NULL;
  size_t len = 0;
  if (bqw_convert(s, strlen(s), script, &out, &len))
    return NULL;
  const char *r = strcmp(out, s) ? arena_strndup(a, out, len) : s;
  bqw_free(out);
  return r;
}

/* Each row's correct text in either script, and each form its corrupted span takes in
 * the other script (derived here, never by hand), as repairs of their own. */
static int repair_forms(facts *f, table *t) {
  size_t rows = f->repair_count;
  for (size_t i = 0; i < rows; i++)
    f->repairs[i].row = i;
  for (size_t i = 0; i < rows; i++) {
    repair *r = &f->repairs[i];
    const char *hans = converted(t->a, r->correct, BQW_SCRIPT_HANS);
    const char *hant = converted(t->a, r->correct, BQW_SCRIPT_HANT);
    if (!hans || !hant)
      return BQW_ENOMEM;
    /* the row's own text where Simplified changes it (it is Traditional) or
     * Traditional does not */
    if (hans != r->correct || hant == r->correct)
      hant = r->correct;
    r->correct_hans = hans;
    r->correct_hant = hant;
    r->correct_hans_len = strlen(hans);
    r->correct_hant_len = strlen(hant);
    for (int s = 0; s < 2; s++) {
      const char *bad =
          converted(t->a, f->repairs[i].corrupted, s ? BQW_SCRIPT_HANT : BQW_SCRIPT_HANS);
      if (!bad)
        return BQW_ENOMEM;
      bool known = false;
      for (size_t j = 0; j < f->repair_count && !known; j++)
        known = f->repairs[j].row == i && !strcmp(f->repairs[j].corrupted, bad);
      if (known)
        continue;
      repair *v = table_push(t);
      if (!v)
        return BQW_ENOMEM;
      *v = f->repairs[i];
      const char *good = s ? f->repairs[i].correct_hant : f->repairs[i].correct_hans;
      v->corrupted = bad;
      v->corrupted_len = strlen(bad);
      v->anchor = rarest_char(bad, v->corrupted_len);
      v->correct = v->correct_hans = v->correct_hant = good;
      v->correct_len = v->correct_hans_len = v->correct_hant_len = strlen(good);
    }
  }
  return 0;
}

static int place_row(void *ctx, char **f) {
  place *p = table_push(ctx);
  if (!p)
    return BQW_ENOMEM;
  *p = (place){f[0], or_empty(f[1]), or_empty(f[2]), or_empty(f[3])};
  return 0;
}

static keyword_role role_of(const char *name) {
  static const struct {
    const char *name;
    keyword_role role;
  } roles[] = {{"section.province", ROLE_SECTION_PROVINCE},
               {"section.city", ROLE_SECTION_CITY},
               {"section.guiding", ROLE_SECTION_GUIDING},
               {"section.timeline", ROLE_SECTION_TIMELINE},
               {"label.targets", ROLE_LABEL_TARGETS},
               {"category", ROLE_CATEGORY},
               {"source", ROLE_SOURCE},
               {"action.issue", ROLE_ACTION_ISSUE},
               {"action.meeting", ROLE_ACTION_MEETING}};
  for (size_t i = 0; i < sizeof roles / sizeof *roles; i++)
    if (!strcmp(roles[i].name, name))
      return roles[i].role;
  return ROLE_UNKNOWN;
}

static int keyword_row(void *ctx, char **f) {
  keyword *k = table_push(ctx);
  if (!k)
    return BQW_ENOMEM;
  *k = (keyword){role_of(f[0]), or_empty(f[1]), strlen(or_empty(f[1]))};
  return 0;
}

static int defect_row(void *ctx, char **f) {
  defect *d = table_push(ctx);
  if (!d)
    return BQW_ENOMEM;
  *d = (defect){f[0], or_empty(f[1]), strlen(f[0])};
  return 0;
}

static int issuer_row(void *ctx, char **f) {
  issuer *r = table_push(ctx);
  if (!r)
    return BQW_ENOMEM;
  *r = (issuer){f[0], or_empty(f[1]), strlen(f[0]), strlen(or_empty(f[1]))};
  return 0;
}

static int doctype_row(void *ctx, char **f) {
  doctype *r = table_push(ctx);
  if (!r)
    return BQW_ENOMEM;
  *r = (doctype){f[0], or_empty(f[1]), or_empty(f[2]), strlen(f[0]),
                 strlen(or_empty(f[1]))};
  return 0;
}

/* The places.tsv rows, kept only for their two names. */
static int gazetteer_row(void *ctx, char **f) {
  place *p = table_push(ctx);
  if (!p)
    return BQW_ENOMEM;
  *p = (place){f[0], or_empty(f[1]), "", ""};
  return 0;
}

/* Longest Simplified string first; insertion sort, stable, on a few dozen rows. */
#define SORT_LONGEST_FIRST(type, items, count)                                           \
  for (size_t i_ = 1; i_ < (count); i_++) {                                              \
    type item_ = (items)[i_];                                                            \
    size_t j_ = i_;                                                                      \
    for (; j_ > 0 && (items)[j_ - 1].hans_len < item_.hans_len; j_--)                    \
      (items)[j_] = (items)[j_ - 1];                                                     \
    (items)[j_] = item_;                                                                 \
  }

static int add_place(facts *f, table *canon, table *names, const char *hans,
                     const char *hant) {
  const char **c = table_push(canon);
  place_name *n1 = c ? table_push(names) : NULL;
  if (!n1)
    return BQW_ENOMEM;
  *c = hans;
  uint32_t id = (uint32_t)(f->mention_place_count - 1);
  *n1 = (place_name){hans, strlen(hans), id};
  if (*hant && strcmp(hant, hans)) {
    place_name *n2 = table_push(names);
    if (!n2)
      return BQW_ENOMEM;
    *n2 = (place_name){hant, strlen(hant), id};
  }
  return 0;
}

/* The gazetteer of mentions: regions (once each, in order of first appearance), the
 * cities, then the places of places.tsv. */
static int gazetteer_load(facts *f, arena *a) {
  place *extra = NULL;
  size_t extra_count = 0;
  table extras = {a, (void **)&extra, &extra_count, sizeof(place), 0};
  int rc = each_row(a, bqw_data_places, bqw_data_places_len, 4, gazetteer_row, &extras);
  if (rc)
    return rc;
  table canon = {a, (void **)&f->mention_places, &f->mention_place_count,
                 sizeof(const char *), 0};
  table names = {a, (void **)&f->place_names, &f->place_name_count, sizeof(place_name),
                 0};
  for (size_t i = 0; i < f->place_count; i++) {
    const place *p = &f->places[i];
    bool seen = false;
    for (size_t j = 0; j < i && !seen; j++)
      seen = !strcmp(f->places[j].region_hans, p->region_hans);
    if (!seen && (rc = add_place(f, &canon, &names, p->region_hans, p->region_hant)))
      return rc;
  }
  for (size_t i = 0; i < f->place_count; i++)
    if ((rc = add_place(f, &canon, &names, f->places[i].name_hans,
                        f->places[i].name_hant)))
      return rc;
  for (size_t i = 0; i < extra_count; i++)
    if ((rc = add_place(f, &canon, &names, extra[i].name_hans, extra[i].name_hant)))
      return rc;
  return 0;
}

int facts_load(facts *f, arena *a) {
  memset(f, 0, sizeof *f);
  table repairs = {a, (void **)&f->repairs, &f->repair_count, sizeof(repair), 0};
  table places = {a, (void **)&f->places, &f->place_count, sizeof(place), 0};
  table keywords = {a, (void **)&f->keywords, &f->keyword_count, sizeof(keyword), 0};
  table defects = {a, (void **)&f->defects, &f->defect_count, sizeof(defect), 0};
  table issuers = {a, (void **)&f->issuers, &f->issuer_count, sizeof(issuer), 0};
  table doctypes = {a, (void **)&f->doctypes, &f->doctype_count, sizeof(doctype), 0};
  int rc;
  if ((rc = each_row(a, bqw_data_repairs, bqw_data_repairs_len, 5, repair_row,
                     &repairs)) ||
      (rc = each_row(a, bqw_data_regions, bqw_data_regions_len, 4, place_row, &places)) ||
      (rc = each_row(a, bqw_data_structure, bqw_data_structure_len, 2, keyword_row,
                     &keywords)) ||
      (rc = each_row(a, bqw_data_defects, bqw_data_defects_len, 2, defect_row,
                     &defects)) ||
      (rc = each_row(a, bqw_data_issuers, bqw_data_issuers_len, 3, issuer_row,
                     &issuers)) ||
      (rc = each_row(a, bqw_data_doctypes, bqw_data_doctypes_len, 3, doctype_row,
                     &doctypes)) ||
      (rc = gazetteer_load(f, a)) || (rc = repair_forms(f, &repairs)))
    return rc;
  SORT_LONGEST_FIRST(issuer, f->issuers, f->issuer_count)
  SORT_LONGEST_FIRST(doctype, f->doctypes, f->doctype_count)
  return 0;
}
