-- Generates the command reference from lua/bqw/commands.lua, so the man page, the
-- shell completions and :help bqw-cli cannot drift from the parser (which
-- tests/lua/commands_spec.lua checks against the same table).
--   lua5.4 tools/gen_cli_ref.lua man VERSION OUT     share/man/man1/bqw.1
--   lua5.4 tools/gen_cli_ref.lua bash|zsh|fish OUT   completions
--   lua5.4 tools/gen_cli_ref.lua vimdoc DOC          rewrites the *bqw-cli* section of DOC
--   lua5.4 tools/gen_cli_ref.lua vimdoc-check DOC    fails when that section is stale
local mode = arg[1]
local here = arg[0]:match("^(.*)/tools/[^/]*$") or "."
local ref = dofile(here .. "/lua/bqw/commands.lua")

local function names(o)
  local t = {}
  for n in o.names:gmatch("%S+") do
    t[#t + 1] = n
  end
  return t
end

local function long_name(o)
  local n = names(o)
  return n[#n]
end

local function placeholder(a)
  local up = a.name:upper()
  if a.args == "?" then
    return "[" .. up .. "]"
  elseif a.args == "*" then
    return "[" .. up .. "...]"
  end
  return up
end

local function option_usage(o, sep)
  local s = table.concat(names(o), ", ")
  if o.choices then
    return s .. (sep or " ") .. table.concat(o.choices, "|")
  elseif o.arg then
    return s .. (sep or " ") .. o.arg
  end
  return s
end

-- options shared by several commands (the same table in commands.lua) are described once
local uses = {}
for _, c in ipairs(ref.commands) do
  for _, o in ipairs(c.options) do
    uses[o] = (uses[o] or 0) + 1
  end
end
local shared, seen = {}, {}
for _, c in ipairs(ref.commands) do
  for _, o in ipairs(c.options) do
    if uses[o] > 1 and not seen[o] and o.names ~= "-h --help" then
      seen[o] = true
      shared[#shared + 1] = o
    end
  end
end

local function synopsis(c)
  local parts = { ref.program, c.name }
  for _, o in ipairs(c.options) do
    if o.names ~= "-h --help" then
      local u = long_name(o) .. (o.choices and (" " .. table.concat(o.choices, "|")) or (o.arg and (" " .. o.arg) or ""))
      parts[#parts + 1] = o.required and u or ("[" .. u .. "]")
    end
  end
  for _, a in ipairs(c.arguments or {}) do
    parts[#parts + 1] = placeholder(a)
  end
  return table.concat(parts, " ")
end

local function wrap(text, width, indent)
  local lines, line = {}, ""
  for word in text:gmatch("%S+") do
    if line ~= "" and utf8.len(line) + 1 + utf8.len(word) > width then
      lines[#lines + 1] = line
      line = word
    else
      line = line == "" and word or (line .. " " .. word)
    end
  end
  lines[#lines + 1] = line
  return indent .. table.concat(lines, "\n" .. indent)
end

local out = {}
local function w(...)
  out[#out + 1] = table.concat({ ... })
end

-- ---- man page ----------------------------------------------------------------------
local function roff(s)
  s = s:gsub("\\", "\\e"):gsub("%-", "\\-")
  return (s:gsub("^([.'])", "\\&%1"))
end

local function man_option(o)
  local parts = {}
  for _, n in ipairs(names(o)) do
    parts[#parts + 1] = "\\fB" .. roff(n) .. "\\fR"
  end
  local s = table.concat(parts, ", ")
  if o.choices then
    s = s .. " \\fI" .. roff(table.concat(o.choices, "|")) .. "\\fR"
  elseif o.arg then
    s = s .. " \\fI" .. roff(o.arg) .. "\\fR"
  end
  w(".TP")
  w(s)
  w(roff(o.help .. (o.required and " Required." or "")))
end

local function man(version)
  w('.TH BQW 1 "" "bqw ', version, '" "User Commands"')
  w(".na") -- left-aligned: a long synopsis is not spread out ("bqw  export")
  w(".\\\" Generated from lua/bqw/commands.lua by tools/gen_cli_ref.lua: edit those, not this.")
  w(".SH NAME")
  w("bqw \\- ", roff(ref.summary:gsub("%.$", ""):gsub("^%u", string.lower)))
  w(".SH SYNOPSIS")
  w(".B bqw")
  w("[\\fB\\-\\-data\\fR \\fIFILE\\fR] [\\fICOMMAND\\fR] [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]")
  w(".br")
  w(".B bqw")
  w("\\fB\\-\\-version\\fR [\\fB\\-\\-verbose\\fR] | \\fB\\-\\-help\\fR")
  w(".SH DESCRIPTION")
  for i, p in ipairs(ref.description) do
    if i > 1 then
      w(".PP")
    end
    w(roff(p))
  end
  w(".SH OPTIONS")
  for _, o in ipairs(ref.global) do
    man_option(o)
  end
  w(".SH COMMANDS")
  for _, c in ipairs(ref.commands) do
    w(".SS ", roff(synopsis(c)))
    w(roff(c.help))
    if c.man then
      w(roff(c.man))
    end
    for _, a in ipairs(c.arguments or {}) do
      w(".TP")
      w("\\fI", roff(placeholder(a)), "\\fR")
      w(roff(a.help))
    end
    for _, o in ipairs(c.options) do
      if uses[o] == 1 then
        man_option(o)
      end
    end
  end
  w(".SS Options shared by the commands")
  for _, o in ipairs(shared) do
    man_option(o)
  end
  w(".TP")
  w("\\fB\\-h\\fR, \\fB\\-\\-help\\fR")
  w("Every command's own options and arguments (bqw COMMAND \\-\\-help).")
  for _, section in ipairs({ { "EXIT STATUS", ref.exit_status }, { "ENVIRONMENT", ref.environment } }) do
    w(".SH ", section[1])
    for _, e in ipairs(section[2]) do
      w(".TP")
      w(".B ", e[1])
      w(roff(e[2]))
    end
  end
  w(".SH FILES")
  w("PREFIX is where bqw is installed (/usr/local by make install, /usr by the .deb).")
  for _, f in ipairs(ref.files) do
    w(".TP")
    w(".I ", roff(f[1]))
    w(roff(f[2]))
  end
  w(".SH SEE ALSO")
  w(roff(table.concat(ref.see_also, ", ")))
end

-- ---- completions -------------------------------------------------------------------
-- The plugin names are asked of the installed bqw when completing, so a user's own
-- views, exports and filters complete too.
local function value_options(c)
  local t = {}
  for _, o in ipairs(c and c.options or ref.global) do
    if o.arg or o.choices then
      t[#t + 1] = o
    end
  end
  return t
end

local function all_names(list)
  local t = {}
  for _, o in ipairs(list) do
    for _, n in ipairs(names(o)) do
      t[#t + 1] = n
    end
  end
  return table.concat(t, " ")
end

local function bash_values(o)
  if o.choices then
    return ('COMPREPLY=($(compgen -W "%s" -- "$cur"))'):format(table.concat(o.choices, " "))
  elseif o.complete == "file" then
    return 'COMPREPLY=($(compgen -f -- "$cur"))'
  elseif o.complete == "view" or o.complete == "export" then
    return ('COMPREPLY=($(compgen -W "$(_bqw_plugins %s)" -- "$cur"))'):format(o.complete)
  elseif o.complete == "facet" then
    return 'COMPREPLY=($(compgen -W "$(_bqw_facets)" -- "$cur"))'
  elseif o.complete == "where" then
    return 'compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -W "$(_bqw_plugins filter | sed "s/\\$/=/")" -- "$cur"))'
  elseif o.complete == "fields" or o.complete == "sort" then
    -- a comma-separated list of the fields `bqw fields` prints (--sort: those it
    -- marks sort, each maybe with a - for descending): the word's last item completes
    return ('local pre= item=${cur##*,}; [[ $cur == *,* ]] && pre=${cur%%,*},; '
      .. '[[ $item == -* ]] && pre=$pre- && item=${item#-}; '
      .. 'compopt -o nospace 2>/dev/null; COMPREPLY=($(compgen -P "$pre" -W "$(_bqw_fields %s)" -- "$item"))'):format(
      o.complete == "sort" and "sort" or ""
    )
  end
  return "COMPREPLY=()"
end

local function bash()
  w("# bash completion for bqw. Generated from lua/bqw/commands.lua by tools/gen_cli_ref.lua.")
  w("_bqw_plugins() {")
  w("  bqw plugins 2>/dev/null | awk -v kind=\"$1\" '$1 == kind { print $2 }'")
  w("}")
  w("_bqw_fields() {")
  w("  bqw fields 2>/dev/null | awk -v use=\"$1\" 'NR > 1 && (use == \"\" || $5 ~ use) { print $1 }'")
  w("}")
  w("_bqw_facets() {")
  w("  bqw fields 2>/dev/null | awk 'NR > 1 && $5 ~ /facet/ { print $2 }'")
  w("}")
  w("_bqw() {")
  w("  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i=1 npos=0")
  -- --opt=value: bash splits the word at "=" (COMP_WORDBREAKS), so the value being
  -- completed follows a word "=" (or is the "=" itself, still empty)
  w("  if [ \"$cur\" = = ] && [[ $prev == -* ]]; then")
  w("    cur=")
  w("  elif [ \"$prev\" = = ] && [ $COMP_CWORD -ge 2 ] && [[ ${COMP_WORDS[COMP_CWORD-2]} == -* ]]; then")
  w("    prev=${COMP_WORDS[COMP_CWORD-2]}")
  w("  fi")
  w("  while [ $i -lt $COMP_CWORD ]; do")
  w("    case ${COMP_WORDS[i]} in")
  local takes = {}
  for _, o in ipairs(value_options(nil)) do
    for _, n in ipairs(names(o)) do
      takes[n] = true
    end
  end
  for _, c in ipairs(ref.commands) do
    for _, o in ipairs(value_options(c)) do
      for _, n in ipairs(names(o)) do
        takes[n] = true
      end
    end
  end
  local takes_list = {}
  for n in pairs(takes) do
    takes_list[#takes_list + 1] = n
  end
  table.sort(takes_list)
  -- the option's value: the next word, after a "=" word in the --opt=value form, and
  -- with the words bash split at each "=" inside it (--where region=广州)
  w("      ", table.concat(takes_list, "|"), ")")
  w("        i=$((i + 1))")
  w("        if [ \"${COMP_WORDS[i]}\" = = ]; then i=$((i + 1)); fi")
  w("        while [ \"${COMP_WORDS[i+1]}\" = = ] && [ $((i + 2)) -lt $COMP_CWORD ]; do i=$((i + 2)); done ;;")
  w("      -*) ;;")
  w("      *) if [ -z \"$cmd\" ]; then cmd=${COMP_WORDS[i]}; else npos=$((npos + 1)); fi ;;")
  w("    esac")
  w("    i=$((i + 1))")
  w("  done")
  w("  case $cmd:$prev in")
  for _, o in ipairs(value_options(nil)) do
    w("    :", table.concat(names(o), "|:"), ") ", bash_values(o), "; return ;;")
  end
  for _, c in ipairs(ref.commands) do
    for _, o in ipairs(value_options(c)) do
      w("    ", c.name, ":", table.concat(names(o), "|" .. c.name .. ":"), ") ", bash_values(o), "; return ;;")
    end
  end
  w("  esac")
  w("  if [ -z \"$cmd\" ]; then")
  w("    case $cur in")
  w("      -*) COMPREPLY=($(compgen -W \"", all_names(ref.global), "\" -- \"$cur\")) ;;")
  local cmds = {}
  for _, c in ipairs(ref.commands) do
    cmds[#cmds + 1] = c.name
  end
  w("      *) COMPREPLY=($(compgen -W \"", table.concat(cmds, " "), "\" -- \"$cur\")) ;;")
  w("    esac")
  w("    return")
  w("  fi")
  w("  case $cmd:$cur in")
  for _, c in ipairs(ref.commands) do
    w("    ", c.name, ":-*) COMPREPLY=($(compgen -W \"", all_names(c.options), "\" -- \"$cur\")) ;;")
  end
  for _, c in ipairs(ref.commands) do
    -- the first argument decides; the rest of run's words are the script's
    local a = (c.arguments or {})[1]
    if a and (a.complete or a.choices) then
      local cond = a.args == "*" and "[ $npos -ge 0 ]" or "[ $npos -eq 0 ]"
      w("    ", c.name, ":*) if ", cond, "; then ", bash_values(a), "; fi ;;")
    end
  end
  w("  esac")
  w("}")
  w("complete -F _bqw bqw")
end

local function zq(s) -- a single-quoted zsh word
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function zsh_action(o)
  if o.choices then
    return "(" .. table.concat(o.choices, " ") .. ")"
  elseif o.complete == "file" then
    return "_files"
  elseif o.complete == "view" or o.complete == "export" then
    return "{_bqw_plugins " .. o.complete .. "}"
  elseif o.complete == "facet" then
    return "{_bqw_facets}"
  elseif o.complete == "where" then
    return "{_bqw_plugins filter =}"
  elseif o.complete == "fields" or o.complete == "sort" then
    return "{_bqw_fields " .. (o.complete == "sort" and "sort" or "''") .. "}"
  end
  return " "
end

local function zsh_spec(o)
  local help = o.help:gsub("[%[%]]", "\\%0")
  local n = names(o)
  local spec
  local arg = (o.arg or o.choices) and (":" .. (o.arg or "VALUE"):gsub(":", "\\:") .. ":" .. zsh_action(o)) or ""
  local eq = (o.arg or o.choices) and "=" or ""
  if #n == 1 then
    spec = zq(n[1] .. eq .. "[" .. help .. "]" .. arg)
  else
    spec = zq("(" .. table.concat(n, " ") .. ")") .. "{" .. table.concat(n, ",") .. "}" .. zq(eq .. "[" .. help .. "]" .. arg)
  end
  return spec
end

local function zsh()
  w("#compdef bqw")
  w("# zsh completion for bqw. Generated from lua/bqw/commands.lua by tools/gen_cli_ref.lua.")
  w("_bqw_plugins() {")
  w("  local -a names")
  w("  names=(${(f)\"$(bqw plugins 2>/dev/null | awk -v kind=$1 '$1 == kind { print $2 }')\"})")
  w("  compadd -S \"${2:-}\" -a names")
  w("}")
  w("_bqw_fields() {")
  w("  local -a names")
  w("  names=(${(f)\"$(bqw fields 2>/dev/null | awk -v use=$1 'NR > 1 && (use == \\\"\\\" || $5 ~ use) { print $1 }')\"})")
  w("  _values -s , field $names")
  w("}")
  w("_bqw_facets() {")
  w("  local -a names")
  w("  names=(${(f)\"$(bqw fields 2>/dev/null | awk 'NR > 1 && $5 ~ /facet/ { print $2 }')\"})")
  w("  compadd -a names")
  w("}")
  w("_bqw() {")
  w("  local curcontext=$curcontext state line")
  w("  typeset -A opt_args")
  w("  _arguments -C \\")
  for _, o in ipairs(ref.global) do
    w("    ", zsh_spec(o), " \\")
  end
  w("    '1:command:->command' '*::argument:->argument'")
  w("  case $state in")
  w("  command)")
  w("    local -a commands")
  w("    commands=(")
  for _, c in ipairs(ref.commands) do
    w("      ", zq(c.name .. ":" .. c.help:gsub(":", "\\:")))
  end
  w("    )")
  w("    _describe -t commands 'bqw command' commands ;;")
  w("  argument)")
  w("    case $words[1] in")
  for _, c in ipairs(ref.commands) do
    w("    ", c.name, ")")
    w("      _arguments \\")
    for _, o in ipairs(c.options) do
      w("        ", zsh_spec(o), " \\")
    end
    for i, a in ipairs(c.arguments or {}) do
      local pos = a.args == "*" and "*" or tostring(i)
      local opt = a.args == "?" and ":" or ""
      w("        ", zq(pos .. ":" .. opt .. a.name .. ":" .. zsh_action(a)), " \\")
    end
    w("        ;;")
  end
  w("    esac ;;")
  w("  esac")
  w("}")
  w('if [ "$funcstack[1]" = _bqw ]; then _bqw "$@"; else compdef _bqw bqw; fi')
end

local function fq(s)
  return "'" .. s:gsub("\\", "\\\\"):gsub("'", "\\'") .. "'"
end

local function fish_option(cond, o)
  local parts = { "complete -c bqw -n " .. fq(cond) }
  for _, n in ipairs(names(o)) do
    if n:match("^%-%-") then
      parts[#parts + 1] = "-l " .. n:sub(3)
    else
      parts[#parts + 1] = "-s " .. n:sub(2)
    end
  end
  if o.choices then
    parts[#parts + 1] = "-x -a " .. fq(table.concat(o.choices, " "))
  elseif o.complete == "file" then
    parts[#parts + 1] = "-r -F"
  elseif o.complete == "view" or o.complete == "export" then
    parts[#parts + 1] = "-x -a " .. fq("(__bqw_plugins " .. o.complete .. ")")
  elseif o.complete == "facet" then
    parts[#parts + 1] = "-x -a " .. fq("(__bqw_facets)")
  elseif o.complete == "where" then
    parts[#parts + 1] = "-x -a " .. fq("(__bqw_plugins filter)=")
  elseif o.complete == "fields" or o.complete == "sort" then
    parts[#parts + 1] = "-x -a " .. fq("(__bqw_fields " .. (o.complete == "sort" and "sort" or "") .. ")")
  elseif o.arg then
    parts[#parts + 1] = "-x"
  end
  parts[#parts + 1] = "-d " .. fq(o.help)
  w(table.concat(parts, " "))
end

local function fish()
  w("# fish completion for bqw. Generated from lua/bqw/commands.lua by tools/gen_cli_ref.lua.")
  w("function __bqw_plugins")
  w("    bqw plugins 2>/dev/null | awk -v kind=$argv[1] '$1 == kind { print $2 }'")
  w("end")
  w("function __bqw_fields")
  w("    bqw fields 2>/dev/null | awk -v use=\"$argv[1]\" 'NR > 1 && (use == \"\" || $5 ~ use) { print $1 }'")
  w("end")
  w("function __bqw_facets")
  w("    bqw fields 2>/dev/null | awk 'NR > 1 && $5 ~ /facet/ { print $2 }'")
  w("end")
  local cmds = {}
  for _, c in ipairs(ref.commands) do
    cmds[#cmds + 1] = c.name
  end
  local no_command = "not __fish_seen_subcommand_from " .. table.concat(cmds, " ")
  w("complete -c bqw -f")
  for _, o in ipairs(ref.global) do
    fish_option(no_command, o)
  end
  for _, c in ipairs(ref.commands) do
    w("complete -c bqw -n ", fq(no_command), " -a ", c.name, " -d ", fq(c.help))
  end
  for _, c in ipairs(ref.commands) do
    local cond = "__fish_seen_subcommand_from " .. c.name
    for _, o in ipairs(c.options) do
      fish_option(cond, o)
    end
    local a = (c.arguments or {})[1]
    if a and a.choices then
      w("complete -c bqw -n ", fq(cond), " -x -a ", fq(table.concat(a.choices, " ")), " -d ", fq(a.help))
    elseif a and a.complete == "file" then
      w("complete -c bqw -n ", fq(cond), " -F")
    elseif a and a.complete == "facet" then
      w("complete -c bqw -n ", fq(cond), " -x -a ", fq("(__bqw_facets)"), " -d ", fq(a.help))
    elseif a and a.complete then
      w("complete -c bqw -n ", fq(cond), " -x -a ", fq("(__bqw_plugins " .. a.complete .. ")"))
    end
  end
end

-- ---- :help bqw-cli -----------------------------------------------------------------
local HEAD = "5. Command line"
local TAG = "*bqw-cli*"

local function vim_option(o, indent)
  -- {a,b} as `--help` writes choices: a|b|c in a help file would be a link
  local u = o.choices and (table.concat(names(o), ", ") .. " {" .. table.concat(o.choices, ",") .. "}") or option_usage(o)
  local pad = 22
  if utf8.len(u) + 2 > pad then
    w(indent, u)
    w(wrap(o.help, 78 - #indent - pad, indent .. string.rep(" ", pad)))
  else
    local lines = wrap(o.help, 78 - #indent - pad, "")
    local first = true
    for line in (lines .. "\n"):gmatch("(.-)\n") do
      if first then
        w(indent, u, string.rep(" ", pad - utf8.len(u)), line)
        first = false
      else
        w(indent, string.rep(" ", pad), line)
      end
    end
  end
end

local function vimdoc_section()
  out = {}
  w(HEAD, string.rep(" ", 78 - #HEAD - #TAG), TAG)
  w("")
  w(wrap("Generated from lua/bqw/commands.lua (`make cli-ref` rewrites this section); "
    .. "`bqw --help` and `bqw COMMAND --help` say the same, and `man bqw` after make install.", 78, ""))
  w("")
  w("bqw [--data FILE] [COMMAND]   with no command: the overview")
  w("bqw --version [--verbose]     the version; where Lua files, plugins, data come from")
  w("")
  for _, c in ipairs(ref.commands) do
    local tag = "*bqw-cli-" .. c.name .. "*"
    local head = "bqw " .. c.name
    for _, a in ipairs(c.arguments or {}) do
      head = head .. " " .. placeholder(a)
    end
    w(head, string.rep(" ", math.max(1, 78 - utf8.len(head) - #tag)), tag)
    w(wrap(c.help .. (c.man and (" " .. c.man) or ""), 74, "    "))
    local common = {}
    for _, o in ipairs(c.options) do
      if uses[o] > 1 and o.names ~= "-h --help" then
        common[#common + 1] = long_name(o)
      end
    end
    for _, o in ipairs(c.options) do
      if uses[o] == 1 then
        vim_option(o, "    ")
      end
    end
    if #common > 0 then
      w(wrap("Also: " .. table.concat(common, " ") .. ".", 74, "    "))
    end
    w("")
  end
  w("Options shared by the commands:")
  for _, o in ipairs(shared) do
    vim_option(o, "    ")
  end
  w("")
  w("Exit status:")
  for _, e in ipairs(ref.exit_status) do
    vim_option({ names = tostring(e[1]), help = e[2] }, "    ")
  end
  w("")
  w("Environment:")
  for _, e in ipairs(ref.environment) do
    vim_option({ names = e[1], help = e[2] }, "    ")
  end
  w("")
  return table.concat(out, "\n") .. "\n"
end

local function split_doc(text)
  local start = text:find("\n" .. HEAD .. string.rep(" ", 78 - #HEAD - #TAG) .. TAG .. "\n", 1, true)
  start = start and start + 1
  assert(start, "no '" .. HEAD .. " " .. TAG .. "' heading")
  local stop = text:find("\n=====", start, true)
  assert(stop, "no section after " .. TAG)
  return text:sub(1, start - 1), text:sub(start, stop), text:sub(stop + 1)
end

local fileio = dofile(here .. "/tools/fileio.lua")
local read, write = fileio.read, fileio.write

if mode == "man" then
  man(arg[2])
  write(arg[3], table.concat(out, "\n") .. "\n")
elseif mode == "bash" or mode == "zsh" or mode == "fish" then
  ({ bash = bash, zsh = zsh, fish = fish })[mode]()
  write(arg[2], table.concat(out, "\n") .. "\n")
elseif mode == "vimdoc" or mode == "vimdoc-check" then
  local before, section, after = split_doc(read(arg[2]))
  local fresh = vimdoc_section()
  if mode == "vimdoc" then
    write(arg[2], before .. fresh .. after)
  elseif section ~= fresh then
    io.stderr:write(arg[2], ": error: the section ", TAG, " differs from lua/bqw/commands.lua; run `make cli-ref` and review the diff\n")
    os.exit(1)
  else
    print("cli reference ok")
  end
else
  io.stderr:write("usage: gen_cli_ref.lua man VERSION OUT | bash|zsh|fish OUT | vimdoc|vimdoc-check DOC\n")
  os.exit(2)
end
