"""Stoplight Prism 5.16 (pinned in tools/package.json) compiles every schema of the spec.

Prism swallows a schema it cannot compile and then validates nothing against it, silently: with
`null` listed in a `nullable: true` enum (it adds `null` again, "enum must NOT have duplicate items")
every body passed. So the proof is that Prism reports a violation where one is due, for every request
body media type (`prism mock`) and for every documented JSON answer (`prism proxy` in front of a stub
that answers `[]`), and none for the mock's own answers (`prism proxy` in front of the mock).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import BASIC, SPEC, ServedProcess, node_tool, served, stub_upstream

pytestmark = pytest.mark.slow

DOCUMENT = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
SEED_BODY = DOCUMENT["components"]["examples"]["SeedSampleRequest"]["value"]
REFS = {"SourceContactId": 381, "DestinationContactId": 262}  # mandatory in every PUT
XML_REFS = "".join(f"<{name}>{value}</{name}>" for name, value in REFS.items())
PATH = "/api/v1/Relation/918"
AUTH = {"Authorization": BASIC}
# Prism reads a body as JSON only under `application/json` and `+json` types: `text/json` and XML
# bodies are strings to it, which it reports as "Request body must be object" (its limit, not the spec's).
PRISM_READS = ("application/json", "application/json-patch+json", "application/merge-patch+json")
UNREAD = "request.body: Request body must be object"
JSON_BODY_TYPES = (
    "application/json",
    "text/json",
    "application/json-patch+json",
    "application/merge-patch+json",
)


def prism(mode: str, *upstream: str) -> Any:
    binary = node_tool("prism", "@stoplight/prism-cli")
    return lambda port: [binary, mode, "-h", "127.0.0.1", "-p", str(port), "-v", "warn", SPEC, *upstream]


@pytest.fixture(scope="module")
def prism_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    with served(prism("mock"), tmp_path_factory.mktemp("prism") / "mock.log") as server:
        yield server


@pytest.fixture(scope="module")
def prism_proxy(mock: MockProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    with served(prism("proxy", mock.url), tmp_path_factory.mktemp("prism") / "proxy.log") as server:
        yield server


@pytest.fixture(scope="module")
def prism_before_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    log = tmp_path_factory.mktemp("prism") / "stub.log"
    with stub_upstream() as upstream, served(prism("proxy", upstream), log) as server:
        yield server


def violations(answer: httpx.Response, where: str = "") -> list[str]:
    """Prism's findings (its `sl-violations` header) located in `where` ("request", "response", or all)."""
    found = json.loads(answer.headers.get("sl-violations", "[]"))
    return [
        f"{'.'.join(map(str, v['location']))}: {v['message']}"
        for v in found
        if v["location"][0].startswith(where)
    ]


def put(
    server: ServedProcess, body: Any, media_type: str = "application/json", **kwargs: Any
) -> httpx.Response:
    content = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {**AUTH, "Content-Type": media_type, **kwargs.pop("headers", {})}
    return httpx.put(f"{server.url}{PATH}", content=content, headers=headers, timeout=30, **kwargs)


# -- prism proxy in front of the mock ---------------------------------------------------------------


def test_prism_proxy_reports_a_string_id_in_a_put_body_and_nothing_for_the_seed_request(
    prism_proxy: ServedProcess,
) -> None:
    wrong = put(prism_proxy, {"SourceContactId": "abc"})
    assert wrong.status_code == 400
    assert any("request.body.SourceContactId" in found for found in violations(wrong, "request")), (
        wrong.headers
    )
    seed = put(prism_proxy, SEED_BODY)
    assert seed.status_code == 200
    assert violations(seed) == []


