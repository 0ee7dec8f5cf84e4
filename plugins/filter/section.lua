-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "section",
  kind = "filter",
  engine = true,
  description = "Section: province, city, guiding, timeline, other, or the heading as published;"
    .. " ~ for part of the heading.",
  ops = { "=", "~" },
}
