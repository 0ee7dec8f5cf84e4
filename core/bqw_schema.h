/*
 * bqw_schema.h -- the record schema of libbqw, as an X-macro; included by bqw.h
 * (only inside its XX definitions), installed beside it. One line per field, in export
 * column order (the order of a JSON record's keys and of the CSV columns):
 *
 *   XX(ID, record key, filter word | NULL, type, kinds, flags, present, also, what)
 *
 * Kinds: D document, C city entry, G guiding document, T target, M meeting, O other.
 * Adding a field here, and its value in core/schema.c's field_value(), is all it takes
 * for the Lua tables, filters, facets, sorts, exports, views and docs to carry it.
 */
#define BQW_K_D BQW_KIND_BIT(BQW_KIND_DOCUMENT)
#define BQW_K_C BQW_KIND_BIT(BQW_KIND_CITY)
#define BQW_K_G BQW_KIND_BIT(BQW_KIND_GUIDING)
#define BQW_K_T BQW_KIND_BIT(BQW_KIND_TARGET)
#define BQW_K_M BQW_KIND_BIT(BQW_KIND_MEETING)
#define BQW_K_O BQW_KIND_BIT(BQW_KIND_OTHER)
#define BQW_FS_TEXT (BQW_FLAG_FILTER | BQW_FLAG_FOLD | BQW_FLAG_SORT | BQW_FLAG_RECORD)
#define BQW_FS_VOCAB (BQW_FS_TEXT | BQW_FLAG_CLOSED | BQW_FLAG_FACET)
#define BQW_FS_NUMBER (BQW_FLAG_FILTER | BQW_FLAG_SORT | BQW_FLAG_RECORD)

XX(ID, "id", "id", BQW_TYPE_INTEGER, BQW_KINDS_ALL, BQW_FS_NUMBER, BQW_PRESENT_AS_IS, -1,
   "record id: its position in source order, from 1")
XX(KIND, "kind", "kind", BQW_TYPE_TEXT, BQW_KINDS_ALL, BQW_FS_VOCAB, BQW_PRESENT_AS_IS,
   -1, "document, city, guiding, target, meeting or other")
XX(SECTION, "section", "section", BQW_TYPE_TEXT, BQW_KINDS_ALL, BQW_FS_VOCAB,
   BQW_PRESENT_AS_IS, BQW_F_SECTION_TITLE,
   "preamble, province, city, guiding, timeline or other; a filter also tests the "
   "heading")
XX(SECTION_TITLE, "section_title", "section_title", BQW_TYPE_TEXT, BQW_KINDS_ALL,
   BQW_FS_TEXT | BQW_FLAG_FACET, BQW_PRESENT_TEXT, -1, "the section heading as published")
XX(LINE, "line", "line", BQW_TYPE_INTEGER, BQW_KINDS_ALL, BQW_FS_NUMBER,
   BQW_PRESENT_AS_IS, -1, "source line where the record starts")
XX(PARENT, "parent", "parent", BQW_TYPE_INTEGER, BQW_K_T, BQW_FS_NUMBER,
   BQW_PRESENT_AS_IS, -1, "a target's guiding document (its id)")
XX(CATEGORY, "category", "category", BQW_TYPE_TEXT, BQW_K_D, BQW_FS_VOCAB,
   BQW_PRESENT_TEXT, -1, "a provincial document's category heading (县域发展, …)")
XX(CITY, "city", "city", BQW_TYPE_TEXT, BQW_K_C, BQW_FS_VOCAB, BQW_PRESENT_NAME, -1,
   "a city entry's city, the gazetteer's name (广州)")
XX(REGION, "region", "region", BQW_TYPE_TEXT, BQW_K_C, BQW_FS_VOCAB, BQW_PRESENT_NAME, -1,
   "the city's region: 珠三角, 粤东, 粤西 or 粤北")
