"""Pure domain model: standard library only, no I/O, no clock."""
