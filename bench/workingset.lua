-- wrk script: each request asks for one of N keys at random, N the script's argument (default 2000):
-- /universities?country=United%20States&limit=200&offset=K, K uniform in [0, N), about 37 KB each on the real
-- dataset (fewer bytes for the last offsets). Used by bench/profile.sh --keys and bench/workingset.sh.
local keys = 2000

function init(args)
  keys = tonumber(args[1] or keys)
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  local path = "/universities?country=United%20States&limit=200&offset=" .. math.random(0, keys - 1)
  return wrk.format("GET", path)
end
