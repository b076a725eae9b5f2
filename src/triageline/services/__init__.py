"""Use cases; they reach the outside world only through ports."""
