"""SQLAlchemy 2.x typed ORM: the whole Mend data model.

Schema changes go through Alembic (migrations/); nothing here creates tables
in production paths.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from core.domain import (
    AssignmentStatus,
    AssignmentTarget,
    Attendees,
    BreachPattern,
    BreachType,
    CoupleStatus,
    Modality,
    NoteStatus,
    PartnerRole,
    Role,
    SafetyDecision,
    ScreenStatus,
    TraumaFollowUpKind,
)
from core.errors import SignedNoteError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum], length: int = 24) -> SAEnum:
    """Store an enum as its value in a VARCHAR with a CHECK constraint (portable)."""
    return SAEnum(
        enum,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=f"{enum.__name__.lower()}_enum",
    )


def account_ref(*, nullable: bool = False) -> Any:
    """An account (who holds, wrote or recorded something), indexed (migration 0018)."""
    return mapped_column(ForeignKey("counsellors.id"), nullable=nullable, index=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Counsellor(Base):
    """A user account: counsellor, supervisor or admin."""

    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    couples: Mapped[list[Couple]] = relationship(back_populates="counsellor")


class LoginSession(Base):
    """A remembered login: the browser keeps a random token in a cookie, the server keeps only
    its sha256. Logout, deactivation, a password reset and the idle timeout revoke it."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = account_ref()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))  # the role it was opened with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoke_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Couple(Base):
    __tablename__ = "couples"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_code: Mapped[str] = mapped_column(String(16), unique=True)
    counsellor_id: Mapped[int] = account_ref()
    intake_date: Mapped[date] = mapped_column(Date)
    status: Mapped[CoupleStatus] = mapped_column(
        enum_column(CoupleStatus), default=CoupleStatus.INTAKE, index=True
    )
    pattern: Mapped[BreachPattern] = mapped_column(enum_column(BreachPattern))
    goals: Mapped[str] = mapped_column(Text, default="")
    closing_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    counsellor: Mapped[Counsellor] = relationship(back_populates="couples")
    partners: Mapped[list[Partner]] = relationship(
        back_populates="couple", order_by="Partner.label", cascade="all, delete-orphan"
    )
    breaches: Mapped[list[CoupleBreach]] = relationship(
        back_populates="couple", cascade="all, delete-orphan"
    )

    # SQLAlchemy adds "WHERE version = :loaded" to every UPDATE, so a write
    # racing another one fails instead of silently overwriting it.
    __mapper_args__ = {"version_id_col": version}


class Counter(Base):
    """A named counter handed out atomically (the case-code number): one row per name,
    moved by a single INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so simultaneous
    intakes queue on this row instead of racing for the same number."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False)


class CoupleBreach(Base):
    """What broke trust: one row per breach type of a couple."""

    __tablename__ = "couple_breaches"
    __table_args__ = (UniqueConstraint("couple_id", "breach_type", name="couple_breach"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    breach_type: Mapped[BreachType] = mapped_column(enum_column(BreachType, 32))

    couple: Mapped[Couple] = relationship(back_populates="breaches")


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        UniqueConstraint("couple_id", "label", name="couple_label"),
        CheckConstraint("label in ('A', 'B')", name="label_a_or_b"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(1))
    name: Mapped[str] = mapped_column(String(80))
    pronouns: Mapped[str] = mapped_column(String(30), default="")
    role: Mapped[PartnerRole] = mapped_column(enum_column(PartnerRole))
    contact: Mapped[str] = mapped_column(String(120), default="")

    couple: Mapped[Couple] = relationship(back_populates="partners")


class SafetyScreen(Base):
    """An individual safety screen of one partner; an open one gates joint work."""

    __tablename__ = "safety_screens"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    screened_on: Mapped[date] = mapped_column(Date)
    screener_id: Mapped[int] = account_ref()
    violence: Mapped[bool] = mapped_column(Boolean, default=False)
    coercive_control: Mapped[bool] = mapped_column(Boolean, default=False)
    emotional_abuse: Mapped[bool] = mapped_column(Boolean, default=False)
    self_harm_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    ptsd_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ScreenStatus] = mapped_column(
        enum_column(ScreenStatus), default=ScreenStatus.OPEN
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = account_ref(nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TraumaFollowUp(Base):
    """A positive PC-PTSD-5 screen asks for follow-up, not a diagnosis: open (outcome,
    date and note empty) until the counsellor records how it was followed up."""

    __tablename__ = "trauma_follow_ups"
    __table_args__ = (
        CheckConstraint(
            "(outcome IS NULL AND followed_up_on IS NULL AND recorded_by_id IS NULL) OR "
            "(outcome IS NOT NULL AND followed_up_on IS NOT NULL AND recorded_by_id IS NOT NULL)",
            name="recorded_together",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    screen_id: Mapped[int] = mapped_column(ForeignKey("safety_screens.id"), unique=True)
    opened_on: Mapped[date] = mapped_column(Date)
    ptsd_score: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[TraumaFollowUpKind | None] = mapped_column(
        enum_column(TraumaFollowUpKind), nullable=True
    )
    followed_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    recorded_by_id: Mapped[int | None] = account_ref(nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Exercise(Base):
    """A repair exercise's identity; its text lives in versions."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    built_in: Mapped[bool] = mapped_column(Boolean, default=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = account_ref(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ExerciseVersion]] = relationship(
        back_populates="exercise", order_by="ExerciseVersion.version"
    )


