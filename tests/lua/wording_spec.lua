-- Messages that count and convert say it right: "1 byte", a size limit in the unit it
-- reaches (not "0.0 MiB"), and `bqw convert` tells a stray byte in a UTF-8 file from a
-- GB18030 file.
local H = require("tests.lua.helpers")
local bqw = require("bqw")

describe("wording", function()
  it("an overlong encoding says how many bytes its character takes, in the singular for one", function()
    local _, message = bqw.load(H.temp_file("全省政策\n縣域發展\192\175\n"))
    assert.truthy(message:find("overlong 2-byte encoding of U+002F (its encoding is 1 byte)", 1, true), message)
    _, message = bqw.load(H.temp_file("全省政策\n縣域發展\224\129\129\n"))
    assert.truthy(message:find("overlong 3-byte encoding of U+0041 (its encoding is 1 byte)", 1, true), message)
    _, message = bqw.load(H.temp_file("全省政策\n縣域發展\224\159\191\n"))
    assert.truthy(message:find("overlong 3-byte encoding of U+07FF (its encoding is 2 bytes)", 1, true), message)
  end)

  it("a size limit is given in bytes and in the largest unit it reaches", function()
    local path = H.temp_file(bqw.default_digest())
    local cases = {
      { 10240, "10240 bytes (10 KiB)" },
      { 10000, "10000 bytes (9.8 KiB)" },
      { 1000, "1000 bytes;" },
      { 1, "1 byte;" },
    }
    for _, c in ipairs(cases) do
      bqw.setup({ max_size = c[1] })
      local _, message = bqw.load(path)
      bqw.setup({ max_size = false })
      assert.truthy(message:find("size limit of " .. c[2], 1, true), message)
      assert.falsy(message:find("0.0 MiB", 1, true), message)
    end
  end)

  it("bqw convert: a stray byte in UTF-8 text is named, GB18030 text gets iconv", function()
    local _, err, code = H.bqw({ "convert", H.temp_file("乡村振興\n第二行\255好\n") })
    assert.equal(1, code)
    -- the loader's message (bqw convert reads and checks as the loader does)
    assert.truthy(err:find(":2:10: error: invalid UTF-8: byte 0xFF never occurs in UTF-8; fix or remove the bytes", 1, true), err)
    assert.falsy(err:find("GB18030", 1, true), err)
    -- 振兴 in GB18030 after an ASCII line: no UTF-8 to go by, so iconv is the advice, with
    -- how to tell GB18030 from Big5 first
    local gb = H.temp_file("abc\n\213\241\208\203\n")
    _, err, code = H.bqw({ "convert", gb })
    assert.equal(1, code)
    assert.truthy(err:find(":2:1: error: file is not UTF-8; it looks like GB18030/GBK", 1, true), err)
    assert.truthy(err:find("iconv -f GB18030 -t UTF-8 " .. gb, 1, true), err)
  end)
end)
