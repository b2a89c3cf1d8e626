"""工作台: synced visits per grid, 一周一排查 coverage, open cases, what is overdue, quiet
tablets and the charts, each within the reader's area. Real server, real HTTP session,
real tablets, SQLite and PostgreSQL; dates are built from today's Beijing date.

Time passing is the one thing a test cannot wait for: where a figure depends on when a
tablet synced, the tablet syncs with a second server process on the same database whose
clock reads that day (`shifted_clock/sitecustomize.py`), as it would have then."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from server.local import start_server, stop_server
from server.services.enrolment import revoke
from server.services.office_dashboard import iso_week
from sync.deadlines import CHINA
from tests.server.fleet import dispute, enrol_tablet, visit
from tests.server.test_office_ledgers import signed_in

DAY_MS = 86_400_000


def today() -> date:
    return datetime.now(CHINA).date()


def at(day: date, clock: str = "09:30:00") -> str:
    """An ISO time on `day`, Beijing time, as a tablet writes it."""
    return f"{day.isoformat()}T{clock}+08:00"


def dashboard(server, worker_id: str = "w-liuyang") -> str:
    answer = signed_in(server, worker_id).get("/office/")
    assert answer.status_code == 200
    return answer.text


def visits_by_grid(page: str) -> dict[str, tuple[int, int]]:
    """Grid -> (synced yesterday, synced today)."""
    return {grid: (int(yesterday), int(today_)) for grid, yesterday, today_ in re.findall(
        r'data-grid="([^"]+)" data-yesterday="(\d+)" data-today="(\d+)"', page)}


def unscreened_grids(page: str) -> set[str]:
    return set(re.findall(r'data-screening-grid="([^"]+)" class="unscreened"', page))


def counted(page: str, attribute: str) -> dict[str, int]:
    return {key: int(count) for key, count in re.findall(
        rf'data-{attribute}="([^"]+)" data-count="(\d+)"', page)}


SHIFTED_CLOCK = Path(__file__).parent / "shifted_clock"


@pytest.fixture
def server_days_ago(office_server):
    """`server_days_ago(days)`: a second server process on the same database whose clock
    reads `days` days ago, at this time of day."""
    servers = {}

    def server(days: int):
        if days not in servers:
            env = office_server.env
            servers[days] = start_server({
                **env, "MINQING_TEST_CLOCK_SHIFT_MS": str(-days * DAY_MS),
                "PYTHONPATH": os.pathsep.join(filter(None, (str(SHIFTED_CLOCK),
                                                            env.get("PYTHONPATH"))))})
        return servers[days]

    yield server
    for running in servers.values():
        stop_server(running)


@pytest.fixture
def sync_days_ago(office_server, server_days_ago):
    """`sync_days_ago(tablet, days)` pushes the tablet's work as if it had synced `days`
    days ago (to `server_days_ago(days)`); it syncs with the usual server afterwards.
    Tests push in time order, as the ledger was written."""

    def push(tablet, days: int):
        tablet.client.base_url = server_days_ago(days).url
        try:
            return tablet.push()
        finally:
            tablet.client.base_url = office_server.url

    return push


@pytest.fixture
def wangfang(app, office_server):
    """王芳's tablet: grid worker of 燕子山路3号院 (g-yzs-03), 燕子山社区."""
    return enrol_tablet(app, office_server.url, "w-wangfang")


@pytest.fixture
def zhengwei(app, office_server):
    """郑伟's tablet: grid worker of g-fsy-03, 佛山苑社区."""
    return enrol_tablet(app, office_server.url, "w-zhengwei")


