"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 14:28:22.577215
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "counsellors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "counsellor",
                "supervisor",
                "admin",
                name="role_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsellors")),
        sa.UniqueConstraint("username", name=op.f("uq_counsellors_username")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["counsellors.id"], name=op.f("fk_audit_events_actor_id_counsellors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index("ix_audit_events_at", ["at"], unique=False)

    op.create_table(
        "couples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_code", sa.String(length=16), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("intake_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "intake",
                "active",
                "paused",
                "closed",
                name="couplestatus_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "pattern",
            sa.Enum(
                "one_time",
                "repeated",
                name="breachpattern_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counsellor_id"], ["counsellors.id"], name=op.f("fk_couples_counsellor_id_counsellors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couples")),
        sa.UniqueConstraint("case_code", name=op.f("uq_couples_case_code")),
    )
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_couples_counsellor_id"), ["counsellor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_couples_status"), ["status"], unique=False)

    op.create_table(
        "exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("built_in", sa.Boolean(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["counsellors.id"],
            name=op.f("fk_exercises_created_by_id_counsellors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercises")),
        sa.UniqueConstraint("slug", name=op.f("uq_exercises_slug")),
    )
    op.create_table(
        "couple_breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column(
            "breach_type",
            sa.Enum(
                "infidelity_sexual",
                "infidelity_emotional",
                "lying_money",
                "lying_whereabouts",
                "lying_personal",
                "emotional_distance",
                "broken_promises",
                "disrespect",
                "coalitions",
                "social_media",
                "unstated_expectations",
                "lack_of_communication",
                "emotional_abuse",
                name="breachtype_enum",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couples.id"],
            name=op.f("fk_couple_breaches_couple_id_couples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_couple_breaches")),
        sa.UniqueConstraint("couple_id", "breach_type", name="couple_breach"),
    )
    op.create_table(
        "exercise_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("repair_step", sa.String(length=10), nullable=False),
        sa.Column("intended_role", sa.String(length=16), nullable=False),
        sa.Column("joint", sa.Boolean(), nullable=False),
        sa.Column("asks_vulnerability", sa.Boolean(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("instructions", sa.JSON(), nullable=False),
        sa.Column("prompts", sa.JSON(), nullable=False),
        sa.Column("review_guidance", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exercise_id"],
            ["exercises.id"],
            name=op.f("fk_exercise_versions_exercise_id_exercises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_versions")),
        sa.UniqueConstraint("exercise_id", "version", name="exercise_version"),
    )
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=1), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("pronouns", sa.String(length=30), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "hurt",
                "broke_trust",
                "both",
                name="partnerrole_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("contact", sa.String(length=120), nullable=False),
        sa.CheckConstraint("label in ('A', 'B')", name=op.f("ck_partners_label_a_or_b")),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couples.id"],
            name=op.f("fk_partners_couple_id_couples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sa.UniqueConstraint("couple_id", "label", name="couple_label"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "modality",
            sa.Enum(
                "in_person",
                "video",
                "phone",
                name="modality_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "attendees",
            sa.Enum(
                "joint",
                "a_only",
                "b_only",
                name="attendees_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("note_data", sa.Text(), nullable=False),
        sa.Column("note_assessment", sa.Text(), nullable=False),
        sa.Column("note_plan", sa.Text(), nullable=False),
        sa.Column("risk_raised", sa.Boolean(), nullable=False),
        sa.Column("risk_text", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "signed",
                name="notestatus_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("cosigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cosigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cosigned_by_id"],
            ["counsellors.id"],
            name=op.f("fk_sessions_cosigned_by_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_sessions_counsellor_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_sessions_couple_id_couples")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["counsellors.id"], name=op.f("fk_sessions_signed_by_id_counsellors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sessions_couple_date", ["couple_id", "session_date"], unique=False
        )

    op.create_table(
        "addenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["counsellors.id"], name=op.f("fk_addenda_author_id_counsellors")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_addenda_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addenda")),
    )
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addenda_session_id"), ["session_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("exercise_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "target",
            sa.Enum(
                "A",
                "B",
                "both",
                name="assignmenttarget_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("assigned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "assigned",
                "in_progress",
                "done",
                "skipped",
                name="assignmentstatus_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.Column("personal_note", sa.Text(), nullable=False),
        sa.Column("counsellor_comment", sa.Text(), nullable=False),
        sa.Column("safety_override_reason", sa.Text(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["counsellors.id"],
            name=op.f("fk_assignments_assigned_by_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_assignments_couple_id_couples")
        ),
        sa.ForeignKeyConstraint(
            ["exercise_version_id"],
            ["exercise_versions.id"],
            name=op.f("fk_assignments_exercise_version_id_exercise_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_couple_id"), ["couple_id"], unique=False)

    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("instrument", sa.String(length=32), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"], ["couples.id"], name=op.f("fk_measurements_couple_id_couples")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_measurements_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["counsellors.id"],
            name=op.f("fk_measurements_recorded_by_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_measurements_session_id_sessions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurements")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_measurements_couple_instrument", ["couple_id", "instrument"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_measurements_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "safety_screens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("screened_on", sa.Date(), nullable=False),
        sa.Column("screener_id", sa.Integer(), nullable=False),
        sa.Column("violence", sa.Boolean(), nullable=False),
        sa.Column("coercive_control", sa.Boolean(), nullable=False),
        sa.Column("emotional_abuse", sa.Boolean(), nullable=False),
        sa.Column("self_harm_risk", sa.Boolean(), nullable=False),
        sa.Column("ptsd_score", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                name="screenstatus_enum",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_safety_screens_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["counsellors.id"],
            name=op.f("fk_safety_screens_resolved_by_id_counsellors"),
        ),
        sa.ForeignKeyConstraint(
            ["screener_id"],
            ["counsellors.id"],
            name=op.f("fk_safety_screens_screener_id_counsellors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_screens")),
    )
    with op.batch_alter_table("safety_screens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_screens_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "assignment_completions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_completions_assignment_id_assignments"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_assignment_completions_partner_id_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["counsellors.id"],
            name=op.f("fk_assignment_completions_recorded_by_id_counsellors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_completions")),
    )
    with op.batch_alter_table("assignment_completions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignment_completions_assignment_id"), ["assignment_id"], unique=False
        )

    _create_audit_guard()


AUDIT_GUARD_MESSAGE = "audit events are append-only"


def _create_audit_guard() -> None:
    """Refuse UPDATE and DELETE on audit_events in the database itself."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{AUDIT_GUARD_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{AUDIT_GUARD_MESSAGE}'; END; $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()"
    )


def _drop_audit_guard() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_refuse_change()")


def downgrade() -> None:
    _drop_audit_guard()

    with op.batch_alter_table("assignment_completions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_completions_assignment_id"))

    op.drop_table("assignment_completions")
    with op.batch_alter_table("safety_screens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_screens_partner_id"))

    op.drop_table("safety_screens")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_measurements_partner_id"))
        batch_op.drop_index("ix_measurements_couple_instrument")

    op.drop_table("measurements")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_couple_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("addenda", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addenda_session_id"))

    op.drop_table("addenda")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_sessions_couple_date")

    op.drop_table("sessions")
    op.drop_table("partners")
    op.drop_table("exercise_versions")
    op.drop_table("couple_breaches")
    op.drop_table("exercises")
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_couples_status"))
        batch_op.drop_index(batch_op.f("ix_couples_counsellor_id"))

    op.drop_table("couples")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_at")
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    op.drop_table("counsellors")
