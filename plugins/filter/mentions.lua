-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "mentions",
  kind = "filter",
  engine = true,
  description = "A place of the gazetteer the record names (肇庆, 深汕合作区, 粤北, …).",
  ops = { "=", "~" },
}
