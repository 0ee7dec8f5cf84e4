-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "region",
  kind = "filter",
  engine = true,
  description = "Region of a city entry: 珠三角, 粤东, 粤西, 粤北 (either script).",
  ops = { "=", "~" },
}
