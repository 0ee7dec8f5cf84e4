--- bqw inside Neovim: views drawn into scratch buffers with highlights and folds, and
--- the :Bqw command. The views are the same plugins the command line draws.
local bqw = require("bqw")
local view_util = require("bqw.view_util")

local M = {}

local api = vim.api
local ns = api.nvim_create_namespace("bqw")
local state = { dataset = nil }

--- The view result behind each bqw buffer: M.buffers[buf].ids[line] is a record id.
M.buffers = {}

--- Options: those of bqw.setup (data, script, plugin_path, ambiwidth; ambiwidth follows
--- 'ambiwidth' unless given) plus default_view (default "tree").
function M.setup(opts)
  opts = opts or {}
  local core_opts, own = {}, { default_view = true }
  for k, v in pairs(opts) do
    if not own[k] then
      core_opts[k] = v
    end
  end
  if core_opts.ambiwidth == nil then
    core_opts.ambiwidth = vim.o.ambiwidth == "double" and 2 or 1
  end
  bqw.setup(core_opts)
  M.default_view = opts.default_view or "tree"
  state.dataset = nil
  return M
end

local function highlights()
  for group, link in pairs(view_util.GROUPS) do
    api.nvim_set_hl(0, group, { link = link, default = true })
  end
end

--- The dataset, loaded on first use.
function M.dataset()
  if not state.dataset then
    local ds, err = bqw.load()
    if not ds then
      error(err, 0)
    end
    state.dataset = ds
  end
  return state.dataset
end

local function notify(msg, level)
  vim.notify("bqw: " .. msg, level or vim.log.levels.INFO)
end

--- Draws a view result into a scratch buffer in the current window; returns the buffer.
function M.draw(result, title)
  highlights()
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_option(buf, "buftype", "nofile")
  api.nvim_buf_set_option(buf, "bufhidden", "wipe")
  api.nvim_buf_set_option(buf, "swapfile", false)
  api.nvim_buf_set_lines(buf, 0, -1, false, result.lines)
  api.nvim_buf_set_option(buf, "modifiable", false)
  api.nvim_buf_set_option(buf, "filetype", "bqw")
  pcall(api.nvim_buf_set_name, buf, "bqw://" .. title)
  for _, h in ipairs(result.highlights) do
    api.nvim_buf_add_highlight(buf, ns, h.group, h.line - 1, h.first, h.last)
  end
  api.nvim_win_set_buf(0, buf)
  local win = api.nvim_get_current_win()
  api.nvim_win_set_option(win, "foldmethod", "manual")
  api.nvim_win_set_option(win, "foldenable", true)
  vim.cmd("normal! zE")
  for _, f in ipairs(result.folds) do
    vim.cmd(("%d,%dfold"):format(f.first, f.last))
  end
  vim.cmd("normal! zR")
  -- the record behind each line, for the buffer's keymaps (a sparse table: kept in Lua)
  M.buffers[buf] = result
  api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    once = true,
    callback = function()
      M.buffers[buf] = nil
    end,
  })
  api.nvim_buf_set_keymap(buf, "n", "q", "<cmd>bwipeout<cr>", { nowait = true, silent = true, desc = "bqw: close" })
  return buf
end

--- Shows a view: name (default M.default_view), opts as ds:view takes them; the width
--- is the window's.
function M.show(name, opts)
  opts = opts or {}
  name = name or M.default_view or "tree"
  opts.width = opts.width or api.nvim_win_get_width(0)
  local result, err = M.dataset():view(name, opts)
  if not result then
    notify(err, vim.log.levels.ERROR)
    return nil, err
  end
  return M.draw(result, name)
end

local subcommands = {}

function subcommands.view(args)
  local name = table.remove(args, 1)
  local where = #args > 0 and table.concat(args, " ") or nil
  return M.show(name, { where = where })
end

function subcommands.filter(args)
  return M.show(M.default_view or "tree", { where = table.concat(args, " ") })
end

function subcommands.search(args)
  local query = table.concat(args, " ")
  local result, err = M.dataset():search(query, { limit = 200 })
  if not result then
    return notify(err, vim.log.levels.ERROR)
  end
  local b = view_util.builder()
  for _, hit in ipairs(result.hits) do
    local text = view_util.one_line(hit.text)
    local head = ("%3d %-8s "):format(hit.id, hit.field)
    local segments, pos = { { head, "BqwDim" } }, 0
    for _, s in ipairs(hit.spans) do
      segments[#segments + 1] = text:sub(pos + 1, s[1])
      segments[#segments + 1] = { text:sub(s[1] + 1, s[2]), "BqwMatch" }
      pos = s[2]
    end
    segments[#segments + 1] = text:sub(pos + 1)
    b:line(segments, hit.id)
  end
  notify(("%d of %d matching fields"):format(#result.hits, result.total))
  return M.draw(b:result(), "search")
end

--- :Bqw [view NAME [EXPR] | filter EXPR | search QUERY]
function M.command(fargs)
  local args = {}
  for i, a in ipairs(fargs or {}) do
    args[i] = a
  end
  if #args == 0 then
    return M.show()
  end
  local sub = table.remove(args, 1)
  local fn = subcommands[sub]
  if not fn then
    local names = vim.tbl_keys(subcommands)
    table.sort(names)
    return notify(("unknown subcommand %q (%s)"):format(sub, table.concat(names, ", ")), vim.log.levels.ERROR)
  end
  local ok, err = pcall(fn, args)
  if not ok then
    notify(tostring(err), vim.log.levels.ERROR)
  end
end

--- Completion for :Bqw: subcommands, then view names.
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, "%s+", { trimempty = false })
  local candidates = {}
  if #words <= 2 then
    candidates = vim.tbl_keys(subcommands)
  elseif words[2] == "view" and #words == 3 then
    for _, p in ipairs(require("bqw.plugins").list("view")) do
      candidates[#candidates + 1] = p.name
    end
  end
  table.sort(candidates)
  return vim.tbl_filter(function(c)
    return c:sub(1, #arglead) == arglead
  end, candidates)
end

return M
