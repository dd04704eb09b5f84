-- wrk script: POST the SuperOffice seed ContactRelationEntity (its RelationId is ignored: each request
-- creates a relation). Used by bench/writes.py for the POST rows; same headers and summary line as put.lua.
wrk.method = "POST"
wrk.body = [[{"SourceContactId":381,"SourcePersonId":272,"DestinationContactId":262,"DestinationPersonId":492,"RelationId":918,"Comment":"et","RelationDefinitionId":47,"Reversed":812,"UpdatedDate":"2014-03-31T09:40:59.0213705+02:00","CreatedDate":"2015-10-29T09:40:59.0213705+01:00","CreatedBy":{"AssociateId":910,"Name":"Leuschke LLC","PersonId":149,"Rank":183,"Tooltip":"totam","Type":"AnonymousAssociate","GroupIdx":431,"FullName":"Jordy Johnston","FormalName":"Pagac, Emard and Satterfield","Deleted":false,"EjUserId":652,"UserName":"Botsford LLC"},"UpdatedBy":{"AssociateId":590,"Name":"Leannon Group","PersonId":864,"Rank":186,"Tooltip":"totam","Type":"AnonymousAssociate","GroupIdx":748,"FullName":"Mustafa Kuphal","FormalName":"Gutkowski LLC","Deleted":false,"EjUserId":798,"UserName":"Towne Group"},"SourceContactName":"Pfannerstill, Romaguera and Smith","SourcePersonName":"Feil-Kessler","DestinationContactName":"Brekke, Cronin and Feest","DestinationPersonName":"Fisher LLC","ActiveText":"non","PassiveText":"voluptatem"}]]
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
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
