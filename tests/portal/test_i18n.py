"""Every interface string used in the templates has a Spanish translation."""

from __future__ import annotations

import re
from pathlib import Path

from triageline.entrypoints.web.portal.i18n import translator

PORTAL = Path(__file__).resolve().parents[2] / "src/triageline/entrypoints/web/portal"


def test_every_template_string_is_translated_to_spanish() -> None:
    spanish = translator("es")
    strings = {
        m.group(2)
        for f in (PORTAL / "templates").glob("*.html")
        for m in re.finditer(r"""_\((["'])(.+?)\1\)""", f.read_text(encoding="utf-8"))
    }
    assert len(strings) > 100
    missing = sorted(s for s in strings if spanish.gettext(s) == s and s not in {"Portal", "min"})
    assert missing == []


def test_unknown_languages_fall_back_to_english() -> None:
    assert translator("fr").gettext("Inbox") == "Inbox"
    assert translator("es").gettext("Inbox") == "Bandeja de entrada"
