"""Application-level encryption of PHI columns: AES-256-GCM with a key id on every ciphertext.

A sealed value is the text ``<kid>:<base64url(nonce || ciphertext+tag)>``. The associated data is
``<table>.<column>``, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from triageline.settings import KEY_BYTES, SecretKey

NONCE_BYTES = 12


class CryptoError(Exception):
    """A sealed value cannot be opened."""


class UnknownKeyError(CryptoError):
    """The ciphertext names a key id the keyring does not hold."""


class TamperedError(CryptoError):
    """Authentication failed: wrong key, wrong column, or altered bytes."""


class Keyring:
    """The data-encryption keys: the first seals, all of them open."""

    def __init__(self, keys: Sequence[SecretKey]) -> None:
        """Hold the keys; the first one is current."""
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._ciphers: dict[str, AESGCM] = {}
        for key in keys:
            if len(key.material) != KEY_BYTES:
                raise ValueError(f"key {key.kid!r} must be {KEY_BYTES} bytes")
            if key.kid in self._ciphers:
                raise ValueError(f"key id {key.kid!r} appears twice")
            self._ciphers[key.kid] = AESGCM(key.material)
        self.current_kid = keys[0].kid
        self.kids = tuple(k.kid for k in keys)

    def seal(self, plaintext: str, *, aad: str) -> str:
        """Encrypt ``plaintext`` under the current key, bound to ``aad`` (``table.column``)."""
        nonce = os.urandom(NONCE_BYTES)
        body = self._ciphers[self.current_kid].encrypt(
            nonce, plaintext.encode("utf-8"), aad.encode("utf-8")
        )
        return f"{self.current_kid}:{base64.urlsafe_b64encode(nonce + body).decode('ascii')}"

    def open(self, sealed: str, *, aad: str) -> str:
        """Decrypt a value sealed for the same ``aad``; raise a CryptoError otherwise."""
        kid, blob = split_sealed(sealed)
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise UnknownKeyError(f"no key with id {kid!r} in the keyring")
        try:
            raw = base64.urlsafe_b64decode(blob.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise TamperedError("sealed value is not valid base64") from None
        if len(raw) < NONCE_BYTES + 16:
            raise TamperedError("sealed value is too short")
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad.encode("utf-8")).decode(
                "utf-8"
            )
        except InvalidTag:
            raise TamperedError(f"authentication failed for {aad}") from None

    def seal_optional(self, plaintext: str | None, *, aad: str) -> str | None:
        """Seal a value that may be absent (None stays None)."""
        return None if plaintext is None else self.seal(plaintext, aad=aad)

    def open_optional(self, sealed: str | None, *, aad: str) -> str | None:
        """Open a value that may be absent (None stays None)."""
        return None if sealed is None else self.open(sealed, aad=aad)

    def is_current(self, sealed: str) -> bool:
        """True when the value is sealed under the current key."""
        return split_sealed(sealed)[0] == self.current_kid


def split_sealed(sealed: str) -> tuple[str, str]:
    """Split a sealed value into (key id, base64 body)."""
    kid, sep, blob = sealed.partition(":")
    if not sep or not kid:
        raise TamperedError("sealed value has no key id")
    return kid, blob
