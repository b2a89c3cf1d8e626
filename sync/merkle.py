"""Merkle trees as in RFC 6962 (Certificate Transparency), for the central ledgers.

Leaves are hashed as SHA-256(0x00 || leaf) and inner nodes as SHA-256(0x01 || left || right),
so a leaf can never pass for a node. A ledger appends leaves one at a time; `CompactRange`
keeps only the roots of its perfect subtrees (one per set bit of the size), so appending and
computing the root cost O(log n) however long the ledger is. `root_of` is the RFC's
recursive definition, used to re-check a ledger from scratch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()
"""RFC 6962: the hash of an empty tree is the hash of the empty string."""


def leaf_hash(leaf: bytes) -> str:
    return hashlib.sha256(b"\x00" + leaf).hexdigest()


def node_hash(left: str, right: str) -> str:
    return hashlib.sha256(b"\x01" + bytes.fromhex(left) + bytes.fromhex(right)).hexdigest()


def root_of(leaf_hashes: Sequence[str]) -> str:
    """MTH(D[n]) by the RFC's definition: split at the largest power of two below n."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


class CompactRange:
    """The roots of the perfect subtrees covering leaves [0, size), largest first."""

    def __init__(self, subtrees: Sequence[tuple[int, str]] = ()) -> None:
        self.subtrees: list[tuple[int, str]] = [(int(s), h) for s, h in subtrees]

    @property
    def size(self) -> int:
        return sum(size for size, _ in self.subtrees)

    def append(self, leaf: str) -> None:
        """Add one leaf hash, merging equal-sized subtrees like a binary counter."""
        size, digest = 1, leaf
        while self.subtrees and self.subtrees[-1][0] == size:
            left_size, left = self.subtrees.pop()
            size, digest = left_size + size, node_hash(left, digest)
        self.subtrees.append((size, digest))

    def root(self) -> str:
        """The RFC 6962 root of all leaves so far: fold the subtrees from the right."""
        if not self.subtrees:
            return EMPTY_ROOT
        digest = self.subtrees[-1][1]
        for _, left in reversed(self.subtrees[:-1]):
            digest = node_hash(left, digest)
        return digest

    def to_json(self) -> list[list[int | str]]:
        return [[size, digest] for size, digest in self.subtrees]
