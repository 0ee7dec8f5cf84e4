--- The plugin registry: views, filters and exports are Lua files found on a path.
---
--- A plugin is plugins/<kind>/<name>.lua returning a table with at least `name`, `kind`,
--- `description` and its kind's entry point (see ENTRY). Directories are searched in
--- this order, the first plugin of a name winning: $BQW_PLUGIN_PATH (colon-separated),
--- bqw.setup{ plugin_path }, ~/.config/bqw/plugins ($XDG_CONFIG_HOME), the built-ins.
--- A plugin that fails to load is reported (file, line, message) and skipped; the
--- others keep working. Calls into plugins go through M.call, which catches errors.
local config = require("bqw.config")

local M = {}

M.KINDS = { "view", "filter", "export" }

--- The function each kind must provide.
M.ENTRY = { view = "render", filter = "match", export = "write" }

local registry -- { [kind] = { [name] = plugin } }, built on first use
local problems -- { { path, message } }
local shadowed -- { { kind, name, path, by } }

--- Where the built-in plugins are: where the bqw command says (host/bqw.c), else found
--- from this file's own path: the source tree (lua/bqw/plugins.lua -> plugins/) or an
--- install prefix (share/lua/5.4/bqw/plugins.lua -> share/bqw/plugins/, as `make
--- install` and the .deb lay it out), or bqw/builtin/ beside it (the rockspec's layout).
local function builtin_dir()
  local ok, core = pcall(require, "bqw.core")
  if ok and core.builtin_plugin_dir then
    return core.builtin_plugin_dir
  end
  local source = debug.getinfo(1, "S").source
  local candidates = {}
  local tree = source:match("^@(.*)/lua/bqw/plugins%.lua$")
  if tree then
    candidates[#candidates + 1] = tree .. "/plugins"
  elseif source:match("^@lua/bqw/plugins%.lua$") then
    -- LUA_PATH='lua/?.lua': the user runs bqw from its source tree, relative to here
    candidates[#candidates + 1] = "plugins"
  end
  local prefix = source:match("^@(.*)/share/lua/[^/]+/bqw/plugins%.lua$")
  if prefix then
    candidates[#candidates + 1] = prefix .. "/share/bqw/plugins"
  end
  local beside = source:match("^@(.*)/plugins%.lua$") -- a LuaRocks tree: bqw/builtin/
  if beside then
    candidates[#candidates + 1] = beside .. "/builtin"
  end
  for _, dir in ipairs(candidates) do
    local f = io.open(dir .. "/view/list.lua", "r")
    if f then
      f:close()
      return dir
    end
  end
  return candidates[1] -- nil: no built-ins (never a guess relative to the working directory)
end

-- The XDG Base Directory spec: a relative $XDG_CONFIG_HOME is invalid and ignored, so
-- the user's plugins never depend on the directory bqw runs in.
local function user_dir()
  local xdg = os.getenv("XDG_CONFIG_HOME")
  if xdg and xdg:sub(1, 1) == "/" then
    return xdg .. "/bqw/plugins"
  end
  local home = os.getenv("HOME")
  return home and home:sub(1, 1) == "/" and (home .. "/.config/bqw/plugins") or nil
end

--- The search path: a list of { dir = …, origin = "env" | "setup" | "user" | "builtin" }.
function M.path()
  local dirs = {}
  local env = os.getenv("BQW_PLUGIN_PATH")
  for _, dir in ipairs(config.split_path(env or "")) do
    dirs[#dirs + 1] = { dir = dir, origin = "env" }
  end
  for _, dir in ipairs(config.values.plugin_path or {}) do
    dirs[#dirs + 1] = { dir = dir, origin = "setup" }
  end
  local user = user_dir()
  if user then
    dirs[#dirs + 1] = { dir = user, origin = "user" }
  end
  local builtin = builtin_dir()
  if builtin then
    dirs[#dirs + 1] = { dir = builtin, origin = "builtin" }
  end
  return dirs
end

--- Lists the .lua files of a directory, sorted; empty when it does not exist. Uses
--- bqw.core's directory reader (older builds have none), or nil.
local function core_scandir()
  local ok, core = pcall(require, "bqw.core")
  return ok and type(core) == "table" and core.scandir or nil
end

--- Neovim's directory reader when there is one, else the core's, else ls.
local function lua_files(dir)
  local names = {}
  local nvim = rawget(_G, "vim")
  local uv = nvim and (nvim.uv or nvim.loop)
  if uv then
    local handle = uv.fs_scandir(dir)
    while handle do
      local name, kind = uv.fs_scandir_next(handle)
      if not name then
        break
      end
      if kind ~= "directory" and name:match("%.lua$") then
        names[#names + 1] = name
      end
    end
  elseif core_scandir() then
    for _, name in ipairs(core_scandir()(dir) or {}) do
      if name:match("%.lua$") then
        names[#names + 1] = name
      end
    end
  else
    local quoted = "'" .. dir:gsub("'", "'\\''") .. "'"
    local pipe = io.popen("ls -1 " .. quoted .. " 2>/dev/null")
    if pipe then
      for name in pipe:lines() do
        if name:match("%.lua$") then
          names[#names + 1] = name
        end
      end
      pipe:close()
    end
  end
  table.sort(names)
  return names
end

--- Loads one plugin file; returns the plugin or nil, "FILE:LINE: message".
local function load_plugin(path, kind, origin)
  local chunk, err = loadfile(path)
  if not chunk then
    return nil, err
  end
  require("bqw.loader").no_jit(chunk) -- as bqw's own modules (bqw.loader says why)
  local ok, plugin = pcall(chunk)
  if not ok then
    return nil, tostring(plugin)
  end
  if type(plugin) ~= "table" then
    return nil, ("%s: error: the file must return a table, not a %s"):format(path, type(plugin))
  end
  local expected_name = path:match("([^/]+)%.lua$")
  for _, field in ipairs({ "name", "kind", "description" }) do
    if type(plugin[field]) ~= "string" then
      return nil, ("%s: error: the plugin needs a string field %q"):format(path, field)
    end
  end
  if plugin.kind ~= kind then
    return nil, ("%s: error: kind is %q but the file is in %s/"):format(path, plugin.kind, kind)
  end
  if plugin.name ~= expected_name then
    return nil, ("%s: error: name is %q but the file is %s.lua"):format(path, plugin.name, expected_name)
  end
  -- an export may instead stream through begin / record / finish (record required)
  local entry = M.ENTRY[kind]
  if kind == "export" and plugin.write == nil and plugin.record ~= nil then
    entry = "record"
  end
  -- a built-in filter of the query engine is a declaration, with no match of its own
  local declared = kind == "filter" and origin == "builtin" and plugin.engine == true
  if type(plugin[entry]) ~= "function" and not declared then
    local article = kind == "export" and "an" or "a"
    return nil, ("%s: error: %s %s plugin needs a function %q"):format(path, article, kind, M.ENTRY[kind])
  end
  local list, oerr = M.option_list(plugin)
  if not list then
    return nil, ("%s: error: %s"):format(path, oerr)
  end
  plugin.option_list = list
  plugin.path = path
  plugin.origin = origin
  return plugin
end

local OPTION_TYPES = { string = true, number = true, boolean = true }

--- A plugin's own options, declared as a list { { name =, description =, default =,
--- type = "string" | "number" | "boolean" }, … } (or, the older form, a table
--- { name = description }): returns them as such a list sorted by name, and leaves
--- plugin.options a table { name = description } (what callers look names up in);
--- or nil, message when the declaration is malformed.
function M.option_list(plugin)
  local declared = plugin.options
  if declared == nil then
    return {}
  elseif type(declared) ~= "table" then
    return nil, ("options must be a list of { name =, description =, default = }, not a %s"):format(type(declared))
  end
  local list, by_name = {}, {}
  if #declared > 0 then
    for i, o in ipairs(declared) do
      if type(o) ~= "table" or type(o.name) ~= "string" or not o.name:match("^[%a_][%w_]*$") then
        return nil, ("options[%d] needs a name (a word: letters, digits, _)"):format(i)
      end
      if o.type ~= nil and not OPTION_TYPES[o.type] then
        return nil, ("option %s: type must be string, number or boolean, not %s"):format(o.name, tostring(o.type))
      end
      list[#list + 1] = { name = o.name, description = tostring(o.description or ""), default = o.default, type = o.type or "string" }
      by_name[o.name] = tostring(o.description or "")
    end
  else
    for name, description in pairs(declared) do
      if type(name) == "string" then
        list[#list + 1] = { name = name, description = tostring(description), type = "string" }
        by_name[name] = tostring(description)
      end
    end
  end
  table.sort(list, function(a, b)
    return a.name < b.name
  end)
  plugin.options = by_name
  return list
end

--- The built-in filters libbqw's schema declares (core/bqw_schema.h, through
--- bqw.fields) that have no file in plugins/filter/ (title, date, docno, …): a
--- declaration each, as those files are, listed after every directory of the path so
--- that a file of the same name (a user's, or a built-in one) replaces it.
local function schema_filters()
  local ok, fields = pcall(require, "bqw.fields")
  local out = {}
  for _, f in ipairs(ok and fields.ALL or {}) do
    if f.filter then
      local what = f.description:gsub("^%l", string.upper)
      out[#out + 1] = {
        name = f.filter,
        kind = "filter",
        engine = true,
        description = ("%s (field %s)."):format(what, f.name),
        ops = fields.ops(f),
        options = {},
        option_list = {},
        path = "core/bqw_schema.h: " .. f.name,
        origin = "builtin",
      }
    end
  end
  return out
end

local function build()
  registry, problems, shadowed = {}, {}, {}
  for _, kind in ipairs(M.KINDS) do
    registry[kind] = {}
  end
  for _, entry in ipairs(M.path()) do
    for _, kind in ipairs(M.KINDS) do
      local dir = entry.dir .. "/" .. kind
      for _, file in ipairs(lua_files(dir)) do
        local path = dir .. "/" .. file
        local plugin, err = load_plugin(path, kind, entry.origin)
        if not plugin then
          problems[#problems + 1] = { path = path, message = err }
        elseif registry[kind][plugin.name] then
          local by = registry[kind][plugin.name].path
          shadowed[#shadowed + 1] = { kind = kind, name = plugin.name, path = path, by = by }
        else
          registry[kind][plugin.name] = plugin
        end
      end
    end
  end
  for _, plugin in ipairs(schema_filters()) do
    local other = registry.filter[plugin.name]
    if not other then
      registry.filter[plugin.name] = plugin
    elseif other.origin ~= "builtin" then
      shadowed[#shadowed + 1] = { kind = "filter", name = plugin.name, path = plugin.path, by = other.path }
    end
  end
end

--- Forgets what was loaded; the next use searches the path again.
function M.reset()
  registry, problems, shadowed = nil, nil, nil
end

--- The names of the plugins of a kind, sorted.
local function sorted_names(kind)
  local names = {}
  for n in pairs(registry[kind]) do
    names[#names + 1] = n
  end
  table.sort(names)
  return names
end

--- The plugin of this kind and name, or nil, message, name: "ENOENT" (no such plugin;
--- the message suggests a near name) or "EPLUGIN" (its file failed to load).
function M.get(kind, name)
  if not M.ENTRY[kind] then
    error(("bqw.plugins.get: unknown kind %q (view, filter or export)"):format(tostring(kind)), 2)
  end
  if not registry then
    build()
  end
  local plugin = registry[kind][name]
  if plugin then
    return plugin
  end
  local names = sorted_names(kind)
  for _, p in ipairs(problems) do
    if p.path:match("/" .. kind .. "/" .. name:gsub("%p", "%%%0") .. "%.lua$") then
      return nil, ("plugin %s (%s): error: the %s plugin failed to load: %s"):format(name, p.path, kind, p.message), "EPLUGIN"
    end
  end
  local near = M.suggest(name, names)
  return nil,
    ("no %s plugin %q%s (available: %s)"):format(kind, name, near and ("; did you mean %s?"):format(near) or "", table.concat(names, ", ")),
    "ENOENT"
end

--- The candidate closest to word (edit distance at most 1 for a word of up to 3
--- bytes, else at most 2 or a third of its length), for a did-you-mean; nil when none
--- is close.
function M.suggest(word, candidates)
  word = tostring(word)
  local best, best_d = nil, #word <= 3 and 1 or math.max(2, math.floor(#word / 3))
  for _, c in ipairs(candidates) do
    -- Levenshtein distance over bytes, two rows
    local prev, cur = {}, {}
    for j = 0, #c do
      prev[j] = j
    end
    for i = 1, #word do
      cur[0] = i
      for j = 1, #c do
        local cost = word:byte(i) == c:byte(j) and 0 or 1
        cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      end
      prev, cur = cur, prev
    end
    if prev[#c] <= best_d and c ~= word then
      best, best_d = c, prev[#c] - 0.5 -- a later candidate must be strictly closer
    end
  end
  return best
end

--- Every active plugin, sorted by kind then name: { kind, name, origin, path,
--- description, replaces = path of a plugin it shadows or nil }.
function M.list(kind)
  if not registry then
    build()
  end
  local out = {}
  for _, k in ipairs(M.KINDS) do
    if not kind or kind == k then
      for _, n in ipairs(sorted_names(k)) do
        local p = registry[k][n]
        local replaces
        for _, s in ipairs(shadowed) do
          if s.kind == k and s.name == n then
            replaces = s.path
          end
        end
        out[#out + 1] = {
          kind = k,
          name = n,
          origin = p.origin,
          path = p.path,
          description = p.description,
          replaces = replaces,
        }
      end
    end
  end
  return out
end

--- Plugins that failed to load: { { path, message } }.
function M.problems()
  if not registry then
    build()
  end
  return problems
end

--- Calls plugin[fname](...) protected; returns true, results… or nil, message, "EPLUGIN"
--- where the message is "plugin NAME (PATH): error: " and what the plugin raised (with
--- its file and line, when the error has one).
local unpack = table.unpack or unpack -- luacheck: ignore 143

local function pack(...)
  return { n = select("#", ...), ... }
end

local USAGE = {
  __tostring = function(self)
    return self.message
  end,
}

--- An error a plugin raises (error(bqw.plugins.usage_error("no field \"x\""))) when
--- the caller's option or value is wrong rather than the plugin: M.call reports it as
--- "KIND NAME: message" with the name "EINVAL" (the command exits 2, a usage error).
function M.usage_error(message)
  return setmetatable({ message = tostring(message) }, USAGE)
end

function M.call(plugin, fname, ...)
  local results = pack(pcall(plugin[fname], ...))
  if results[1] then
    return true, unpack(results, 2, results.n)
  end
  if getmetatable(results[2]) == USAGE then
    return nil, ("%s %s: %s"):format(plugin.kind, plugin.name, results[2].message), "EINVAL"
  end
  return nil, ("plugin %s (%s): error: %s"):format(plugin.name, plugin.path, tostring(results[2])), "EPLUGIN"
end

--- The name of a failure (the third value of nil, message, name) from its message:
--- "EPLUGIN" when a plugin raised or failed to load (the message M.call and M.get
--- give: "plugin NAME (PATH): error: …", wherever it ends up), otherwise fallback.
function M.error_name(message, fallback)
  if type(message) == "string" and message:find("plugin [^%s]+ %([^%)]*%.lua%): error: ") then
    return "EPLUGIN"
  end
  return fallback
end

--- The options of the engine's compile (ds:query_compile) for a dataset whose records
--- get(id) builds as published: filter plugins the engine does not know, or that
--- replace a built-in one (a plugin not of bqw's own), are resolved and evaluated here,
--- in Lua, on the record; every other word is the engine's (binding/filter.c).
function M.engine_options(get, ctx, shape)
  local overridden = {}
  for _, p in ipairs(M.list("filter")) do
    if p.origin ~= "builtin" then
      overridden[#overridden + 1] = p.name
    end
  end
  local leaves = {}
  local last_id, last_record
  return {
    shape = shape,
    overridden = overridden,
    resolve = function(word, op, value)
      local plugin = M.get("filter", word)
      if not plugin or plugin.origin == "builtin" then
        return nil -- the engine's own message: an unknown filter
      end
      if op == nil then
        return 0 -- known; the engine says what is missing
      end
      local accepted = plugin.ops or { "=" }
      local ok = false
      for _, a in ipairs(accepted) do
        ok = ok or a == op
      end
      if not ok then
        return nil, ("filter %q does not take %s (it takes: %s)"):format(word, op, table.concat(accepted, " "))
      end
      if plugin.parse then
        local parsed, perr = plugin.parse(value, op)
        if parsed == nil then
          return nil, ("bad value for %s: %s"):format(word, perr or value), "value"
        end
        value = parsed
      end
      if plugin.prepare then
        local pok, prepared, err = M.call(plugin, "prepare", value, op, ctx or {})
        if not pok then
          return nil, tostring(prepared), "value"
        elseif prepared == nil then
          return nil, ("%s%s%s: %s"):format(word, op, tostring(value), err or "cannot prepare the filter"), "value"
        end
        value = prepared
      end
      leaves[#leaves + 1] = { plugin = plugin, op = op, value = value }
      return #leaves - 1
    end,
    eval = function(handle, id)
      local leaf = leaves[handle + 1]
      if id ~= last_id then
        last_id, last_record = id, get(id)
      end
      local ok, result = M.call(leaf.plugin, "match", last_record, leaf.op, leaf.value)
      if not ok then
        error(result, 0)
      end
      return result and true or false
    end,
  }
end

return M
