"""openapi-core's factories, made to build each of their products once and reuse it for every exchange.

openapi-core rebuilds a JSON Schema validator (deep-copying its format checker), a caster and a
style deserializer for every parameter and body of every call, and validates with pure-Python
jsonschema. Here each factory keeps what it made, keyed by the schema's place in the spec, and the
schema check itself is a jsonschema-rs validator compiled once from the same schema (OpenAPI 3.0
turned into draft 7 by the mock's own `to_json_schema`). openapi-core still finds the operation,
reads and casts every parameter, checks security, picks the media type and maps statuses; only the
engine under its `SchemaValidator.validate` is swapped, through the factory it exposes for that.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import jsonschema_rs
import orjson
from jsonschema_path import SchemaPath
from openapi_core.casting.schemas.casters import SchemaCaster
from openapi_core.casting.schemas.factories import SchemaCastersFactory
from openapi_core.deserializing.styles.deserializers import StyleDeserializer
from openapi_core.deserializing.styles.factories import StyleDeserializersFactory
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_core.validation.schemas.factories import SchemaValidatorsFactory
from openapi_core.validation.schemas.validators import SchemaValidator

from mockserver.validation import to_json_schema


class CompiledSchemaValidator(SchemaValidator):
    """openapi-core's SchemaValidator whose `validate` runs a compiled jsonschema-rs validator.

    The pure-Python validator that openapi-core's casting helpers also consult is built only if
    one of them asks for it, once.
    """

    def __init__(
        self, schema: SchemaPath, compiled: Any, factory: CompiledValidatorsFactory, key: Any
    ) -> None:
        self.schema = schema
        self._compiled = compiled
        self._factory = factory
        self._key = key
        self._plain: Any = None
        contents = schema.read_value()
        self._type = contents.get("type", "any") if isinstance(contents, dict) else "any"

    @property
    def validator(self) -> Any:
        if self._plain is None:
            self._plain = self._factory.plain(self.schema, self._key)
        return self._plain

    def validate(self, value: Any) -> None:
        errors = list(self._compiled.iter_errors(value))
        if errors:
            raise InvalidSchemaValue(value, self._type, schema_errors=errors)

    def evolve(self, schema: SchemaPath) -> SchemaValidator:
        return self._factory.create(self._factory.spec, schema)


class CompiledValidatorsFactory(SchemaValidatorsFactory):
    """One CompiledSchemaValidator per schema location; one compiled validator per distinct schema."""

    def __init__(self, base: SchemaValidatorsFactory, spec: SchemaPath) -> None:
        super().__init__(base.schema_validator_cls, base.format_checker)
        self.spec = spec
        self._made: dict[Hashable, SchemaValidator] = {}
        self._compiled: dict[bytes, Any] = {}

    def create(
        self,
        spec: SchemaPath,
        schema: SchemaPath,
        format_validators: Any = None,
        extra_format_validators: Any = None,
        forbid_unspecified_additional_properties: bool = False,
        enforce_properties_required: bool = False,
    ) -> SchemaValidator:
        key = (schema.parts, forbid_unspecified_additional_properties, enforce_properties_required)
        made = self._made.get(key)
        if made is None:
            converted = to_json_schema(schema.read_value())
            identity = orjson.dumps(converted, option=orjson.OPT_SORT_KEYS)
            compiled = self._compiled.get(identity)
            if compiled is None:
                compiled = self._compiled[identity] = jsonschema_rs.Draft7Validator(
                    converted, validate_formats=True
                )
            made = self._made[key] = CompiledSchemaValidator(schema, compiled, self, key)
        return made

    def plain(self, schema: SchemaPath, key: Any) -> Any:
        """openapi-core's own (pure-Python) validator for a schema, for its casting helpers."""
        _, forbid, enforce = key
        return super().create(self.spec, schema, None, None, forbid, enforce).validator

    @property
    def size(self) -> int:
        return len(self._compiled)


class CachedCastersFactory(SchemaCastersFactory):
    def __init__(self, validators: SchemaValidatorsFactory, types_caster: Any) -> None:
        super().__init__(validators, types_caster)
        self._made: dict[Hashable, SchemaCaster] = {}

    def create(
        self,
        spec: SchemaPath,
        schema: SchemaPath,
        format_validators: Any = None,
        extra_format_validators: Any = None,
    ) -> SchemaCaster:
        made = self._made.get(schema.parts)
        if made is None:
            made = self._made[schema.parts] = super().create(
                spec, schema, format_validators, extra_format_validators
            )
        return made


class CachedStyleDeserializersFactory(StyleDeserializersFactory):
    def __init__(self, casters: SchemaCastersFactory, style_deserializers: Any) -> None:
        super().__init__(casters, style_deserializers=style_deserializers)
        self._made: dict[Hashable, StyleDeserializer] = {}

    def create(
        self, spec: SchemaPath, schema: SchemaPath, style: str, explode: bool, name: str
    ) -> StyleDeserializer:
        key = (schema.parts, style, explode, name)
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().create(spec, schema, style, explode, name)
        return made
