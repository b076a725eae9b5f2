"""Settings from the environment: defaults, key formats, key file creation and bad values."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from triageline.settings import Settings, SettingsError, derive_kid

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_defaults_put_everything_under_home(tmp_path: Path) -> None:
    settings = Settings.from_env({"TRIAGELINE_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/var/triageline.db"
    assert settings.key_file == tmp_path / "var" / "secret.key"
    assert settings.log_level == "INFO" and settings.public_base_url is None
    assert not settings.keys_from_env


def test_postgres_urls_use_psycopg3(tmp_path: Path) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_DATABASE_URL": "postgres://u@h/db"}
    assert Settings.from_env(env).database_url == "postgresql+psycopg://u@h/db"


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings.from_env({"TRIAGELINE_HOME": str(tmp_path)})
    first = settings.load_keys()
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    assert settings.load_keys() == first and len(first) == 1


def test_group_readable_key_file_is_refused(tmp_path: Path) -> None:
    settings = Settings.from_env({"TRIAGELINE_HOME": str(tmp_path)})
    settings.load_keys()
    settings.key_file.chmod(0o644)
    with pytest.raises(SettingsError, match="chmod 600"):
        settings.load_keys()


def test_env_keys_with_and_without_ids(tmp_path: Path) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_SECRET_KEY": f"new:{KEY_B}, {KEY_A}"}
    keys = Settings.from_env(env).load_keys()
    assert [k.kid for k in keys] == ["new", derive_kid(b"a" * 32)]
    assert keys[0].material == b"b" * 32
    assert not (tmp_path / "var" / "secret.key").exists()


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("TRIAGELINE_SECRET_KEY", "not base64!", "not valid base64"),
        ("TRIAGELINE_SECRET_KEY", base64.b64encode(b"short").decode(), "expected 32"),
        ("TRIAGELINE_SECRET_KEY", f"k:{KEY_A},k:{KEY_B}", "appears twice"),
        ("TRIAGELINE_SECRET_KEY", f"bad id:{KEY_A}", "key id"),
        ("TRIAGELINE_DATABASE_URL", "mysql://x/y", "unsupported scheme"),
        ("TRIAGELINE_PUBLIC_BASE_URL", "ftp://example.org", "http"),
        ("TRIAGELINE_LOG_LEVEL", "LOUD", "LOUD"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str, reason: str) -> None:
    with pytest.raises(SettingsError, match=name) as error:
        Settings.from_env({"TRIAGELINE_HOME": str(tmp_path), name: value})
    assert reason in str(error.value)
