"""`triageline db upgrade|current` and `demo load` against a fresh home directory."""

from __future__ import annotations

import stat
from pathlib import Path

from typer.testing import CliRunner

from triageline.bootstrap import build_container
from triageline.entrypoints.cli.main import app
from triageline.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"


def test_fresh_home_upgrade_then_load_demo_twice(tmp_path: Path) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path)}
    runner = CliRunner()
    before = runner.invoke(app, ["db", "current"], env=env)
    assert before.exit_code == 1 and "current: none" in before.output

    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    key_file = tmp_path / "var" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert (tmp_path / "var" / "triageline.db").is_file()
    assert runner.invoke(app, ["db", "current"], env=env).exit_code == 0

    first = runner.invoke(app, ["demo", "load", str(DEMO)], env=env)
    again = runner.invoke(app, ["demo", "load", str(DEMO)], env=env)
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    assert "version 1 (stored)" in first.output and "version 1 (unchanged)" in again.output

    container = build_container(Settings.from_env(env))
    with container.uow_factory() as uow:
        (practice_id,) = uow.practices.list_ids()
        stored = uow.practices.latest_config(practice_id)
        assert stored is not None and stored.yaml_text == DEMO.read_text(encoding="utf-8")
        assert [e.entry.action for e in uow.audit.list()] == ["practice.config_stored"]
    container.close()


def test_invalid_practice_is_not_stored(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: demo\nname: Demo\nbogus_key: 1\n", encoding="utf-8")
    env = {"TRIAGELINE_HOME": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["demo", "load", str(bad)], env=env)
    assert result.exit_code == 2
    assert "bad.yaml" in result.output


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_SECRET_KEY": "nope!"}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert "TRIAGELINE_SECRET_KEY" in result.output
