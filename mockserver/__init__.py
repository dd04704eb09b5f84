"""relation-harness mock server: the SuperOffice `PUT /api/v1/Relation/{id}` endpoint, driven by its spec."""

from mockserver.app import create_app
from mockserver.errors import MockServerError
from mockserver.settings import Settings

__all__ = ["MockServerError", "Settings", "create_app"]