class TestSyncedVisits:
    def test_every_grid_of_the_area_is_listed_with_todays_visits_zero_included(
            self, office_server, wangfang):
        for number in (1, 2):
            wangfang.writer.create("visit", {**visit(number=number), "visited_at": at(today())})
        assert wangfang.push().accepted == 2
        assert visits_by_grid(dashboard(office_server)) == {
            "g-yzs-01": (0, 0), "g-yzs-02": (0, 0), "g-yzs-03": (0, 2)}

    def test_visits_synced_yesterday_are_counted_for_yesterday(self, office_server, wangfang,
                                                                sync_days_ago):
        wangfang.writer.create("visit", visit(number=1))
        assert sync_days_ago(wangfang, 1).accepted == 1
        for number in (2, 3):
            wangfang.writer.create("visit", visit(number=number))
        wangfang.push()
        assert visits_by_grid(dashboard(office_server))["g-yzs-03"] == (1, 2)

    def test_a_visit_counts_on_the_day_it_was_synced_not_the_day_it_was_made(
            self, office_server, wangfang):
        wangfang.writer.create("visit", {**visit(), "visited_at": at(today()
                                                                      - timedelta(days=5))})
        wangfang.push()
        assert visits_by_grid(dashboard(office_server))["g-yzs-03"] == (0, 1)

    def test_an_edit_synced_today_is_not_a_new_visit(self, office_server, wangfang,
                                                     sync_days_ago):
        record_id = wangfang.writer.create("visit", visit())
        sync_days_ago(wangfang, 1)
        wangfang.writer.update(record_id, {"situation": "补记：楼道灯已报修。"})
        assert wangfang.push().accepted == 1
        assert visits_by_grid(dashboard(office_server))["g-yzs-03"] == (1, 0)

    def test_visits_synced_before_yesterday_are_in_neither_column(self, office_server,
                                                                  wangfang, sync_days_ago):
        wangfang.writer.create("visit", visit())
        assert sync_days_ago(wangfang, 2).accepted == 1
        assert visits_by_grid(dashboard(office_server))["g-yzs-03"] == (0, 0)


def screening(grid_id: str = "g-yzs-03", *, week: str | None = None, scope: str = "weekly",
              worker_id: str = "w-wangfang") -> dict:
    return {
        "schema_version": 1,
        "grid_id": grid_id,
        "iso_week": week or iso_week(today()),
        "scope": scope,
        "screened_at": at(today(), "10:00:00"),
        "worker_id": worker_id,
        "screened_areas": ["1-3号楼"],
        "nothing_found": True,
        "case_ids": [],
    }


class TestScreeningCoverage:
    def test_grids_not_screened_this_week_stand_out_and_are_counted(self, office_server,
                                                                     wangfang):
        wangfang.writer.create("screening", screening())
        assert wangfang.push().accepted == 1
        page = dashboard(office_server)
        assert unscreened_grids(page) == {"g-yzs-01", "g-yzs-02"}
        assert "2个网格本周尚未排查" in page
        assert f"一周一排查（{iso_week(today())}）" in page

    def test_last_weeks_screening_does_not_cover_this_week(self, office_server, wangfang):
        wangfang.writer.create("screening", screening(
            week=iso_week(today() - timedelta(days=7))))
        wangfang.push()
        page = dashboard(office_server)
        assert unscreened_grids(page) == {"g-yzs-01", "g-yzs-02", "g-yzs-03"}
        assert "3个网格本周尚未排查" in page

    def test_the_streets_half_month_screening_shows_as_done(self, app, office_server):
        gaoping = enrol_tablet(app, office_server.url, "w-gaoping")
        gaoping.writer.create("screening", screening(
            "g-yzs-01", scope="half_month", worker_id="w-gaoping"))
        assert gaoping.push().accepted == 1
        for reader in ("w-gaoping", "w-lindong"):
            assert 'data-half-month="s-qianfoshan" data-done="yes"' in dashboard(
                office_server, reader)

    def test_without_a_half_month_screening_the_street_shows_as_not_done(self,
                                                                        office_server):
        page = dashboard(office_server, "w-gaoping")
        assert 'data-half-month="s-qianfoshan" data-done="no"' in page
        assert "尚未开展" in page

    def test_a_communitys_staff_are_not_shown_the_streets_half_month(self, office_server):
        assert "data-half-month" not in dashboard(office_server, "w-liuyang")

    def test_a_weekly_screening_is_not_the_streets_half_month_screening(self, office_server,
                                                                         wangfang):
        wangfang.writer.create("screening", screening())
        wangfang.push()
        assert 'data-done="no"' in dashboard(office_server, "w-gaoping")


