"""Adapters for the calls service: the practice directory over stored configurations, the clock."""
