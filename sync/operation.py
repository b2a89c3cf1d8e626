"""Operations: the immutable unit of change that every tablet records and every replica merges.

A record is never overwritten in place. Each edit becomes an operation that names the record,
the device and its position in the device's chain, what was written, the versions the edit
was based on (its parents) and who made it. The operation's id is the SHA-256 of its canonical
encoding, which includes the id of the device's previous operation: the ids form a hash chain,
so a signed chain head authenticates everything before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sync import canonical
from sync.clock import Timestamp
from sync.coded_error import CodedError

OP_FORMAT = 1
"""Version of the operation envelope itself (not of the record schemas)."""


class OpKind(StrEnum):
    CREATE = "create"
    """The first version of a record: every field it carries, children included."""
    UPDATE = "update"
    """New values for some fields (a status transition or escalation is an update too)."""
    ADD = "add"
    """One child entry appended to a collection (a mediation note, a checkpoint...)."""
    RESOLVE = "resolve"
    """A person's decision on an open conflict; its parents are the competing versions."""
    OVERRIDE = "override"
    """An authorised backward move: reopening a case or lowering its escalation level."""
    RETRACT = "retract"
    """Withdraws a record with a reason; nothing is erased."""


OPERATION_CODES = frozenset({"op_altered", "op_format", "op_malformed"})
"""Stable codes of `OperationInvalid`; the catalogue's ``sync.<code>`` says them in Chinese."""


class OperationInvalid(CodedError):
    """An operation envelope that is malformed or whose id does not match its content."""

    CODES = OPERATION_CODES


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    role: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "role": self.role}


@dataclass(frozen=True, slots=True)
class Operation:
    """One edit. Build with `Operation.seal`; `id` is derived, never chosen."""

    record_id: str
    record_type: str
    device_id: str
    seq: int
    prev: str
    kind: OpKind
    changes: dict[str, Any]
    parents: tuple[str, ...]
    hlc: Timestamp
    author: Author
    schema_version: int
    reason: str | None = None
    id: str = field(default="", compare=False)
    body: bytes = field(default=b"", compare=False, repr=False)

    @classmethod
    def seal(cls, **fields: Any) -> Operation:
        """Create an operation and compute its id from its canonical encoding."""
        fields["parents"] = tuple(sorted(set(fields.get("parents", ()))))
        unsealed = cls(**fields)
        return unsealed._sealed()

    def _sealed(self) -> Operation:
        body = canonical.encode(self.envelope())
        op_id = hashlib.sha256(body).hexdigest()
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "id", op_id)
        return self

    def envelope(self) -> dict[str, Any]:
        """Everything the id covers: the operation without its id."""
        env: dict[str, Any] = {
            "v": OP_FORMAT,
            "record": self.record_id,
            "type": self.record_type,
            "device": self.device_id,
            "seq": self.seq,
            "prev": self.prev,
            "kind": str(self.kind),
            "changes": self.changes,
            "parents": list(self.parents),
            "hlc": list(self.hlc),
            "author": self.author.to_json(),
            "schema_version": self.schema_version,
        }
        if self.reason is not None:
            env["reason"] = self.reason
        return env

    def to_json(self) -> dict[str, Any]:
        """The JSON form: the envelope plus the id it must hash to."""
        return {**self.envelope(), "id": self.id}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        """Parse the JSON form and check that the claimed id matches the content."""
        claimed = data.get("id")
        op = cls.from_envelope({key: value for key, value in data.items() if key != "id"})
        if claimed != op.id:
            raise OperationInvalid("op_altered", f"operation {claimed} does not hash to its id")
        return op

    @classmethod
    def from_envelope(cls, data: dict[str, Any]) -> Operation:
        """Rebuild an operation from its envelope; the id is recomputed, not trusted."""
        return cls._parse(data, _canonical(data))

    @classmethod
    def from_body(cls, body: bytes) -> Operation:
        """Rebuild from canonical bytes, as stored or sent on the wire: the id is their hash.

        Bytes that are not in canonical form are refused, so one operation has one id
        whichever way it travelled.
        """
        return cls._parse(_decode_canonical(body), body)

    def unlinked_body(self) -> bytes:
        """The canonical bytes without `prev`: how an operation travels inside a batch, where
        its link is the id of the operation before it (`sync.chain.Batch.to_wire`)."""
        return canonical.encode({k: v for k, v in self.envelope().items() if k != "prev"})

    @classmethod
    def from_unlinked_body(cls, line: bytes, prev: str) -> Operation:
        """Rebuild from `unlinked_body` bytes and the id of the operation before it."""
        data = _decode_object(line)
        if "prev" in data:
            raise OperationInvalid("op_malformed", "operation line carries its link")
        data["prev"] = prev
        body = _canonical(data)
        if _unlinked(body, prev) != line:
            raise OperationInvalid("op_malformed", "operation bytes are not in canonical form")
        return cls._parse(data, body)

    @classmethod
    def _parse(cls, data: dict[str, Any], body: bytes) -> Operation:
        """Check an envelope field by field; `body` is its canonical encoding."""
        try:
            if data["v"] != OP_FORMAT:
                raise OperationInvalid("op_format", f"unsupported operation format {data['v']!r}")
            keys = data.keys()
            if keys != _ENVELOPE_KEYS and keys != _ENVELOPE_KEYS_WITH_REASON:
                raise ValueError(f"unexpected fields {sorted(keys ^ _ENVELOPE_KEYS)}")
            author = data["author"]
            wall, counter = data["hlc"]
            parents = tuple(data["parents"])
            if not all(isinstance(p, str) and p for p in parents):
                raise ValueError("parents must be operation ids")
            if list(parents) != sorted(set(parents)):
                raise ValueError("parents must be sorted and distinct")
            reason = data.get("reason")
            if "reason" in data and not isinstance(reason, str):
                raise ValueError("reason must be text")
            if len(author) != 2:
                raise ValueError("author has unexpected fields")
            op = cls(
                record_id=_text(data["record"]),
                record_type=_text(data["type"]),
                device_id=_text(data["device"]),
                seq=_count(data["seq"]),
                prev=_text(data["prev"], empty=True),
                kind=OpKind(data["kind"]),
                changes=_mapping(data["changes"]),
                parents=parents,
                hlc=(_count(wall, zero=True), _count(counter, zero=True)),
                author=Author(_text(author["id"]), _text(author["role"])),
                schema_version=_count(data["schema_version"]),
                reason=reason,
            )
        except OperationInvalid:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise OperationInvalid("op_malformed", f"malformed operation: {exc!r}") from exc
        object.__setattr__(op, "body", body)
        object.__setattr__(op, "id", hashlib.sha256(body).hexdigest())
        return op

    @property
    def fields_written(self) -> tuple[str, ...]:
        return tuple(self.changes)


