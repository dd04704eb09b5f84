"""The README's frontend example (examples/fetch-with-retry.mjs) run with Node's own fetch against a
mock that fails on purpose, as the README shows it: its output is the README's, line for line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.livemock import MockProcess

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fetch-with-retry.mjs"


def _readme_block() -> tuple[list[str], list[str]]:
    """The mock's options and the expected output, from the README's "Slow and failing on purpose"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Slow and failing on purpose", 1)[1]
    args = re.search(r'make mock ARGS="([^"]+)"', section)
    output = re.search(r"```text\n(.*?)```", section, re.S)
    assert args and output, "the README's section lost its command or its output"
    return args[1].split(), output[1].strip().splitlines()


def test_the_frontend_retry_example_prints_what_the_readme_says() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed (make node installs the project's node tools and needs it too)")
    args, expected = _readme_block()
    assert f'ARGS="{" ".join(args)}"' in EXAMPLE.read_text(encoding="utf-8"), "the example's comment differs"
    with MockProcess(*args) as mock:
        done = subprocess.run([node, str(EXAMPLE), mock.url], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected
