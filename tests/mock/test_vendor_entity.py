"""One engine, no code per entity: Sale, an entity of the vendor's files the spec does not describe,
served from its declarations alone.

`sale_spec` builds, in a temporary folder, `openapi/relation.yaml` plus the vendor's Sale
operations (`Swagger-v1-Sale.json`: GET /default, POST, GET, PUT and DELETE of `{id}`), converted
from Swagger 2.0 by swagger2openapi (pinned in tools/package.json, installed by `make node`), not by
hand. Of the converted document it keeps those operations as the converter wrote them (parameters,
the one request body of all seven content types, the 200 answers in six) and a subset of
SaleEntity's properties with the vendor's names, types and formats. What it adds is what every
resource of the spec has, and what the vendor's Swagger leaves out (the fact sheet, §1):
- the spec's security (the vendor's operations name schemes its file does not define);
- the error answers in the vendor's error shape, as Contact's operations document them (the vendor
  documents no 401, 404 on PUT or error body);
- `nullable: true` on every property (`$select` nulls what it leaves out), `null` among the enum's
  values, and dates in the spec's form (the vendor's `format: date-time`, or RFC 3339 without an
  offset as real servers send them);
- the declarations a Sale needs: `xml.name: SaleEntity`, `x-primary-key: SaleId`, `x-server-set`,
  `x-references` (its contact, and a person of that contact), `x-derived` (their names) and
  `x-fixtures` (two sales of the seed's contacts).

The mock serves it with no Python change, in memory; the contract suite runs against it once, and
the validating proxy in front of it names a Sale answer that breaks the schema.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.cli import main as contracts_main
from mockserver import Settings, create_app
from mockserver.errors import SpecError
from tests.livemock import IN_PROCESS_URL, mock_in_process, mock_in_thread
from tests.proxy.conftest import answer_violations, proxy_in_thread, violations
from tests.servers.asgi import Exchange, Reply, Rewrite
from tests.servers.runner import serve
from tests.tools.tooling import node_tool

ROOT = Path(__file__).resolve().parents[2]
VENDOR_SALE = ROOT.parent / "shared/reference/vendor/Swagger-v1-Sale.json"
AUTH = {"Authorization": "Basic dGplMDpUamUw"}
SALE = "/api/v1/Sale"
STALE = "Sat, 01 Jan 2000 00:00:00 GMT"

# The vendor's schema names, as the converter keeps them, and the spec's names for them.
VENDOR_ENTITY = "SuperOffice.CRM.Services.SaleEntity"
VENDOR_ANSWER = "SuperOffice.WebApi.v1.Carriers.SaleCarriers.SaleEntityWithLinks"
VENDOR_BODY = "SuperOffice.CRM.Services.SaleEntity"  # the converter's one request body
VENDOR_PERSON = "SuperOffice.CRM.Services.Person"
# The operations the mock serves, as the vendor has them (no PATCH: the vendor's Sale has none).
OPERATIONS = {
    SALE: ("post",),
    f"{SALE}/default": ("get",),
    f"{SALE}/{{id}}": ("get", "put", "delete"),
}
# SaleEntity's properties kept (the vendor's order); the rest of its 47 are left out.
KEPT = (
    "Associate",
    "UpdatedBy",
    "CreatedBy",
    "Contact",
    "Heading",
    "Person",
    "Status",
    "Saledate",
    "Amount",
    "SaleId",
    "Number",
    "Probability",
    "CreatedDate",
    "UpdatedDate",
    "Postit",
    "TableRight",
    "FieldProperties",
)
PERSON_KEPT = ("PersonId", "Firstname", "Lastname", "FullName", "ContactId")
# The Contact operation whose error answers each Sale operation takes (same role, same path shape).
COUNTERPART = {
    (SALE, "post"): ("/api/v1/Contact", "post"),
    (f"{SALE}/default", "get"): ("/api/v1/Contact/default", "get"),
    (f"{SALE}/{{id}}", "get"): ("/api/v1/Contact/{id}", "get"),
    (f"{SALE}/{{id}}", "put"): ("/api/v1/Contact/{id}", "put"),
    (f"{SALE}/{{id}}", "delete"): ("/api/v1/Contact/{id}", "delete"),
}
DATE_LOCAL = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$"
FIXTURES = {
    "Sale31": {
        "SaleId": 31,
        "Heading": "Twelve licences",
        "Status": "Open",
        "Saledate": "2026-03-01T00:00:00",
        "Amount": 12000.5,
        "Number": "S-31",
        "Probability": 40,
        "Postit": "",
        "Contact": {"ContactId": 381},
        "Person": {"PersonId": 272},
        "Associate": None,
        "CreatedDate": "2025-11-04T09:15:00",
        "UpdatedDate": "2025-12-01T10:00:00",
        "CreatedBy": None,
        "UpdatedBy": None,
    },
    "Sale32": {
        "SaleId": 32,
        "Heading": "Support renewal",
        "Status": "Sold",
        "Saledate": "2025-06-30T00:00:00",
        "Amount": 800,
        "Number": "S-32",
        "Probability": 100,
        "Postit": "paid",
        "Contact": {"ContactId": 262},
        "Person": None,
        "Associate": None,
        "CreatedDate": "2025-01-10T08:00:00",
        "UpdatedDate": "2025-06-30T12:00:00",
        "CreatedBy": None,
        "UpdatedBy": None,
    },
}


def convert(vendor: Path, folder: Path) -> dict[str, Any]:
    """The vendor's Swagger 2.0 as OpenAPI 3.0.3, by swagger2openapi (`--patch` mends the vendor's
    small errors, as its docs advise for real-world files)."""
    converter = node_tool("swagger2openapi", "swagger2openapi")
    out = folder / "Swagger-v1-Sale.openapi.json"
    done = subprocess.run(
        [str(converter), "--patch", "--targetVersion", "3.0.3", "--outfile", str(out), str(vendor)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _spec_form(schema: dict[str, Any]) -> dict[str, Any]:
    """A vendor property as the spec writes every property: nullable, enums with null, dates in
    both forms (the vendor's `format: date-time`, or no offset, as real servers send them)."""
    out = {**schema, "nullable": True}
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    if out.get("format") == "date-time":
        description = out.pop("description", None)
        out = {
            "type": "string",
            "nullable": True,
            "anyOf": [
                {"type": "string", "format": "date-time", "nullable": True},
                {"type": "string", "format": "date-time-local", "pattern": DATE_LOCAL, "nullable": True},
            ],
        }
        if description:
            out["description"] = description
    return out


def _renamed(value: Any, names: dict[str, str]) -> Any:
    """`value` with every `$ref` to a vendor schema or body pointing at the spec's name for it."""
    if isinstance(value, dict):
        out = {key: _renamed(item, names) for key, item in value.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.rpartition("/")[2] in names:
            head, _, name = ref.rpartition("/")
            out["$ref"] = f"{head}/{names[name]}"
        return out
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return value


def sale_spec(folder: Path, vendor: Path = VENDOR_SALE) -> Path:
    """relation.yaml plus the vendor's Sale operations, converted, completed and declared (above)."""
    if not vendor.is_file():
        pytest.fail(f"The vendor's Sale Swagger is missing at {vendor} (../shared/reference/vendor).")
    converted = convert(vendor, folder)
    spec = yaml.safe_load((ROOT / "openapi" / "relation.yaml").read_text(encoding="utf-8"))
    vendor_schemas = converted["components"]["schemas"]
    names = {
        VENDOR_ANSWER: "SaleEntityWithLinks",
        VENDOR_BODY: "SaleEntity",
        VENDOR_PERSON: "SalePerson",
        "SuperOffice.CRM.Services.Contact": "Contact",
        "SuperOffice.CRM.Services.Associate": "Associate",
        "SuperOffice.CRM.Security.TableRight": "TableRight",
        "SuperOffice.CRM.Security.FieldProperty": "FieldProperty",
    }
    for path, methods in OPERATIONS.items():
        item: dict[str, Any] = {}
        for method in methods:
            op = _renamed(copy.deepcopy(converted["paths"][path][method]), names)
            del op["security"]  # the vendor's names no scheme its file defines: the spec's apply
            other_path, other_method = COUNTERPART[(path, method)]
            documented = spec["paths"][other_path][other_method]["responses"]
            for status, answer in documented.items():
                if status.startswith(("4", "5")):
                    # The vendor's own description is kept where it has one; the body is the spec's.
                    answer = dict(answer)
                    if status in op["responses"] and "$ref" not in answer:
                        answer["description"] = op["responses"][status]["description"]
                    op["responses"][status] = answer
            item[method] = op
        spec["paths"][path] = item
    body = _renamed(copy.deepcopy(converted["components"]["requestBodies"][VENDOR_BODY]), names)
    spec["components"]["requestBodies"]["SaleEntity"] = body
    entity = vendor_schemas[VENDOR_ENTITY]
    answer = vendor_schemas[VENDOR_ANSWER]
    schemas = spec["components"]["schemas"]
    schemas["SaleEntity"] = _entity_schema(entity, names, links=False)
    schemas["SaleEntityWithLinks"] = {
        **_entity_schema(answer, names, links=True),
        "xml": {"name": "SaleEntity"},
        "x-primary-key": "SaleId",
        "x-server-set": {
            "CreatedDate": "created-at",
            "CreatedBy": "created-by",
            "UpdatedDate": "updated-at",
            "UpdatedBy": "updated-by",
        },
        # "The contact associated with the sale. It may also be 0"; "a person ... must be a contact
        # person registered on the current contact" (the vendor's descriptions of the two).
        "x-references": {
            "Contact/ContactId": {"resource": "Contact", "optional": True},
            "Person/PersonId": {"resource": "Person", "optional": True, "within": "Contact/ContactId"},
        },
        "x-derived": {
            "Contact/Name": {"from": "Contact/ContactId", "take": "Name"},
            "Person/FullName": {"from": "Person/PersonId", "take": "FullName"},
        },
        "x-fixtures": list(FIXTURES),
    }
    person = vendor_schemas[VENDOR_PERSON]
    schemas["SalePerson"] = {
        **{key: value for key, value in person.items() if key != "properties"},
        "nullable": True,
        "properties": {name: _spec_form(person["properties"][name]) for name in PERSON_KEPT},
    }
    for name, value in FIXTURES.items():
        spec["components"]["examples"][name] = {"summary": f"Sale {value['SaleId']}", "value": value}
    spec["tags"].append({"name": "Sale", "description": "Sales (SaleEntity), from the vendor's file."})
    path = folder / "with-sale.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _entity_schema(vendor: dict[str, Any], names: dict[str, str], *, links: bool) -> dict[str, Any]:
    props = vendor["properties"]
    kept = {}
    for name in (*KEPT, *(("_Links",) if links else ())):
        schema = props[name]
        if "$ref" in schema:  # a carrier: the spec's schema of that name (Contact, Associate, ...)
            kept[name] = _renamed({"$ref": schema["$ref"]}, names)
        elif name == "_Links":
            kept[name] = {"$ref": "#/components/schemas/Links"}
        elif name == "FieldProperties":
            kept[name] = {"$ref": "#/components/schemas/FieldProperties"}
        else:
            kept[name] = _spec_form(schema)
    left_out = [name for name in props if name not in kept]
    return {
        "type": "object",
        "description": f"{vendor.get('description', '')}\n\nOf the vendor's properties, these are left "
        f"out: {', '.join(left_out)}.",
        "xml": {"name": "SaleEntity"},
        "properties": kept,
    }


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sale_spec(tmp_path_factory.mktemp("sale"))


@pytest.fixture(scope="module")
def served(spec_path: Path) -> Iterator[httpx.Client]:
    with mock_in_process(spec_path=spec_path) as mock, mock.client(headers=AUTH) as http:
        yield http


@pytest.fixture
def client(served: httpx.Client) -> httpx.Client:
    counts = served.post("/__admin/reset").json()
    assert counts["Sales"] == 2, counts
    return served


def test_the_converted_operations_are_the_vendor_s(spec_path: Path) -> None:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    vendor = json.loads(VENDOR_SALE.read_text(encoding="utf-8"))
    for path, methods in OPERATIONS.items():
        for method in methods:
            ours, theirs = spec["paths"][path][method], vendor["paths"][path][method]
            assert ours["operationId"] == theirs["operationId"]
            vendor_params = [(p["name"], p["in"]) for p in theirs["parameters"] if p["in"] != "body"]
            assert [(p["name"], p["in"]) for p in ours["parameters"]] == vendor_params
            assert set(theirs["responses"]) <= set(ours["responses"])
    entity = vendor["definitions"][VENDOR_ENTITY]["properties"]
    props = spec["components"]["schemas"]["SaleEntityWithLinks"]["properties"]
    for name in ("SaleId", "Heading", "Amount", "Probability", "Number", "Postit"):
        assert {key: props[name][key] for key in ("type", "format") if key in props[name]} == {
            key: entity[name][key] for key in ("type", "format") if key in entity[name]
        }
    assert props["Saledate"]["anyOf"][0]["format"] == entity["Saledate"]["format"] == "date-time"
    assert props["Status"]["enum"] == [*entity["Status"]["enum"], None]


def test_a_fixture_reads_with_its_key_links_root_and_derived_names(client: httpx.Client) -> None:
    sale = client.get(f"{SALE}/31")
    assert sale.status_code == 200, sale.text
    body = sale.json()
    assert (body["SaleId"], body["Heading"], body["Amount"], body["Status"]) == (
        31,
        "Twelve licences",
        12000.5,
        "Open",
    )
    assert body["Contact"]["Name"] == "Pfannerstill, Romaguera and Smith"  # x-derived from contact 381
    assert body["Person"]["FullName"] == "Feil-Kessler"
    assert body["_Links"]["Self"].endswith(f"{SALE}/31") and body["_Links"]["Archive"].endswith(SALE)
    assert sale.headers["Last-Modified"] == "Mon, 01 Dec 2025 10:00:00 GMT"
    assert body["FieldProperties"]["Amount"]["FieldType"] == "System.Double"
    xml = client.get(f"{SALE}/31", headers={"Accept": "application/xml"})
    assert xml.text.count("<SaleEntity ") == 1 and "<Amount>12000.5</Amount>" in xml.text
    blank = client.get(f"{SALE}/default").json()
    assert (blank["SaleId"], blank["Heading"], blank["Amount"], blank["Status"]) == (0, "", 0, "Unknown")
    assert "_Links" not in blank


def test_put_replaces_and_a_stale_if_unmodified_since_is_412(client: httpx.Client) -> None:
    stale = client.put(f"{SALE}/31", json={"Heading": "lost"}, headers={"If-Unmodified-Since": STALE})
    assert stale.status_code == 412
    assert "SaleEntity has changed" in stale.json()["ErrorMessage"]
    assert stale.headers["Last-Modified"] == "Mon, 01 Dec 2025 10:00:00 GMT"
    assert client.get(f"{SALE}/31").json()["Heading"] == "Twelve licences"
    put = client.put(
        f"{SALE}/31",
        json={"SaleId": 5, "Heading": "won", "Amount": 99.5, "Contact": {"ContactId": 262}},
        headers={"If-Unmodified-Since": "Mon, 01 Dec 2025 10:00:00 GMT"},
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["SaleId"], body["Heading"], body["Amount"], body["Number"]) == (31, "won", 99.5, "")
    assert body["Contact"]["Name"] == "Brekke, Cronin and Feest" and body["Person"] is None
    assert body["UpdatedBy"]["UserName"] == "tje0" and body["CreatedDate"] == "2025-11-04T09:15:00"
    assert client.get(f"{SALE}/31").json() == body


def test_select_nulls_what_it_leaves_out(client: httpx.Client) -> None:
    body = client.get(f"{SALE}/31", params={"$select": "heading,SaleId,Contact/ContactId"}).json()
    assert (body["SaleId"], body["Heading"]) == (31, "Twelve licences")
    assert body["Amount"] is None and body["Status"] is None and body["Person"] is None
    assert body["Contact"] == {"ContactId": 381, "Name": None}


def test_bodies_in_xml_and_form_data_carry_the_sale(client: httpx.Client) -> None:
    xml = (
        "<SaleEntity><Heading>in xml</Heading><Amount>3.25</Amount>"
        "<Contact><ContactId>262</ContactId></Contact></SaleEntity>"
    )
    answer = client.put(
        f"{SALE}/32", content=xml, headers={"Content-Type": "application/xml", "Accept": "application/xml"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.text.count("<SaleEntity ") == 1 and "<Amount>3.25</Amount>" in answer.text
    form = client.put(
        f"{SALE}/32",
        content="Heading=in+form&Amount=-1.5e2&Probability=7",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200, form.text
    assert (form.json()["Heading"], form.json()["Amount"], form.json()["Probability"]) == ("in form", -150, 7)
    wrong = client.put(f"{SALE}/32", json={"Amount": "a lot"})
    assert wrong.status_code == 400 and wrong.json()["Violations"][0]["Field"] == "Amount"


def test_post_creates_a_new_id_and_delete_removes_it(client: httpx.Client) -> None:
    created = client.post(SALE, json={"Heading": "new", "Contact": {"ContactId": 95}, "SaleId": 31})
    assert created.status_code == 200, created.text
    new = created.json()
    assert new["SaleId"] == 33 and new["Contact"]["Name"] == "Olson, West and Green"
    assert new["CreatedBy"]["UserName"] == "tje0" and new["CreatedDate"] == new["UpdatedDate"]
    assert client.get(f"{SALE}/31").json()["Heading"] == "Twelve licences"  # the body's SaleId is ignored
    assert client.post(SALE, json={}).json()["SaleId"] == 34
    stale = client.delete(f"{SALE}/33", headers={"If-Unmodified-Since": STALE})
    assert stale.status_code == 412 and stale.json()["ErrorMessage"].startswith("Delete aborted")
    assert client.delete(f"{SALE}/33").status_code == 204
    gone = client.get(f"{SALE}/33")
    assert gone.status_code == 404
    assert gone.json()["ErrorMessage"] == "SaleEntity id 33 not found"


def test_a_reference_to_no_contact_or_a_person_of_another_contact_is_refused(client: httpx.Client) -> None:
    before = client.get(f"{SALE}/32").json()
    nobody = client.put(f"{SALE}/32", json={"Contact": {"ContactId": 99999}})
    assert nobody.status_code == 400
    assert nobody.json()["Violations"] == [
        {"Field": "Contact/ContactId", "Problem": "ContactEntity 99999 does not exist in the db"}
    ]
    elsewhere = client.post(SALE, json={"Contact": {"ContactId": 262}, "Person": {"PersonId": 272}})
    assert elsewhere.status_code == 400
    assert "PersonEntity 272 does not belong to ContactEntity 262" in elsewhere.json()["ErrorMessage"]
    assert client.get(f"{SALE}/32").json() == before
    assert client.get(f"{SALE}/33").status_code == 404


def test_the_contract_suite_holds_against_the_sale_mock_and_leaves_its_fixtures_alone(
    spec_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    with mock_in_thread(spec_path=spec_path) as url:
        before = httpx.get(f"{url}{SALE}/32", headers=AUTH).json()
        status = contracts_main(
            [
                *("--url", url, "--spec", str(spec_path), "--max-examples", "3", "--seed", "1"),
                *("--quiet", "--all-resources", "--phases", "examples,fuzzing", "--workers", "1"),
                *("--report", str(report)),
            ]
        )
        printed = capsys.readouterr().out
        assert status == 0, printed[-4000:]
        assert httpx.get(f"{url}{SALE}/32", headers=AUTH).json() == before
    # Schemathesis wrote Sales too (--all-resources) and the suite deleted each one it created.
    created = re.search(r"/api/v1/Sale/\{id\}: created (\d+) .*; deleted (\d+)", report.read_text())
    assert created is not None and int(created[1]) > 0 and created[1] == created[2], report.read_text()


def _amount_as_text(exchange: Exchange, reply: Reply) -> Reply:
    """A server whose Sale answers carry Amount as text: the vendor's schema says a double."""
    body = reply.json()
    if exchange.path.lower().startswith(SALE.lower()) and isinstance(body, dict) and "Amount" in body:
        body["Amount"] = f"{body['Amount']} NOK"
        reply.set_json(body)
    return reply


def test_the_proxy_names_a_sale_answer_that_breaks_the_schema(spec_path: Path) -> None:
    broken = Rewrite(create_app(Settings(spec_path=spec_path, quiet=True)), on_response=_amount_as_text)
    with serve(broken) as upstream, proxy_in_thread(upstream, spec_path=spec_path) as proxy:
        contact = httpx.get(f"{proxy}/api/v1/Contact/381", headers=AUTH, timeout=10)
        assert contact.status_code == 200 and contact.headers["X-Contract-Violations"] == "0"
        sale = httpx.get(f"{proxy}{SALE}/31", headers=AUTH, timeout=10)
        assert sale.status_code == 200 and sale.json()["Amount"] == "12000.5 NOK"
        assert int(sale.headers["X-Contract-Violations"]) >= 1
        found = answer_violations(proxy)
        assert {(v["Path"], v["Check"]) for v in found} == {(f"{SALE}/31", "response-body")}, found
        assert any("Amount" in v["Location"] + v["Message"] for v in found), found


def test_the_proxy_passes_the_unbroken_sale_mock(spec_path: Path) -> None:
    with (
        mock_in_thread(spec_path=spec_path) as upstream,
        proxy_in_thread(upstream, spec_path=spec_path) as proxy,
    ):
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as http:
            answers = [
                http.get(f"{SALE}/31"),
                http.get(f"{SALE}/31", params={"$select": "Heading"}),
                http.put(f"{SALE}/31", json={"Heading": "via proxy", "Contact": {"ContactId": 381}}),
                http.put(f"{SALE}/31", json={"Heading": "x"}, headers={"If-Unmodified-Since": STALE}),
                http.post(SALE, json={"Heading": "new", "Amount": 5}),
                http.get(f"{SALE}/default"),
                http.get(f"{SALE}/31", headers={"Accept": "application/xml"}),
                http.put(
                    f"{SALE}/31",
                    content="<SaleEntity><Heading>xml</Heading><Amount>2.5</Amount></SaleEntity>",
                    headers={"Content-Type": "application/xml", "Accept": "text/xml"},
                ),
                http.put(
                    f"{SALE}/31",
                    content="Heading=form&Amount=7.25",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                ),
                http.delete(f"{SALE}/32"),
                http.get(f"{SALE}/32"),
            ]
        assert [a.status_code for a in answers] == [200, 200, 200, 412, 200, 200, 200, 200, 200, 204, 404]
        assert violations(proxy) == []


def _other_sale_id(exchange: Exchange, reply: Reply) -> Reply:
    """A server whose Sale PUT answers name another sale than the path's."""
    body = reply.json()
    if exchange.method == "PUT" and isinstance(body, dict) and "SaleId" in body:
        body["SaleId"] += 1
        reply.set_json(body)
    return reply


def test_the_proxy_judges_a_sale_by_its_declarations(spec_path: Path) -> None:
    """The worded promises hold a Sale to its x-primary-key: a 200 answer's SaleId is the path's."""
    broken = Rewrite(create_app(Settings(spec_path=spec_path, quiet=True)), on_response=_other_sale_id)
    with serve(broken) as upstream, proxy_in_thread(upstream, spec_path=spec_path) as proxy:
        put = httpx.put(f"{proxy}{SALE}/31", json={"Heading": "renamed"}, headers=AUTH, timeout=10)
        assert put.status_code == 200 and put.json()["SaleId"] == 32
        found = answer_violations(proxy)
    assert ("path-id", "body/SaleId") in {(v["Check"], v["Location"]) for v in found}, found


def test_a_default_answering_another_entity_still_stops_start_up(spec_path: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["SaleEntity"]["properties"]["Margin"] = {"type": "number"}
    path = tmp_path / "other-default.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    with pytest.raises(SpecError) as raised:
        create_app(Settings(spec_path=path, quiet=True))
    assert str(raised.value).startswith(f"The spec's GET {SALE}/default answers another schema than")


@pytest.mark.parametrize(("path", "key"), [(f"{SALE}/31", "SaleId"), ("/api/v1/Relation/918", "RelationId")])
def test_a_dynamic_answer_links_into_its_own_resource(client: httpx.Client, path: str, key: str) -> None:
    """`Prefer: dynamic=true` makes `_Links` as the resource's stored entities have them: the request's
    host, the spec's collection path, and the generated id (mockserver/dynamic.py names no entity)."""
    collection = path.rpartition("/")[0]
    for seed in range(3):
        answer = client.get(path, headers={"Prefer": f"dynamic=true, seed={seed}"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["_Links"] == {
            "Self": f"{IN_PROCESS_URL}{collection}/{body[key]}",
            "Archive": f"{IN_PROCESS_URL}{collection}",
        }
        if key == "SaleId":
            assert isinstance(body["Amount"], float) and body["Status"] in (
                "Open",
                "Sold",
                "Lost",
                "Unknown",
                "Stalled",
                "SaintAll",
            )
