"""Vocabulary codes as a Spinner shows them (their catalogue labels) and back."""

from __future__ import annotations

from enum import StrEnum

from sync.catalogue import label


def labels_of(vocabulary: type[StrEnum]) -> list[str]:
    return [label(code) for code in vocabulary]


def code_of(vocabulary: type[StrEnum], shown: str) -> str | None:
    """The code whose label is `shown`; None for anything else (a Spinner's empty text)."""
    return next((code.value for code in vocabulary if label(code) == shown), None)
