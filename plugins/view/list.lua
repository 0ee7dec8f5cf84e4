-- One line per record: id, kind, source line, and its title or what stands for one.
local util = require("bqw.view_util")

local function stream(source, opts, _, out)
  local width = opts.width or 100
  for r in source() do
    local id = ("%3d "):format(r.id)
    local kind = util.pad(r.kind, 9)
    local line = ("L%-4d "):format(r.line)
    local room = width - util.width(id) - util.width(kind) - util.width(line)
    out:line({ { id, "BqwId" }, { kind, "BqwKind" }, { line, "BqwLine" }, { util.truncate(util.label(r), room), "BqwTitle" } }, r.id)
  end
end

return {
  name = "list",
  kind = "view",
  description = "One line per record: id, kind, source line, title.",
  stream = stream,
  render = util.render_stream(stream),
}
