-- A built-in filter: libbqw's query engine (core/query.c) tests it, over the field
-- schema; this file declares it (bqw plugins lists it, and a filter plugin of the
-- same name elsewhere replaces it).
return {
  name = "issuer",
  kind = "filter",
  engine = true,
  description = "Issuing body (发文机关) named by the title; ~ for part of it (~交通).",
  ops = { "=", "~" },
}
