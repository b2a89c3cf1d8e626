"""Chinese labels for field paths and vocabularies, read from `sync.catalogue`.

Kept apart from the schemas so screens can label fields without validating anything.
"""

from __future__ import annotations

from sync.catalogue import ZH, text
from sync.vocabulary import VOCABULARIES


def field_label(record_type: str, field: str) -> str:
    """The Chinese label of a dotted field path of a record type.

    List positions in the path are spelled out, so a message points at the right entry:
    ``field_label("visit", "requests.0.due_date")`` -> 群众诉求第1项的整改期限. The empty path
    names the record type itself. Never raises: an unknown field falls back to its name.
    """
    if not field:
        return text(f"label.record_type.{record_type}")
    segments = field.split(".")
    names: list[str] = []
    label = ""
    for segment in segments:
        if segment.isdigit():
            item = text("path.item", label=_lookup(record_type, names), number=int(segment) + 1)
            label = item if not label else text("path.of", outer=label, inner=item)
        else:
            names.append(segment)
    if segments[-1].isdigit():
        return label
    leaf = _lookup(record_type, names)
    return leaf if not label else text("path.of", outer=label, inner=leaf)


def choices_text(vocabulary: str) -> str:
    """The Chinese labels of every code of a vocabulary, in order, as one string."""
    codes = VOCABULARIES[vocabulary]
    return text("list.separator").join(text(f"label.{vocabulary}.{code}") for code in codes)


def _lookup(record_type: str, names: list[str]) -> str:
    """Label of a path without list positions: the record type's own, else the shared one."""
    for key in (f"field.{record_type}.{'.'.join(names)}", f"field.common.{names[-1]}"):
        if key in ZH:
            return text(key)
    return names[-1]
