-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "category",
  kind = "filter",
  engine = true,
  description = "Category heading of a provincial document (县域发展, …); ~ for part of it.",
  ops = { "=", "~" },
}
