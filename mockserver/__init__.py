"""relation-harness mock server: the SuperOffice `PUT /api/v1/Relation/{id}` endpoint, driven by its spec."""

import warnings

# connexion imports starlette.testclient at import time, which warns about httpx; the mock never uses it.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from mockserver.app import create_app  # noqa: E402
from mockserver.errors import MockServerError  # noqa: E402
from mockserver.settings import Settings  # noqa: E402

__all__ = ["MockServerError", "Settings", "create_app"]
