"""巡防台账 (/office/ledgers/patrols) and a patrol's record page: filters, pages, scope, the
checkpoints in time order, findings and the route sketch. The sketch's geometry first
(pure), then a real server over HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from server.local import enrol_local_tablet
from server.services.office_ledgers import PAGE_SIZE
from server.services.patrol_sketch import route_sketch
from tests.server.fleet import FieldTablet, enrol_tablet
from tests.server.test_office_ledgers import records_listed, signed_in

# --- the route sketch ----------------------------------------------------------------------


class TestRouteSketch:
    def test_no_position_gives_no_sketch(self):
        assert route_sketch([]) is None

    def test_the_route_fills_the_box_inside_its_margin(self):
        sketch = route_sketch([(1, 36.65, 117.02), (2, 36.66, 117.03), (3, 36.655, 117.05)],
                              width=300, height=200, margin=20)
        xs = [point.x for point in sketch.points]
        ys = [point.y for point in sketch.points]
        assert min(xs) >= 20 - 1e-6 and max(xs) <= 280 + 1e-6
        assert min(ys) >= 20 - 1e-6 and max(ys) <= 180 + 1e-6
        assert math.isclose(max(xs) - min(xs), 260) or math.isclose(max(ys) - min(ys), 160)

    def test_north_is_up_and_east_is_right(self):
        sketch = route_sketch([(1, 36.650, 117.020), (2, 36.660, 117.030)])
        first, second = sketch.points
        assert second.y < first.y and second.x > first.x

    def test_both_axes_share_one_scale(self):
        # 1 km east, then 1 km north: the two legs are drawn the same length.
        lat = 36.65
        east = 1 / (111.32 * math.cos(math.radians(lat)))
        north = 1 / 111.32
        sketch = route_sketch([(1, lat, 117.0), (2, lat, 117.0 + east),
                               (3, lat + north, 117.0 + east)])
        a, b, c = sketch.points
        assert math.isclose(math.dist((a.x, a.y), (b.x, b.y)),
                            math.dist((b.x, b.y), (c.x, c.y)), rel_tol=0.01)

    def test_a_single_position_is_drawn_in_the_middle(self):
        sketch = route_sketch([(1, 36.65, 117.02)], width=300, height=200)
        assert (sketch.start.x, sketch.start.y) == (150, 100)
        assert sketch.start == sketch.end

    def test_points_keep_their_checkpoint_numbers_and_order(self):
        sketch = route_sketch([(1, 36.65, 117.02), (3, 36.66, 117.03)])
        assert [point.number for point in sketch.points] == [1, 3]
        assert sketch.polyline.count(",") == 2


# --- on the server -------------------------------------------------------------------------


def patrol(team_id: str = "t-yzs-residents", kind: str = "residents",
           grid_id: str = "g-yzs-03", **changes: Any) -> dict[str, Any]:
    return {
        "schema_version": 1, "grid_id": grid_id, "team_kind": kind, "team_id": team_id,
        "members": ["w-huangjun", "w-zhoumin"],
        "started_at": "2026-11-26T19:00:00+08:00", "ended_at": "2026-11-26T20:30:00+08:00",
        "checkpoints": [], "findings": [], **changes,
    }


def checkpoint(number: int, at: str, place: str, colour: str = "green",
               position: dict | None = None, note: str = "正常") -> dict[str, Any]:
    entry = {"id": f"cp-{number}", "at": at, "place": place, "note": note, "colour": colour}
    if position is not None:
        entry["position"] = position
    return entry


@pytest.fixture
def huangjun(app, office_server) -> FieldTablet:
    return enrol_tablet(app, office_server.url, "w-huangjun")


@pytest.fixture
def xugang(app, office_server) -> FieldTablet:
    """佛山苑物业保安巡防队's 徐刚."""
    tablet = enrol_local_tablet(app, office_server.url, "w-xugang", "patrol_member")
    return FieldTablet("w-xugang", tablet.writer, tablet.key, tablet.client)


@pytest.fixture
def patrols(huangjun, xugang) -> dict[str, str]:
    """Two evening patrols in 燕子山 (g-yzs-03 on the 26th, g-yzs-01 on the 27th) and one
    by 佛山苑's property security team."""
    ids = {
        "walked": huangjun.writer.create("patrol", patrol(
            checkpoints=[
                checkpoint(2, "2026-11-26T19:40:00+08:00", "3号楼北侧", "yellow",
                           {"lat": 36.6520, "lon": 117.0310}, "楼道口堆放纸箱"),
                checkpoint(1, "2026-11-26T19:10:00+08:00", "小区东门", "green",
                           {"lat": 36.6510, "lon": 117.0300}),
                checkpoint(3, "2026-11-26T20:10:00+08:00", "车棚", "red",
                           {"lat": 36.6530, "lon": 117.0290}, "充电线私拉"),
            ],
            findings=[{"id": "f-1", "at": "2026-11-26T20:12:00+08:00",
                       "text": "车棚有电动车私拉电线充电", "colour": "red"}])),
        "next_day": huangjun.writer.create("patrol", patrol(
            grid_id="g-yzs-01", started_at="2026-11-27T19:00:00+08:00",
            ended_at="2026-11-27T20:00:00+08:00",
            checkpoints=[checkpoint(1, "2026-11-27T19:20:00+08:00", "健身广场")])),
    }
    assert huangjun.push().accepted == 2
    ids["fsy"] = xugang.writer.create("patrol", patrol(
        "t-fsy-property", "property_security", "g-fsy-03", members=["w-xugang"]))
    assert xugang.push().accepted == 1
    return ids


