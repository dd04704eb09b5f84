-- wrk script: GET the seed relation (918), with the seed's credentials; the same summary line as put.lua.
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = os.getenv("PUT_AUTH") or "Basic dGplMDpUamUw"

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
