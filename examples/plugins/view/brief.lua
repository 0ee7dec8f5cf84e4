-- A custom view: one line per city entry, with what the city did and how many
-- measures it lists. Use it with: BQW_PLUGIN_PATH=examples/plugins bqw view brief
local util = require("bqw.view_util")

local ACTIONS = { issue = "印发", meeting = "召开", statement = "表态" }

return {
  name = "brief",
  kind = "view",
  description = "City entries in brief: city, region, action, measures (example plugin).",
  render = function(records, opts)
    local out = util.builder()
    out:line({ { "城市  地区    动作  措施", "BqwField" } })
    for _, r in ipairs(records) do
      if r.kind == "city" then
        out:line({
          { util.pad(r.city, 6), "BqwCity" },
          { util.pad(r.region, 8), "BqwRegion" },
          util.pad(ACTIONS[r.action] or "", 6),
          { util.pad(tostring(#r.measures), 4, true), "BqwId" },
          "  ",
          { util.truncate(r.title or r.headline or "", (opts.width or 100) - 30), "BqwTitle" },
        }, r.id)
      end
    end
    return out:result()
  end,
}
