"""Domain vocabulary shared by models, schemas, services and pages."""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Role(StrEnum):
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CoupleStatus(StrEnum):
    INTAKE = "intake"
    ACTIVE = "active"
    PAUSED = "paused"
    CLOSED = "closed"


class PartnerRole(StrEnum):
    HURT = "hurt"
    BROKE_TRUST = "broke_trust"
    BOTH = "both"


class BreachPattern(StrEnum):
    ONE_TIME = "one_time"
    REPEATED = "repeated"


class BreachType(StrEnum):
    INFIDELITY_SEXUAL = "infidelity_sexual"
    INFIDELITY_EMOTIONAL = "infidelity_emotional"
    LYING_MONEY = "lying_money"
    LYING_WHEREABOUTS = "lying_whereabouts"
    LYING_PERSONAL = "lying_personal"
    EMOTIONAL_DISTANCE = "emotional_distance"
    BROKEN_PROMISES = "broken_promises"
    DISRESPECT = "disrespect"
    COALITIONS = "coalitions"
    SOCIAL_MEDIA = "social_media"
    UNSTATED_EXPECTATIONS = "unstated_expectations"
    LACK_OF_COMMUNICATION = "lack_of_communication"
    EMOTIONAL_ABUSE = "emotional_abuse"


class Modality(StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class Attendees(StrEnum):
    JOINT = "joint"
    A_ONLY = "a_only"
    B_ONLY = "b_only"


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class AssignmentTarget(StrEnum):
    A = "A"
    B = "B"
    BOTH = "both"


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"


class SafetyDecision(StrEnum):
    """What the counsellor decided for open joint or vulnerability homework given before
    a safety concern opened (an Assignment's safety_decision)."""

    PAUSE = "pause"
    CONTINUE = "continue"


class ScreenStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReportVersion(StrEnum):
    """Who a progress report (PDF) is for."""

    CLINICIAN = "clinician"
    COUPLE = "couple"
    PARTNER = "partner"


class TraumaFollowUpKind(StrEnum):
    """How a positive trauma screen was followed up (a TraumaFollowUp's outcome)."""

    REFERRAL = "referral"
    FURTHER_ASSESSMENT = "further_assessment"
    MONITORED = "monitored"


ACCOUNT_ROLE_LABELS: dict[Role, str] = {
    Role.COUNSELLOR: "Counsellor",
    Role.SUPERVISOR: "Supervisor",
    Role.ADMIN: "Administrator",
}

COUPLE_STATUS_LABELS: dict[CoupleStatus, str] = {
    CoupleStatus.INTAKE: "Intake",
    CoupleStatus.ACTIVE: "Active",
    CoupleStatus.PAUSED: "Paused",
    CoupleStatus.CLOSED: "Closed",
}

MODALITY_LABELS: dict[Modality, str] = {
    Modality.IN_PERSON: "In person",
    Modality.VIDEO: "Video",
    Modality.PHONE: "Phone",
}

PARTNER_ROLE_LABELS: dict[PartnerRole, str] = {
    PartnerRole.HURT: "Hurt partner",
    PartnerRole.BROKE_TRUST: "Broke trust",
    PartnerRole.BOTH: "Both (mutual breaches)",
}

PATTERN_LABELS: dict[BreachPattern, str] = {
    BreachPattern.ONE_TIME: "One-time event",
    BreachPattern.REPEATED: "Repeated pattern",
}

BREACH_LABELS: dict[BreachType, str] = {
    BreachType.INFIDELITY_SEXUAL: "Infidelity (sexual)",
    BreachType.INFIDELITY_EMOTIONAL: "Infidelity (emotional)",
    BreachType.LYING_MONEY: "Lying or deception about money",
    BreachType.LYING_WHEREABOUTS: "Lying or deception about whereabouts",
    BreachType.LYING_PERSONAL: "Lying or deception about personal matters",
    BreachType.EMOTIONAL_DISTANCE: "Emotional coldness or distance",
    BreachType.BROKEN_PROMISES: "Broken promises",
    BreachType.DISRESPECT: "Disrespect (speaking badly of, not standing up for the partner)",
    BreachType.COALITIONS: "Coalitions against the partner (e.g. with family)",
    BreachType.SOCIAL_MEDIA: "Social-media conduct",
    BreachType.UNSTATED_EXPECTATIONS: "Unmet expectations that were never stated",
    BreachType.LACK_OF_COMMUNICATION: "Lack of communication",
    BreachType.EMOTIONAL_ABUSE: "Emotional abuse / coercive control",
}

ASSIGNMENT_STATUS_LABELS: dict[AssignmentStatus, str] = {
    AssignmentStatus.ASSIGNED: "Assigned",
    AssignmentStatus.IN_PROGRESS: "In progress",
    AssignmentStatus.DONE: "Done",
    AssignmentStatus.SKIPPED: "Skipped",
}

MODALITY_LABELS: dict[Modality, str] = {
    Modality.IN_PERSON: "In person",
    Modality.VIDEO: "Video",
    Modality.PHONE: "Phone",
}
ATTENDEE_LABELS: dict[Attendees, str] = {
    Attendees.JOINT: "joint",
    Attendees.A_ONLY: "partner A only",
    Attendees.B_ONLY: "partner B only",
}
NOTE_STATUS_LABELS: dict[NoteStatus, str] = {NoteStatus.DRAFT: "Draft", NoteStatus.SIGNED: "Signed"}
# Where a rating came from (exports): recorded in a session's note, or entered on its own.
RATING_SOURCE_LABELS: dict[str, str] = {
    "session": "In session",
    "entered": "Entered outside a session",
    "check-in": "Check-in (the partner's own link)",
}
# Open homework that the safety gate would now stop (homework_rules.safety_hold).
SAFETY_HOLD_LABELS: dict[str, str] = {
    "ask": "Paused by safety concern?",
    "pause": "Paused: safety concern",
    "continue": "Continued despite the concern",
}
SAFETY_DECISION_VERBS: dict[SafetyDecision, str] = {
    SafetyDecision.PAUSE: "Pause it while the concern is open",
    SafetyDecision.CONTINUE: "Continue it (give a reason)",
}

TRAUMA_FOLLOW_UP_LABELS: dict[TraumaFollowUpKind, str] = {
    TraumaFollowUpKind.REFERRAL: "Referred on (e.g. trauma-focused therapy, GP)",
    TraumaFollowUpKind.FURTHER_ASSESSMENT: "Further assessment",
    TraumaFollowUpKind.MONITORED: "Monitored in counselling",
}
TRAUMA_FOLLOW_UP_OPEN = "Trauma symptoms: follow up"

REPORT_VERSION_LABELS: dict[ReportVersion, str] = {
    ReportVersion.CLINICIAN: "Clinician / supervision",
    ReportVersion.COUPLE: "For the couple",
    ReportVersion.PARTNER: "For one partner",
}
# The progress report's section headings (core.reports), in the order they appear.
REPORT_HEADINGS: dict[str, str] = {
    "care": "Time in care and sessions",
    "status": "Status and its reason",
    "progress": "How things are going",
    "trends": "Ratings over time",
    "five_cs": "The five C's of trust",
    "milestones": "Milestones",
    "homework": "Homework",
    "safety": "Safety items",
    "plan": "Latest plan",
    "constants": "Constants used",
}
REPORT_CONFIDENTIAL = (
    "Confidential: this report contains clinical detail (ratings, statuses, safety items and "
    "the latest plan). Share it only for supervision or with the people caring for this couple."
)
# Plain words for the couple's and a partner's report (no clinical terms or constants).
PLAIN_STATUS: dict[str, str] = {
    "recovered": "Your ratings show clear improvement, beyond the range of couples in distress.",
    "improved": "Your ratings show clear improvement since you started.",
    "on track": "Your progress is within the range expected at this point in counselling.",
    "not on track": "Progress is slower than expected at this point; your counsellor will talk "
    "with you about how to adjust the work.",
    "deteriorated": "Some ratings are lower than when you started; this is worth talking "
    "through with your counsellor.",
    "too early": "It is too early to judge: change usually shows after several weeks.",
    "no ratings": "There are no ratings yet.",
}
PLAIN_MEASURES: dict[str, str] = {
    "five_cs": "trust (the five C's)",
    "csi4": "satisfaction with the relationship",
    "distress": "hurt and upset during the week",
}
PLAIN_DIRECTIONS: dict[str, str] = {
    "improved": "has clearly got better",
    "no reliable change": "has not clearly changed yet",
    "deteriorated": "is worse than at the start",
}

# Safety-screen concern flags (SafetyScreen columns) and how they read.
CONCERN_LABELS: dict[str, str] = {
    "violence": "Violence",
    "coercive_control": "Coercive control",
    "emotional_abuse": "Emotional abuse",
    "self_harm_risk": "Self-harm risk",
}


def concern_badge(label: str, *, short: bool = False) -> str:
    """The red badge of one open concern: "⚠ Open safety concern: coercive control", or in
    a table column that already says "open safety concern", "⚠ Coercive control"."""
    return f"⚠ {label}" if short else f"⚠ Open safety concern: {label.lower()}"


# The caseload's Safety column: one red chip per open concern, one red chip for open
# joint homework awaiting a pause-or-continue decision, one orange chip for an open
# trauma follow-up.
SAFETY_CHIPS: tuple[str, ...] = tuple(
    concern_badge(label, short=True) for label in CONCERN_LABELS.values()
)
TRAUMA_CHIP = "Trauma: follow up"
SAFETY_HOLD_CHIP = "⚠ Homework: pause?"

# The repair steps, in order (DOMAIN.md): five numbered steps, then joint work.
REPAIR_STEPS: tuple[str, ...] = ("1", "2", "3", "4", "5", "together")
NUMBERED_STEPS: tuple[str, ...] = REPAIR_STEPS[:5]
STEP_NAMES: dict[str, str] = {
    "1": "take responsibility",
    "2": "space for healing",
    "3": "honest communication",
    "4": "new boundaries",
    "5": "small, reliable actions",
    "together": "joint work",
}
STEP_LABELS: dict[str, str] = {
    step: ("Together" if step == "together" else f"Step {step}")
    + f" · {STEP_NAMES[step][:1].upper()}{STEP_NAMES[step][1:]}"
    for step in REPAIR_STEPS
}

# Who an exercise is meant for (ExerciseVersion.intended_role).
INTENDED_ROLE_LABELS: dict[str, str] = {
    "hurt": "Hurt partner",
    "broke_trust": "Partner who broke trust",
    "both": "Both partners",
    "either": "Either partner",
}
FREQUENCY_LABELS: dict[str, str] = {"once": "Once", "daily": "Daily", "weekly": "Weekly"}
# Recovery phases (Snyder, Baucom & Gordon): a short label and a longer description.
PHASE_LABELS: dict[str, str] = {
    "impact": "Impact (stabilise)",
    "meaning": "Meaning (understand)",
    "moving_on": "Moving on",
}
PHASE_NAMES: dict[str, str] = {
    "impact": "impact phase: stabilise, no big decisions",
    "meaning": "meaning phase: understand what happened",
    "moving_on": "moving-on phase: deciding the way forward, boundaries, building together",
}
# Which numbered repair steps belong to which phase (DOMAIN.md's rough mapping: step 1 ~
# Atone/Impact, steps 2-3 ~ Attune/Meaning, steps 4-5 ~ Attach/Moving on; step 2 also
# spans the impact phase, where the hurt partner's emotions first need room). "together"
# work fits any phase. A catalogue exercise's step and phase must agree with this map.
PHASE_STEPS: dict[str, frozenset[str]] = {
    "impact": frozenset({"1", "2"}),
    "meaning": frozenset({"2", "3"}),
    "moving_on": frozenset({"4", "5", "together"}),
}

# Safety-screen concerns under which joint repair is not the work (DOMAIN.md: abuse,
# coercive control and violence are not "trust issues" to repair jointly).
ABUSE_CONCERNS: frozenset[str] = frozenset({"violence", "coercive_control", "emotional_abuse"})

# What an exercise is for (ExerciseTags): the suggestion rules read these. The built-in
# catalogue tags every exercise; a custom exercise counts as "repair" (plus
# "vulnerability" when it asks for it), so it is never offered under an abuse concern.
EXERCISE_TAGS: dict[str, str] = {
    "safety": "Safety planning with the counsellor",
    "de_escalation": "De-escalation and time-out",
    "support": "Individual support and self-care",
    "stabilising": "Stabilising work",
    "decision": "Stay-or-leave decision",
    "repair": "Repair work between the partners",
    "apology": "Apology and taking responsibility",
    "forgiveness": "Forgiveness",
    "crediting": "Crediting the partner's reliability",
    "vulnerability": "Opening up to the partner",
    "transparency": "Transparency and honest answers",
    "reflection": "Reflecting on what led to the breach",
    "boundaries": "Boundaries and agreements",
}
# The tags an open abuse concern allows: individual work for safety and support only.
SAFETY_WORK_TAGS: frozenset[str] = frozenset({"safety", "de_escalation", "support"})
# Work on the relationship (repair, apology, forgiveness, crediting, opening up, the
# stay-or-leave decision): never suggested under an abuse concern, and never together
# with a safety-work tag on one exercise.
RELATIONSHIP_WORK_TAGS: frozenset[str] = frozenset(
    {"repair", "apology", "forgiveness", "crediting", "vulnerability", "decision"}
)

# The audit log in words: each action, and the keys of an event's detail.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "account_activated": "Account activated",
    "account_created": "Account created",
    "account_deactivated": "Account deactivated",
    "account_locked": "Account locked",
    "account_unlocked": "Account unlocked",
    "addendum_added": "Addendum added",
    "couple_created": "Couple recorded",
    "couple_reassigned": "Couple reassigned",
    "couple_status_changed": "Case status changed",
    "couple_updated": "Couple details edited",
    "demo_loaded": "Demo data loaded",
    "exercise_catalogue_synced": "Exercise library updated",
    "exercise_created": "Exercise created",
    "exercise_edited": "Exercise edited",
    "exercise_restored": "Exercise restored",
    "exercise_retired": "Exercise retired",
    "homework_assigned": "Homework assigned",
    "homework_completion_recorded": "Homework completion recorded",
    "homework_reviewed": "Homework reviewed",
    "homework_safety_decision": "Homework paused or continued under a safety concern",
    "homework_status_changed": "Homework status changed",
    "login": "Logged in",
    "login_failed": "Login refused",
    "logout": "Logged out",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "reference_computed": "Clinic reference recomputed",
    "safety_concern_resolved": "Safety concern resolved",
    "safety_override": "Safety gate overridden",
    "safety_screen_recorded": "Safety screen recorded",
    "session_cosigned": "Note co-signed",
    "session_draft_updated": "Draft note edited",
    "session_recorded": "Session recorded",
    "session_signed": "Note signed",
    "trauma_follow_up_opened": "Trauma follow-up opened",
    "trauma_follow_up_recorded": "Trauma follow-up recorded",
}
AUDIT_DETAIL_LABELS: dict[str, str] = {
    "case_code": "case",
    "n_couples": "couples",
    "n_ratings": "ratings",
    "locked_until": "locked until",
    "risk_raised": "risk raised",
    "completed_on": "done on",
}
AUDIT_ENTITY_LABELS: dict[str, str] = {
    "account": "Account",
    "assignment": "Homework",
    "couple": "Couple",
    "exercise": "Exercise",
    "session": "Session note",
    "safety_screen": "Safety screen",
    "trauma_follow_up": "Trauma follow-up",
    "reference": "Clinic reference",
}


