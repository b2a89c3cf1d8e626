"""Phone and ID numbers partly hidden on office pages (`server.services.personal_data`)."""

from __future__ import annotations

from server.services.personal_data import mask_number, masked


class TestMasking:
    def test_a_mobile_number_keeps_its_first_three_and_last_four_digits(self):
        assert mask_number("13812345678") == "138****5678"

    def test_an_id_number_keeps_its_area_and_its_last_four(self):
        assert mask_number("370102199001011231") == "370102********1231"

    def test_a_landline_keeps_its_area_code_start(self):
        assert mask_number("0531-86951234") == "053******1234"

    def test_a_short_number_is_hidden_whole(self):
        assert mask_number("110") == "***"

    def test_numbers_are_masked_at_any_depth_and_nothing_else_is(self):
        record = {"parties": [{"name": "刘志强", "phone": "13812345678"}], "phone": None,
                  "note": "13812345678"}
        assert masked(record) == {"parties": [{"name": "刘志强", "phone": "138****5678"}],
                                  "phone": None, "note": "13812345678"}

    def test_the_original_is_left_as_it_was(self):
        record = {"phone": "13812345678"}
        masked(record)
        assert record == {"phone": "13812345678"}
