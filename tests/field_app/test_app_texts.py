"""Every refusal the tablet's own services can raise has a Chinese message in the catalogue."""

from __future__ import annotations

import pytest

from field_app.services.enrolment_card import CardUnreadable
from field_app.services.pin_guard import GUARD_CODES
from field_app.services.sealed_store import SEALED_STORE_CODES
from field_app.services.vault import VAULT_CODES
from sync import catalogue

KEYS = sorted(
    [f"app.error.{code}" for code in VAULT_CODES | GUARD_CODES | SEALED_STORE_CODES
     | CardUnreadable.CODES]
    + [f"app.visit.{code}" for code in ("attachment_unreadable", "attachment_too_large")]
    + ["app.screening.outcome_required", "app.case.not_allowed", "app.disk_full",
       "app.sync.disk_full"]
)


@pytest.mark.parametrize("key", KEYS)
def test_code_has_chinese_text(key: str) -> None:
    message = catalogue.text(key)
    assert message != key
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
