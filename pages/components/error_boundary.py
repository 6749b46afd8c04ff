"""The one error boundary (issue 11, item 5). A service's refusal (a MendError) is shown as
its message; anything unexpected (a database outage, a bug) shows a plain message with a
short incident id, and the server log gets the id, the exception's type, where it happened
and the stack of file, line and function; never the exception's own text, which for a
database error carries the SQL's parameters (note text, a password hash). A form's input
stays in its widgets. app.py runs every page through `guard`; forms go through `attempt`."""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core.config import PROJECT_ROOT
from core.db import Database
from core.domain import INCIDENT_MESSAGE, READ_ONLY_MODE
from core.errors import ConflictError, MendError
from core.formatting import plain

CONFLICT_HINT = "Your input is kept: save again to apply it, or reload the page to drop it."
log = logging.getLogger("mend.incidents")
T = TypeVar("T")


def _chain(error: BaseException) -> list[BaseException]:
    """The error and the ones it was raised from or during, innermost last."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.insert(0, current)
        current = current.__cause__ or current.__context__
    return chain


def _where(error: BaseException) -> str:
    """The deepest frame in Mend's own code (not a library's), as file:line in function."""
    root = f"{PROJECT_ROOT}/"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(root) and ".venv" not in f.filename]
    if not (ours or frames):
        return "unknown"
    frame = (ours or frames)[-1]
    return f"{frame.filename.removeprefix(root)}:{frame.lineno} in {frame.name}"


def _stack(error: BaseException) -> str:
    """The traceback without messages: each exception's type and its frames."""
    parts = []
    for link in _chain(error):
        frames = "".join(traceback.format_list(traceback.extract_tb(link.__traceback__)))
        parts.append(f"{frames}{type(link).__module__}.{type(link).__qualname__}")
    return "\n".join(parts)


def report(error: BaseException) -> str:
    """Log `error` under a new incident id and show the plain message; the id."""
    incident = secrets.token_hex(4)
    log.error(
        "Incident %s: %s at %s\nTraceback (values left out):\n%s",
        incident,
        type(error).__name__,
        _where(error),
        _stack(error),
        extra={"incident": incident},
    )
    st.error(INCIDENT_MESSAGE.format(incident=incident), icon=":material/report:")
    return incident


def guard(run: Callable[[], object]) -> None:
    """Run a page: a refusal that no form caught is shown as it is, anything else as an
    incident. Streamlit's own st.stop and st.rerun pass through (they are no Exception).
    After a failure the run ends with st.stop: Streamlit then keeps the state of widgets
    this run did not reach, so a form typed before an outage shows its input again."""
    try:
        run()
    except MendError as error:
        st.error(plain(error), icon=":material/error:")
        st.stop()
    except Exception as error:
        report(error)
        st.stop()


def attempt(action: Callable[[], T]) -> T | None:
    """Run a service call; show its refusal (or an incident) next to the form and return
    None. The form keeps its input."""
    try:
        return action()
    except ConflictError as conflict:  # someone saved first: the one conflict message
        st.error(f"{plain(conflict)}\n\n{CONFLICT_HINT}", icon=":material/sync_problem:")
    except MendError as error:
        st.error(plain(error), icon=":material/error:")
    except Exception as error:
        report(error)
    return None


def read_only_banner(db: Database) -> None:
    """On every page while the database refuses writes."""
    if not db.writable:
        st.warning(READ_ONLY_MODE, icon=":material/lock:")
