-- wrk script of bench:ingest (scripts/bench/wrk.ts runs it): sends the pushes of consecutive calls from the
-- templates that push-bodies.ts writes (one "path<TAB>body" per line), fresh uuids per call for every {{NAME}} and a
-- fresh X-TCCC-PUSH-UUID per request, so that every push is new to the receiver, as in production.
-- Arguments after "--": the templates file, a random seed, the Authorization header value (may be empty).

local templates = {}
local headers = {}
local ids = {}
local sent = 0

local threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_index", threads_started)
end

local function uuid()
  local r = math.random
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    r(0, 0xffff), r(0, 0xffff), r(0, 0xffff), r(0, 0xfff), r(0x8000, 0xbfff), r(0, 0xffff), r(0, 0xffff), r(0, 0xffff))
end

function init(args)
  -- each thread has its own Lua state; without its own seed two threads would send the same uuids
  math.randomseed(tonumber(args[2]) + (thread_index or 0) * 7919)
  for line in io.lines(args[1]) do
    local path, body = line:match("^([^\t]+)\t(.*)$")
    templates[#templates + 1] = { path = path, body = body }
  end
  headers["Content-Type"] = "application/json;charset=utf8"
  if args[3] and args[3] ~= "" then headers["Authorization"] = args[3] end
end

function request()
  local index = sent % #templates + 1
  sent = sent + 1
  if index == 1 then
    ids = { SESSION_ID = uuid(), CUSTOMER_TRACK = uuid(), AGENT_TRACK = uuid() }
  end
  local template = templates[index]
  headers["X-TCCC-PUSH-UUID"] = uuid()
  return wrk.format("POST", template.path, headers, (template.body:gsub("{{([%w_]+)}}", ids)))
end

-- one JSON line for wrk.ts; latencies in microseconds
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\n',
    summary.requests, summary.duration, errors.status, errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
