"""Schemas of the four record types and the validation API the sync layer calls.

Records are plain JSON values. Validation only checks: the data that comes out is the data
that went in (dates stay strings, unknown fields written by a newer app version are kept), so
a record's canonical encoding never changes because it was validated. Every problem carries a
stable code (table in `sync.schemas.errors`) and a Chinese message from `sync.catalogue`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError

from sync import canonical
from sync.catalogue import label, text
from sync.schemas.dispute import Dispute
from sync.schemas.errors import Problem, RecordInvalid, problem, problems_from_messages
from sync.schemas.labels import field_label
from sync.schemas.patrol import Patrol
from sync.schemas.quick_check import SchemaCheck, compile_schema
from sync.schemas.screening import Screening
from sync.schemas.visit import Visit

__all__ = [
    "CHILD_COLLECTIONS",
    "RECORD_TYPES",
    "SCHEMA_VERSION",
    "Problem",
    "RecordInvalid",
    "field_label",
    "validate_changes",
    "validate_child",
    "validate_record",
    "value_label",
]

SCHEMA_VERSION = 1
"""The version new records are written with; records with any version >= 1 validate."""

RECORD_TYPES: tuple[str, ...] = ("visit", "screening", "dispute", "patrol")

CHILD_COLLECTIONS: dict[str, tuple[str, ...]] = {
    "visit": ("requests", "request_progress", "attachments"),
    "dispute": ("mediation_notes",),
    "patrol": ("checkpoints", "findings"),
    "screening": (),
}
"""Lists of entries that are added and edited one entry at a time (`validate_child`)."""

_SCHEMAS: dict[str, Schema] = {
    "visit": Visit(),
    "screening": Screening(),
    "dispute": Dispute(),
    "patrol": Patrol(),
}

_CHILD_SCHEMAS: dict[tuple[str, str], Schema] = {
    (record_type, collection): _SCHEMAS[record_type].fields[collection].inner.schema
    for record_type, collections in CHILD_COLLECTIONS.items()
    for collection in collections
}

_QUICK_CHECKS: dict[Schema, SchemaCheck | None] = {
    schema: compile_schema(schema)
    for schema in (*_SCHEMAS.values(), *_CHILD_SCHEMAS.values())
}
"""Each schema's compiled quick check (`sync.schemas.quick_check`), keyed by the schema."""


def value_label(record_type: str, field: str, value: Any) -> str:
    """How a stored value reads on a screen: a vocabulary code becomes its Chinese label."""
    schema = _SCHEMAS.get(record_type)
    declared = schema.fields.get(field) if schema is not None else None
    vocabulary = declared.metadata.get("vocabulary") if declared is not None else None
    if vocabulary is not None and value in set(vocabulary):
        return label(vocabulary(value))
    if isinstance(value, bool):
        return text("value.yes") if value else text("value.no")
    if value is None:
        return text("value.none")
    if isinstance(value, (list, dict)):
        return canonical.encode(value).decode("utf-8")
    return str(value)


def validate_record(record_type: str, data: dict) -> dict:
    """Check a whole record (a create); returns `data` itself, unchanged.

    Raises `RecordInvalid` listing every problem found.
    """
    _check(_schema(record_type), record_type, data)
    return data


def validate_changes(record_type: str, changes: dict) -> dict:
    """Check a partial update of top-level fields; returns `changes` itself, unchanged.

    Only the given fields are checked (a given nested object, such as a new position, is
    checked whole). Cross-field rules run only when all their fields are given. Child
    collections are changed entry by entry through `validate_child`, so giving one here is a
    ``child_collection`` problem.
    """
    schema = _schema(record_type)
    if _passes_quick_check(schema, changes, partial=True) and not any(
        name in changes for name in CHILD_COLLECTIONS[record_type]
    ):
        return changes
    problems: list[Problem] = []
    if isinstance(changes, Mapping):
        problems = [
            problem(record_type, name, "child_collection")
            for name in CHILD_COLLECTIONS[record_type]
            if name in changes
        ]
    try:
        schema.load(changes, partial=tuple(schema.fields))
    except ValidationError as error:
        problems.extend(problems_from_messages(record_type, error.messages))
    if problems:
        raise RecordInvalid(tuple(problems))
    return changes


def validate_child(record_type: str, collection: str, entry: dict) -> dict:
    """Check one entry of a child collection; returns `entry` itself, unchanged.

    Problem fields are paths inside the entry; messages use the collection's labels.
    """
    _schema(record_type)
    schema = _CHILD_SCHEMAS.get((record_type, collection))
    if schema is None:
        record = field_label(record_type, "")
        raise RecordInvalid(
            (problem(record_type, "", "unknown_collection", record=record, collection=collection),)
        )
    _check(schema, record_type, entry, label_prefix=collection)
    return entry


def _schema(record_type: str) -> Schema:
    try:
        return _SCHEMAS[record_type]
    except (KeyError, TypeError):
        raise RecordInvalid(
            (problem("", "", "unknown_record_type", record_type=record_type),)
        ) from None


def _passes_quick_check(schema: Schema, data: Any, *, partial: bool) -> bool:
    quick = _QUICK_CHECKS.get(schema)
    return quick is not None and quick(data, partial)


def _check(schema: Schema, record_type: str, data: Any, *, label_prefix: str = "") -> None:
    if _passes_quick_check(schema, data, partial=False):
        return
    try:
        schema.load(data)
    except ValidationError as error:
        problems = problems_from_messages(record_type, error.messages, label_prefix=label_prefix)
        raise RecordInvalid(problems) from None
