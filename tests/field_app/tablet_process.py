"""The field app's services in a process of their own, for the tests that kill it.

    python -m tests.field_app.tablet_process save FOLDER COUNT
        Unlock the tablet in FOLDER with the tests' PIN, record COUNT visits with the visit
        form (one line ``saved <record id>`` each, after the save returned), print
        ``all saved``, then wait to be killed.
    python -m tests.field_app.tablet_process sync FOLDER BATCH
        Unlock, sync with pushes of BATCH operations, printing ``push <batches> <ops>`` at
        each acknowledged batch, then one JSON line ``{"sent", "waiting", "problem"}``.

Every line is flushed at once: the test reads them to know when to kill the process.
Nothing here is a stand-in: these are the services the screens call.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from field_app.services.draft_store import DraftStore
from field_app.services.recording import Recorder
from field_app.services.sync_run import SyncStep
from field_app.services.tablet import Tablet, TabletFiles
from field_app.services.vault import Vault
from field_app.services.visit_form import VisitForm
from tests.field_app.conftest import PIN, QUICK_RETRIES


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unlock(folder: Path) -> Tablet:
    files = TabletFiles(folder)
    return Tablet.open(files, Vault(files.vault).unlock(PIN), settings=QUICK_RETRIES)


def save(folder: Path, count: int) -> None:
    tablet = unlock(folder)
    recorder = Recorder.for_tablet(tablet)
    drafts = DraftStore(folder, tablet.data_key)
    households = VisitForm(recorder).households()
    for number in range(count):
        form = VisitForm(recorder, drafts)
        form.choose_household(households[number % len(households)].household_id)
        form.set_situation(f"第{number + 1}次走访：楼道灯不亮，已记下。")
        say(f"saved {form.save()}")
    say("all saved")
    while True:  # the app left open on the table: the test kills it
        time.sleep(60)


def sync(folder: Path, batch_size: int) -> None:
    tablet = unlock(folder)
    assert tablet.sync is not None
    run = tablet.sync.run
    run.batch_size = batch_size

    def progress(step: SyncStep) -> None:
        if step.phase == "push":
            say(f"push {step.done} {step.items}")

    outcome = run.run(progress)
    problem = outcome.problem.code if outcome.problem is not None else None
    say(json.dumps({"sent": outcome.sent, "waiting": outcome.waiting, "problem": problem}))
    tablet.close()


def main(argv: list[str]) -> None:
    command, folder, number = argv
    if command == "save":
        save(Path(folder), int(number))
    elif command == "sync":
        sync(Path(folder), int(number))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
