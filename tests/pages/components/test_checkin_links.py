"""The couple page's check-in links (pages/components/checkin_links.py) and the caseload's
new check-ins and check-in flag, through app.py (AppTest)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.db import Database
from core.domain import CHECK_IN_CHIP, SAFE_CHANNEL_NEEDED
from core.models import CheckInLink
from core.services import caseload_views, checkins, couples, partner_checkins, progress_views
from tests.conftest import Team, intake_form
from tests.homework_support import open_concern
from tests.pages.conftest import OpenApp, by_label, texts


def make_link(at):  # type: ignore[no-untyped-def]
    next(b for b in at.button if b.label == "Make link").click()
    return at.run()


def test_the_counsellor_makes_a_link_with_its_qr_code_and_revokes_it(
    open_app: OpenApp, page_db: Database, page_team: Team
) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.alice, "pages/couple.py", case="C-0001", tab="Check-ins")
    by_label(at.radio, "Link for").set_value("B")
    at = make_link(at)
    assert not at.exception
    assert any("Link for Lou" in s for s in texts(at, "success"))
    url = at.code[0].value
    token = url.split("/?t=", 1)[1]
    assert len(token) >= 43 and at.get("image")  # the QR code is drawn
    with page_db.read() as session:
        stored = session.scalars(select(CheckInLink)).one()
    assert stored.token_hash == checkins.hash_token(token)
    assert (
        partner_checkins.partner_view(page_db, token, address="x", today=date.today()).first_name
        == "Lou"
    )
    next(b for b in at.button if b.label == "Revoke").click()
    at.run()
    assert checkins.links(page_db, page_team.alice, couple.id)[0].revoked_at is not None
    assert not at.code  # the token is gone from the page


def test_under_an_abuse_concern_the_form_asks_for_the_safe_channel_reason(
    open_app: OpenApp, page_db: Database, page_team: Team
) -> None:
    couple = couples.create_couple(page_db, page_team.alice, intake_form())
    open_concern(page_db, page_team.alice, couple.id)
    at = open_app(page_team.alice, "pages/couple.py", case="C-0001", tab="Check-ins")
    assert SAFE_CHANNEL_NEEDED in texts(at, "warning")
    at = make_link(at)
    assert SAFE_CHANNEL_NEEDED in texts(at, "error")
    assert not checkins.links(page_db, page_team.alice, couple.id)
    by_label(at.text_area, "Why this partner's channel is private and safe").input(
        "Own phone; confirmed alone at the individual session"
    )
    at = make_link(at)
    assert checkins.links(page_db, page_team.alice, couple.id)[0].safe_channel_reason


def test_supervisors_see_links_but_cannot_make_them(
    open_app: OpenApp, page_db: Database, page_team: Team
) -> None:
    couples.create_couple(page_db, page_team.alice, intake_form())
    at = open_app(page_team.supervisor, "pages/couple.py", case="C-0001", tab="Check-ins")
    assert not [b for b in at.button if b.label == "Make link"]
    assert "No check-in links yet." in texts(at, "caption")


def test_the_caseload_shows_new_check_ins_and_ranks_a_flag_with_safety(
    open_app: OpenApp, page_db: Database, page_team: Team
) -> None:
    flagged = couples.create_couple(page_db, page_team.alice, intake_form())
    couples.create_couple(
        page_db, page_team.alice, intake_form(partner_a={"name": "Mara", "role": "hurt"})
    )
    token = checkins.create_link(
        page_db, page_team.alice, flagged.id, {"partner_label": "A", "instruments": ["distress"]}
    ).token
    partner_checkins.submit_check_in(
        page_db,
        token,
        address="x",
        today=date.today(),
        ratings={"distress": {"distress": 3}},
        safe_at_home=False,
    )
    at = open_app(page_team.alice)
    table = at.dataframe[0].value
    first = table.iloc[0]
    assert first["case_code"] == "C-0001" and first["new_check_ins"] == 1
    assert CHECK_IN_CHIP in first["safety"]
    assert "check-in: does not feel safe at home" in first["attention_reasons"]
    # The safety tier (ATTENTION_WEIGHTS), read from the rows the page sorts (the table
    # sent to the browser holds the shown columns only).
    rows = caseload_views.caseload_progress(
        page_db,
        page_team.alice,
        today=date.today(),
        reference=progress_views.clinic_reference(page_db),
    ).set_index("case_code")
    assert rows.loc["C-0001", "attention"] >= 256 > rows.loc["C-0002", "attention"]
    at = open_app(
        page_team.alice, "pages/couple.py", case="C-0001", tab="Check-ins"
    )  # the counsellor looks
    assert any("does not feel safe at home" in e for e in texts(at, "error"))
    next(b for b in at.button if b.label == "I have followed this up").click()
    at.run()
    at = open_app(page_team.alice)
    row = at.dataframe[0].value.set_index("case_code").loc["C-0001"]
    assert row["new_check_ins"] == 0 and CHECK_IN_CHIP not in row["safety"]
