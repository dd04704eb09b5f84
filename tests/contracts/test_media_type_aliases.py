"""The coverage phase sends its whole set once per schema and parser, and a sample under each alias."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from starlette.types import ASGIApp, Receive, Scope, Send

from contracts.cli import main, parse_options
from contracts.fuzzing.aliases import CoverageSampler, aliases
from contracts.fuzzing.run import _Start
from mockserver import Settings, create_app
from tests.contracts.conftest import QUICK
from tests.servers.runner import serve

ENTITY = {"$ref": "#/components/schemas/ContactRelationEntity"}
FORM = {"$ref": "#/components/schemas/ContactRelationEntityForm"}


def test_json_and_xml_media_types_of_one_schema_are_aliases_of_the_first_of_their_parser() -> None:
    bodies = [
        ("application/json", ENTITY),
        ("text/json", ENTITY),
        ("application/xml", ENTITY),
        ("text/xml", ENTITY),
        ("application/x-www-form-urlencoded", FORM),
        ("application/json-patch+json", ENTITY),
        ("application/merge-patch+json; charset=utf-8", ENTITY),
    ]
    assert aliases(bodies) == {
        "text/json",
        "text/xml",
        "application/json-patch+json",
        "application/merge-patch+json; charset=utf-8",
    }


def test_media_types_with_different_schemas_are_not_aliases() -> None:
    assert aliases([("application/json", ENTITY), ("text/json", FORM), ("text/xml", FORM)]) == set()


class _Counting:
    """The mock, counting the PUT bodies it is sent per media type."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PUT":
            headers = dict(scope["headers"])
            self.seen[headers.get(b"content-type", b"").decode().split(";")[0]] += 1
        await self.app(scope, receive, send)


def test_an_alias_gets_one_case_of_each_kind_and_its_first_media_type_the_whole_set() -> None:
    counting = _Counting(create_app(Settings(quiet=True)))
    with serve(counting) as url:
        args = ["--url", url, *QUICK, "--phases", "coverage", "--methods", "PUT"]
        assert main([*args, "--checks", "not_a_server_error"]) == 0
    seen = counting.seen
    for alias, first in (("text/json", "application/json"), ("text/xml", "application/xml")):
        assert seen[first] > 300, seen  # the whole set under the first media type of the family
        assert 5 <= seen[alias] <= seen[first] / 10, seen  # one of each kind under its alias


def _case(media_type: str, mode: GenerationMode, scenario: CoverageScenario, label: str = "PUT /x") -> Any:
    data = CoveragePhaseData(scenario, "", None, media_type, ParameterLocation.BODY)
    meta = SimpleNamespace(phase=SimpleNamespace(data=data), generation=SimpleNamespace(mode=mode))
    bodies = [
        SimpleNamespace(media_type=m, definition={"schema": ENTITY})
        for m in ("application/json", "text/json")
    ]
    return SimpleNamespace(
        meta=meta, media_type=media_type, operation=SimpleNamespace(label=label, body=bodies)
    )


def test_the_sampler_keeps_every_case_of_the_first_media_type_and_the_first_of_each_kind_of_an_alias() -> (
    None
):
    sampler = CoverageSampler()
    negative, positive = GenerationMode.NEGATIVE, GenerationMode.POSITIVE
    wrong_type, valid = CoverageScenario.INCORRECT_TYPE, CoverageScenario.VALID_STRING
    assert all(sampler.keep(_case("application/json", negative, wrong_type)) for _ in range(3))
    assert sampler.keep(_case("text/json", negative, wrong_type))
    assert not sampler.keep(_case("text/json", negative, wrong_type))  # the same kind again
    assert sampler.keep(_case("text/json", positive, valid))  # another kind
    assert sampler.keep(_case("text/json", negative, wrong_type, label="PATCH /x"))  # another operation


def test_every_media_type_reaches_the_hooks_and_turns_the_sampling_off(tmp_path: Path) -> None:
    for flag, expected in (([], ""), (["--every-media-type"], "1")):
        options, _ = parse_options(["--url", "http://127.0.0.1:9", *flag])
        start = _Start(options, "http://127.0.0.1:9", (), tmp_path, "", None, None, None, None)
        assert start.environment(tmp_path / "p", tmp_path / "s")["CONTRACTS_EVERY_MEDIA_TYPE"] == expected
