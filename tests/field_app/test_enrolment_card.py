"""The enrolment card: the office's QR PNG, or the address and code typed in."""

from __future__ import annotations

import io
import sys

import pytest
from PIL import Image

from field_app.services.enrolment_card import (
    CardUnreadable,
    EnrolmentCard,
    card_from_text,
    read_card,
)
from server.services.enrolment import qr_png, qr_png_bytes


class TestReadingTheOfficesQrCard:
    def test_the_printed_png_gives_the_server_and_the_code(self, tmp_path):
        card = read_card(qr_png("K7Q2-9XHF-3MPA", tmp_path / "card.png",
                                "https://minqing.lixia.example/"))
        assert card == EnrolmentCard("https://minqing.lixia.example", "K7Q2-9XHF-3MPA")

    def test_a_photo_of_the_card_scaled_down_still_reads(self, tmp_path):
        image = Image.open(io.BytesIO(qr_png_bytes("K7Q2-9XHF-3MPA", "http://10.0.0.2:8000")))
        photo = tmp_path / "photo.jpg"
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(photo)
        assert read_card(photo).code == "K7Q2-9XHF-3MPA"

    def test_a_card_printed_without_an_address_leaves_it_to_be_typed(self, tmp_path):
        card = read_card(qr_png("K7Q2-9XHF-3MPA", tmp_path / "card.png"))
        assert card == EnrolmentCard("", "K7Q2-9XHF-3MPA")

    def test_a_picture_without_a_code_is_refused(self, tmp_path):
        blank = tmp_path / "blank.png"
        Image.new("L", (200, 200), 255).save(blank)
        with pytest.raises(CardUnreadable) as refused:
            read_card(blank)
        assert refused.value.code == "card_no_code"

    def test_a_file_that_is_no_picture_is_refused(self, tmp_path):
        not_a_picture = tmp_path / "card.png"
        not_a_picture.write_text("not a png")
        with pytest.raises(CardUnreadable) as refused:
            read_card(not_a_picture)
        assert refused.value.code == "card_image_unreadable"

    def test_another_kind_of_qr_code_is_refused(self):
        with pytest.raises(CardUnreadable) as refused:
            card_from_text("https://weixin.qq.com/some-group")
        assert refused.value.code == "card_not_minqing"


class TestTypingTheCard:
    def test_spaces_and_a_trailing_slash_are_tidied(self):
        card = EnrolmentCard.typed("  http://192.168.1.20:8000/ ", " K7Q2-9XHF-3MPA ")
        assert card == EnrolmentCard("http://192.168.1.20:8000", "K7Q2-9XHF-3MPA")

    @pytest.mark.parametrize("address", ["192.168.1.20:8000", "ftp://server", "http://", ""])
    def test_an_address_that_is_no_web_address_is_refused(self, address):
        with pytest.raises(CardUnreadable) as refused:
            EnrolmentCard.typed(address, "K7Q2-9XHF-3MPA")
        assert refused.value.code == "server_url_invalid"

    def test_an_empty_code_is_refused(self):
        with pytest.raises(CardUnreadable) as refused:
            EnrolmentCard.typed("http://192.168.1.20:8000", "   ")
        assert refused.value.code == "code_missing"


class TestWithoutAQrReader:
    def test_a_build_without_the_reader_asks_for_the_card_to_be_typed(
            self, tmp_path, monkeypatch):
        card = qr_png("K7Q2-9XHF-3MPA", tmp_path / "card.png", "http://10.0.0.2:8000")
        monkeypatch.setitem(sys.modules, "zxingcpp", None)  # as on an Android build
        with pytest.raises(CardUnreadable) as refused:
            read_card(card)
        assert refused.value.code == "card_reader_missing"
