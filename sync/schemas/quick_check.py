"""A fast yes-or-don't-know check compiled from the marshmallow schemas.

The server validates every operation of every push, and marshmallow spends a few hundred
microseconds on a record: most of a push's time. Nearly every record a tablet sends is
valid, so each schema is compiled once into plain Python checks built from its own fields,
validators and cross-field rules. A record the quick check passes is one marshmallow passes;
anything else (an error, or a schema feature the compiler does not know) goes to
marshmallow, which stays the single authority and names every problem.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError
from marshmallow import fields as mm_fields

from sync.schemas import fields as f

SchemaCheck = Callable[[Any, bool], bool]
"""`check(data, partial)`: True only if marshmallow would load `data` without an error."""
ValueCheck = Callable[[Any], bool]


class Unsupported(Exception):
    """A schema feature the quick check does not compile: marshmallow checks it alone."""


def compile_schema(schema: Schema) -> SchemaCheck | None:
    """The schema's quick check, or None if it uses something not compiled here."""
    try:
        return _schema_check(schema)
    except Unsupported:
        return None


def _schema_check(schema: Schema) -> SchemaCheck:
    if schema.unknown != INCLUDE or schema.many:
        raise Unsupported("only single objects that keep unknown fields")
    fields = []
    for name, field in schema.load_fields.items():
        if field.data_key is not None and field.data_key != name:
            raise Unsupported(f"data_key on {name}")
        fields.append((name, field.required, _value_check(field)))
    rules = _rules(schema)

    def check(data: Any, partial: bool) -> bool:
        if type(data) is not dict:
            return False
        for name, required, value_ok in fields:
            if name in data:
                if not value_ok(data[name]):
                    return False
            elif required and not partial:
                return False
        try:
            for run in rules:
                run(data, data, partial=partial, many=False, unknown=INCLUDE)
        except ValidationError:
            return False
        return True

    return check


def _rules(schema: Schema) -> list[Callable[..., None]]:
    """The schema's cross-field rules (`@rule` in `sync.schemas.base`), bound to it."""
    hooks = {kind: found for kind, found in schema._hooks.items() if found}
    if set(hooks) - {"validates_schema"}:  # marshmallow's registry of decorated methods
        raise Unsupported(f"hooks {sorted(hooks)}")
    rules = []
    for name, pass_collection, options in hooks.get("validates_schema", []):
        if pass_collection or not options.get("pass_original"):
            raise Unsupported(f"rule {name} is not a per-record rule with the original")
        rules.append(getattr(schema, name))
    return rules


def _value_check(field: mm_fields.Field) -> ValueCheck:
    """A present value (None included) passes the field's type check and its validators.

    Called for every field of every operation a push brings, so each check is built for
    what its field has (plain loops, no validator loop where there is no validator)."""
    type_ok = _type_check(field)
    validators = tuple(field.validators)
    allow_none = field.allow_none
    if not validators:
        return lambda value: allow_none if value is None else type_ok(value)

    def check(value: Any) -> bool:
        if value is None:
            return allow_none
        if not type_ok(value):
            return False
        try:
            for validate in validators:
                if validate(value) is False:
                    return False
        except ValidationError:
            return False
        return True

    return check


def _type_check(field: mm_fields.Field) -> ValueCheck:
    if isinstance(field, f.List):
        inner = _value_check(field.inner)

        def list_ok(value: Any) -> bool:
            if type(value) is not list:
                return False
            for item in value:  # noqa: SIM110 - a loop, not all(generator): hot
                if not inner(item):
                    return False
            return True

        return list_ok
    if isinstance(field, f.Object):
        if field.many or field.unknown not in (None, INCLUDE):
            raise Unsupported("nested lists or nested unknown-field policies")
        nested = _schema_check(field.schema)
        return lambda value: nested(value, False)
    if type(field) in (f.Text, f.Integer, f.Boolean):
        types = field.json_types
        if bool in types:
            return lambda value: type(value) is bool
        if types == (str,):
            return lambda value: type(value) is str
        return lambda value: isinstance(value, types) and type(value) is not bool
    if type(field) is f.Number:
        return lambda value: (isinstance(value, (int, float)) and type(value) is not bool
                              and math.isfinite(value))
    raise Unsupported(f"field type {type(field).__name__}")
