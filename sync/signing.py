"""Device keys: each tablet holds an Ed25519 key and signs its chain head with it.

Ed25519 signatures are small (64 bytes), fast to verify and deterministic, and the
`cryptography` package implements them on OpenSSL.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class DeviceKey:
    """A device's signing key. The private half never leaves the tablet."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private

    @classmethod
    def generate(cls) -> DeviceKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> DeviceKey:
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def raw(self) -> bytes:
        """The 32 private bytes, for the tablet's encrypted key store."""
        return self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def public(self) -> PublicKey:
        return PublicKey(self._private.public_key())

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


class PublicKey:
    """The half of a device key the server stores at enrolment."""

    def __init__(self, key: Ed25519PublicKey) -> None:
        self._key = key

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        """Parse the URL-safe base64 form used on the wire."""
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return cls(Ed25519PublicKey.from_public_bytes(raw))

    def to_text(self) -> str:
        raw = self._key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True
