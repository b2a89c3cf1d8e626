"""Errors that carry a stable code: the API sends the code, screens show its catalogue text."""

from __future__ import annotations

from typing import ClassVar


class CodedError(ValueError):
    """Base of the sync core's refusals. Each subclass declares the codes it may carry, so a
    mistyped code fails where it is written instead of reaching a person untranslated."""

    CODES: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, code: str, detail: str) -> None:
        if code not in self.CODES:
            raise ValueError(f"{type(self).__name__} has no code {code!r}")
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
