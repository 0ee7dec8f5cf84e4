--- :Bqw and its completion.
local bqw = require("bqw")
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")
local view_util = require("bqw.view_util")

local M = {}

local api = vim.api

local function config()
  return require("bqw.nvim").config
end

local subcommands = {}

function subcommands.view(args)
  local name = table.remove(args, 1)
  local where = #args > 0 and table.concat(args, " ") or nil
  return draw.show(name, where)
end

function subcommands.filter(args)
  return draw.show(config().default_view, table.concat(args, " "))
end

--- The search results in a buffer: each hit's record, field, source line and text,
--- the matches highlighted.
function M.search(query, pinyin)
  data.with_dataset(function(ds)
    local result, err = ds:search(query, { limit = 500, pinyin = pinyin })
    if not result then
      return data.notify(err, vim.log.levels.ERROR)
    end
    local b = view_util.builder()
    for _, hit in ipairs(result.hits) do
      local r = hit.record
      local line = hit.field == "measure" and r.measure_lines[hit.item] or r.line
      local text = view_util.one_line(hit.text)
      local head = { { ("%3d "):format(hit.id), "BqwId" }, { ("L%-5d "):format(line), "BqwLine" }, { ("%-8s "):format(hit.field), "BqwDim" } }
      b:line(view_util.matched(head, text, hit.spans), hit.id)
    end
    local buf = draw.new_buffer("search")
    local status = ("search: %s — %d of %s"):format(query, #result.hits, data.count(result.total, "matching field"))
    draw.draw_into(buf, b:result(), { status = status, query = query })
  end)
end

function subcommands.search(args)
  local pinyin = false
  if args[1] == "--pinyin" then
    pinyin = true
    table.remove(args, 1)
  end
  M.search(table.concat(args, " "), pinyin)
end

-- :Bqw export FORMAT PATH [EXPR] exports what the current view or search shows, in
-- its order (its filter, the live one, its sort), EXPR narrowing it; --all exports
-- every record (EXPR still applies).
function subcommands.export(args)
  local all = false
  for i = #args, 1, -1 do
    if args[i] == "--all" then
      all = true
      table.remove(args, i)
    end
  end
  local format, path = args[1], args[2]
  if not (format and path) then
    return data.notify("usage: :Bqw export [--all] FORMAT PATH [EXPR]", vim.log.levels.ERROR)
  end
  local expr = #args > 2 and table.concat(args, " ", 3) or nil
  local actions = require("bqw.nvim.actions")
  local ids = (not all) and actions.shown_ids(api.nvim_get_current_buf()) or nil
  actions.export(format, path, expr, ids)
end

function subcommands.check()
  local path = data.source_file()
  local result, err = bqw.check(bqw.default_path())
  if not result then
    return data.notify(err, vim.log.levels.ERROR)
  end
  local items = {}
  for _, d in ipairs(result.diagnostics) do
    items[#items + 1] = {
      filename = result.name:find("^%(embedded%)") and path or result.name,
      lnum = d.line,
      col = d.col_byte or d.col, -- the quickfix list counts bytes
      text = d.message,
      type = d.severity:sub(1, 1):upper(),
    }
  end
  vim.fn.setqflist({}, " ", { title = "bqw check " .. result.name, items = items })
  if #items > 0 then
    vim.cmd("copen")
  end
  data.notify(("%s in the quickfix list"):format(data.count(#items, "diagnostic")))
end

function subcommands.reload()
  data.reset()
  data.with_dataset(function(ds)
    data.notify(("reloaded: %s"):format(data.count(ds:count(), "record")))
    draw.refresh_all()
  end)
end

function subcommands.plugins()
  local b = view_util.builder()
  for _, p in ipairs(require("bqw.plugins").list()) do
    b:line({ { ("%-7s"):format(p.kind), "BqwKind" }, { ("%-10s"):format(p.name), "BqwTitle" }, { ("%-8s"):format(p.origin), "BqwDim" }, p.description })
  end
  for _, p in ipairs(require("bqw.plugins").problems()) do
    b:line({ { "not loaded: " .. p.message, "ErrorMsg" } })
  end
  local buf = draw.new_buffer("plugins")
  draw.draw_into(buf, b:result(), {})
end

--- :Bqw facet FIELD [EXPR]: the values of a field with their counts (bqw.facet, as
--- `bqw facet` counts them) in vim.ui.select; choosing one shows the default view
--- filtered to it (and to EXPR).
function subcommands.facet(args)
  local field = table.remove(args, 1)
  local names = require("bqw.facet").NAMES
  if not field or not vim.tbl_contains(names, field) then
    return data.notify(("facet of what? %s"):format(table.concat(names, ", ")), vim.log.levels.ERROR)
  end
  local where = #args > 0 and table.concat(args, " ") or nil
  data.with_dataset(function(ds)
    local counts, err = ds:facet(field, { where = where })
    if not counts then
      return data.notify(err, vim.log.levels.ERROR)
    end
    data.select(counts, {
      prompt = "bqw facet " .. field,
      kind = "bqw.facet",
      format_item = function(c)
        return ("%s  %d"):format(tostring(c.value), c.count)
      end,
    }, function(c)
      if c then
        local term = ("%s=%q"):format(field, tostring(c.value))
        draw.show(config().default_view, where and ("(%s) and %s"):format(where, term) or term)
      end
    end)
  end)
end

--- :Bqw code [EXPR]: the codings (of the records EXPR selects) in a buffer; <CR> opens
--- a coding's record at its measure.
function subcommands.code(args)
  require("bqw.nvim.code").list(#args > 0 and table.concat(args, " ") or nil)
end

M.PICKERS = { "records", "search", "views", "exports" }

function subcommands.pick(args)
  local what = args[1] or "records"
  local pick = require("bqw.nvim.pick")
  if not vim.tbl_contains(M.PICKERS, what) then
    return data.notify(("pick what? %s"):format(table.concat(M.PICKERS, ", ")), vim.log.levels.ERROR)
  end
  pick[what](api.nvim_get_current_buf(), table.concat(args, " ", 2))
end

--- :Bqw [view NAME [EXPR] | filter EXPR | search [--pinyin] QUERY | export [--all]
--- FORMAT PATH [EXPR] | check | reload | plugins | pick [WHAT] | facet FIELD [EXPR] |
--- code [EXPR]]
function M.command(fargs)
  local args = {}
  for i, a in ipairs(fargs or {}) do
    args[i] = a
  end
  if #args == 0 then
    return draw.show()
  end
  local sub = table.remove(args, 1)
  local fn = subcommands[sub]
  if not fn then
    local names = vim.tbl_keys(subcommands)
    table.sort(names)
    return data.notify(("unknown subcommand %q (%s)"):format(sub, table.concat(names, ", ")), vim.log.levels.ERROR)
  end
  local ok, err = pcall(fn, args)
  if not ok then
    data.notify(tostring(err), vim.log.levels.ERROR)
  end
end

-- The values of each filter's field in the data, for completion; built once per
-- dataset, and only once it is loaded (completion never waits for a load).
local values_cache = {}

local function values_of(filter)
  local ds = data.current()
  if not ds then
    return {}
  end
  local gen = data.generation()
  if values_cache.generation ~= gen then
    values_cache = { generation = gen, by_filter = {} }
  end
  local cached = values_cache.by_filter[filter]
  if cached then
    return cached
  end
  -- the record key a filter word tests, as the schema says ("issuer": issuers)
  local fields = require("bqw.fields")
  local field = fields.BY_FILTER[filter] or fields.BY_NAME[filter]
  local key = field and field.name or filter
  local seen, list = {}, {}
  -- code: the codebook's codes (record tables do not carry them)
  for _, c in ipairs(key == "code" and ds:codes() or {}) do
    seen[c.code] = true
    list[#list + 1] = c.code
  end
  for _, r in ipairs(key == "code" and {} or ds:records()) do
    local v = r[key]
    for _, item in ipairs(type(v) == "table" and v or { v }) do
      local s = tostring(item)
      if not seen[s] and s ~= "" then
        seen[s] = true
        list[#list + 1] = s
      end
    end
  end
  local core = require("bqw.core")
  table.sort(list, function(a, b)
    return core.collate_key(a) < core.collate_key(b)
  end)
  values_cache.by_filter[filter] = list
  return list
end

--- Completion for :Bqw: subcommands, then view, export or picker names, then filter
--- words and, after "field=", the field's values in the data (region=粤 → 粤北 粤东 粤西).
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, "%s+", { trimempty = false })
  local candidates = {}
  local sub = words[2]
  if #words <= 2 then
    candidates = vim.tbl_keys(subcommands)
  elseif (sub == "view" or sub == "export") and #words == 3 then
    for _, p in ipairs(require("bqw.plugins").list(sub)) do
      candidates[#candidates + 1] = p.name
    end
    if sub == "export" then
      candidates[#candidates + 1] = "--all"
    end
  elseif sub == "pick" and #words == 3 then
    candidates = vim.deepcopy(M.PICKERS)
  elseif sub == "facet" and #words == 3 then
    candidates = vim.deepcopy(require("bqw.facet").NAMES)
  elseif sub == "view" or sub == "filter" or sub == "code" or (sub == "export" and #words >= 5) or (sub == "facet" and #words >= 4) then
    local field, op, partial = arglead:match("^([%w_]+)([=~]+)(.*)$")
    if field then
      for _, v in ipairs(values_of(field)) do
        if v:sub(1, #partial) == partial then
          candidates[#candidates + 1] = field .. op .. v
        end
      end
      return candidates
    end
    for _, p in ipairs(require("bqw.plugins").list("filter")) do
      candidates[#candidates + 1] = p.name .. "="
    end
  end
  table.sort(candidates)
  return vim.tbl_filter(function(c)
    return c:sub(1, #arglead) == arglead
  end, candidates)
end

return M
