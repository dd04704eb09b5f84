"""The served spec imported as Postman imports it (openapi-to-postmanv2, the library behind Postman's
importer, with its default options): the collection carries the auth as variables, fills no
parameter with a value that changes an answer, and its requests, sent as imported with only the
variables a user sets (base URL, credential, the path's id), get 200 from the mock.

Writes too. The converter's default ("Schema" parameter resolution) fills a body from the schema's
`default`s and type placeholders (`<integer>`), never from examples; and it picks the form body
(`application/x-www-form-urlencoded`) for POST and PUT whenever it is listed. The spec's
ContactRelationEntityForm has the seed page's sample as its `default`, and JsonPatchDocument the
empty patch: so the imported PUT writes the sample back to relation 918, the imported POST creates
a copy of it, and the imported PATCH changes nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import yaml

from tests.livemock import mock_in_thread
from tests.tools.tooling import SPEC, node_modules, run

CONVERT = """
const convert = require("openapi-to-postmanv2");
const fs = require("fs");
convert.convert({type: "string", data: fs.readFileSync(process.argv[2], "utf8")}, {}, (error, result) => {
  if (error || !result.result) { console.error(error || result.reason); process.exit(1); }
  fs.writeFileSync(process.argv[3], JSON.stringify(result.output[0].data));
});
"""
# What a user of the imported collection sets: the environment's variables and the path's id.
USER = {"basicAuthUsername": "tje0", "basicAuthPassword": "Tje0"}


def fixture_ids() -> dict[str, str]:
    """Each resource of the spec (the path segment before `{id}`: `Relation`, `Contact`, ...) -> the
    id of its first fixture, as the mock starts with it: the `x-primary-key` value of the first
    `x-fixtures` example of the schema its `GET /.../{id}` answers with."""
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    schemas, examples = document["components"]["schemas"], document["components"]["examples"]
    ids = {}
    for path, item in document["paths"].items():
        *_, resource, last = path.split("/")
        if last != "{id}" or "get" not in item:
            continue
        ref = item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        schema = schemas[ref.rsplit("/", 1)[-1]]
        first = examples[schema["x-fixtures"][0]]["value"]
        ids[resource] = str(first[schema["x-primary-key"]])
    return ids


#: The path's id a user sets for each resource's requests: one of that resource's fixtures.
IDS = fixture_ids()
RELATION = IDS["Relation"]


def _path(parts: list[str]) -> str:
    """An imported request's path with its `:id` set to a fixture of the resource it names."""
    return "/".join(IDS[parts[index - 1]] if part == ":id" else part for index, part in enumerate(parts))


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with mock_in_thread() as url:
        yield url


