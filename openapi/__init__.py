"""The Relation contract as package data: `relation_spec` once installed, this `openapi/` folder here.

`openapi/relation.yaml` is the one file to edit. pyproject.toml ships this folder as the package
`relation_spec` (`[tool.setuptools.package-dir]`), so the mock and the contract suite read the same
file through importlib.resources, in a checkout (editable install) and in a wheel alike, without
importing each other.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["SPEC"]

# pip installs every wheel as plain files (never a zip), so the resource is a real path that the
# mock's and the suite's `--spec` defaults, and Schemathesis in a subprocess, can all be given.
SPEC = Path(str(files(__name__).joinpath("relation.yaml")))
