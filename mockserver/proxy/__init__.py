"""`relation-mock --proxy URL`: a validating proxy and recorder in front of a real server.

The spec's paths go to the upstream and back (`upstream` over `connection`s reused only while
their answers are framed exactly, through the forward proxy and CAs `network` reads from the
environment; `wire`, `routing`); each exchange is
checked by openapi-core (`openapi_check`, its factories made to build once in `compiled`, XML and
form bodies read by `xmlvalues`, PATCH bodies spelt as the vendor reads them by `patchvalues`,
errors turned into `findings`) and against the spec's worded promises: on one exchange (`promises`,
`stamps`, and for POST, PATCH, DELETE and GET default `resource`) and across exchanges (`history`,
`accepted`, `lifecycle`), comparing values as `values` says; what is found goes to the answer's
headers, the log, the journal and `GET /__admin/violations` (`violations`), and at exit to a
summary and `--report` (`report`); `--record` keeps the relations that pass through as fixtures,
and forgets the deleted ones (`recorder`); `scrubbing` keeps credentials out of all they write.
`endpoint.Proxy` ties them together.
"""
