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
  write = function(out, records, _, ctx)
    out:write("#+TITLE: 百千万工程 policy digest\n")
    if ctx.meta.source then
      out:write("#+SOURCE: ", ctx.meta.source, "\n")
    end
    local section
    for _, r in ipairs(records) do
      if r.section_title ~= section then
        section = r.section_title
        out:write("\n* ", section or r.section, "\n")
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
    end
  end,
}
