-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "text",
  kind = "filter",
  engine = true,
  description = "Text anywhere in a record (title, city, headline, measures, prose, category),"
    .. " by the search index: either script, full- or half-width, any case; ~ and = both mean contains.",
  ops = { "~", "=" },
}
