-- Every example runs, and says what it should.
local H = require("tests.lua.helpers")

describe("examples", function()
  it("targets_and_timeline.lua lists meetings and targets in date order", function()
    local out, err, code = H.bqw({ "run", H.root .. "/examples/targets_and_timeline.lua" })
    assert.equal(0, code, err)
    local dates = {}
    for d in out:gmatch("(%d%d%d%d%-%d%d%-%d%d)") do
      dates[#dates + 1] = d
    end
    assert.equal(13, #dates)
    assert.equal("2022-12-08", dates[1])
    assert.equal("2035-12-31", dates[13])
  end)

  it("cities_by_region.lua groups city entries and filters by region", function()
    local out, err, code = H.bqw({ "run", H.root .. "/examples/cities_by_region.lua", "粤北" })
    assert.equal(0, code, err)
    assert.truthy(out:find("^粤北\n"))
    local n = select(2, out:gsub("\n  ", ""))
    assert.equal(5, n)
    local _, _, missing = H.bqw({ "run", H.root .. "/examples/cities_by_region.lua", "nowhere" })
    assert.equal(1, missing)
  end)
end)

describe("examples/queries", function()
  local function run(name, args)
    local words = { "run", H.root .. "/examples/queries/" .. name }
    for _, a in ipairs(args or {}) do
      words[#words + 1] = a
    end
    local out, err, code = H.bqw(words)
    assert.equal(0, code, err)
    return out
  end

  it("targets_2025: the five cities with targets for 2025", function()
    local out = run("targets_2025.lua")
    for _, city in ipairs({ "佛山", "惠州", "东莞", "肇庆", "清远" }) do
      assert.truthy(out:find(city .. "（", 1, true), city)
    end
    assert.truthy(out:find("5 cities set targets for 2025.", 1, true))
  end)

  it("rural_revitalization_by_region: measures grouped by region", function()
    local out = run("rural_revitalization_by_region.lua")
    assert.truthy(out:find("^全省 %(1%)"))
    assert.truthy(out:find("粤北 (2)", 1, true))
    assert.truthy(out:find("L83", 1, true))
  end)

  it("documents_by_department: bodies and their documents", function()
    local out = run("documents_by_department.lua")
    assert.truthy(out:find("广东省交通运输厅\n  《广东省交通运输厅关于", 1, true))
    assert.truthy(out:find("广东省民政厅", 1, true))
  end)

  it("timeline_2023_h1: seven meetings from January to June 2023", function()
    local out = run("timeline_2023_h1.lua")
    assert.truthy(out:find("^2023%-01%-03"))
    assert.truthy(out:find("7 meetings in the first half of 2023.", 1, true))
    assert.is_nil(out:find("2023-07-14", 1, true))
  end)

  it("period_reaches_2027: the two documents running to 2027", function()
    local out = run("period_reaches_2027.lua")
    assert.equal(2, select(2, out:gsub("\n", "")))
    assert.equal(2, select(2, out:gsub("until 2027  《[^\n]*2023—2027年[^\n]*》", "")))
  end)
end)

describe("examples/export_all.lua", function()
  it("writes every format into one folder per region", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, err, code = H.bqw({ "run", H.root .. "/examples/export_all.lua", dir })
    assert.equal(0, code, err)
    local formats = #require("bqw").plugins.list("export")
    assert.truthy(out:find(("wrote %d files in 5 folders"):format(formats * 5), 1, true), out)
    local listing = io.popen("ls '" .. dir .. "/粤北'"):read("a")
    assert.truthy(listing:find("bqw.csv", 1, true))
    assert.truthy(listing:find("bqw.json", 1, true))
    local fh = assert(io.open(dir .. "/粤北/bqw.json"))
    assert.equal(5, require("bqw.vendor.dkjson").decode(fh:read("a")).count)
    fh:close()
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("examples/coding_exports.lua", function()
  it("writes the city entries' codings as qdpx, sqlite and csv, and counts them", function()
    local dir = os.tmpname()
    os.remove(dir)
    local out, err, code = H.bqw({ "run", H.root .. "/examples/coding_exports.lua", dir })
    assert.equal(0, code, err)
    local n = tonumber(out:match("(%d+) coded selections"))
    assert.truthy(n and n > 100, out)
    local db = io.popen("sqlite3 '" .. dir .. "/cities.sqlite' 'SELECT count(*) FROM codings'"):read("a")
    assert.equal(tostring(n) .. "\n", db)
    local qde = io.popen("unzip -p '" .. dir .. "/cities.qdpx' project.qde"):read("a")
    local _, selections = qde:gsub("<PlainTextSelection ", "")
    assert.equal(n, selections)
    local fh = assert(io.open(dir .. "/measures.csv"))
    assert.truthy(fh:read("l"):find("code\r?$"))
    fh:close()
    os.execute("rm -rf '" .. dir .. "'")
  end)
end)

describe("examples/plugins", function()
  local env = { BQW_PLUGIN_PATH = H.root .. "/examples/plugins" }

  it("adds a view that bqw finds through BQW_PLUGIN_PATH", function()
    local out, err, code = H.bqw({ "view", "brief", "--where", "region=粤东", "--color", "never" }, env)
    assert.equal(0, code, err)
    assert.equal(5, select(2, out:gsub("\n", "")))
    assert.truthy(out:find("汕尾  粤东    印发     2", 1, true), out)
  end)

  it("adds an Org mode export", function()
    local out, err, code = H.bqw({ "export", "--format", "org", "--where", "id=27" }, env)
    assert.equal(0, code, err)
    assert.truthy(out:find("* 地市政策\n** 韶关：", 1, true))
    assert.truthy(out:find(":LINE: 81\n", 1, true))
    assert.equal(2, select(2, out:gsub("\n%- ", "")))
    out = H.bqw({ "plugins" }, env)
    assert.truthy(out:find("export%s+org%s+env"))
  end)
end)
