"""RFC 6962 Merkle trees: the incremental root equals the RFC's definition at every size."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from sync.merkle import EMPTY_ROOT, CompactRange, leaf_hash, node_hash, root_of

# RFC 6962 test vectors as published with the Certificate Transparency reference code.
RFC_LEAVES = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
              b"\x50\x51\x52\x53\x54\x55\x56\x57",
              b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
RFC_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def test_the_empty_tree_hashes_the_empty_string():
    assert CompactRange().root() == EMPTY_ROOT == hashlib.sha256(b"").hexdigest()


def test_roots_match_the_rfc_6962_reference_vectors():
    compact = CompactRange()
    for size, leaf in enumerate(RFC_LEAVES, start=1):
        compact.append(leaf_hash(leaf))
        assert compact.root() == RFC_ROOTS[size]
        assert root_of([leaf_hash(x) for x in RFC_LEAVES[:size]]) == RFC_ROOTS[size]


def test_a_leaf_cannot_pass_for_an_inner_node():
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert leaf_hash(bytes.fromhex(left) + bytes.fromhex(right)) != node_hash(left, right)


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_the_incremental_root_equals_the_definition(leaves):
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf_hash(leaf))
    assert compact.root() == root_of([leaf_hash(x) for x in leaves])
    assert compact.size == len(leaves)
    assert CompactRange(compact.to_json()).root() == compact.root()
