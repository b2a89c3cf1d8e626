"""Database models: the grid tree and people, devices, the ledger, its projections, and the
office's sign-in."""

from server.models.devices import Device, DevicePush, EnrolmentCode
from server.models.ledger import LedgerEntry, ServerKey, StreetLedger, TreeHead
from server.models.office import MonthlyAssessment, OfficeAccount, PersonalDataAccess
from server.models.projections import (
    DisputeLedger,
    PatrolLedger,
    RecordProjection,
    RequestLedger,
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
    "MonthlyAssessment",
    "OfficeAccount",
    "PatrolLedger",
    "PatrolTeam",
    "PersonalDataAccess",
    "RecordProjection",
    "RequestLedger",
    "RosterVersion",
    "ScreeningLedger",
    "ServerKey",
    "Street",
    "StreetLedger",
    "TreeHead",
    "VisitLedger",
    "Worker",
]
