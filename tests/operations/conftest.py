"""Operations tests reuse the storage and paging builders."""

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent.parent
for folder in ("storage", "paging_service"):
    path = str(_TESTS / folder)
    if path not in sys.path:
        sys.path.insert(0, path)
