--- Options shared by the bqw modules; bqw.setup() validates and sets them.
local M = {}

M.defaults = {
  data = nil, -- digest bqw.load() opens by default; nil: $BQW_DATA or the shipped one
  plugin_path = {}, -- extra plugin directories, searched after $BQW_PLUGIN_PATH
  script = nil, -- hans (Simplified, the default), hant (Traditional), original (as published)
  ambiwidth = 1, -- cells an East Asian Ambiguous character (“ ” ◎ ● — …) takes: 1 or 2
  max_size = nil, -- bytes: a larger file is refused before it is read; nil: 1 GiB
  codebooks = nil, -- codebook files (TSV) coding the measures; nil: the default set
}

M.values = {}
for k, v in pairs(M.defaults) do
  M.values[k] = v
end

local function split_path(s)
  local dirs = {}
  for dir in s:gmatch("[^:]+") do
    dirs[#dirs + 1] = dir
  end
  return dirs
end
M.split_path = split_path

local validators = {
  script = function(v)
    if v == false then
      return nil -- back to the default
    elseif v ~= "hans" and v ~= "hant" and v ~= "original" then
      return nil, "expected \"hans\" (Simplified), \"hant\" (Traditional) or \"original\" (as published)"
    end
    return v
  end,
  ambiwidth = function(v)
    if v == false then
      return 1
    elseif v ~= 1 and v ~= 2 then
      return nil, "expected 1 or 2 (cells of an East Asian Ambiguous character)"
    end
    return v
  end,
  data = function(v)
    if v == false then
      return nil -- back to the default
    elseif type(v) ~= "string" then
      return nil, "expected a file name (string), or false for the default"
    end
    return v
  end,
  max_size = function(v)
    if v == false then
      return nil -- back to the default
    elseif type(v) ~= "number" or v < 1 or v ~= math.floor(v) or v > 2 ^ 53 then
      return nil, "expected a positive whole number of bytes, or false for the default (1 GiB)"
    end
    return v
  end,
  codebooks = function(v)
    if v == false then
      return nil -- back to the default set (bqw.codebooks)
    elseif type(v) == "string" then
      return { v }
    elseif type(v) == "table" then
      local copy = {}
      for i, f in ipairs(v) do
        if type(f) ~= "string" then
          return nil, ("entry %d is a %s, expected a codebook file (string)"):format(i, type(f))
        end
        copy[i] = f
      end
      return copy
    end
    return nil, "expected a codebook file or a list of them, or false for the default set"
  end,
  plugin_path = function(v)
    if v == false then
      return {}
    elseif type(v) == "string" then
      return split_path(v)
    elseif type(v) == "table" then
      for i, dir in ipairs(v) do
        if type(dir) ~= "string" then
          return nil, ("entry %d is a %s, expected a directory (string)"):format(i, type(dir))
        end
      end
      local copy = {}
      for i, dir in ipairs(v) do
        copy[i] = dir
      end
      return copy
    end
    return nil, "expected a list of directories or a colon-separated string"
  end,
}

--- The script text is shown in: bqw.setup's, else $BQW_SCRIPT, else hans.
function M.script()
  local env = os.getenv("BQW_SCRIPT")
  return M.values.script or ((env == "hant" or env == "original") and env) or "hans"
end

--- Validates opts without applying any: the normalized values, or raises on a bad
--- option (level as error's).
function M.validate(opts, level)
  local known = {}
  for k in pairs(validators) do
    known[#known + 1] = k
  end
  table.sort(known)
  local out = {}
  for key, value in pairs(opts) do
    local check = validators[key]
    if not check then
      error(("bqw.setup: unknown option %q (known: %s)"):format(tostring(key), table.concat(known, ", ")), level)
    end
    local v, err = check(value)
    if err ~= nil then
      error(("bqw.setup: option %q: %s"):format(key, err), level)
    end
    out[key] = v
  end
  return out
end

--- Validates opts and merges them into the current values; raises on a bad option
--- before applying any.
function M.set(opts, level)
  local values = M.validate(opts, level and level + 1)
  for key in pairs(opts) do
    M.values[key] = values[key]
  end
end

return M
