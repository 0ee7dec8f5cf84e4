-- The first search of a dataset reads every text once instead of building the index
-- (core/search.c, scan_search); with the index built (ds:index()) the next answers from
-- it. Both must give the same
-- total, the same hits in the same order and the same spans, for queries of every
-- length, in both scripts, of several words, and touching the conversion overrides.
local core = require("bqw.core")
local H = require("tests.lua.helpers")

--- Queries cut from the dataset's own texts (1 to 8 characters, every n-th record),
--- their conversions, and fixed ones: several words, overrides, absent, ASCII.
local function queries(handle, every)
  local out = {
    "着力",
    "著力",
    "著名",
    "了解",
    "瞭解",
    "乡村 振兴",
    "廣東 鄉村 发展",
    "GDP",
    "gdp",
    "5G",
    "龘",
    "不存在的词语啊",
    "高质量发展",
    "百千万工程",
  }
  for id = 1, handle:count(), every do
    local r = handle:record(id)
    local text = r.title or r.text or (r.measures and r.measures[1])
    if text then
      local chars = {}
      for ch in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
        if not ch:find("^%s") then
          chars[#chars + 1] = ch
        end
      end
      local len = (id % 8) + 1
      if #chars >= len then
        local from = (id * 7) % (#chars - len + 1) + 1
        local q = table.concat(chars, "", from, from + len - 1)
        out[#out + 1] = q
        out[#out + 1] = core.convert(q, "hant") or q
        out[#out + 1] = core.convert(q, "hans") or q
      end
    end
  end
  return out
end

local function same_results(a, b)
  if a.total ~= b.total or #a.hits ~= #b.hits then
    return false, ("total %d vs %d, hits %d vs %d"):format(a.total, b.total, #a.hits, #b.hits)
  end
  for i = 1, #a.hits do
    local x, y = a.hits[i], b.hits[i]
    if x.id ~= y.id or x.field ~= y.field or x.item ~= y.item or x.text ~= y.text then
      return false, ("hit %d: %s/%s vs %s/%s"):format(i, x.id, x.field, y.id, y.field)
    end
    for k = 1, math.max(#x.spans, #y.spans) do
      local p, q = x.spans[k], y.spans[k]
      if not p or not q or p[1] ~= q[1] or p[2] ~= q[2] then
        return false, ("hit %d: spans differ"):format(i)
      end
    end
  end
  return true
end

local function check(load, every, limit)
  local probe = assert(load())
  local list = queries(probe, every)
  probe:close()
  local n = 0
  for _, q in ipairs(list) do
    local handle = assert(load())
    local scanned = assert(handle:search(q, limit))
    assert(not handle:index_ready())
    assert(handle:index())
    assert(handle:index_ready())
    local indexed = assert(handle:search(q, limit))
    local ok, why = same_results(scanned, indexed)
    assert(ok, ("query %q: %s"):format(q, tostring(why)))
    handle:close()
    n = n + 1
  end
  return n
end

describe("the first search, without the index", function()
  it("agrees with the index on the shipped digest", function()
    -- under the sanitizers every 4th record's queries (each query loads the dataset again)
    local n = check(function()
      return core.load()
    end, H.sanitized and 4 or 1, 50)
    assert.is_true(n > (H.sanitized and 25 or 100), n)
  end)

  it("agrees with the index on a generated corpus, with a small limit", function()
    local path = os.tmpname()
    assert.truthy(
      os.execute(("lua5.4 %s/bench/gen_corpus.lua 1 %s 2>/dev/null"):format(H.quote(H.root), H.quote(path)))
    )
    local bytes = H.read_file(path)
    os.remove(path)
    local n = check(function()
      return core.load_buffer(bytes, "corpus.txt")
    end, H.sanitized and 389 or 97, 5)
    assert.is_true(n > (H.sanitized and 20 or 50), n)
  end)

  it("rejects an empty query either way", function()
    local handle = assert(core.load())
    for _ = 1, 2 do
      local r, err = handle:search("   ", 10)
      assert.is_nil(r)
      assert.is_string(err)
    end
  end)
end)
