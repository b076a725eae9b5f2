"""Adapters: the only place vendor libraries are imported."""
