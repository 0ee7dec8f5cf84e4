--- bqw inside Neovim: setup() and the module's public face. The work is done by
--- bqw.nvim.data (the dataset: background load, watch), .draw (views in buffers),
--- .filter (the live filter), .actions (the keys), .commands (:Bqw), .pick (pickers)
--- and .health (:checkhealth bqw). The views are the same plugins the command line
--- draws; the core Lua API (bqw, bqw.*) knows nothing of Neovim.
require("bqw.loader") -- bqw's modules from bqw's directory, never Neovim's working directory
local M = {}

--- The defaults; keymaps come from the action list (bqw.nvim.actions).
M.defaults = {
  default_view = "tree", -- the view :Bqw opens
  float = false, -- <CR> opens a record's detail in a float instead of a split
  debounce = 150, -- ms the live filter waits after a keystroke
  large = 20000, -- a dataset of more records has its views built off Neovim's thread
  load_nice = 10, -- loads and reloads run on a thread this many nice steps below Neovim
  code_highlight = true, -- the evidence of the codes highlighted in views (BqwCode)
  code_hover = false, -- the codes of the record under the cursor echoed on CursorHold
  keymaps = require("bqw.nvim.actions").defaults(),
}

M.config = vim.deepcopy(M.defaults)

local CORE_OPTIONS = { data = true, script = true, plugin_path = true, ambiwidth = true }

local function fail(msg)
  error("bqw.nvim.setup: " .. msg, 3)
end

--- The new configuration from opts, or raises naming the bad option; applies nothing.
local function validate(opts)
  local config = vim.deepcopy(M.defaults)
  local core_opts = {}
  for k in pairs(opts) do
    if CORE_OPTIONS[k] then
      core_opts[k] = opts[k]
    elseif M.defaults[k] == nil then
      local known = vim.tbl_keys(M.defaults)
      vim.list_extend(known, vim.tbl_keys(CORE_OPTIONS))
      table.sort(known)
      fail(("unknown option %q (known: %s)"):format(tostring(k), table.concat(known, ", ")))
    end
  end
  if core_opts.ambiwidth == nil then
    core_opts.ambiwidth = vim.o.ambiwidth == "double" and 2 or 1
  end
  local ok, err = pcall(require("bqw.config").validate, core_opts, 1)
  if not ok then
    fail(tostring(err):gsub("^bqw%.setup: ", ""))
  end
  if opts.default_view ~= nil then
    if type(opts.default_view) ~= "string" or not require("bqw.plugins").get("view", opts.default_view) then
      fail(("default_view %q is no view plugin"):format(tostring(opts.default_view)))
    end
    config.default_view = opts.default_view
  end
  if opts.float ~= nil then
    if type(opts.float) ~= "boolean" then
      fail("float must be true or false")
    end
    config.float = opts.float
  end
  if opts.debounce ~= nil then
    if type(opts.debounce) ~= "number" or opts.debounce < 0 then
      fail("debounce must be a number of milliseconds >= 0")
    end
    config.debounce = opts.debounce
  end
  if opts.large ~= nil then
    if type(opts.large) ~= "number" or opts.large < 0 or opts.large ~= math.floor(opts.large) then
      fail("large must be a whole number of records >= 0")
    end
    config.large = opts.large
  end
  if opts.load_nice ~= nil then
    local n = opts.load_nice
    if type(n) ~= "number" or n < 0 or n > 19 or n ~= math.floor(n) then
      fail("load_nice must be a whole number from 0 (libuv's threadpool, normal priority) to 19 (lowest)")
    end
    config.load_nice = n
  end
  for _, k in ipairs({ "code_highlight", "code_hover" }) do
    if opts[k] ~= nil then
      if type(opts[k]) ~= "boolean" then
        fail(k .. " must be true or false")
      end
      config[k] = opts[k]
    end
  end
  if opts.keymaps ~= nil and type(opts.keymaps) ~= "table" then
    fail("keymaps must be a table { action = lhs or false }")
  end
  for action, lhs in pairs(opts.keymaps or {}) do
    if config.keymaps[action] == nil then
      local names = vim.tbl_keys(M.defaults.keymaps)
      table.sort(names)
      fail(("keymaps.%s is no action (%s)"):format(tostring(action), table.concat(names, ", ")))
    end
    if lhs ~= false and (type(lhs) ~= "string" or lhs == "") then
      fail(("keymaps.%s must be a key sequence or false"):format(action))
    end
    config.keymaps[action] = lhs
  end
  return config, core_opts
end

--- Validates every option, then applies them; a bad one raises with its name and
--- changes nothing. Options: those of bqw.setup (data, script, plugin_path,
--- ambiwidth: default from 'ambiwidth'), and default_view, float, debounce, large,
--- load_nice, code_highlight, code_hover, keymaps = { action = lhs or false }.
function M.setup(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bqw.nvim.setup: expected a table of options", 2)
  end
  local config, core_opts = validate(opts)
  require("bqw").setup(core_opts)
  M.config = config
  require("bqw.nvim.data").reset()
  return M
end

-- The public face, as before the split into modules.
local data = require("bqw.nvim.data")
local draw = require("bqw.nvim.draw")
local actions = require("bqw.nvim.actions")
local commands = require("bqw.nvim.commands")

-- each module's functions under the same name here
for mod, names in pairs({
  [data] = { "loop", "reset", "with_dataset", "dataset", "source_file" },
  [draw] = { "buffers", "refresh_all", "draw_into", "render_into", "show" },
  [actions] = { "markdown", "export" },
  [commands] = { "command", "complete" },
}) do
  for _, name in ipairs(names) do
    M[name] = mod[name]
  end
end
M.keymap_actions = actions.by_name
M.filter_expression = require("bqw.nvim.filter").expression
M.live_filter = require("bqw.nvim.filter").live

return M
