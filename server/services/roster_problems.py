"""What is wrong with a roster file, said so the office can find the line and fix it.

A problem carries a stable code (for tests and tools), the file position, the row's kind and
id, the column, and a Chinese message from the catalogue that names all of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sync.catalogue import ZH, text
from sync.schemas.labels import choices_text

KINDS: tuple[str, ...] = ("streets", "communities", "grids", "patrol_teams", "workers",
                          "households")
"""The kinds of roster row, in the order they are written (parents before children)."""

ROSTER_CODES: frozenset[str] = frozenset({
    # the file as a whole
    "unreadable", "unsupported_file_type", "bad_encoding", "invalid_yaml", "empty_file",
    "bad_layout", "unknown_kind", "not_a_list", "bad_row", "missing_kind_column",
    "extra_cells",
    # one value
    "unknown_field", "required", "too_long", "invalid_type", "invalid_choice",
    "invalid_phone", "invalid_id_number", "invalid_boolean", "invalid_id",
    # between rows
    "duplicate_id", "unknown_reference", "required_for_role", "not_for_role",
    "place_mismatch",
})


@dataclass(frozen=True)
class Position:
    """Where a row is: the file's name, its 1-based line (None for the whole file)."""

    file: str
    line: int | None = None


@dataclass(frozen=True)
class RosterProblem:
    """One thing wrong in a roster file; `str()` is the full Chinese message."""

    code: str
    position: Position
    kind: str | None
    row_id: str | None
    field: str | None
    message: str

    @property
    def line(self) -> int | None:
        return self.position.line

    def __str__(self) -> str:
        return text("roster.problem", where=_where(self.position, self.kind, self.row_id),
                    message=self.message)


class RosterInvalid(ValueError):
    """The file was refused; nothing was written. `problems` lists every bad row."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def field_label(kind: str | None, field: str) -> str:
    """The Chinese name of a roster column; a kind may name a column its own way."""
    for key in (f"roster.field.{kind}.{field}", f"roster.field.{field}"):
        if key in ZH:
            return text(key)
    return field


def kind_label(kind: str | None) -> str:
    return text(f"roster.kind.{kind}") if kind else ""


def problem(code: str, position: Position, *, kind: str | None = None,
            row_id: str | None = None, field: str | None = None,
            **params: object) -> RosterProblem:
    """A problem with its message: ``roster.error.<code>``, else the shared ``error.<code>``."""
    if code not in ROSTER_CODES:
        raise ValueError(f"roster problem has no code {code!r}")
    values: dict[str, object] = {"kind": kind_label(kind), **params}
    if field is not None:
        values["field"] = field_label(kind, field)
    if "vocabulary" in values:
        values["choices"] = choices_text(str(values["vocabulary"]))
    if "expected" in values:
        values["expected"] = text(f"type.{values['expected']}")
    key = f"roster.error.{code}" if f"roster.error.{code}" in ZH else f"error.{code}"
    return RosterProblem(code=code, position=position, kind=kind, row_id=row_id,
                         field=field, message=text(key, **values))


def _where(position: Position, kind: str | None, row_id: str | None) -> str:
    if position.line is None:
        return text("roster.where.file", file=position.file)
    if kind is None:
        return text("roster.where.line", file=position.file, line=position.line)
    if row_id:
        return text("roster.where.row_with_id", file=position.file, line=position.line,
                    kind=kind_label(kind), id=row_id)
    return text("roster.where.row", file=position.file, line=position.line,
                kind=kind_label(kind))
