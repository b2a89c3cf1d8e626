"""One record's merged state, built from its operations by the typed merge rules.

The state keeps, per field, the frontier of versions (see `sync.merge`), the effective value
of every workflow and escalation version (a later version's base is read from its parents),
the grow-only sets of child entries, and retractions. Operations must be applied in causal
order (a replica holds back an operation until its parents are applied); within that, any
order gives the same state. The state is plain JSON so a replica can store it as it is.
"""

from __future__ import annotations

from typing import Any

from sync import canonical
from sync.merge import RegisterRule, Version, rule_for
from sync.operation import Operation, OpKind
from sync.schemas import CHILD_COLLECTIONS


class RecordState:
    """Merged state of one record. `data` is the stored JSON form; `view()` is what people see."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    @classmethod
    def empty(cls, record_id: str, record_type: str) -> RecordState:
        return cls({
            "id": record_id,
            "type": record_type,
            "sv": 0,
            "origin": [],
            "fields": {},
            "memo": {},
            "children": {},
            "retracted": {},
        })

    @property
    def record_type(self) -> str:
        return self.data["type"]

    @property
    def origin(self) -> list[str]:
        """Ids of the create operation(s): every later edit descends from one."""
        return self.data["origin"]

    def heads(self, field: str) -> list[str]:
        """The frontier of a field: the versions a new edit of it is based on."""
        return sorted(self.data["fields"].get(field, {}))

    def apply(self, op: Operation) -> None:
        """Merge one causally ready operation into the state."""
        data = self.data
        if op.schema_version > data["sv"]:
            data["sv"] = op.schema_version
        if op.kind is OpKind.CREATE:
            data["origin"].append(op.id)
            collections = CHILD_COLLECTIONS.get(op.record_type, ())
            for field, value in op.changes.items():
                if field in collections and isinstance(value, list):
                    for index, entry in enumerate(value):
                        self._add_child(field, entry, op, index)
                else:
                    self._write(field, value, op)
        elif op.kind is OpKind.ADD:
            for collection, entry in op.changes.items():
                self._add_child(collection, entry, op, 0)
        elif op.kind is OpKind.RETRACT:
            data["retracted"][op.id] = {
                "reason": op.reason,
                "by": op.author.to_json(),
                "hlc": list(op.hlc),
            }
        else:
            for field, value in op.changes.items():
                self._write(field, value, op)

    def _write(self, field: str, value: Any, op: Operation) -> None:
        rule = rule_for(self.record_type, field)
        frontier = self.data["fields"].setdefault(field, {})
        if isinstance(rule, RegisterRule):
            version = rule.version_value(op, value, ())
        else:
            memo = self.data["memo"].setdefault(field, {})
            bases = [memo[p] for p in op.parents if p in memo]
            version = rule.version_value(op, value, bases)
            memo[op.id] = version.value
        for parent in op.parents:
            frontier.pop(parent, None)
        frontier[op.id] = version.to_json()

    def _add_child(self, collection: str, entry: Any, op: Operation, index: int) -> None:
        child_id = entry.get("id") if isinstance(entry, dict) else None
        key = f"{child_id or index}@{op.id}"
        self.data["children"].setdefault(collection, {})[key] = [list(op.hlc), entry]

    def view(self) -> dict[str, Any]:
        """The record as people see it: values, children, open conflicts, items to review."""
        data = self.data
        values: dict[str, Any] = {}
        conflicts = []
        reviews = []
        for field in sorted(data["fields"]):
            versions = [Version.from_json(v) for v in data["fields"][field].values()]
            versions.sort(key=lambda v: v.op_id)
            settled = rule_for(self.record_type, field).settle(versions)
            values[field] = settled.value
            if settled.conflict is not None:
                conflicts.append({
                    "field": field,
                    "kind": settled.conflict,
                    "versions": [v.to_json() for v in versions],
                })
            reviews.extend(
                {"field": field, "kind": v.flag or "superseded", "version": v.to_json()}
                for v in settled.review
            )
        for collection in sorted(data["children"]):
            entries = sorted(data["children"][collection].items(), key=lambda kv: (kv[1][0], kv[0]))
            values[collection] = [entry for _, (_, entry) in entries]
        retractions = sorted(data["retracted"].items(), key=lambda kv: (kv[1]["hlc"], kv[0]))
        return {
            "id": data["id"],
            "type": data["type"],
            "schema_version": data["sv"],
            "created": bool(data["origin"]),
            "values": values,
            "conflicts": conflicts,
            "reviews": reviews,
            "retracted": [{"op": op_id, **r} for op_id, r in retractions],
        }

    def digest(self) -> str:
        """Hash of the view: equal digests mean replicas show the very same record."""
        return canonical.digest(self.view())
