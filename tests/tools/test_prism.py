"""Stoplight Prism 5.16 (pinned in tools/package.json) compiles every schema of the spec.

Prism swallows a schema it cannot compile and then validates nothing against it, silently: with
`null` listed in a `nullable: true` enum (it adds `null` again, "enum must NOT have duplicate items")
every body passed. So the proof is that Prism reports a violation where one is due, for every request
body media type and for a PATCH with an unsupported op (`prism mock`), for every documented JSON
answer of every operation and for an undocumented status (`prism proxy` in front of a stub that
answers `[]`), and for wrong requests of a client (`prism proxy` in front of the mock); and none for
the mock's own answers to a real client (`prism proxy` in front of the mock), the whole
create-patch-delete flow included.
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
COLLECTION = "/api/v1/Relation"
DEFAULT = "/api/v1/Relation/default"
AUTH = {"Authorization": BASIC}
STALE = {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
MOVE = [{"op": "move", "from": "/Comment", "path": "/PassiveText"}]
TEST_AND_ADD = [{"op": "test", "path": "/Comment", "value": "et"}, {"op": 1, "path": "Comment", "value": "x"}]
NO_VALUE = "Request body property 0 must have required property 'value'"
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


def send(
    server: ServedProcess,
    method: str,
    path: str,
    body: Any = None,
    media_type: str = "application/json",
    **headers: str,
) -> httpx.Response:
    """One request through Prism; a body that is not bytes or text is sent as JSON under `media_type`."""
    content = None if body is None else body if isinstance(body, (bytes, str)) else json.dumps(body)
    sent = {**AUTH, **({"Content-Type": media_type} if content is not None else {}), **headers}
    return httpx.request(method, f"{server.url}{path}", content=content, headers=sent, timeout=30)


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


def _create_patch_delete(proxy: ServedProcess) -> Iterator[tuple[str, int, httpx.Response]]:
    """A frontend's create-edit-delete flow through Prism to the mock: (label, expected status, answer)."""
    default = send(proxy, "GET", DEFAULT)
    yield "GET /default", 200, default
    server_set = ("_Links", "TableRight", "FieldProperties")
    draft = {key: value for key, value in default.json().items() if key not in server_set}
    created = send(proxy, "POST", COLLECTION, {**draft, **REFS, "Comment": "created through Prism"})
    yield "POST", 200, created
    own = f"{COLLECTION}/{created.json()['RelationId']}"
    yield "GET the created relation", 200, send(proxy, "GET", own)
    test_and_replace = [
        {"op": "test", "path": "/Comment", "value": "created through Prism"},
        {"op": "replace", "path": "Comment", "value": "patched through Prism"},
    ]
    yield "PATCH test + replace", 200, send(proxy, "PATCH", own, test_and_replace, JSON_PATCH)
    yield (
        "PATCH op by number (2 replace)",
        200,
        send(proxy, "PATCH", own, [{"op": 2, "path": "/Comment", "value": "2"}], JSON_PATCH),
    )
    yield "PATCH remove", 200, send(proxy, "PATCH", own, [{"op": "remove", "path": "/PassiveText"}])
    yield "PATCH []", 200, send(proxy, "PATCH", own, [], JSON_PATCH)
    merge = {"Comment": "merged through Prism", "SourcePersonId": None}
    yield "PATCH merge patch", 200, send(proxy, "PATCH", own, merge, MERGE_PATCH)
    failing = [{"op": "test", "path": "/Comment", "value": "not stored"}]
    yield "PATCH failing test", 409, send(proxy, "PATCH", own, failing, JSON_PATCH)
    yield "PATCH stale", 412, send(proxy, "PATCH", own, {"Comment": "no"}, MERGE_PATCH, **STALE)
    yield (
        "PATCH an unknown id",
        404,
        send(proxy, "PATCH", f"{COLLECTION}/99999", {"Comment": "no"}, MERGE_PATCH),
    )
    yield "PUT", 200, send(proxy, "PUT", own, {**REFS, "Comment": "replaced through Prism"})
    yield "DELETE stale", 412, send(proxy, "DELETE", own, **STALE)
    yield "DELETE", 204, send(proxy, "DELETE", own)
    yield "GET after DELETE", 404, send(proxy, "GET", own)
    yield "DELETE again", 204, send(proxy, "DELETE", own)


