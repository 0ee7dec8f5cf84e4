-- Semantics users can trust (issue 19 item 5): empty JSON arrays are [], an export of
-- no records exits 1 and keeps the old file (or --allow-empty), a plugin failing at run
-- time exits 1 with "bqw: plugin NAME (PATH): error: …", the Lua API answers failures
-- with nil, message, name, and a view plugin's own options reach it (--opt KEY=VALUE,
-- listed by bqw view NAME --help).
local H = require("tests.lua.helpers")
local bqw = require("bqw")
local json = require("bqw.json")

local NONE = "id>100000" -- a valid expression no record matches

-- A plugin directory with a view, a filter and an export that raise when they run.
local function failing_plugins()
  local dir = os.tmpname()
  os.remove(dir)
  for _, sub in ipairs({ "", "/view", "/filter", "/export" }) do
    assert(os.execute("mkdir -p " .. H.quote(dir .. sub)))
  end
  H.write_file(dir .. "/view/boom.lua", [[
return { name = "boom", kind = "view", description = "raises",
  render = function() error("view exploded") end }
]])
  H.write_file(dir .. "/filter/boom.lua", [[
return { name = "boom", kind = "filter", description = "raises",
  match = function() error("filter exploded") end }
]])
  H.write_file(dir .. "/export/boom.lua", [[
return { name = "boom", kind = "export", description = "raises", extension = "txt",
  record = function() error("export exploded") end }
]])
  H.write_file(dir .. "/view/opts.lua", [[
return { name = "opts", kind = "view", description = "shows its options",
  options = {
    { name = "label", description = "the word shown", default = "none" },
    { name = "times", description = "how often", type = "number", default = 1 },
    { name = "loud", description = "upper case", type = "boolean" },
  },
  render = function(_, opts)
    local word = opts.loud and opts.label:upper() or opts.label
    return { lines = { (word .. " "):rep(opts.times) .. type(opts.times) } }
  end }
]])
  return dir
end

describe("JSON", function()
  it("prints [] for every empty array", function()
    local out, _, code = H.bqw({ "list", "--json", "--where", NONE })
    assert.equal(0, code)
    assert.equal("[]\n", out)
    out, _, code = H.bqw({ "facet", "region", "--json", "--where", NONE })
    assert.equal(0, code)
    assert.equal("[]\n", out)
    out = H.bqw({ "search", "zzzzqqqq", "--json" })
    assert.truthy(out:find('"hits":[]', 1, true), out)
    out = H.bqw({ "search", "广州", "--json", "--limit", "0" })
    assert.truthy(out:find('"hits":[]', 1, true), out)
    out = H.bqw({ "plugins", "--json" })
    assert.truthy(out:find('"problems":[]', 1, true), out)
    out, _, code = H.bqw({ "export", "--format", "json", "--where", NONE, "--allow-empty" })
    assert.equal(0, code)
    assert.truthy(out:find('"records":[]', 1, true), out)
  end)

  it("marks arrays for bqw.json: json.array, and dkjson's __jsontype", function()
    assert.equal("[]", json.encode(json.array({})))
    assert.equal("{}", json.encode({}))
    assert.equal("[]", json.encode(setmetatable({}, { __jsontype = "array" })))
    assert.equal('{"a":[]}', json.encode({ a = json.array() }))
    assert.equal('{"hits":[],"total":0}', json.encode({ total = 0, hits = {} }))
  end)
end)

describe("an export that matches no record", function()
  local path
  before_each(function()
    path = H.temp_file("good old export\n", ".csv")
  end)
  after_each(function()
    os.remove(path)
  end)

  it("exits 1 and leaves -o FILE as it was", function()
    for _, format in ipairs({ "csv", "json", "ndjson", "markdown" }) do
      local _, err, code = H.bqw({ "export", "--format", format, "--where", NONE, "-o", path })
      assert.equal(1, code, format .. ": " .. err)
      assert.truthy(err:find("no record matches", 1, true), err)
      assert.truthy(err:find(path .. " is left as it was", 1, true), err)
      assert.equal("good old export\n", H.read_file(path))
    end
  end)

  it("writes nothing to stdout and exits 1", function()
    local out, err, code = H.bqw({ "export", "--format", "csv", "--where", NONE })
    assert.equal(1, code)
    assert.equal("", out)
    assert.truthy(err:find("--allow-empty", 1, true), err)
  end)

  it("is written with --allow-empty", function()
    local _, err, code = H.bqw({ "export", "--format", "csv", "--where", NONE, "-o", path, "--allow-empty" })
    assert.equal(0, code, err)
    assert.truthy(H.read_file(path):find("^id,"))
  end)

  it("is nil, message, ENODATA from ds:export, and the file is kept", function()
    local ds = assert(bqw.load())
    local ok, err, name = ds:export("csv", { where = NONE, output = path })
    assert.is_nil(ok)
    assert.equal("ENODATA", name)
    assert.truthy(err:find("no record matches", 1, true), err)
    assert.equal("good old export\n", H.read_file(path))
    ok, err, name = ds:export("csv", { where = NONE })
    assert.is_nil(ok, err)
    assert.equal("ENODATA", name)
    assert.truthy(ds:export("csv", { where = NONE, allow_empty = true }):find("^id,"))
    assert.is_true(ds:export("csv", { where = NONE, output = path, allow_empty = true }))
    assert.truthy(H.read_file(path):find("^id,"))
  end)

  it("fails loop:export with ENODATA and keeps the file", function()
    local ds = assert(bqw.load())
    local loop = bqw.loop()
    local result
    assert(loop:export(ds, "csv", { where = NONE, output = path }, {
      done = function(...)
        result = table.pack(...)
      end,
    }))
    while not result and loop:run("once") do
    end
    loop:close()
    assert.is_nil(result[1])
    assert.equal("ENODATA", result[3])
    assert.equal("good old export\n", H.read_file(path))
  end)
end)

