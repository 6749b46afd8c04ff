"""The couple page's tabs; each `render(db, user, couple)` draws one tab's contents."""


def progress_status_key(couple_id: int) -> str:
    """Where the Progress tab leaves the couple's status for the Homework tab, which the
    couple page draws after it in the same run (so suggestions need no second analysis)."""
    return f"couple_progress_status_{couple_id}"
