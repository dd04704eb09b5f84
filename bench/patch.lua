-- wrk script: PATCH relation 918 with an RFC 6902 JSON Patch (a `test` that holds, then a `replace` of
-- Comment). Used by bench/writes.py for the PATCH rows; same credentials and summary line as put.lua.
wrk.method = "PATCH"
wrk.body = [=[[{"op":"test","path":"/RelationId","value":918},{"op":"replace","path":"/Comment","value":"patched by wrk"}]]=]
wrk.headers["Content-Type"] = "application/json-patch+json"
wrk.headers["Accept"] = "application/json"
local auth = os.getenv("PUT_AUTH") or "Basic dGplMDpUamUw"
if auth ~= "none" then wrk.headers["Authorization"] = auth end

-- One parseable line. non2xx = wrk's "Non-2xx or 3xx" counter (status > 399);
-- errors = socket errors (connect + read + write + timeout).
function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("rps=%.1f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
