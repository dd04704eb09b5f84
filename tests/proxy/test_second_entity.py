"""The proxy in front of a server with two entities (Relation and a renamed copy of it, Liaison):
both are forwarded and checked against the spec, and the worded promises, written for Relation, judge
Relation's exchanges only; a Liaison is never taken for a relation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver import Settings, create_app
from tests.mock.test_second_entity import AUTH, LIAISON, RELATION, two_entity_spec
from tests.proxy.conftest import proxy_before, violations
from tests.servers.asgi import Rewrite
from tests.servers.breaks import drop_comment

BODY = {"SourceContactId": 381, "DestinationContactId": 262, "Comment": "from the proxy test"}


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_entity_spec(tmp_path_factory.mktemp("spec"))


@pytest.fixture
def proxied(spec_path: Path) -> Iterator[httpx.Client]:
    upstream = Rewrite(create_app(Settings(quiet=True, spec_path=spec_path)), on_response=drop_comment)
    with (
        proxy_before(upstream, spec_path=spec_path) as proxy,
        httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client,
    ):
        assert client.post("/__admin/reset").status_code == 200
        yield client


def test_both_entities_are_forwarded_and_only_relation_s_promises_judge_relation(
    proxied: httpx.Client,
) -> None:
    # The upstream drops Comment from every PUT answer: a broken promise for a relation.
    liaison = proxied.post(LIAISON, json=BODY).json()
    assert proxied.put(f"{LIAISON}/{liaison['LiaisonId']}", json=BODY).status_code == 200
    assert proxied.get(f"{LIAISON}/{liaison['LiaisonId']}").status_code == 200
    assert proxied.put(f"{RELATION}/918", json=BODY).status_code == 200
    found = violations(str(proxied.base_url))
    on_liaison = [v for v in found if str(v["Path"]).startswith(LIAISON)]
    on_relation = [v for v in found if str(v["Path"]).startswith(RELATION)]
    assert on_relation, found
    assert on_liaison == [], "Relation's promises judged a Liaison exchange"