class TestPatrolLedger:
    def test_community_staff_see_their_communitys_patrols_newest_first(self, office_server,
                                                                       patrols):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/patrols").text
        assert records_listed(page) == [patrols["next_day"], patrols["walked"]]
        assert "群众巡防队" in page and "燕子山社区群众巡防队" in page
        assert "2026-11-26 19:00" in page and "2026-11-26 20:30" in page

    def test_street_staff_see_every_community(self, office_server, patrols):
        page = signed_in(office_server, "w-gaoping").get("/office/ledgers/patrols").text
        assert len(records_listed(page)) == 3
        assert "物业保安巡防队" in page

    def test_filtering_by_team_kind_and_team(self, office_server, patrols):
        browser = signed_in(office_server, "w-gaoping")
        assert records_listed(browser.get(
            "/office/ledgers/patrols?kind=property_security").text) == [patrols["fsy"]]
        assert records_listed(browser.get(
            "/office/ledgers/patrols?team=t-yzs-residents").text) == [
            patrols["next_day"], patrols["walked"]]

    def test_filtering_by_grid_and_day(self, office_server, patrols):
        browser = signed_in(office_server, "w-liuyang")
        assert records_listed(browser.get(
            "/office/ledgers/patrols?grid=g-yzs-01").text) == [patrols["next_day"]]
        assert records_listed(browser.get(
            "/office/ledgers/patrols?from=2026-11-26&to=2026-11-26").text) == [
            patrols["walked"]]

    def test_the_team_choices_keep_to_the_area(self, office_server, patrols):
        page = signed_in(office_server, "w-liuyang").get("/office/ledgers/patrols").text
        assert 'value="t-yzs-residents"' in page and 't-fsy-property' not in page

    def test_another_communitys_patrol_is_not_listed(self, office_server, patrols):
        browser = signed_in(office_server, "w-liuyang")
        assert patrols["fsy"] not in records_listed(
            browser.get("/office/ledgers/patrols").text)
        page = browser.get("/office/ledgers/patrols?team=t-fsy-property").text
        assert records_listed(page) == [] and "没有符合条件的巡防记录" in page

    def test_another_communitys_patrol_is_not_found_by_its_url(self, office_server, patrols):
        answer = signed_in(office_server, "w-liuyang").get(f"/office/records/{patrols['fsy']}")
        assert answer.status_code == 404
        assert "不在您负责的范围内" in answer.text

    def test_a_bad_date_is_answered_in_chinese(self, office_server, patrols):
        answer = signed_in(office_server, "w-liuyang").get(
            "/office/ledgers/patrols?to=yesterday")
        assert answer.status_code == 400
        assert "“yesterday”不是有效日期" in answer.text

    def test_pages_hold_a_fixed_number_of_patrols(self, office_server, huangjun):
        for number in range(PAGE_SIZE + 5):
            huangjun.writer.create("patrol", patrol(
                started_at=f"2026-11-{1 + number % 28:02d}T19:{number % 60:02d}:00+08:00",
                ended_at="2026-11-28T23:00:00+08:00"))
        huangjun.push()
        browser = signed_in(office_server, "w-liuyang")
        first = browser.get("/office/ledgers/patrols").text
        second = browser.get("/office/ledgers/patrols?page=2").text
        assert (len(records_listed(first)), len(records_listed(second))) == (PAGE_SIZE, 5)
        assert f"第1页，共2页（{PAGE_SIZE + 5}条）" in first
        assert set(records_listed(first)).isdisjoint(records_listed(second))


class TestPatrolPage:
    def test_checkpoints_are_listed_in_time_order_with_colours_in_chinese(
            self, office_server, patrols):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{patrols['walked']}").text
        assert re.findall(r'data-checkpoint="(\d+)" data-colour="(\w+)"', page) == [
            ("1", "green"), ("2", "yellow"), ("3", "red")]
        table = page[page.index('class="checkpoints"'):]
        table = table[:table.index("</table>")]
        assert table.index("小区东门") < table.index("3号楼北侧") < table.index("车棚")
        assert "19:10" in table and "楼道口堆放纸箱" in table
        assert "绿" in table and "黄" in table and "红" in table

    def test_the_team_and_its_members_are_named(self, office_server, patrols):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{patrols['walked']}").text
        assert "燕子山社区群众巡防队" in page and "黄军、周敏" in page

    def test_findings_are_listed(self, office_server, patrols):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{patrols['walked']}").text
        assert "车棚有电动车私拉电线充电" in page
        assert len(re.findall(r"<tr data-finding", page)) == 1

    def test_the_route_is_sketched_through_the_numbered_checkpoints(self, office_server,
                                                                    patrols):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{patrols['walked']}").text
        svg = page[page.index("<svg"):page.index("</svg>")]
        points = re.search(r'<polyline points="([^"]+)"', svg).group(1).split()
        assert len(points) == 3
        assert re.findall(r'class="point" data-number="(\d)"', svg) == ["1", "2", "3"]
        start = re.search(r'class="start" cx="([\d.]+)" cy="([\d.]+)"', svg).groups()
        end = re.search(r'class="end" cx="([\d.]+)" cy="([\d.]+)"', svg).groups()
        assert ",".join(start) == points[0] and ",".join(end) == points[-1]
        assert "起" in svg and "终" in svg

    def test_without_positions_the_page_says_no_route_can_be_drawn(self, office_server,
                                                                    patrols):
        page = signed_in(office_server, "w-liuyang").get(
            f"/office/records/{patrols['next_day']}").text
        assert "<svg" not in page
        assert "巡查点都没有定位信息，无法画出路线示意" in page
        assert "这次巡防没有发现问题" in page
