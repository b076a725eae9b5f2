"""Errors raised by domain aggregates."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of domain rule violations."""


class IllegalTransitionError(DomainError):
    """An aggregate was asked to move to a status its current status cannot reach."""

    def __init__(self, aggregate: str, current: str, target: str) -> None:
        """Name the aggregate and both statuses."""
        super().__init__(f"{aggregate}: cannot go from {current!r} to {target!r}")
        self.aggregate = aggregate
        self.current = current
        self.target = target
