"""The per-couple caseload cache (core.services.caseload_cache) on SQLite and PostgreSQL:
the caseload it serves equals a full recomputation from every rating and record, and a
note, a rating, homework or a safety screen saved for one couple rebuilds that couple
alone (issue 10: no clinic-wide recomputation on a write), visible at the next view."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, update

from core import progress
from core.db import Database
from core.demo import load_demo
from core.domain import CoupleStatus
from core.models import Counsellor
from core.queries import caseload as caseload_queries
from core.queries import ratings as rating_queries
from core.services import caseload_views, couples, safety, sessions
from core.services.access import Actor, caseload_scope
from core.services.reference import ClinicReference
from tests.progress_support import rating_reads
from tests.sessions_support import session_form

TODAY = date(2026, 11, 24)


def actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        return Actor.of(
            session.scalars(select(Counsellor).where(Counsellor.username == username)).one()
        )


@pytest.fixture
def clinic(db: Database) -> tuple[Database, ClinicReference]:
    load_demo(db, couples=12, seed=3, today=TODAY)
    with db.read() as session:
        everything = rating_queries.clinic_frame(session)
    constants = progress.clinic_constants(everything)
    return db, ClinicReference(constants, progress.empirical_band(everything, constants))


def full_recomputation(db: Database, user: Actor, reference: ClinicReference) -> pd.DataFrame:
    """The caseload summary as computed before the cache: every visible rating at once."""
    roster = couples.caseload(db, user, today=TODAY)
    with db.read() as session:
        ratings = rating_queries.measures_frame(session, caseload_scope(user), with_items=False)
    extras = caseload_views._extras(db, caseload_scope(user), roster["couple_id"], TODAY)
    return progress.caseload_summary(
        ratings, reference.constants, couples=roster, extras=extras, band=reference.band,
        today=TODAY,
    )  # fmt: skip


def test_cached_caseload_equals_a_full_recomputation(
    clinic: tuple[Database, ClinicReference],
) -> None:
    db, reference = clinic
    for username in ("supervisor", "counsellor1"):
        user = actor(db, username)
        for _ in range(2):  # the second view is served from the cache
            served = caseload_views.caseload_progress(db, user, today=TODAY, reference=reference)
            expected = full_recomputation(db, user, reference)
            pd.testing.assert_frame_equal(
                served.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False
            )


def test_a_rating_saved_elsewhere_recomputes_that_couple_alone_at_the_write(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    before = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    reads = rating_reads(monkeypatch)

    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == []  # nothing changed: no rating read at all

    theirs = couples.caseload(db, writer, today=TODAY).iloc[0]
    sessions.record_session(
        db,
        writer,
        int(theirs["couple_id"]),
        session_form(session_date=TODAY - timedelta(days=1)),
        today=TODAY,
    )
    assert reads == [[int(theirs["couple_id"])]]  # the write recomputed its couple alone
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == [[int(theirs["couple_id"])]]  # and the next view found it ready
    changed = after.set_index("couple_id").compare(before.set_index("couple_id"))
    assert set(changed.index) <= {int(theirs["couple_id"])}
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_new_day_or_reference_recomputes_every_couple(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor = actor(db, "supervisor")
    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    reads = rating_reads(monkeypatch)
    tomorrow = TODAY + timedelta(days=1)
    caseload_views.caseload_progress(db, supervisor, today=tomorrow, reference=reference)
    fresh = ClinicReference(reference.constants.copy(), reference.band.copy())
    caseload_views.caseload_progress(db, supervisor, today=tomorrow, reference=fresh)
    everyone = sorted(couples.caseload(db, supervisor, today=TODAY)["couple_id"].tolist())
    assert reads == [everyone, everyone]


def test_a_cold_view_computes_its_couples_in_batches_with_the_same_result(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor = actor(db, "supervisor")
    monkeypatch.setattr(caseload_views, "REBUILD_CHUNK", 5)
    reads = rating_reads(monkeypatch)
    served = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    everyone = sorted(couples.caseload(db, supervisor, today=TODAY)["couple_id"].tolist())
    assert [len(batch) for batch in reads] == [5, 5, 2]
    assert sorted(c for batch in reads for c in batch) == everyone
    pd.testing.assert_frame_equal(
        served.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_failed_recomputation_after_a_write_keeps_the_save_and_leaves_it_to_the_view(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    real = progress.progress_columns

    def broken(*args: Any, **kwargs: Any) -> pd.DataFrame:
        raise RuntimeError("analytics down")

    monkeypatch.setattr(progress, "progress_columns", broken)
    saved = sessions.record_session(
        db, writer, theirs, session_form(session_date=TODAY - timedelta(days=1)), today=TODAY
    )
    assert saved.id and saved.couple_id == theirs
    monkeypatch.setattr(progress, "progress_columns", real)
    reads = rating_reads(monkeypatch)
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == [[theirs]]
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_record_saved_elsewhere_rebuilds_that_couple_alone_at_the_next_view(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A safety screen is no rating and its service warms nothing: the records stamp
    (migration 0015) still tells the next view which couple changed."""
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    reads = rating_reads(monkeypatch)
    safety.record_screen(
        db,
        writer,
        theirs,
        {"partner_label": "A", "screened_on": TODAY, "coercive_control": True, "plan": "Apart."},
    )
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == [[theirs]]
    row = after.set_index("couple_id").loc[theirs]
    assert row["safety_concern"] and row["attention_reasons"].startswith("open safety concern")
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_renamed_counsellor_shows_at_the_next_view_without_a_rebuild(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    reads = rating_reads(monkeypatch)
    with db.transaction() as session:
        session.execute(
            update(Counsellor).where(Counsellor.id == writer.id).values(display_name="Renamed")
        )
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == []
    theirs = couples.caseload(db, writer, today=TODAY)["couple_id"]
    assert set(after.loc[after["couple_id"].isin(theirs), "counsellor"]) == {"Renamed"}


def key_reads(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The counsellors whose couples' stamps each read returned, read by read."""
    reads: list[set[int]] = []
    original = caseload_queries.caseload_keys

    def spy(*args: Any, **kwargs: Any) -> pd.DataFrame:
        keys = original(*args, **kwargs)
        reads.append(set(keys["counsellor_id"]))
        return keys

    monkeypatch.setattr(caseload_queries, "caseload_keys", spy)
    return reads


def test_a_view_reads_only_the_stamps_of_counsellors_whose_couples_changed(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Migration 0016: one row per counsellor tells the next view whose couples changed;
    when none did, no couple's stamp is read and the last table is served again. (The
    write here follows no view, as a write by another server process.)"""
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    monkeypatch.setattr(caseload_views, "FOLLOWED_VIEWS", 0)
    caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    reads = key_reads(monkeypatch)
    again = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == []
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    sessions.record_session(
        db, writer, theirs, session_form(session_date=TODAY - timedelta(days=1)), today=TODAY
    )
    reads.clear()
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == [{writer.id}]
    assert after.set_index("couple_id").loc[theirs, "sessions"] == (
        again.set_index("couple_id").loc[theirs, "sessions"] + 1
    )
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_a_reassigned_couple_moves_between_caseloads_at_the_next_view(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor = actor(db, "supervisor")
    first, second = actor(db, "counsellor1"), actor(db, "counsellor2")
    views = {
        user.username: caseload_views.caseload_progress(db, user, today=TODAY, reference=reference)
        for user in (supervisor, first, second)
    }
    moved = views["counsellor1"].iloc[-1]
    version = couples.get_couple(db, supervisor, int(moved["couple_id"])).version
    couples.reassign(db, supervisor, int(moved["couple_id"]), second.id, expected_version=version)
    reads = key_reads(monkeypatch)
    for user in (supervisor, first, second):
        after = caseload_views.caseload_progress(db, user, today=TODAY, reference=reference)
        pd.testing.assert_frame_equal(
            after.reset_index(drop=True),
            full_recomputation(db, user, reference).reset_index(drop=True),
            check_dtype=False,
        )
        assert after["case_code"].is_monotonic_increasing
        listed = moved["couple_id"] in set(after["couple_id"])
        assert listed == (user is not first), user.username
    # The supervisor's view re-reads both counsellors' couples, each counsellor's their own.
    assert reads == [{first.id, second.id}, {first.id}, {second.id}]
    row = after.set_index("couple_id").loc[moved["couple_id"]]
    assert row["counsellor"] == second.display_name != moved["counsellor"]


def test_a_status_change_leaves_a_filtered_view_at_the_next_view(
    clinic: tuple[Database, ClinicReference],
) -> None:
    db, reference = clinic
    supervisor = actor(db, "supervisor")
    active = [CoupleStatus.ACTIVE]

    def view() -> pd.DataFrame:
        return caseload_views.caseload_progress(
            db, supervisor, today=TODAY, reference=reference, statuses=active
        )

    before = view()
    leaving = int(before.iloc[0]["couple_id"])
    current = couples.get_couple(db, supervisor, leaving)
    with db.read() as session:
        owner = Actor.of(session.get_one(Counsellor, current.counsellor_id))
    couples.change_status(
        db, owner, leaving, {"target": CoupleStatus.PAUSED}, expected_version=current.version
    )
    after = view()
    assert leaving not in set(after["couple_id"])
    assert len(after) == len(before) - 1


def test_the_sorted_view_pages_the_table_in_needs_attention_first_order(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caseload page's view: every page in the full table's sorted order, the same
    after a write as a full recomputation sorted, and its order kept between views."""
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")

    def pages_of(sort: str) -> pd.DataFrame:
        view = caseload_views.sorted_caseload_view(
            db, supervisor, today=TODAY, reference=reference, sort=sort
        )
        return pd.concat([view.rows(start, start + 5) for start in range(0, len(view), 5)])

    def expected(by: str) -> pd.DataFrame:
        table = full_recomputation(db, supervisor, reference)
        return caseload_views.sorted_caseload(table, by=by)

    for sort in ("attention", "case_code"):
        pd.testing.assert_frame_equal(
            pages_of(sort).reset_index(drop=True), expected(sort), check_dtype=False
        )
    orders: list[int] = []
    original = progress.attention_order_of
    monkeypatch.setattr(progress, "attention_order_of", lambda *a: orders.append(1) or original(*a))
    pages_of("attention")
    assert orders == []  # kept: nothing changed
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    safety.record_screen(
        db,
        writer,
        theirs,
        {"partner_label": "A", "screened_on": TODAY, "coercive_control": True, "plan": "Apart."},
    )
    after = pages_of("attention").reset_index(drop=True)
    assert orders == [1]
    concerns = int(after["safety_concern"].sum())
    assert theirs in set(after["couple_id"].iloc[:concerns])  # open safety concerns first
    pd.testing.assert_frame_equal(after, expected("attention"), check_dtype=False)


def test_what_is_derived_from_a_served_table_is_made_once_per_table() -> None:
    import gc

    from core.services import caseload_cache

    made: list[str] = []

    def make(name: str) -> Any:
        return lambda: made.append(name) or f"{name}!"

    table, other = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
    assert caseload_cache.kept_with(table, "x", make("x")) == "x!"
    assert caseload_cache.kept_with(table, "x", make("x")) == "x!"
    assert caseload_cache.kept_with(table, "y", make("y")) == "y!"
    assert caseload_cache.kept_with(other, "x", make("other x")) == "other x!"  # equal, not same
    assert made == ["x", "y", "other x"]
    kept = len(caseload_cache._DERIVED)
    del table
    gc.collect()
    assert len(caseload_cache._DERIVED) == kept - 1  # gone with its table


def test_a_table_keeps_only_its_latest_derivations(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.services import caseload_cache

    monkeypatch.setattr(caseload_cache, "MAX_DERIVED", 3)
    table = pd.DataFrame({"a": [1]})
    made: list[int] = []
    for key in range(5):
        caseload_cache.kept_with(table, key, lambda key=key: made.append(key))
    caseload_cache.kept_with(table, 4, lambda: made.append(-1))  # kept
    caseload_cache.kept_with(table, 0, lambda: made.append(0))  # dropped: made again
    assert made == [0, 1, 2, 3, 4, 0]
    assert list(caseload_cache._DERIVED[id(table)]) == [3, 4, 0]


def test_supervision_derives_outcomes_and_flags_once_until_a_write(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    derived: list[str] = []
    for name in ("outcomes_by_counsellor", "needs_attention_first"):
        original = getattr(progress, name)
        monkeypatch.setattr(
            progress, name, lambda s, _o=original, _n=name: derived.append(_n) or _o(s)
        )

    def look() -> tuple[pd.DataFrame, pd.DataFrame]:
        summary, outcomes = caseload_views.supervision(
            db, supervisor, today=TODAY, reference=reference
        )
        return outcomes, caseload_views.needing_attention(summary)

    first = look()
    assert sorted(derived) == ["needs_attention_first", "outcomes_by_counsellor"]
    again = look()
    assert len(derived) == 2
    pd.testing.assert_frame_equal(again[0], first[0])
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    sessions.record_session(
        db, writer, theirs, session_form(session_date=TODAY - timedelta(days=1)), today=TODAY
    )
    look()
    assert len(derived) == 4  # the write changed the table: derived again


def test_a_write_brings_the_views_seen_last_up_to_it_and_their_next_run_reads_nothing(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer pays: a saved note re-reads its counsellor's keys for each view seen
    last that holds them (with the view's own filters) and sorts it again, so the next
    run of those views reads no key and sorts nothing, and shows what a full
    recomputation shows."""
    db, reference = clinic
    supervisor, writer, other = (
        actor(db, name) for name in ("supervisor", "counsellor2", "counsellor1")
    )
    active = [CoupleStatus.ACTIVE]

    def sorted_view(user: Actor, **filters: Any) -> pd.DataFrame:
        view = caseload_views.sorted_caseload_view(
            db, user, today=TODAY, reference=reference, sort="attention", **filters
        )
        return view.rows(0, len(view))

    sorted_view(supervisor), sorted_view(supervisor, statuses=active)
    sorted_view(writer), sorted_view(other)
    reads = key_reads(monkeypatch)
    orders: list[int] = []
    original = progress.attention_order_of
    monkeypatch.setattr(progress, "attention_order_of", lambda *a: orders.append(1) or original(*a))
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    sessions.record_session(
        db, writer, theirs, session_form(session_date=TODAY - timedelta(days=1)), today=TODAY
    )
    # The couple's own row, then the writer's counsellor's keys for the three views that
    # hold them (the other counsellor's view holds none of them, and is left alone).
    assert reads == [{writer.id}] * 4
    assert orders == [1, 1, 1]
    reads.clear(), orders.clear()
    for user, filters in ((supervisor, {}), (supervisor, {"statuses": active}), (writer, {})):
        after = sorted_view(user, **filters).reset_index(drop=True)
        table = full_recomputation(db, user, reference)
        if filters:
            table = table.loc[table["status"] == "Active"]
        expected = caseload_views.sorted_caseload(table, by="attention")
        pd.testing.assert_frame_equal(after, expected, check_dtype=False)
    assert reads == [] and orders == []


def test_a_write_follows_at_most_the_views_seen_last(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond FOLLOWED_VIEWS, a view catches up at its own next run, to the same table."""
    db, reference = clinic
    supervisor, writer = actor(db, "supervisor"), actor(db, "counsellor2")
    monkeypatch.setattr(caseload_views, "FOLLOWED_VIEWS", 1)
    searches = ["", "C-"]  # the view seen last is the search's
    for search in searches:
        caseload_views.caseload_progress(
            db, supervisor, today=TODAY, reference=reference, search=search
        )
    reads = key_reads(monkeypatch)
    theirs = int(couples.caseload(db, writer, today=TODAY).iloc[0]["couple_id"])
    sessions.record_session(
        db, writer, theirs, session_form(session_date=TODAY - timedelta(days=1)), today=TODAY
    )
    assert reads == [{writer.id}] * 2  # the couple's row, and the search's view
    reads.clear()
    after = caseload_views.caseload_progress(db, supervisor, today=TODAY, reference=reference)
    assert reads == [{writer.id}]  # the unfollowed view reads the moved counsellor itself
    pd.testing.assert_frame_equal(
        after.reset_index(drop=True),
        full_recomputation(db, supervisor, reference).reset_index(drop=True),
        check_dtype=False,
    )


def test_has_couples_looks_up_one_couple_in_the_caseload_whatever_the_filters(
    clinic: tuple[Database, ClinicReference], monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.errors import PermissionDenied
    from core.services import accounts

    db, _ = clinic
    accounts.create_account(
        db,
        accounts.SYSTEM,
        {
            "username": "newcomer",
            "display_name": "New Counsellor",
            "role": "counsellor",
            "password": "a-real-pass-99",
        },
    )
    newcomer = actor(db, "newcomer")
    # Not the caseload read of before: one row looked up.
    monkeypatch.setattr(couples, "caseload", lambda *a, **k: pytest.fail("read the caseload"))
    assert caseload_views.has_couples(db, actor(db, "counsellor1"))
    assert caseload_views.has_couples(db, actor(db, "supervisor"))
    assert not caseload_views.has_couples(db, newcomer)
    with db.transaction() as session:
        session.execute(update(Counsellor).where(Counsellor.id == newcomer.id).values(active=False))
    with pytest.raises(PermissionDenied):
        caseload_views.has_couples(db, newcomer)


def test_a_page_is_taken_once_per_its_couples_versions_and_named_at_every_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page's rows are taken once while its own couples stand: new kept rows after a
    write to another couple serve the same page; a write to one of its couples takes it
    again. The counsellors' names are applied at every read."""
    from core.services.caseload_cache import INTERNAL, VERSIONS, PageStore, SortedCaseload

    frame = pd.DataFrame(
        {
            "couple_id": [1, 2, 3],
            "case_code": ["C-1", "C-2", "C-3"],
            **{name: [0, 0, 0] for name in INTERNAL},
        }
    ).set_index("couple_id")
    order = np.array([3, 1, 2])
    counsellors = np.array([10, 11, 10])
    taken: list[int] = []
    original = SortedCaseload._taken
    monkeypatch.setattr(
        SortedCaseload,
        "_taken",
        lambda self, ids: taken.append(len(ids)) or original(self, ids),
    )
    names = pd.Series({10: "First Name", 11: "Second Name"})
    pages = PageStore()

    def caseload(rows: pd.DataFrame, called: pd.Series = names) -> SortedCaseload:
        return SortedCaseload(rows, order, counsellors, called, pages)

    first = caseload(frame).rows(0, 2)
    assert first.to_dict("list") == {
        "couple_id": [3, 1],
        "case_code": ["C-3", "C-1"],
        "counsellor": ["First Name", "Second Name"],
    }
    first.loc[0, "case_code"] = "changed by a caller"
    renamed = pd.Series({10: "Renamed", 11: "Second Name"})
    again = caseload(frame, renamed).rows(0, 2)
    assert again["case_code"].tolist() == ["C-3", "C-1"]  # the kept page is not the caller's
    assert again["counsellor"].tolist() == ["Renamed", "Second Name"]
    assert taken == [2]
    caseload(frame).rows(2, 3)  # another page: taken too
    assert taken == [2, 1]
    other_written = frame.copy()
    other_written.loc[2, VERSIONS] = 1  # couple 2 is on the other page
    assert caseload(other_written).rows(0, 2)["case_code"].tolist() == ["C-3", "C-1"]
    assert taken == [2, 1]  # the first page stands
    own_written = frame.assign(case_code=["C-1", "C-2", "C-3 renamed"])
    own_written.loc[3, VERSIONS] = 1
    assert caseload(own_written).rows(0, 2)["case_code"].tolist() == ["C-3 renamed", "C-1"]
    assert taken == [2, 1, 2]


def test_the_page_is_told_only_when_couples_rows_are_rebuilt(
    clinic: tuple[Database, ClinicReference],
) -> None:
    """`rebuilding` (the caseload page's spinner) wraps the rebuild of stale rows, with
    how many, and is never entered for a view whose rows are all kept."""
    db, reference = clinic
    supervisor = actor(db, "supervisor")
    told: list[int] = []

    class Told:
        def __init__(self, count: int) -> None:
            told.append(count)

        def __enter__(self) -> None:
            return None

        def __exit__(self, *exc: object) -> None:
            return None

    def view(on: date) -> Any:
        return caseload_views.sorted_caseload_view(
            db, supervisor, today=on, reference=reference, sort="attention", rebuilding=Told
        )

    first = view(TODAY)
    assert told == [len(first)] and len(first) > 0  # a cold cache: every couple
    view(TODAY)
    assert told == [len(first)]  # all kept: nothing to wait for
    view(TODAY + timedelta(days=1))  # a new day judges every couple again
    assert told == [len(first), len(first)]


def test_a_page_never_shows_another_couples_row_for_a_missing_one() -> None:
    """A couple of the order that is not among the rows is an error, not the last row
    shown in its place (a position of -1 would take it)."""
    from core.services.caseload_cache import INTERNAL, SortedCaseload

    frame = pd.DataFrame(
        {"couple_id": [1, 2], "case_code": ["C-1", "C-2"], **{n: [0, 0] for n in INTERNAL}}
    ).set_index("couple_id")
    caseload = SortedCaseload(frame, np.array([2, 9]), np.array([10, 10]), pd.Series({10: "N"}))
    assert caseload.rows(0, 1)["case_code"].tolist() == ["C-2"]
    with pytest.raises(KeyError, match="not among the kept rows"):
        caseload.rows(0, 2)
