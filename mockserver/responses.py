"""Answers written in the negotiated media type; headers shared by every answer are built once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

from mockserver import xmlcodec
from mockserver.errors import ApiError
from mockserver.negotiation import is_xml

ERROR_ROOT = "Error"


def encode(body: Any, media: str, root: str) -> bytes:
    if is_xml(media):
        return xmlcodec.dumps(root, body)
    return orjson.dumps(body)


def answer(
    status: int, body: Any, media: str, root: str, headers: Mapping[str, str] | None = None
) -> Response:
    """One answer, `root` its XML root element (the entity's name); `body=None` for a status without
    content (304)."""
    if body is None:
        return Response(status_code=status, headers=dict(headers or {}))
    return Response(
        encode(body, media, root), status, headers=dict(headers or {}), media_type=f"{media}; charset=utf-8"
    )


def error_answer(error: ApiError, media: str) -> Response:
    return answer(error.status, error.body(), media, ERROR_ROOT, error.headers)
