-- A dataset's C memory is visible to Lua's collector, ds:close() frees it at once, and a
-- watch closes the dataset it replaces: reloading a 10 MB digest again and again keeps
-- the resident set bounded. RSS means nothing under ASan (freed memory is quarantined).
local bqw = require("bqw")
local H = require("tests.lua.helpers")

local sanitized = os.getenv("BQW_SANITIZED") == "1"

describe("memory over reloads", function()
  local path

  setup(function()
    -- the shipped digest 430 times over: about 10 MB
    local one = bqw.default_digest()
    local parts = {}
    for i = 1, 430 do
      parts[i] = one
    end
    path = H.temp_file(table.concat(parts, "\n"))
  end)

  teardown(function()
    os.remove(path)
    os.remove(path .. ".tmp")
  end)

  local function reload(mode)
    local out, err, code = H.bqw({ "run", H.root .. "/tests/lua/reload_rss.lua", path, mode, "14" })
    assert.equal(0, code, err)
    local one, base, first, second = out:match("^(%d+) (%d+) (%d+) (%d+)")
    assert.truthy(one, out)
    return tonumber(one), tonumber(base), tonumber(first), tonumber(second)
  end

  for _, case in ipairs({
    { "drop", "datasets dropped without close are collected at the pace of their size", 4 },
    { "close", "ds:close() frees the C memory at once", 2 },
    -- libuv's threadpool loads on up to 4 threads, and glibc keeps an arena for each
    { "watch", "a watch closes the dataset it replaces", 8 },
  }) do
    local mode, what, most = case[1], case[2], case[3]
    it(what, function()
      if sanitized then
        return pending("RSS is not meaningful under ASan")
      end
      local one, base, first, second = reload(mode)
      assert.truthy(one > 10 * 1024 * 1024, "one dataset holds " .. one)
      -- 14 reloads: the peak stays within a few datasets of the start and does not
      -- grow from the first seven reloads to the last seven
      local msg = ("%s: one dataset %d MB, RSS %d MB before, peaks %d / %d MB"):format(
        mode,
        math.floor(one / 1048576),
        math.floor(base / 1048576),
        math.floor(first / 1048576),
        math.floor(second / 1048576)
      )
      assert.truthy(math.max(first, second) - base < most * one, msg)
      assert.truthy(second <= first + one / 2, msg)
    end)
  end
end)
