"""Cross-cutting security and privacy tests (enumerating routes, tables and flows)."""