XX(ACTION, "action", "action", BQW_TYPE_TEXT, BQW_K_C, BQW_FS_VOCAB, BQW_PRESENT_AS_IS,
   -1, "what a city entry's headline does: issue, meeting or statement")
XX(HEADLINE, "headline", "headline", BQW_TYPE_TEXT, BQW_K_C, BQW_FS_TEXT,
   BQW_PRESENT_TEXT, -1, "the line under a city entry's name")
XX(HEADLINES, "headlines", "headlines", BQW_TYPE_TEXTS, BQW_K_C, BQW_FS_TEXT,
   BQW_PRESENT_TEXT, -1,
   "every line under a city entry's name before its measures (headline is the first)")
XX(TITLE, "title", "title", BQW_TYPE_TEXT, BQW_K_D | BQW_K_C | BQW_K_G | BQW_K_O,
   BQW_FS_TEXT, BQW_PRESENT_TEXT, -1, "the document title, without 《》")
XX(DOCNO, "docno", "docno", BQW_TYPE_TEXT, BQW_K_D | BQW_K_C | BQW_K_G, BQW_FS_TEXT,
   BQW_PRESENT_TEXT, -1,
   "the document number (文号) with or after the title, as published (粵府〔2023〕12號)")
XX(DOCNO_ISSUER, "docno_issuer", "docno_issuer", BQW_TYPE_TEXT,
   BQW_K_D | BQW_K_C | BQW_K_G, BQW_FS_TEXT | BQW_FLAG_FACET, BQW_PRESENT_NAME, -1,
   "the document number's issuer abbreviation, Simplified (粤府)")
XX(DOCNO_YEAR, "docno_year", "docno_year", BQW_TYPE_INTEGER, BQW_K_D | BQW_K_C | BQW_K_G,
   BQW_FS_NUMBER | BQW_FLAG_FACET, BQW_PRESENT_AS_IS, -1,
   "the document number's year (〔2023〕)")
XX(DOCNO_NUMBER, "docno_number", "docno_number", BQW_TYPE_INTEGER,
   BQW_K_D | BQW_K_C | BQW_K_G, BQW_FS_NUMBER, BQW_PRESENT_AS_IS, -1,
   "the document number's serial number (12 of 〔2023〕12號)")
XX(YEAR, "year", NULL, BQW_TYPE_INTEGER, BQW_K_T, BQW_FLAG_RECORD | BQW_FLAG_SORT,
   BQW_PRESENT_AS_IS, -1, "a target's year (the filter year tests years)")
XX(DATE, "date", "date", BQW_TYPE_DATE, BQW_K_M, BQW_FS_NUMBER, BQW_PRESENT_AS_IS, -1,
   "a meeting's date, YYYY-MM-DD")
XX(DATE_TO, "date_to", "date_to", BQW_TYPE_DATE, BQW_K_M, BQW_FS_NUMBER,
   BQW_PRESENT_AS_IS, -1, "the last day of a meeting dated a range of days, YYYY-MM-DD")
XX(TEXT, "text", "prose", BQW_TYPE_TEXT, BQW_K_T | BQW_K_M | BQW_K_O, BQW_FS_TEXT,
   BQW_PRESENT_TEXT, -1, "a target's, meeting's or other record's prose")
XX(LEVEL, "level", "level", BQW_TYPE_TEXT, BQW_KINDS_ALL, BQW_FS_VOCAB, BQW_PRESENT_AS_IS,
   -1, "province or city")
XX(ISSUERS, "issuers", "issuer", BQW_TYPE_TEXTS, BQW_K_D | BQW_K_C | BQW_K_G,
   BQW_FS_TEXT | BQW_FLAG_FACET, BQW_PRESENT_NAME, -1,
   "the issuing bodies the title opens with (data/issuers.tsv)")
XX(DOCTYPE, "doctype", "doctype", BQW_TYPE_TEXT, BQW_K_D | BQW_K_C | BQW_K_G,
   BQW_FS_VOCAB, BQW_PRESENT_NAME, BQW_F_DOCTYPE_DETAIL,
   "the document type (文种: 意见, 方案, …)")
