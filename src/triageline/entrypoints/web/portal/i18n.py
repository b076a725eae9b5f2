"""Interface languages: English source strings, Spanish from a .po file read at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: tuple[tuple[str, str], ...] = (("en", "English"), ("es", "Español"))
DEFAULT_LANGUAGE = "en"


class Translator:
    """Looks up translations of one language; English (or a missing entry) returns the source."""

    def __init__(self, language: str, catalog: dict[str, str]) -> None:
        """Use ``catalog`` (source -> translation) for ``language``."""
        self.language = language
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        """The translation of ``message``, or ``message`` itself."""
        return self._catalog.get(message) or message


@lru_cache(maxsize=8)
def _catalog(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    found: dict[str, str] = {}
    for message in catalog:
        if (
            isinstance(message.id, str)
            and isinstance(message.string, str)
            and message.id
            and message.string
            and not message.fuzzy
        ):
            found[message.id] = message.string
    return found


def translator(language: str | None) -> Translator:
    """A translator for a supported language (English otherwise)."""
    code = language if language in dict(LANGUAGES) else DEFAULT_LANGUAGE
    return Translator(code, _catalog(code) if code != DEFAULT_LANGUAGE else {})


def negotiate(accept_language: str | None) -> str:
    """The best supported language for an Accept-Language header."""
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in dict(LANGUAGES):
            return code
    return DEFAULT_LANGUAGE