def words(key: str) -> str:
    """An internal key as words: "safety_screen_recorded" -> "safety screen recorded"."""
    return str(key).replace("_", " ")


# Allowed status changes; every one is confirmed in the UI and audited.
STATUS_TRANSITIONS: dict[CoupleStatus, frozenset[CoupleStatus]] = {
    CoupleStatus.INTAKE: frozenset({CoupleStatus.ACTIVE, CoupleStatus.CLOSED}),
    CoupleStatus.ACTIVE: frozenset({CoupleStatus.PAUSED, CoupleStatus.CLOSED}),
    CoupleStatus.PAUSED: frozenset({CoupleStatus.ACTIVE, CoupleStatus.CLOSED}),
    CoupleStatus.CLOSED: frozenset({CoupleStatus.ACTIVE}),
}

TRANSITION_VERBS: dict[CoupleStatus, str] = {
    CoupleStatus.ACTIVE: "Mark active",
    CoupleStatus.PAUSED: "Pause",
    CoupleStatus.CLOSED: "Close case",
}


def transition_verb(current: CoupleStatus, target: CoupleStatus) -> str:
    if current is CoupleStatus.CLOSED and target is CoupleStatus.ACTIVE:
        return "Reopen"
    if current is CoupleStatus.PAUSED and target is CoupleStatus.ACTIVE:
        return "Resume"
    return TRANSITION_VERBS[target]


