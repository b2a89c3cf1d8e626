"""Roster import: the grid tree and its people from a YAML or CSV file, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask import Flask

from server.extensions import db
from server.models import Community, Grid, Household, PatrolTeam, RosterVersion, Street, Worker
from server.services.roster_import import current_roster_version, import_roster
from server.services.roster_problems import ROSTER_CODES, RosterInvalid
from sync.catalogue import ZH
from tests.server.conftest import flask_command
from tests.server.roster_examples import line_of, roster, write_yaml

DEMO_ROSTER = Path(__file__).resolve().parents[2] / "server" / "demo" / "roster.yaml"


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.query(model).count()
            for model in (Street, Community, Grid, PatrolTeam, Worker, Household)}


def _snapshot() -> dict[str, object]:
    """Everything an import may write, to compare before and after."""
    households = {h.id: (h.head_name, h.phone, h.roster_version)
                  for h in db.session.query(Household)}
    workers = {w.id: (w.name, w.grid_id, w.roster_version) for w in db.session.query(Worker)}
    return {"counts": _counts(), "version": current_roster_version(),
            "households": households, "workers": workers}


def _refusal(path: Path) -> RosterInvalid:
    with pytest.raises(RosterInvalid) as refused:
        import_roster(path)
    db.session.rollback()
    return refused.value


class TestAGoodFile:
    def test_a_yaml_file_creates_every_row(self, app: Flask, tmp_path: Path) -> None:
        path = write_yaml(tmp_path / "roster.yaml", roster())
        with app.app_context():
            result = import_roster(path)
            assert _counts() == {"Street": 1, "Community": 1, "Grid": 2, "PatrolTeam": 1,
                                 "Worker": 7, "Household": 3}
            assert result.counts["households"].created == 3
            household = db.session.get(Household, "h-01")
            assert household.key_household is True
            assert household.id_number == "370102194203151221"

    def test_every_worker_gets_the_street_and_community_its_role_implies(
            self, app: Flask, tmp_path: Path) -> None:
        path = write_yaml(tmp_path / "roster.yaml", roster())
        with app.app_context():
            import_roster(path)
            places = {w.id: (w.street_id, w.community_id, w.grid_id, w.team_id)
                      for w in db.session.query(Worker)}
        assert places == {
            "w-wangfang": ("s-qfs", "c-yzs", "g-yzs-01", None),
            "w-zhaolei": ("s-qfs", "c-yzs", "g-yzs-02", None),
            "w-huangjun": ("s-qfs", "c-yzs", None, "t-yzs"),
            "w-liming": ("s-qfs", "c-yzs", None, None),
            "w-liuyang": ("s-qfs", "c-yzs", None, None),
            "w-gaoping": ("s-qfs", None, None, None),
            "w-lindong": ("s-qfs", None, None, None),
        }

    def test_a_csv_file_with_a_kind_column_imports_like_the_yaml(
            self, app: Flask, tmp_path: Path) -> None:
        path = tmp_path / "roster.csv"
        columns = ["kind", "id", "name", "street_id", "community_id", "grid_id", "team_id",
                   "team_kind", "role", "phone", "head_name", "key_household"]
        rows = [
            {"kind": "streets", "id": "s-qfs", "name": "千佛山街道"},
            {"kind": "社区", "id": "c-yzs", "street_id": "s-qfs", "name": "燕子山社区"},
            {"kind": "grids", "id": "g-1", "community_id": "c-yzs", "name": "一区"},
            {"kind": "patrol_teams", "id": "t-1", "community_id": "c-yzs",
             "team_kind": "群众巡防队", "name": "群众巡防队"},
            {"kind": "workers", "id": "w-1", "name": "王芳", "role": "网格员",
             "grid_id": "g-1", "phone": "13905310001"},
            {"kind": "households", "id": "h-1", "grid_id": "g-1", "head_name": "张秀英",
             "key_household": "是"},
        ]
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, columns)
            writer.writeheader()
            writer.writerows(rows)
        with app.app_context():
            import_roster(path)
            assert db.session.get(PatrolTeam, "t-1").kind == "residents"
            worker = db.session.get(Worker, "w-1")
            assert (worker.role, worker.street_id) == ("grid_worker", "s-qfs")
            assert db.session.get(Household, "h-1").key_household is True

    def test_rows_may_refer_to_parents_imported_before(self, app: Flask, tmp_path: Path) -> None:
        tree = roster()
        people = {"workers": tree.pop("workers"), "households": tree.pop("households")}
        with app.app_context():
            import_roster(write_yaml(tmp_path / "tree.yaml", tree))
            import_roster(write_yaml(tmp_path / "people.yaml", people))
            assert db.session.get(Worker, "w-huangjun").street_id == "s-qfs"

    def test_the_demo_roster_is_valid(self, app: Flask) -> None:
        with app.app_context():
            result = import_roster(DEMO_ROSTER)
            roles = {role for (role,) in db.session.query(Worker.role).distinct()}
        assert result.counts["grids"].created == 6
        assert result.counts["households"].created == 48
        assert roles == {"grid_worker", "patrol_member", "mediator", "community_staff",
                         "street_staff", "district_admin"}


class TestABadRow:
    def test_a_bad_row_anywhere_leaves_the_database_untouched(
            self, app: Flask, tmp_path: Path) -> None:
        with app.app_context():
            import_roster(write_yaml(tmp_path / "first.yaml", roster()))
            before = _snapshot()
            changed = roster()
            changed["streets"].append({"id": "s-new", "name": "新街道"})
            changed["households"][0]["head_name"] = "改过的名字"
            changed["workers"][0]["name"] = "王芳芳"
            changed["households"][-1]["phone"] = "12345"
            _refusal(write_yaml(tmp_path / "second.yaml", changed))
            assert _snapshot() == before

    def test_the_problem_names_the_line_and_the_field(self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["households"][1]["phone"] = "12345"
        path = write_yaml(tmp_path / "roster.yaml", data)
        with app.app_context():
            [problem] = _refusal(path).problems
        line = line_of(path, "id: h-02")
        assert (problem.code, problem.field, problem.line, problem.row_id) == (
            "invalid_phone", "phone", line, "h-02")
        assert str(problem).startswith(f"roster.yaml第{line}行（住户“h-02”）：联系电话")

    def test_every_bad_row_is_reported_not_only_the_first(
            self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["households"][0]["id_number"] = "370102194203151225"
        data["workers"][2]["role"] = "boss"
        data["grids"][1].pop("name")
        with app.app_context():
            problems = _refusal(write_yaml(tmp_path / "roster.yaml", data)).problems
        assert [(p.kind, p.field, p.code) for p in problems] == [
            ("grids", "name", "required"),
            ("workers", "role", "invalid_choice"),
            ("households", "id_number", "invalid_id_number"),
        ]

    def test_a_parent_in_neither_the_file_nor_the_database_is_refused(
            self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["households"][2]["grid_id"] = "g-nowhere"
        with app.app_context():
            [problem] = _refusal(write_yaml(tmp_path / "roster.yaml", data)).problems
        assert (problem.code, problem.field) == ("unknown_reference", "grid_id")
        assert "g-nowhere" in str(problem)

    def test_a_repeated_id_is_refused_naming_the_first_line(
            self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["households"].append({**data["households"][0], "head_name": "另一户"})
        path = write_yaml(tmp_path / "roster.yaml", data)
        with app.app_context():
            [problem] = _refusal(path).problems
        assert problem.code == "duplicate_id"
        assert f"第{line_of(path, 'id: h-01')}行" in problem.message

    def test_a_worker_without_the_place_their_role_needs_is_refused(
            self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["workers"][2].pop("team_id")
        with app.app_context():
            [problem] = _refusal(write_yaml(tmp_path / "roster.yaml", data)).problems
        assert (problem.code, problem.field) == ("required_for_role", "team_id")
        assert "巡防队员" in problem.message

    def test_a_worker_whose_community_contradicts_their_grid_is_refused(
            self, app: Flask, tmp_path: Path) -> None:
        data = roster()
        data["communities"].append({"id": "c-other", "street_id": "s-qfs", "name": "另一社区"})
        data["workers"][0]["community_id"] = "c-other"
        with app.app_context():
            [problem] = _refusal(write_yaml(tmp_path / "roster.yaml", data)).problems
        assert (problem.code, problem.field) == ("place_mismatch", "community_id")

    def test_a_file_that_is_not_yaml_is_refused_with_its_line(
            self, app: Flask, tmp_path: Path) -> None:
        path = tmp_path / "roster.yaml"
        path.write_text("streets:\n  - id: s-1\n   name: 街道\n", encoding="utf-8")
        with app.app_context():
            [problem] = _refusal(path).problems
        assert (problem.code, problem.line) == ("invalid_yaml", 3)

    @pytest.mark.parametrize("code", sorted(ROSTER_CODES))
    def test_every_problem_code_has_chinese_text(self, code: str) -> None:
        assert f"roster.error.{code}" in ZH or f"error.{code}" in ZH


class TestReimport:
    def test_importing_the_same_file_again_changes_nothing(
            self, app: Flask, tmp_path: Path) -> None:
        path = write_yaml(tmp_path / "roster.yaml", roster())
        with app.app_context():
            import_roster(path)
            before = _snapshot()
            result = import_roster(path)
            assert not result.changed
            assert result.counts["households"].unchanged == 3
            assert _snapshot() == before
            assert current_roster_version() == 1

    def test_a_change_bumps_the_version_and_marks_only_the_changed_rows(
            self, app: Flask, tmp_path: Path) -> None:
        with app.app_context():
            import_roster(write_yaml(tmp_path / "first.yaml", roster()))
            changed = roster()
            changed["households"][1]["phone"] = "13905319999"
            result = import_roster(write_yaml(tmp_path / "second.yaml", changed))
            assert result.roster_version == 2
            assert result.counts["households"].updated == 1
            versions = {h.id: h.roster_version for h in db.session.query(Household)}
            assert versions == {"h-01": 1, "h-02": 2, "h-03": 1}
            assert {w.roster_version for w in db.session.query(Worker)} == {1}
            assert db.session.get(RosterVersion, 1).value == 2

    def test_a_worker_can_be_moved_to_another_grid(self, app: Flask, tmp_path: Path) -> None:
        with app.app_context():
            import_roster(write_yaml(tmp_path / "first.yaml", roster()))
            moved = roster()
            moved["workers"][0]["grid_id"] = "g-yzs-02"
            import_roster(write_yaml(tmp_path / "second.yaml", moved))
            worker = db.session.get(Worker, "w-wangfang")
            assert (worker.grid_id, worker.roster_version) == ("g-yzs-02", 2)


class TestCommand:
    def test_import_roster_prints_a_chinese_summary(
            self, app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
        path = write_yaml(tmp_path / "roster.yaml", roster())
        done = flask_command(server_env, "import-roster", str(path))
        assert "名册导入完成" in done.stdout
        assert "住户：新增3，更新0，未变0" in done.stdout
        again = flask_command(server_env, "import-roster", str(path))
        assert "名册没有变化" in again.stdout

    def test_import_roster_with_a_bad_row_prints_it_and_exits_1_writing_nothing(
            self, app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
        data = roster()
        data["households"][2]["id_number"] = "12345"
        path = write_yaml(tmp_path / "roster.yaml", data)
        refused = flask_command(server_env, "import-roster", str(path), check=False)
        assert refused.returncode == 1
        assert f"roster.yaml第{line_of(path, 'id: h-03')}行" in refused.stderr
        assert "身份证号码" in refused.stderr
        with app.app_context():
            assert sum(_counts().values()) == 0

    def test_seed_demo_imports_the_demo_street_and_prints_a_code(
            self, app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
        qr = tmp_path / "demo.png"
        first = flask_command(server_env, "seed-demo", "--qr", str(qr))
        second = flask_command(server_env, "seed-demo", "--qr", str(qr))
        assert "王芳（w-wangfang）" in first.stdout
        assert "名册没有变化" in second.stdout
        assert qr.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        with app.app_context():
            assert db.session.get(Street, "s-qianfoshan").name == "千佛山街道"