@pytest.fixture(scope="module")
def collection(mock_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("postman")
    spec = folder / "openapi.json"
    spec.write_bytes(httpx.get(f"{mock_url}/openapi.json", timeout=10).content)
    script = folder / "convert.js"
    script.write_text(CONVERT)
    out = folder / "collection.json"
    ran = run(["node", script, spec, out], env={"NODE_PATH": str(node_modules())})
    assert ran.returncode == 0, ran.output
    loaded: dict[str, Any] = json.loads(out.read_text())
    return loaded


def _requests(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "item" in item:
            yield from _requests(item["item"])
        else:
            yield item["request"]


def _fill(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\{\{(\w+)\}\}", lambda m: variables[m.group(1)], text)


def _send(request: dict[str, Any], variables: dict[str, str]) -> httpx.Response:
    url = request["url"]
    path = _path(url["path"])
    query = [(q["key"], q["value"]) for q in url.get("query", []) if not q.get("disabled")]
    headers = {h["key"]: h["value"] for h in request.get("header", []) if not h.get("disabled")}
    auth = request.get("auth") or {}
    assert auth.get("type", "basic") == "basic"
    body = request.get("body") or {}
    content = None
    if body.get("mode") == "urlencoded":  # as Postman encodes a form: the enabled fields, in order
        content = urlencode([(f["key"], f["value"]) for f in body["urlencoded"] if not f.get("disabled")])
    elif body.get("mode") == "raw":
        content = body["raw"]
    return httpx.request(
        request["method"],
        f"{_fill(url['host'][0], variables)}/{path}",
        params=query,
        headers=headers,
        content=content,
        auth=(variables["basicAuthUsername"], variables["basicAuthPassword"]),
        timeout=10,
    )


def test_the_imported_collection_carries_the_credential_as_variables(collection: dict[str, Any]) -> None:
    auth = collection["auth"]
    assert auth["type"] == "basic"
    assert {entry["value"] for entry in auth["basic"]} == {"{{basicAuthUsername}}", "{{basicAuthPassword}}"}


def test_no_imported_select_or_header_holds_an_invented_value_that_changes_an_answer(
    collection: dict[str, Any],
) -> None:
    for request in _requests(collection["item"]):
        for query in request["url"].get("query", []):
            assert query["key"] != "$select" or query["value"] != "<string>", request["method"]
        for header in request.get("header", []):
            # A placeholder in a date header is no HTTP-date, which RFC 9110 13.1.4 makes the server ignore.
            assert (
                header["key"] not in {"SO-AppToken", "If-Unmodified-Since"} or "2100" not in header["value"]
            )


def test_every_get_of_the_imported_collection_gets_200_and_the_same_fields_as_a_plain_get(
    collection: dict[str, Any], mock_url: str
) -> None:
    variables = {"baseUrl": mock_url, **USER}
    gets = [r for r in _requests(collection["item"]) if r["method"] == "GET"]
    # /default and /{id} of each resource
    assert {(r["url"]["path"][2], r["url"]["path"][-1]) for r in gets} == {
        (resource, last) for resource in IDS for last in ("default", ":id")
    }
    for request in gets:
        answer = _send(request, variables)
        assert answer.status_code == 200, (request["url"]["path"], answer.text)
        plain = httpx.get(
            f"{mock_url}/{_path(request['url']['path'])}",
            auth=(USER["basicAuthUsername"], USER["basicAuthPassword"]),
            timeout=10,
        ).json()
        assert answer.json() == plain, "the imported parameters changed the answer"


def test_the_select_default_names_every_property_of_the_answer(mock_url: str) -> None:
    spec = httpx.get(f"{mock_url}/openapi.json", timeout=10).json()
    default = spec["components"]["parameters"]["Select"]["schema"]["default"]
    answer = spec["components"]["schemas"]["ContactRelationEntityWithLinks"]["properties"]
    assert default.split(",") == list(answer)


def test_the_converter_is_the_pinned_one() -> None:
    manifest = json.loads((node_modules() / "openapi-to-postmanv2" / "package.json").read_text())
    pinned = json.loads((Path(__file__).resolve().parents[2] / "tools" / "package.json").read_text())
    assert manifest["version"] == pinned["devDependencies"]["openapi-to-postmanv2"]


def _write(collection: dict[str, Any], method: str, resource: str = "Relation") -> dict[str, Any]:
    """The imported request of this method on this resource (the collection has one per resource)."""
    (request,) = [
        r for r in _requests(collection["item"]) if r["method"] == method and r["url"]["path"][2] == resource
    ]
    return request


def _relation(mock_url: str, relation_id: int | str) -> dict[str, Any]:
    answer = httpx.get(
        f"{mock_url}/api/v1/Relation/{relation_id}",
        auth=(USER["basicAuthUsername"], USER["basicAuthPassword"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _placeholders(request: dict[str, Any]) -> list[str]:
    """The imported form fields whose value is a type placeholder of the converter (`<integer>`)."""
    fields = request["body"].get("urlencoded", [])
    return [f"{f['key']}={f['value']}" for f in fields if re.fullmatch(r"<[\w-]+>", f["value"])]


#: What a write leaves to the server: the id, its own stamps, the links, the rights.
SERVER_SET = {"RelationId", "UpdatedDate", "UpdatedBy", "CreatedDate", "CreatedBy", "_Links"}
SERVER_SET |= {"TableRight", "FieldProperties"}


def _values(relation: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in relation.items() if name not in SERVER_SET}


def test_the_form_default_the_importer_fills_in_is_the_seed_samples_value_fields(mock_url: str) -> None:
    spec = httpx.get(f"{mock_url}/openapi.json", timeout=10).json()
    form = spec["components"]["schemas"]["ContactRelationEntityForm"]
    seed = spec["components"]["examples"]["SeedSampleRequest"]["value"]
    assert form["default"] == {name: seed[name] for name in form["properties"] if name != "RelationId"}
    assert spec["components"]["schemas"]["JsonPatchDocument"]["default"] == []


def test_the_imported_put_writes_the_seed_sample_back_to_relation_918_and_leaves_it_valid(
    collection: dict[str, Any], mock_url: str
) -> None:
    request = _write(collection, "PUT")
    assert request["body"]["mode"] == "urlencoded"
    before = _relation(mock_url, RELATION)
    answer = _send(request, {"baseUrl": mock_url, **USER})
    assert answer.status_code == 200, answer.text
    assert not _placeholders(request)
    assert answer.json()["RelationId"] == int(RELATION)
    assert _values(_relation(mock_url, RELATION)) == _values(before)


def test_the_imported_post_creates_a_relation_with_the_seed_samples_values(
    collection: dict[str, Any], mock_url: str
) -> None:
    request = _write(collection, "POST")
    assert request["body"]["mode"] == "urlencoded"
    answer = _send(request, {"baseUrl": mock_url, **USER})
    assert answer.status_code in (200, 201), answer.text
    assert not _placeholders(request)
    created = answer.json()["RelationId"]
    assert isinstance(created, int) and created not in (0, int(RELATION))
    assert _values(_relation(mock_url, created)) == _values(_relation(mock_url, RELATION))
    deleted = httpx.delete(
        f"{mock_url}/api/v1/Relation/{created}",
        auth=(USER["basicAuthUsername"], USER["basicAuthPassword"]),
        timeout=10,
    )
    assert deleted.status_code == 204, deleted.text


def test_the_imported_patch_is_the_empty_patch_and_leaves_relation_918_as_it_was(
    collection: dict[str, Any], mock_url: str
) -> None:
    request = _write(collection, "PATCH")
    assert request["body"]["mode"] == "raw"
    assert json.loads(request["body"]["raw"]) == []
    before = _relation(mock_url, RELATION)
    answer = _send(request, {"baseUrl": mock_url, **USER})
    assert answer.status_code == 200, answer.text
    assert _values(answer.json()) == _values(before)
    assert _values(_relation(mock_url, RELATION)) == _values(before)


def test_the_mock_fills_in_no_default_for_a_form_that_leaves_fields_out(
    collection: dict[str, Any], mock_url: str
) -> None:
    """The form's `default` is for importers only: a PUT of the two mandatory ids empties the rest, as
    a real server does; the imported PUT then puts the sample back."""
    answer = httpx.put(
        f"{mock_url}/api/v1/Relation/{RELATION}",
        content=urlencode({"SourceContactId": 381, "DestinationContactId": 262}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=(USER["basicAuthUsername"], USER["basicAuthPassword"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    emptied = _relation(mock_url, RELATION)
    assert (emptied["Comment"], emptied["SourcePersonId"], emptied["ActiveText"]) == ("", 0, "")
    assert _send(_write(collection, "PUT"), {"baseUrl": mock_url, **USER}).status_code == 200
    assert _relation(mock_url, RELATION)["Comment"] == "et"
