"""Protocol packs on disk: YAML files loaded into the triage domain's pack model."""

from triageline.adapters.protocols.loader import (
    MANDATORY_PACKS,
    PackError,
    build_engine,
    default_protocols_dir,
    load_pack,
    load_packs,
)

__all__ = [
    "MANDATORY_PACKS",
    "PackError",
    "build_engine",
    "default_protocols_dir",
    "load_pack",
    "load_packs",
]
