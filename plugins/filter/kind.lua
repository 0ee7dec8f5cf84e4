-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "kind",
  kind = "filter",
  engine = true,
  description = "Record kind: document, city, guiding, target, meeting, other.",
  ops = { "=", "~" },
}
