"""The suite in both directions: it passes correct servers and catches each broken one.

A correct server passes even under --strict, with nothing to warn about; each broken server is
reported as a violation (not a warning) by every listed check that the run included.
"""

from __future__ import annotations

import httpx
import pytest

from contracts.cli import main, parse_options
from contracts.results import FAILED, NOT_APPLICABLE, NOT_RUN, PASSED, WARNED, RunResult
from contracts.suite import run_suite
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.asgi import Exchange, Reply, Rewrite
from tests.servers.broken import BROKEN, Broken, props, until_caught
from tests.servers.realistic import realistic_app
from tests.servers.runner import serve

AUTH = {"Authorization": "Basic dGplMDpUamUw"}
KEPT = (
    "SourceContactId", "SourcePersonId", "DestinationContactId", "DestinationPersonId", "Comment",
    "RelationDefinitionId", "Reversed", "SourceContactName", "SourcePersonName", "DestinationContactName",
    "DestinationPersonName", "ActiveText", "PassiveText",
)  # fmt: skip


def _relation(url: str) -> dict[str, object]:
    answer = httpx.get(f"{url}/api/v1/Relation/918", headers=AUTH, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    return {name: body.get(name) for name in KEPT}


def _run(url: str, *args: str) -> RunResult:
    options, _ = parse_options(["--url", url, *QUICK, *args])
    return run_suite(options)


def _findings(result: RunResult) -> str:
    return "\n".join(f"{f.check}: {f.title}: {f.seen[:300]}" for f in result.failures + result.warnings)


def test_the_mock_keeps_every_promise_strictly_and_gets_its_relation_back(
    mock_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _relation(mock_url)
    assert main(["--url", mock_url, *QUICK, "--strict"]) == 0, capsys.readouterr().out
    assert _relation(mock_url) == before


def test_a_realistic_superoffice_passes_strictly_with_nothing_to_warn_about(realistic_url: str) -> None:
    result = _run(realistic_url, "--strict")
    assert result.ok and not result.warnings, _findings(result)
    assert any("from the relation under test" in note for note in result.notes), result.notes
    # Its own Comment length (1000, the spec says 2000), read from its FieldProperties.
    assert "field_lengths: Comment judged at 1000 UTF-16 units, from FieldProperties" in result.notes
    assert any("ActiveText (255)" in note and "the server derives them" in note for note in result.notes)


def _broken(name: str) -> Broken:
    return next(broken for broken in BROKEN if broken.name == name)


def test_a_server_without_get_passes_the_properties_and_gets_its_relation_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(realistic_app(with_get=False)) as url:
        code = main(["--url", url, *QUICK, "--checks", "property"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "restored to the first PUT answer" in out


def test_an_unknown_relation_is_created_with_the_references_given(realistic_url: str) -> None:
    result = _run(
        realistic_url, "--checks", "property", "--relation-id", "777001",
        "--contact-ids", "381,262,7", "--person-ids", "381:272,7:70", "--definition-ids", "47,5",
    )  # fmt: skip
    assert result.ok, _findings(result)
    notes = " ".join(result.notes)
    assert "did not exist before the run" in notes
    assert "contact 381 person 272 -> contact 262 person 0, definition 47" in notes


def test_without_any_known_reference_the_spec_sample_is_written_and_the_report_says_so(
    realistic_url: str,
) -> None:
    result = _run(realistic_url, "--checks", "round_trip,persistence", "--relation-id", "777002")
    assert result.ok, _findings(result)
    assert any("spec sample's references" in note for note in result.notes), result.notes


@pytest.mark.parametrize("broken", BROKEN, ids=[broken.name for broken in BROKEN])
def test_each_broken_server_is_caught_by_its_check(broken: Broken) -> None:
    with serve(broken.app()) as url:
        result = _run(url, *until_caught(broken))
    judged = [name for name in broken.caught_by if name in result.outcomes]
    assert judged, f"{broken.name}: none of {broken.caught_by} ran"
    statuses = {name: result.outcomes[name].status for name in judged}
    assert all(status == FAILED for status in statuses.values()), (
        f"{broken.name} ({broken.promise}): expected {judged} violated, got {statuses}\n{_findings(result)}"
    )
    assert not result.ok


def test_the_default_check_set_catches_a_broken_server_too(capsys: pytest.CaptureFixture[str]) -> None:
    select_ignored = next(broken for broken in BROKEN if broken.name == "select_ignored")
    with serve(select_ignored.app()) as url:
        code = main(["--url", url, *QUICK, "--phases", "examples,fuzzing"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "✗ select " in out and "✗ select_nulls_unselected " in out


def test_a_broken_framework_default_is_a_warning_without_strict_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    strict_accept = next(broken for broken in BROKEN if broken.name == "strict_accept")
    with serve(strict_accept.app()) as url:
        code = main(["--url", url, *QUICK, "--checks", "accept_fallback,missing_body"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "⚠ accept_fallback" in out and "framework default" in out
    assert "--strict makes them fail the run" in out


def test_a_check_that_judged_nothing_is_not_run_and_one_without_a_subject_not_applicable(
    mock_url: str,
) -> None:
    result = _run(
        mock_url, "--phases", "examples",
        "--checks", "negative_data_rejection,positive_data_acceptance,missing_required_header,use_after_free",
    )  # fmt: skip
    statuses = {name: outcome.status for name, outcome in result.outcomes.items()}
    assert statuses == {
        "negative_data_rejection": NOT_RUN,
        "positive_data_acceptance": PASSED,
        "missing_required_header": NOT_APPLICABLE,
        "use_after_free": NOT_APPLICABLE,
    }
    assert result.outcomes["negative_data_rejection"].cases == 0
    assert result.outcomes["positive_data_acceptance"].cases > 0


def test_path_id_wins_is_left_out_against_a_url_unless_strict(realistic_url: str) -> None:
    loose = _run(realistic_url, "--checks", "path_id_wins")
    strict = _run(realistic_url, "--checks", "path_id_wins", "--strict")
    assert loose.outcomes["path_id_wins"].status == NOT_APPLICABLE
    assert "--strict" in (loose.outcomes["path_id_wins"].reason or "")
    assert strict.outcomes["path_id_wins"].status == PASSED
    assert WARNED not in {outcome.status for outcome in strict.outcomes.values()}


@pytest.mark.parametrize("name", ["length_500", "silent_truncation", "latin1_mangled"])
def test_the_default_run_catches_each_server_that_fails_on_real_text_without_strict(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = _broken(name)
    with serve(broken.app()) as url:
        code = main(["--url", url, *QUICK, "--phases", "examples"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert all(f"✗ {check} " in out for check in broken.caught_by), out


def test_a_cut_to_field_length_passes_only_when_documented_and_only_at_the_announced_length() -> None:
    with serve(_broken("silent_truncation").app()) as url:
        silent = _run(url, *props("field_lengths"))
        documented = _run(url, *props("field_lengths"), "--documented-truncation")
    assert silent.outcomes["field_lengths"].status == FAILED
    assert "silently cut to FieldLength" in silent.failures[0].title
    assert "--documented-truncation" in silent.failures[0].expected
    assert documented.ok, _findings(documented)
    with serve(_broken("truncated_below_announced").app()) as url:
        below = _run(url, *props("field_lengths"), "--documented-truncation")
    assert below.outcomes["field_lengths"].status == FAILED, _findings(below)


def _no_field_properties(exchange: Exchange, reply: Reply) -> Reply:
    entity = reply.json() if reply.status == 200 and "json" in reply.media_type else None
    if isinstance(entity, dict) and "FieldProperties" in entity:
        entity["FieldProperties"] = {}
        reply.set_json(entity)
    return reply


def test_without_field_properties_the_spec_lengths_are_used_and_the_report_says_so() -> None:
    app = Rewrite(create_app(Settings(quiet=True)), on_response=_no_field_properties)
    with serve(app) as url:
        result = _run(url, *props("field_lengths"))
    assert result.ok, _findings(result)
    assert any(
        "Comment judged at 2000 UTF-16 units, from the spec: the server announces no FieldLength" in note
        for note in result.notes
    ), result.notes


def test_derived_names_are_probed_only_when_strict_and_not_judged_where_the_server_derives_them(
    mock_url: str,
) -> None:
    # The mock derives names from the referenced records (issue 23), as a tenant does: --strict's
    # probe finds a value sent is not stored, so their lengths are not applicable.
    loose = _run(mock_url, *props("field_lengths"))
    strict = _run(mock_url, *props("field_lengths", "derived_fields"), "--strict")
    assert loose.ok and strict.ok and not strict.warnings, _findings(loose) + _findings(strict)
    assert any("SourceContactName (255)" in note and "--strict probes" in note for note in loose.notes)
    assert any(
        "SourceContactName (255)" in note and "the server derives them" in note for note in strict.notes
    )
