-- wrk script for bench/cases.py: submits each prepared draft once and counts the answers.
-- Arguments after "--": the file of "draft-id token" lines, and the number of wrk threads.
local threads = {}
local next_tid = 1

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  local path, nthreads = args[1], tonumber(args[2])
  drafts = {}
  local i = 0
  for line in io.lines(path) do
    -- Each thread takes its own share, so no draft is submitted twice.
    if i % nthreads == tid - 1 then
      local draft, token = line:match("^(%S+)%s+(%S+)$")
      table.insert(drafts, { draft, token })
    end
    i = i + 1
  end
  position, created, other, exhausted = 1, 0, 0, 0
end

function request()
  local item = drafts[position]
  if item == nil then
    -- Out of drafts: replay the last one (an idempotent answer), counted apart.
    exhausted = exhausted + 1
    item = drafts[#drafts]
  else
    position = position + 1
  end
  return wrk.format("POST", "/api/v1/applications/" .. item[1] .. "/submit", {
    ["Authorization"] = "Bearer " .. item[2],
    ["Idempotency-Key"] = item[1],
    ["Content-Type"] = "application/json",
  }, '{"declaration": true, "sensitive_consent": true}')
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local c, o, e = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created")
    o = o + t:get("other")
    e = e + t:get("exhausted")
  end
  io.write(string.format("RESULT created=%d other=%d exhausted=%d seconds=%.3f p50_ms=%.1f p95_ms=%.1f\n",
    c, o, e, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
