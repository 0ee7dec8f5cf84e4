-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "level",
  kind = "filter",
  engine = true,
  description = "Level: province (provincial records) or city (city entries).",
  ops = { "=", "~" },
}
