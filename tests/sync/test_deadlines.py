"""Deadlines: the "111" promise for cases and the problem lists' due dates for requests."""

from datetime import date

from sync.deadlines import (
    add_month,
    case_due_date,
    china_date,
    is_late,
    is_overdue,
    request_due_date,
)


class TestCaseDueDate:
    def test_a_leaders_instruction_is_due_a_week_after_it_was_opened(self):
        assert case_due_date("2026-11-02T09:00:00+08:00", "leader_instruction") == date(
            2026, 11, 9)

    def test_a_locally_opened_case_is_due_a_month_after(self):
        assert case_due_date("2026-11-02T09:00:00+08:00") == date(2026, 12, 2)

    def test_an_assigned_case_is_due_a_month_after(self):
        assert case_due_date("2026-11-02T09:00:00+08:00", "assigned") == date(2026, 12, 2)

    def test_a_due_date_written_on_the_case_wins(self):
        assert case_due_date("2026-11-02T09:00:00+08:00", "leader_instruction",
                             "2026-11-05") == date(2026, 11, 5)

    def test_the_day_opened_is_the_beijing_day(self):
        # 20:00 UTC on 1 Nov is 04:00 on 2 Nov in Beijing.
        assert case_due_date("2026-11-01T20:00:00+00:00", "leader_instruction") == date(
            2026, 11, 9)

    def test_an_unreadable_opening_time_gives_no_due_date(self):
        assert case_due_date("yesterday") is None


class TestRequestDueDate:
    def test_fix_now_is_due_the_next_day(self):
        assert request_due_date("2026-11-02T09:00:00+08:00", "fix_now") == date(2026, 11, 3)

    def test_fix_by_deadline_is_due_on_its_written_date(self):
        assert request_due_date("2026-11-02T09:00:00+08:00", "fix_by_deadline",
                                "2026-11-20") == date(2026, 11, 20)

    def test_cannot_fix_is_never_due(self):
        assert request_due_date("2026-11-02T09:00:00+08:00", "cannot_fix") is None


def test_a_month_after_the_31st_is_the_last_day_of_a_shorter_month():
    assert add_month(date(2027, 1, 31)) == date(2027, 2, 28)
    assert add_month(date(2026, 12, 15)) == date(2027, 1, 15)


def test_china_date_reads_a_plain_date():
    assert china_date("2026-11-05") == date(2026, 11, 5)


class TestLateness:
    def test_done_on_the_due_day_is_on_time(self):
        assert not is_late(date(2026, 11, 5), date(2026, 11, 5), date(2026, 12, 1))

    def test_done_after_the_due_day_is_late(self):
        assert is_late(date(2026, 11, 5), date(2026, 11, 6), date(2026, 12, 1))

    def test_not_done_after_the_due_day_is_late_and_overdue(self):
        assert is_late(date(2026, 11, 5), None, date(2026, 11, 6))
        assert is_overdue(date(2026, 11, 5), False, date(2026, 11, 6))

    def test_not_done_on_the_due_day_is_not_yet_overdue(self):
        assert not is_overdue(date(2026, 11, 5), False, date(2026, 11, 5))

    def test_nothing_without_a_due_date_is_late(self):
        assert not is_late(None, None, date(2026, 11, 6))
        assert not is_overdue(None, False, date(2026, 11, 6))
