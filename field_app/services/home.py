"""The 今日 model of an open tablet: `today_for` fed from the tablet's own profile and chain.

The screen asks for it each time it is shown, so what a sync or a save changed appears at
once; everything is local, nothing waits on the network.
"""

from __future__ import annotations

from datetime import datetime

from field_app.services.tablet import Tablet
from field_app.services.today import Today, today_for
from sync.deadlines import CHINA


def today_on(tablet: Tablet, now: datetime) -> Today:
    """What the worker of `tablet` has to do on the Beijing day of `now`."""
    profile = tablet.profile
    last = profile.last_sync_ms
    with tablet.turn:
        return today_for(
            tablet.records or tablet.replica, profile.grid_id or "", profile.roster, now,
            unsynced=max(0, tablet.writer.chain.seq - profile.acknowledged_seq),
            last_synced_at=None if last is None else datetime.fromtimestamp(last / 1000, CHINA),
        )
