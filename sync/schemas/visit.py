"""民情日记: one record per visit to a household."""

from __future__ import annotations

from collections.abc import Mapping

from sync.schemas import fields as f
from sync.schemas.base import Entry, Record, broken, position, rule
from sync.vocabulary import AttachmentKind, ProblemList, RequestStep, ServiceClass, VisitKind


class NewHousehold(Entry):
    """A household met for the first time, registered during the visit."""

    building = f.text(optional=True, blank=True)
    unit = f.text(optional=True, blank=True)
    room = f.text(optional=True, blank=True)
    name = f.text()
    phone = f.phone(optional=True)
    address = f.text(optional=True, blank=True)
    id_number = f.id_number(optional=True)


class PersonMet(Entry):
    name = f.text()
    relation = f.text(optional=True, blank=True)
    phone = f.phone(optional=True)


class Request(Entry):
    """A resident's request (诉求), triaged into one of the three problem lists."""

    id = f.text()
    service_class = f.choice(ServiceClass)
    summary = f.text()
    problem_list = f.choice(ProblemList)
    due_date = f.iso_date(optional=True)
    explanation = f.text(optional=True, blank=True)

    @rule
    def _deadline_needs_due_date(self, data: dict, original: Mapping, partial: bool) -> None:
        if data.get("problem_list") == ProblemList.fix_by_deadline and (
            original.get("due_date") is None
        ):
            raise broken("due_date", "due_date_required")

    @rule
    def _cannot_fix_needs_explanation(self, data: dict, original: Mapping, partial: bool) -> None:
        """无法整改: what was explained to the resident must be on file."""
        explanation = original.get("explanation")
        if data.get("problem_list") == ProblemList.cannot_fix and (
            explanation is None or (isinstance(explanation, str) and not explanation.strip())
        ):
            raise broken("explanation", "explanation_required")


class RequestProgress(Entry):
    """One 365 step a request took: handled, reported back, or rated by the resident (1-5).

    A child of its own, so the worker and the office can each add steps offline and none is
    lost; a request's 365 state is the furthest step recorded."""

    id = f.text()
    request_id = f.text()
    step = f.choice(RequestStep)
    at = f.iso_datetime()
    by = f.text()
    rating = f.integer(optional=True, minimum=1, maximum=5)
    note = f.text(optional=True, blank=True, max_len=2000)

    @rule
    def _rated_needs_rating(self, data: dict, original: Mapping, partial: bool) -> None:
        if data.get("step") == RequestStep.rated and original.get("rating") is None:
            raise broken("rating", "rating_required")


class Attachment(Entry):
    """A photo or file; the bytes travel separately, identified by their SHA-256."""

    id = f.text()
    kind = f.choice(AttachmentKind)
    sha256 = f.sha256()
    media_type = f.media_type()
    size = f.integer(minimum=0)
    name = f.text(optional=True, blank=True)


class Visit(Record):
    household_id = f.text(optional=True)
    new_household = f.obj(NewHousehold, optional=True)
    visit_kind = f.choice(VisitKind)
    visited_at = f.iso_datetime()
    worker_id = f.text()
    people_met = f.items(f.obj(PersonMet))
    situation = f.text(blank=True, max_len=2000)
    requests = f.children(Request)
    request_progress = f.children(RequestProgress, optional=True)
    position = position(optional=True)
    attachments = f.children(Attachment)

    @rule
    def _names_a_household(self, data: dict, original: Mapping, partial: bool) -> None:
        if partial:
            return
        if original.get("household_id") is None and original.get("new_household") is None:
            raise broken("household_id", "household_required", other="new_household")
