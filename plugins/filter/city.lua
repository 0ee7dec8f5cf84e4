-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "city",
  kind = "filter",
  engine = true,
  description = "City of a city entry (广州 or 廣州); ~ for part of the name.",
  ops = { "=", "~" },
}
