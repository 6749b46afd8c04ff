"""Homework between sessions: giving exercises, working on them, reading them.

- `giving`: assign through the safety gate, due dates, suggestions;
- `working`: status, completions, reviews (also inside the session form's transaction);
- `reading`: a couple's homework and adherence, the Homework tab in one read, the caseload.

The read side's SELECTs live in core.queries.homework, the pure rules in
core.homework_rules and core.adherence. Pages and tests use the names below:
`from core.services import homework; homework.assign(...)`.
"""

from __future__ import annotations

from core.adherence import ADHERENCE_COLUMNS, adherence
from core.homework_rules import TARGET_PARTNERS
from core.queries.homework import (
    DUE_COLUMNS,
    DUE_SOON_DAYS,
    HOMEWORK_COLUMNS,
    OPEN_STATUSES,
    RECENT_SESSIONS,
    AssignmentDetail,
    AssignmentView,
    CompletionView,
    overdue_query,
    split_current,
    target_label,
)
from core.services.homework.giving import (
    DEFAULT_DUE_DAYS,
    ConfirmationNeeded,
    SafetyGateError,
    assign,
    couple_profile,
    default_due_date,
    suggestions,
    usual_interval,
)
from core.services.homework.reading import (
    HomeworkTab,
    adherence_by_week,
    assignment,
    assignment_detail,
    couple_adherence,
    couple_assignments,
    couple_homework,
    due_for_review,
    homework_due,
    homework_tab,
    overdue_counts,
)
from core.services.homework.working import (
    apply_reviews,
    decide_safety,
    record_completion,
    review,
    set_status,
)

__all__ = [
    "ADHERENCE_COLUMNS",
    "DEFAULT_DUE_DAYS",
    "DUE_COLUMNS",
    "DUE_SOON_DAYS",
    "HOMEWORK_COLUMNS",
    "OPEN_STATUSES",
    "RECENT_SESSIONS",
    "TARGET_PARTNERS",
    "AssignmentDetail",
    "AssignmentView",
    "CompletionView",
    "ConfirmationNeeded",
    "HomeworkTab",
    "SafetyGateError",
    "adherence",
    "adherence_by_week",
    "apply_reviews",
    "assign",
    "assignment",
    "assignment_detail",
    "couple_adherence",
    "couple_assignments",
    "couple_homework",
    "couple_profile",
    "decide_safety",
    "default_due_date",
    "due_for_review",
    "homework_due",
    "homework_tab",
    "overdue_counts",
    "overdue_query",
    "record_completion",
    "review",
    "set_status",
    "split_current",
    "suggestions",
    "target_label",
    "usual_interval",
]
