"""openapi-typescript + openapi-fetch + TypeScript 5 (pinned in tools/package.json): the generated types
give dates the type `string`, a typed PUT passes `tsc --noEmit`, and compiled it runs under node
against the mock and gets 200."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import SPEC, node_modules, node_tool, run

pytestmark = pytest.mark.slow

PROGRAM = Path(__file__).with_name("typed_put.ts")
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
    "files": ["typed_put.ts"],
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TypeScript project: the generated relation.d.ts, the program, and the pinned node_modules."""
    folder = tmp_path_factory.mktemp("typescript")
    generated = run(
        [node_tool("openapi-typescript", "openapi-typescript"), SPEC, "-o", folder / "relation.d.ts"]
    )
    assert generated.returncode == 0, generated.output
    (folder / "node_modules").symlink_to(node_modules(), target_is_directory=True)
    (folder / "package.json").write_text(json.dumps({"type": "module", "private": True}), encoding="utf-8")
    (folder / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
    (folder / "typed_put.ts").write_text(PROGRAM.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


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


def test_a_typed_put_passes_tsc_no_emit(project: Path) -> None:
    checked = run([node_tool("tsc", "typescript"), "--noEmit", "-p", project / "tsconfig.json"], cwd=project)
    assert checked.returncode == 0, checked.output


def test_the_compiled_put_runs_under_node_against_the_mock_and_gets_200(
    project: Path, mock: MockProcess
) -> None:
    compiled = run([node_tool("tsc", "typescript"), "-p", project / "tsconfig.json"], cwd=project)
    assert compiled.returncode == 0, compiled.output
    ran = run(["node", project / "out" / "typed_put.js", mock.url], cwd=project, timeout=60)
    assert ran.returncode == 0, ran.output
    seen = json.loads(ran.output.strip().splitlines()[-1])
    assert seen["put"] == seen["get"] == 200
    assert seen["comment"] == "written by openapi-fetch"
    assert re.fullmatch(r"\d{4}", seen["updatedYear"])
