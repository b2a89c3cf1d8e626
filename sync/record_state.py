"""One record's merged state, built from its operations by the typed merge rules.

The state keeps, per field, the frontier of versions (see `sync.merge`), the effective value
of every workflow and escalation version (a later version's base is read from its parents),
the grow-only sets of child entries, and retractions. Operations must be applied in causal
order (a replica holds back an operation until its parents are applied); within that, any
order gives the same view. The state is plain JSON so a replica can store it as it is.

Inside one record's state an operation is named by a short reference (its position in
`ops`) instead of its 64-character id, which keeps the state that is rewritten at every
sync about half the size. References are local to one replica's copy; `view` turns them
back into ids, so views are identical everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sync import canonical
from sync.merge import Version, own_rules, rule_for
from sync.operation import Operation, OpKind
from sync.schemas import CHILD_COLLECTIONS


class RecordState:
    """Merged state of one record. `data` is the stored JSON form; `view()` is what people see."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._refs = {op_id: str(ref) for ref, op_id in enumerate(data["ops"])}

    @classmethod
    def empty(cls, record_id: str, record_type: str) -> RecordState:
        return cls({
            "id": record_id,
            "type": record_type,
            "sv": 0,
            "ops": [],
            "origin": [],
            "fields": {},
            "writers": {},
            "memo": {},
            "children": {},
            "retracted": {},
        })

    @property
    def record_id(self) -> str:
        return self.data["id"]

    @property
    def record_type(self) -> str:
        return self.data["type"]

    @property
    def origin(self) -> list[str]:
        """Ids of the create operation(s): every later edit descends from one."""
        return sorted(self._op_id(ref) for ref in self.data["origin"])

    def has_merged(self, op_id: str) -> bool:
        """Whether operation `op_id` is merged into this state."""
        return op_id in self._refs

    def heads(self, field: str) -> list[str]:
        """The frontier of a field: the versions a new edit of it is based on."""
        return sorted(self._op_id(ref) for ref in self.data["fields"].get(field, {}))

    def parents_for(self, fields: Iterable[str]) -> list[str]:
        """The versions an edit of `fields` is based on: their frontiers, or the record's
        origin when none of them was written yet (so the edit still follows the create)."""
        parents = {head for field in fields for head in self.heads(field)}
        return sorted(parents) or self.origin

    def apply(self, op: Operation) -> None:
        """Merge one causally ready operation into the state."""
        data = self.data
        ref = self._ref(op.id)
        if op.schema_version > data["sv"]:
            data["sv"] = op.schema_version
        if op.kind is OpKind.CREATE:
            data["origin"].append(ref)
            collections = CHILD_COLLECTIONS.get(op.record_type, ())
            plain = {}
            for field, value in op.changes.items():
                if field in collections and isinstance(value, list):
                    for index, entry in enumerate(value):
                        self._add_child(field, entry, op, ref, index)
                else:
                    plain[field] = value
            self._write_fields(plain, op, ref)
        elif op.kind is OpKind.ADD:
            for collection, entry in op.changes.items():
                self._add_child(collection, entry, op, ref, 0)
        elif op.kind is OpKind.RETRACT:
            data["retracted"][ref] = {
                "reason": op.reason,
                "by": op.author.to_json(),
                "hlc": list(op.hlc),
            }
        else:
            self._write_fields(op.changes, op, ref)

    def _ref(self, op_id: str) -> str:
        ref = self._refs.get(op_id)
        if ref is None:
            ref = self._refs[op_id] = str(len(self.data["ops"]))
            self.data["ops"].append(op_id)
        return ref

    def _op_id(self, ref: str) -> str:
        return self.data["ops"][int(ref)]

    def _write_fields(self, changes: dict[str, Any], op: Operation, ref: str) -> None:
        if not changes:
            return
        fields, memos, refs = self.data["fields"], self.data["memo"], self._refs
        parents = [refs[p] for p in op.parents if p in refs]
        rules = own_rules(self.record_type)
        for field, value in changes.items():
            rule = rules.get(field)
            if rule is None:  # a register
                row = [value]
            else:
                memo = memos.setdefault(field, {})
                judgement = rule.judge(op, value, [memo[p] for p in parents if p in memo])
                memo[ref] = judgement.value
                row = judgement.to_row()
            frontier = fields.get(field)
            if frontier is None:
                fields[field] = {ref: row}
                continue
            for parent in parents:
                frontier.pop(parent, None)
            frontier[ref] = row
        writers = self.data["writers"]
        writers[ref] = [op.hlc[0], op.hlc[1], op.device_id, op.author.id, op.author.role]
        for parent in parents:
            if parent in writers and not any(parent in f for f in fields.values()):
                del writers[parent]

    def _add_child(self, collection: str, entry: Any, op: Operation, ref: str, index: int
                   ) -> None:
        child_id = entry.get("id") if isinstance(entry, dict) else None
        key = f"{child_id or index}@{ref}"
        self.data["children"].setdefault(collection, {})[key] = [list(op.hlc), ref, entry]

    def needs_attention(self) -> bool:
        """Cheap over-approximation of "has an open conflict or review" (`view` decides).

        Called for every record a new tablet's snapshot brings, hence plain loops."""
        for frontier in self.data["fields"].values():
            if len(frontier) > 1:
                return True
            for row in frontier.values():
                if Version.row_is_flagged(row):
                    return True
        return False

    def view(self) -> dict[str, Any]:
        """The record as people see it: values, children, open conflicts, items to review."""
        data = self.data
        values: dict[str, Any] = {}
        conflicts = []
        reviews = []
        writers = data["writers"]
        fields = data["fields"]
        for field in sorted(fields):
            frontier = fields[field]
            if len(frontier) == 1:
                (row,) = frontier.values()
                if len(row) == 1:  # not flagged (`Version.row_is_flagged`), inlined: hot
                    values[field] = row[0]  # every rule settles one plain version as itself
                    continue
            versions = [Version.from_stored(self._op_id(ref), row, writers[ref])
                        for ref, row in frontier.items()]
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
            entries = sorted(
                ((hlc, self._op_id(ref), key.partition("@")[0], entry)
                 for key, (hlc, ref, entry) in data["children"][collection].items()),
                key=lambda item: item[:3],
            )
            values[collection] = [entry for *_, entry in entries]
        retractions = sorted(
            ({"op": self._op_id(ref), **r} for ref, r in data["retracted"].items()),
            key=lambda r: (r["hlc"], r["op"]),
        )
        return {
            "id": data["id"],
            "type": data["type"],
            "schema_version": data["sv"],
            "created": bool(data["origin"]),
            "values": values,
            "conflicts": conflicts,
            "reviews": reviews,
            "retracted": retractions,
        }

    def digest(self) -> str:
        """Hash of the view: equal digests mean replicas show the very same record."""
        return canonical.digest(self.view())
