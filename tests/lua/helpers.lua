-- Shared by the specs: run the bqw command and capture what it prints.
local H = {}

H.exe = os.getenv("BQW_EXE") or "build/bqw"
H.root = os.getenv("BQW_SOURCE_DIR") or "."
--- True in the ASan+UBSan build's ctest (BQW_SANITIZED=1, tests/CMakeLists.txt). A spec
--- that repeats one C path over many generated cases takes every case in the gcc build
--- and a sample under the sanitizers, which find memory errors in the path, not in the
--- case (tests/README.md, "How long the tests take").
H.sanitized = os.getenv("BQW_SANITIZED") == "1"

local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end
H.quote = shell_quote

local function read_all(path)
  local fh = io.open(path, "rb")
  if not fh then
    return ""
  end
  local data = fh:read("a")
  fh:close()
  os.remove(path)
  return data
end

--- The bytes of a file the test expects to exist.
function H.read_file(path)
  local fh = assert(io.open(path, "rb"))
  local data = fh:read("a")
  fh:close()
  return data
end

--- Writes bytes to a file, replacing it.
function H.write_file(path, data)
  local fh = assert(io.open(path, "wb"))
  fh:write(data)
  fh:close()
end

--- A fresh empty directory.
function H.temp_dir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. shell_quote(dir)))
  return dir
end

--- A fresh plugin directory holding the given files, { ["view/x.lua"] = "…" }.
function H.plugin_dir(files)
  local dir = H.temp_dir()
  for name, text in pairs(files) do
    assert(os.execute("mkdir -p " .. shell_quote(dir .. "/" .. name:match("^(.*)/"))))
    H.write_file(dir .. "/" .. name, text)
  end
  return dir
end

--- Environment every H.bqw call gets (a spec may set it in setup, clear it in teardown).
H.env = {}

--- Runs bqw with the given words; returns stdout, stderr, exit code.
function H.bqw(words, env)
  local parts = {}
  local merged = {}
  for k, v in pairs(H.env) do
    merged[k] = v
  end
  for k, v in pairs(env or {}) do
    merged[k] = v
  end
  for k, v in pairs(merged) do
    parts[#parts + 1] = k .. "=" .. shell_quote(v)
  end
  parts[#parts + 1] = shell_quote(H.exe)
  for _, w in ipairs(words) do
    parts[#parts + 1] = shell_quote(w)
  end
  local err_path = os.tmpname()
  local cmd = table.concat(parts, " ") .. " 2>" .. shell_quote(err_path)
  local pipe = assert(io.popen(cmd, "r"))
  local stdout = pipe:read("a")
  local _, _, code = pipe:close()
  return stdout, read_all(err_path), code
end

--- Writes data to a fresh temporary file and returns its path.
function H.temp_file(data, suffix)
  local path = os.tmpname() .. (suffix or ".txt")
  local fh = assert(io.open(path, "wb"))
  fh:write(data)
  fh:close()
  return path
end

--- For specs about the published text: records and the command show it as published.
function H.use_original_script(setup, teardown)
  setup(function()
    require("bqw").setup({ script = "original" })
    H.env = { BQW_SCRIPT = "original" }
  end)
  teardown(function()
    require("bqw").setup({ script = false })
    H.env = {}
  end)
end

--- Where two byte strings first differ, with the bytes around it, for a failure message.
function H.first_difference(a, b)
  local i = 1
  while i <= #a and a:byte(i) == b:byte(i) do
    i = i + 1
  end
  return ("byte %d: %q vs %q"):format(i, a:sub(i - 40, i + 40), b:sub(i - 40, i + 40))
end

--- The lines of the shipped digest, for a spec that edits some and loads the result.
function H.digest_lines()
  local lines = {}
  for line in (require("bqw").default_digest() .. "\n"):gmatch("(.-)\r?\n") do
    lines[#lines + 1] = line
  end
  return lines
end

return H