class TestOpenCases:
    def test_open_cases_are_counted_by_risk_colour_and_escalation_level(self, office_server,
                                                                        wangfang):
        wangfang.writer.create("dispute", dispute(risk_colour="red"))
        wangfang.writer.create("dispute", dispute(risk_colour="yellow",
                                                  escalation_level="community"))
        wangfang.writer.create("dispute", dispute(risk_colour="green"))
        wangfang.writer.create("dispute", dispute(risk_colour="red", status="resolved"))
        assert wangfang.push().accepted == 4
        page = dashboard(office_server)
        assert counted(page, "colour") == {"green": 1, "yellow": 1, "red": 1}
        assert counted(page, "level") == {"grid": 2, "community": 1, "street": 0,
                                          "district": 0}
        assert "未办结的矛盾纠纷（3件）" in page

    def test_red_cases_are_listed_with_a_link_to_their_record(self, office_server, wangfang):
        red = wangfang.writer.create("dispute", dispute(risk_colour="red"))
        wangfang.writer.create("dispute", dispute(risk_colour="yellow"))
        wangfang.push()
        page = dashboard(office_server)
        assert re.findall(r'data-red-case="([^"]+)"', page) == [red]
        assert f'href="/office/records/{red}"' in page


class TestOverdue:
    def overdue_cases(self, page: str) -> set[str]:
        return set(re.findall(r'data-overdue-case="([^"]+)"', page))

    def test_a_case_past_its_written_due_date_is_overdue(self, office_server, wangfang):
        late = wangfang.writer.create("dispute", dispute(
            opened_at=at(today() - timedelta(days=3)),
            due_date=(today() - timedelta(days=1)).isoformat()))
        wangfang.writer.create("dispute", dispute(
            opened_at=at(today() - timedelta(days=60)), due_date=today().isoformat()))
        wangfang.push()
        page = dashboard(office_server)
        assert self.overdue_cases(page) == {late}
        assert "逾期未办结的矛盾纠纷（1件）" in page
        assert f'href="/office/records/{late}"' in page

    def test_a_leaders_instruction_is_late_after_a_week_other_matters_after_a_month(
            self, office_server, wangfang):
        ten_days_ago = at(today() - timedelta(days=10))
        leaders = wangfang.writer.create("dispute", dispute(
            opened_at=ten_days_ago, deadline_kind="leader_instruction"))
        wangfang.writer.create("dispute", dispute(opened_at=ten_days_ago,
                                                  deadline_kind="assigned"))
        wangfang.writer.create("dispute", dispute(opened_at=ten_days_ago))
        old = wangfang.writer.create("dispute", dispute(
            opened_at=at(today() - timedelta(days=40))))
        assert wangfang.push().accepted == 4
        page = dashboard(office_server)
        assert self.overdue_cases(page) == {leaders, old}
        assert 'data-overdue-cases="2"' in page
        assert (today() - timedelta(days=3)).isoformat() in page  # the leader's week ended

    def test_a_resolved_case_is_never_overdue(self, office_server, wangfang):
        wangfang.writer.create("dispute", dispute(
            status="resolved", opened_at=at(today() - timedelta(days=40))))
        wangfang.push()
        page = dashboard(office_server)
        assert self.overdue_cases(page) == set()
        assert "没有逾期未办结的矛盾纠纷" in page

    def test_an_unhandled_request_past_its_due_date_is_overdue(self, office_server,
                                                               wangfang):
        """Written last: 问题清单 rows come from the projection of each visit's requests."""
        three_days_ago = today() - timedelta(days=3)
        requests = [
            {"id": "rq-late", "service_class": "living", "summary": "楼道灯不亮",
             "problem_list": "fix_now"},
            {"id": "rq-handled", "service_class": "living", "summary": "垃圾桶破损",
             "problem_list": "fix_now"},
            {"id": "rq-not-yet", "service_class": "government", "summary": "补办居住证明",
             "problem_list": "fix_by_deadline",
             "due_date": (today() + timedelta(days=1)).isoformat()},
            {"id": "rq-on-file", "service_class": "legal", "summary": "房屋产权纠纷",
             "problem_list": "cannot_fix", "explanation": "已告知需走诉讼程序。"},
        ]
        record_id = wangfang.writer.create("visit", {**visit(), "visited_at": at(three_days_ago),
                                                     "requests": requests})
        wangfang.writer.add(record_id, "request_progress", {
            "id": "p-1", "request_id": "rq-handled", "step": "handled",
            "at": at(three_days_ago, "15:00:00"), "by": "w-wangfang"})
        assert wangfang.push().accepted == 2
        page = dashboard(office_server)
        assert re.findall(r'data-overdue-request="([^"]+)"', page) == ["rq-late"]
        assert "逾期未办理的群众诉求（1件）" in page
        assert "即知即改" in page and f'href="/office/records/{record_id}"' in page


