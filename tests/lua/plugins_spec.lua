-- The plugin registry: search order, replacement, isolation of broken plugins.
local bqw = require("bqw")
local plugins = require("bqw.plugins")
local H = require("tests.lua.helpers")

local plugin_dir = H.plugin_dir

local LIST_REPLACEMENT = [[
return {
  name = "list", kind = "view", description = "A user's list",
  render = function(records)
    local lines = {}
    for i, r in ipairs(records) do lines[i] = "USER " .. r.id end
    return { lines = lines }
  end,
}
]]

local BROKEN_SYNTAX = "return { name = 'bad', kind = 'view', description = 'x', render = function() end\n"
local RAISES_AT_LOAD = "local x = nil\nreturn x.field\n"
local RAISES_AT_RENDER = [[
return {
  name = "boom", kind = "view", description = "raises",
  render = function()
    error("exploded on purpose")
  end,
}
]]

describe("plugin search path", function()
  after_each(function()
    bqw.setup({ plugin_path = false })
  end)

  it("lists the built-ins with kind, name, origin and description", function()
    local seen = {}
    for _, p in ipairs(plugins.list()) do
      seen[p.kind .. "/" .. p.name] = p
      assert.is_string(p.description)
    end
    assert.equal("builtin", seen["view/list"].origin)
    assert.truthy(seen["filter/region"])
    assert.truthy(seen["filter/year"])
    assert.truthy(seen["export/json"])
  end)

  it("lets a user plugin of a built-in's name replace it (setup{plugin_path})", function()
    local dir = plugin_dir({ ["view/list.lua"] = LIST_REPLACEMENT })
    bqw.setup({ plugin_path = { dir } })
    local p = assert(plugins.get("view", "list"))
    assert.equal("setup", p.origin)
    local result = assert(bqw.load():view("list", { where = "id<=2" }))
    assert.same({ "USER 1", "USER 2" }, result.lines)
    local entry
    for _, e in ipairs(plugins.list("view")) do
      if e.name == "list" then
        entry = e
      end
    end
    assert.truthy(entry.replaces:find("plugins/view/list.lua", 1, true))
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("lets a user export of a built-in's name replace the engine's (csv)", function()
    local dir = plugin_dir({
      ["export/csv.lua"] = [[
return {
  name = "csv", kind = "export", description = "A user's csv", extension = "csv",
  shapes = { "record" },
  record = function(out, row) out:write("USER ", row.id, "\n") end,
}
]],
    })
    bqw.setup({ plugin_path = { dir } })
    local p = assert(plugins.get("export", "csv"))
    assert.equal("setup", p.origin)
    assert.is_nil(p.native) -- the engine's writer is the built-in's, gone with it
    local text = assert(bqw.load():export("csv", { where = "id<=2", columns = "id" }))
    assert.equal("USER 1\nUSER 2\n", text)
    local entry
    for _, e in ipairs(plugins.list("export")) do
      if e.name == "csv" then
        entry = e
      end
    end
    assert.truthy(entry.replaces:find("plugins/export/csv.lua", 1, true))
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("declares the engine's exports: name, extension, shapes and the engine's writer", function()
    for name, contract in pairs({
      csv = "record",
      tsv = "record",
      ndjson = "record",
      json = "stream",
      markdown = "stream",
      html = "stream",
    }) do
      local p = assert(plugins.get("export", name))
      assert.equal("builtin", p.origin)
      assert.equal(name, p.name)
      assert.truthy(p.extension)
      assert.same({ "record", "measure" }, p.shapes)
      assert.equal("record", p.default_shape)
      assert.is_function(p.write) -- the first contract, for callers that use it directly
      if contract == "record" then
        assert.is_function(p.record)
        assert.equal(name, p.native({}).format)
      else
        assert.is_true(p.stream)
      end
    end
  end)

  it("declares every filter word of the schema; a user's filter of the same name replaces one", function()
    bqw.setup({ plugin_path = false })
    local listed = {}
    for _, p in ipairs(plugins.list("filter")) do
      listed[p.name] = p
    end
    for _, f in ipairs(require("bqw.core").schema()) do
      if f.filter then
        assert.truthy(listed[f.filter], f.filter)
        assert.equal("builtin", listed[f.filter].origin)
      end
    end
    assert.truthy(listed.title.path:find("bqw_schema.h", 1, true))
    assert.same({ "=", "~" }, plugins.get("filter", "title").ops)
    assert.same({ "=", ">=", "<=", ">", "<" }, plugins.get("filter", "period_from").ops)
    local ds = assert(bqw.load())
    local all = ds:count()
    assert.is_true(ds:query("title~乡村"):count() < all)
    -- a user's title filter: evaluated in Lua, through the engine's callbacks
    local dir = plugin_dir({
      ["filter/title.lua"] = [[
return {
  name = "title", kind = "filter", description = "every record", ops = { "=", "~" },
  match = function() return true end,
}
]],
    })
    bqw.setup({ plugin_path = { dir } })
    local p = assert(plugins.get("filter", "title"))
    assert.equal("setup", p.origin)
    local entry
    for _, e in ipairs(plugins.list("filter")) do
      if e.name == "title" then
        entry = e
      end
    end
    assert.truthy(entry.replaces and entry.replaces:find("bqw_schema.h", 1, true), tostring(entry.replaces))
    assert.equal(all, bqw.load():query("title~乡村"):count())
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("reports a plugin that fails to load with its file and line; others keep working", function()
    local dir = plugin_dir({
      ["view/bad.lua"] = BROKEN_SYNTAX,
      ["view/worse.lua"] = RAISES_AT_LOAD,
      ["view/boom.lua"] = RAISES_AT_RENDER,
    })
    bqw.setup({ plugin_path = dir })
    local problems = plugins.problems()
    local messages = {}
    for _, p in ipairs(problems) do
      messages[p.path:match("[^/]+$")] = p.message
    end
    assert.truthy(messages["bad.lua"]:find(dir .. "/view/bad.lua:2:", 1, true), messages["bad.lua"])
    assert.truthy(messages["worse.lua"]:find(dir .. "/view/worse.lua:2:", 1, true), messages["worse.lua"])
    local _, err = plugins.get("view", "bad")
    assert.truthy(err:find("failed to load", 1, true))
    -- the built-ins still work
    assert.truthy(bqw.load():view("list", { where = "id=1" }))
    -- a plugin that raises while rendering is reported, with its file and line
    local result, rerr = bqw.load():view("boom")
    assert.is_nil(result)
    assert.truthy(rerr:find(dir .. "/view/boom.lua:4: exploded on purpose", 1, true), rerr)
    os.execute("rm -rf '" .. dir .. "'")
  end)

  it("rejects a plugin whose fields do not fit its file", function()
    local dir = plugin_dir({
      ["view/misnamed.lua"] = "return { name = 'other', kind = 'view', description = 'x', render = function() end }",
      ["export/noentry.lua"] = "return { name = 'noentry', kind = 'export', description = 'x' }",
    })
    bqw.setup({ plugin_path = dir })
    local text = {}
    for _, p in ipairs(plugins.problems()) do
      text[#text + 1] = p.message
    end
    text = table.concat(text, "\n")
    assert.truthy(text:find('name is "other" but the file is misnamed.lua', 1, true))
    assert.truthy(text:find('an export plugin needs a function "write"', 1, true), text)
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("bqw plugins (CLI)", function()
  it("searches $BQW_PLUGIN_PATH first, then the user's config directory", function()
    local env_dir = plugin_dir({ ["view/list.lua"] = LIST_REPLACEMENT })
    local xdg = plugin_dir({ ["bqw/plugins/view/list.lua"] = LIST_REPLACEMENT:gsub("USER", "XDG"),
      ["bqw/plugins/view/extra.lua"] = LIST_REPLACEMENT:gsub('"list"', '"extra"') })
    local out, err, code = H.bqw({ "view", "list", "--where", "id=1" }, { BQW_PLUGIN_PATH = env_dir, XDG_CONFIG_HOME = xdg })
    assert.equal(0, code, err)
    assert.equal("USER 1\n", out)
    out, err, code = H.bqw({ "view", "list", "--where", "id=1" }, { XDG_CONFIG_HOME = xdg })
    assert.equal(0, code, err)
    assert.equal("XDG 1\n", out)
    out, err, code = H.bqw({ "plugins" }, { BQW_PLUGIN_PATH = env_dir, XDG_CONFIG_HOME = xdg })
    assert.equal(0, code, err)
    assert.truthy(out:find("view%s+list%s+env %(replaces "))
    assert.truthy(out:find("view%s+extra%s+user"))
    assert.truthy(out:find("filter%s+region%s+builtin"))
    os.execute("rm -rf '" .. env_dir .. "' '" .. xdg .. "'")
  end)

  it("warns about broken plugins on stderr and still lists the rest", function()
    local dir = plugin_dir({ ["view/bad.lua"] = BROKEN_SYNTAX })
    local out, err, code = H.bqw({ "plugins" }, { BQW_PLUGIN_PATH = dir })
    assert.equal(0, code)
    assert.truthy(err:find("bqw: warning: plugin not loaded: " .. dir .. "/view/bad.lua:2:", 1, true), err)
    assert.truthy(out:find("view%s+list%s+builtin"))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("the plugin examples of doc/bqw.txt", function()
  it("work as written", function()
    local fh = assert(io.open(H.root .. "/doc/bqw.txt"))
    local doc = fh:read("a")
    fh:close()
    local files = {}
    for block in doc:gmatch(">lua\n(.-)\n<") do
      local code = block:gsub("\n    ", "\n"):gsub("^    ", "")
      local name, kind = code:match('name = "(%w+)", kind = "(%w+)"')
      if name and code:find("return {", 1, true) then
        files[kind .. "/" .. name .. ".lua"] = code
      end
    end
    assert.truthy(files["filter/measures.lua"])
    assert.truthy(files["view/years.lua"])
    assert.truthy(files["export/titles.lua"])
    local dir = plugin_dir(files)
    local env = { BQW_PLUGIN_PATH = dir }
    local out, err, code = H.bqw({ "list", "--where", "measures>=3" }, env)
    assert.equal(0, code, err)
    assert.equal(4, select(2, out:gsub("\n", ""))) -- documents 1, 4, 6, 10 have three
    out, err, code = H.bqw({ "view", "years", "--where", "id=2", "--color", "never" }, env)
    assert.equal(0, code, err)
    assert.truthy(out:find("^2023,2025"))
    out, err, code = H.bqw({ "export", "--format", "titles", "--where", "kind=target" }, env)
    assert.equal(0, code, err)
    assert.equal("44\t2025年 城乡融合", out:sub(1, #"44\t2025年 城乡融合"))
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)
