"""openapi/relation.yaml: a valid, lint-clean OpenAPI 3.0.3 document whose examples fit their schemas
and which carries every fact of the vendor's reference page (see seed_facts.py)."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import operator
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT4

from tests import seed_facts
from tests.seed_facts import resolve

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi" / "relation.yaml"
SPEC_URI = "urn:relation-harness:openapi"
SEED = seed_facts.read_seed()
PUT = ("paths", SEED.path, "put")

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> Spec:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


# --- Validity and lint -----------------------------------------------------------------------------


def test_the_spec_is_a_valid_openapi_3_0_3_document(spec: Spec) -> None:
    assert spec["openapi"] == "3.0.3"
    validate(spec)


@functools.cache
def spectral_lint() -> tuple[int, list[dict[str, Any]]]:
    """Spectral's exit status and results for the spec, with the project's ruleset."""
    configured = os.environ.get("SPECTRAL")
    binary = ROOT / configured if configured else ROOT / ".cache/node/node_modules/.bin/spectral"
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        pytest.fail(f"Spectral is not installed at {binary}: run `make spectral` (or set SPECTRAL to it).")
    command = [binary, "lint", "--ruleset", ROOT / ".spectral.yaml", "--fail-severity", "error", "-f", "json"]
    run = subprocess.run(
        [*map(str, command), str(SPEC_PATH)], capture_output=True, text=True, timeout=120, check=False
    )
    try:
        # The JSON report is followed by a summary line on the same stream.
        results, _ = json.JSONDecoder().raw_decode(run.stdout.lstrip())
    except json.JSONDecodeError:
        pytest.fail(f"Spectral exited {run.returncode} without a JSON report:\n{run.stdout}{run.stderr}")
    return run.returncode, results


def _spectral_findings(severity: int) -> list[str]:
    return [
        f"{result['code']} at {'.'.join(map(str, result['path']))}: {result['message']}"
        for result in spectral_lint()[1]
        if result["severity"] == severity
    ]


def test_spectral_reports_no_errors() -> None:
    assert _spectral_findings(severity=0) == []
    assert spectral_lint()[0] == 0


def test_spectral_reports_no_warnings() -> None:
    assert _spectral_findings(severity=1) == []


# --- Examples --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    location: str  # where the example is, e.g. `#/components/parameters/RelationId/example`
    value: Any
    schema: str  # JSON pointer of the schema it must fit


def _escape(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def iter_examples(spec: Spec) -> Iterator[Example]:
    """Every example in the document: those of media types, parameters and headers (component examples
    included through their `$ref`), and the `example` of every schema and subschema."""
    for name, schema in spec["components"].get("schemas", {}).items():
        yield from _schema_examples(schema, f"#/components/schemas/{_escape(name)}")
    yield from _holder_examples(spec, spec["paths"], "#/paths")
    others = {key: value for key, value in spec["components"].items() if key not in ("schemas", "examples")}
    yield from _holder_examples(spec, others, "#/components")


def _holder_examples(spec: Spec, node: Any, pointer: str) -> Iterator[Example]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _holder_examples(spec, item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("schema"), dict):  # a media type, parameter or header
        schema = f"{pointer}/schema"
        if "example" in node:
            yield Example(f"{pointer}/example", node["example"], schema)
        for name, example in node.get("examples", {}).items():
            source = f" ({example['$ref']})" if "$ref" in example else ""
            location = f"{pointer}/examples/{_escape(name)}{source}"
            yield Example(location, resolve(spec, example).get("value"), schema)
        yield from _schema_examples(node["schema"], schema)
    for key, child in node.items():
        if key not in ("schema", "example", "examples"):
            yield from _holder_examples(spec, child, f"{pointer}/{_escape(key)}")


def _schema_examples(schema: Any, pointer: str) -> Iterator[Example]:
    if not isinstance(schema, dict):
        return
    if "example" in schema:
        yield Example(f"{pointer}/example", schema["example"], pointer)
    for name, subschema in schema.get("properties", {}).items():
        yield from _schema_examples(subschema, f"{pointer}/properties/{_escape(name)}")
    for key in ("items", "additionalProperties", "not"):
        yield from _schema_examples(schema.get(key), f"{pointer}/{key}")
    for key in ("allOf", "anyOf", "oneOf"):
        for index, subschema in enumerate(schema.get(key, [])):
            yield from _schema_examples(subschema, f"{pointer}/{key}/{index}")


def schema_validator(spec: Spec, pointer: str, registry: Registry | None = None) -> OAS30Validator:
    """An OpenAPI 3.0 validator (formats checked) for the schema at `pointer`, `$ref`s resolved in `spec`."""
    registry = registry or Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    schema = {"$ref": f"{SPEC_URI}#{quote(pointer.removeprefix('#'), safe='/~')}"}
    return OAS30Validator(schema, registry=registry, format_checker=oas30_format_checker)


def example_failures(spec: Spec) -> list[str]:
    """One line for each way an example of `spec` does not fit its schema."""
    registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    return [
        f"{example.location}: {error.message} (at {'/'.join(map(str, error.absolute_path)) or 'the top'})"
        for example in iter_examples(spec)
        for error in schema_validator(spec, example.schema, registry).iter_errors(example.value)
    ]


def test_every_example_fits_its_schema(spec: Spec) -> None:
    assert example_failures(spec) == []


def test_the_example_walk_finds_media_type_parameter_header_and_schema_examples(spec: Spec) -> None:
    locations = "\n".join(example.location for example in iter_examples(spec))
    for expected in (
        "/examples/SeedSample (#/components/examples/SeedSampleRequest)",
        "/examples/Updated918 (#/components/examples/Updated918Response)",
        "#/components/requestBodies/ContactRelationEntity/content/application~1x-www-form-urlencoded/example",
        "#/components/parameters/SoTimeZone/example",
        "#/components/headers/LastModified/example",
        "#/components/schemas/FieldProperty/properties/FieldType/example",
    ):
        assert expected in locations


def test_every_component_example_is_used_by_a_media_type(spec: Spec) -> None:
    # Only referenced component examples are validated, so an unreferenced one would go unchecked.
    used = {
        ref
        for example in iter_examples(spec)
        for ref in re.findall(r"\((#/components/examples/\w+)\)", example.location)
    }
    declared = {f"#/components/examples/{name}" for name in spec["components"]["examples"]}
    assert declared - used == set()


DROP = object()


def edited(spec: Spec, keys: tuple[Any, ...], value: Any = DROP) -> Spec:
    """A copy of `spec` with the node at `keys` set to `value`, or dropped."""
    broken = copy.deepcopy(spec)
    *parents, last = keys
    parent = functools.reduce(operator.getitem, parents, broken)
    if value is DROP:
        del parent[last]
    else:
        parent[last] = value
    return broken


SEED_REQUEST = ("components", "examples", "SeedSampleRequest", "value")
SEED_RESPONSE = ("components", "examples", "SeedSampleResponse", "value")


@pytest.mark.parametrize(
    ("keys", "value", "reported"),
    [
        pytest.param(
            (*SEED_REQUEST, "SourceContactId"),
            "381",
            "SeedSampleRequest): '381' is not of type 'integer' (at SourceContactId)",
            id="component-example",
        ),
        pytest.param(
            (*SEED_RESPONSE, "UpdatedDate"),
            "yesterday",
            "SeedSampleResponse): 'yesterday' is not valid under any of the given schemas (at UpdatedDate)",
            id="date",
        ),
        pytest.param(
            (*SEED_REQUEST, "CreatedBy", "Type"),
            "Employee",
            "'Employee' is not one of",
            id="enum",
        ),
        pytest.param(
            (
                "components",
                "responses",
                "Unauthorized",
                "content",
                "application/json",
                "example",
                "ErrorType",
            ),
            DROP,
            "Unauthorized/content/application~1json/example: 'ErrorType' is a required property",
            id="media-type-example",
        ),
        pytest.param(
            ("components", "parameters", "RelationId", "example"),
            2**31,
            "RelationId/example: 2147483648 is greater than the maximum",
            id="parameter-example",
        ),
        pytest.param(
            ("components", "headers", "LastModified", "example"),
            5,
            "LastModified/example: 5 is not of type 'string'",
            id="header-example",
        ),
        pytest.param(
            ("components", "schemas", "FieldProperty", "properties", "FieldType", "example"),
            5,
            "FieldProperty/properties/FieldType/example: 5 is not of type 'string'",
            id="schema-example",
        ),
    ],
)
def test_the_example_check_reports_an_example_that_does_not_fit_its_schema(
    spec: Spec, keys: tuple[Any, ...], value: Any, reported: str
) -> None:
    failures = example_failures(edited(spec, keys, value))
    assert any(reported in failure for failure in failures), failures


DATES = [
    pytest.param(f"#/components/schemas/{schema}/properties/{name}", True, id=f"{schema}.{name}")
    for schema in ("ContactRelationEntity", "ContactRelationEntityWithLinks", "ContactRelationEntityForm")
    for name in ("UpdatedDate", "CreatedDate")
]


@pytest.mark.parametrize(("pointer", "nullable"), DATES)
def test_dates_accept_rfc3339_and_offset_less_server_dates_and_nothing_else(
    spec: Spec, pointer: str, nullable: bool
) -> None:
    validator = schema_validator(spec, pointer)
    for good in (
        "2014-03-31T09:40:59.0213705+02:00",
        "2020-04-22T15:51:25Z",
        "2020-04-22T15:51:25",
        "0001-01-01T00:00:00",
        "2015-10-29T08:40:59.0213705",
    ):
        assert validator.is_valid(good), good
    for bad in ("yesterday", "2020-04-22", "2020-04-22 15:51:25", "2020-04-22T15:51:25.12345678", 20200422):
        assert not validator.is_valid(bad), bad
    assert validator.is_valid(None) is nullable


# --- What tools need (each is proven with the tool itself in tests/tools/) -------------------------


def iter_schemas(node: Any, pointer: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in the document, with its JSON pointer."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from iter_schemas(item, f"{pointer}/{index}")
        return
    if not isinstance(node, dict):
        return
    if "enum" in node or "nullable" in node or "anyOf" in node:
        yield pointer, node
    for key, child in node.items():
        if key not in ("example", "examples", "enum"):
            yield from iter_schemas(child, f"{pointer}/{_escape(key)}")


def test_no_schema_marks_an_enum_nullable(spec: Spec) -> None:
    # OpenAPI 3.0.3 allows null in a nullable enum only when the enum lists it, and Prism 5.16 adds
    # null to the enum of every `nullable: true` schema, listed or not: its validator then fails to
    # compile ("enum must NOT have duplicate items") and silently validates nothing. An enum that
    # lists null, without `type` and `nullable`, means the same to every tool.
    assert [
        pointer for pointer, schema in iter_schemas(spec) if "enum" in schema and "nullable" in schema
    ] == []


def test_nullable_is_always_beside_a_type(spec: Spec) -> None:
    # OpenAPI 3.0.3: `nullable` only takes effect beside `type` in the same schema object.
    assert [
        pointer for pointer, schema in iter_schemas(spec) if "nullable" in schema and "type" not in schema
    ] == []


def test_every_any_of_branch_has_a_type(spec: Spec) -> None:
    # A branch without `type` is `unknown` to openapi-typescript and `Any` to Python generators.
    untyped = [
        f"{pointer}/anyOf/{index}"
        for pointer, schema in iter_schemas(spec)
        for index, branch in enumerate(schema.get("anyOf", []))
        if "type" not in branch and "$ref" not in branch
    ]
    assert untyped == []


def test_info_version_is_a_package_version_and_the_vendor_version_is_kept(spec: Spec) -> None:
    # Client generators use info.version as the generated package's version (PEP 440, semver).
    assert re.fullmatch(r"\d+\.\d+\.\d+", spec["info"]["version"])
    assert spec["info"]["x-vendor-version"] == "v1-REST"


def test_the_select_parameter_has_no_example_that_swagger_ui_would_send(spec: Spec) -> None:
    # Swagger UI fills "Try it out" with a parameter's example; a $select would null most fields.
    select = spec["components"]["parameters"]["Select"]
    assert "example" not in select
    assert "examples" not in select
    assert "example" not in select["schema"]


REQUEST_JSON = (
    "application/json",
    "text/json",
    "application/json-patch+json",
    "application/merge-patch+json",
)


MANDATORY = ("SourceContactId", "DestinationContactId")


def request_validator(spec: Spec, media_type: str = "application/json") -> OAS30Validator:
    body = f"#/components/requestBodies/ContactRelationEntity/content/{_escape(media_type)}/schema"
    return schema_validator(spec, body)


@pytest.mark.parametrize("media_type", REQUEST_JSON)
def test_null_is_a_valid_value_for_every_property_and_carrier_member_of_a_request_body(
    spec: Spec, media_type: str
) -> None:
    validator = request_validator(spec, media_type)
    entity = spec["components"]["schemas"]["ContactRelationEntity"]["properties"]
    refs = {name: 1 for name in MANDATORY}
    refused = [
        name for name in entity if name not in MANDATORY and not validator.is_valid({**refs, name: None})
    ]
    for carrier in ("CreatedBy", "UpdatedBy", "TableRight"):
        members = resolve(spec, entity[carrier])["properties"]
        refused += [
            f"{carrier}/{name}" for name in members if not validator.is_valid({**refs, carrier: {name: None}})
        ]
    assert refused == []
    assert not validator.is_valid({**refs, "SourceContactId": "abc"})  # the schemas still say something


@pytest.mark.parametrize("media_type", [*REQUEST_JSON, "application/x-www-form-urlencoded"])
def test_the_two_contact_references_are_mandatory_in_every_request_body(spec: Spec, media_type: str) -> None:
    # The vendor: SourceContactId and DestinationContactId, "The value is mandatory".
    validator = request_validator(spec, media_type)
    assert validator.is_valid({"SourceContactId": 1, "DestinationContactId": 1})
    for name in MANDATORY:
        for wrong in ({name: 0}, {name: None}):
            assert not validator.is_valid({"SourceContactId": 1, "DestinationContactId": 1, **wrong}), wrong
        other = next(n for n in MANDATORY if n != name)
        assert not validator.is_valid({other: 1}), f"{name} absent"


def test_an_answer_with_select_nulls_can_be_put_back_unchanged(spec: Spec) -> None:
    answer = copy.deepcopy(spec["components"]["examples"]["Updated918Response"]["value"])
    kept = {"RelationId", "Comment", "CreatedBy", *MANDATORY}
    selected = {name: (value if name in kept else None) for name, value in answer.items()}
    selected["CreatedBy"] = {name: None for name in answer["CreatedBy"]} | {"AssociateId": 910}
    answer_schema = schema_validator(spec, "#/components/schemas/ContactRelationEntityWithLinks")
    assert [error.message for error in answer_schema.iter_errors(selected)] == []  # an honest answer
    for body in (answer, selected):
        assert [error.message for error in request_validator(spec).iter_errors(body)] == []


def test_every_operation_produces_the_two_patch_media_types(spec: Spec) -> None:
    # The vendor's Swagger lists them in `produces` of every operation, GET included.
    for method in ("put", "get"):
        ok = spec["paths"][SEED.path][method]["responses"]["200"]["content"]
        assert {"application/json-patch+json", "application/merge-patch+json"} <= set(ok), method


def test_the_patch_media_types_carry_the_entity_on_put(spec: Spec) -> None:
    body = resolve(spec, seed_facts.operation(spec, SEED)["requestBody"])["content"]
    for media_type in REQUEST_JSON:
        assert body[media_type]["schema"] == {"$ref": "#/components/schemas/ContactRelationEntity"}, (
            media_type
        )
    assert "409" not in seed_facts.operation(spec, SEED)["responses"]


def test_an_id_outside_int32_is_documented_as_404_not_400(spec: Spec) -> None:
    components = spec["components"]
    assert "404" in components["parameters"]["RelationId"]["description"]
    assert "int32" in components["responses"]["NotFound"]["description"]
    bad_request = " ".join(components["responses"]["BadRequest"]["description"].split())
    assert "(An id that is not a 32-bit integer is 404.)" in bad_request
    no_route = components["examples"]["NoRouteError"]["value"]
    assert schema_validator(spec, "#/components/schemas/NotFoundError").is_valid(no_route)


def test_406_is_documented_as_a_strict_server_s_answer_only(spec: Spec) -> None:
    # ASP.NET Web API never answers 406 by default: nothing may imply a server must send it.
    description = " ".join(spec["components"]["responses"]["NotAcceptable"]["description"].split())
    assert "Sent only by a server with strict content negotiation" in description
    assert "never sends 406" in description


# --- The vendor page, fact by fact -----------------------------------------------------------------


def test_the_embedded_vendor_page_is_the_seed_file_verbatim() -> None:
    assert hashlib.sha256(seed_facts.SEED_PAGE.encode()).hexdigest() == seed_facts.SEED_SHA256


def test_the_seed_parser_reads_every_fact_on_the_page() -> None:
    assert (SEED.method, SEED.path) == ("PUT", "/api/v1/Relation/{id}")
    assert [(f.name, f.kind, f.required) for f in SEED.path_parameters] == [("id", "int32", True)]
    assert [(f.name, f.kind) for f in SEED.query_parameters] == [("$select", "string")]
    assert len(SEED.request_headers) == 9
    assert SEED.authorization_schemes == ("Basic", "SoTicket", "Bearer")
    assert (len(SEED.content_types), len(SEED.accept_types)) == (7, 6)
    assert (SEED.body_name, len(SEED.request_body), len(SEED.response_body)) == ("entity", 18, 21)
    assert list(SEED.responses) == ["200", "412", "400"]
    assert {f.kind for f in SEED.response_body} == {
        "int32",
        "string",
        "date-time",
        "object",
        "carrier:Associate",
        "carrier:TableRight",
    }
    assert (len(SEED.sample_request.body), len(SEED.sample_response.body)) == (18, 21)


def test_the_seed_parser_fails_loudly_when_a_table_is_missing() -> None:
    with pytest.raises(ValueError, match="Request Headers"):
        seed_facts.read_seed(seed_facts.SEED_PAGE.replace("## Request Headers", "## Headers"))


@pytest.mark.parametrize("check", seed_facts.CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
def test_the_spec_agrees_with_the_vendor_page(
    spec: Spec, check: Callable[[Spec, seed_facts.SeedPage], list[str]]
) -> None:
    assert check(spec, SEED) == []


def test_the_put_operation_is_tagged_contact_relation(spec: Spec) -> None:
    assert seed_facts.operation(spec, SEED)["tags"] == ["ContactRelation"]
    assert "ContactRelation" in [tag["name"] for tag in spec["tags"]]


def test_each_security_alternative_is_a_single_scheme(spec: Spec) -> None:
    alternatives = seed_facts.security_alternatives(spec, SEED)
    assert [list(alternative) for alternative in alternatives] == [
        ["Basic"],
        ["Bearer"],
        ["SOTicket"],
        ["XsrfToken"],
    ]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["Basic"].items() >= {"type": "http", "scheme": "basic"}.items()
    assert schemes["Bearer"].items() >= {"type": "http", "scheme": "bearer"}.items()
    assert schemes["SOTicket"].items() >= {"type": "apiKey", "in": "header", "name": "Authorization"}.items()
    assert schemes["XsrfToken"].items() >= {"type": "apiKey", "in": "header", "name": "X-XSRF-TOKEN"}.items()


def test_the_named_examples_other_code_relies_on_exist(spec: Spec) -> None:
    put = seed_facts.operation(spec, SEED)
    ok = put["responses"]["200"]["content"]["application/json"]["examples"]
    bad_request = resolve(spec, put["responses"]["400"])["content"]["application/json"]["examples"]
    body = resolve(spec, put["requestBody"])["content"]["application/json"]["examples"]
    assert {"SeedSample", "Updated918"} <= set(ok)
    assert {"MissingBody", "Invalid"} <= set(bad_request)
    assert "SeedSample" in body


# Members of `SuperOffice.CRM.Services.Associate` in the vendor Swagger (Swagger-v1-Relation.json), in order.
VENDOR_ASSOCIATE = {
    "AssociateId": "int32",
    "Name": "string",
    "PersonId": "int32",
    "Rank": "int32",
    "Tooltip": "string",
    "Type": "enum",  # a string enum; see the next test
    "GroupIdx": "int32",
    "FullName": "string",
    "FormalName": "string",
    "Deleted": "boolean",
    "EjUserId": "int32",
    "UserName": "string",
    "ExtraFields": "map:string",
    "CustomFields": "map:string",
    "TableRight": "carrier:TableRight",
    "FieldProperties": "carrier:FieldProperties",
}


def test_associate_has_every_member_of_the_vendor_carrier_with_its_type(spec: Spec) -> None:
    properties = spec["components"]["schemas"]["Associate"]["properties"]
    assert list(properties) == list(VENDOR_ASSOCIATE)
    problems = [
        problem
        for name, kind in VENDOR_ASSOCIATE.items()
        if kind != "enum"
        for problem in seed_facts.type_problems(spec, properties[name], kind, f"Associate.{name}")
    ]
    assert problems == []


def test_associate_type_is_one_of_the_six_vendor_user_types_or_null(spec: Spec) -> None:
    associate_type = spec["components"]["schemas"]["Associate"]["properties"]["Type"]
    assert "type" not in associate_type  # the enum says it all: six strings or null
    assert "nullable" not in associate_type
    validator = schema_validator(spec, "#/components/schemas/Associate/properties/Type")
    assert validator.is_valid(None)
    assert not validator.is_valid("Employee")
    assert associate_type["enum"] == [
        "Unknown",
        "InternalAssociate",
        "ResourceAssociate",
        "ExternalAssociate",
        "AnonymousAssociate",
        "SystemAssociate",
        None,
    ]


def test_the_200_response_carries_table_right_field_properties_and_links(spec: Spec) -> None:
    ok = seed_facts.operation(spec, SEED)["responses"]["200"]["content"]["application/json"]["schema"]
    properties = resolve(spec, ok)["properties"]
    table_right = resolve(spec, properties["TableRight"])
    field_property = resolve(spec, resolve(spec, properties["FieldProperties"])["additionalProperties"])
    links = resolve(spec, properties["_Links"])
    assert set(table_right["properties"]) == {"Mask", "Reason"}
    assert set(field_property["properties"]) == {"FieldRight", "FieldType", "FieldLength"}
    assert set(resolve(spec, field_property["properties"]["FieldRight"])["properties"]) == {"Mask", "Reason"}
    assert (links["type"], links["additionalProperties"]) == ("object", {"type": "string"})


ENTITY = ("components", "schemas", "ContactRelationEntity", "properties")
WITH_LINKS = ("components", "schemas", "ContactRelationEntityWithLinks", "properties")
PARAMETERS = ("components", "parameters")
BODY = ("components", "requestBodies", "ContactRelationEntity")
ALL_IN_ONE = [{"Basic": [], "Bearer": [], "SOTicket": [], "XsrfToken": []}]
ACCEPT_PARAMETER = [{"name": "Accept", "in": "header", "schema": {"type": "string"}}]


@pytest.mark.parametrize(
    ("keys", "value", "reported"),
    [
        pytest.param((*PUT, "operationId"), "putRelation", "operationId should be", id="operation-id"),
        pytest.param((*PUT, "summary"), "Update", "summary should be the page title", id="summary"),
        pytest.param(
            (*PARAMETERS, "RelationId", "schema", "format"),
            "int64",
            "path parameter id should be",
            id="id-not-int32",
        ),
        pytest.param(
            (*PARAMETERS, "Select", "required"),
            True,
            "$select should have required: False",
            id="select-required",
        ),
        pytest.param(
            (*PARAMETERS, "SoCulture", "name"),
            "SO-Cultur",
            "no header parameter SO-Culture",
            id="header-missing",
        ),
        pytest.param(
            (*PARAMETERS, "SoAppToken", "description"),
            "A token.",
            "SO-AppToken description",
            id="header-description",
        ),
        pytest.param(
            (*PUT, "parameters"), ACCEPT_PARAMETER, "Accept is a header parameter", id="accept-as-parameter"
        ),
        pytest.param(
            ("security",),
            ALL_IN_ONE,
            "Basic (Basic) should be a security requirement of its own",
            id="security-all-required",
        ),
        pytest.param(
            ("components", "securitySchemes", "XsrfToken"),
            DROP,
            "expresses the X-XSRF-TOKEN",
            id="xsrf-missing",
        ),
        pytest.param(
            (*BODY, "content", "text/xml"),
            DROP,
            "request body media types should be",
            id="content-type-missing",
        ),
        pytest.param(
            (*PUT, "responses", "200", "content", "application/merge-patch+json"),
            DROP,
            "200 response media types should be",
            id="accept-type-missing",
        ),
        pytest.param((*BODY, "x-body-name"), DROP, "should be named 'entity'", id="body-name"),
        pytest.param(
            (*ENTITY, "Comment"), DROP, "request body has no property Comment", id="property-missing"
        ),
        pytest.param(
            (*WITH_LINKS, "Reversed", "type"),
            "string",
            "200 response body.Reversed should be",
            id="property-type",
        ),
        pytest.param(
            (*ENTITY, "SourceContactId", "maximum"),
            2**63,
            "SourceContactId should be bounded",
            id="int32-bounds",
        ),
        pytest.param(
            (*ENTITY, "UpdatedDate", "anyOf"),
            DROP,
            "UpdatedDate should accept format date-time",
            id="date-time",
        ),
        pytest.param(
            (*ENTITY, "CreatedDate", "anyOf", 1, "type"),
            DROP,
            "CreatedDate should be type string in every anyOf branch",
            id="date-branch-untyped",
        ),
        pytest.param(
            (*ENTITY, "CreatedBy"), {"type": "object"}, "CreatedBy should be a $ref to", id="carrier"
        ),
        pytest.param(
            (*ENTITY, "Comment", "description"),
            "Remarks",
            "Comment description should start",
            id="property-description",
        ),
        pytest.param((*PUT, "responses", "412"), DROP, "no 412 response", id="status-missing"),
        pytest.param(
            ("components", "responses", "BadRequest", "description"),
            "Bad.",
            "400 response description",
            id="status-description",
        ),
        pytest.param(
            (*SEED_REQUEST, "Comment"),
            "changed",
            "request body application/json example SeedSample",
            id="seed-sample",
        ),
        pytest.param(
            ("components", "schemas", "Associate", "properties", "FieldProperties"),
            DROP,
            "$.CreatedBy.FieldProperties, which the schema does not declare",
            id="sample-key",
        ),
    ],
)
def test_the_seed_check_reports_a_spec_that_drifts_from_the_page(
    spec: Spec, keys: tuple[Any, ...], value: Any, reported: str
) -> None:
    found = seed_facts.problems(edited(spec, keys, value), SEED)
    assert any(reported in problem for problem in found), found


def test_the_form_schema_is_the_entity_s_value_properties_unchanged(spec: Spec) -> None:
    # Form bodies have a schema of their own (generated clients need a distinct type for them), so
    # nothing but this test keeps an edit of the entity (a limit, a mandatory field) from missing forms.
    schemas = spec["components"]["schemas"]
    entity, form = schemas["ContactRelationEntity"], schemas["ContactRelationEntityForm"]
    values = {
        name: schema
        for name, schema in entity["properties"].items()
        if "$ref" not in schema and schema.get("type") != "object"
    }
    assert form["properties"] == values
    assert form["required"] == entity["required"]


def test_every_text_field_declares_the_length_field_properties_announce(spec: Spec) -> None:
    # The vendor documents no maxLength; the lengths are the mock's, announced as FieldLength.
    for schema in ("ContactRelationEntity", "ContactRelationEntityWithLinks", "ContactRelationEntityForm"):
        properties = spec["components"]["schemas"][schema]["properties"]
        lengths = {
            name: sub.get("x-field-length")
            for name, sub in properties.items()
            if sub.get("type") == "string" and "anyOf" not in sub  # dates are no text
        }
        assert lengths == {
            "Comment": 2000,
            **dict.fromkeys(
                ["SourceContactName", "SourcePersonName", "DestinationContactName", "DestinationPersonName"],
                255,
            ),
            "ActiveText": 255,
            "PassiveText": 255,
        }, schema
        assert all("maxLength" not in sub for sub in properties.values()), schema


def test_no_server_description_carries_markdown_swagger_ui_shows_raw(spec: Spec) -> None:
    """Swagger UI prints a server's description as plain text: backticks would show as they are."""
    for server in spec["servers"]:
        assert "`" not in server.get("description", ""), server


