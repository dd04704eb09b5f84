"""Every spec operation bound to a generic handler at start-up, by its resource and role.

`resources_of` has already refused what the engine cannot serve, so each (method, path) of the
spec gets exactly one handler here; Connexion's resolver looks them up by method and path, never by
operationId.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from starlette.requests import Request
from starlette.responses import Response

from mockserver.auth import Authenticator
from mockserver.handlers.change import ChangeHandlers
from mockserver.handlers.reading import ReadHandlers
from mockserver.handlers.references import Linker
from mockserver.handlers.steps import Steps
from mockserver.handlers.writing import WriteHandlers
from mockserver.model.entity import EntityModel
from mockserver.model.resource import ResourceModel
from mockserver.negotiation import Negotiator
from mockserver.storage.memory import Store

Handler = Callable[[Request], Awaitable[Response]]


class Engine:
    """(method, path) -> handler for every operation of every resource, built once."""

    def __init__(
        self,
        resources: Sequence[ResourceModel],
        entities: Mapping[str, EntityModel],
        store: Store,
        authenticator: Authenticator,
        *,
        strict_accept: bool = False,
    ) -> None:
        self.handlers: dict[tuple[str, str], Handler] = {}
        linker = Linker({resource.name: resource for resource in resources}, store)
        steps = [
            Steps(
                resource, entities[resource.name], store, authenticator, linker, strict_accept=strict_accept
            )
            for resource in resources
        ]
        for one in steps:
            self._bind(one)
        # Answers that belong to no operation (404, 405, a bug) negotiate as the first resource does.
        self.negotiator: Negotiator = steps[0].negotiator

    def _bind(self, steps: Steps) -> None:
        op = steps.resource.operation
        reading = ReadHandlers(steps, op("read"), op("default"))
        writing = WriteHandlers(steps, op("replace"), op("create"))
        change = ChangeHandlers(steps, op("patch"), op("delete"))
        by_role: dict[str, Handler] = {
            "read": reading.read,
            "default": reading.default,
            "replace": writing.replace,
            "create": writing.create,
            "patch": change.patch,
            "delete": change.delete,
        }
        for role, operation in steps.resource.operations.items():
            self.handlers[(operation.method, operation.path)] = by_role[role]
