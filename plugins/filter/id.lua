-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "id",
  kind = "filter",
  engine = true,
  description = "Record id (position in source order): id=12, id>=40, id=1..21.",
  ops = { "=", ">=", "<=", ">", "<" },
}
