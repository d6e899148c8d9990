-- wrk script of bench/http.sh: the same POST, headers and body for every server compared
-- (servers that check no credential ignore the headers).
--
--   wrk -t2 -c64 -d10s -s bench/http/post.lua URL -- PATH BODY APIKEY APPID [USERS]
--
-- A PATH with `{uid}` goes round-robin over the users bench-user-1 … bench-user-USERS (each
-- thread from its own offset) with requests built once in init, so the hot path only returns a
-- prepared string. done() prints one `wrk-result key=value …` line for bench/http.sh to parse.

local threads = 0

function setup(thread)
  thread:set("offset", threads)
  threads = threads + 1
end

function init(args)
  local path, body, apikey, appid = args[1], args[2], args[3], args[4]
  local users = tonumber(args[5] or "1")
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  wrk.headers["apikey"] = apikey
  wrk.headers["appid"] = appid
  if not path:find("{uid}", 1, true) then
    wrk.path = path
    return
  end
  local prepared = {}
  for i = 1, users do
    local user_path = path:gsub("{uid}", "bench-user-" .. i)
    prepared[i] = wrk.format(nil, user_path)
  end
  local n = (offset or 0) * 7 % users
  request = function()
    n = n % users + 1
    return prepared[n]
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk-result requests=%d duration_us=%d status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
