-- A custom export: Emacs Org mode, a heading per section and per record, the source
-- line in a property drawer, measures as a list.
-- Use it with: BQW_PLUGIN_PATH=examples/plugins bqw export --format org
return {
  name = "org",
  kind = "export",
  description = "Emacs Org mode outline: sections, records, measures (example plugin).",
  extension = "org",
  shapes = { "record" },
  default_shape = "record",
  -- Streams: begin once, record for each record (bqw calls it one record at a time, so
  -- a background export slices between records), finish at the end (optional).
  begin = function(out, _, ctx)
    out:write("#+TITLE: 百千万工程 policy digest\n")
    if ctx.meta.source then
      out:write("#+SOURCE: ", ctx.meta.source, "\n")
    end
  end,
  record = function(out, r, _, ctx)
    local state = ctx.state or {} -- ctx lives as long as the export: keep state there
    ctx.state = state
    if r.section_title ~= state.section then
      state.section = r.section_title
      out:write("\n* ", state.section or r.section, "\n")
    end
    local heading = r.title or r.headline or r.text or ""
    if r.kind == "city" then
      heading = r.city .. "：" .. heading
    elseif r.kind == "meeting" then
      heading = "<" .. (r.date or "") .. "> " .. heading
    elseif r.kind == "target" then
      heading = r.year .. "年：" .. heading
    end
    out:write("** ", (heading:gsub("\n", " ")), "\n")
    out:write(":PROPERTIES:\n:ID: ", r.id, "\n:KIND: ", r.kind, "\n:LINE: ", r.line, "\n")
    if r.region then
      out:write(":REGION: ", r.region, "\n")
    end
    out:write(":END:\n")
    for _, m in ipairs(r.measures or {}) do
      out:write("- ", m, "\n")
    end
  end,
}
