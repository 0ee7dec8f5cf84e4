/*
 * schema.c -- the field schema (bqw_schema.h) and the value of a field of a row.
 * Every front end reads records through bqw_record_value, so a field's value, and
 * whether it applies to a kind, is decided here once.
 */
#include "internal.h"

#include <string.h>

static const bqw_field_info fields[BQW_F_COUNT] = {
#define XX(id, name, word, type, kinds, flags, present, also, desc)                      \
  {BQW_F_##id, name, word, type, kinds, flags, present, also, desc},
#include "bqw_schema.h"
#undef XX
};

size_t bqw_schema_count(void) { return BQW_F_COUNT; }

const bqw_field_info *bqw_schema_field(size_t i) {
  return i < BQW_F_COUNT ? &fields[i] : NULL;
}

static bool same(const char *word, const char *s, size_t len) {
  return word && strlen(word) == len && memcmp(word, s, len) == 0;
}

const bqw_field_info *bqw_schema_find(const char *name, size_t len) {
  if (!name)
    return NULL;
  for (size_t i = 0; i < BQW_F_COUNT; i++)
    if (same(fields[i].filter, name, len))
      return &fields[i];
  for (size_t i = 0; i < BQW_F_COUNT; i++)
    if (same(fields[i].name, name, len))
      return &fields[i];
  return NULL;
}

const bqw_field_info *bqw_schema_key(const char *name, size_t len) {
  for (size_t i = 0; name && i < BQW_F_COUNT; i++)
    if (same(fields[i].name, name, len))
      return &fields[i];
  return NULL;
}

const char *bqw_list_joiner(const char *key, size_t len) {
  for (size_t i = 0; key && i < BQW_F_COUNT; i++)
    if (same(fields[i].name, key, len))
      return fields[i].type == BQW_TYPE_TEXTS && (fields[i].flags & BQW_FLAG_MEASURES)
                 ? "\n"
                 : "; ";
  return "; ";
}

const char *bqw_value_text_at(const bqw_value *v, size_t i) {
  if (!v || v->type != BQW_TYPE_TEXTS || i >= v->count)
    return NULL;
  return *(const char *const *)((const char *)v->items + i * v->stride);
}

long long bqw_value_int_at(const bqw_value *v, size_t i) {
  if (!v || v->type != BQW_TYPE_INTEGERS || i >= v->count)
    return 0;
  const char *p = (const char *)v->items + i * v->stride;
  /* measure_lines walk the measures' line member; years are plain ints */
  if (v->stride == sizeof(bqw_measure))
    return ((const bqw_measure *)p)->line;
  return *(const int *)p;
}

static void set_text(bqw_value *v, bqw_type type, const char *s) {
  if (s) {
    v->type = type;
    v->text = s;
  }
}

static void set_int(bqw_value *v, long long i) {
  v->type = BQW_TYPE_INTEGER;
  v->integer = i;
}

static void set_list(bqw_value *v, bqw_type type, const void *items, size_t count,
                     size_t stride) {
  v->type = type;
  v->items = items;
  v->count = count;
  v->stride = stride;
}

/* The value as the record holds it; the schema's kinds decide before this is asked
 * whether the field applies at all. */
static void field_value(const bqw_dataset *ds, const bqw_record *r, size_t index,
                        size_t m, bqw_field_id f, bqw_value *v) {
  /* none when a load failed before derive_records made the table */
  static const record_derived none = {0};
  const record_derived *x = ds->derived ? &ds->derived[index] : &none;
  const record_docno *dn = x->docno ? &ds->docnos[x->docno - 1] : NULL;
  const doctype *dt = x->doctype ? &ds->facts.doctypes[x->doctype - 1] : NULL;
  switch (f) {
  case BQW_F_ID:
    set_int(v, (long long)index + 1);
    break;
  case BQW_F_KIND:
    set_text(v, BQW_TYPE_TEXT, bqw_kind_name(r->kind));
    break;
  case BQW_F_SECTION:
    set_text(v, BQW_TYPE_TEXT, bqw_section_name(r->section));
    break;
  case BQW_F_SECTION_TITLE:
    set_text(v, BQW_TYPE_TEXT, r->section_title);
    break;
  case BQW_F_LINE:
    set_int(v, r->line);
    break;
  case BQW_F_PARENT:
    if (r->parent)
      set_int(v, r->parent);
    break;
  case BQW_F_CATEGORY:
    set_text(v, BQW_TYPE_TEXT, r->category);
    break;
  case BQW_F_CITY:
    set_text(v, BQW_TYPE_TEXT, r->city);
    break;
  case BQW_F_REGION:
    set_text(v, BQW_TYPE_TEXT, r->region);
    break;
  case BQW_F_ACTION:
    if (r->action != BQW_ACTION_NONE)
      set_text(v, BQW_TYPE_TEXT, bqw_action_name(r->action));
    break;
  case BQW_F_HEADLINE:
    set_text(v, BQW_TYPE_TEXT, r->headline);
    break;
  case BQW_F_HEADLINES:
    if (r->headline_count)
      set_list(v, BQW_TYPE_TEXTS, r->headlines, r->headline_count, sizeof *r->headlines);
    break;
  case BQW_F_TITLE:
    set_text(v, BQW_TYPE_TEXT, r->title);
    break;
  case BQW_F_DOCNO:
    if (dn)
      set_text(v, BQW_TYPE_TEXT, dn->text);
    break;
  case BQW_F_DOCNO_ISSUER:
    if (dn)
      set_text(v, BQW_TYPE_TEXT, dn->issuer);
    break;
  case BQW_F_DOCNO_YEAR:
  case BQW_F_DOCNO_NUMBER:
    if (dn)
      set_int(v, f == BQW_F_DOCNO_YEAR ? dn->year : dn->number);
    break;
  case BQW_F_YEAR:
    if (r->year)
      set_int(v, r->year);
    break;
  case BQW_F_DATE:
    set_text(v, BQW_TYPE_DATE, r->date);
    break;
  case BQW_F_DATE_TO:
    set_text(v, BQW_TYPE_DATE, r->date_to);
    break;
  case BQW_F_TEXT:
    set_text(v, BQW_TYPE_TEXT, r->text);
    break;
  case BQW_F_LEVEL:
    set_text(v, BQW_TYPE_TEXT, bqw_level_name(record_level(r)));
    break;
  case BQW_F_ISSUERS:
    set_list(v, BQW_TYPE_TEXTS, x->issuer_count ? ds->name_pool + x->issuers : NULL,
             x->issuer_count, sizeof *ds->name_pool);
    break;
  case BQW_F_DOCTYPE:
    if (dt)
      set_text(v, BQW_TYPE_TEXT, dt->type);
    break;
  case BQW_F_DOCTYPE_DETAIL:
    if (dt)
      set_text(v, BQW_TYPE_TEXT, dt->ending_hans);
    break;
  case BQW_F_PERIOD_FROM:
  case BQW_F_PERIOD_TO:
    if (x->period[0] || x->period[1])
      set_int(v, x->period[f == BQW_F_PERIOD_TO]);
    break;
  case BQW_F_YEARS:
    set_list(v, BQW_TYPE_INTEGERS, x->year_count ? ds->year_pool + x->years : NULL,
             x->year_count, sizeof *ds->year_pool);
    break;
  case BQW_F_MENTIONS:
    set_list(v, BQW_TYPE_TEXTS, x->mention_count ? ds->name_pool + x->mentions : NULL,
             x->mention_count, sizeof *ds->name_pool);
    break;
  case BQW_F_MEASURES:
    set_list(v, BQW_TYPE_TEXTS, r->measure_count ? &r->measures[0].text : NULL,
             r->measure_count, sizeof(bqw_measure));
    break;
  case BQW_F_MEASURE_LINES:
    set_list(v, BQW_TYPE_INTEGERS, r->measures, r->measure_count, sizeof(bqw_measure));
    break;
  case BQW_F_MEASURE_INDEX:
    set_int(v, (long long)m);
    break;
  case BQW_F_MEASURE:
    set_text(v, BQW_TYPE_TEXT, r->measures[m - 1].text);
    break;
  case BQW_F_MEASURE_LINE:
    set_int(v, r->measures[m - 1].line);
    break;
  case BQW_F_CODE: {
    const char *const *names;
    size_t count;
    if (dataset_code_names(ds, index, m, &names, &count))
      set_list(v, BQW_TYPE_TEXTS, names, count, sizeof *names);
    break;
  }
  case BQW_F_COUNT:
    break;
  }
}

size_t bqw_record_measure_rows(const bqw_dataset *ds, size_t record) {
  const bqw_record *r = ds ? bqw_record_at(ds, record) : NULL;
  if (!r || !(bqw_schema_field(BQW_F_MEASURE)->kinds & BQW_KIND_BIT(r->kind)))
    return 0;
  return r->measure_count;
}

int bqw_record_value(const bqw_dataset *ds, size_t record, size_t measure,
                     bqw_field_id field, bqw_value *out) {
  if (!out)
    return BQW_EINVAL;
  memset(out, 0, sizeof *out);
  const bqw_record *r = ds ? bqw_record_at(ds, record) : NULL;
  if (!r || measure > r->measure_count || (unsigned)field >= BQW_F_COUNT)
    return BQW_ERANGE;
  const bqw_field_info *fi = &fields[field];
  out->present = fi->present;
  if (!(fi->kinds & BQW_KIND_BIT(r->kind)))
    return 0;
  /* a measure row has the measure's fields and not the record's list of them; a
   * record row the reverse */
  bool measure_only = fi->flags & BQW_FLAG_MEASURE;
  if (measure_only != (measure > 0) && (measure_only || (fi->flags & BQW_FLAG_MEASURES)))
    return 0;
  field_value(ds, r, record, measure, field, out);
  return 0;
}

/* The column sets (bqw.h): selections of the schema in an output's own order. */
#define F(x) BQW_F_##x
static const bqw_field_id flat_record[] = {
    F(ID),      F(KIND),        F(LEVEL),     F(SECTION),  F(CATEGORY), F(CITY),
    F(REGION),  F(ACTION),      F(TITLE),     F(DOCNO),    F(HEADLINE), F(ISSUERS),
    F(DOCTYPE), F(PERIOD_FROM), F(PERIOD_TO), F(YEAR),     F(DATE),     F(DATE_TO),
    F(YEARS),   F(MENTIONS),    F(TEXT),      F(MEASURES), F(LINE)};
static const bqw_field_id flat_measure[] = {
    F(ID),      F(KIND),          F(LEVEL),   F(SECTION),      F(CATEGORY),
    F(CITY),    F(REGION),        F(TITLE),   F(DOCNO),        F(HEADLINE),
    F(ISSUERS), F(DOCTYPE),       F(YEAR),    F(DATE),         F(DATE_TO),
    F(TEXT),    F(MEASURE_INDEX), F(MEASURE), F(MEASURE_LINE), F(LINE)};
static const bqw_field_id table_record[] = {
    F(ID),   F(KIND),  F(CATEGORY), F(CITY), F(REGION), F(YEAR),
    F(DATE), F(TITLE), F(HEADLINE), F(TEXT), F(YEARS),  F(MEASURES)};
static const bqw_field_id table_measure[] = {
    F(ID),    F(KIND),     F(CATEGORY), F(CITY),          F(YEAR),   F(DATE),
    F(TITLE), F(HEADLINE), F(TEXT),     F(MEASURE_INDEX), F(MEASURE)};
static const bqw_field_id ndjson[] = {
    F(ID),          F(KIND),          F(SECTION),    F(SECTION_TITLE),
    F(LINE),        F(MEASURE_INDEX), F(MEASURE),    F(MEASURE_LINE),
    F(PARENT),      F(CATEGORY),      F(CITY),       F(REGION),
    F(ACTION),      F(HEADLINE),      F(HEADLINES),  F(TITLE),
    F(DOCNO),       F(DOCNO_ISSUER),  F(DOCNO_YEAR), F(DOCNO_NUMBER),
    F(YEAR),        F(DATE),          F(DATE_TO),    F(TEXT),
    F(LEVEL),       F(ISSUERS),       F(DOCTYPE),    F(DOCTYPE_DETAIL),
    F(PERIOD_FROM), F(PERIOD_TO),     F(YEARS),      F(MENTIONS),
    F(MEASURES),    F(MEASURE_LINES)};
static const bqw_field_id sqlite[] = {F(ID),          F(KIND),          F(LEVEL),
                                      F(SECTION),     F(SECTION_TITLE), F(CATEGORY),
                                      F(CITY),        F(REGION),        F(ACTION),
                                      F(TITLE),       F(DOCNO),         F(DOCNO_ISSUER),
                                      F(DOCNO_YEAR),  F(DOCNO_NUMBER),  F(HEADLINE),
                                      F(YEAR),        F(DATE),          F(DATE_TO),
                                      F(TEXT),        F(DOCTYPE),       F(DOCTYPE_DETAIL),
                                      F(PERIOD_FROM), F(PERIOD_TO),     F(LINE),
                                      F(YEARS)};
static const bqw_field_id detail[] = {F(ID),          F(KIND),          F(LINE),
                                      F(SECTION),     F(SECTION_TITLE), F(CATEGORY),
                                      F(CITY),        F(REGION),        F(TITLE),
                                      F(DOCNO),       F(HEADLINE),      F(ACTION),
                                      F(DATE),        F(DATE_TO),       F(YEAR),
                                      F(PARENT),      F(TEXT),          F(LEVEL),
                                      F(ISSUERS),     F(DOCTYPE),       F(DOCTYPE_DETAIL),
                                      F(PERIOD_FROM), F(PERIOD_TO),     F(YEARS),
                                      F(MENTIONS)};
#undef F

#define SET(name, a)                                                                     \
  { name, a, sizeof a / sizeof a[0] }
static const struct {
  const char *name;
  const bqw_field_id *fields;
  size_t count;
} column_sets[BQW_COLUMNS_COUNT] = {SET("flat_record", flat_record),
                                    SET("flat_measure", flat_measure),
                                    SET("table_record", table_record),
                                    SET("table_measure", table_measure),
                                    SET("ndjson", ndjson),
                                    SET("sqlite", sqlite),
                                    SET("detail", detail)};
#undef SET

const char *bqw_column_set_name(bqw_column_set set) {
  return (unsigned)set < BQW_COLUMNS_COUNT ? column_sets[set].name : NULL;
}

const bqw_field_id *bqw_schema_columns(bqw_column_set set, size_t *count) {
  bool ok = (unsigned)set < BQW_COLUMNS_COUNT;
  if (count)
    *count = ok ? column_sets[set].count : 0;
  return ok ? column_sets[set].fields : NULL;
}