class TestQuietDevices:
    def test_a_tablet_silent_for_three_days_is_listed_with_its_worker_and_last_sync(
            self, app, office_server, wangfang, sync_days_ago):
        zhaolei = enrol_tablet(app, office_server.url, "w-zhaolei")
        for tablet, days in ((wangfang, 4), (zhaolei, 2)):
            tablet.writer.create("visit", visit())
            sync_days_ago(tablet, days)
        page = dashboard(office_server)
        assert re.findall(r'data-device="([^"]+)"', page) == [wangfang.writer.device_id]
        row = page[page.index(f'data-device="{wangfang.writer.device_id}"'):]
        row = row[:row.index("</tr>")]
        assert "王芳" in row
        assert (today() - timedelta(days=4)).isoformat() in row  # its last sync
        assert "3天以上未同步的平板（1台）" in page

    def test_a_tablet_that_never_synced_counts_from_its_enrolment(self, app, office_server,
                                                                  server_days_ago):
        old = enrol_tablet(app, server_days_ago(3).url, "w-wangfang")
        enrol_tablet(app, office_server.url, "w-zhaolei")
        page = dashboard(office_server)
        assert re.findall(r'data-device="([^"]+)"', page) == [old.writer.device_id]
        assert "从未同步" in page

    def test_a_revoked_tablet_is_not_listed(self, app, office_server, wangfang,
                                            sync_days_ago):
        wangfang.writer.create("visit", visit())
        sync_days_ago(wangfang, 10)
        with app.app_context():
            revoke(wangfang.writer.device_id, "平板丢失")
        page = dashboard(office_server)
        assert "data-device=" not in page
        assert "各平板近3天内均有同步" in page


def bars(page: str, chart: str) -> dict[str, int]:
    figure = page[page.index(f'id="{chart}"'):]
    figure = figure[:figure.index("</figure>")]
    return {name: int(count) for name, count in re.findall(
        r'data-bar="([^"]+)" data-count="(\d+)"', figure)}


