"""Database models: the grid tree and people, devices, the ledger, its projections, and the
office's sign-in."""

from server.models.devices import Device, DevicePush, EnrolmentCode
from server.models.ledger import LedgerEntry, ServerKey, StreetLedger, TreeHead
from server.models.office import OfficeAccount
from server.models.projections import (
    DisputeLedger,
    PatrolLedger,
    RecordProjection,
    ScreeningLedger,
    VisitLedger,
)
from server.models.tree import Community, Grid, Household, PatrolTeam, RosterVersion, Street, Worker

__all__ = [
    "Community",
    "Device",
    "DevicePush",
    "DisputeLedger",
    "EnrolmentCode",
    "Grid",
    "Household",
    "LedgerEntry",
    "OfficeAccount",
    "PatrolLedger",
    "PatrolTeam",
    "RecordProjection",
    "RosterVersion",
    "ScreeningLedger",
    "ServerKey",
    "Street",
    "StreetLedger",
    "TreeHead",
    "VisitLedger",
    "Worker",
]
