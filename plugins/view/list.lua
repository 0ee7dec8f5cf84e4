-- One line per record: id, kind, source line, and its title or what stands for one.
local util = require("bqw.view_util")

-- The fields a line shows (util.label's among them): ds:view builds the records with
-- only these.
local FIELDS = { "id", "kind", "line" }
for _, f in ipairs(util.LABEL_FIELDS) do
  FIELDS[#FIELDS + 1] = f
end

local GROUPS = { "BqwId", "BqwKind", "BqwLine", "BqwTitle" }

-- The lines laid out by the core (bqw_list_line), when it walks the query itself.
local function native_lines(native, ctx, out, width)
  util.draw_walk(ctx, native, out, "list_lines", util.NATIVE_SLICE, width)
end

local function stream(source, opts, ctx, out)
  local width = opts.width or 100
  local native = util.native_view(ctx, { "id", "kind", "line", "label" }, out)
  if native then
    return native_lines(native, ctx, out, width)
  end
  -- the kind cell, padded, and its width, once per kind
  local kinds = {}
  local texts = {}
  for r in source() do
    local kind = kinds[r.kind]
    if not kind then
      local padded = util.pad(r.kind, 9)
      kind = { padded, util.width(padded) }
      kinds[r.kind] = kind
    end
    -- the id and line cells are ASCII digits and spaces: a byte is a cell
    local id = ("%3d "):format(r.id)
    local line = ("L%-4d "):format(r.line)
    texts[1], texts[2], texts[3] = id, kind[1], line
    texts[4] = util.truncate(util.label(r), width - #id - kind[2] - #line)
    out:cells(texts, GROUPS, 4, r.id)
  end
end

return {
  name = "list",
  kind = "view",
  description = "One line per record: id, kind, source line, title.",
  fields = FIELDS,
  stream = stream,
  render = util.render_stream(stream),
}
