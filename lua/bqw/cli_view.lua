--- `bqw view NAME`'s own options (issue 19): --opt KEY=VALUE gives a view plugin an
--- option it declares (bqw.plugins.option_list), `bqw view NAME --help` lists them.
--- The command line (bqw.cli) hands in how it speaks: cli = { complain, say, pad,
--- flush, failure_code, EXIT_OK, EXIT_USAGE }.
local M = {}

--- The view plugin's own options given as --opt KEY=VALUE: a table for ds:view, or
--- nil and the exit status after a message (an option the plugin does not declare,
--- a value of the wrong type: usage errors).
function M.options(args, cli)
  local plugin = assert(require("bqw.plugins").get("view", args.name))
  local declared, names = {}, {}
  for _, o in ipairs(plugin.option_list or {}) do
    declared[o.name] = o
    names[#names + 1] = o.name
  end
  local opts = {}
  for _, word in ipairs(args.opt or {}) do
    local key, value = word:match("^([^=]+)=(.*)$")
    if not key then
      cli.complain("--opt %q: expected KEY=VALUE, e.g. --opt columns=id,city\nTry 'bqw view %s --help'.", word, args.name)
      return nil, cli.EXIT_USAGE
    end
    local o = declared[key]
    if not o then
      local near = require("bqw.plugins").suggest(key, names)
      cli.complain(
        "view %q has no option %q%s (%s)\nTry 'bqw view %s --help'.",
        args.name,
        key,
        near and ("; did you mean %s?"):format(near) or "",
        #names > 0 and ("its options: " .. table.concat(names, ", ")) or "it declares no options",
        args.name
      )
      return nil, cli.EXIT_USAGE
    end
    if o.type == "number" then
      value = tonumber(value)
    elseif o.type == "boolean" then
      value = ({ ["true"] = true, yes = true, ["1"] = true, ["false"] = false, no = false, ["0"] = false })[value:lower()]
    end
    if value == nil then
      cli.complain("--opt %s: expected a %s, got %q", key, o.type, word:match("=(.*)$"))
      return nil, cli.EXIT_USAGE
    end
    opts[key] = value
  end
  return opts
end

-- Options of `bqw view` that take a value (the word after them is not the view's name).
local VIEW_VALUE_OPTIONS = {
  ["--data"] = true,
  ["--max-size"] = true,
  ["--script"] = true,
  ["--ambiwidth"] = true,
  ["--width"] = true,
  ["--color"] = true,
  ["--where"] = true,
  ["--sort"] = true,
  ["--columns"] = true,
  ["--opt"] = true,
}

--- bqw view NAME --help: the command's help, then the options the view declares
--- (--opt KEY=VALUE); nil when the words ask for no view's help.
function M.help(words, first, parser, cli)
  local name, help = nil, false
  local j = first + 1
  while words[j] do
    local w = words[j]
    if w == "-h" or w == "--help" then
      help = true
    elseif VIEW_VALUE_OPTIONS[w] then
      j = j + 1
    elseif w:sub(1, 1) ~= "-" and not name then
      name = w
    end
    j = j + 1
  end
  if not (help and name) then
    return nil
  end
  local plugin, err, ename = require("bqw.plugins").get("view", name)
  if not plugin then
    cli.complain("%s", err)
    return cli.failure_code(err, ename)
  end
  local cmd
  for _, c in ipairs(parser._commands) do
    cmd = c._name == "view" and c or cmd
  end
  cli.say(cmd:get_help())
  cli.say("")
  cli.say(("View %s: %s"):format(name, plugin.description))
  local list = plugin.option_list or {}
  if #list == 0 then
    cli.say("It declares no options of its own (--opt KEY=VALUE).")
  else
    cli.say("Its options (--opt KEY=VALUE, repeatable):")
    for _, o in ipairs(list) do
      local extra = {}
      if o.type ~= "string" then
        extra[#extra + 1] = o.type
      end
      if o.default ~= nil then
        extra[#extra + 1] = "default: " .. tostring(o.default)
      end
      cli.say(("   %s %s%s"):format(cli.pad(o.name, 16), o.description, #extra > 0 and (" (" .. table.concat(extra, "; ") .. ")") or ""))
    end
  end
  cli.flush()
  return cli.EXIT_OK
end

return M