def test_prism_proxy_finds_a_create_patch_delete_flow_on_the_mock_valid(prism_proxy: ServedProcess) -> None:
    seen, expected = {}, {}
    for label, status, answer in _create_patch_delete(prism_proxy):
        seen[label] = (answer.status_code, violations(answer))
        expected[label] = (status, [])
    assert seen == expected
    assert len(seen) == 16


WRONG_ID_PATCH = [{"op": "replace", "path": "/SourceContactId", "value": "abc"}]
XML_BODY = f"<ContactRelationEntity>{XML_REFS}</ContactRelationEntity>"
UNKNOWN_KEY = "request.body: Request body must NOT have additional properties"


@pytest.mark.parametrize(
    ("method", "path", "body", "media_type", "status", "finding"),
    [
        pytest.param("PATCH", PATH, MOVE, JSON_PATCH, 400, "request.body.0.op", id="PATCH-move"),
        pytest.param("PATCH", PATH, WRONG_ID_PATCH, JSON_PATCH, 400, "request.body.0", id="PATCH-string-id"),
        pytest.param("PATCH", PATH, {"X": 1}, MERGE_PATCH, 400, UNKNOWN_KEY, id="PATCH-merge-unknown-key"),
        pytest.param(
            "PATCH", PATH, XML_BODY, "application/xml", 415, "request: Supported content", id="PATCH-xml"
        ),
        pytest.param(
            "POST",
            COLLECTION,
            {**REFS, "SourceContactId": "abc"},
            "application/json",
            400,
            "request.body.SourceContactId",
            id="POST-string-id",
        ),
    ],
)
def test_prism_proxy_reports_a_wrong_request_that_the_mock_refuses(
    prism_proxy: ServedProcess, method: str, path: str, body: Any, media_type: str, status: int, finding: str
) -> None:
    answer = send(prism_proxy, method, path, body, media_type)
    assert answer.status_code == status, answer.text
    assert any(found.startswith(finding) for found in violations(answer, "request")), answer.headers
    assert violations(answer, "response") == []


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


@pytest.mark.parametrize(
    ("method", "path", "body", "media_type", "status"),
    [
        pytest.param("GET", DEFAULT, None, "", 200, id="GET-default"),
        pytest.param("POST", COLLECTION, SEED_BODY, "application/json", 200, id="POST"),
        pytest.param("PATCH", PATH, TEST_AND_ADD, JSON_PATCH, 200, id="PATCH-json-patch"),
        pytest.param(
            "PATCH", PATH, {"Comment": "x", "SourcePersonId": None}, MERGE_PATCH, 200, id="PATCH-merge"
        ),
        pytest.param("DELETE", PATH, None, "", 204, id="DELETE"),
    ],
)
def test_prism_mock_serves_the_new_operations_with_no_violation(
    prism_mock: ServedProcess, method: str, path: str, body: Any, media_type: str, status: int
) -> None:
    answer = send(prism_mock, method, path, body, media_type)
    assert (answer.status_code, violations(answer)) == (status, [])


@pytest.mark.parametrize(
    ("body", "finding"),
    [
        pytest.param(MOVE, "request.body.0.op", id="move"),
        pytest.param([{**MOVE[0], "op": 6}], "request.body.0.op", id="copy-by-number"),
        pytest.param(
            [{"op": "add", "path": "/NoSuchProperty", "value": 1}], "request.body.0.path", id="unknown-path"
        ),
        pytest.param([{"op": "replace", "path": "/Comment"}], f"request.body.0: {NO_VALUE}", id="no-value"),
        pytest.param({"SourceContactId": None}, "request.body.SourceContactId", id="merge-null-mandatory"),
    ],
)
def test_prism_mock_reports_a_patch_body_the_server_refuses(
    prism_mock: ServedProcess, body: Any, finding: str
) -> None:
    answer = send(prism_mock, "PATCH", PATH, body, JSON_PATCH)
    assert any(found.startswith(finding) for found in violations(answer, "request")), answer.headers


