"""openapi-typescript + openapi-fetch + TypeScript 5 (pinned in tools/package.json): the generated types
give dates the type `string`; two typed programs pass `tsc --noEmit` (strict) and, compiled, run under
node against the mock: a PUT that gets 200 (typed_put.ts), and a frontend's whole create-edit-delete
flow (relation_flow.ts): GET /default, POST, GET, PATCH (JSON Patch with `test` and `replace`, merge
patch), a failing `test` (409) and a stale `If-Unmodified-Since` (412) that change nothing, PUT, a
stale DELETE (412), DELETE (204), GET (404), each step asserted by the program itself.

The flow also holds type assertions (`@ts-expect-error`): the generated types refuse a `move`
operation and a merge patch with an unknown key, so `tsc` fails if the spec's PATCH body loosens."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import SPEC, node_modules, node_tool, run

pytestmark = pytest.mark.slow

PROGRAMS = ("typed_put.ts", "relation_flow.ts")
FLOW_STEPS = [
    "GET /default 200, RelationId 0, no _Links",
    "POST 200 with a new RelationId, _Links.Self and Last-Modified",
    "GET the created relation 200",
    "PATCH json-patch (test + replace) 200",
    "PATCH merge-patch 200",
    "PATCH with a failing test 409, nothing changed",
    "PATCH with a stale If-Unmodified-Since 412, nothing changed",
    "PUT 200",
    "DELETE with a stale If-Unmodified-Since 412, relation kept",
    "DELETE 204 with no body",
    "GET after DELETE 404",
]
TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "lib": ["ES2022", "DOM"],
        "skipLibCheck": True,
        "outDir": "out",
    },
    "files": list(PROGRAMS),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TypeScript project: the generated relation.d.ts, the programs, and the pinned node_modules."""
    folder = tmp_path_factory.mktemp("typescript")
    generated = run(
        [node_tool("openapi-typescript", "openapi-typescript"), SPEC, "-o", folder / "relation.d.ts"]
    )
    assert generated.returncode == 0, generated.output
    (folder / "node_modules").symlink_to(node_modules(), target_is_directory=True)
    (folder / "package.json").write_text(json.dumps({"type": "module", "private": True}), encoding="utf-8")
    (folder / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
    for program in PROGRAMS:
        (folder / program).write_text(
            Path(__file__).with_name(program).read_text(encoding="utf-8"), encoding="utf-8"
        )
    return folder


@pytest.fixture(scope="module")
def compiled(project: Path) -> Path:
    """The programs compiled to JavaScript (out/*.js)."""
    done = run([node_tool("tsc", "typescript"), "-p", project / "tsconfig.json"], cwd=project)
    assert done.returncode == 0, done.output
    return project / "out"


def schema_types(declarations: str, schema: str) -> dict[str, str]:
    """`property -> TypeScript type` of one schema in the generated `components["schemas"]`."""
    block = re.search(rf"^        {schema}: \{{\n(.*?)^        \}};", declarations, re.MULTILINE | re.DOTALL)
    assert block, f"no schema {schema} in the generated declarations"
    return dict(re.findall(r"^            (\w+)\??: (.+);$", block.group(1), re.MULTILINE))


@pytest.mark.parametrize(
    "schema", ["ContactRelationEntity", "ContactRelationEntityWithLinks", "ContactRelationEntityForm"]
)
def test_generated_types_give_dates_the_type_string(project: Path, schema: str) -> None:
    declarations = (project / "relation.d.ts").read_text(encoding="utf-8")
    types = schema_types(declarations, schema)
    for name in ("UpdatedDate", "CreatedDate"):
        assert set(re.findall(r"\w+", types[name])) == {"string", "null"}, f"{name}: {types[name]}"


def test_the_typed_put_and_the_frontend_flow_pass_tsc_no_emit(project: Path) -> None:
    checked = run([node_tool("tsc", "typescript"), "--noEmit", "-p", project / "tsconfig.json"], cwd=project)
    assert checked.returncode == 0, checked.output


def test_the_compiled_put_runs_under_node_against_the_mock_and_gets_200(
    project: Path, compiled: Path, mock: MockProcess
) -> None:
    ran = run(["node", compiled / "typed_put.js", mock.url], cwd=project, timeout=60)
    assert ran.returncode == 0, ran.output
    seen = json.loads(ran.output.strip().splitlines()[-1])
    assert seen["put"] == seen["get"] == 200
    assert seen["comment"] == "written by openapi-fetch"
    assert re.fullmatch(r"\d{4}", seen["updatedYear"])


def test_the_compiled_frontend_flow_creates_edits_and_deletes_a_relation_on_the_mock(
    project: Path, compiled: Path, mock: MockProcess
) -> None:
    ran = run(["node", compiled / "relation_flow.js", mock.url], cwd=project, timeout=60)
    assert ran.returncode == 0, ran.output  # the program names the step that went wrong
    seen = json.loads(ran.output.strip().splitlines()[-1])
    assert seen["steps"] == FLOW_STEPS
    assert isinstance(seen["id"], int) and seen["id"] > 0
