"""Servers that each break one promise of the rest of the resource (issue 12): POST, PATCH, DELETE,
GET /default. As in `tests.servers.broken`: the mock behind one small transform, the checks that
must catch it, and the options that keep the run short. `--strict` only where the promise is the
project's choice (the check says so), not the vendor's."""

from __future__ import annotations

from tests.servers.broken import STRICT, Broken, _stateful, _wrap, props
from tests.servers.resource_breaks import (
    DuplicateIds,
    MergeReplaces,
    ReusedIds,
    answer_204,
    created_answer,
    default_is_stored,
    default_with_links,
    delete_answers_200,
    delete_ignores_stale,
    delete_keeps_relation,
    delete_neighbour,
    delete_without_credentials,
    merge_null_ignored,
    patch_409_still_applies,
    patch_creates,
    patch_first_op_only,
    patch_ignores_failed_test,
    patch_ignores_stale,
    patch_keeps_removed,
    patch_op_numbers_refused,
    patch_paths_case_sensitive,
    patch_unsupported_ops_skipped,
    post_201,
    post_body_id_honoured,
    post_select_ignored,
    post_without_id,
    post_without_links,
    post_without_mandatory_references,
    post_xml_refused,
)


def _fuzz(check: str, examples: int, *more: str) -> tuple[str, ...]:
    """One Schemathesis check in the fuzzing phase, with as many examples as it takes to meet the break."""
    return ("--checks", check, "--phases", "fuzzing", "--max-examples", str(examples), *more)


def _coverage(check: str, method: str, *more: str) -> tuple[str, ...]:
    """One Schemathesis check in the coverage phase of one method: every enum and bound, deterministically."""
    return ("--checks", check, "--phases", "coverage", "--methods", method, *more)


RESOURCE_BROKEN = (
    Broken("answers_post_with_201", "POST answers 200, not 201", _wrap(on_response=post_201),
           ("lifecycle",), props("lifecycle")),
    Broken("answers_post_without_relation_id", "the POST answer names the new RelationId",
           _wrap(on_response=post_without_id), ("lifecycle", "post_ids"), props("lifecycle", "post_ids")),
    Broken("answers_post_without_links", "the POST answer carries _Links",
           _wrap(on_response=post_without_links),
           ("lifecycle",), props("lifecycle")),
    Broken("honours_a_body_relation_id_on_post", "POST ignores a RelationId in the body",
           _wrap(post_body_id_honoured), ("post_ids",), props("post_ids")),
    Broken("hands_out_an_id_twice", "every id POST hands out is a new one", _stateful(DuplicateIds),
           ("post_ids",), props("post_ids")),
    Broken("hands_out_a_deleted_id_again", "ids are never handed out again, not even after DELETE (ours)",
           _stateful(ReusedIds), ("post_ids",), (*props("lifecycle", "post_ids"), *STRICT)),
    Broken("refuses_xml_on_post", "POST takes all seven content types", _wrap(post_xml_refused),
           ("positive_data_acceptance",), _fuzz("positive_data_acceptance", 100, "--methods", "POST")),
    Broken("ignores_select_on_post", "$select applies to the POST answer", _wrap(post_select_ignored),
           ("select_nulls_unselected",), _fuzz("select_nulls_unselected", 5)),
    Broken("accepts_post_without_mandatory_references", "POST validates as PUT: contact ids are mandatory",
           _wrap(post_without_mandatory_references), ("mandatory_references", "negative_data_rejection"),
           props("mandatory_references")),
    Broken("answers_delete_with_200", "DELETE answers 204", _wrap(on_response=delete_answers_200),
           ("lifecycle",), props("lifecycle")),
    Broken("deletes_without_credentials", "a DELETE without credentials gives 401",
           _wrap(delete_without_credentials), ("ignored_auth",), _fuzz("ignored_auth", 5)),
    Broken("keeps_a_deleted_relation", "after a DELETE (204) GET gives 404",
           _wrap(delete_keeps_relation, answer_204), ("lifecycle", "stale_delete_changes_nothing"),
           props("lifecycle", "stale_delete_changes_nothing")),
    Broken("deletes_despite_a_stale_precondition", "a stale DELETE is 412 and deletes nothing",
           _wrap(delete_ignores_stale), ("stale_delete_changes_nothing",),
           props("stale_delete_changes_nothing")),
    Broken("deletes_the_relation_before_the_one_named", "DELETE deletes the relation it names, no other",
           _wrap(delete_neighbour), ("lifecycle",), props("lifecycle")),
    Broken("skips_failed_tests", "a failed test is 409 and changes nothing", _wrap(patch_ignores_failed_test),
           ("failed_test_changes_nothing",), props("failed_test_changes_nothing")),
    Broken("applies_a_patch_it_refused_with_409", "a 409 changes nothing",
           _wrap(then=patch_409_still_applies),
           ("failed_test_changes_nothing",), props("failed_test_changes_nothing")),
    Broken("creates_relations_by_patch", "PATCH of an unknown id is 404 (PATCH never creates)",
           _wrap(then=patch_creates, on_response=created_answer), ("lifecycle",), props("lifecycle")),
    Broken("patches_despite_a_stale_precondition", "a stale PATCH is 412 and changes nothing",
           _wrap(patch_ignores_stale), ("stale_patch_changes_nothing",),
           props("stale_patch_changes_nothing")),
    Broken("ignores_null_in_a_merge_patch", "a merge patch's null removes, like JSON Patch's remove",
           _wrap(merge_null_ignored), ("merge_equals_json_patch",), props("merge_equals_json_patch")),
    Broken("reads_a_merge_patch_as_a_whole_entity", "a merge patch changes only what it names",
           _stateful(MergeReplaces), ("merge_equals_json_patch",), props("merge_equals_json_patch")),
    Broken("keeps_removed_fields", "remove empties the property, as a PUT without it",
           _wrap(patch_keeps_removed), ("patch_equals_put", "merge_equals_json_patch"),
           (*props("patch_equals_put", "merge_equals_json_patch"), *STRICT)),
    Broken("applies_only_the_first_operation", "a PATCH stores what the equivalent PUT stores",
           _wrap(patch_first_op_only), ("patch_equals_put",), props("patch_equals_put")),
    Broken("reads_patch_paths_case_sensitively", "paths are case-insensitive, the leading slash optional",
           _wrap(patch_paths_case_sensitive), ("patch_equals_put",), props("patch_equals_put")),
    Broken("refuses_op_numbers", "the op enum's numbers are read (the vendor's own sample)",
           _wrap(patch_op_numbers_refused), ("positive_data_acceptance",),
           _fuzz("positive_data_acceptance", 8)),
    Broken("skips_move_copy_and_unknown_ops", "move, copy and unknown ops are 400",
           _wrap(patch_unsupported_ops_skipped),
           ("negative_data_rejection",), _coverage("negative_data_rejection", "PATCH", *STRICT)),
    Broken("answers_default_with_links", "GET /default has no _Links", _wrap(on_response=default_with_links),
           ("default_entity",), props("default_entity")),
    Broken("answers_a_stored_relation_as_default", "GET /default is a new relation (RelationId 0)",
           _wrap(default_is_stored), ("default_entity",), props("default_entity")),
)  # fmt: skip
