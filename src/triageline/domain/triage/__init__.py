"""Triage: protocol packs, the deterministic engine and its value types."""
