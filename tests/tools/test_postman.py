"""The served spec imported as Postman imports it (openapi-to-postmanv2, the library behind Postman's
importer, with its default options): the collection carries the auth as variables, fills no
parameter with a value that changes an answer, and its requests, sent as imported with only the
variables a user sets (base URL, credential, the path's id), get 200 from the mock."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.livemock import mock_in_thread
from tests.tools.tooling import node_modules, run

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
RELATION = "918"


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
    path = "/".join(RELATION if part == ":id" else part for part in url["path"])
    query = [(q["key"], q["value"]) for q in url.get("query", []) if not q.get("disabled")]
    headers = {h["key"]: h["value"] for h in request.get("header", []) if not h.get("disabled")}
    auth = request.get("auth") or {}
    assert auth.get("type", "basic") == "basic"
    return httpx.request(
        request["method"],
        f"{_fill(url['host'][0], variables)}/{path}",
        params=query,
        headers=headers,
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
    assert len(gets) >= 2  # /default and /{id}
    for request in gets:
        answer = _send(request, variables)
        assert answer.status_code == 200, (request["url"]["path"], answer.text)
        plain = httpx.get(
            f"{mock_url}/{'/'.join(RELATION if p == ':id' else p for p in request['url']['path'])}",
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
