-- The documents each provincial department issued, as their titles name them.
-- Run: build/bqw run examples/queries/documents_by_department.lua
local bqw = require("bqw")
local ds = assert(bqw.load())

local by_body, bodies = {}, {}
for r in ds:query("level=province"):iter() do
  for _, body in ipairs(r.issuers or {}) do
    if not by_body[body] then
      by_body[body] = {}
      bodies[#bodies + 1] = body
    end
    table.insert(by_body[body], r)
  end
end
table.sort(bodies)
for _, body in ipairs(bodies) do
  print(body)
  for _, r in ipairs(by_body[body]) do
    print(("  《%s》 (%s, L%d)"):format(r.title, r.doctype or "?", r.line))
  end
end
return 0
