"""Domain errors → HTTP statuses, always as ``{"detail": "<clear message>"}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from assistant.store.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    StoreError,
    UnauthorizedError,
)

_STATUS: dict[type[StoreError], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    ForbiddenError: 403,
    UnauthorizedError: 401,
    InvalidInputError: 422,
}


def status_of(exc: StoreError) -> int:
    return next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    status = status_of(exc) if isinstance(exc, StoreError) else 400
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)


async def _stale(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(
        {"detail": "the item was changed by someone else at the same time: reload and retry"},
        status_code=409,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(StaleDataError, _stale)
