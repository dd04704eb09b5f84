"""openapi/relation.yaml describes the whole Relation resource the vendor documents (POST, PATCH,
DELETE, GET default), its patch documents stay in step with the entity, and its links let
Schemathesis chain a created relation's calls."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "openapi" / "relation.yaml"
VENDOR_EXTRACT = ROOT.parent / "shared/reference/vendor/Swagger-v1-REST-Relation-extract.json"
SPEC_URI = "urn:relation-harness:openapi"
# The vendor's collection read (an OData archive) and the Contact/Person sub-resources are other features.
NOT_COVERED = {"v1ContactRelationEntity_GetAll", "v1ContactEntity_Relations", "v1PersonEntity_Relations"}
MANDATORY = ("SourceContactId", "DestinationContactId")
# What a patch does not name: the computed carriers and the two the server sets (a PUT body's are ignored).
NOT_PATCHED = ("TableRight", "FieldProperties", "CreatedBy", "UpdatedBy")
METHODS = ("get", "put", "post", "patch", "delete")

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> Spec:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vendor() -> Spec:
    if not VENDOR_EXTRACT.is_file():
        pytest.fail(
            f"The vendor's Swagger extract is missing at {VENDOR_EXTRACT} (../shared/reference/vendor)."
        )
    return json.loads(VENDOR_EXTRACT.read_text(encoding="utf-8"))


def operations(document: Spec) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (method, path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def node_ref_parts(ref: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in ref.removeprefix("#/").split("/")]


def deref(spec: Spec, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node_ref_parts(node["$ref"]):
            target = target[part]
        node = target
    return node


def without_description(schema: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(schema)
    out.pop("description", None)
    return out


def test_every_vendor_operation_on_a_single_relation_is_in_the_spec_with_its_id_path_and_tag(
    spec: Spec, vendor: Spec
) -> None:
    ours = operations(spec)
    for operation_id, (method, path, op) in operations(vendor).items():
        if operation_id in NOT_COVERED:
            continue
        assert operation_id in ours, f"{method.upper()} {path} ({operation_id}) is not in the spec"
        assert ours[operation_id][:2] == (method, path)
        assert ours[operation_id][2]["tags"] == op["tags"] == ["ContactRelation"]


def test_every_status_the_vendor_documents_for_those_operations_is_in_the_spec(
    spec: Spec, vendor: Spec
) -> None:
    ours = operations(spec)
    for operation_id, (_, _, op) in operations(vendor).items():
        if operation_id in NOT_COVERED:
            continue
        missing = set(op["responses"]) - set(ours[operation_id][2]["responses"])
        assert not missing, f"{operation_id} lacks the vendor's {sorted(missing)}"


def test_post_and_the_default_read_return_200_not_201_as_the_vendor_documents(spec: Spec) -> None:
    ours = operations(spec)
    for operation_id in (
        "v1ContactRelationEntity_PostContactRelationEntity",
        "v1ContactRelationEntity_DefaultContactRelationEntity",
    ):
        statuses = set(ours[operation_id][2]["responses"])
        assert "200" in statuses and "201" not in statuses


def test_post_reads_the_same_seven_media_types_with_the_same_schemas_as_put(spec: Spec) -> None:
    ours = operations(spec)
    put_body = deref(spec, ours["v1ContactRelationEntity_PutContactRelationEntity"][2]["requestBody"])
    post_body = deref(spec, ours["v1ContactRelationEntity_PostContactRelationEntity"][2]["requestBody"])
    assert {media: body["schema"] for media, body in post_body["content"].items()} == {
        media: body["schema"] for media, body in put_body["content"].items()
    }


def test_delete_documents_204_and_412_and_no_body_on_success(spec: Spec) -> None:
    delete = spec["paths"]["/api/v1/Relation/{id}"]["delete"]
    assert "content" not in delete["responses"]["204"]
    assert {"204", "412"} <= set(delete["responses"])
    assert "requestBody" not in delete


def test_the_merge_patch_schema_is_the_entity_s_properties_with_none_required(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    entity, merge = schemas["ContactRelationEntity"], schemas["ContactRelationMergePatch"]
    request_properties = {
        name: without_description(schema)
        for name, schema in entity["properties"].items()
        if name not in NOT_PATCHED
    }
    assert {
        name: without_description(schema) for name, schema in merge["properties"].items()
    } == request_properties
    assert "required" not in merge
    assert merge["additionalProperties"] is False


def test_each_json_patch_alternative_types_its_value_exactly_as_the_entity_types_its_paths(
    spec: Spec,
) -> None:
    schemas = spec["components"]["schemas"]
    entity = schemas["ContactRelationEntity"]["properties"]
    covered: list[str] = []
    for branch in schemas["JsonPatchOperation"]["anyOf"]:
        alternative = deref(spec, branch)
        paths = alternative["properties"]["path"]["enum"]
        names = sorted({path.removeprefix("/") for path in paths})
        assert sorted(paths) == sorted([*names, *(f"/{name}" for name in names)]), (
            "each path with and without /"
        )
        if "value" not in alternative["properties"]:  # remove: every property but the mandatory ones
            assert set(names) == set(entity) - {*NOT_PATCHED, *MANDATORY}
            continue
        covered += names
        for name in names:
            assert alternative["properties"]["value"] == without_description(entity[name]), name
    assert sorted(covered) == sorted(set(entity) - set(NOT_PATCHED)), "one set branch per property"


def _validator(spec: Spec, pointer: str) -> OAS30Validator:
    registry = Registry().with_resource(SPEC_URI, DRAFT4.create_resource(spec))
    return OAS30Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, format_checker=oas30_format_checker
    )


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        (
            [{"op": 1, "path": "/Comment", "value": "New Name"}],
            True,
        ),  # the vendor's own example, with an int op
        ([{"op": "replace", "path": "Comment", "value": "x"}], True),
        (
            [{"op": "test", "path": "/Reversed", "value": 1}, {"op": "remove", "path": "/SourcePersonId"}],
            True,
        ),
        ({"Comment": "x", "SourcePersonId": None}, True),
        ([], True),
        ([{"op": "move", "path": "/Comment", "from": "/ActiveText"}], False),
        ([{"op": "copy", "path": "/Comment", "from": "/ActiveText"}], False),
        ([{"op": 5, "path": "/Comment", "value": "x"}], False),
        ([{"op": "remove", "path": "/SourceContactId"}], False),
        ([{"op": "replace", "path": "/SourceContactId", "value": 0}], False),
        ([{"op": "replace", "path": "/Comment", "value": 12}], False),
        ([{"op": "replace", "path": "/Nope", "value": "x"}], False),
        ({"SourceContactId": None}, False),
        ({"Nope": 1}, False),
        ("Comment", False),
    ],
)
def test_the_patch_schema_takes_what_the_vendor_supports_and_refuses_the_rest(
    spec: Spec, body: Any, valid: bool
) -> None:
    validator = _validator(spec, "/components/schemas/RelationPatch")
    assert validator.is_valid(body) is valid, list(validator.iter_errors(body))


def test_links_lead_from_a_created_relation_to_its_read_update_patch_and_delete(spec: Spec) -> None:
    post = spec["paths"]["/api/v1/Relation"]["post"]
    links = post["responses"]["200"]["links"]
    targets = {link["operationId"] for link in links.values()}
    ours = operations(spec)
    assert targets == {
        "v1ContactRelationEntity_GetContactRelationEntity",
        "v1ContactRelationEntity_PutContactRelationEntity",
        "v1ContactRelationEntity_PatchContactRelationEntity",
        "v1ContactRelationEntity_DeleteContactRelationEntity",
    }
    assert targets <= set(ours)
    assert all(link["parameters"] == {"id": "$response.body#/RelationId"} for link in links.values())


def test_links_start_only_from_a_created_or_deleted_relation(spec: Spec) -> None:
    # A link from GET or PUT of an existing relation would let a stateful run patch or delete it.
    # DELETE's links stay on the id it deleted (a stateful run checks that it stays gone).
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method not in METHODS or (path, method) == ("/api/v1/Relation", "post"):
                continue
            for status, response in op["responses"].items():
                if (method, status) == ("delete", "204"):
                    assert all(
                        link["parameters"] == {"id": "$request.path.id"}
                        and link["operationId"] != "v1ContactRelationEntity_DeleteContactRelationEntity"
                        for link in response["links"].values()
                    )
                else:
                    assert "links" not in response, (method, path, status)


def test_schemathesis_builds_a_state_machine_with_a_transition_for_each_link() -> None:
    # Schemathesis also infers links of its own (from schema names); these are the spec's.
    machine = schemathesis.openapi.from_path(SPEC_PATH).as_state_machine()
    for link, target in (
        ("GetCreatedRelation", "GET_api_v1_Relation_id_"),
        ("PutCreatedRelation", "PUT_api_v1_Relation_id_"),
        ("PatchCreatedRelation", "PATCH_api_v1_Relation_id_"),
        ("DeleteCreatedRelation", "DELETE_api_v1_Relation_id_"),
    ):
        assert hasattr(machine, f"POST_api_v1_Relation___200_{link}__{target}"), link


# Statuses any operation may answer when the server, not the request, is the problem: each has a
# Retry-After header and the error shape. (429 joins 503 when rate limits are mocked.)
SERVER_BUSY = {"503": "ServiceUnavailable"}


@pytest.mark.parametrize("status", sorted(SERVER_BUSY))
def test_every_operation_documents_a_busy_server_s_status_with_retry_after_and_the_error_shape(
    spec: Spec, status: str
) -> None:
    for operation_id, (method, path, op) in operations(spec).items():
        assert op["responses"].get(status) == {"$ref": f"#/components/responses/{SERVER_BUSY[status]}"}, (
            f"{method.upper()} {path} ({operation_id}) does not document {status}"
        )
    response = spec["components"]["responses"][SERVER_BUSY[status]]
    assert deref(spec, response["headers"]["Retry-After"])["schema"] == {"type": "integer", "minimum": 0}
    assert {media: body["schema"] for media, body in response["content"].items()} == {
        media: {"$ref": "#/components/schemas/Error"}
        for media in ("application/json", "text/json", "application/xml", "text/xml")
    }
    example = response["content"]["application/json"]["example"]
    assert example["Error"] is True and example["ErrorType"] == "ServiceUnavailableException"
