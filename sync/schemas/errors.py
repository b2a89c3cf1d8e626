"""Validation problems: stable machine codes plus a Chinese message from the catalogue.

The schemas report codes, not sentences (``"too_long|max=2000"``: a code and its parameters),
so that the sync layer can act on a code and the screens can show a message; this module turns
marshmallow's error dicts into `Problem` values. Codes (message keys are ``error.<code>``):

=======================  ===============================================================
code                     meaning
=======================  ===============================================================
required                 a required field is absent
null                     a field that must have a value is null
blank                    a text that must say something is empty or only spaces
invalid_type             wrong JSON type (param ``expected``: string, integer, number,
                         boolean, list, object)
invalid_choice           not a code of the vocabulary (param ``vocabulary``)
invalid_datetime         not an ISO-8601 date-time with seconds and a time zone
invalid_date             not an ISO-8601 calendar date (YYYY-MM-DD)
invalid_iso_week         not an ISO week (YYYY-Www) that exists in that year
too_short                a list has fewer entries than allowed (param ``min``)
too_long                 a text is longer than allowed (param ``max``)
out_of_range             a number outside ``min``..``max``
too_small                a number below ``min``
invalid_phone            not a mainland mobile or landline number
invalid_id_number        not an 18-character resident ID with a valid date and check digit
invalid_sha256           not 64 lowercase hex digits
invalid_media_type       not a ``type/subtype`` media type
invalid_schema_version   ``schema_version`` is not an integer >= 1
due_date_required        a 限时整改 request without a due date
explanation_required     a 无法整改 request without the explanation given to the resident
rating_required          a 群众评议 step without the resident's rating
screening_outcome        a screening must attest nothing found XOR list cases
ended_before_started     a patrol ends before it starts
household_required       a visit names neither an existing nor a new household
child_collection         a partial update tried to replace a child collection wholesale
unknown_record_type      the record type is not one of RECORD_TYPES
unknown_collection       the record type has no such child collection
invalid                  anything else (should not happen; a bug if it does)
=======================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sync.catalogue import ZH, text
from sync.schemas.labels import choices_text, field_label

_SEPARATOR = "|"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record, for the sync layer (code) and for people (message)."""

    field: str
    code: str
    message: str


class RecordInvalid(ValueError):
    """A record, change or child entry failed validation; `problems` says where and why."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("；".join(problem.message for problem in problems))


def coded(code: str, **params: object) -> str:
    """A marshmallow error message carrying a code and its parameters."""
    return _SEPARATOR.join([code, *(f"{name}={value}" for name, value in params.items())])


def decode(message: object) -> tuple[str, dict[str, str]]:
    """Split a message made by `coded`; a message we did not make becomes ``invalid``."""
    code, *pairs = str(message).split(_SEPARATOR)
    if f"error.{code}" not in ZH or not all("=" in pair for pair in pairs):
        return "invalid", {}
    return code, dict(pair.split("=", 1) for pair in pairs)


def problem(
    record_type: str, field: str, code: str, /, *, label_path: str = "", **params: object
) -> Problem:
    """A `Problem` with its Chinese message.

    `label_path` is the path used to find labels when it differs from `field` (a child entry
    is validated on its own, but its labels belong to its collection).
    """
    label_path = label_path or field
    values = {name: str(value) for name, value in params.items()}
    if "vocabulary" in values:
        values["choices"] = choices_text(values["vocabulary"])
    if "expected" in values:
        values["expected"] = text(f"type.{values['expected']}")
    if "other" in values:
        sibling = ".".join([*label_path.split(".")[:-1], values["other"]])
        values["other"] = field_label(record_type, sibling)
    values["field"] = field_label(record_type, label_path)
    return Problem(field=field, code=code, message=text(f"error.{code}", **values))


def problems_from_messages(
    record_type: str, messages: object, *, label_prefix: str = ""
) -> tuple[Problem, ...]:
    """Translate marshmallow's nested error messages into problems, in schema order."""
    found = []
    for path, message in _walk(messages, []):
        field = ".".join(path)
        label_path = ".".join(filter(None, [label_prefix, field]))
        code, params = decode(message)
        found.append(problem(record_type, field, code, label_path=label_path, **params))
    return tuple(found)


def _walk(messages: object, path: list[str]) -> Iterator[tuple[list[str], object]]:
    """Yield (path, message) for every leaf message; ``_schema`` belongs to its parent."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _walk(value, path if key == "_schema" else [*path, str(key)])
    elif isinstance(messages, list):
        for message in messages:
            yield from _walk(message, path)
    else:
        yield path, messages
