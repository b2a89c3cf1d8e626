"""Device chains: each device's operations form a hash chain whose head the device signs.

Signing the head once per hand-over authenticates every operation before it (each id covers
the previous id), so a sync costs one Ed25519 signature however many operations it carries.
Verification names what is wrong: an altered operation, a missing or reordered one, a chain
that forks, or a head that was not signed by the device's key.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sync import canonical
from sync.coded_error import CodedError
from sync.operation import OPERATION_CODES, Operation, OperationInvalid
from sync.signing import DeviceKey, PublicKey

CHAIN_CODES = OPERATION_CODES | {
    "bad_signature", "head_mismatch", "head_malformed", "chain_forked", "op_missing",
    "op_reordered", "wrong_device",
}
"""Stable codes of `ChainBroken`; the catalogue's ``sync.<code>`` says them in Chinese."""


class ChainBroken(CodedError):
    """A batch that does not verify. `seq` is the first bad position, where known."""

    CODES = CHAIN_CODES

    def __init__(self, code: str, detail: str, seq: int | None = None) -> None:
        super().__init__(code, detail)
        self.seq = seq


@dataclass(frozen=True)
class SignedHead:
    """A device's statement: "my chain up to `seq` ends in `head`", signed at `signed_at`."""

    device_id: str
    seq: int
    head: str
    signed_at: int
    signature: bytes

    def statement(self) -> bytes:
        return canonical.encode(
            {"device": self.device_id, "seq": self.seq, "head": self.head, "at": self.signed_at}
        )

    @classmethod
    def sign(cls, key: DeviceKey, device_id: str, seq: int, head: str, at: int) -> SignedHead:
        unsigned = cls(device_id, seq, head, at, b"")
        return cls(device_id, seq, head, at, key.sign(unsigned.statement()))

    def is_signed_by(self, key: PublicKey) -> bool:
        return key.verifies(self.signature, self.statement())

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device_id,
            "seq": self.seq,
            "head": self.head,
            "at": self.signed_at,
            "sig": base64.urlsafe_b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignedHead:
        """Parse a head as `to_json` writes it; `head_malformed` for anything else.

        Each field must already have its type: converting whatever came (`str()` of a list
        nested a thousand deep overflows the stack) was a server error once."""
        try:
            return cls(
                device_id=_typed(data, "device", str),
                seq=_typed(data, "seq", int),
                head=_typed(data, "head", str),
                signed_at=_typed(data, "at", int),
                signature=base64.b64decode(_typed(data, "sig", str), altchars=b"-_",
                                           validate=True),
            )
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise ChainBroken("head_malformed", f"malformed chain head: {exc!r}") from exc


def _typed(data: dict[str, Any], name: str, kind: type) -> Any:
    """`data[name]`, which must be a `kind` (an integer is not a bool); TypeError if not."""
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{name} must be {kind.__name__}, not {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Batch:
    """What a device hands over: a run of its chain and the signed head that ends it."""

    ops: tuple[Operation, ...]
    head: SignedHead

    def to_json(self) -> dict[str, Any]:
        return {"ops": [op.to_json() for op in self.ops], "head": self.head.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        """Parse a batch; any operation whose content does not match its id is refused."""
        ops = []
        for position, raw in enumerate(data.get("ops", [])):
            try:
                ops.append(Operation.from_json(raw))
            except OperationInvalid as exc:
                raise ChainBroken(exc.code, f"operation #{position}: {exc.detail}") from exc
        return cls(tuple(ops), SignedHead.from_json(data["head"]))


    def to_wire(self) -> bytes:
        """The compact hand-over form: the signed head as a JSON line (with `base`, the `prev`
        of the first operation), then one line per operation: its canonical bytes without
        `prev`, which is the id of the line before. Neither ids nor links are sent: they are
        hashes (incompressible, a third of a gzipped push), and the receiver recomputes them;
        the signed head still covers every byte, since it signs the last id."""
        base = self.ops[0].prev if self.ops else ""
        lines = [canonical.encode({**self.head.to_json(), "base": base})]
        lines.extend(op.unlinked_body() for op in self.ops)
        return b"\n".join(lines)

    @classmethod
    def from_wire(cls, data: bytes) -> Batch:
        """Parse the hand-over form; malformed lines are refused with the line's position."""
        head_line, *op_lines = data.split(b"\n")
        try:
            head_json = canonical.decode_object(head_line)
            base = head_json.pop("base")
            if not isinstance(base, str):
                raise ValueError("base must be an operation id or empty")
        except (ValueError, KeyError) as exc:
            raise ChainBroken("head_malformed", f"chain head: {exc!r}") from exc
        ops = []
        prev = base
        for position, line in enumerate(op_lines):
            try:
                op = Operation.from_unlinked_body(line, prev)
            except OperationInvalid as exc:
                raise ChainBroken(exc.code, f"operation #{position}: {exc.detail}") from exc
            ops.append(op)
            prev = op.id
        return cls(tuple(ops), SignedHead.from_json(head_json))


def verify_batch(batch: Batch, key: PublicKey, known_prev: str | None = None) -> None:
    """Check a batch is an unbroken run of one device's chain, ending at a head it signed.

    `known_prev` is the id this verifier already holds at the position just before the
    batch, when it holds it; without it the link is checked later, when that op arrives.
    """
    head = batch.head
    if not head.is_signed_by(key):
        raise ChainBroken("bad_signature", "chain head is not signed by the device key")
    ops = batch.ops
    if not ops:
        return
    _check_links(ops, head.device_id, known_prev)
    last = ops[-1]
    if last.seq != head.seq or last.id != head.head:
        raise ChainBroken("head_mismatch", "operations do not end at the signed head", last.seq)


def _check_links(ops: Sequence[Operation], device_id: str, known_prev: str | None) -> None:
    first = ops[0]
    if first.seq == 1 and first.prev != "":
        raise ChainBroken("chain_forked", "first operation of a chain has a predecessor", 1)
    if known_prev is not None and first.prev != known_prev:
        raise ChainBroken("chain_forked", "batch does not continue the known chain", first.seq)
    previous: Operation | None = None
    for op in ops:
        if op.device_id != device_id:
            raise ChainBroken("wrong_device", f"operation from device {op.device_id}", op.seq)
        if previous is not None:
            if op.seq != previous.seq + 1:
                code = "op_missing" if op.seq > previous.seq + 1 else "op_reordered"
                raise ChainBroken(code, f"seq {op.seq} follows {previous.seq}", op.seq)
            if op.prev != previous.id:
                raise ChainBroken("op_altered", "link to the previous operation is broken", op.seq)
        previous = op


class DeviceChain:
    """The device side: numbers and links each new operation, and signs the head."""

    def __init__(self, device_id: str, key: DeviceKey, seq: int = 0, head: str = "") -> None:
        self.device_id = device_id
        self._key = key
        self.seq = seq
        self.head = head

    def next_position(self) -> tuple[int, str]:
        """(seq, prev) for the next operation this device seals."""
        return self.seq + 1, self.head

    def advance(self, op: Operation) -> None:
        if (op.seq, op.prev) != (self.seq + 1, self.head) or op.device_id != self.device_id:
            raise ChainBroken("chain_forked", "operation does not extend this chain", op.seq)
        self.seq, self.head = op.seq, op.id

    def signed_head(self, at: int) -> SignedHead:
        return self.signed_head_at(self.seq, self.head, at)

    def signed_head_at(self, seq: int, head: str, at: int) -> SignedHead:
        """Sign a position already in this chain (a hand-over can stop short of the head)."""
        return SignedHead.sign(self._key, self.device_id, seq, head, at)
