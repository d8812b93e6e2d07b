-- wrk script for Benchmarks/listener/run.sh: one signed POST, reused, with a new delivery id per request.
--
-- The avala scheme signs only the raw body, so the same body and signature are valid for every request;
-- the delivery id must differ (PRODUCT.md "Keys and dedup"), or the listener answers "200 duplicate"
-- after the first one and the benchmark would measure the dedup lookup, not a durable ingest.
--
-- Environment (set by run.sh):
--   BENCH_BODY_FILE   the body, exactly the bytes that were signed
--   BENCH_SIGNATURE   hex HMAC-SHA256 of that body
--   BENCH_PREFIX      delivery-id prefix, different for every wrk run against one store

local function read_file(path)
  local file = assert(io.open(path, "rb"), "cannot open " .. tostring(path))
  local content = file:read("*a")
  file:close()
  return content
end

local prefix = os.getenv("BENCH_PREFIX") or "bench"
local counter = 0

wrk.method = "POST"
wrk.body = read_file(os.getenv("BENCH_BODY_FILE"))
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Avala-Webhook-Event"] = "bench.ping"
wrk.headers["X-Avala-Webhook-Signature"] = "sha256=" .. assert(os.getenv("BENCH_SIGNATURE"), "BENCH_SIGNATURE unset")

function request()
  -- run.sh runs wrk with -t1: one Lua state, so a plain counter is unique for the whole run.
  counter = counter + 1
  wrk.headers["X-Avala-Webhook-Delivery"] = prefix .. "-" .. counter
  return wrk.format()
end

-- One machine-readable line for run.sh; wrk's own report stays above it for the log.
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d socket_errors=%d\n",
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