class TestCharts:
    def test_visits_per_day_are_an_svg_bar_chart_of_the_last_30_days(self, office_server,
                                                                      wangfang,
                                                                      sync_days_ago):
        wangfang.writer.create("visit", visit(number=1))
        sync_days_ago(wangfang, 30)  # before the chart's first day
        wangfang.writer.create("visit", visit(number=2))
        sync_days_ago(wangfang, 1)
        yesterday = today() - timedelta(days=1)
        for number in (3, 4):
            wangfang.writer.create("visit", visit(number=number))
        wangfang.push()
        page = dashboard(office_server)
        days = bars(page, "chart-visits")
        assert len(days) == 30
        assert days[f"{today().month}月{today().day}日"] == 2
        assert days[f"{yesterday.month}月{yesterday.day}日"] == 1
        assert sum(days.values()) == 3
        assert '<svg role="img" aria-labelledby="chart-visits-title chart-visits-desc"' in page
        assert '<title id="chart-visits-title">近30天每日同步的走访</title>' in page
        assert "合计3次" in page  # the text a screen reader reads

    def test_open_cases_are_charted_by_category_with_chinese_labels(self, office_server,
                                                                    wangfang):
        wangfang.writer.create("dispute", dispute(category="property"))
        wangfang.writer.create("dispute", dispute(category="property"))
        wangfang.writer.create("dispute", dispute(category="civil"))
        wangfang.push()
        assert bars(dashboard(office_server), "chart-cases") == {
            "投诉类": 0, "物业管理类": 2, "投资担保及涉嫌非法集资类": 0, "人民调解范围内": 1}

    def test_every_bar_names_its_figure_for_those_who_cannot_see_it(self, office_server,
                                                                    wangfang):
        wangfang.writer.create("dispute", dispute(category="complaint"))
        wangfang.push()
        page = dashboard(office_server)
        assert "<title>投诉类：1件</title>" in page
        assert "<td>投诉类</td><td>1件</td>" in page  # the figures as a table, too


class TestScope:
    @pytest.fixture
    def both_communities(self, app, office_server, sync_days_ago):
        """In each community: an overdue red case from a tablet silent for five days, and a
        visit synced today from another tablet of the same grid worker.
        Returns {grid: (the case, the quiet tablet's device)}."""
        made = {}
        for worker_id, grid_id in (("w-wangfang", "g-yzs-03"), ("w-zhengwei", "g-fsy-03")):
            quiet = enrol_tablet(app, office_server.url, worker_id)
            case_id = quiet.writer.create("dispute", dispute(
                grid_id, risk_colour="red", opened_by=worker_id,
                due_date=(today() - timedelta(days=2)).isoformat()))
            assert sync_days_ago(quiet, 5).accepted == 1
            made[grid_id] = (case_id, quiet.writer.device_id)
        for worker_id, grid_id in (("w-wangfang", "g-yzs-03"), ("w-zhengwei", "g-fsy-03")):
            tablet = enrol_tablet(app, office_server.url, worker_id)
            tablet.writer.create("visit", {**visit(grid_id), "worker_id": worker_id})
            assert tablet.push().accepted == 1
        return made

    def test_community_staff_see_only_their_communitys_grids_cases_and_devices(
            self, office_server, both_communities):
        page = dashboard(office_server, "w-liuyang")
        assert set(visits_by_grid(page)) == {"g-yzs-01", "g-yzs-02", "g-yzs-03"}
        assert not re.search(r"g-fsy-0\d", page)
        case_id, device_id = both_communities["g-yzs-03"]
        assert re.findall(r'data-red-case="([^"]+)"', page) == [case_id]
        assert re.findall(r'data-overdue-case="([^"]+)"', page) == [case_id]
        assert re.findall(r'data-device="([^"]+)"', page) == [device_id]
        assert "郑伟" not in page

    def test_street_staff_see_both_communities(self, office_server, both_communities):
        page = dashboard(office_server, "w-gaoping")
        assert set(visits_by_grid(page)) == {"g-yzs-01", "g-yzs-02", "g-yzs-03",
                                             "g-fsy-01", "g-fsy-02", "g-fsy-03"}
        assert visits_by_grid(page)["g-fsy-03"] == (0, 1)
        cases, devices = zip(*both_communities.values(), strict=True)
        assert set(re.findall(r'data-red-case="([^"]+)"', page)) == set(cases)
        assert set(re.findall(r'data-device="([^"]+)"', page)) == set(devices)
