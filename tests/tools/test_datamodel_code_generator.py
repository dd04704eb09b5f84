"""datamodel-code-generator (pinned in tools/datamodel-code-generator.txt) writes pydantic v2 models from
the `/openapi.json` a running mock serves: the spec as written, `$ref`s kept, one class per schema of
`components.schemas` and no numbered copies of them (`Associate1`, ...), as a client generated from the
served spec would have them. The generated module imports and parses the mock's own answer.

Dates are typed: every date schema is an `anyOf` of RFC 3339 `date-time` and `date-time-local` (the
OpenAPI Format Registry's date-time without an offset, held to a pattern of up to seven fractional
digits, the form real servers send), which the generator writes as `AwareDatetime | NaiveDatetime`.
A plain `pattern` string in that place gave `AwareDatetime | constr(pattern=...)`: an offset-less date
was then parsed into a `str`.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import BASIC, SPEC, python_tool_venv, run

pytestmark = pytest.mark.slow

CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)
DATED = ("ContactRelationEntity", "ContactRelationEntityWithLinks", "ContactRelationEntityForm")
#: Dates as a real server records them: no offset, up to seven fractional digits. The mock keeps an
#: offset-less date of its fixtures as written.
REAL_SERVER_DATES = {"UpdatedDate": "2020-04-22T15:51:25.0213705", "CreatedDate": "2014-08-25T07:40:59"}


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


def annotations(models: Path) -> dict[tuple[str, str], str]:
    """(class, field) -> the field's annotation as the generated module spells it."""
    tree = ast.parse(models.read_text(encoding="utf-8"))
    return {
        (node.name, statement.target.id): ast.unparse(statement.annotation)
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
    }


def test_every_date_of_the_generated_models_is_typed_as_a_datetime_with_or_without_an_offset(
    models: Path,
) -> None:
    """UpdatedDate and CreatedDate of the entity, its answer, its form and its merge patch, and a JSON
    Patch's date value: `AwareDatetime | NaiveDatetime`, never `str` (the generator leaves a required
    nullable value, JsonPatchSetDates.value, without `| None` unless given `--strict-nullable`)."""
    found = annotations(models)
    dates = {
        (name, field): found.get((name, field))
        for name in (*DATED, "ContactRelationMergePatch")
        for field in ("UpdatedDate", "CreatedDate")
    }
    assert dates == dict.fromkeys(dates, "AwareDatetime | NaiveDatetime | None")
    assert found[("JsonPatchSetDates", "value")] == "AwareDatetime | NaiveDatetime"


@pytest.fixture(scope="module")
def dated_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """A mock whose relation 918 carries dates in the real server's form (`--fixtures`)."""
    document = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    seed = document["components"]["examples"]["SeedSampleRequest"]["value"]
    fixtures = tmp_path_factory.mktemp("dated") / "fixtures.json"
    fixtures.write_text(json.dumps([{**seed, **REAL_SERVER_DATES}]), encoding="utf-8")
    with MockProcess(["--quiet", "--fixtures", str(fixtures)]) as process:
        yield process


def test_the_generated_models_parse_the_real_servers_offset_less_dates_into_datetimes(
    dated_mock: MockProcess, models: Path
) -> None:
    """The mock's answer carries the dates as a real server sends them; the models read them as naive
    datetimes (the seventh fractional digit is below Python's microsecond), and a JSON Patch's value."""
    venv = python_tool_venv("datamodel-code-generator")
    answer = httpx.get(
        f"{dated_mock.url}/api/v1/Relation/918",
        headers={"Authorization": BASIC, "Accept": "application/json"},
    )
    assert answer.status_code == 200, answer.text
    assert {name: answer.json()[name] for name in REAL_SERVER_DATES} == REAL_SERVER_DATES
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(models.parent)!r})\n"
        "from relation_models import ContactRelationEntityWithLinks, JsonPatchSetDates\n"
        "entity = ContactRelationEntityWithLinks.model_validate_json(open(sys.argv[1]).read())\n"
        "op = {'op': 'replace', 'path': '/UpdatedDate', 'value': sys.argv[2]}\n"
        "value = JsonPatchSetDates.model_validate(op).value\n"
        "seen = {'UpdatedDate': entity.UpdatedDate, 'CreatedDate': entity.CreatedDate, 'value': value}\n"
        "zone = {k: getattr(v, 'tzinfo', 'none: no datetime') for k, v in seen.items()}\n"
        "print(json.dumps({k: [type(v).__name__, str(v), zone[k]] for k, v in seen.items()}))\n"
    )
    body = models.parent / "dated-answer.json"
    body.write_text(answer.text, encoding="utf-8")
    ran = run([venv / "bin" / "python", "-c", script, body, REAL_SERVER_DATES["UpdatedDate"]], timeout=60)
    assert ran.returncode == 0, ran.output
    assert json.loads(ran.output.strip().splitlines()[-1]) == {
        "UpdatedDate": ["datetime", "2020-04-22 15:51:25.021370", None],
        "CreatedDate": ["datetime", "2014-08-25 07:40:59", None],
        "value": ["datetime", "2020-04-22 15:51:25.021370", None],
    }
