"""Observability adapters: structured, PHI-redacted logging."""
