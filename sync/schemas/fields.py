"""Reusable strict fields for JSON records.

Records are plain JSON values and are stored, hashed and merged exactly as captured, so these
fields only check: they never convert (a date stays a string, ``"5"`` is not an integer, 30 is
not turned into 30.0). Every error is a code made with `coded`; see `sync.schemas.errors`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields

from sync.schemas.errors import coded
from sync.vocabulary import vocabulary_name

_MISSING_MESSAGES = {"required": coded("required"), "null": coded("null")}

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_PHONE = re.compile(r"1\d{10}|(0\d{2,3}-?)?[2-9]\d{6,7}")
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_DIGITS = "10X98765432"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*", re.ASCII)

Validator = Callable[[Any], None]


# --- strict field classes --------------------------------------------------------------


class _Strict(fields.Field):
    """Accepts only values of `json_types` and returns them untouched."""

    json_types: tuple[type, ...] = ()
    default_error_messages: ClassVar[dict[str, str]] = {
        **_MISSING_MESSAGES,
        "invalid": coded("invalid"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) and bool not in self.json_types:
            raise self.make_error("invalid")
        if not isinstance(value, self.json_types):
            raise self.make_error("invalid")
        return value


class Text(_Strict):
    json_types = (str,)
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": coded("invalid_type", expected="string")
    }


class Integer(_Strict):
    json_types = (int,)
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": coded("invalid_type", expected="integer")
    }


class Number(_Strict):
    """An int or float; NaN and infinities are not JSON, so they are refused."""

    json_types = (int, float)
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": coded("invalid_type", expected="number")
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        value = super()._deserialize(value, attr, data, **kwargs)
        if not math.isfinite(value):
            raise self.make_error("invalid")
        return value


class Boolean(_Strict):
    json_types = (bool,)
    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": coded("invalid_type", expected="boolean")
    }


class List(fields.List):
    """A JSON array (a Python list; tuples and sets are not JSON)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_MISSING_MESSAGES,
        "invalid": coded("invalid_type", expected="list"),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Object(fields.Nested):
    """A JSON object checked by a nested schema (its own unknown fields are kept)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        **_MISSING_MESSAGES,
        "type": coded("invalid_type", expected="object"),
    }


# --- validators ------------------------------------------------------------------------


def _fail(code: str, **params: object) -> ValidationError:
    return ValidationError(coded(code, **params))


def not_blank(value: str) -> None:
    if not value.strip():
        raise _fail("blank")


def max_length(limit: int) -> Validator:
    def check(value: str) -> None:
        if len(value) > limit:
            raise _fail("too_long", max=limit)

    return check


def min_items(count: int) -> Validator:
    def check(value: list) -> None:
        if len(value) < count:
            raise _fail("too_short", min=count)

    return check


def between(low: float, high: float) -> Validator:
    def check(value: float) -> None:
        if not low <= value <= high:
            raise _fail("out_of_range", min=low, max=high)

    return check


def at_least(low: float) -> Validator:
    def check(value: float) -> None:
        if value < low:
            raise _fail("too_small", min=low)

    return check


def parse_datetime(value: str) -> datetime | None:
    """The aware datetime an ISO-8601 string names, or None if it is not one we accept."""
    if not _DATETIME.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def check_datetime(value: str) -> None:
    if parse_datetime(value) is None:
        raise _fail("invalid_datetime")


def check_date(value: str) -> None:
    try:
        valid = bool(_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    except ValueError:
        valid = False
    if not valid:
        raise _fail("invalid_date")


def check_iso_week(value: str) -> None:
    """YYYY-Www where the week exists: W53 only in years that have 53 ISO weeks."""
    match = _ISO_WEEK.fullmatch(value)
    try:
        valid = bool(match) and bool(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError:
        valid = False
    if not valid:
        raise _fail("invalid_iso_week")


def check_phone(value: str) -> None:
    if not _PHONE.fullmatch(value):
        raise _fail("invalid_phone")


def is_valid_id_number(value: str) -> bool:
    """An 18-character resident ID (GB 11643): real birth date and matching check digit."""
    if not _ID_NUMBER.fullmatch(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value, _ID_WEIGHTS, strict=False))
    return _ID_CHECK_DIGITS[total % 11] == value[17]


def check_id_number(value: str) -> None:
    if not is_valid_id_number(value):
        raise _fail("invalid_id_number")


def check_schema_version(value: int) -> None:
    if value < 1:
        raise _fail("invalid_schema_version")


# --- factories -------------------------------------------------------------------------
# `optional` fields may be absent or null (null is how a partial update clears a field).


def _presence(optional: bool) -> dict[str, bool]:
    return {"required": not optional, "allow_none": optional}


def text(*, optional: bool = False, blank: bool = False, max_len: int | None = None) -> Text:
    """A string; unless `blank`, it must contain more than spaces."""
    validators = [] if blank else [not_blank]
    if max_len is not None:
        validators.append(max_length(max_len))
    return Text(validate=validators, **_presence(optional))


def choice(vocabulary: type[StrEnum], *, optional: bool = False) -> Text:
    """A code of a closed vocabulary; the error lists the Chinese labels."""
    codes = frozenset(vocabulary)
    name = vocabulary_name(vocabulary)

    def check(value: str) -> None:
        if value not in codes:
            raise _fail("invalid_choice", vocabulary=name)

    return Text(validate=check, metadata={"vocabulary": vocabulary}, **_presence(optional))


def iso_datetime(*, optional: bool = False) -> Text:
    """An ISO-8601 date-time string with seconds and a zone: 2026-11-26T09:30:00+08:00."""
    return Text(validate=check_datetime, **_presence(optional))


def iso_date(*, optional: bool = False) -> Text:
    """An ISO-8601 calendar date string: 2026-12-31."""
    return Text(validate=check_date, **_presence(optional))


def iso_week(*, optional: bool = False) -> Text:
    """An ISO week string: 2026-W48."""
    return Text(validate=check_iso_week, **_presence(optional))


def phone(*, optional: bool = False) -> Text:
    """A mainland mobile (11 digits starting with 1) or a landline (0531-88886666)."""
    return Text(validate=check_phone, **_presence(optional))


def id_number(*, optional: bool = False) -> Text:
    """An 18-character resident ID number, check digit verified."""
    return Text(validate=check_id_number, **_presence(optional))


def sha256(*, optional: bool = False) -> Text:
    """A SHA-256 digest as 64 lowercase hex digits, as hashlib writes it."""

    def check(value: str) -> None:
        if not _SHA256.fullmatch(value):
            raise _fail("invalid_sha256")

    return Text(validate=check, **_presence(optional))


def media_type(*, optional: bool = False) -> Text:
    """A media type such as image/jpeg."""

    def check(value: str) -> None:
        if not _MEDIA_TYPE.fullmatch(value):
            raise _fail("invalid_media_type")

    return Text(validate=check, **_presence(optional))


def schema_version() -> Integer:
    """The version of the schema a record was written with (any version >= 1 is accepted,
    so records from newer apps still sync)."""
    return Integer(validate=check_schema_version, required=True)


def integer(*, optional: bool = False, minimum: int | None = None,
            maximum: int | None = None) -> Integer:
    if maximum is not None:
        return Integer(validate=[between(minimum or 0, maximum)], **_presence(optional))
    return Integer(validate=[] if minimum is None else [at_least(minimum)], **_presence(optional))


def number(
    *, optional: bool = False, minimum: float | None = None, maximum: float | None = None
) -> Number:
    if minimum is not None and maximum is not None:
        validators = [between(minimum, maximum)]
    elif minimum is not None:
        validators = [at_least(minimum)]
    else:
        validators = []
    return Number(validate=validators, **_presence(optional))


def boolean(*, optional: bool = False) -> Boolean:
    return Boolean(**_presence(optional))


def items(inner: fields.Field, *, optional: bool = False, min_len: int = 0) -> List:
    """A list of `inner` values with at least `min_len` entries."""
    validators = [min_items(min_len)] if min_len else []
    return List(inner, validate=validators, **_presence(optional))


def obj(schema: type[Schema], *, optional: bool = False) -> Object:
    """A nested JSON object."""
    return Object(schema, **_presence(optional))


def children(schema: type[Schema], *, optional: bool = False) -> List:
    """A child collection: a list of entries (each with its own ``id``), may be empty.

    A collection added after version 1 is `optional`, so records from older apps, which
    never name it, stay valid."""
    return items(Object(schema, required=True), optional=optional)
