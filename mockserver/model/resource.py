"""The spec's entity resources, found at start-up from path shapes and read from the `x-` vocabulary.

An operation's role comes from its method and its path's shape, never from its operationId:
`POST /X` creates, `GET /X/default` answers the blank entity, and `GET`, `PUT`, `PATCH`, `DELETE`
of `/X/{id}` read, replace, patch and delete. Operations sharing `/X` are one resource. What
differs between entities is declared on the resource's answer schema (the 200 schema of its
operations) and checked here, so a spec the engine cannot serve stops the start-up with one
sentence naming the path and what is missing, never a 500 after a write:

- `xml.name` (OpenAPI's own): the entity's name, the XML root of its answers and the name its
  error messages use ("ContactRelationEntity with given id does not exist in the db.");
- `x-primary-key`: the integer property holding the id (the path's `{id}` wins over a body's);
- `x-server-set`: property -> `created-at`, `created-by`, `updated-at` or `updated-by`, the
  fields the server sets on every write (a body's values are ignored); `updated-at` is the
  version that `If-Unmodified-Since` and `Last-Modified` use;
- `x-fixtures`: names of `components/examples` whose values the store starts with (and a reset
  restores), when no `--fixtures` file names the resource;
- `x-references` and `x-derived`: the ids of other resources' entities it holds, and the fields
  computed from them (`mockserver.model.references`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from mockserver.errors import SpecError
from mockserver.model.references import Links, links_of
from mockserver.model.spec import OperationModel, SpecModel

SERVER_SET = ("created-at", "created-by", "updated-at", "updated-by")
# (path shape, method) -> role; anything else has no handler.
ROLES = {
    ("item", "get"): "read",
    ("item", "put"): "replace",
    ("item", "patch"): "patch",
    ("item", "delete"): "delete",
    ("collection", "post"): "create",
    ("default", "get"): "default",
}
ANSWERED = ("read", "replace", "create", "patch", "default")  # roles whose 200 is the entity
SERVED = "GET, PUT, PATCH and DELETE on /X/{id}, POST on /X and GET on /X/default"
FIX = "Remove the operation or pass another --spec."


@dataclass(frozen=True, slots=True)
class ResourceModel:
    """One entity resource: its paths, its operations by role, and what its schema declares."""

    name: str  # the collection's last segment (`Relation`): the store's and the fixtures' name for it
    collection: str  # `/api/v1/Relation`: `_Links` point here
    entity_name: str  # `ContactRelationEntity`: XML root and error wording
    key: str
    server_set: Mapping[str, str]
    fixtures: tuple[str, ...]
    answer_schema: dict[str, Any]  # what every 200 carries (with `_Links`)
    request_schema: dict[str, Any]  # a JSON PUT/POST body: what a PATCH document is checked as
    operations: Mapping[str, OperationModel]
    links: Links = field(default_factory=Links)  # x-references, x-derived

    @property
    def version(self) -> str | None:
        """The property with the time of the last write (`UpdatedDate`), if the entity has one."""
        return next((name for name, role in self.server_set.items() if role == "updated-at"), None)

    def operation(self, role: str) -> OperationModel | None:
        return self.operations.get(role)


def _shape(path: str) -> tuple[str, str]:
    """(`item` | `default` | `collection`, the collection path) of a path template."""
    head, _, last = path.rstrip("/").rpartition("/")
    if last.startswith("{") and last.endswith("}"):
        return "item", head
    if last == "default":
        return "default", head
    return "collection", path.rstrip("/")


def _unserved(op: OperationModel, why: str) -> SpecError:
    return SpecError(
        f"The spec's {op.label} (operationId {op.operation_id!r}) has no handler: {why}; the mock serves "
        f"{SERVED}. {FIX}"
    )


def _role(op: OperationModel) -> tuple[str, str]:
    shape, collection = _shape(op.path)
    if "{" in collection:
        raise _unserved(op, "its path nests one resource in another, which the mock cannot serve")
    role = ROLES.get((shape, op.method))
    if role is None:
        what = "an archive query" if shape == "collection" else f"a {op.method.upper()} of a {shape} path"
        raise _unserved(op, f"it is {what}, which the mock cannot serve")
    if shape == "item":
        params = [p for p in op.parameters if p.get("in") == "path"]
        if len(params) != 1 or params[0].get("schema", {}).get("type") != "integer":
            raise _unserved(op, "its path needs exactly one path parameter, of type integer (the id)")
    if role in ("replace", "create") and op.json_request_schema() is None:
        raise _unserved(op, "it has no JSON requestBody, and a write needs the entity as its body")
    if role == "patch" and not op.request_content:
        raise _unserved(op, "it has no requestBody, and a PATCH needs the changes as its body")
    if role in ANSWERED and not (op.response_schema(200) or {}).get("properties"):
        raise _unserved(op, "it documents no 200 answer with an object schema (the entity)")
    return role, collection


def _declared(label: str, schema: Mapping[str, Any], spec: SpecModel) -> tuple[str, str, dict[str, str]]:
    """The entity name, the key and the server-set fields the answer schema of `label` declares."""
    props = schema["properties"]
    name = schema.get("xml", {}).get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(
            f"The answer schema of {label} has no xml.name; expected the entity's name (for example "
            "ContactRelationEntity), used as its XML root and in its error messages. Add `xml: {name: ...}`."
        )
    key = schema.get("x-primary-key")
    if not isinstance(key, str) or props.get(key, {}).get("type") != "integer":
        raise SpecError(
            f"The answer schema of {label} has x-primary-key {key!r}; expected the name of one of its "
            f"integer properties (the id). Add for example `x-primary-key: {next(iter(props))}`."
        )
    server_set = schema.get("x-server-set", {})
    if not isinstance(server_set, dict):
        raise SpecError(
            f"The answer schema of {label} has x-server-set {server_set!r}; expected a mapping of "
            f"property names to one of {', '.join(SERVER_SET)}."
        )
    for prop, role in server_set.items():
        if prop not in props or role not in SERVER_SET or list(server_set.values()).count(role) > 1:
            raise SpecError(
                f"The answer schema of {label} has x-server-set {prop}: {role!r}; expected a property of "
                f"the schema and one of {', '.join(SERVER_SET)}, each at most once."
            )
    for example in schema.get("x-fixtures", []):
        if example not in spec.document.get("components", {}).get("examples", {}):
            raise SpecError(
                f"The answer schema of {label} has x-fixtures naming {example!r}, which is no example in "
                "components/examples. Add the example or remove the name."
            )
    return name, key, dict(server_set)


def _same_entity(op: OperationModel, schema: Mapping[str, Any], *, blank: bool) -> bool:
    """Whether `op` answers `schema`: the same one, or for GET /default one whose properties are
    the same but for some the answer schema has and it leaves out (`_Links`)."""
    answered = op.response_schema(200) or {}
    if answered == schema:
        return True
    props, theirs = schema["properties"], answered.get("properties", {})
    return blank and all(props.get(name) == sub for name, sub in theirs.items())


def resources_of(spec: SpecModel) -> tuple[ResourceModel, ...]:
    """Every resource of the spec, in the order the spec lists them; SpecError when one cannot be served."""
    grouped: dict[str, dict[str, OperationModel]] = {}
    for op in spec.operations:
        role, collection = _role(op)
        grouped.setdefault(collection, {})[role] = op
    out = []
    for collection, operations in grouped.items():
        # The stored entity's answer (GET, PUT, POST, PATCH) comes first: GET /default may answer
        # the entity without its links (the vendor's Sale does), never another entity.
        answering = sorted(
            (op for role, op in operations.items() if role in ANSWERED),
            key=lambda op: op is operations.get("default"),
        )
        if not answering:
            first = next(iter(operations.values()))
            raise _unserved(first, f"{collection} has no operation answering its entity (GET, PUT or POST)")
        schema = answering[0].response_schema(200)
        assert schema is not None  # _role checked it
        for other in answering[1:]:
            if not _same_entity(other, schema, blank=other is operations.get("default")):
                raise SpecError(
                    f"The spec's {other.label} answers another schema than {answering[0].label}; expected "
                    "one entity per resource (GET /default may leave out properties, as the entity "
                    f"without its _Links). Make both answer the same schema. {FIX}"
                )
        name, key, server_set = _declared(answering[0].label, schema, spec)
        writer = operations.get("replace") or operations.get("create")
        request = writer.json_request_schema() if writer else None
        out.append(
            ResourceModel(
                name=collection.rpartition("/")[2],
                collection=collection,
                entity_name=name,
                key=key,
                server_set=server_set,
                fixtures=tuple(schema.get("x-fixtures", ())),
                answer_schema=schema,
                request_schema=request or schema,
                operations=operations,
            )
        )
    names = [resource.name for resource in out]
    for name in names:
        if names.count(name) > 1:
            raise SpecError(
                f"The spec has two resources named {name} (paths ending in /{name}); expected one name per "
                f"resource, as the store and the fixtures file know them by it. {FIX}"
            )
    schemas = {resource.name: resource.answer_schema for resource in out}
    return tuple(
        replace(resource, links=links_of(resource.collection, resource.answer_schema, schemas))
        for resource in out
    )
