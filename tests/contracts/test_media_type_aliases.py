"""The coverage phase sends its whole set once per schema and parser, and a sample under each alias."""

from __future__ import annotations

from collections import Counter

from starlette.types import ASGIApp, Receive, Scope, Send

from contracts.cli import main
from contracts.fuzzing.aliases import aliases
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


def _coverage_put(*extra: str) -> Counter[str]:
    counting = _Counting(create_app(Settings(quiet=True)))
    with serve(counting) as url:
        args = ["--url", url, *QUICK, "--phases", "coverage", "--methods", "PUT"]
        assert main([*args, "--checks", "not_a_server_error", *extra]) == 0
    return counting.seen


def test_an_alias_gets_one_case_of_each_kind_unless_every_media_type_is_asked_for() -> None:
    sampled, every = _coverage_put(), _coverage_put("--every-media-type")
    for alias, first in (("text/json", "application/json"), ("text/xml", "application/xml")):
        # Every case under the first media type of the family, either way.
        assert sampled[first] == every[first] > 300, (sampled, every)
        # Under its alias: the whole set only when asked for; otherwise one of each kind of valid
        # and invalid body (Schemathesis's coverage scenarios), a few, far fewer than the whole set.
        assert every[alias] > 300, every
        assert 5 <= sampled[alias] <= every[alias] / 10, (sampled, every)