# -- prism proxy in front of a stub: every documented JSON answer ------------------------------------


#: A path of the spec's template, and a valid request body, for each method the stub is asked about.
CONCRETE_PATHS = {
    "/api/v1/Relation": COLLECTION,
    "/api/v1/Relation/default": DEFAULT,
    "/api/v1/Relation/{id}": PATH,
    # The records a relation names, beside it in the spec.
    **{
        path: path.replace("{id}", str(record))
        for name, record in (("Contact", 381), ("Person", 272), ("RelationDefinition", 47))
        for path in (f"/api/v1/{name}", f"/api/v1/{name}/default", f"/api/v1/{name}/{{id}}")
    },
}
VALID_BODIES = {
    "PUT": SEED_BODY,
    "POST": SEED_BODY,
    "PATCH": [{"op": "replace", "path": "/Comment", "value": "x"}],
}


def _documented_json_answers() -> Iterator[Any]:
    for template, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if "$ref" in response:
                    response = DOCUMENT["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                media_types = [media for media in response.get("content", {}) if "json" in media]
                if media_types:
                    label = f"{method.upper()}-{template.rsplit('/', 1)[1].strip('{}')}-{status}"
                    yield pytest.param(
                        method.upper(), CONCRETE_PATHS[template], int(status), media_types, id=label
                    )


def test_the_stub_test_covers_every_operation_of_the_spec() -> None:
    covered = {(param.values[0], param.values[1]) for param in _documented_json_answers()}
    assert covered == {
        ("POST", COLLECTION),
        ("GET", DEFAULT),
        ("GET", PATH),
        ("PUT", PATH),
        ("PATCH", PATH),
        ("DELETE", PATH),
        *[
            (method, f"/api/v1/{name}{tail}")
            for name, record in (("Contact", 381), ("Person", 272), ("RelationDefinition", 47))
            for method, tail in (
                ("POST", ""),
                ("GET", "/default"),
                ("GET", f"/{record}"),
                ("PUT", f"/{record}"),
            )
        ],
        ("DELETE", "/api/v1/Contact/381"),
        ("DELETE", "/api/v1/Person/272"),
    }


@pytest.mark.parametrize(("method", "path", "status", "media_types"), list(_documented_json_answers()))
def test_prism_proxy_reports_an_answer_that_fits_no_schema_for_every_documented_json_answer(
    prism_before_stub: ServedProcess, method: str, path: str, status: int, media_types: list[str]
) -> None:
    missed = []
    for media_type in media_types:
        headers = {"X-Answer-Status": str(status), "X-Answer-Type": media_type}
        answer = send(
            prism_before_stub,
            method,
            path,
            VALID_BODIES.get(method),
            JSON_PATCH if method == "PATCH" else "application/json",
            **headers,
        )
        assert answer.status_code == status
        if not violations(answer, "response"):
            missed.append(media_type)
    assert missed == [], (
        f"Prism validated no {status} answer of these types: it could not compile their schema"
    )


@pytest.mark.parametrize(
    ("method", "template", "status"),
    [
        pytest.param("POST", "/api/v1/Relation", 201, id="POST-201"),
        pytest.param("DELETE", "/api/v1/Relation/{id}", 200, id="DELETE-200"),
    ],
)
def test_prism_proxy_reports_a_status_the_operation_does_not_document(
    prism_before_stub: ServedProcess, method: str, template: str, status: int
) -> None:
    documented = ",".join(DOCUMENT["paths"][template][method.lower()]["responses"])
    assert str(status) not in documented.split(",")
    body = VALID_BODIES.get(method)
    answer = send(
        prism_before_stub, method, CONCRETE_PATHS[template], body, **{"X-Answer-Status": str(status)}
    )
    assert answer.status_code == status
    assert violations(answer, "response") == [
        f"response: Unable to match the returned status code with those defined in the document: {documented}"
    ]