def _exchanges(proxy: ServedProcess) -> Iterator[tuple[str, httpx.Response]]:
    """Requests a client of the real API sends, through Prism to the mock."""
    for media_type in JSON_BODY_TYPES:
        yield f"PUT {media_type} seed body", put(proxy, SEED_BODY, media_type)
    yield (
        "PUT application/xml",
        put(
            proxy,
            f"<ContactRelationEntity>{XML_REFS}<Comment>x</Comment></ContactRelationEntity>",
            "application/xml",
        ),
    )
    form = "SourceContactId=381&DestinationContactId=262&Comment=form"
    yield "PUT form", put(proxy, form, "application/x-www-form-urlencoded")
    nulls = (
        {name: None for name in SEED_BODY}
        | {"CreatedBy": {name: None for name in SEED_BODY["CreatedBy"]}}
        | REFS
    )  # every field but the two mandatory references
    yield "PUT nulls", put(proxy, nulls)
    selected = httpx.get(
        f"{proxy.url}{PATH}",
        params={"$select": f"{','.join(REFS)},Comment,CreatedBy/AssociateId"},
        headers=AUTH,
    )
    yield "GET $select", selected
    yield "PUT the $select answer back", put(proxy, selected.content)
    yield "GET", httpx.get(f"{proxy.url}{PATH}", headers=AUTH)
    yield (
        "GET Accept: aplication/json",
        httpx.get(f"{proxy.url}{PATH}", headers={**AUTH, "Accept": "aplication/json"}),
    )
    yield "GET an unknown id", httpx.get(f"{proxy.url}/api/v1/Relation/99999", headers=AUTH)
    stale = {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    yield "PUT stale If-Unmodified-Since", put(proxy, SEED_BODY, headers=stale)
    yield "PUT without a body", put(proxy, b"")


def test_prism_proxy_finds_every_answer_the_mock_gives_a_real_client_valid(
    prism_proxy: ServedProcess,
) -> None:
    seen = {label: (answer.status_code, violations(answer)) for label, answer in _exchanges(prism_proxy)}
    # Expected request findings: a PUT without a body breaks `required: true`; the bodies Prism does
    # not read as JSON or XML are strings to it. The answers to them must still be valid.
    expected = {
        "PUT without a body": "request: Body parameter is required",
        "PUT text/json seed body": UNREAD,
        "PUT application/xml": UNREAD,
    }
    findings = {
        label: [found for found in findings if not found.startswith(expected.get(label, "-"))]
        for label, (_, findings) in seen.items()
    }
    assert {label: found for label, found in findings.items() if found} == {}
    assert all(seen[label][1] for label in expected)
    statuses = {label: status for label, (status, _) in seen.items()}
    assert statuses == {
        **{label: 200 for label in statuses},
        "GET an unknown id": 404,
        "PUT stale If-Unmodified-Since": 412,
        "PUT without a body": 400,
    }


# -- prism mock: every request body media type -------------------------------------------------------


@pytest.mark.parametrize(
    ("media_type", "wrong", "right"),
    [
        *[(media_type, {"SourceContactId": "abc"}, SEED_BODY) for media_type in PRISM_READS],
        (
            "application/x-www-form-urlencoded",
            "SourceContactId=abc&DestinationContactId=262",
            "SourceContactId=381&DestinationContactId=262&Comment=et",
        ),
    ],
)
def test_prism_mock_checks_a_put_body_of_every_media_type_it_can_read(
    prism_mock: ServedProcess, media_type: str, wrong: Any, right: Any
) -> None:
    refused = put(prism_mock, wrong, media_type)
    assert any("SourceContactId" in found for found in violations(refused, "request")), refused.headers
    assert violations(put(prism_mock, right, media_type)) == []


def test_prism_mock_finds_null_valid_for_a_property_a_date_and_a_carrier_member(
    prism_mock: ServedProcess,
) -> None:
    nulls = {
        **REFS,
        "SourcePersonId": None,
        "UpdatedDate": None,
        "CreatedBy": {"Type": None, "AssociateId": None},
    }
    assert violations(put(prism_mock, nulls)) == []


# -- prism proxy in front of a stub: every documented JSON answer ------------------------------------


def _documented_json_answers() -> Iterator[Any]:
    for method, operation in DOCUMENT["paths"]["/api/v1/Relation/{id}"].items():
        if method == "parameters":
            continue
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            media_types = [media for media in response.get("content", {}) if "json" in media]
            if media_types:
                yield pytest.param(method.upper(), int(status), media_types, id=f"{method.upper()}-{status}")


@pytest.mark.parametrize(("method", "status", "media_types"), list(_documented_json_answers()))
def test_prism_proxy_reports_an_answer_that_fits_no_schema_for_every_documented_json_answer(
    prism_before_stub: ServedProcess, method: str, status: int, media_types: list[str]
) -> None:
    missed = []
    for media_type in media_types:
        headers = {**AUTH, "X-Answer-Status": str(status), "X-Answer-Type": media_type}
        if method == "PUT":
            answer = put(prism_before_stub, SEED_BODY, headers=headers)
        else:
            answer = httpx.get(f"{prism_before_stub.url}{PATH}", headers=headers, timeout=30)
        assert answer.status_code == status
        if not violations(answer, "response"):
            missed.append(media_type)
    assert missed == [], (
        f"Prism validated no {status} answer of these types: it could not compile their schema"
    )
