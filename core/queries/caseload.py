"""Read side of the caseload: one row per couple in scope, filtered in the database."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.db import like_pattern
from core.domain import COUPLE_STATUS_LABELS, CoupleStatus
from core.models import Counsellor, CounsellorStamp, Couple, CoupleStamp, Partner, RatingStamp
from core.models import Session as SessionRow
from core.queries.safety import has_open_concern

CASELOAD_COLUMNS = [
    "couple_id",
    "case_code",
    "partners",
    "counsellor",
    "status",
    "safety_concern",
    "intake_date",
    "weeks_in_care",
    "last_session",
    "sessions",
]


def caseload_frame(
    session: Session,
    scope: ColumnElement[bool],
    *,
    today: date,
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
) -> pd.DataFrame:
    """The couples in `scope` (access.caseload_scope) matching the filters, by case code,
    in CASELOAD_COLUMNS: one statement."""
    result = session.execute(caseload_query(scope, statuses, counsellor_ids, search))
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["partners"] = frame.pop("partner_a") + " & " + frame.pop("partner_b")
    frame["safety_concern"] = frame["safety_concern"].astype(bool)
    intake = pd.to_datetime(frame["intake_date"])
    frame["weeks_in_care"] = ((pd.Timestamp(today) - intake).dt.days // 7).clip(lower=0)
    frame["sessions"] = frame["sessions"].fillna(0).astype(int)
    frame["last_session"] = frame["last_session"].astype("object")
    frame["status"] = frame["status"].map(lambda status: COUPLE_STATUS_LABELS[CoupleStatus(status)])
    return frame[CASELOAD_COLUMNS]


def caseload_query(
    scope: ColumnElement[bool],
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
) -> Select[Any]:
    partner_a, partner_b = aliased(Partner), aliased(Partner)
    visits = (
        select(
            SessionRow.couple_id,
            func.count(SessionRow.id).label("sessions"),
            func.max(SessionRow.session_date).label("last_session"),
        )
        .join(Couple, Couple.id == SessionRow.couple_id)
        .where(scope)  # only the caseload's notes: a counsellor's view reads 25 couples'
        .group_by(SessionRow.couple_id)
        .subquery()
    )
    query = (
        select(
            Couple.id.label("couple_id"),
            Couple.case_code,
            partner_a.name.label("partner_a"),
            partner_b.name.label("partner_b"),
            Counsellor.display_name.label("counsellor"),
            Couple.status,
            has_open_concern().label("safety_concern"),
            Couple.intake_date,
            visits.c.last_session,
            visits.c.sessions,
        )
        .join(Counsellor, Counsellor.id == Couple.counsellor_id)
        .join(partner_a, (partner_a.couple_id == Couple.id) & (partner_a.label == "A"))
        .join(partner_b, (partner_b.couple_id == Couple.id) & (partner_b.label == "B"))
        .outerjoin(visits, visits.c.couple_id == Couple.id)
        .where(scope)
        .order_by(Couple.case_code)
    )
    return _filtered(query, (partner_a, partner_b), statuses, counsellor_ids, search)


def _filtered(
    query: Select[Any],
    partners: tuple[Any, Any],
    statuses: list[CoupleStatus] | None,
    counsellor_ids: list[int] | None,
    search: str,
) -> Select[Any]:
    """The caseload's filters, on a query of couples already joined to both `partners`."""
    if statuses:
        query = query.where(Couple.status.in_(statuses))
    if counsellor_ids:
        query = query.where(Couple.counsellor_id.in_(counsellor_ids))
    if term := search.strip():
        pattern = like_pattern(term)
        query = query.where(
            or_(
                Couple.case_code.ilike(pattern, escape="\\"),
                *(partner.name.ilike(pattern, escape="\\") for partner in partners),
            )
        )
    return query


