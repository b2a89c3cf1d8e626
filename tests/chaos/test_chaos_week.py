"""A week of 20 tablets under a bad network and a crashing server (tests/chaos/week.py).

`make test` runs a short week (3 days, seed 20261127); `make chaos` a full one with more
crashes (`MINQING_CHAOS_DAYS`, `MINQING_CHAOS_SEED`, `MINQING_CHAOS_KILLS` choose). A
failed run prints its seed: run it again with `MINQING_CHAOS_SEED=<seed> make chaos`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from tests.chaos.verdict import (
    conflicts_queued,
    delivered_and_lost,
    exactly_once,
    operations_made,
    tablets_match_the_server,
)
from tests.chaos.week import ChaosPlan, ChaosWeek
from tests.server.conftest import flask_command
from tests.server.fleet import import_demo_roster


def chaos_plan() -> ChaosPlan:
    return ChaosPlan(seed=int(os.environ.get("MINQING_CHAOS_SEED", "20261127")),
                     days=int(os.environ.get("MINQING_CHAOS_DAYS", "3")),
                     kill_chance=float(os.environ.get("MINQING_CHAOS_KILLS", "0.015")))


def test_a_week_under_fire_ends_with_every_operation_once_and_every_tablet_agreeing(
        app: Flask, server_env: dict[str, str], tmp_path: Path) -> None:
    plan = chaos_plan()
    print(f"\nchaos: seed={plan.seed} days={plan.days} database={server_env['DATABASE_URL']}")
    import_demo_roster(server_env)
    with ChaosWeek.open(plan, app, server_env, tmp_path) as week:
        counts = week.run()
        made = operations_made(week)
        counts.made = sum(len(ops) for ops in made.values())
        once = exactly_once(app, made)
        counts.delivered, counts.lost = delivered_and_lost(app, made)
        agreeing = tablets_match_the_server(app, week)
        counts.conflicts, unqueued = conflicts_queued(app, week)
        ghost_is_noticed = exactly_once(app, {**made, "ghost-device": ["ghost-op"]}) != []
    print(f"chaos: {counts.line()}")
    verified = flask_command(server_env, "verify-ledger", check=False)

    assert counts.lost == 0 and once == [], f"seed {plan.seed}"
    assert agreeing == [], f"seed {plan.seed}"
    assert unqueued == [], f"seed {plan.seed}"
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert counts.server_kills > 0 and counts.duplicated_by_network > 0, counts.line()
    assert counts.conflicts > 0, counts.line()
    assert ghost_is_noticed, "the exactly-once check must see an operation the ledger lacks"
