"""triageline: a self-hostable medical office answering service."""

__version__ = "0.1.0"
