"""民情日记: the values behind the visit form, from the first tap to the saved record.

A routine visit should take a few taps: the form opens with the visit kind 日常走访, the
moment of opening (Beijing time) as the visit time, and the worker and grid from the
profile, so choosing the household is all a save needs. Everything else is optional: the
people met, the situation (民情), the residents' requests (诉求: service class, problem
list 即知即改/限时整改/无法整改, due date or explanation), photos (sealed copies,
`attachments`), and the position when the tablet has a fix.

Every change is kept in a sealed draft (`DraftStore`, name ``visit``) before the method
returns, so a killed app offers the form again (`VisitForm.resume`). `save` validates with
the schemas, writes one create operation under the tablet's `turn` (requests and
attachments are part of it: one visit, one durable step), deletes the draft, and returns
the record id only after the commit. A save that fails raises `NotSaved` with a Chinese
message per field and writes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from field_app.services.attachments import AttachmentFiles, AttachmentUnreadable
from field_app.services.draft_store import DraftStore
from field_app.services.households import HouseholdChoice, find_households
from field_app.services.recording import NotSaved, Recorder, iso_moment
from sync.ids import new_id
from sync.vocabulary import VisitKind

DRAFT_NAME = "visit"

NEW_HOUSEHOLD_FIELDS = ("name", "building", "unit", "room", "phone", "address", "id_number")


class VisitForm:
    """One visit being recorded. Read `values`; change it only through the methods."""

    def __init__(self, recorder: Recorder, drafts: DraftStore | None = None,
                 values: dict[str, Any] | None = None) -> None:
        self.recorder = recorder
        self.drafts = drafts
        self.values: dict[str, Any] = values if values is not None else self.blank()

    # -- opening -------------------------------------------------------------------------

    def blank(self) -> dict[str, Any]:
        """The defaults of a routine visit: kind 日常走访, now, nothing else yet."""
        return {
            "household_id": "",
            "new_household": None,
            "visit_kind": VisitKind.routine.value,
            "visited_at": self.recorder.now(),
            "people_met": [],
            "situation": "",
            "requests": [],
            "attachments": [],
            "position": None,
        }

    @classmethod
    def resume(cls, recorder: Recorder, drafts: DraftStore) -> VisitForm | None:
        """The form as it was when the app stopped, if a draft was left; else None."""
        values = drafts.load(DRAFT_NAME)
        if values is None:
            return None
        form = cls(recorder, drafts)
        form.values.update(values)
        return form

    # -- household -----------------------------------------------------------------------

    def households(self, query: str = "", limit: int = 50) -> list[HouseholdChoice]:
        """Households of the worker's grid whose place or head's name matches `query`."""
        return find_households(self.recorder.roster_list("households"),
                               self.recorder.grid_id, query, limit)

    def choose_household(self, household_id: str) -> None:
        """The visit is to a household on the roster (clears a typed-in new one)."""
        self._change(household_id=household_id, new_household=None)

    def type_new_household(self, name: str, **details: str) -> None:
        """A household met for the first time: the head's name, and optionally
        building, unit, room, phone, address, id_number."""
        unknown = set(details) - set(NEW_HOUSEHOLD_FIELDS)
        if unknown:
            raise TypeError(f"not household fields: {sorted(unknown)}")
        self._change(household_id="", new_household={"name": name, **details})

    # -- the visit -----------------------------------------------------------------------

    def set_kind(self, visit_kind: str) -> None:
        self._change(visit_kind=visit_kind)

    def set_visited_at(self, moment: Any) -> None:
        """Another visit time: a `datetime` (naive = Beijing) or an ISO string."""
        value = moment if isinstance(moment, str) else iso_moment(moment)
        self._change(visited_at=value)

    def set_situation(self, situation: str) -> None:
        self._change(situation=situation)

    def add_person(self, name: str, relation: str = "", phone: str = "") -> int:
        """Someone met at the door; returns their position in `people_met`."""
        people = [*self.values["people_met"], {"name": name, "relation": relation,
                                                "phone": phone}]
        self._change(people_met=people)
        return len(people) - 1

    def remove_person(self, index: int) -> None:
        people = list(self.values["people_met"])
        del people[index]
        self._change(people_met=people)

    def add_request(self, service_class: str, summary: str, problem_list: str,
                    due_date: str = "", explanation: str = "") -> int:
        """A resident's request (诉求) triaged into a problem list; returns its position.

        限时整改 needs `due_date` (YYYY-MM-DD); 无法整改 needs the `explanation` given to the
        resident. Both are checked at `save`.
        """
        requests = [*self.values["requests"], {
            "service_class": service_class, "summary": summary, "problem_list": problem_list,
            "due_date": due_date, "explanation": explanation}]
        self._change(requests=requests)
        return len(requests) - 1

    def remove_request(self, index: int) -> None:
        requests = list(self.values["requests"])
        del requests[index]
        self._change(requests=requests)

    def attach(self, path: Path | str) -> dict[str, Any]:
        """Seal a copy of a photo or file into the app's data folder and list it.

        Raises `NotSaved` (field ``attachments``) if the file cannot be read or is too big.
        """
        files = AttachmentFiles(self.recorder.folder, self.recorder.data_key)
        try:
            entry = files.keep(path)
        except AttachmentUnreadable as error:
            raise NotSaved.of("attachments", f"app.visit.{error.code}",
                              name=Path(path).name) from None
        self._change(attachments=[*self.values["attachments"], entry])
        return entry

    def remove_attachment(self, index: int) -> None:
        """Unlist an attachment (its sealed copy stays until cleaned up)."""
        attachments = list(self.values["attachments"])
        del attachments[index]
        self._change(attachments=attachments)

    def set_position(self, lat: float, lon: float, accuracy_m: float | None = None) -> None:
        """The tablet's GPS fix, when it has one."""
        position: dict[str, Any] = {"lat": lat, "lon": lon}
        if accuracy_m is not None:
            position["accuracy_m"] = accuracy_m
        self._change(position=position)

    def clear_position(self) -> None:
        self._change(position=None)

    # -- ending --------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        """The visit record the current values make (empty optional values left out)."""
        values = self.values
        data: dict[str, Any] = {
            "grid_id": self.recorder.grid_id,
            "visit_kind": values["visit_kind"],
            "visited_at": values["visited_at"],
            "worker_id": self.recorder.worker_id,
            "people_met": [_without_empty(p, keep=("name",)) for p in values["people_met"]],
            "situation": values["situation"].strip(),
            "requests": [_request(r) for r in values["requests"]],
            "attachments": [{"id": new_id(), **a} for a in values["attachments"]],
        }
        if values["household_id"]:
            data["household_id"] = values["household_id"]
        elif values["new_household"]:
            data["new_household"] = _without_empty(values["new_household"], keep=("name",))
        if values["position"]:
            data["position"] = values["position"]
        return data

    def save(self) -> str:
        """Write the visit; returns its record id once it is durably saved.

        Raises `NotSaved` (nothing written, the draft kept) when a value is wrong.
        """
        data = self.record()
        with self.recorder.saving() as writer:
            record_id = writer.create("visit", data)
        if self.drafts is not None:
            self.drafts.discard(DRAFT_NAME)
        return record_id

    def discard(self) -> None:
        """Throw the visit away: the draft goes, nothing is written."""
        if self.drafts is not None:
            self.drafts.discard(DRAFT_NAME)
        self.values = self.blank()

    def _change(self, **changes: Any) -> None:
        self.values.update(changes)
        if self.drafts is not None:
            self.drafts.keep(DRAFT_NAME, self.values)


def _without_empty(entry: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Optional text left blank is absent, not an empty (and so invalid) phone or date."""
    return {name: value.strip() if isinstance(value, str) else value
            for name, value in entry.items()
            if name in keep or not (isinstance(value, str) and not value.strip())}


def _request(request: dict[str, Any]) -> dict[str, Any]:
    return {"id": new_id(), **_without_empty(request, keep=("summary",))}
