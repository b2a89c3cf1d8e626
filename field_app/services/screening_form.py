"""一周一排查: the weekly dispute screening of the worker's grid, and the cases it opens.

The form opens on this ISO week in Beijing (``2026-W48``, as screening records and the 今日
screen write it), scope weekly, with the buildings of the grid (from the roster) offered as
the areas screened. It ends one of two ways, as the schema demands: "nothing found"
attested, or one or more dispute cases opened (category, parties, description, risk
colour), each found at the grid level with the screening as its source.

`save` checks the screening and every case before writing anything, then writes the cases
and the screening that lists them under one hold of the tablet's `turn`. (They are separate
records, so a tablet dying between two of those writes leaves cases whose screening is
missing; each case still names the screening as its source, and the worker saves again.)
Values are kept in a sealed draft (name ``screening``) on every change.
"""

from __future__ import annotations

from typing import Any

from field_app.services.case_opening import CaseDraft, PartyDraft, case_record
from field_app.services.draft_store import DraftStore
from field_app.services.households import natural_key
from field_app.services.recording import NotSaved, Recorder, messages_of
from field_app.services.today import china_day, iso_week_of
from sync.catalogue import text
from sync.ids import new_id
from sync.schemas import RecordInvalid, validate_record
from sync.vocabulary import DisputeSource, ScreeningScope

DRAFT_NAME = "screening"


class ScreeningForm:
    """One screening being recorded: areas, then "nothing found" or cases."""

    def __init__(self, recorder: Recorder, drafts: DraftStore | None = None) -> None:
        self.recorder = recorder
        self.drafts = drafts
        now = recorder.clock()
        self.iso_week: str = iso_week_of(china_day(now))
        self.scope: str = ScreeningScope.weekly.value
        self.screened_at: str = recorder.now()
        self.screened_areas: list[str] = []
        self.nothing_found: bool = False
        self.cases: list[CaseDraft] = []

    @classmethod
    def resume(cls, recorder: Recorder, drafts: DraftStore) -> ScreeningForm | None:
        """The form as it was when the app stopped, if a draft was left; else None."""
        values = drafts.load(DRAFT_NAME)
        if values is None:
            return None
        form = cls(recorder, drafts)
        form.iso_week = str(values.get("iso_week") or form.iso_week)
        form.scope = str(values.get("scope") or form.scope)
        form.screened_at = str(values.get("screened_at") or form.screened_at)
        form.screened_areas = [str(a) for a in values.get("screened_areas") or []]
        form.nothing_found = bool(values.get("nothing_found"))
        form.cases = [CaseDraft.from_json(c) for c in values.get("cases") or []]
        return form

    # -- choices -------------------------------------------------------------------------

    def area_choices(self) -> list[str]:
        """The grid's buildings on the roster, in order: what a worker ticks as screened."""
        buildings = {str(h.get("building")) for h in self.recorder.roster_list("households")
                     if h.get("grid_id") == self.recorder.grid_id and h.get("building")}
        return sorted(buildings, key=natural_key)

    # -- changes -------------------------------------------------------------------------

    def set_areas(self, areas: list[str]) -> None:
        self.screened_areas = [a for a in areas if a.strip()]
        self.changed()

    def toggle_area(self, area: str) -> None:
        """Tick or untick one area (a building from `area_choices`, or one typed in)."""
        if area in self.screened_areas:
            self.screened_areas.remove(area)
        elif area.strip():
            self.screened_areas.append(area.strip())
        self.changed()

    def set_scope(self, scope: str) -> None:
        """weekly (default), half_month or ad_hoc (around major events)."""
        self.scope = scope
        self.changed()

    def attest_nothing_found(self) -> None:
        """"Nothing found" this week: drops any case typed so far."""
        self.nothing_found = True
        self.cases = []
        self.changed()

    def add_case(self, category: str = "", description: str = "", risk_colour: str = "green",
                 parties: list[PartyDraft] | None = None) -> CaseDraft:
        """A dispute found while screening; unsets "nothing found". Edit the returned
        draft's fields freely, then call `changed` so the draft file follows."""
        case = CaseDraft(category, description, risk_colour, list(parties or []))
        self.cases.append(case)
        self.nothing_found = False
        self.changed()
        return case

    def update_case(self, index: int, *, category: str | None = None,
                    description: str | None = None, risk_colour: str | None = None,
                    parties: list[PartyDraft] | None = None) -> CaseDraft:
        """Change what was typed for case `index` (only the values given)."""
        case = self.cases[index]
        if category is not None:
            case.category = category
        if description is not None:
            case.description = description
        if risk_colour is not None:
            case.risk_colour = risk_colour
        if parties is not None:
            case.parties = list(parties)
        self.changed()
        return case

    def remove_case(self, index: int) -> None:
        del self.cases[index]
        self.changed()

    def changed(self) -> None:
        """Keep the current values in the draft (called by every change method)."""
        if self.drafts is not None:
            self.drafts.keep(DRAFT_NAME, self.to_json())

    def to_json(self) -> dict[str, Any]:
        return {"iso_week": self.iso_week, "scope": self.scope,
                "screened_at": self.screened_at, "screened_areas": self.screened_areas,
                "nothing_found": self.nothing_found,
                "cases": [case.to_json() for case in self.cases]}

    # -- ending --------------------------------------------------------------------------

    def save(self) -> str:
        """Write the cases, then the screening naming them; returns the screening's id.

        Raises `NotSaved` (nothing written) if the screening or a case is wrong; a case's
        problems are reported as ``cases.<n>.<field>``.
        """
        screening_id = new_id()
        opened_at = self.recorder.now()
        cases = [(new_id(), case_record(case, grid_id=self.recorder.grid_id,
                                        opened_by=self.recorder.worker_id, opened_at=opened_at,
                                        source_kind=DisputeSource.screening.value,
                                        source_id=screening_id))
                 for case in self.cases]
        screening = {
            "grid_id": self.recorder.grid_id,
            "iso_week": self.iso_week,
            "scope": self.scope,
            "screened_at": self.screened_at,
            "worker_id": self.recorder.worker_id,
            "screened_areas": self.screened_areas,
            "nothing_found": self.nothing_found,
            "case_ids": [case_id for case_id, _ in cases],
        }
        self._check(screening, [data for _, data in cases])
        with self.recorder.saving() as writer:
            for case_id, data in cases:
                writer.create("dispute", data, record_id=case_id)
            writer.create("screening", screening, record_id=screening_id)
        if self.drafts is not None:
            self.drafts.discard(DRAFT_NAME)
        return screening_id

    def discard(self) -> None:
        if self.drafts is not None:
            self.drafts.discard(DRAFT_NAME)

    def _check(self, screening: dict[str, Any], cases: list[dict[str, Any]]) -> None:
        """Every problem of the screening and its cases at once, before anything is written."""
        messages: dict[str, str] = {}
        version = self.recorder.writer.schema_version
        try:
            validate_record("screening", {**screening, "schema_version": version})
        except RecordInvalid as error:
            messages.update(messages_of(error))
        if "nothing_found" in messages and not self.cases:
            messages["nothing_found"] = text("app.screening.outcome_required")
        for index, data in enumerate(cases):
            try:
                validate_record("dispute", {**data, "schema_version": version})
            except RecordInvalid as error:
                for path, message in messages_of(error).items():
                    messages.setdefault(f"cases.{index}.{path}", message)
        if messages:
            raise NotSaved(messages)

