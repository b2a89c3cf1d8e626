"""Base schemas shared by the four record types."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from marshmallow import INCLUDE, Schema, ValidationError, validates_schema

from sync.schemas import fields as f
from sync.schemas.errors import coded


class Entry(Schema):
    """Any JSON object in a record: keeps unknown fields (written by a newer app version)
    instead of dropping or refusing them, and reports errors as codes."""

    class Meta:
        unknown = INCLUDE

    error_messages: ClassVar[dict[str, str]] = {
        "type": coded("invalid_type", expected="object"),
        "unknown": coded("invalid"),
    }


class Record(Entry):
    """Fields every record type carries."""

    schema_version = f.schema_version()
    grid_id = f.text()


class Position(Entry):
    """A GPS fix; accuracy is the radius in metres reported by the tablet."""

    lat = f.number(minimum=-90, maximum=90)
    lon = f.number(minimum=-180, maximum=180)
    accuracy_m = f.number(optional=True, minimum=0)


def position(*, optional: bool = False) -> f.Object:
    """A nested GPS fix."""
    return f.obj(Position, optional=optional)


RuleMethod = Callable[[Any, dict, Mapping, bool], None]


def rule(method: RuleMethod) -> Any:
    """Register a cross-field rule.

    The rule runs even when some fields failed (so all problems are reported at once) and is
    called as ``method(self, data, original, partial)``: `data` holds only the fields that
    passed, `original` is the input as given, `partial` is true for a partial update (a rule
    that needs fields absent from the update must then skip).
    """

    @functools.wraps(method)
    def run(self: Schema, data: dict, original_data: Any, **kwargs: Any) -> None:
        if isinstance(original_data, Mapping):
            method(self, data, original_data, bool(kwargs.get("partial")))

    return validates_schema(run, skip_on_field_errors=False, pass_original=True)


def broken(field: str, code: str, **params: object) -> ValidationError:
    """The error a rule raises, reported on the field the user should fix."""
    return ValidationError(coded(code, **params), field_name=field)
