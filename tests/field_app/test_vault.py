"""The key vault: the PIN opens the data key and the device key, and the file gives nothing away."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from field_app.services.vault import ScryptParams, Vault, VaultError
from sync.signing import DeviceKey

CHEAP = ScryptParams(n=2**10, r=8, p=1)
"""A cheap scrypt cost so the tests run fast; the default is checked on its own."""
PIN, OTHER_PIN = "204816", "7319"


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault(tmp_path / "vault.json", kdf=CHEAP)


def code_of(excinfo: pytest.ExceptionInfo[VaultError]) -> str:
    return excinfo.value.code


def test_the_right_pin_opens_the_data_key_and_device_key(vault):
    device_key = DeviceKey.generate()
    made = vault.set_up(PIN, device_key)
    opened = Vault(vault.path).unlock(PIN)
    assert opened.data_key == made.data_key
    assert opened.device_key.raw() == device_key.raw()


def test_a_wrong_pin_is_refused(vault):
    vault.set_up(PIN)
    with pytest.raises(VaultError) as refused:
        vault.unlock(OTHER_PIN)
    assert code_of(refused) == "pin_wrong"


def test_the_file_holds_no_pin_data_key_or_device_key_in_the_clear(vault):
    unlocked = vault.set_up(PIN)
    raw = vault.path.read_bytes()
    for secret in (unlocked.data_key, unlocked.device_key.raw()):
        for form in (secret, secret.hex().encode(), base64.b64encode(secret),
                     base64.urlsafe_b64encode(secret).rstrip(b"=")):
            assert form not in raw
    assert PIN not in values_in(json.loads(raw))


def values_in(document: object) -> list[str]:
    """Every value in a JSON document, as text (a PIN's digits could turn up inside base64
    by chance, so the PIN is looked for as a whole value)."""
    if isinstance(document, dict):
        return [v for value in document.values() for v in values_in(value)]
    if isinstance(document, list):
        return [v for value in document for v in values_in(value)]
    return [str(document)]


def test_a_new_pin_opens_the_same_keys_and_the_old_pin_no_longer_does(vault):
    made = vault.set_up(PIN)
    vault.change_pin(PIN, OTHER_PIN)
    assert vault.unlock(OTHER_PIN).data_key == made.data_key
    with pytest.raises(VaultError) as refused:
        vault.unlock(PIN)
    assert code_of(refused) == "pin_wrong"


def test_changing_the_pin_needs_the_old_one(vault):
    vault.set_up(PIN)
    with pytest.raises(VaultError) as refused:
        vault.change_pin("0000", OTHER_PIN)
    assert code_of(refused) == "pin_wrong"
    assert vault.unlock(PIN)


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "１２３４", "12 34", ""])
def test_a_pin_is_4_to_8_digits(vault, pin):
    with pytest.raises(VaultError) as refused:
        vault.set_up(pin)
    assert code_of(refused) == "pin_format"
    assert not vault.exists()


def test_a_tablet_is_set_up_only_once(vault):
    vault.set_up(PIN)
    with pytest.raises(VaultError) as refused:
        vault.set_up(OTHER_PIN)
    assert code_of(refused) == "vault_exists"


def test_unlocking_before_set_up_says_the_vault_is_missing(vault):
    with pytest.raises(VaultError) as refused:
        vault.unlock(PIN)
    assert code_of(refused) == "vault_missing"


def test_a_damaged_file_says_so_rather_than_wrong_pin(vault):
    vault.set_up(PIN)
    document = json.loads(vault.path.read_bytes())
    document["kdf"]["salt"] = "not base64!"
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultError) as refused:
        vault.unlock(PIN)
    assert code_of(refused) == "vault_damaged"


def test_the_scrypt_cost_is_read_from_the_file_so_it_can_change(vault, tmp_path):
    vault.set_up(PIN)
    stronger = Vault(vault.path, kdf=ScryptParams(n=2**11, r=8, p=1))
    stronger.change_pin(PIN, OTHER_PIN)
    assert json.loads(vault.path.read_bytes())["kdf"]["n"] == 2**11
    assert Vault(vault.path, kdf=CHEAP).unlock(OTHER_PIN)


def test_by_default_scrypt_costs_2_to_the_15(tmp_path):
    vault = Vault(tmp_path / "vault.json")
    vault.set_up(PIN)
    kdf = json.loads(vault.path.read_bytes())["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", 2**15, 8, 1)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_is_readable_by_the_app_alone(vault):
    vault.set_up(PIN)
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600
