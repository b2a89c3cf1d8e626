"""A tablet's sync with a real server: what went, what came, what waits, and what is kept
when the network or the office stops it."""

from __future__ import annotations

from field_app.services.device_profile import ProfileFile
from field_app.services.sync_run import SyncRun, SyncStep
from field_app.services.tablet import Tablet, TabletFiles
from field_app.services.vault import Vault
from server.services.enrolment import revoke
from tests.field_app.conftest import PIN, QUICK_RETRIES, set_up_tablet
from tests.server.fleet import dispute, enrol_tablet, visit
from tests.waiting import wait_for


def record_visit(tablet: Tablet, number: int = 1) -> str:
    with tablet.turn:
        return tablet.writer.create("visit", visit(number=number))


def sync(tablet: Tablet):
    assert tablet.sync is not None
    assert tablet.sync.sync_now()
    return tablet.sync.wait(60)


class TestFirstRun:
    def test_an_enrolled_tablet_knows_its_worker_and_grid(self, tablet):
        profile = tablet.profile
        assert (profile.worker_id, profile.role, profile.grid_id) == (
            "w-wangfang", "grid_worker", "g-yzs-03")

    def test_the_pin_reopens_the_tablet_after_a_restart(self, tablet):
        record_visit(tablet)
        tablet.close()
        files = TabletFiles(tablet.files.folder)
        reopened = Tablet.open(files, Vault(files.vault).unlock(PIN), settings=QUICK_RETRIES)
        try:
            assert len(list(reopened.replica.records("visit"))) == 1
            assert reopened.profile.device_id == tablet.profile.device_id
        finally:
            reopened.close()


class TestSyncing:
    def test_a_saved_visit_is_sent_and_nothing_waits_after(self, tablet):
        record_visit(tablet)
        outcome = sync(tablet)
        assert outcome.succeeded
        assert (outcome.sent, outcome.waiting) == (1, 0)

    def test_the_first_pull_brings_the_grids_roster(self, tablet):
        sync(tablet)
        roster = tablet.profile.roster
        assert roster is not None
        assert [grid["id"] for grid in roster["grids"]] == ["g-yzs-03"]
        assert roster["households"]

    def test_a_finished_sync_is_remembered_with_its_time(self, tablet):
        outcome = sync(tablet)
        assert tablet.profile.last_sync_ms == outcome.finished_at_ms > 0

    def test_what_another_tablet_of_the_grid_sent_arrives(self, app, field_server, tablet):
        colleague = enrol_tablet(app, field_server.url, "w-liming")  # the community's mediator
        case_id = colleague.writer.create("dispute", dispute())
        colleague.push()
        outcome = sync(tablet)
        assert outcome.received >= 1
        assert tablet.replica.record(case_id)["values"]["description"] == dispute()["description"]

    def test_progress_is_reported_for_the_push_and_then_the_pull(self, tablet):
        for number in range(1, 4):
            record_visit(tablet, number)
        steps: list[SyncStep] = []
        profile_file = ProfileFile(tablet.files.profile, tablet.profile_file._key)
        SyncRun(tablet.client, tablet.writer, profile_file, turn=tablet.turn,
                batch_size=1).run(steps.append)
        assert [step.phase for step in steps][:3] == ["push"] * 3
        assert steps[2].items == 3
        assert steps[-1].phase == "pull"

    def test_a_second_sync_while_one_runs_is_not_started(self, tablet):
        assert tablet.sync is not None
        tablet.sync.run.turn.acquire()  # hold the first sync at its first touch of the replica
        try:
            record_visit(tablet)
            assert tablet.sync.sync_now()
            assert not tablet.sync.sync_now()
        finally:
            tablet.sync.run.turn.release()
        assert tablet.sync.wait(60).succeeded


class TestWhenSyncCannotFinish:
    def test_an_unreachable_server_is_said_and_the_visit_waits(self, app, field_server,
                                                                 tmp_path):
        tablet = set_up_tablet(app, field_server, tmp_path / "t")
        try:
            record_visit(tablet)
            tablet.client.base_url = "http://127.0.0.1:9"  # nothing listens there
            outcome = sync(tablet)
            assert outcome.problem is not None
            assert outcome.problem.code == "server_unreachable"
            assert outcome.waiting == 1
            assert tablet.profile.last_sync_ms is None
        finally:
            tablet.close()

    def test_a_retry_after_the_network_returns_sends_what_waited(self, app, field_server,
                                                                   tmp_path):
        tablet = set_up_tablet(app, field_server, tmp_path / "t")
        try:
            record_visit(tablet)
            tablet.client.base_url = "http://127.0.0.1:9"
            sync(tablet)
            tablet.client.base_url = field_server.url
            outcome = sync(tablet)
            assert (outcome.succeeded, outcome.sent, outcome.waiting) == (True, 1, 0)
        finally:
            tablet.close()

    def test_a_revoked_tablet_is_told_and_stops_trying_by_itself(self, app, tablet):
        with app.app_context():
            revoke(tablet.profile.device_id, "平板遗失")
        background = tablet.sync
        assert background is not None
        background.interval_s = 0.05
        background.start_automatic()
        assert wait_for(lambda: not background.automatic, timeout=30.0)
        outcome = background.last_outcome
        assert outcome is not None and outcome.revoked
        assert outcome.problem is not None and outcome.problem.code == "device_revoked"