def weeks_in_care(intake: date, today: date) -> int:
    """Whole weeks since intake (0 before it): the time axis of every progress rule."""
    return max(0, (today - intake).days // 7)


# --- faults (issue 11, items 5 and 10) ---
READ_ONLY_MODE = "Mend is in read-only mode: changes cannot be saved."
READ_ONLY_LOGIN_NOTE = (
    "Logins are not written to the audit log while the database is read-only; "
    "the server log keeps them."
)
INCIDENT_MESSAGE = (
    "Something went wrong and Mend could not finish this; nothing was changed by it. "
    "What you typed is kept: try again in a moment. If it happens again, give your "
    "administrator this incident id: {incident}."
)


# --- reading a case: what the audit log records and "Who looked at this case" shows ---


class CaseRead(StrEnum):
    """A part of a couple's record someone read (one audit event per page view lists them)."""

    DETAILS = "details"
    PROGRESS = "progress"
    NOTES = "notes"
    SAFETY = "safety"
    HOMEWORK = "homework"
    CHECK_INS = "check_ins"
    REPORT = "report"
    EXPORT = "export"


CASE_READ_LABELS: dict[CaseRead, str] = {
    CaseRead.DETAILS: "Details",
    CaseRead.PROGRESS: "Progress",
    CaseRead.NOTES: "Session notes",
    CaseRead.SAFETY: "Safety screens",
    CaseRead.HOMEWORK: "Homework",
    CaseRead.CHECK_INS: "Check-ins",
    CaseRead.REPORT: "Report",
    CaseRead.EXPORT: "Data export",
}

# Audit actions of reading a case, and what a refusal was refused.
CASE_VIEWED = "case_viewed"
ACCESS_REFUSED = "access_refused"
REFUSED_LABELS: dict[str, str] = {
    "open": "Refused: tried to open the case",
    "change": "Refused: tried to change the case",
}
# --- check-in links (what a partner reads on their own phone: no clinic or relationship
# words in the title, nothing a person looking over their shoulder would read as therapy)
SOURCE_SESSION = "session"
SOURCE_CHECK_IN = "check-in"
CHECK_IN_TITLE = "Check-in"
CHECK_IN_INSTRUMENTS: tuple[str, ...] = ("five_cs", "csi4", "distress")
CHECK_IN_REFUSED = "This link is not available. Ask the person who gave it to you for a new one."
CHECK_IN_SAFETY_QUESTION = "Do you feel safe at home this week?"
CHECK_IN_SAFETY_ANSWERS: dict[str, bool | None] = {
    "Prefer not to say": None,
    "Yes": True,
    "No": False,
}
CHECK_IN_ALREADY_TODAY = (
    "You have already checked in today. Thank you: you can check in again tomorrow."
)
CHECK_IN_CHIP = "Check-in flag"
CHECK_IN_ALERT_DISTRESS = "distress at the top of the scale"
CHECK_IN_ALERT_UNSAFE = "does not feel safe at home"
NEUTRAL_TITLE = "Today"
CHECK_IN_NEUTRAL_PAGE = "Mild and mostly dry, a light wind, a chance of showers later."
SAFE_CHANNEL_NEEDED = (
    "An open violence, coercive-control or emotional-abuse concern is recorded for this "
    "couple: a link can only be made when you record why this partner's phone and "
    "messages are private and safe."
)
