"""Validates portal-edited configuration text exactly as `triageline config check` does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from triageline.adapters.config.loader import ConfigError, load_practice_config, to_practice
from triageline.adapters.config.schema import PracticeConfig
from triageline.services.portal_ports import CheckedConfig

RELATIVE_FILE_REASON = (
    "a calendar file in a configuration edited in the portal must be an absolute path "
    "(a relative path would be resolved against a temporary folder, not the practice's "
    "configuration folder): {file}"
)


class LoaderConfigChecker:
    """Runs the practice configuration loader on the text (written to a private temp file).

    Relative calendar-file references resolve against ``config_dir`` (the folder the practice's
    configuration files live in) when one is given; without one they are refused with a clear
    reason instead of silently pointing into the temporary folder.
    """

    def __init__(self, config_dir: Path | None = None) -> None:
        """Resolve relative calendar files against ``config_dir`` (None: refuse them)."""
        self._config_dir = config_dir

    def check(self, yaml_text: str, source: str) -> CheckedConfig:
        """The practice id and name, or every issue as `file: path: reason`."""
        with tempfile.TemporaryDirectory(prefix="triageline-config-") as folder:
            path = Path(folder) / "practice.yaml"
            path.write_text(yaml_text, encoding="utf-8")
            try:
                config = load_practice_config(path)
                relative = self._relative_files(config, source)
                if relative:
                    return CheckedConfig(None, None, relative)
                practice = to_practice(config, self._config_dir or path.parent, str(path))
            except ConfigError as error:
                return CheckedConfig(
                    None,
                    None,
                    tuple(f"{source}: {issue.path}: {issue.reason}" for issue in error.issues),
                )
        return CheckedConfig(practice.id, practice.name, (), practice)

    def _relative_files(self, config: PracticeConfig, source: str) -> tuple[str, ...]:
        """Issues for relative calendar files when there is no configuration folder to use."""
        if self._config_dir is not None or config.on_call is None:
            return ()
        return tuple(
            f"{source}: on_call.ical[{index}].file: " + RELATIVE_FILE_REASON.format(file=item.file)
            for index, item in enumerate(config.on_call.ical)
            if item.file is not None and not Path(item.file).is_absolute()
        )