_ENVELOPE_KEYS = frozenset(
    {"v", "record", "type", "device", "seq", "prev", "kind", "changes", "parents", "hlc",
     "author", "schema_version"}
)
_ENVELOPE_KEYS_WITH_REASON = _ENVELOPE_KEYS | {"reason"}


def _decode_canonical(line: bytes) -> dict[str, Any]:
    """A JSON object from bytes that must be its canonical encoding, so one operation has
    one id whichever way it travelled."""
    data = _decode_object(line)
    if _canonical(data) != line:
        raise OperationInvalid("op_malformed", "operation bytes are not in canonical form")
    return data


def _canonical(data: dict[str, Any]) -> bytes:
    """The canonical bytes of a parsed envelope; `op_malformed` if it has none.

    JSON is parsed up to 1024 levels deep but encoded only up to 254, so an operation
    nested between the two parses and then cannot be hashed: it is as malformed as one
    that does not parse, not a fault of the receiver (it was a server error once)."""
    try:
        return canonical.encode(data)
    except canonical.NotCanonical as exc:
        raise OperationInvalid("op_malformed", f"operation has no canonical form: {exc}") from exc


def _decode_object(line: bytes) -> dict[str, Any]:
    try:
        return canonical.decode_object(line)
    except ValueError as exc:
        raise OperationInvalid("op_malformed", str(exc)) from exc


def _unlinked(body: bytes, prev: str) -> bytes:
    """Canonical bytes of a whole envelope without its link, cut out of `body`: what
    `unlinked_body` gives, found without encoding the operation a second time.

    `prev` sorts after keys every envelope has, so its link is `,"prev":...`; only strings
    and integers follow it, and a string cannot hold `,"` unescaped, so the last such key
    is the envelope's own. If the cut is somewhere else, the result is not the line the
    operation came as, and the caller refuses it."""
    link = b',"prev":' + canonical.encode(prev)
    at = body.rfind(link)
    return body if at < 0 else body[:at] + body[at + len(link):]


def _text(value: Any, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not value and not empty):
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _count(value: Any, *, zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        raise ValueError(f"expected a positive integer, got {value!r}")
    return value


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"expected an object, got {type(value).__name__}")
    return value
