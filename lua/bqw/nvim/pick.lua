--- Pickers through vim.ui.select (so dressing.nvim, fzf-lua's or telescope's ui-select
--- replacements show them): records, search hits, views, export formats.
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")
local view_util = require("bqw.view_util")

local M = {}


--- One line for a record: id, kind, source line, its title or what stands for one.
function M.record_line(r)
  return ("%d  %s  L%d  %s"):format(r.id, r.kind, r.line, view_util.one_line(view_util.label(r)))
end

--- One line for a search hit: record, source line, field, text.
function M.hit_line(hit)
  local r = hit.record
  local line = hit.field == "measure" and r.measure_lines[hit.item] or r.line
  return ("%d  L%d  %s  %s"):format(hit.id, line, hit.field, view_util.one_line(hit.text))
end

local source_cache = {}

--- The lines of the source file (read once per file and change).
local function source_lines(file)
  local stat = (vim.uv or vim.loop).fs_stat(file)
  local stamp = stat and (stat.mtime.sec .. ":" .. stat.size) or ""
  local c = source_cache[file]
  if not c or c.stamp ~= stamp then
    c = { stamp = stamp, lines = vim.fn.filereadable(file) == 1 and vim.fn.readfile(file) or {} }
    source_cache[file] = c
  end
  return c.lines
end

--- What a previewer shows for a record: the record in full (the detail view), then
--- its source lines with their numbers.
function M.preview_lines(ds, r, width)
  local out = {}
  local detail = ds:view("detail", { where = "id=" .. r.id, width = width or 80 })
  for _, l in ipairs(detail and detail.lines or {}) do
    out[#out + 1] = l
  end
  local last = r.line
  for _, l in ipairs(r.measure_lines or {}) do
    last = math.max(last, l)
  end
  local file = data.source_file()
  local lines = file and source_lines(file) or {}
  out[#out + 1] = ""
  out[#out + 1] = ("── source %s L%d–%d ──"):format(file and vim.fn.fnamemodify(file, ":t") or "?", r.line, last)
  for l = r.line, math.min(last, #lines) do
    out[#out + 1] = ("%5d  %s"):format(l, lines[l])
  end
  return out
end

-- The detail of a record in a split, the current view staying.
function M.open_record(id)
  vim.cmd("split")
  draw.show("detail", "id=" .. id)
end

--- The records of the view in buf (its filter), or every record; the chosen one opens.
function M.records(buf)
  local b = draw.buffers[buf]
  data.with_dataset(function(ds)
    local q, err = ds:query(b and b.name and draw.where_of(b) or nil)
    if not q then
      return data.notify(err, vim.log.levels.ERROR)
    end
    local records = q:all()
    data.select(records, { prompt = "bqw record", format_item = M.record_line, kind = "bqw.record" }, function(r)
      if r then
        M.open_record(r.id)
      end
    end)
  end)
end

--- Asks for a query (or takes it), then picks among the hits; the chosen one opens at
--- its source line.
function M.search(_, query)
  local function run(q)
    if not q or vim.trim(q) == "" then
      return
    end
    data.with_dataset(function(ds)
      local result, err = ds:search(q, { limit = 500 })
      if not result then
        return data.notify(err, vim.log.levels.ERROR)
      end
      local opts = { prompt = "bqw search: " .. q, format_item = M.hit_line, kind = "bqw.hit" }
      data.select(result.hits, opts, function(hit)
        if hit then
          local file = data.source_file()
          local line = hit.field == "measure" and hit.record.measure_lines[hit.item] or hit.record.line
          if file then
            require("bqw.nvim.actions").open_source(file, line)
          end
        end
      end)
    end)
  end
  if query and query ~= "" then
    return run(query)
  end
  data.input({ prompt = "bqw search: " }, run)
end

--- The view plugins; the chosen one opens with the current view's filter.
function M.views(buf)
  local b = draw.buffers[buf]
  local views = require("bqw.plugins").list("view")
  data.select(views, {
    prompt = "bqw view",
    format_item = function(p)
      return ("%-9s %s"):format(p.name, p.description or "")
    end,
    kind = "bqw.view",
  }, function(p)
    if p then
      draw.show(p.name, b and b.name and draw.where_of(b) or nil)
    end
  end)
end

--- The export plugins; asks for a file, then exports what the current view shows.
function M.exports(buf)
  local ids = require("bqw.nvim.actions").shown_ids(buf)
  data.select(require("bqw.plugins").list("export"), {
    prompt = "bqw export",
    format_item = function(p)
      return ("%-9s %s"):format(p.name, p.description or "")
    end,
    kind = "bqw.export",
  }, function(p)
    if not p then
      return
    end
    data.input({ prompt = "bqw export to: ", default = "bqw." .. p.name, completion = "file" }, function(path)
      if path and path ~= "" then
        require("bqw.nvim.actions").export(p.name, path, nil, ids)
      end
    end)
  end)
end


return M
