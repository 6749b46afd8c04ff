"""Errors that services raise with a message a counsellor can read."""

from __future__ import annotations


class MendError(Exception):
    """Base class: `str(error)` is shown to the user as it is."""


class ValidationError(MendError):
    """Input was refused; nothing was written."""

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


class PermissionDenied(MendError):
    """The acting user may not do this."""


class NotFound(MendError):
    """The record does not exist (or the user may not know it exists)."""


class ConflictError(MendError):
    """Someone else saved a newer version first; nothing was overwritten."""


class LostRace(ConflictError):
    """Another save of the same version committed first (a versioned UPDATE matched no
    row). core.db words it generically; services reword it for their record."""


class AuthenticationError(MendError):
    """Login refused (wrong password, locked or inactive account)."""


class SignedNoteError(MendError):
    """A signed clinical note (or its ratings) was about to change."""


class ReadOnlyDatabase(MendError):
    """The database refuses writes (a read-only file, role or transaction): Mend runs in
    read-only mode and says so instead of failing."""
