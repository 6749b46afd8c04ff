"""Optimistic locking's second half: a save that lost a race at the database.

Every versioned save first compares the version the user opened with the stored one
(each service words that refusal for its record). Two saves of the same version at the
same moment both pass that check; the database then decides: the loser's UPDATE carries
`WHERE version = <opened>` and matches no row, which SQLAlchemy reports as
StaleDataError, at a flush or at commit. `stale_is_conflict` turns that into the same
ConflictError the version check raises, so a page shows one message for both (and keeps
the form's input), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import ConflictError, LostRace


@contextmanager
def stale_is_conflict(message: Callable[[], str]) -> Iterator[None]:
    """Around a whole transaction: a lost race raises ConflictError(message()).

    `message` runs after the loser's transaction was rolled back, so it may read the
    winner's saved state (its time, its new status) in a fresh session."""
    try:
        yield
    except (StaleDataError, LostRace):  # LostRace: core.db's generic wording of it
        raise ConflictError(message()) from None


def flush_or_conflict(session: Session, message: Callable[[Session], str]) -> None:
    """Flush inside a caller's transaction; a lost race raises ConflictError(message(fresh)),
    `fresh` being a new session on the same database that sees the winner's save (the
    failed flush has already rolled the caller's transaction back)."""
    bind = session.get_bind()
    try:
        session.flush()
    except StaleDataError:
        with Session(bind) as fresh:
            raise ConflictError(message(fresh)) from None
