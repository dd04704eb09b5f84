"""openapi-core's exceptions turned into findings: side, check, location, message.

A location is a parameter (`path id`, `header If-Unmodified-Since`), a header of the answer, the
`Content-Type`, the `status`, or a JSON pointer into the body (`body/CreatedBy/Type`), one finding
per schema error, so a body that breaks three properties names all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openapi_core.deserializing.media_types.exceptions import MediaTypeDeserializeError
from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    MissingRequiredParameter,
    MissingRequiredRequestBody,
    ParameterValidationError,
    SecurityValidationError,
)
from openapi_core.validation.response.exceptions import HeaderValidationError, MissingData

REQUEST, RESPONSE = "request", "response"


@dataclass(frozen=True, slots=True)
class Finding:
    """One way an exchange breaks the spec."""

    side: str  # REQUEST or RESPONSE
    check: str  # what was checked, e.g. "response-body"
    location: str  # a parameter, a header, or a JSON pointer into the body
    message: str


def _pointer(prefix: str, parts: Any) -> str:
    return "/".join([prefix, *(str(part) for part in parts)])


def _schema_findings(side: str, check: str, where: str, cause: Any) -> list[Finding]:
    errors = getattr(cause, "schema_errors", None)
    if not errors:
        return [Finding(side, check, where, _cause_text(cause))]
    out = []
    for error in errors:
        parts = getattr(error, "instance_path", None)
        if parts is None:
            parts = getattr(error, "absolute_path", ())
        out.append(Finding(side, check, _pointer(where, parts), getattr(error, "message", str(error))))
    return out


def _cause_text(cause: Any) -> str:
    if isinstance(cause, MediaTypeDeserializeError):
        reason = cause.__context__
        detail = f": {reason}" if reason is not None and str(reason) else ""
        return f"the body cannot be read as {cause.mimetype}{detail}"
    if isinstance(cause, MediaTypeNotFound):
        shown = cause.mimetype or "no Content-Type"
        return f"{shown!r} is not documented here; documented: {', '.join(cause.availableMimetypes)}"
    return str(cause) if cause is not None else "invalid"


def findings(side: str, error: Exception) -> list[Finding]:
    cause = error.__cause__
    if isinstance(error, OperationNotFound):
        return [
            Finding(side, "operation", "method", f"{error.method.upper()} is not documented for {error.url}")
        ]
    if isinstance(error, PathError):
        return [Finding(side, "operation", "path", str(error))]
    if isinstance(error, SecurityValidationError):
        return [
            Finding(
                side,
                "request-security",
                "Authorization",
                "no credentials: the spec requires Basic, Bearer or SOTicket in Authorization, "
                "or an X-XSRF-TOKEN header",
            )
        ]
    if isinstance(error, MissingRequiredParameter):
        return [Finding(side, "request-parameters", f"{error.location} {error.name}", "required but missing")]
    if isinstance(error, ParameterValidationError):
        return _schema_findings(side, "request-parameters", f"{error.location} {error.name}", cause)
    if isinstance(error, MissingRequiredRequestBody):
        return [Finding(side, "request-body", "body", "required but missing")]
    if isinstance(error, ResponseNotFound):
        return [
            Finding(
                side,
                "response-status",
                "status",
                f"{error.http_status} is not documented; documented: {', '.join(error.availableresponses)}",
            )
        ]
    if isinstance(error, MissingData):
        return [Finding(side, "response-body", "body", "the status documents a body, and none came")]
    if isinstance(error, HeaderValidationError):
        where = f"header {error.name}"
        return (
            _schema_findings(side, "response-headers", where, cause)
            if cause
            else [Finding(side, "response-headers", where, str(error))]
        )
    check = f"{side}-body"
    if isinstance(cause, MediaTypeNotFound):
        return [Finding(side, f"{side}-content-type", "Content-Type", _cause_text(cause))]
    return _schema_findings(side, check, "body", cause)
