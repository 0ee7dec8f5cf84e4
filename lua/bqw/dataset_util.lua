--- What the modules of the Lua API's Dataset share (bqw/init.lua, dataset_views.lua,
--- dataset_facets.lua): the Dataset class, argument checks, and the query a where
--- option makes.
local config = require("bqw.config")

local M = {}

--- The class of bqw.load's datasets; each module adds its methods.
local Dataset = {}
Dataset.__index = Dataset
M.Dataset = Dataset

--- Raises "bqw.FNAME: bad argument #POS: expected …" at the caller's caller (level
--- levels up: 3 unless given) unless value has the expected type (or is nil, when
--- optional).
function M.check_arg(fname, pos, value, expected, optional, level)
  if (optional and value == nil) or type(value) == expected then
    return
  end
  error(
    ("bqw.%s: bad argument #%d: expected %s%s, got %s"):format(
      fname,
      pos,
      expected,
      optional and " or nil" or "",
      type(value)
    ),
    level or 3
  )
end

--- The script opts asks for, else bqw.setup's; raises for an unknown one.
function M.script_of(opts)
  local script = opts and opts.script or config.script()
  if script ~= "hans" and script ~= "hant" and script ~= "original" then
    error(('bqw: script must be "hans", "hant" or "original", got %q'):format(tostring(script)), 3)
  end
  return script
end

--- The core handle of a dataset method's self; raises (at the method's caller, or
--- level levels up) for a call without ":" or on a closed dataset.
function M.handle_of(self, method, level)
  if getmetatable(self) ~= Dataset then
    error(("bqw: %s must be called as ds:%s(…)"):format(method, method), level or 3)
  end
  if not self._handle then
    error("bqw: the dataset is closed", level or 3)
  end
  return self._handle
end

--- Checks a call ds:method(name, opts) (a string, then a table or nil): raises at the
--- method's caller as handle_of and check_arg do; returns opts (a new empty table for
--- nil) and the dataset's core handle.
function M.named_call(self, method, name, opts)
  local handle = M.handle_of(self, method, 4)
  M.check_arg(method, 1, name, "string", false, 4)
  M.check_arg(method, 2, opts, "table", true, 4)
  return opts or {}, handle
end

--- The query a where option makes: nil for all, an expression, a table or a function;
--- in the order sort names ("city,-year": pinyin order, numbers numerically, or a
--- function as Query:sort takes), or source order; tick and first as ds:query takes them;
--- shape "measure" for an export of measure rows (the expressions select measures);
--- fields (a list of record field names) the fields the records are built with.
function M.select_query(ds, where, script, sort, tick, first, shape, fields)
  if type(sort) == "table" then
    sort = require("bqw.sort").by_column(sort.column, sort.desc)
  end
  local ok, result = pcall(function()
    local q, qerr = ds:query(where, { script = script, tick = tick, first = first, shape = shape, fields = fields })
    if not q then
      error(qerr, 0)
    end
    if sort ~= nil then
      q = q:sort(sort)
    end
    return q
  end)
  if not ok then
    local message = tostring(result):gsub("^bqw: where: ", ""):gsub("^.-bqw: sort: ", "")
    return nil, message, require("bqw.plugins").error_name(message, "EINVAL")
  end
  return result
end

--- The records a where option selects, in an array.
function M.select_records(ds, where, script, sort, tick, first)
  local q, err, ename = M.select_query(ds, where, script, sort, tick, first)
  if not q then
    return nil, err, ename
  end
  local ok, result = pcall(q.all, q)
  if not ok then
    local message = tostring(result):gsub("^bqw: where: ", "")
    return nil, message, require("bqw.plugins").error_name(message, "EINVAL")
  end
  return result
end

--- nil, or a message naming an option that neither every plugin of the kind nor this
--- one (its `options` table) takes.
function M.unknown_option(opts, common, plugin, kind, name)
  for k, v in pairs(opts) do
    if v ~= nil and not common[k] and not (plugin.options and plugin.options[k]) then
      local known = {}
      for o in pairs(plugin.options or {}) do
        known[#known + 1] = o
      end
      table.sort(known)
      local near = require("bqw.plugins").suggest(tostring(k), known)
      return ("%s %q has no option %q%s%s"):format(
        kind,
        name,
        tostring(k),
        near and ("; did you mean %s?"):format(near) or "",
        #known > 0 and (" (its options: " .. table.concat(known, ", ") .. ")") or ""
      )
    end
  end
end

--- The plugin of kind called name and the options it is run with (a copy of opts);
--- or nil, message, error name ("ENOENT" no such plugin, "EINVAL" an option that
--- neither every plugin of the kind, common, nor this one takes).
function M.plugin_options(kind, name, opts, common)
  local plugin, err, ename = require("bqw.plugins").get(kind, name)
  if not plugin then
    return nil, err, ename
  end
  local unknown = M.unknown_option(opts, common, plugin, kind, name)
  if unknown then
    return nil, unknown, "EINVAL"
  end
  local options = {}
  for k, v in pairs(opts) do
    options[k] = v
  end
  return plugin, options
end

return M
