"""Process settings read once from the environment (standard library only).

Variables:

- ``TRIAGELINE_HOME``: base directory for ``var/`` (default: the current directory).
- ``TRIAGELINE_DATABASE_URL``: ``sqlite:///path`` or ``postgresql://...`` (default:
  ``sqlite:///<home>/var/triageline.db``). ``postgresql://`` and ``postgres://`` select psycopg 3.
- ``TRIAGELINE_SECRET_KEY``: the data-encryption keys, ``base64`` (32 bytes) or
  ``kid:base64,kid:base64,...``; the first is current, the others only decrypt. When unset the
  keys live in ``<home>/var/secret.key`` (same format, one per line), created with mode 0600.
- ``TRIAGELINE_PUBLIC_BASE_URL``: the externally visible ``https://`` origin (links in pages).
- ``TRIAGELINE_LOG_LEVEL``: ``DEBUG``, ``INFO`` (default), ``WARNING``, ``ERROR``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

KEY_BYTES = 32
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable and the reason."""


@dataclass(frozen=True, slots=True)
class SecretKey:
    """One AES-256 data-encryption key and its id."""

    kid: str
    material: bytes

    def __repr__(self) -> str:
        """Never show key material."""
        return f"SecretKey(kid={self.kid!r})"


def derive_kid(material: bytes) -> str:
    """A stable key id for a key given without one: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(material).hexdigest()[:8]


def generate_key() -> SecretKey:
    """A fresh random key with a random id."""
    material = secrets.token_bytes(KEY_BYTES)
    return SecretKey(kid=f"k{secrets.token_hex(4)}", material=material)


def format_keys(keys: Sequence[SecretKey]) -> str:
    """Serialise keys in the key-file format (one ``kid:base64`` per line)."""
    return "".join(f"{k.kid}:{base64.b64encode(k.material).decode('ascii')}\n" for k in keys)


def parse_keys(text: str, *, source: str) -> tuple[SecretKey, ...]:
    """Parse ``base64`` or ``kid:base64`` entries separated by commas or newlines."""
    entries = [e.strip() for e in re.split(r"[,\n]", text) if e.strip()]
    if not entries:
        raise SettingsError(f"{source}: no key given")
    keys: list[SecretKey] = []
    for index, entry in enumerate(entries):
        kid, sep, encoded = entry.rpartition(":")
        if not sep:
            kid, encoded = "", entry
        try:
            material = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise SettingsError(f"{source}: key #{index + 1} is not valid base64") from None
        if len(material) != KEY_BYTES:
            raise SettingsError(
                f"{source}: key #{index + 1} decodes to {len(material)} bytes, expected {KEY_BYTES}"
            )
        kid = kid or derive_kid(material)
        if not _KID_RE.match(kid):
            raise SettingsError(
                f"{source}: key id {kid!r} must be 1-32 letters, digits, '-' or '_'"
            )
        if any(k.kid == kid for k in keys):
            raise SettingsError(f"{source}: key id {kid!r} appears twice")
        keys.append(SecretKey(kid=kid, material=material))
    return tuple(keys)


def write_key_file(path: Path, keys: Sequence[SecretKey]) -> None:
    """Atomically (re)write the key file with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(format_keys(keys))
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _normalise_database_url(url: str) -> str:
    """Validate the database URL and select the psycopg 3 driver for PostgreSQL."""
    scheme = urlsplit(url).scheme
    if scheme in ("postgres", "postgresql"):
        return "postgresql+psycopg" + url[len(scheme) :]
    if scheme in ("postgresql+psycopg", "sqlite", "sqlite+pysqlite"):
        return url
    raise SettingsError(
        f"TRIAGELINE_DATABASE_URL: unsupported scheme {scheme!r} "
        "(use sqlite:///path or postgresql://user@host/db)"
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the process needs from its environment."""

    home: Path
    database_url: str
    key_file: Path
    env_keys: tuple[SecretKey, ...]
    public_base_url: str | None
    log_level: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings; raise SettingsError naming the bad variable."""
        env = os.environ if environ is None else environ
        home = Path(env.get("TRIAGELINE_HOME") or Path.cwd()).resolve()
        default_db = f"sqlite:///{home / 'var' / 'triageline.db'}"
        database_url = _normalise_database_url(env.get("TRIAGELINE_DATABASE_URL") or default_db)
        raw_keys = env.get("TRIAGELINE_SECRET_KEY", "").strip()
        env_keys = parse_keys(raw_keys, source="TRIAGELINE_SECRET_KEY") if raw_keys else ()
        public = (env.get("TRIAGELINE_PUBLIC_BASE_URL") or "").strip() or None
        if public is not None:
            parts = urlsplit(public)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise SettingsError(
                    f"TRIAGELINE_PUBLIC_BASE_URL: {public!r} is not an http(s) origin"
                )
            public = public.rstrip("/")
        level = (env.get("TRIAGELINE_LOG_LEVEL") or "INFO").strip().upper()
        if level not in _LOG_LEVELS:
            raise SettingsError(
                f"TRIAGELINE_LOG_LEVEL: {level!r} is not one of {', '.join(_LOG_LEVELS)}"
            )
        return cls(
            home=home,
            database_url=database_url,
            key_file=home / "var" / "secret.key",
            env_keys=env_keys,
            public_base_url=public,
            log_level=level,
        )

    @property
    def keys_from_env(self) -> bool:
        """True when the keys come from TRIAGELINE_SECRET_KEY rather than the key file."""
        return bool(self.env_keys)

    def load_keys(self) -> tuple[SecretKey, ...]:
        """The keys, current first: from the environment, else the key file (created if absent)."""
        if self.env_keys:
            return self.env_keys
        if not self.key_file.exists():
            write_key_file(self.key_file, [generate_key()])
        mode = self.key_file.stat().st_mode & 0o777
        if mode & 0o077:
            raise SettingsError(
                f"{self.key_file}: key file mode is {mode:o}; it must not be readable by group or "
                "others (chmod 600)"
            )
        return parse_keys(self.key_file.read_text(encoding="ascii"), source=str(self.key_file))
