-- One source for the command reference: the parser bqw runs (lua/bqw/cli.lua) accepts
-- exactly the commands, options and arguments of lua/bqw/commands.lua, with the same
-- help texts, value names, choices and defaults; the man page, the completions and
-- :help bqw-cli are generated from that table.
local H = require("tests.lua.helpers")
local ref = require("bqw.commands")

local function parser_option(o)
  return {
    names = table.concat(o._aliases, " "),
    arg = o._maxargs > 0 and (o._argname or "") or nil,
    choices = o._choices and table.concat(o._choices, ",") or nil,
    default = o._default,
    required = o._mincount > 0 or nil,
    help = o._description,
  }
end

local function ref_option(o, p)
  return {
    names = o.names,
    -- argparse shows choices instead of a value name; the table names the value anyway
    arg = (o.arg or o.choices) and ((p and p._argname == nil and o.choices) and "" or o.arg) or nil,
    -- "facet": the fields the schema marks facet (bqw.facet's NAMES)
    choices = (o.choices and table.concat(o.choices, ","))
      or (o.complete == "facet" and table.concat(require("bqw.facet").NAMES, ","))
      or nil,
    default = o.default,
    required = o.required or nil,
    help = o.help,
  }
end

local function options_of(parser_cmd, ref_options)
  local got, want = {}, {}
  for i, o in ipairs(parser_cmd._options) do
    got[i] = parser_option(o)
  end
  for i, o in ipairs(ref_options) do
    want[i] = ref_option(o, parser_cmd._options[i])
  end
  return got, want
end

describe("lua/bqw/commands.lua", function()
  local parser = require("bqw.cli").parser()

  it("has the parser's global options", function()
    local got, want = options_of(parser, ref.global)
    assert.same(want, got)
  end)

  it("has the parser's commands, in its order, with their help", function()
    local got, want = {}, {}
    for i, c in ipairs(parser._commands) do
      got[i] = { c._name, c._description }
    end
    for i, c in ipairs(ref.commands) do
      want[i] = { c.name, c.help }
    end
    assert.same(want, got)
  end)

  for _, rc in ipairs(ref.commands) do
    it(rc.name .. ": the parser's options and arguments", function()
      local pc
      for _, c in ipairs(parser._commands) do
        pc = c._name == rc.name and c or pc
      end
      assert.truthy(pc, "no command " .. rc.name .. " in the parser")
      local got, want = options_of(pc, rc.options)
      assert.same(want, got)
      local gargs, wargs = {}, {}
      for i, a in ipairs(pc._arguments) do
        gargs[i] = { a._name, a._description, a._args }
      end
      for i, a in ipairs(rc.arguments or {}) do
        wargs[i] = { a.name, a.help, a.args }
      end
      assert.same(wargs, gargs)
    end)
  end

  it("every option of the table is accepted by the parser, and one not in it is refused", function()
    local function sample_args(c)
      local words = { c.name }
      for _, o in ipairs(c.options) do
        if o.required then
          words[#words + 1] = o.names:match("%S+$")
          words[#words + 1] = o.choices and o.choices[1] or "x"
        end
      end
      return words
    end
    local function positional(c, words)
      for _, a in ipairs(c.arguments or {}) do
        if a.args == nil then
          words[#words + 1] = "x"
        end
      end
      return words
    end
    for _, c in ipairs(ref.commands) do
      for _, o in ipairs(c.options) do
        if o.names ~= "-h --help" and c.name ~= "run" then
          for name in o.names:gmatch("%S+") do
            local words = sample_args(c)
            words[#words + 1] = name
            if o.arg or o.choices then
              words[#words + 1] = o.choices and o.choices[#o.choices] or (o.complete == "facet" and "region") or "1"
            end
            local ok, err = require("bqw.cli").parser():pparse(positional(c, words))
            assert(ok, table.concat(words, " ") .. ": " .. tostring(err))
          end
        end
      end
      if c.name ~= "run" then
        local ok = require("bqw.cli").parser():pparse(positional(c, { c.name, "--no-such-option" }))
        assert.is_false(ok, c.name .. " --no-such-option was accepted")
      end
    end
  end)

  it("the built man page and completions name every command and option", function()
    local build = os.getenv("BQW_EXE"):match("^(.*)/[^/]+$")
    local function read(name)
      local f = assert(io.open(build .. "/ref/" .. name, "r"))
      local s = f:read("a")
      f:close()
      return s
    end
    local man, bash, zsh, fish = read("bqw.1"), read("bqw.bash"), read("bqw.zsh"), read("bqw.fish")
    for _, c in ipairs(ref.commands) do
      assert.truthy(man:find(".SS bqw " .. c.name, 1, true), "man: " .. c.name)
      for _, text in ipairs({ bash, zsh, fish }) do
        assert.truthy(text:find(c.name, 1, true), c.name)
      end
      for _, o in ipairs(c.options) do
        local long = o.names:match("%S+$")
        assert.truthy(man:find(long:gsub("%-", "\\-"), 1, true), "man: " .. long)
        assert.truthy(bash:find(long, 1, true), "bash: " .. long)
        assert.truthy(zsh:find(long, 1, true), "zsh: " .. long)
        assert.truthy(fish:find("-l " .. long:sub(3), 1, true), "fish: " .. long)
      end
    end
  end)

  it("facet's field and --by offer exactly the fields the schema marks facet", function()
    local want = {}
    for _, f in ipairs(require("bqw.core").schema()) do
      if f.facet then
        want[#want + 1] = f.filter
      end
    end
    assert.same(want, require("bqw.facet").NAMES)
    assert.truthy(want[1])
    for _, c in ipairs(ref.commands) do
      if c.name == "facet" then
        assert.equal("facet", c.arguments[1].complete)
        local by = c.options[#c.options - 1]
        assert.equal("--by", by.names)
        assert.equal("facet", by.complete)
      end
    end
    -- every one of them counts (docno_issuer: the schema says facet)
    for _, name in ipairs(want) do
      local _, err, code = H.bqw({ "facet", name, "--data", H.root .. "/tests/fixtures/digest-edition.txt" })
      assert.equal(0, code, name .. ": " .. err)
    end
  end)

  it("the command-line section of doc/bqw.txt is the generated one", function()
    local src = os.getenv("BQW_SOURCE_DIR")
    local ok, _, code = os.execute(("lua5.4 %s/tools/gen_cli_ref.lua vimdoc-check %s/doc/bqw.txt >/dev/null"):format(src, src))
    assert(ok and code == 0, "doc/bqw.txt: run `make cli-ref`")
  end)

  it("bqw --help lists every command and global option of the table", function()
    local out, err, code = H.bqw({ "--help" })
    assert.equal(0, code, err)
    for _, c in ipairs(ref.commands) do
      assert.truthy(out:find("\n   " .. c.name .. " ", 1, true), c.name)
    end
    for _, o in ipairs(ref.global) do
      assert.truthy(out:find(o.names:match("%S+$"), 1, true), o.names)
    end
  end)
end)
