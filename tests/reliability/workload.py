"""A mixed request workload: every answer path of the mock, in proportions a busy client sends.

Used by test_memory.py (a few thousand requests) and measure_rss.py (100,000). Writes go to a
fixed set of ids, so the store does not grow; credentials and Accept headers vary, so the mock's
caches fill to their bounds; failures (400, 404, 406, 412, 415) are part of the mix.
"""

from __future__ import annotations

from collections import Counter

import httpx

from tests.livemock import REFS

IDS = range(20_000, 20_016)
XML_BODY = (
    "<ContactRelationEntity><Comment>{}</Comment><SourceContactId>7</SourceContactId></ContactRelationEntity>"
)


def send_one(client: httpx.Client, i: int) -> int:
    relation = f"/api/v1/Relation/{IDS[i % len(IDS)]}"
    kind = i % 10
    if kind == 0:
        answer = client.get("/api/v1/Relation/918")
    elif kind == 1:
        answer = client.put(relation, json={**REFS, "Comment": f"json {i}"})  # REFS: references must exist
    elif kind == 2:
        answer = client.put(
            relation,
            content=f'{{"Comment": "merge-patch-typed {i}", "SourceContactId": {i % 1000}}}',
            headers={"Content-Type": "application/merge-patch+json"},
        )
    elif kind == 3:
        answer = client.put(
            relation,
            content=XML_BODY.format(i),
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
    elif kind == 4:
        answer = client.get(f"/api/v1/Relation/{900_000 + i % 7}")  # 404
    elif kind == 5:
        answer = client.put(
            relation, content=b'{"Comment": ', headers={"Content-Type": "application/json"}
        )  # 400
    elif kind == 6:  # a new credential each time: the credential cache fills to its bound
        answer = client.get(relation, headers={"Authorization": f"Bearer 8A:token-{i}"})
    elif kind == 7:  # a new Accept header each time: the negotiation cache fills to its bound
        answer = client.get(relation, headers={"Accept": f"application/json;q=0.{i % 9 + 1}, text/x-{i}"})
    elif kind == 8:
        answer = client.put(
            relation,
            json={**REFS, "Comment": "stale"},
            headers={"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"},
        )  # 412
    else:
        answer = client.get(relation, params={"$select": f"Comment,CreatedBy/AssociateId,X{i}"})
    return answer.status_code


def send_mixed(client: httpx.Client, count: int, start: int = 0) -> Counter[int]:
    """Send `count` requests; return how many got each status."""
    return Counter(send_one(client, i) for i in range(start, start + count))
