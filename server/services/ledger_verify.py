"""Re-checking a ledger from scratch: every hash, link, tree head and device signature.

Run by `flask verify-ledger` and the office's integrity page. The check trusts nothing it
reads: it recomputes each entry's hash from its content and its predecessor, each tree
head's root from the entries, each operation's id from its bytes, each device chain's links,
and verifies every signature. It names the first broken place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from server.extensions import db
from server.models import Device, DevicePush, LedgerEntry, StreetLedger, TreeHead
from server.services.ledger import entry_leaf, tree_head_statement
from server.services.server_key import public_key
from sync.catalogue import text
from sync.chain import SignedHead
from sync.merkle import CompactRange, leaf_hash
from sync.operation import Operation, OperationInvalid
from sync.signing import PublicKey


@dataclass
class Problem:
    street_id: str
    position: int | None
    code: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"street": self.street_id, "position": self.position, "code": self.code,
                "detail": self.detail}


@dataclass(frozen=True)
class ChainLink:
    """One operation's place in its device's chain, and where its entry stands."""

    op_id: str
    prev: str
    street_id: str
    position: int


@dataclass
class Verification:
    entries: int = 0
    tree_heads: int = 0
    device_heads: int = 0
    problems: list[Problem] = field(default_factory=list)
    chains: dict[str, dict[int, ChainLink]] = field(default_factory=dict)
    """What the street pass read of each device's chain, for the device pass."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def to_json(self) -> dict[str, Any]:
        """The report as `flask verify-ledger --json` prints it and inspectors download it."""
        return {"ok": self.ok, "entries": self.entries, "tree_heads": self.tree_heads,
                "device_heads": self.device_heads,
                "problems": [problem.to_json() for problem in self.problems]}

    def summary(self) -> str:
        """One line in Chinese: verified, or where it first broke."""
        problem = self.first_problem
        if problem is None:
            return text("ledger.verified", entries=self.entries, heads=self.tree_heads,
                        device_heads=self.device_heads)
        return text("ledger.broken", street=problem.street_id, position=problem.position,
                    code=problem.code, detail=problem.detail)


def verify_ledger() -> Verification:
    result = Verification()
    streets = db.session.scalars(select(StreetLedger).order_by(StreetLedger.street_id)).all()
    for street in streets:
        _verify_street(street, result)
    _verify_devices(result)
    return result


def _verify_street(street: StreetLedger, result: Verification) -> None:
    heads = db.session.scalars(
        select(TreeHead).where(TreeHead.street_id == street.street_id).order_by(TreeHead.size)
    ).all()
    pending_heads = list(heads)
    compact = CompactRange()
    previous_hash, expected = "", 1
    for entry in _entries(street.street_id):
        result.entries += 1
        problem = _check_entry(entry, expected, previous_hash, result.chains)
        if problem:
            result.problems.append(Problem(street.street_id, entry.position, *problem))
            return
        compact.append(entry.entry_hash)
        previous_hash, expected = entry.entry_hash, expected + 1
        while pending_heads and pending_heads[0].size == compact.size:
            head = pending_heads.pop(0)
            problem = _check_head(head, compact.root())
            if problem:
                result.problems.append(Problem(street.street_id, head.size, *problem))
                return
            result.tree_heads += 1
    if pending_heads:
        result.problems.append(Problem(street.street_id, pending_heads[0].size, "entry_missing",
                                       "a signed tree head covers entries that are gone"))
    elif street.size != expected - 1 or street.last_hash != previous_hash:
        result.problems.append(Problem(street.street_id, expected, "entry_missing",
                                       "the ledger is shorter than its recorded size"))


def _entries(street_id: str) -> Iterator[LedgerEntry]:
    return db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.street_id == street_id)
        .order_by(LedgerEntry.position).execution_options(yield_per=1000)
    )


def _check_entry(entry: LedgerEntry, expected: int, previous_hash: str,
                 chains: dict[str, dict[int, ChainLink]]) -> tuple[str, str] | None:
    """A problem with the entry, or None; a sound entry's chain link goes into `chains`."""
    if entry.position != expected:
        return "entry_missing", f"expected position {expected}, found {entry.position}"
    if entry.prev_hash != previous_hash:
        return "chain_broken", "the entry does not link to the one before it"
    if leaf_hash(entry_leaf(entry)) != entry.entry_hash:
        return "entry_altered", "the entry's content does not match its hash"
    try:
        op = Operation.from_body(entry.body)
    except OperationInvalid as exc:
        return "operation_altered", exc.detail
    if (op.id, op.device_id, op.seq, op.record_id) != (
        entry.op_id, entry.device_id, entry.device_seq, entry.record_id
    ):
        return "operation_altered", "the stored operation is not the one the entry names"
    chains.setdefault(op.device_id, {})[op.seq] = ChainLink(op.id, op.prev, entry.street_id,
                                                            entry.position)
    return None


def _check_head(head: TreeHead, root: str) -> tuple[str, str] | None:
    if head.root != root:
        return "root_mismatch", f"signed root {head.root[:12]}… differs from the entries'"
    key = public_key(head.key_id)
    statement = tree_head_statement(head.street_id, head.size, head.root, head.signed_at)
    if key is None or not key.verifies(head.signature, statement):
        return "head_signature_invalid", "the tree head's signature does not verify"
    return None


def _verify_devices(result: Verification) -> None:
    """Each device's operations link into one chain; each head it signed verifies."""
    for device in db.session.scalars(select(Device).order_by(Device.id)):
        links = result.chains.get(device.id, {})
        ids: dict[int, str] = {}
        previous = ""
        for seq in sorted(links):
            link = links[seq]
            if seq != len(ids) + 1 or link.prev != previous:
                result.problems.append(Problem(link.street_id, link.position,
                                               "device_chain_broken",
                                               f"device {device.id} seq {seq}"))
                return
            ids[seq], previous = link.op_id, link.op_id
        key = PublicKey.from_text(device.public_key)
        for push in db.session.scalars(
            select(DevicePush).where(DevicePush.device_id == device.id)
            .order_by(DevicePush.seq)
        ):
            result.device_heads += 1
            if ids.get(push.seq) != push.head or not _device_head_verifies(push, key):
                result.problems.append(Problem("", None, "device_head_invalid",
                                               f"device {device.id} head at seq {push.seq}"))
                return


def _device_head_verifies(push: DevicePush, key: PublicKey) -> bool:
    head = SignedHead(push.device_id, push.seq, push.head, push.signed_at, push.signature)
    return head.is_signed_by(key)
