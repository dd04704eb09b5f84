"""The shared deployment (compose.yaml, Dockerfile, deploy/nginx.conf) holds together: the image is
built from every folder the wheel is built from, every replica shares one PostgreSQL through the
variable that keeps the password out of `ps`, and the front sends traffic to every replica.

No Docker daemon runs on the development machines, so these read the files; the behaviour behind
them (replicas on one database) is tests/postgres/test_replicas.py's, with the same commands."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _replicas() -> dict[str, dict[str, object]]:
    return {name: service for name, service in COMPOSE["services"].items() if service.get("build") == "."}


def test_the_image_copies_every_folder_and_file_the_wheel_is_built_from() -> None:
    copied = {
        part.rstrip("/").removeprefix("./")
        for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M)
        for part in line.split()[:-1]
    }
    needed = {
        "pyproject.toml",
        PYPROJECT["project"]["readme"],
        *PYPROJECT["tool"]["setuptools"]["package-dir"].values(),
    }
    assert needed <= copied, needed - copied
    assert re.search(r"^RUN pip install \. ", DOCKERFILE, re.M), "installed as a wheel, not editable"
    assert '"--host", "0.0.0.0"' in DOCKERFILE and "USER mock" in DOCKERFILE


def test_two_replicas_share_one_database_through_the_environment_not_the_command_line() -> None:
    replicas = _replicas()
    assert len(replicas) >= 2, replicas
    for name, service in replicas.items():
        environment = service["environment"]
        assert isinstance(environment, dict)
        assert str(environment["RELATION_MOCK_STATE"]).startswith("postgresql://"), name
        assert "@db:5432/" in str(environment["RELATION_MOCK_STATE"]), name
        assert "RELATION_MOCK_ADMIN_TOKEN" in environment, name  # beyond loopback the admin API needs one
        assert "command" not in service, f"{name}: a --state on the command line shows the password in ps"
        assert service["depends_on"] == {"db": {"condition": "service_healthy"}}, name


def test_the_front_balances_over_every_replica_on_the_mocks_port() -> None:
    front = COMPOSE["services"]["front"]
    assert front["ports"] == ["4010:4010"]
    config = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    upstreams = set(re.findall(r"^\s*server ([\w-]+):4010", config, re.M))
    assert upstreams == set(_replicas()), upstreams
