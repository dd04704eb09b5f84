"""In front of each broken server of the rest of the resource, the proxy names the promise it breaks,
from the traffic of a frontend's create-edit-delete flow."""

from __future__ import annotations

import httpx
import pytest

from tests.proxy import resource_traffic
from tests.proxy.conftest import AUTH, answer_violations, proxy_in_thread
from tests.servers.broken import Broken
from tests.servers.resource_broken import RESOURCE_BROKEN
from tests.servers.runner import serve

# broken server -> the checks (any one suffices) and the location that must name the break (None: any)
EXPECTED = {
    "answers_post_with_201": ({"response-status"}, "status"),
    "answers_post_without_relation_id": ({"created-id"}, "body/RelationId"),
    "answers_post_without_links": ({"created-links"}, "body/_Links"),
    "honours_a_body_relation_id_on_post": ({"created-id", "unique-ids"}, "body/RelationId"),
    "hands_out_an_id_twice": ({"unique-ids"}, "body/RelationId"),
    "hands_out_a_deleted_id_again": ({"unique-ids"}, "body/RelationId"),
    "refuses_xml_on_post": ({"content-type-refused", "accepted-before"}, None),
    "ignores_select_on_post": ({"select"}, None),
    "keeps_a_deleted_relation": ({"deleted"}, "status"),
    "deletes_despite_a_stale_precondition": ({"precondition"}, "header If-Unmodified-Since"),
    "deletes_the_relation_before_the_one_named": ({"persistence"}, "status"),
    "skips_failed_tests": ({"patch-test"}, "status"),
    "applies_a_patch_it_refused_with_409": ({"persistence"}, None),
    "creates_relations_by_patch": ({"patch-creates"}, "status"),
    "patches_despite_a_stale_precondition": ({"precondition"}, "header If-Unmodified-Since"),
    "ignores_null_in_a_merge_patch": ({"patch-applied"}, "body/Reversed"),
    "reads_a_merge_patch_as_a_whole_entity": ({"patch-keeps"}, None),
    "keeps_removed_fields": ({"patch-applied"}, None),
    "applies_only_the_first_operation": ({"patch-applied"}, None),
    "reads_patch_paths_case_sensitively": ({"patch-applied"}, "body/Comment"),
    "refuses_op_numbers": ({"accepted-before"}, "body"),
    "skips_move_copy_and_unknown_ops": ({"invalid-request-refused"}, None),
    "accepts_post_without_mandatory_references": ({"mandatory-reference", "invalid-request-refused"}, None),
    "answers_delete_with_200": ({"response-status"}, "status"),
    "deletes_without_credentials": ({"auth-enforced"}, "Authorization"),
    "answers_default_with_links": ({"default-entity"}, "body/_Links"),
    "answers_a_stored_relation_as_default": ({"default-entity"}, "body/RelationId"),
}
NOT_SEEN_BY_THE_PROXY: set[str] = set()


def test_every_broken_server_of_the_resource_has_an_expectation() -> None:
    assert sorted([*EXPECTED, *NOT_SEEN_BY_THE_PROXY]) == sorted(b.name for b in RESOURCE_BROKEN)


@pytest.mark.parametrize(
    "broken",
    [b for b in RESOURCE_BROKEN if b.name in EXPECTED],
    ids=[b.name for b in RESOURCE_BROKEN if b.name in EXPECTED],
)
def test_the_proxy_names_the_broken_promise_of_the_resource(broken: Broken) -> None:
    checks, location = EXPECTED[broken.name]
    with serve(broken.app()) as upstream, proxy_in_thread(upstream) as proxy:
        with httpx.Client(base_url=proxy, headers=AUTH, timeout=10) as client:
            resource_traffic.broken_hunt(client)
        found = answer_violations(proxy)
    named = [v for v in found if v["Check"] in checks and (location is None or v["Location"] == location)]
    assert named, f"{broken.promise}: expected {checks} at {location}; the proxy reported {found}"
