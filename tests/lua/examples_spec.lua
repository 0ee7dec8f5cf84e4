-- Every example runs, and says what it should.
local H = require("tests.lua.helpers")

describe("examples", function()
  it("targets_and_timeline.lua lists meetings and targets in date order", function()
    local out, err, code = H.bqw({ "run", H.root .. "/examples/targets_and_timeline.lua" })
    assert.equal(0, code, err)
    local dates = {}
    for d in out:gmatch("(%d%d%d%d%-%d%d%-%d%d)") do
      dates[#dates + 1] = d
    end
    assert.equal(13, #dates)
    assert.equal("2022-12-08", dates[1])
    assert.equal("2035-12-31", dates[13])
  end)

  it("cities_by_region.lua groups city entries and filters by region", function()
    local out, err, code = H.bqw({ "run", H.root .. "/examples/cities_by_region.lua", "粤北" })
    assert.equal(0, code, err)
    assert.truthy(out:find("^粤北\n"))
    local n = select(2, out:gsub("\n  ", ""))
    assert.equal(5, n)
    local _, _, missing = H.bqw({ "run", H.root .. "/examples/cities_by_region.lua", "nowhere" })
    assert.equal(1, missing)
  end)
end)
