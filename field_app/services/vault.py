"""The tablet's key vault: one small file that opens with the worker's PIN.

A random 256-bit data key encrypts everything personal on the tablet (the replica's values,
the device's signing key). The data key itself is stored only wrapped: AES-GCM under a key
derived from the PIN with scrypt. Changing the PIN rewraps the data key and touches nothing
else, and the scrypt parameters travel with the wrapped key so a later release can raise the
cost. The file also keeps the wrong-PIN counter (`pin_guard`), so killing the app does not
reset it. Nothing secret is ever written unencrypted.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from field_app.services.aead import KEY_BYTES, SealBroken, new_key, open_sealed, seal
from sync.coded_error import CodedError
from sync.durable_file import replace_durably
from sync.signing import DeviceKey

FORMAT = "minqing-vault/1"
_DATA_KEY_AD = b"minqing-vault/1 data-key"
_DEVICE_KEY_AD = b"minqing-vault/1 device-key"
_SALT_BYTES = 16

VAULT_CODES = frozenset({
    "pin_format", "pin_wrong", "vault_missing", "vault_exists", "vault_damaged",
})
"""Stable codes of `VaultError`; the catalogue will say them in Chinese."""


class VaultError(CodedError):
    """The vault refused: a malformed or wrong PIN, or a vault missing, present or damaged."""

    CODES = VAULT_CODES


@dataclass(frozen=True)
class ScryptParams:
    """scrypt's cost. The default takes 32 MiB and a fraction of a second on a tablet, which
    is what makes each PIN guess expensive; tests and benches pass a cheaper one."""

    n: int = 2**15
    r: int = 8
    p: int = 1


@dataclass(frozen=True)
class GuardState:
    """Wrong PINs in a row, and the wall-clock second before which no PIN is tried."""

    failures: int = 0
    locked_until: float = 0.0


@dataclass(frozen=True)
class Unlocked:
    """What the PIN opens. Kept in memory only while the app is unlocked."""

    data_key: bytes = field(repr=False)
    device_key: DeviceKey = field(repr=False)


def check_pin(pin: str) -> None:
    """A PIN is 4 to 8 ASCII digits (the number pad's, not full-width ones)."""
    if not (4 <= len(pin) <= 8 and pin.isascii() and pin.isdigit()):
        raise VaultError("pin_format", "a PIN is 4 to 8 digits")


class Vault:
    """The vault file at `path`. `kdf` is the cost used when a PIN is set or changed;
    unlocking always uses the parameters stored in the file."""

    def __init__(self, path: str | Path, *, kdf: ScryptParams | None = None) -> None:
        self.path = Path(path)
        self.kdf = kdf if kdf is not None else ScryptParams()

    def exists(self) -> bool:
        """Has this tablet been set up? (If not, the app asks for a new PIN, not the PIN.)"""
        return self.path.exists()

    def set_up(self, pin: str, device_key: DeviceKey | None = None) -> Unlocked:
        """First start: make the data key, wrap it under `pin`, seal the device key."""
        check_pin(pin)
        if self.exists():
            raise VaultError("vault_exists", f"{self.path} is already set up")
        unlocked = Unlocked(new_key(), device_key or DeviceKey.generate())
        document = {
            "format": FORMAT,
            **self._wrap(unlocked.data_key, pin),
            "device_key": _b64(seal(unlocked.data_key, unlocked.device_key.raw(),
                                    _DEVICE_KEY_AD)),
            "guard": asdict(GuardState()),
        }
        self._write(document)
        return unlocked

    def unlock(self, pin: str) -> Unlocked:
        """The data key and device key, if `pin` is right; `pin_wrong` if not."""
        check_pin(pin)
        document = self._read()
        data_key = self._unwrap(document, pin)
        try:
            raw = open_sealed(data_key, _unb64(document["device_key"]), _DEVICE_KEY_AD)
        except (SealBroken, KeyError, ValueError):
            raise VaultError("vault_damaged", "the device key does not open") from None
        return Unlocked(data_key, DeviceKey.from_raw(raw))

    def change_pin(self, old: str, new: str) -> None:
        """Rewrap the same data key under `new`; the replica and device key stay as they are."""
        check_pin(new)
        unlocked = self.unlock(old)
        document = self._read()
        document.update(self._wrap(unlocked.data_key, new))
        self._write(document)

    def guard_state(self) -> GuardState:
        guard = self._read().get("guard", {})
        return GuardState(int(guard.get("failures", 0)), float(guard.get("locked_until", 0.0)))

    def save_guard_state(self, state: GuardState) -> None:
        document = self._read()
        document["guard"] = asdict(state)
        self._write(document)

    # -- internals -----------------------------------------------------------------------

    def _wrap(self, data_key: bytes, pin: str) -> dict[str, Any]:
        salt = os.urandom(_SALT_BYTES)
        kek = _derive(pin, salt, self.kdf)
        return {
            "kdf": {"name": "scrypt", **asdict(self.kdf), "salt": _b64(salt)},
            "data_key": _b64(seal(kek, data_key, _DATA_KEY_AD)),
        }

    def _unwrap(self, document: dict[str, Any], pin: str) -> bytes:
        try:
            kdf = document["kdf"]
            params = ScryptParams(int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            salt, wrapped = _unb64(kdf["salt"]), _unb64(document["data_key"])
            kek = _derive(pin, salt, params)
        except (KeyError, TypeError, ValueError):
            raise VaultError("vault_damaged", "the wrapped data key is unreadable") from None
        try:
            data_key = open_sealed(kek, wrapped, _DATA_KEY_AD)
        except SealBroken:
            raise VaultError("pin_wrong", "the PIN does not open the vault") from None
        if len(data_key) != KEY_BYTES:
            raise VaultError("vault_damaged", "the data key has the wrong length")
        return data_key

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            raise VaultError("vault_missing", f"{self.path} is not set up") from None
        except ValueError:
            raise VaultError("vault_damaged", f"{self.path} is not a vault") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise VaultError("vault_damaged", f"{self.path} is not a {FORMAT} file")
        return document

    def _write(self, document: dict[str, Any]) -> None:
        """Replace the file in one durable step: a crash leaves the old vault or the new one,
        never half of each (which would lose the data key for good)."""
        replace_durably(self.path, json.dumps(document, indent=1).encode("ascii"))


def _derive(pin: str, salt: bytes, params: ScryptParams) -> bytes:
    return Scrypt(salt=salt, length=KEY_BYTES, n=params.n, r=params.r, p=params.p).derive(
        pin.encode("ascii"))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)
