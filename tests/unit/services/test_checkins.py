"""Check-in links (services.checkins): the token's life, hash-only storage, scope, the
safety rules, the flags, the audit and the limit on attempts. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import Database
from core.domain import (
    CHECK_IN_ALREADY_TODAY,
    CHECK_IN_REFUSED,
    SAFE_CHANNEL_NEEDED,
    AssignmentStatus,
)
from core.errors import PermissionDenied, ValidationError
from core.models import (
    AssignmentCompletion,
    AuditEvent,
    CheckIn,
    CheckInLink,
    Measurement,
    utcnow,
)
from core.services import checkins, couples, partner_checkins
from core.services.couples import CoupleView
from core.services.partner_checkins import CheckInRefused
from tests.conftest import Team
from tests.homework_support import TODAY, add_couple, give, open_concern, stored

HOME = "203.0.113.7"
CALM = {
    "five_cs": {k: 6 for k in ("care", "communication", "character", "consistency", "competence")},
    "distress": {"distress": 4},
}


def link(db: Database, team: Team, couple: CoupleView, label: str = "A", **form: object):
    data = {"partner_label": label, "instruments": ["five_cs", "distress"], **form}
    return checkins.create_link(db, team.alice, couple.id, data)


def view(db: Database, token: str, address: str = HOME) -> partner_checkins.PartnerView:
    return partner_checkins.partner_view(db, token, address=address, today=TODAY)


def actions(db: Database) -> list[tuple[str, str, dict]]:
    with db.read() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.actor_username, AuditEvent.detail).order_by(
                AuditEvent.id
            )
        ).all()
    return [(a, who, json.loads(d) if d else {}) for a, who, d in rows]


# --- the token's life ---


def test_a_link_stores_only_the_hash_of_a_long_random_token(
    db: Database, team: Team, couple: CoupleView
) -> None:
    made = link(db, team, couple)
    assert len(made.token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    with db.read() as session:
        row = session.scalars(select(CheckInLink)).one()
        stored_values = [str(getattr(row, c.key)) for c in CheckInLink.__table__.columns]
        audit_text = " ".join(session.scalars(select(AuditEvent.detail)))
    assert row.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
    assert not any(made.token in value for value in stored_values)
    assert made.token not in audit_text
    assert row.expires_at - row.created_at == timedelta(days=14)
    assert link(db, team, couple).token != made.token


def test_expiry_is_configurable(
    db: Database, team: Team, couple: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_CHECKIN_DAYS", "3")
    made = link(db, team, couple)
    assert made.link.expires_at - made.link.created_at == timedelta(days=3)


def test_wrong_expired_and_revoked_tokens_get_one_neutral_refusal(
    db: Database, team: Team, couple: CoupleView
) -> None:
    made = link(db, team, couple)
    assert view(db, made.token).first_name == "Kit"
    messages = []
    with pytest.raises(CheckInRefused) as wrong:
        view(db, made.token[:-1] + ("A" if made.token[-1] != "A" else "B"))
    messages.append(str(wrong.value))
    later = made.link.expires_at + timedelta(seconds=1)
    with pytest.raises(CheckInRefused) as expired:
        partner_checkins.partner_view(db, made.token, address=HOME, today=TODAY, now=later)
    messages.append(str(expired.value))
    checkins.revoke_link(db, team.alice, made.link.id)
    with pytest.raises(CheckInRefused) as revoked:  # at once: the next rerun of the tab
        view(db, made.token)
    messages.append(str(revoked.value))
    assert set(messages) == {CHECK_IN_REFUSED}
    with pytest.raises(CheckInRefused):
        partner_checkins.submit_check_in(db, made.token, address=HOME, today=TODAY, ratings=CALM)
    refusals = [d["why"] for a, _w, d in actions(db) if a == "check_in_refused"]
    assert refusals == ["unknown token", "expired", "revoked", "revoked"]


def test_only_the_couples_counsellor_makes_or_revokes_links(
    db: Database, team: Team, couple: CoupleView
) -> None:
    with pytest.raises(PermissionDenied):
        checkins.create_link(
            db, team.bruno, couple.id, {"partner_label": "A", "instruments": ["csi4"]}
        )
    made = link(db, team, couple)
    with pytest.raises(PermissionDenied):
        checkins.revoke_link(db, team.supervisor, made.link.id)
    assert [x.id for x in checkins.links(db, team.supervisor, couple.id)] == [made.link.id]


# --- what the partner sees: their own things only ---


def test_the_link_shows_first_name_own_homework_and_chosen_measures(
    db: Database, team: Team, couple: CoupleView
) -> None:
    mine = give(db, team, couple, "self-care-support-plan", target="A")
    theirs = give(db, team, couple, "perspective-taking", target="B")
    joint = give(db, team, couple, "state-of-the-union", target="both")
    seen = view(db, link(db, team, couple).token)
    assert seen.first_name == "Kit" and seen.instruments == ("five_cs", "distress")
    assert [h.assignment_id for h in seen.homework] == sorted([mine.id, joint.id])
    assert seen.homework[0].prompts and seen.homework[0].instructions
    assert seen.progress is None  # "show my progress" is off
    other = view(db, link(db, team, couple, "B").token)
    assert theirs.id in [h.assignment_id for h in other.homework]
    assert mine.id not in [h.assignment_id for h in other.homework]


def test_a_token_never_reaches_the_other_partner_or_another_couple(
    db: Database, team: Team, couple: CoupleView
) -> None:
    other_couple = add_couple(db, team.alice, "Mara", "Nils")
    theirs = give(db, team, couple, "perspective-taking", target="B")
    elsewhere = give(db, team, other_couple, "self-care-support-plan", target="A")
    token = link(db, team, couple).token
    for assignment in (theirs, elsewhere):
        with pytest.raises(ValidationError, match="not on this check-in"):
            partner_checkins.submit_reflection(
                db,
                token,
                {"assignment_id": assignment.id, "done": True, "answers": {}},
                address=HOME,
                today=TODAY,
            )
    partner_checkins.submit_check_in(db, token, address=HOME, today=TODAY, ratings=CALM)
    with db.read() as session:
        partners = set(session.scalars(select(Measurement.partner_id)))
    assert len(partners) == 1
    b_link = link(db, team, couple, "B", show_progress=True)
    assert view(db, b_link.token).progress.empty  # Kit's ratings are not Lou's progress


def test_progress_shows_only_when_the_counsellor_turned_it_on(
    db: Database, team: Team, couple: CoupleView
) -> None:
    made = link(db, team, couple, show_progress=True)
    partner_checkins.submit_check_in(db, made.token, address=HOME, today=TODAY, ratings=CALM)
    progress = view(db, made.token).progress
    assert sorted(progress["instrument"]) == ["distress", "five_cs"]
    assert sorted(progress["total"]) == [4.0, 30.0]


# --- into the record ---


def test_a_check_in_lands_as_ratings_marked_check_in_never_as_a_session(
    db: Database, team: Team, couple: CoupleView
) -> None:
    token = link(db, team, couple).token
    result = partner_checkins.submit_check_in(db, token, address=HOME, today=TODAY, ratings=CALM)
    assert not result.alert
    with db.read() as session:
        rows = session.execute(
            select(
                Measurement.instrument,
                Measurement.source,
                Measurement.session_id,
                Measurement.recorded_by_id,
                Measurement.total,
            )
        ).all()
    assert sorted(rows) == [
        ("distress", "check-in", None, team.alice.id, 4.0),
        ("five_cs", "check-in", None, team.alice.id, 30.0),
    ]
    table = couples.caseload(db, team.alice, today=TODAY)
    assert int(table.loc[table["couple_id"] == couple.id, "sessions"].iloc[0]) == 0
    assert view(db, token).checked_in_today


def test_a_second_check_in_the_same_day_is_refused(
    db: Database, team: Team, couple: CoupleView
) -> None:
    token = link(db, team, couple).token
    partner_checkins.submit_check_in(db, token, address=HOME, today=TODAY, ratings=CALM)
    other_link = link(db, team, couple).token  # a second link for the same partner too
    for used in (token, other_link):
        with pytest.raises(ValidationError, match="already checked in today") as refused:
            partner_checkins.submit_check_in(db, used, address=HOME, today=TODAY, ratings=CALM)
        assert str(refused.value) == CHECK_IN_ALREADY_TODAY
    partner_checkins.submit_check_in(
        db, token, address=HOME, today=TODAY + timedelta(days=1), ratings=CALM
    )
    with db.read() as session:
        assert len(session.scalars(select(CheckIn)).all()) == 2


def test_only_the_measures_the_counsellor_chose_are_taken(
    db: Database, team: Team, couple: CoupleView
) -> None:
    token = link(db, team, couple).token
    with pytest.raises(ValidationError):
        partner_checkins.submit_check_in(
            db, token, address=HOME, today=TODAY, ratings={**CALM, "csi4": {"q1": 3}}
        )
    with pytest.raises(ValidationError, match="Distress"):
        partner_checkins.submit_check_in(
            db, token, address=HOME, today=TODAY, ratings={**CALM, "distress": {"distress": 11}}
        )


def test_a_reflection_lands_on_the_assignment_marked_check_in_and_audited(
    db: Database, team: Team, couple: CoupleView
) -> None:
    done = give(db, team, couple, "self-care-support-plan", target="A")
    skipped = give(db, team, couple, "reliability-notes", target="A")
    made = link(db, team, couple)
    prompt = view(db, made.token).homework[0].prompts[0]
    partner_checkins.submit_reflection(
        db,
        made.token,
        {"assignment_id": done.id, "done": True, "answers": {prompt: "Walked twice."}},
        address=HOME,
        today=TODAY,
    )
    partner_checkins.submit_reflection(
        db,
        made.token,
        {"assignment_id": skipped.id, "done": False, "skip_reason": "Away all week"},
        address=HOME,
        today=TODAY,
    )
    with db.read() as session:
        completion = session.scalars(select(AssignmentCompletion)).one()
    assert (completion.source, completion.answers) == ("check-in", {prompt: "Walked twice."})
    assert completion.recorded_by_id == team.alice.id
    assert stored(db, done.id).status == AssignmentStatus.IN_PROGRESS
    assert stored(db, skipped.id).status == AssignmentStatus.SKIPPED
    assert stored(db, skipped.id).skip_reason == "Away all week"
    link_user = f"check-in link {made.link.id}"
    logged = [(a, w, d.get("source")) for a, w, d in actions(db) if w == link_user]
    assert ("homework_completion_recorded", link_user, "check-in") in logged
    assert ("homework_status_changed", link_user, "check-in") in logged
    with pytest.raises(ValidationError, match="why it was skipped"):
        partner_checkins.submit_reflection(
            db,
            made.token,
            {"assignment_id": done.id, "done": False},
            address=HOME,
            today=TODAY,
        )


# --- safety decides ---


def test_under_an_abuse_concern_a_link_needs_a_safe_channel_reason(
    db: Database, team: Team, couple: CoupleView
) -> None:
    open_concern(db, team.alice, couple.id)  # coercive control
    with pytest.raises(ValidationError) as refused:
        link(db, team, couple, "B")
    assert str(refused.value) == SAFE_CHANNEL_NEEDED
    made = link(db, team, couple, "B", safe_channel_reason="Own phone, confirmed alone in session")
    assert made.link.safe_channel_reason == "Own phone, confirmed alone in session"
    created = [d for a, _w, d in actions(db) if a == "check_in_link_created"]
    assert created[-1]["safe_channel_reason"] == "Own phone, confirmed alone in session"


def test_self_harm_risk_alone_does_not_ask_for_a_reason(
    db: Database, team: Team, couple: CoupleView
) -> None:
    from core.services import safety

    safety.record_screen(
        db,
        team.alice,
        couple.id,
        {"partner_label": "A", "screened_on": TODAY, "self_harm_risk": True, "plan": "GP today"},
    )
    assert link(db, team, couple).link.safe_channel_reason is None


def test_joint_homework_never_appears_on_a_link_under_an_abuse_concern(
    db: Database, team: Team, couple: CoupleView
) -> None:
    joint = give(db, team, couple, "state-of-the-union", target="both")
    own = give(db, team, couple, "self-care-support-plan", target="A")
    open_concern(db, team.alice, couple.id)
    token = link(db, team, couple, safe_channel_reason="Own phone").token
    assert [h.assignment_id for h in view(db, token).homework] == [own.id]
    with pytest.raises(ValidationError, match="not on this check-in"):
        partner_checkins.submit_reflection(
            db, token, {"assignment_id": joint.id, "done": True}, address=HOME, today=TODAY
        )


@pytest.mark.parametrize(
    ("ratings", "safe", "reasons"),
    [
        ({**CALM, "distress": {"distress": 10}}, None, ("distress at the top of the scale",)),
        (CALM, False, ("does not feel safe at home",)),
        (CALM, True, ()),
    ],
)
def test_top_distress_or_not_safe_at_home_raises_a_flag_at_once(
    db: Database, team: Team, couple: CoupleView, ratings: dict, safe: bool | None, reasons: tuple
) -> None:
    token = link(db, team, couple).token
    result = partner_checkins.submit_check_in(
        db, token, address=HOME, today=TODAY, ratings=ratings, safe_at_home=safe
    )
    assert result.reasons == reasons and result.alert == bool(reasons)
    with db.read() as session:
        row = session.scalars(select(CheckIn)).one()
    assert (row.alert, row.safe_at_home) == (bool(reasons), safe)
    recent = checkins.recent(db, team.alice, couple.id)
    assert recent["alert"].iloc[0] == "; ".join(reasons)
    if reasons:
        checkins.acknowledge(db, team.alice, row.id)
        assert checkins.recent(db, team.alice, couple.id)["alert"].iloc[0] == ""


def test_new_check_ins_count_until_the_counsellor_looks(
    db: Database, team: Team, couple: CoupleView
) -> None:
    token = link(db, team, couple).token
    partner_checkins.submit_check_in(db, token, address=HOME, today=TODAY, ratings=CALM)
    assert checkins.recent(db, team.alice, couple.id)["new"].tolist() == [True]
    assert checkins.mark_seen(db, team.supervisor, couple.id) == 0  # not their caseload
    assert checkins.mark_seen(db, team.alice, couple.id) == 1
    assert checkins.recent(db, team.alice, couple.id)["new"].tolist() == [False]


# --- the door ---


def test_refused_attempts_are_limited_per_address(
    db: Database, team: Team, couple: CoupleView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEND_CHECKIN_ATTEMPTS", "3")
    made = link(db, team, couple)
    for guess in range(3):
        with pytest.raises(CheckInRefused):
            view(db, f"guess-{guess}")
    with pytest.raises(CheckInRefused) as blocked:  # even the right token, from there
        view(db, made.token)
    assert str(blocked.value) == CHECK_IN_REFUSED
    assert view(db, made.token, address="198.51.100.4").first_name == "Kit"
    later = utcnow() + timedelta(minutes=16)
    opened = partner_checkins.partner_view(db, made.token, address=HOME, today=TODAY, now=later)
    assert opened.first_name == "Kit"


def test_every_use_is_audited_under_the_link(db: Database, team: Team, couple: CoupleView) -> None:
    made = link(db, team, couple)
    view(db, made.token)
    partner_checkins.submit_check_in(db, made.token, address=HOME, today=TODAY, ratings=CALM)
    checkins.revoke_link(db, team.alice, made.link.id)
    logged = [(a, w) for a, w, _d in actions(db) if "check_in" in a]
    who = f"check-in link {made.link.id}"
    assert logged == [
        ("check_in_link_created", "alice"),
        ("check_in_link_opened", who),
        ("check_in_submitted", who),
        ("check_in_link_revoked", "alice"),
    ]


def test_the_progress_csv_marks_check_in_ratings(
    db: Database, team: Team, couple: CoupleView
) -> None:
    from core.services import progress_views

    token = link(db, team, couple).token
    partner_checkins.submit_check_in(db, token, address=HOME, today=TODAY, ratings=CALM)
    result = progress_views.couple_progress(
        db, team.alice, couple.id, today=TODAY, reference=progress_views.clinic_reference(db)
    )
    lines = progress_views.ratings_csv(result).decode().splitlines()
    assert lines[0].endswith(",Source")
    assert len(lines) == 3 and all(
        line.endswith(",Check-in (the partner's own link)") for line in lines[1:]
    )
