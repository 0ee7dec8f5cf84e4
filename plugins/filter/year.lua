-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "year",
  kind = "filter",
  engine = true,
  description = "A year the record names or targets: year=2027, year>=2025, year<=2023,"
    .. " year=2023..2025.",
  ops = { "=", ">=", "<=", ">", "<" },
}
