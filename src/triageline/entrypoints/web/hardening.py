"""App-wide HTTP hardening: validation errors that never 500.

- Request validation errors answer 422 with the type, location and message of each error but
  never the rejected input: echoing it could fail to serialise (invalid UTF-8, ``inf``) and would
  reflect whatever the client sent, PHI included.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _location(loc: Sequence[object]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def validation_error(request: Request, exc: Exception) -> Response:
    """422 with each error's type, location and message; the rejected input is never echoed."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": str(error.get("type", "")),
            "loc": _location(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
        }
        for error in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def install(app: FastAPI) -> None:
    """Add the validation-error handler to ``app``."""
    app.add_exception_handler(RequestValidationError, validation_error)
