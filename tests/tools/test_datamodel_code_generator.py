"""datamodel-code-generator (pinned in tools/datamodel-code-generator.txt) writes pydantic v2 models from
the `/openapi.json` a running mock serves: the spec as written, `$ref`s kept, one class per schema of
`components.schemas` and no numbered copies of them (`Associate1`, ...), as a client generated from the
served spec would have them. The generated module imports and parses the mock's own answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import BASIC, python_tool_venv, run

pytestmark = pytest.mark.slow

CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)


@pytest.fixture(scope="module")
def served(mock: MockProcess) -> httpx.Response:
    return httpx.get(f"{mock.url}/openapi.json", timeout=10)


@pytest.fixture(scope="module")
def models(served: httpx.Response, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = python_tool_venv("datamodel-code-generator")
    folder = tmp_path_factory.mktemp("datamodel")
    source = folder / "openapi.json"
    source.write_bytes(served.content)
    out = folder / "relation_models.py"
    ran = run(
        [
            venv / "bin" / "datamodel-codegen",
            "--input",
            source,
            "--input-file-type",
            "openapi",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--output",
            out,
        ],
        timeout=300,
    )
    assert ran.returncode == 0, ran.output
    assert "numbered collisions" not in ran.output, ran.output
    return out


def test_the_served_spec_is_the_written_one_with_refs_and_components(served: httpx.Response) -> None:
    assert served.status_code == 200
    assert len(served.content) < 200_000, f"/openapi.json is {len(served.content)} bytes: inlined?"
    document: dict[str, Any] = served.json()
    assert '"$ref"' in served.text
    assert "ContactRelationEntity" in document["components"]["schemas"]
    assert "SeedSampleResponse" in document["components"]["examples"]


def bodies(source: str) -> dict[str, str]:
    """Each top-level class of a generated module, name -> its text with the name taken out."""
    blocks = re.split(r"^(?=class \w+\()", source, flags=re.MULTILINE)[1:]
    out: dict[str, str] = {}
    for block in blocks:
        name = CLASS.match(block)
        assert name is not None
        out[name.group(1)] = block.replace(name.group(1), "<name>", 1).strip()
    return out


def test_one_class_per_schema_and_no_numbered_copies(served: httpx.Response, models: Path) -> None:
    """Every schema is one class of its own name; no class repeats another's body (the inlined spec gave
    103 copies of 134 classes: `Associate1`, `FieldProperties2`...). The numbered enums left (`Path1`,
    `JsonPatchValueOp1`) are distinct inline enums, not copies."""
    schemas = set(served.json()["components"]["schemas"])
    classes = bodies(models.read_text(encoding="utf-8"))
    assert schemas <= set(classes), sorted(schemas - set(classes))
    seen: dict[str, str] = {}
    copies = []
    for name, body in classes.items():
        if body in seen and name not in schemas:  # two schemas may share a shape (ExtraFields, CustomFields)
            copies.append(f"{name} copies {seen[body]}")
        seen.setdefault(body, name)
    assert copies == []
    numbered_schemas = [
        name for name in classes if name.rstrip("0123456789") in schemas - {"JsonPatchValueOp"}
    ]
    assert sorted(numbered_schemas) == sorted(schemas - {"JsonPatchValueOp"})


def test_the_generated_models_parse_the_mocks_answer(mock: MockProcess, models: Path) -> None:
    """The pydantic models take the mock's answer for relation 918 as it is."""
    venv = python_tool_venv("datamodel-code-generator")
    answer = httpx.get(
        f"{mock.url}/api/v1/Relation/918", headers={"Authorization": BASIC, "Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(models.parent)!r})\n"
        "from relation_models import ContactRelationEntityWithLinks\n"
        "entity = ContactRelationEntityWithLinks.model_validate_json(open(sys.argv[1]).read())\n"
        "print(entity.RelationId)\n"
    )
    body = models.parent / "answer.json"
    body.write_text(answer.text, encoding="utf-8")
    ran = run([venv / "bin" / "python", "-c", script, body], timeout=60)
    assert ran.returncode == 0, ran.output
    assert ran.output.strip() == str(json.loads(answer.text)["RelationId"])
