"""Portal settings validation: relative calendar files are refused clearly or resolved properly."""

from __future__ import annotations

from pathlib import Path

import yaml
from portal_helpers import DEMO_YAML

from triageline.adapters.auth.config_checker import LoaderConfigChecker


def _with_calendar(file: str) -> str:
    data = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    data["on_call"]["ical"] = [{"name": "nurse-line", "file": file, "role": "nurse"}]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_a_relative_calendar_file_is_refused_with_a_clear_reason() -> None:
    checked = LoaderConfigChecker().check(_with_calendar("nurse-line.ics"), "demo.yaml")
    assert checked.practice is None
    assert len(checked.issues) == 1
    issue = checked.issues[0]
    assert issue.startswith("demo.yaml: on_call.ical[0].file: ")
    assert "absolute path" in issue and "nurse-line.ics" in issue
    assert "triageline-config-" not in issue  # never the temporary folder


def test_an_absolute_calendar_file_is_kept_as_written(tmp_path: Path) -> None:
    calendar = tmp_path / "nurse-line.ics"
    checked = LoaderConfigChecker().check(_with_calendar(str(calendar)), "demo.yaml")
    assert checked.issues == ()
    assert checked.practice is not None and checked.practice.on_call is not None
    locations = [s.location for s in checked.practice.on_call.calendar_sources]
    assert locations == [str(calendar)]


def test_with_a_configuration_folder_relative_files_resolve_there(tmp_path: Path) -> None:
    checked = LoaderConfigChecker(config_dir=tmp_path).check(
        _with_calendar("calendars/nurse-line.ics"), "demo.yaml"
    )
    assert checked.issues == ()
    assert checked.practice is not None and checked.practice.on_call is not None
    locations = [s.location for s in checked.practice.on_call.calendar_sources]
    assert locations == [str(tmp_path / "calendars" / "nurse-line.ics")]


def test_the_demo_configuration_still_passes() -> None:
    checked = LoaderConfigChecker().check(DEMO_YAML.read_text(encoding="utf-8"), "demo.yaml")
    assert checked.issues == () and checked.practice_id == "demo"
