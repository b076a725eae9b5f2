"""AES-GCM sealing: key ids, tamper detection, column binding, wrong and unknown keys."""

from __future__ import annotations

import base64

import pytest

from triageline.adapters.storage.crypto import Keyring, TamperedError, UnknownKeyError
from triageline.settings import SecretKey, generate_key

AAD = "messages.reason"


def make_keyring(*kids: str) -> Keyring:
    """A keyring of fresh random keys with the given ids (first is current)."""
    return Keyring([SecretKey(kid, generate_key().material) for kid in kids or ("k1",)])


def test_round_trip_and_key_id_prefix() -> None:
    ring = make_keyring("k1")
    sealed = ring.seal("fever of 104 since noon", aad=AAD)
    assert sealed.startswith("k1:")
    assert "fever" not in sealed
    assert ring.open(sealed, aad=AAD) == "fever of 104 since noon"


def test_every_seal_uses_a_fresh_nonce() -> None:
    ring = make_keyring()
    assert ring.seal("same", aad=AAD) != ring.seal("same", aad=AAD)


def test_tampered_ciphertext_is_rejected() -> None:
    ring = make_keyring()
    kid, body = ring.seal("chest pain", aad=AAD).split(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 0x01
    forged = f"{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(TamperedError):
        ring.open(forged, aad=AAD)


def test_ciphertext_moved_to_another_column_does_not_open() -> None:
    ring = make_keyring()
    sealed = ring.seal("Zebulon Quattlebaum", aad="messages.caller_name")
    with pytest.raises(TamperedError):
        ring.open(sealed, aad="messages.reason")


def test_wrong_key_with_the_same_id_is_rejected() -> None:
    sealed = make_keyring("k1").seal("secret", aad=AAD)
    with pytest.raises(TamperedError):
        make_keyring("k1").open(sealed, aad=AAD)


def test_unknown_key_id_is_reported() -> None:
    sealed = make_keyring("old").seal("secret", aad=AAD)
    with pytest.raises(UnknownKeyError, match="old"):
        make_keyring("new").open(sealed, aad=AAD)


def test_old_keys_still_open_after_a_new_current_key() -> None:
    old = SecretKey("old", generate_key().material)
    sealed = Keyring([old]).seal("secret", aad=AAD)
    ring = Keyring([SecretKey("new", generate_key().material), old])
    assert ring.open(sealed, aad=AAD) == "secret"
    assert not ring.is_current(sealed)
    assert ring.is_current(ring.seal("secret", aad=AAD))


@pytest.mark.parametrize("garbage", ["", "nokid", "k1:", "k1:!!!!", "k1:" + "A" * 8])
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises((TamperedError, UnknownKeyError)):
        make_keyring("k1").open(garbage, aad=AAD)


def test_key_material_is_never_in_repr() -> None:
    key = generate_key()
    assert base64.b64encode(key.material).decode() not in repr(key)
