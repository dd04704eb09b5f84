"""relation-harness mock server: the SuperOffice `PUT /api/v1/Relation/{id}` endpoint, driven by its spec."""

import warnings
from typing import TYPE_CHECKING, Any

from mockserver.errors import MockServerError
from mockserver.settings import Settings

# connexion imports starlette.testclient at import time, which warns about httpx; the mock never uses it.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

if TYPE_CHECKING:
    from mockserver.app import create_app

__all__ = ["MockServerError", "Settings", "create_app"]


def __getattr__(name: str) -> Any:
    """`create_app`, and Connexion with it, loads on first use: importing the package stays cheap, as
    pytest loads `mockserver.pytest_plugin` in every run of an environment where it is installed."""
    if name == "create_app":
        from mockserver.app import create_app

        return create_app
    raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
