--- The command line's parser: argparse's, built from the command reference
--- (lua/bqw/commands.lua), so that `bqw --help`, the man page and the completions name
--- the same commands and options; and the sizes --max-size takes.
local argparse = require("bqw.vendor.argparse")

local M = {}

--- The epilog's exit status line, from the command reference (lua/bqw/commands.lua).
local function exit_status()
  local parts = {}
  for _, e in ipairs(require("bqw.commands").exit_status) do
    parts[#parts + 1] = e[1] .. " " .. e[2]
  end
  return "Exit status: " .. table.concat(parts, "; ") .. "."
end

--- One option of the command reference on an argparse command (or the parser): its
--- names, help, value name, choices ("facet": bqw.facet's NAMES), default and count.
local function add_option(cmd, o)
  if o.names == "-h --help" then
    return -- argparse's own
  end
  local choices = o.choices or (o.complete == "facet" and require("bqw.facet").NAMES) or nil
  local opt = o.arg and cmd:option(o.names, o.help) or cmd:flag(o.names, o.help)
  if o.arg and (not o.choices or o.show_arg) then
    opt:argname(o.arg)
  end
  if choices then
    opt:choices(choices)
  end
  if o.default ~= nil then
    opt:default(o.default)
  end
  if o.required then
    opt:count(1)
  elseif o.repeatable then
    opt:count("*")
  end
  return opt
end

--- The argparse parser of the command reference (lua/bqw/commands.lua).
function M.parser()
  local ref = require("bqw.commands")
  local parser = argparse(ref.program, ref.summary)
    :epilog(table.concat({
      "With no command, bqw prints the overview.",
      "--data FILE (or $BQW_DATA) reads another digest instead of the shipped one.",
      exit_status(),
      "Docs: man bqw, :help bqw (doc/bqw.txt), README.md.",
    }, "\n"))
    :command_target("command")
    :require_command(false)
    :help_max_width(100)
  for _, o in ipairs(ref.global) do
    local opt = add_option(parser, o)
    if opt and o.names == "--data" then
      opt:target("global_data") -- before the command; the command's own --data wins
    end
  end
  for _, c in ipairs(ref.commands) do
    local cmd = parser:command(c.name, c.help)
    for _, o in ipairs(c.options) do
      add_option(cmd, o)
    end
    for _, a in ipairs(c.arguments or {}) do
      local arg = cmd:argument(a.name, a.help)
      if a.args then
        arg:args(a.args)
      end
    end
  end
  return parser
end

--- "N", "NK", "NM", "NG" (also lower case; binary multiples) as a number of bytes, or nil.
function M.parse_size(text)
  local digits, suffix = tostring(text):match("^(%d+)([KkMmGg]?)$")
  if not digits or #digits > 15 then
    return nil
  end
  local n = tonumber(digits) * ({ [""] = 1, k = 1024, m = 1024 ^ 2, g = 1024 ^ 3 })[suffix:lower()]
  if n < 1 or n > 2 ^ 53 then
    return nil
  end
  return n
end

return M
