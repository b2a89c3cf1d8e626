"""Writing a ledger out as .xlsx (openpyxl) or CSV, from a table description.

A ledger plugs in with a `LedgerTable`: its Chinese title and each column's Chinese header,
value type and width; its rows are plain tuples in column order. The workbook is written in
openpyxl's write-only mode into a file object the caller gives (a temporary file), so 100k
rows never sit in memory at once. Excel has no time zones: date-times are written as Beijing
wall-clock time, which is how the office reads them.

Free text comes from tablets, so it is written as text and never as a formula: openpyxl
would store a string beginning with "=" as one, and Excel runs CSV cells beginning with
= + - @ as formulas, so those CSV cells get a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, BinaryIO
from urllib.parse import quote

from sync.catalogue import text
from sync.deadlines import CHINA


class ValueType(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    """A calendar day (ISO date string or `date`)."""
    datetime = "datetime"
    """A moment (ISO date-time string, Unix ms or aware `datetime`), shown in Beijing time."""
    boolean = "boolean"
    """Written as 是 / 否."""


@dataclass(frozen=True)
class Column:
    header: str
    """Chinese, as the office says it."""
    type: ValueType = ValueType.text
    width: int = 12
    """In Excel's character widths (a Chinese character takes about two)."""


@dataclass(frozen=True)
class LedgerTable:
    title: str
    """Chinese: the sheet's title and the file name's stem (民情台账)."""
    slug: str
    """ASCII, for the file name browsers fall back to (visits)."""
    columns: tuple[Column, ...]


class Format(StrEnum):
    xlsx = "xlsx"
    csv = "csv"


MEDIA_TYPES = {
    Format.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.csv: "text/csv",  # Werkzeug adds "; charset=utf-8"
}

_DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_SHEET_TITLE_MAX = 31
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_IN_XML = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
"""Control characters XML 1.0 cannot hold (openpyxl refuses them); tablets' text may."""


def write(table: LedgerTable, rows: Iterable[Sequence[Any]], out: BinaryIO,
          file_format: Format) -> None:
    """Write `rows` (tuples in column order) to `out` in `file_format`."""
    if file_format is Format.xlsx:
        write_xlsx(table, rows, out)
    else:
        write_csv(table, rows, out)


def write_xlsx(table: LedgerTable, rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    """A workbook of one sheet titled in Chinese: a bold, frozen header row, each column's
    width, and each value as its real type (numbers as numbers, dates as Excel dates)."""
    # openpyxl (and lxml under it) is imported here, not at the top: every server start and
    # `flask` command would otherwise pay for it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.alignment = bold, centred
        header.append(cell)
    sheet.append(header)
    types = [column.type for column in table.columns]
    for row in rows:
        sheet.append([_xlsx_cell(sheet, kind, value, WriteOnlyCell)
                      for kind, value in zip(types, row, strict=True)])
    book.save(out)


def write_csv(table: LedgerTable, rows: Iterable[Sequence[Any]], out: BinaryIO) -> None:
    """UTF-8 with a byte-order mark (without it Excel reads Chinese as GBK), the same
    columns as the workbook, dates as text Excel recognises."""
    stream = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(stream)
        writer.writerow([column.header for column in table.columns])
        types = [column.type for column in table.columns]
        for row in rows:
            writer.writerow([_csv_value(kind, value) for kind, value in zip(types, row,
                                                                             strict=True)])
        stream.flush()
    finally:
        stream.detach()  # `out` stays open for the caller


def content_disposition(name: str, fallback: str) -> str:
    """An attachment named `name` (Chinese, RFC 5987 ``filename*``), with an ASCII
    `fallback` for clients that read only ``filename``."""
    plain = "".join(ch for ch in fallback if 32 < ord(ch) < 127 and ch not in '"\\;')
    return (f'attachment; filename="{plain}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def file_names(table: LedgerTable, file_format: Format, day: date, *, full: bool = False
               ) -> tuple[str, str]:
    """(Chinese name, ASCII fallback) of an export made on `day`; a `full` one (personal
    data unmasked) says so in its name."""
    stamp = day.isoformat()
    qualifier = text("office.export.full_file") if full else ""
    return (f"{table.title}{qualifier}-{stamp}.{file_format}",
            f"minqing-{table.slug}{'-full' if full else ''}-{stamp}.{file_format}")


# --- values --------------------------------------------------------------------------------


def as_datetime(value: Any) -> datetime | None:
    """A moment as naive Beijing wall-clock time (what a spreadsheet cell holds)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        moment = datetime.fromtimestamp(value / 1000, CHINA)
    elif isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(CHINA)
    return moment.replace(tzinfo=None, microsecond=0)


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return as_datetime(value).date()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _plain_text(value: Any) -> str:
    return _ILLEGAL_IN_XML.sub("", str(value))


def _yes_no(value: Any) -> str | None:
    if value is None:
        return None
    return text("office.export.yes") if value else text("office.export.no")


def _xlsx_cell(sheet: Any, kind: ValueType, value: Any, cell_type: Any) -> Any:
    """A value as the sheet takes it; `cell_type` is openpyxl's `WriteOnlyCell`, for the
    values that need a format or a type of their own."""
    if value is None:
        return None
    if kind is ValueType.datetime or kind is ValueType.date:
        moment = as_datetime(value) if kind is ValueType.datetime else as_date(value)
        if moment is None:
            return _text_cell(sheet, value, cell_type)
        cell = cell_type(sheet, value=moment)
        cell.number_format = _DATETIME_FORMAT if kind is ValueType.datetime else _DATE_FORMAT
        return cell
    if kind is ValueType.number:
        return value if isinstance(value, int | float) and not isinstance(value, bool) \
            else _text_cell(sheet, value, cell_type)
    if kind is ValueType.boolean:
        return _yes_no(value)
    return _text_cell(sheet, value, cell_type)


def _text_cell(sheet: Any, value: Any, cell_type: Any) -> Any:
    """A string kept as text: openpyxl would store one beginning with "=" as a formula."""
    plain = _plain_text(value)
    if not plain.startswith("="):
        return plain
    cell = cell_type(sheet, value=plain)
    cell.data_type = "s"
    return cell


def _csv_value(kind: ValueType, value: Any) -> Any:
    if value is None:
        return ""
    if kind is ValueType.datetime:
        moment = as_datetime(value)
        return moment.strftime("%Y-%m-%d %H:%M") if moment else _csv_text(value)
    if kind is ValueType.date:
        day = as_date(value)
        return day.isoformat() if day else _csv_text(value)
    if kind is ValueType.boolean:
        return _yes_no(value)
    if kind is ValueType.number and isinstance(value, int | float) \
            and not isinstance(value, bool):
        return value
    return _csv_text(value)


def _csv_text(value: Any) -> str:
    plain = str(value)
    return "'" + plain if plain.startswith(_FORMULA_STARTS) else plain


def _sheet_title(title: str) -> str:
    """Excel refuses these characters in a sheet's title, and more than 31 of them."""
    return "".join(" " if ch in "[]:*?/\\" else ch for ch in title)[:_SHEET_TITLE_MAX]