class ExerciseVersion(Base):
    """Immutable text of one version; assignments point here, so edits never
    change what a couple was given."""

    __tablename__ = "exercise_versions"
    __table_args__ = (UniqueConstraint("exercise_id", "version", name="exercise_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercises.id"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120))
    repair_step: Mapped[str] = mapped_column(String(10))  # "1".."5" or "together"
    intended_role: Mapped[str] = mapped_column(String(16))  # hurt, broke_trust, both, either
    joint: Mapped[bool] = mapped_column(Boolean)
    asks_vulnerability: Mapped[bool] = mapped_column(Boolean, default=False)
    frequency: Mapped[str] = mapped_column(String(10))  # once, daily, weekly
    phase: Mapped[str | None] = mapped_column(String(12), nullable=True)  # impact/meaning/moving_on
    minutes: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text)
    instructions: Mapped[list[str]] = mapped_column(JSON)
    prompts: Mapped[list[str]] = mapped_column(JSON)
    review_guidance: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exercise: Mapped[Exercise] = relationship(back_populates="versions")


class Assignment(Base):
    """Homework: one exercise version given to partner A, B or both."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    exercise_version_id: Mapped[int] = mapped_column(ForeignKey("exercise_versions.id"), index=True)
    target: Mapped[AssignmentTarget] = mapped_column(enum_column(AssignmentTarget))
    assigned_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.ASSIGNED
    )
    skip_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    personal_note: Mapped[str] = mapped_column(Text, default="")
    counsellor_comment: Mapped[str] = mapped_column(Text, default="")
    safety_override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # A concern that opened after the assignment: the counsellor's pause or continue.
    safety_decision: Mapped[SafetyDecision | None] = mapped_column(
        enum_column(SafetyDecision), nullable=True
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = account_ref(nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    assigned_by_id: Mapped[int] = account_ref()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class AssignmentCompletion(Base):
    """One completion of an assignment by one partner, with reflection answers;
    recurring exercises get one row per time done, so adherence is countable."""

    __tablename__ = "assignment_completions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    # Indexed (migration 0017): a couple's completions are found through its partners.
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    recorded_by_id: Mapped[int] = account_ref()
    # "session" (the counsellor typed it in) or "check-in" (the partner, through a link).
    source: Mapped[str] = mapped_column(String(12), default="session", server_default="session")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Session(Base):
    """A counselling session and its DAP note. Signed notes are never updated."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_couple_date", "couple_id", "session_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    counsellor_id: Mapped[int] = account_ref()
    session_date: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    modality: Mapped[Modality] = mapped_column(enum_column(Modality))
    attendees: Mapped[Attendees] = mapped_column(enum_column(Attendees))
    note_data: Mapped[str] = mapped_column(Text, default="")
    note_assessment: Mapped[str] = mapped_column(Text, default="")
    note_plan: Mapped[str] = mapped_column(Text, default="")
    risk_raised: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NoteStatus] = mapped_column(enum_column(NoteStatus), default=NoteStatus.DRAFT)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by_id: Mapped[int | None] = account_ref(nullable=True)
    cosigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cosigned_by_id: Mapped[int | None] = account_ref(nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    addenda: Mapped[list[Addendum]] = relationship(order_by="Addendum.created_at")

    __mapper_args__ = {"version_id_col": version}


class Addendum(Base):
    """A dated addition to a signed note; the original text stays as it was."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    author_id: Mapped[int] = account_ref()
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Measurement(Base):
    """One rating of one partner on one instrument (long format for pandas)."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_couple_instrument", "couple_id", "instrument"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id"), nullable=True, index=True
    )
    instrument: Mapped[str] = mapped_column(String(32))
    measured_on: Mapped[date] = mapped_column(Date)
    items: Mapped[dict[str, float]] = mapped_column(JSON)
    total: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int] = account_ref()
    # "session" or "check-in" (a partner's own answers through a link: never a session;
    # one check-in a day per partner, so partner and date find its CheckIn row).
    source: Mapped[str] = mapped_column(String(12), default="session", server_default="session")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RatingStamp(Base):
    """Per couple, a counter that database triggers bump on every change to the couple's
    ratings (migration 0014): the key of the per-couple progress cache. Derived data."""

    __tablename__ = "rating_stamps"

    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class CoupleStamp(Base):
    """Per couple, a counter that database triggers bump on every change to what its
    caseload row shows besides ratings: the couple, partners, notes, homework, safety
    screens, trauma follow-ups, check-ins (migration 0015). With the rating stamp, the
    key of the per-couple caseload cache. Derived data, without a foreign key."""

    __tablename__ = "couple_stamps"

    couple_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class CounsellorStamp(Base):
    """Per counsellor, a counter that database triggers bump whenever a couple of the
    counsellor's caseload changes (either couple stamp moves) or leaves it (migration
    0016): a caseload view re-reads the couple stamps only of counsellors whose stamp
    moved. Derived data, without a foreign key."""

    __tablename__ = "counsellor_stamps"

    counsellor_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)


