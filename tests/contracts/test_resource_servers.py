"""The suite against servers of the whole resource (issue 12): it catches each broken one, passes a real one.

Every broken server in `RESOURCE_BROKEN` is first shown to be broken over plain HTTP (so a run
that exits 1 has something real to catch), then the suite runs against it with only the checks
that must catch it, a few seeded examples, and must exit 1 with one of them marked violated. The
realistic tenant (ids with gaps, 404 for DELETE of an unknown id, its own error messages, a
pre-filled default) must pass with every new check run, and the relations its colleagues created
meanwhile must be untouched.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from contracts.cli import main, parse_options
from contracts.results import PASSED, RunResult
from contracts.suite import run_suite
from tests.contracts.conftest import QUICK
from tests.servers.broken import Broken, until_caught
from tests.servers.realistic import realistic_app
from tests.servers.realistic_resource import Resource
from tests.servers.resource_broken import RESOURCE_BROKEN
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
BODY = {"SourceContactId": 381, "DestinationContactId": 262, "Comment": "as sent", "Reversed": 1}
STALE = {"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}
ITEM = "/api/v1/Relation/{}"
COLLECTION = "/api/v1/Relation"
NEW_CHECKS = (
    "lifecycle", "default_entity", "post_ids", "patch_equals_put", "merge_equals_json_patch",
    "failed_test_changes_nothing", "stale_patch_changes_nothing", "stale_delete_changes_nothing",
)  # fmt: skip
STATEFUL = ("use_after_free", "ensure_resource_availability")


def _create(client: httpx.Client, **changes: object) -> int:
    answer = client.post(COLLECTION, json={**BODY, **changes})
    assert answer.status_code in (200, 201), answer.text
    return int(answer.json()["RelationId"])


def _patch(client: httpx.Client, relation: int, document: object, **headers: str) -> httpx.Response:
    return client.patch(ITEM.format(relation), json=document, headers=headers)


def _comment(client: httpx.Client, relation: int) -> object:
    return client.get(ITEM.format(relation)).json()["Comment"]


def _created_twice(client: httpx.Client) -> None:
    assert _create(client) == _create(client)


def _deleted_id_again(client: httpx.Client) -> None:
    first = _create(client)
    assert client.delete(ITEM.format(first)).status_code == 204
    assert _create(client) == first


def _over_the_body_id(client: httpx.Client) -> None:
    answer = client.post(COLLECTION, json={**BODY, "RelationId": 918, "Comment": "over 918"})
    assert answer.json()["RelationId"] == 918 and _comment(client, 918) == "over 918"


def _xml_post_refused(client: httpx.Client) -> None:
    xml = b"<ContactRelationEntity><DestinationContactId>262</DestinationContactId>"
    xml += b"<SourceContactId>381</SourceContactId></ContactRelationEntity>"
    answer = client.post(COLLECTION, content=xml, headers={"Content-Type": "application/xml"})
    assert answer.status_code == 415


def _post_without_references(client: httpx.Client) -> None:
    assert client.post(COLLECTION, json={"Comment": "no contacts"}).status_code == 200


def _deleted_with_200(client: httpx.Client) -> None:
    assert client.delete(ITEM.format(_create(client))).status_code == 200


def _deleted_anonymously(client: httpx.Client) -> None:
    relation = _create(client)
    url = str(client.base_url).rstrip("/") + ITEM.format(relation)
    assert httpx.delete(url, timeout=10).status_code == 204


def _kept_after_delete(client: httpx.Client) -> None:
    relation = _create(client)
    assert client.delete(ITEM.format(relation)).status_code == 204
    assert client.get(ITEM.format(relation)).status_code == 200


def _stale_delete_deletes(client: httpx.Client) -> None:
    relation = _create(client)
    assert client.delete(ITEM.format(relation), headers=STALE).status_code == 204
    assert client.get(ITEM.format(relation)).status_code == 404


def _neighbour_deleted(client: httpx.Client) -> None:
    first, second = _create(client), _create(client)
    assert second == first + 1  # the mock's ids, one after the other
    assert client.delete(ITEM.format(second)).status_code == 204
    assert client.get(ITEM.format(second)).status_code == 200
    assert client.get(ITEM.format(first)).status_code == 404


FAILING_TEST = [{"op": "test", "path": "/Comment", "value": "not this"},
                {"op": "replace", "path": "/Comment", "value": "changed"}]  # fmt: skip


def _failed_test_applied(client: httpx.Client) -> None:
    relation = _create(client)
    answer = _patch(client, relation, FAILING_TEST)
    assert answer.status_code == 200 and answer.json()["Comment"] == "changed"


def _409_applied(client: httpx.Client) -> None:
    relation = _create(client)
    assert _patch(client, relation, FAILING_TEST).status_code == 409
    assert _comment(client, relation) == "changed"


def _patch_creates(client: httpx.Client) -> None:
    answer = _patch(client, 777001, [{"op": "replace", "path": "/Comment", "value": "new"}])
    assert answer.status_code == 200
    assert client.get(ITEM.format(777001)).status_code == 200


def _stale_patch_applied(client: httpx.Client) -> None:
    relation = _create(client)
    answer = _patch(client, relation, [{"op": "replace", "path": "/Comment", "value": "late"}], **STALE)
    assert answer.status_code == 200


def _merge_null_kept(client: httpx.Client) -> None:
    relation = _create(client)
    assert _patch(client, relation, {"Comment": None}).json()["Comment"] == "as sent"


def _merge_empties_the_rest(client: httpx.Client) -> None:
    relation = _create(client)
    answer = _patch(client, relation, {"Reversed": 0})
    assert answer.status_code == 200 and answer.json()["Comment"] == ""


def _removed_kept(client: httpx.Client) -> None:
    relation = _create(client)
    assert _patch(client, relation, [{"op": "remove", "path": "/Comment"}]).json()["Comment"] == "as sent"


def _second_op_skipped(client: httpx.Client) -> None:
    relation = _create(client)
    document = [
        {"op": "replace", "path": "/Comment", "value": "a"},
        {"op": "replace", "path": "/Reversed", "value": 0},
    ]
    assert _patch(client, relation, document).json()["Reversed"] == 1


def _lowercase_path_skipped(client: httpx.Client) -> None:
    relation = _create(client)
    answer = _patch(client, relation, [{"op": "replace", "path": "comment", "value": "a"}])
    assert answer.status_code == 200 and answer.json()["Comment"] == "as sent"


def _op_number_refused(client: httpx.Client) -> None:
    relation = _create(client)
    assert _patch(client, relation, [{"op": 2, "path": "/Comment", "value": "a"}]).status_code == 400


def _move_accepted(client: httpx.Client) -> None:
    relation = _create(client)
    assert (
        _patch(client, relation, [{"op": "move", "from": "/Comment", "path": "/ActiveText"}]).status_code
        == 200
    )


def _default(client: httpx.Client) -> dict[str, object]:
    answer = client.get(f"{COLLECTION}/default")
    assert answer.status_code == 200
    return answer.json()


# What each broken server does that the mock does not, seen over HTTP.
PROBES: dict[str, Callable[[httpx.Client], None]] = {
    "answers_post_with_201": lambda client: _assert(client.post(COLLECTION, json=BODY).status_code == 201),
    "answers_post_without_relation_id": lambda client: _assert(
        "RelationId" not in client.post(COLLECTION, json=BODY).json()
    ),
    "answers_post_without_links": lambda client: _assert(
        "_Links" not in client.post(COLLECTION, json=BODY).json()
    ),
    "honours_a_body_relation_id_on_post": _over_the_body_id,
    "hands_out_an_id_twice": _created_twice,
    "hands_out_a_deleted_id_again": _deleted_id_again,
    "refuses_xml_on_post": _xml_post_refused,
    "ignores_select_on_post": lambda client: _assert(
        client.post(COLLECTION, json=BODY, params={"$select": "Comment"}).json()["SourceContactId"] == 381
    ),
    "accepts_post_without_mandatory_references": _post_without_references,
    "answers_delete_with_200": _deleted_with_200,
    "deletes_without_credentials": _deleted_anonymously,
    "keeps_a_deleted_relation": _kept_after_delete,
    "deletes_despite_a_stale_precondition": _stale_delete_deletes,
    "deletes_the_relation_before_the_one_named": _neighbour_deleted,
    "skips_failed_tests": _failed_test_applied,
    "applies_a_patch_it_refused_with_409": _409_applied,
    "creates_relations_by_patch": _patch_creates,
    "patches_despite_a_stale_precondition": _stale_patch_applied,
    "ignores_null_in_a_merge_patch": _merge_null_kept,
    "reads_a_merge_patch_as_a_whole_entity": _merge_empties_the_rest,
    "keeps_removed_fields": _removed_kept,
    "applies_only_the_first_operation": _second_op_skipped,
    "reads_patch_paths_case_sensitively": _lowercase_path_skipped,
    "refuses_op_numbers": _op_number_refused,
    "skips_move_copy_and_unknown_ops": _move_accepted,
    "answers_default_with_links": lambda client: _assert(_default(client).get("_Links") is not None),
    "answers_a_stored_relation_as_default": lambda client: _assert(_default(client)["RelationId"] == 918),
}
NAMES = [broken.name for broken in RESOURCE_BROKEN]


def _assert(condition: bool) -> None:
    assert condition


def test_every_broken_server_has_a_probe() -> None:
    assert sorted(PROBES) == sorted(NAMES)


@pytest.mark.parametrize("broken", RESOURCE_BROKEN, ids=NAMES)
def test_over_plain_http_the_break_is_real_for_a_server_that(broken: Broken) -> None:
    with serve(broken.app()) as url, httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        PROBES[broken.name](client)


@pytest.mark.parametrize("broken", RESOURCE_BROKEN, ids=NAMES)
def test_the_suite_exits_1_against_a_server_that(broken: Broken, capsys: pytest.CaptureFixture[str]) -> None:
    with serve(broken.app()) as url:
        code = main(["--url", url, *QUICK, *until_caught(broken)])
    out = capsys.readouterr().out
    assert code == 1, f"{broken.name} ({broken.promise}) was not caught:\n{out}"
    assert any(f"✗ {check} " in out for check in broken.caught_by), out


# Each run above once more against the mock itself: it holds, so the violation came from the break.
CONTROLS = sorted({broken.args for broken in RESOURCE_BROKEN})


@pytest.mark.parametrize("args", CONTROLS, ids=[" ".join(args).replace("--", "") for args in CONTROLS])
def test_the_same_short_run_against_the_mock_exits_0(args: tuple[str, ...], mock_url: str) -> None:
    result = _run(mock_url, *args)
    assert result.ok, _findings(result)


def _run(url: str, *args: str) -> RunResult:
    options, _ = parse_options(["--url", url, *QUICK, *args])
    return run_suite(options)


def _findings(result: RunResult) -> str:
    return "\n".join(f"{f.check}: {f.title}: {f.seen[:300]}" for f in result.failures + result.warnings)


def test_a_realistic_tenant_passes_every_new_check_and_its_colleagues_relations_survive() -> None:
    resource = Resource()
    with serve(realistic_app(resource=resource)) as url:
        result = _run(url, "--checks", ",".join(NEW_CHECKS), "--strict")
        with httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
            survivors = [client.get(ITEM.format(n)) for n in resource.colleagues]
    assert result.ok and not result.warnings, _findings(result)
    statuses = {name: outcome.status for name, outcome in result.outcomes.items()}
    assert statuses == dict.fromkeys(NEW_CHECKS, PASSED)
    assert resource.colleagues, "no POST was answered, so no id had a gap"
    assert all(answer.status_code == 200 for answer in survivors)
    assert {answer.json()["Comment"] for answer in survivors} == {"Created by a colleague"}


def test_a_realistic_tenant_passes_the_stateful_phase_with_both_of_its_checks_run() -> None:
    with serve(realistic_app()) as url:
        # Ten scenarios: with five, a seed may chain no DELETE before a GET (use_after_free not run).
        result = _run(
            url, "--checks", ",".join(STATEFUL), "--phases", "stateful", "--strict", "--max-examples", "10"
        )
    assert result.ok and not result.warnings, _findings(result)
    assert {name: outcome.status for name, outcome in result.outcomes.items()} == dict.fromkeys(
        STATEFUL, PASSED
    )


def test_the_realistic_tenant_differs_from_the_mock_where_the_vendor_leaves_it_open() -> None:
    with serve(realistic_app()) as url, httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        body = {**BODY, "SourcePersonId": 272, "RelationDefinitionId": 47}
        first, second = (client.post(COLLECTION, json=body) for _ in range(2))
        gone = client.delete(ITEM.format(second.json()["RelationId"] + 1000))
        xml = client.patch(
            ITEM.format(first.json()["RelationId"]), content=b"<a/>", headers={"Content-Type": "text/xml"}
        )
        refused = _patch(client, first.json()["RelationId"], FAILING_TEST)
        default = _default(client)
    assert second.json()["RelationId"] - first.json()["RelationId"] > 1  # colleagues took the ids between
    assert "last-modified" not in first.headers
    assert gone.status_code == 404 and gone.json()["ErrorType"] == "SoNotFoundException"
    assert xml.status_code == 415
    assert refused.status_code == 409 and refused.json()["ErrorType"] != "JsonPatchTestFailedException"
    assert default["RelationDefinitionId"] == 5 and "FieldProperties" not in default