describe("a plugin that fails at run time", function()
  local dir, env
  setup(function()
    dir = failing_plugins()
    env = { BQW_PLUGIN_PATH = dir }
  end)
  teardown(function()
    os.execute("rm -rf " .. H.quote(dir))
    bqw.setup({ plugin_path = false })
  end)

  it("exits 1 with bqw: plugin NAME (PATH): error: …", function()
    local good = H.temp_file("good\n", ".txt")
    local cases = {
      { { "view", "boom" }, "view", "view exploded" },
      { { "list", "--where", "boom=1" }, "filter", "filter exploded" },
      { { "list", "--json", "--where", "boom=1" }, "filter", "filter exploded" },
      { { "facet", "region", "--where", "boom=1" }, "filter", "filter exploded" },
      { { "report", "--where", "boom=1" }, "filter", "filter exploded" },
      { { "export", "--format", "boom" }, "export", "export exploded" },
      { { "export", "--format", "boom", "-o", good }, "export", "export exploded" },
      { { "export", "--format", "csv", "--where", "boom=1", "-o", good }, "filter", "filter exploded" },
    }
    for _, c in ipairs(cases) do
      local _, err, code = H.bqw(c[1], env)
      local what = table.concat(c[1], " ")
      assert.equal(1, code, what .. ": " .. err)
      local prefix = ("bqw: plugin boom (%s/%s/boom.lua): error: "):format(dir, c[2])
      assert.equal(1, select(2, err:gsub(prefix:gsub("%p", "%%%0"), "")), what .. ": " .. err)
      assert.truthy(err:find(c[3], 1, true), what .. ": " .. err)
      assert.is_nil(err:find("traceback", 1, true), err)
    end
    assert.equal("good\n", H.read_file(good))
    os.remove(good)
  end)

  it("leaves exit 2 to usage errors", function()
    for _, words in ipairs({
      { "view", "table", "--columns", "id,nosuch" },
      { "view", "table", "--where", "region=" },
      { "view", "nosuch" },
      { "export", "--format", "nosuch" },
      { "list", "--bogus" },
    }) do
      local _, err, code = H.bqw(words, env)
      assert.equal(2, code, table.concat(words, " ") .. ": " .. err)
    end
  end)

  it("is nil, message, EPLUGIN from the Lua API", function()
    bqw.setup({ plugin_path = dir })
    local ds = assert(bqw.load())
    local function failed(what, ok, err, name)
      assert.is_nil(ok, what)
      assert.equal("EPLUGIN", name, what .. ": " .. tostring(err))
      assert.truthy(err:find("^plugin boom %(" .. dir:gsub("%p", "%%%0")), what .. ": " .. err)
    end
    failed("view", ds:view("boom"))
    failed("view where", ds:view("list", { where = "boom=1" }))
    failed("export", ds:export("boom"))
    failed("export where", ds:export("csv", { where = "boom=1" }))
    failed("facet", ds:facet("region", { where = "boom=1" }))
    local q = assert(ds:query("boom=1")) -- the filter runs as records are tested
    assert.has_error(function()
      q:count()
    end)
  end)
end)