class CheckInLink(Base):
    """A partner's private check-in link. Only the SHA-256 of the token is stored: the
    token itself is shown to the counsellor once, when the link is made."""

    __tablename__ = "check_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    instruments: Mapped[list[str]] = mapped_column(JSON)
    show_progress: Mapped[bool] = mapped_column(Boolean, default=False)
    safe_channel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by_id: Mapped[int] = account_ref()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by_id: Mapped[int | None] = account_ref(nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CheckIn(Base):
    """One partner's check-in on one day, through a link (never a session). `alert`: the
    answers asked for the counsellor's attention at once (distress at the top of its
    scale, or not feeling safe at home), until the counsellor acknowledges it."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("partner_id", "checked_on", name="one_a_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("check_in_links.id"), index=True)
    couple_id: Mapped[int] = mapped_column(ForeignKey("couples.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    safe_at_home: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    alert: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_reason: Mapped[str] = mapped_column(String(200), default="")
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_id: Mapped[int | None] = account_ref(nullable=True)


class CheckInAttempt(Base):
    """A refused opening of a check-in link, by address (a hash of it): the limit on
    guessing counts these."""

    __tablename__ = "check_in_attempts"
    __table_args__ = (Index("ix_check_in_attempts_address_at", "address_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """Append-only log: database triggers refuse UPDATE and DELETE (and, on PostgreSQL,
    TRUNCATE); each event is chained to the one before it by a hash."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = account_ref(nullable=True)
    actor_username: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    # The hash chain (core.audit_chain): set by core.services.audit when the event is
    # appended, in the committing transaction.
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReferenceSnapshot(Base):
    """The clinic's reliable-change constants and expected band as computed at one moment:
    the reference in force is the latest row. Append-only (database triggers refuse
    UPDATE and DELETE), so a past status can always be explained by the constants of its
    day. `constants` and `band` hold the frames (columns, index, rows) and `dtypes` their
    pandas dtypes, enough to rebuild them exactly (core.queries.reference)."""

    __tablename__ = "reference_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_by_id: Mapped[int | None] = account_ref(nullable=True)  # None: the system
    reason: Mapped[str] = mapped_column(String(120))
    n_couples: Mapped[int] = mapped_column(Integer)
    n_ratings: Mapped[int] = mapped_column(Integer)
    constants: Mapped[dict[str, Any]] = mapped_column(JSON)
    band: Mapped[dict[str, Any]] = mapped_column(JSON)
    dtypes: Mapped[dict[str, Any]] = mapped_column(JSON)


# Belt and braces for the clinical record: besides the services' checks and the
# database triggers (migration 0002), the ORM itself refuses to flush a change to
# a signed note's content. Only co-signing fields may change after signing.
SIGNED_NOTE_FIELDS = (
    "session_date",
    "duration_minutes",
    "modality",
    "attendees",
    "note_data",
    "note_assessment",
    "note_plan",
    "risk_raised",
    "risk_text",
    "counsellor_id",
    "couple_id",
    "signed_at",
    "signed_by_id",
    "status",
)


@event.listens_for(Session, "before_update")
def _refuse_signed_note_change(_mapper: Any, _connection: Any, target: Session) -> None:
    state = inspect(target)
    status = state.attrs.status.history
    was_signed = NoteStatus.SIGNED in (status.deleted or status.unchanged or ())
    if was_signed and any(state.attrs[name].history.has_changes() for name in SIGNED_NOTE_FIELDS):
        raise SignedNoteError("A signed session note cannot be changed; add an addendum.")


@event.listens_for(Measurement, "before_insert")
@event.listens_for(Measurement, "before_update")
@event.listens_for(Measurement, "before_delete")
def _refuse_signed_rating_change(_mapper: Any, connection: Any, target: Measurement) -> None:
    if target.session_id is None:
        return
    status = connection.scalar(select(Session.status).where(Session.id == target.session_id))
    if status == NoteStatus.SIGNED:
        raise SignedNoteError("Ratings of a signed session cannot be changed.")
