"""Reading a roster file (YAML, or one CSV with a `kind` column) into rows with positions.

Nothing here judges values: this only finds the rows and remembers the line each came from,
so that every later message can send the office to the exact line. File formats are
described in docs/roster.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from server.services.roster_problems import KINDS, Position, RosterProblem, problem
from sync.catalogue import text

YAML_SUFFIXES = (".yaml", ".yml")
CSV_SUFFIXES = (".csv",)
CSV_TEAM_KIND = "team_kind"
"""In a CSV the `kind` column names the row's kind, so a patrol team's kind goes here."""


@dataclass(frozen=True)
class RosterRow:
    """One row as written in the file: its kind, where it is, and its raw values."""

    kind: str
    position: Position
    values: dict[str, Any]


@dataclass
class RosterFile:
    """The rows of a file, or the problems that kept them from being read."""

    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)


def read_roster(path: Path) -> RosterFile:
    """The rows of a YAML or CSV roster file, chosen by its suffix."""
    position = Position(path.name)
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + CSV_SUFFIXES:
        return RosterFile(problems=[problem("unsupported_file_type", position,
                                            suffix=suffix or path.name)])
    try:
        raw = path.read_bytes()
    except OSError as error:
        return RosterFile(problems=[problem("unreadable", position,
                                            reason=error.strerror or str(error))])
    content = _decode(raw)
    if content is None:
        return RosterFile(problems=[problem("bad_encoding", position)])
    if not content.strip():
        return RosterFile(problems=[problem("empty_file", position)])
    if suffix in YAML_SUFFIXES:
        return _read_yaml(content, path.name)
    return _read_csv(content, path.name)


def kind_of(value: str) -> str | None:
    """The kind a name stands for: the English key (`households`) or its label (住户)."""
    value = value.strip()
    if value in KINDS:
        return value
    for kind in KINDS:
        if value == text(f"roster.kind.{kind}"):
            return kind
    return None


def _decode(raw: bytes) -> str | None:
    """UTF-8 (with or without Excel's BOM), else GB18030: what Excel on a Chinese PC saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


# --- YAML ------------------------------------------------------------------------------


def _read_yaml(content: str, name: str) -> RosterFile:
    loader = yaml.SafeLoader(content)
    try:
        return _yaml_rows(loader, name)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        return RosterFile(problems=[problem("invalid_yaml", Position(name, line))])
    finally:
        loader.dispose()


def _yaml_rows(loader: yaml.SafeLoader, name: str) -> RosterFile:
    result = RosterFile()
    root = loader.get_single_node()
    if root is None:
        result.problems.append(problem("empty_file", Position(name)))
        return result
    if not isinstance(root, yaml.MappingNode):
        result.problems.append(problem("bad_layout", _at(name, root)))
        return result
    for key_node, value_node in root.value:
        kind = kind_of(str(key_node.value)) if isinstance(key_node, yaml.ScalarNode) else None
        if kind is None:
            result.problems.append(problem("unknown_kind", _at(name, key_node),
                                           value=key_node.value, kinds=_kinds_text()))
            continue
        if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "~", "null"):
            continue
        if not isinstance(value_node, yaml.SequenceNode):
            result.problems.append(problem("not_a_list", _at(name, value_node), kind=kind))
            continue
        for item in value_node.value:
            values = loader.construct_object(item, deep=True)
            if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
                result.problems.append(problem("bad_row", _at(name, item), kind=kind))
                continue
            present = {key.strip(): value for key, value in values.items() if value is not None}
            result.rows.append(RosterRow(kind, _at(name, item), present))
    return result


def _at(name: str, node: yaml.Node) -> Position:
    return Position(name, node.start_mark.line + 1)


def _kinds_text() -> str:
    return text("list.separator").join(KINDS)


# --- CSV -------------------------------------------------------------------------------


def _read_csv(content: str, name: str) -> RosterFile:
    result = RosterFile()
    lines = _csv_records(content)
    header_line, header = next(lines, (1, []))
    columns = [column.strip().lower() for column in header]
    if "kind" not in columns:
        result.problems.append(problem("missing_kind_column", Position(name, header_line)))
        return result
    for line, cells in lines:
        position = Position(name, line)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            result.problems.append(problem("extra_cells", position))
            continue
        values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)
                  if column and cell.strip()}
        kind_name = values.pop("kind", "")
        kind = kind_of(kind_name)
        if kind is None:
            result.problems.append(problem("unknown_kind", position, value=kind_name,
                                           kinds=_kinds_text()))
            continue
        if kind == "patrol_teams" and CSV_TEAM_KIND in values:
            values["kind"] = values.pop(CSV_TEAM_KIND)
        result.rows.append(RosterRow(kind, position, values))
    return result


def _csv_records(content: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted cell may span several lines)."""
    reader = csv.reader(io.StringIO(content, newline=""))
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1
