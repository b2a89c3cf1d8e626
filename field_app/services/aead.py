"""AES-256-GCM sealing shared by the vault and the encrypted replica store.

One format everywhere: a version byte, a random 96-bit nonce, then the ciphertext with its
16-byte tag. The associated data names what the value is and where it lives, so a sealed value
copied into another place (another row, another field of the vault) no longer opens.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealBroken(Exception):
    """The key is wrong, or the value was changed or moved: the two cannot be told apart."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return os.urandom(KEY_BYTES)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt and authenticate `plaintext`, bound to `associated`."""
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def open_sealed(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    """The plaintext of `seal`; `SealBroken` if the key, the bytes or `associated` differ."""
    if sealed[:1] != _VERSION or len(sealed) < 1 + _NONCE_BYTES + 16:
        raise SealBroken("not a sealed value of a known version")
    nonce = sealed[1 : 1 + _NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + _NONCE_BYTES :], associated)
    except InvalidTag:
        raise SealBroken("wrong key, or the value was altered or moved") from None
