--- Newline-delimited JSON (NDJSON, JSON Lines): one compact JSON object per line, one
--- per record (shape "record", the default) or per measure row (shape "measure": the
--- record's fields with measure, measure_index and measure_line, its measures and
--- measure_lines left out; a record without measures still gives one object, without
--- those three keys). Every line is a record: there is no meta line and no header, so
--- `jq -c`, `mlr --ijsonl` or a line-by-line reader gets only records (`bqw export
--- --format json` has the meta). Values keep their JSON types (numbers, lists).
---
--- Columns: with opts.columns (a list or "a,b,c"), each object has only those keys
--- (an absent field is left out); without, every field. With opts.array the same
--- objects come as one JSON array, "," between them and no newline ("[]" for none), as
--- `bqw list --json` prints them.
return require("bqw.export_util").engine_export({
  name = "ndjson",
  description = "Newline-delimited JSON: one compact object per record or measure row, "
    .. "no meta line.",
  extension = "ndjson",
  format = "ndjson", -- the engine's writer (binding/rows.c); keys in the schema's ndjson order
  options = {
    array = "the objects as one JSON array instead of lines ([] for none; bqw list --json)",
  },
})
