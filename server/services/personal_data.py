"""Masking residents' phone and ID numbers on the office's pages.

Office pages show phone numbers and ID numbers partly hidden (138****5678,
370102********1234): enough to tell two people apart, not enough to call or impersonate
them. Which roles may see them whole, and the log of who did, come with the exports.
"""

from __future__ import annotations

from typing import Any

PERSONAL_NUMBERS = frozenset({"phone", "id_number"})
"""Field names, at any depth of a record, whose values are masked."""


def mask_number(value: str) -> str:
    """Keep the first three (a phone) or six (an ID: the issuing area) characters and the
    last four; hide the rest."""
    keep = 6 if len(value) == 18 else 3
    if len(value) <= keep + 4:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def masked(value: Any) -> Any:
    """`value` with every phone and ID number in it masked (a copy; the input is kept)."""
    if isinstance(value, dict):
        return {key: mask_number(item) if key in PERSONAL_NUMBERS and isinstance(item, str)
                else masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value
