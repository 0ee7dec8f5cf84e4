-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "doctype",
  kind = "filter",
  engine = true,
  description = "Document type (文种): 意见, 方案, 措施, 通知, 决定, 导则, 要点, 计划, … or its full ending (实施意见).",
  ops = { "=", "~" },
}