XX(DOCTYPE_DETAIL, "doctype_detail", "doctype_detail", BQW_TYPE_TEXT,
   BQW_K_D | BQW_K_C | BQW_K_G, BQW_FS_TEXT, BQW_PRESENT_NAME, -1,
   "the title's ending that gave the type (实施意见)")
XX(PERIOD_FROM, "period_from", "period_from", BQW_TYPE_INTEGER,
   BQW_K_D | BQW_K_C | BQW_K_G, BQW_FS_NUMBER, BQW_PRESENT_AS_IS, -1,
   "first year of the period the title names")
XX(PERIOD_TO, "period_to", "period_to", BQW_TYPE_INTEGER, BQW_K_D | BQW_K_C | BQW_K_G,
   BQW_FS_NUMBER, BQW_PRESENT_AS_IS, -1, "last year of that period")
XX(YEARS, "years", "year", BQW_TYPE_INTEGERS, BQW_KINDS_ALL,
   BQW_FS_NUMBER | BQW_FLAG_FACET, BQW_PRESENT_AS_IS, -1,
   "every year the record names or targets")
XX(MENTIONS, "mentions", "mentions", BQW_TYPE_TEXTS, BQW_KINDS_ALL,
   BQW_FS_TEXT | BQW_FLAG_FACET, BQW_PRESENT_NAME, -1,
   "places of the gazetteer the record names")
XX(MEASURES, "measures", "measure", BQW_TYPE_TEXTS, BQW_K_D | BQW_K_C,
   BQW_FLAG_FILTER | BQW_FLAG_FOLD | BQW_FLAG_RECORD | BQW_FLAG_SORT | BQW_FLAG_MEASURES,
   BQW_PRESENT_TEXT, -1,
   "the ◎ measures (in the measure shape the filter tests the row's measure)")
XX(MEASURE_LINES, "measure_lines", NULL, BQW_TYPE_INTEGERS, BQW_K_D | BQW_K_C,
   BQW_FLAG_RECORD | BQW_FLAG_SORT | BQW_FLAG_MEASURES, BQW_PRESENT_AS_IS, -1,
   "each measure's source line")
XX(MEASURE_INDEX, "measure_index", "measure_index", BQW_TYPE_INTEGER, BQW_K_D | BQW_K_C,
   BQW_FLAG_MEASURE | BQW_FLAG_SORT | BQW_FLAG_FILTER, BQW_PRESENT_AS_IS, -1,
   "measure shape: the measure's place in its record, from 1")
XX(MEASURE, "measure", NULL, BQW_TYPE_TEXT, BQW_K_D | BQW_K_C,
   BQW_FLAG_MEASURE | BQW_FLAG_SORT, BQW_PRESENT_TEXT, -1,
   "measure shape: the measure's text")
XX(MEASURE_LINE, "measure_line", NULL, BQW_TYPE_INTEGER, BQW_K_D | BQW_K_C,
   BQW_FLAG_MEASURE | BQW_FLAG_SORT, BQW_PRESENT_AS_IS, -1,
   "measure shape: the measure's source line")
XX(CODE, "code", "code", BQW_TYPE_TEXTS, BQW_KINDS_ALL,
   BQW_FLAG_FILTER | BQW_FLAG_FOLD | BQW_FLAG_CLOSED | BQW_FLAG_FACET | BQW_FLAG_SORT,
   BQW_PRESENT_AS_IS, -1,
   "the codebook codes of the record's measures and prose, with their parents (in "
   "the measure shape the measure's)")

#undef BQW_K_D
#undef BQW_K_C
#undef BQW_K_G
#undef BQW_K_T
#undef BQW_K_M
#undef BQW_K_O
#undef BQW_FS_TEXT
#undef BQW_FS_VOCAB
#undef BQW_FS_NUMBER
