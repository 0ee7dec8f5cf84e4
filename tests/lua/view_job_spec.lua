-- Views built by a view job (Dataset:view_job, binding/view.c): the same plugin in a
-- Lua state of its own on another thread, over the same dataset, the result held in C.
-- Neovim builds its large views this way; here the job's view must be the view that
-- ds:view builds, line for line, with the same records, folds and highlights.
local bqw = require("bqw")
local core = require("bqw.core")
local H = require("tests.lua.helpers")

local function wait(job)
  local deadline = os.time() + 60
  while not job:done() do
    assert(os.time() < deadline, "the view job did not finish")
  end
  return job:result()
end

-- The fold level of each line that 'foldexpr' gets, from a result's folds (what
-- :fold would make of them): for comparison with the view's own.
local function levels(folds, n)
  local starts, ends = {}, {}
  for _, f in ipairs(folds) do
    starts[f.first] = (starts[f.first] or 0) + 1
    ends[f.last] = (ends[f.last] or 0) + 1
  end
  local out, depth = {}, 0
  for l = 1, n do
    local s, e = starts[l], ends[l]
    depth = depth + (s or 0)
    if e then
      out[l] = "<" .. (depth - e + 1)
      depth = depth - e
    elseif s then
      out[l] = ">" .. depth
    else
      out[l] = depth
    end
  end
  return out
end

local function same_view(v, want)
  assert.equal(#want.lines, v:count())
  assert.equal(want.count, v:records())
  local by_line = {}
  for _, h in ipairs(want.highlights) do
    by_line[h.line] = by_line[h.line] or {}
    table.insert(by_line[h.line], { h.first, h.last, h.group })
  end
  local want_levels = levels(want.folds, #want.lines)
  for l = 1, #want.lines do
    assert.equal(want.lines[l], v:line(l))
    assert.is_true(want.ids[l] == v:id(l), "id of line " .. l)
    assert.same(by_line[l] or {}, v:highlights(l))
    assert.equal(want_levels[l], v:level(l))
  end
  assert.same({ want.lines[2], want.lines[3] }, v:lines(2, 3))
end

describe("view jobs", function()
  local ds
  setup(function()
    bqw.setup({ plugin_path = false })
    ds = assert(bqw.load())
  end)

  it("build the view ds:view builds, for every built-in view", function()
    for _, name in ipairs({ "tree", "table", "list", "timeline", "cities", "overview", "detail" }) do
      local want = assert(ds:view(name, { width = 100 }))
      same_view(assert(wait(assert(ds:view_job(name, { width = 100 })))), want)
    end
  end)

  it("filter, sort by a column (pinyin order) and search as ds:view does", function()
    local opts = { where = "region=粤北", width = 120, sort = { column = "city", desc = true } }
    same_view(assert(wait(ds:view_job("table", opts))), assert(ds:view("table", opts)))
    -- text~ goes through the search index, which the core builds once under a lock
    -- while this thread searches too
    local job = ds:view_job("list", { where = "text~乡村振兴" })
    for _ = 1, 20 do
      assert.is_true(#ds:search("乡村振兴").hits > 0)
    end
    same_view(assert(wait(job)), assert(ds:view("list", { where = "text~乡村振兴" })))
  end)

  it("run a user's view plugin found on the plugin path", function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute("mkdir -p " .. H.quote(dir .. "/view")))
    H.write_file(
      dir .. "/view/ids.lua",
      [[return { name = "ids", kind = "view", description = "ids",
        render = function(records, opts, ctx)
          local b = ctx.util.builder()
          for _, r in ipairs(records) do b:line({ { "#" .. r.id, "BqwId" } }, r.id) end
          return b:result()
        end }]]
    )
    bqw.setup({ plugin_path = { dir } })
    local v = assert(wait(ds:view_job("ids", {})))
    bqw.setup({ plugin_path = false })
    os.execute("rm -rf " .. H.quote(dir))
    assert.equal(ds:count(), v:count())
    assert.equal("#1", v:line(1))
    assert.same({ { 0, 2, "BqwId" } }, v:highlights(1))
  end)

  it("fail as ds:view fails, and stop when cancelled", function()
    local v, err = wait(ds:view_job("nosuch", {}))
    assert.is_nil(v)
    assert.matches('no view plugin "nosuch"', err)
    v, err = wait(ds:view_job("list", { where = "region=" }))
    assert.is_nil(v)
    assert.is_string(err)
    local job = ds:view_job("tree", {})
    job:cancel()
    local _, _, name = wait(job)
    assert.equal("ECANCELED", name)
    assert.has_error(function()
      ds:view_job("tree", { sort = function() end })
    end)
  end)

  it("keep their dataset while the caller closes or drops its own", function()
    local job
    do
      local other = assert(bqw.load())
      job = other:view_job("tree", {})
      other:close()
    end
    collectgarbage()
    local v = assert(wait(job))
    assert.is_true(v:count() > 100)
    -- a job collected before it ends is cancelled and frees itself
    ds:view_job("tree", {})
    collectgarbage()
    collectgarbage()
  end)

  it("hold a result table in C (core.view_of)", function()
    local v = core.view_of({
      lines = { "a", "b", "c", "d", "e", "f" },
      ids = { 1, nil, 3 },
      folds = { { first = 1, last = 2 }, { first = 1, last = 4 }, { first = 5, last = 6 } },
      highlights = { { line = 3, first = 0, last = 1, group = "X" }, { line = 1, first = 0, last = 1, group = "Y" } },
      count = 2,
    })
    assert.same({ ">2", "<2", 1, "<1", ">1", "<1" }, { v:level(1), v:level(2), v:level(3), v:level(4), v:level(5), v:level(6) })
    assert.equal(0, v:level(7))
    assert.same({ 1, nil, 3 }, { v:id(1), v:id(2), v:id(3) })
    assert.same({ { 0, 1, "Y" } }, v:highlights(1))
    assert.same({}, v:highlights(2))
    assert.is_nil(v:line(7))
    assert.equal(2, v:records())
  end)

  it("count, as the engine counts, in a count job (Neovim's live filter count)", function()
    for _, where in ipairs({ "text~乡村振兴", "region=粤北 or city=广州", "title~会议", "" }) do
      local v = assert(wait(assert(ds:count_job(where))))
      assert.equal(assert(ds:query(where)):count(), v:records())
      assert.equal(0, v:count())
    end
    assert.equal(ds:count(), assert(wait(ds:count_job())):records())
    local v, err = wait(ds:count_job("region=不存在"))
    assert.is_nil(v)
    assert.matches("unknown value", err)
    assert.has_error(function()
      ds:count_job(5)
    end, "bqw.count_job: bad argument #1: expected string or nil, got number")
  end)
end)
