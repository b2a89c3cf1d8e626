"""Every code the sync core can show a person has Chinese text in the one catalogue."""

from __future__ import annotations

import pytest

from sync import catalogue
from sync.chain import CHAIN_CODES, ChainBroken
from sync.client_errors import CLIENT_CODES
from sync.merge import CONFLICT_KINDS, REVIEW_KINDS
from sync.replica import QUARANTINE_CODES
from sync.writer import EDIT_CODES

KEYS = sorted(
    [f"sync.{code}" for code in CHAIN_CODES | QUARANTINE_CODES | {"clock_skew"}]
    + [f"edit.{code}" for code in EDIT_CODES]
    + [f"conflict.{kind}" for kind in CONFLICT_KINDS]
    + [f"review.{kind}" for kind in REVIEW_KINDS]
    + [f"client.{code}" for code in CLIENT_CODES - {"server_error"}]
)


@pytest.mark.parametrize("key", KEYS)
def test_code_has_chinese_text(key: str) -> None:
    message = catalogue.text(key)
    assert message != key
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_an_error_with_a_code_outside_the_catalogue_cannot_be_raised() -> None:
    with pytest.raises(ValueError, match="ChainBroken has no code 'made_up'"):
        ChainBroken("made_up", "a typo in a code is caught where it is written")


def test_message_parameters_are_filled_in() -> None:
    message = catalogue.text("sync.clock_skew", days=3)
    assert message == "设备时钟偏差约3天，请校准时间（记录照常接收）"
