-- Wrong arguments to the Lua API are the caller's mistake, said as one: "bad argument",
-- "must be called as", or nil, message, never an internal error ("attempt to index a
-- boolean value") from deep inside. A sweep over every public function of bqw, of a
-- dataset and of a loop, with values of every type in every position.
local bqw = require("bqw")

local VALUES = {
  true, false, 0, -1, 1e300, "", "x", {}, function() end,
  { output = 0 }, { where = 0 }, { script = 0 }, { stream = 0 }, { shape = 0 }, { columns = 0 },
  { sort = 0 }, { limit = "x" }, { width = "x" }, { output = {} }, { stream = {} },
}
local LEADS = { "csv", "list", "region", "x", "/nonexistent/file" }

local function internal_errors(name, f, self)
  local found = {}
  local function try(label, ...)
    local ok, err = pcall(f, ...)
    if not ok and tostring(err):find("attempt to", 1, true) then
      found[#found + 1] = label .. ": " .. tostring(err)
    end
  end
  for _, v in ipairs(VALUES) do
    if self then
      try(("%s(%s)"):format(name, tostring(v)), self, v)
      try(("%s(nil, %s)"):format(name, tostring(v)), self, nil, v)
      for _, lead in ipairs(LEADS) do
        try(("%s(%q, %s)"):format(name, lead, tostring(v)), self, lead, v)
        try(("%s(%q, {}, %s)"):format(name, lead, tostring(v)), self, lead, {}, v)
      end
    end
    try(("%s called with . (%s)"):format(name, tostring(v)), v)
    try(("%s called with . (nil, %s)"):format(name, tostring(v)), nil, v)
  end
  return found
end

describe("the Lua API's arguments", function()
  it("names the four wrong arguments found by hand", function()
    local ds = assert(bqw.load())
    local cases = {
      { "bqw.meta: bad argument #1", ds.meta, ds, true },
      { "bqw.loop: bad argument #1", bqw.loop, 0 },
      { "bqw.export: bad argument #2: output must be a file name", ds.export, ds, "csv", { output = 0 } },
      { "bqw: close must be called as ds:close()", ds.close, nil },
      { "bqw.export: bad argument #2: stream must have a write method", ds.export, ds, "csv", { stream = 0 } },
      { "bqw.export: bad argument #2: columns must be a list", ds.export, ds, "csv", { columns = 0 } },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(c[2], table.unpack(c, 3))
      assert.is_false(ok, c[1])
      assert.truthy(tostring(err):find(c[1], 1, true), err)
    end
  end)

  it("raise no internal error in any function of bqw, a dataset or a loop", function()
    local ds = assert(bqw.load())
    local found = {}
    local function add(list)
      for _, f in ipairs(list) do
        found[#found + 1] = f
      end
    end
    for name, f in pairs(bqw) do
      if type(f) == "function" and name:sub(1, 1) ~= "_" then
        add(internal_errors("bqw." .. name, f))
      end
    end
    for name, f in pairs(getmetatable(ds)) do
      if type(f) == "function" and name:sub(1, 1) ~= "_" and name ~= "close" then
        add(internal_errors("ds:" .. name, f, ds))
      end
    end
    local loop = assert(bqw.loop())
    local methods = getmetatable(loop).__index
    for name, f in pairs(methods) do
      if type(f) == "function" and name:sub(1, 1) ~= "_" and name ~= "close" and name ~= "run" then
        add(internal_errors("loop:" .. name, f, loop))
      end
    end
    loop:close()
    assert.same({}, found)
  end)
end)
