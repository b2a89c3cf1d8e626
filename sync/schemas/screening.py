"""一周一排查: a dispute screening of a grid, which attests nothing found or opens cases."""

from __future__ import annotations

from collections.abc import Mapping

from sync.schemas import fields as f
from sync.schemas.base import Record, broken, rule
from sync.vocabulary import ScreeningScope


class Screening(Record):
    iso_week = f.iso_week()
    scope = f.choice(ScreeningScope)
    screened_at = f.iso_datetime()
    worker_id = f.text()
    screened_areas = f.items(f.text(), min_len=1)
    nothing_found = f.boolean()
    case_ids = f.items(f.text())

    @rule
    def _one_outcome(self, data: dict, original: Mapping, partial: bool) -> None:
        """Exactly one outcome: "nothing found" attested, or the cases it opened."""
        if "nothing_found" not in data or "case_ids" not in data:
            return
        if data["nothing_found"] == bool(data["case_ids"]):
            raise broken("nothing_found", "screening_outcome", other="case_ids")