@pytest.mark.parametrize("header", ["SO-AppToken", "If-Unmodified-Since"])
def test_optional_headers_have_no_example_a_tool_would_send(spec: Spec, header: str) -> None:
    """Swagger UI's "Try it out" and an imported Postman collection fill an optional parameter with its
    example and send it: an invented app token or a far-future date is no harmless default."""
    parameters = spec["components"]["parameters"].values()
    found = [parameter for parameter in parameters if parameter["name"] == header]
    assert found, header
    for parameter in found:
        assert "example" not in parameter and "examples" not in parameter, parameter


def test_a_spec_connexion_refuses_is_refused_every_time_even_after_a_good_one_was_accepted(
    tmp_path: Path,
) -> None:
    """mockserver.speccheck keeps only passing verdicts: a broken document never rides on them."""
    from mockserver import Settings, create_app
    from mockserver.errors import SpecError

    create_app(Settings(quiet=True))
    broken = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    broken["info"]["version"] = {"not": "a string"}  # the OpenAPI schema wants a string
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SpecError):
            create_app(Settings(quiet=True, spec_path=path))


def test_a_document_the_model_cannot_read_stops_the_start_up_with_the_place_that_breaks_openapi(
    tmp_path: Path,
) -> None:
    from mockserver import Settings, create_app
    from mockserver.errors import SpecError

    broken = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    broken["paths"]["/api/v1/Relation/{id}"]["put"]["responses"] = "not a mapping"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    with pytest.raises(SpecError) as refused:
        create_app(Settings(quiet=True, spec_path=path))
    assert str(refused.value).startswith(f"The spec {path} is not a valid OpenAPI document"), refused.value
    assert "not a mapping" in str(refused.value)