def couple_choices(
    session: Session, scope: ColumnElement[bool], statuses: list[CoupleStatus]
) -> list[tuple[int, str, str]]:
    """(id, case code, partners) of the couples in `scope` with one of `statuses`, by case
    code: what a picker of couples shows, without the caseload's counts."""
    partners = aliased(Partner), aliased(Partner)
    query = (
        select(Couple.id, Couple.case_code, partners[0].name, partners[1].name)
        .join(partners[0], (partners[0].couple_id == Couple.id) & (partners[0].label == "A"))
        .join(partners[1], (partners[1].couple_id == Couple.id) & (partners[1].label == "B"))
        .where(scope, Couple.status.in_(statuses))
        .order_by(Couple.case_code)
    )
    return [(couple_id, code, f"{a} & {b}") for couple_id, code, a, b in session.execute(query)]


KEY_COLUMNS = ["couple_id", "case_code", "counsellor_id", "rating_version", "record_version"]


def caseload_keys(
    session: Session,
    scope: ColumnElement[bool],
    *,
    statuses: list[CoupleStatus] | None = None,
    counsellor_ids: list[int] | None = None,
    search: str = "",
) -> pd.DataFrame:
    """The couples in `scope` matching the filters (as caseload_query's), by case code,
    with what identifies their caseload row (KEY_COLUMNS): the ratings' and the records'
    stamps, which the database bumps on every change (migrations 0014 and 0015), and the
    counsellor (whose name, from counsellor_stamps, can change without the couple).

    Read per couple, so kept small: one statement of four integers and the case code a
    row (no note, rating or homework), fetched as plain tuples and turned into columns at
    once. A view reads it whole once, then only for the counsellors whose stamp moved."""
    partners = aliased(Partner), aliased(Partner)
    query = (
        select(
            Couple.id,
            Couple.case_code,
            Couple.counsellor_id,
            func.coalesce(RatingStamp.version, 0),
            func.coalesce(CoupleStamp.version, 0),
        )
        .outerjoin(RatingStamp, RatingStamp.couple_id == Couple.id)
        .outerjoin(CoupleStamp, CoupleStamp.couple_id == Couple.id)
        .where(scope)
        .order_by(Couple.case_code)
    )
    if search.strip():  # the names are only needed to search them
        query = query.join(
            partners[0], (partners[0].couple_id == Couple.id) & (partners[0].label == "A")
        ).join(partners[1], (partners[1].couple_id == Couple.id) & (partners[1].label == "B"))
    query = _filtered(query, partners, statuses, counsellor_ids, search)
    # Core, not ORM, rows: a tenth of the cost per row at 20,000 couples.
    rows = session.connection().execute(query).fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(KEY_COLUMNS)
    return pd.DataFrame(
        {
            name: np.array(values, dtype=object if name == "case_code" else "int64")
            for name, values in zip(KEY_COLUMNS, columns, strict=True)
        },
        columns=KEY_COLUMNS,
    )


def any_couple(session: Session, scope: ColumnElement[bool]) -> bool:
    """Whether any couple is in `scope` (one indexed row looked up, not the caseload)."""
    return session.execute(select(Couple.id).where(scope).limit(1)).first() is not None


def counsellor_stamps(session: Session, counsellor_id: int | None = None) -> pd.DataFrame:
    """Every counsellor (or the one of `counsellor_id`), indexed by id: the display name
    and the caseload stamp the database bumps whenever one of their couples changes or
    leaves them (migration 0016; 0 before the first change). One short row per
    counsellor: what a caseload view reads to learn whose couples changed."""
    query = (
        select(Counsellor.id, Counsellor.display_name, func.coalesce(CounsellorStamp.version, 0))
        .outerjoin(CounsellorStamp, CounsellorStamp.counsellor_id == Counsellor.id)
        .order_by(Counsellor.id)
    )
    if counsellor_id is not None:
        query = query.where(Counsellor.id == counsellor_id)
    rows = session.connection().execute(query).fetchall()
    ids, names, versions = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [])
    return pd.DataFrame(
        {"counsellor": pd.Series(names, dtype=object), "version": np.array(versions, "int64")}
    ).set_axis(pd.Index(np.array(ids, "int64"), name="counsellor_id"))
