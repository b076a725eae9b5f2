"""argon2id password hashing (argon2-cffi) with rehash-on-login when parameters change."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """argon2id; defaults t=3, m=64 MiB, p=4 (above OWASP ASVS appendix C minimums)."""

    def __init__(
        self, time_cost: int = 3, memory_cost_kib: int = 65536, parallelism: int = 4
    ) -> None:
        """Use these cost parameters for new hashes."""
        self._ph = _Argon2(
            time_cost=time_cost,
            memory_cost=memory_cost_kib,
            parallelism=parallelism,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        """A new encoded hash with a fresh random salt."""
        return self._ph.hash(password)

    def verify(self, encoded: str, password: str) -> bool:
        """True when ``password`` matches; False on mismatch or an unreadable hash."""
        try:
            return self._ph.verify(encoded, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, encoded: str) -> bool:
        """True when the hash was made with other parameters (or another variant)."""
        try:
            return self._ph.check_needs_rehash(encoded)
        except (InvalidHashError, ValueError):
            return True