describe("the Lua API's failures", function()
  local ds
  setup(function()
    ds = assert(bqw.load())
  end)

  -- value errors return nil, message, name; wrong argument types raise
  it("are nil, message, name", function()
    local function failed(name, ok, err, ename)
      assert.is_nil(ok)
      assert.equal("string", type(err))
      assert.equal(name, ename, err)
    end
    failed("EINVAL", ds:query("region="))
    failed("EINVAL", ds:query("nosuch=1"))
    failed("EINVAL", ds:query({ nosuch = 1 }))
    failed("EINVAL", ds:search(""))
    failed("EINVAL", ds:facet("nosuch"))
    failed("EINVAL", ds:facet("region", { where = "region=" }))
    failed("ENOENT", ds:view("nosuch"))
    failed("EINVAL", ds:view("table", { colums = "id" }))
    failed("EINVAL", ds:view("table", { columns = "id,nosuch" }))
    failed("ENOENT", ds:export("nosuch"))
    failed("EINVAL", ds:export("csv", { where = "region=" }))
    failed("EINVAL", ds:export("csv", { shape = "zzz" }))
    failed("ENODATA", ds:export("csv", { where = NONE }))
    local ok, err = ds:query("region=")
    assert.is_nil(ok)
    assert.truthy(err:find("^%-%-where:1:8: error: "), err)
    err = select(2, ds:view("tabel"))
    assert.truthy(err:find("did you mean table?", 1, true), err)
    assert.has_error(function()
      ds:query(42)
    end)
    assert.has_error(function()
      ds:export("csv", { ids = "1,2" })
    end)
  end)
end)

describe("a view plugin's own options", function()
  local dir, env
  setup(function()
    dir = failing_plugins()
    env = { BQW_PLUGIN_PATH = dir }
  end)
  teardown(function()
    os.execute("rm -rf " .. H.quote(dir))
  end)

  it("reach it with --opt KEY=VALUE, typed, defaults declared", function()
    local out, err, code = H.bqw({ "view", "opts" }, env)
    assert.equal(0, code, err)
    assert.equal("none number\n", out)
    out, err, code = H.bqw({ "view", "opts", "--opt", "label=hi", "--opt", "times=2", "--opt", "loud=yes" }, env)
    assert.equal(0, code, err)
    assert.equal("HI HI number\n", out)
    out = H.bqw({ "view", "table", "--where", "id=22", "--opt", "columns=id,city" })
    assert.truthy(out:find("^id%s+city\n"), out)
  end)

  it("are refused when unknown or mistyped, with a did-you-mean (exit 2)", function()
    local _, err, code = H.bqw({ "view", "opts", "--opt", "lable=x" }, env)
    assert.equal(2, code)
    assert.truthy(err:find('has no option "lable"; did you mean label?', 1, true), err)
    _, err, code = H.bqw({ "view", "opts", "--opt", "times=many" }, env)
    assert.equal(2, code)
    assert.truthy(err:find("expected a number", 1, true), err)
    _, err, code = H.bqw({ "view", "opts", "--opt", "label" }, env)
    assert.equal(2, code)
    assert.truthy(err:find("KEY=VALUE", 1, true), err)
    _, err, code = H.bqw({ "view", "list", "--opt", "x=1" })
    assert.equal(2, code)
    assert.truthy(err:find("declares no options", 1, true), err)
    _, err, code = H.bqw({ "view", "table", "--opt", "colums=id" })
    assert.equal(2, code)
    assert.truthy(err:find("did you mean columns?", 1, true), err)
  end)

  it("are listed by bqw view NAME --help", function()
    local out, err, code = H.bqw({ "view", "opts", "--help" }, env)
    assert.equal(0, code, err)
    assert.truthy(out:find("^Usage: bqw view"), out)
    assert.truthy(out:find("label%s+the word shown %(default: none%)"), out)
    assert.truthy(out:find("times%s+how often %(number; default: 1%)"), out)
    assert.truthy(out:find("loud%s+upper case %(boolean%)"), out)
    out = H.bqw({ "view", "--width", "80", "table", "-h" })
    assert.truthy(out:find("columns%s+the columns"), out)
    out = H.bqw({ "view", "list", "--help" })
    assert.truthy(out:find("declares no options", 1, true), out)
    out, err, code = H.bqw({ "view", "nosuch", "--help" })
    assert.equal("", out)
    assert.equal(2, code)
    assert.truthy(err:find('no view plugin "nosuch"', 1, true), err)
  end)

  it("take their declared default in ds:view", function()
    bqw.setup({ plugin_path = dir })
    local ds = assert(bqw.load())
    assert.equal("none number", assert(ds:view("opts")).lines[1])
    assert.equal("a a a number", assert(ds:view("opts", { label = "a", times = 3 })).lines[1])
    bqw.setup({ plugin_path = false })
  end)
end)

describe("ds:export's ids", function()
  it("writes those records in that order", function()
    local ds = assert(bqw.load())
    local csv = assert(ds:export("csv", { ids = { 27, 3, 22 }, columns = "id" }))
    assert.equal("id\r\n27\r\n3\r\n22\r\n", csv)
    csv = assert(ds:export("csv", { ids = { 27, 3, 22 }, where = "kind=city", columns = "id" }))
    assert.equal("id\r\n27\r\n22\r\n", csv)
  end)
end)
