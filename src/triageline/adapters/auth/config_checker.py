"""Validates portal-edited configuration text exactly as `triageline config check` does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from triageline.adapters.config.loader import ConfigError, load_practice
from triageline.services.portal_ports import CheckedConfig


class LoaderConfigChecker:
    """Runs the practice configuration loader on the text (written to a private temp file)."""

    def check(self, yaml_text: str, source: str) -> CheckedConfig:
        """The practice id and name, or every issue as `file: path: reason`."""
        with tempfile.TemporaryDirectory(prefix="triageline-config-") as folder:
            path = Path(folder) / "practice.yaml"
            path.write_text(yaml_text, encoding="utf-8")
            try:
                practice = load_practice(path)
            except ConfigError as error:
                return CheckedConfig(
                    None,
                    None,
                    tuple(f"{source}: {issue.path}: {issue.reason}" for issue in error.issues),
                )
        return CheckedConfig(practice.id, practice.name, (), practice)
