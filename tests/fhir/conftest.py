"""FHIR test fixtures: see fhir_loopback for the loopback server."""

from __future__ import annotations

from fhir_loopback import serve_fhir

__all__ = ["serve_fhir"]
