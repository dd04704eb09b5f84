"""openapi-python-client (pinned in tools/openapi-python-client.txt) generates a client from the spec
with no schema warnings; the generated package installs, and its client PUTs and GETs relation 918
against the mock, answers parsed into its models.

The generator has no XML support and says so for `application/xml` and `text/xml` bodies: the only
warnings allowed, named below. With the project's config (tools/openapi-python-client.yaml) those
are all; without it, `text/json` is a third (the generator does not know it is JSON).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from tests.reliability.mockprocess import MockProcess
from tests.tools.tooling import SPEC, TOOLS, Ran, python_tool_venv, run

pytestmark = pytest.mark.slow

DOCUMENT = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
CONFIG = TOOLS / "openapi-python-client.yaml"
SCRIPT = Path(__file__).with_name("python_client_put_get.py")

NOTICES = (
    "Generating ",
    "Warning(s) encountered while generating. Client was generated, but some pieces may be missing",
    "WARNING parsing PUT /api/v1/Relation/{id} within contact_relation.",
    "If you believe this was a mistake or this tool is missing a feature you need, please open an issue at ",
)
#: The generator's own limits, not the spec's: it writes no XML, and knows JSON only by name.
TOOL_LIMITS = {
    "with-config": ["Unsupported content type application/xml", "Unsupported content type text/xml"],
    "without-config": [
        "Unsupported content type text/json",
        "Unsupported content type application/xml",
        "Unsupported content type text/xml",
    ],
}


@pytest.fixture(scope="module")
def venv() -> Path:
    return python_tool_venv("openapi-python-client")


def generate(venv: Path, out: Path, *config: str | Path) -> Ran:
    command = [venv / "bin" / "python", "-m", "openapi_python_client", "generate", "--path", SPEC]
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff post-hooks
    return run([*command, "--output-path", out, "--meta", "setup", *config], env=env)


def diagnostics(output: str) -> list[str]:
    """The generator's messages: its unindented lines, less the JSON it quotes and its boilerplate."""
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line[0].isspace()]
    return [line for line in lines if line not in "{}" and not line.startswith(NOTICES)]


@pytest.mark.parametrize("mode", ["with-config", "without-config"])
def test_generation_prints_no_warning_about_the_spec(venv: Path, tmp_path: Path, mode: str) -> None:
    generated = generate(venv, tmp_path / "client", *(["--config", CONFIG] if mode == "with-config" else []))
    assert generated.returncode == 0, generated.output
    assert diagnostics(generated.output) == TOOL_LIMITS[mode], generated.output
    assert "Unable to process schema" not in generated.output
    models = {path.stem for path in (tmp_path / "client").glob("*/models/*.py")}
    assert {"contact_relation_entity", "contact_relation_entity_with_links", "associate_type_0"} <= models


def test_the_generated_client_installs_and_puts_and_gets_relation_918_on_the_mock(
    venv: Path, tmp_path: Path, mock: MockProcess
) -> None:
    generated = generate(venv, tmp_path / "client", "--config", CONFIG)
    assert generated.returncode == 0, generated.output
    site = tmp_path / "site"
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps"]
    installed = run([*pip, "--no-build-isolation", "--target", site, tmp_path / "client"])
    assert installed.returncode == 0, installed.output  # info.version `v1-REST` was no valid version
    version = DOCUMENT["info"]["version"]
    assert [path.name for path in site.glob("relation_client-*.dist-info")] == [
        f"relation_client-{version}.dist-info"
    ]

    seed = DOCUMENT["components"]["examples"]["SeedSampleRequest"]["value"]
    used = run([python, SCRIPT, mock.url, json.dumps(seed)], env={"PYTHONPATH": str(site)})
    assert used.returncode == 0, used.output
    seen = json.loads(used.output.strip().splitlines()[-1])
    entity = {"status": 200, "model": "ContactRelationEntityWithLinks"}
    assert seen["put"] == {
        **entity,
        "comment": "written by openapi-python-client",
        "source_contact_id": seed["SourceContactId"],
        "updated_date_type": "datetime",
        "created_by_associate_id": seed["CreatedBy"]["AssociateId"],
        "created_by_name": seed["CreatedBy"]["Name"],
    }
    assert seen["get"] == seen["put"]
    assert seen["select"] == {
        **entity,
        "comment": "written by openapi-python-client",
        "source_contact_id": seed["SourceContactId"],
        "updated_date_type": "NoneType",
        "created_by_associate_id": seed["CreatedBy"]["AssociateId"],
        "created_by_name": None,
    }
    # The $select answer went back unchanged: its nulls are the fields' empty values.
    assert seen["put_select_back"]["status"] == 200
    assert seen["put_select_back"]["source_contact_id"] == seed["SourceContactId"]
    # The generator sends an entity under the last JSON type the spec lists for the body.
    assert seen["sent_content_types"] == ["application/merge-patch+json"] * 2
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
