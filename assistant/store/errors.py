"""Domain errors raised by repositories; the API maps each to one HTTP status."""

from __future__ import annotations


class StoreError(Exception):
    """Base class: ``str(error)`` is the message shown to the client."""


class NotFoundError(StoreError):
    pass


class ConflictError(StoreError):
    pass


class ForbiddenError(StoreError):
    pass


class UnauthorizedError(StoreError):
    pass


class InvalidInputError(StoreError):
    pass
