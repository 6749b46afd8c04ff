"""Ratings as long frames for the progress analytics (`core.progress`).

measures_frame(session, scope)  one query -> long frame, one row per rating the
                                scope lets the reader see
clinic_frame(session)           the same ratings clinic-wide, without names or case
                                codes: input for the clinic aggregates
                                (`clinic_constants`, `empirical_band`)
couple_stamps(session, scope)   per couple in scope: what its progress depends on besides
                                the clinic reference and today (the progress cache key)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Select, String, case, func, null, select, type_coerce
from sqlalchemy.orm import Session

from core.models import Couple, Measurement, Partner, RatingStamp
from core.progress import CLINIC_COLUMNS, MEASURE_COLUMNS, TRACKED, empty_measures


def measures_frame(
    session: Session,
    scope: ColumnElement[bool],
    *,
    couple_ids: Iterable[int] | None = None,
    instruments: Iterable[str] | None = None,
    with_items: bool = True,
) -> pd.DataFrame:
    """Every rating within `scope`, in one query (Measurement x Partner x Couple).

    `scope` is a boolean clause on `Couple`, `core.services.access.caseload_scope(actor)`:
    counsellors see their own caseload, supervisors and admins every one. Couples in
    `couple_ids` outside the scope are left out, not refused (callers opening a single
    couple check access first). Columns: MEASURE_COLUMNS; `measured_on` is datetime64,
    `week` the float weeks since intake, `items` the item answers (dict).
    `with_items=False` leaves items as None: decoding them is most of the cost of a
    clinic-sized read, and only the five C's profile needs them.
    Checking that the account is still active is the calling service's job.
    """
    items: Any = Measurement.items if with_items else null()
    query = _ratings_query(couple_ids, instruments, items).where(scope)
    return _long_frame(session, query)[MEASURE_COLUMNS]


def clinic_frame(session: Session, *, instruments: Iterable[str] | None = None) -> pd.DataFrame:
    """All the clinic's ratings without names, case codes or counsellors (CLINIC_COLUMNS).

    Only for the clinic-wide aggregates (`clinic_constants`, `empirical_band`): a
    counsellor's statuses must be judged against the same constants and band as anyone
    else's. Never show its rows. Items are read only for instruments whose reliability
    is estimated from the clinic's data (None for the others).
    """
    estimated = [key for key, tool in TRACKED.items() if tool.estimate_from_clinic]
    items = case((Measurement.instrument.in_(estimated), Measurement.items), else_=null())
    return _long_frame(session, _ratings_query(None, instruments, items))[CLINIC_COLUMNS]


def couple_stamps(session: Session, scope: ColumnElement[bool]) -> dict[int, tuple[Any, ...]]:
    """Per couple in `scope`: (ratings version, intake date, status). The ratings version
    is bumped by database triggers on every change to the couple's ratings (migration
    0014), so equal stamps mean equal ratings: one read of the couples, no rating read."""
    rows = session.execute(
        select(
            Couple.id,
            func.coalesce(RatingStamp.version, 0),
            Couple.intake_date,
            Couple.status,
        )
        .outerjoin(RatingStamp, RatingStamp.couple_id == Couple.id)
        .where(scope)
    )
    return {couple_id: tuple(rest) for couple_id, *rest in rows}


def _ratings_query(
    couple_ids: Iterable[int] | None, instruments: Iterable[str] | None, items: Any
) -> Select[Any]:
    # Enums and dates come back as the database has them; pandas converts whole columns
    # at once, which is much faster than a Python object per value at clinic scale.
    query = (
        select(
            Measurement.couple_id,
            Couple.case_code,
            Couple.counsellor_id,
            type_coerce(Couple.status, String).label("status"),
            Partner.label.label("partner_label"),
            Partner.name.label("partner_name"),
            type_coerce(Partner.role, String).label("role"),
            Measurement.instrument,
            type_coerce(Measurement.measured_on, String).label("measured_on"),
            type_coerce(Couple.intake_date, String).label("intake_date"),
            Measurement.total,
            items.label("items"),
            Measurement.source,
        )
        .join(Partner, Partner.id == Measurement.partner_id)
        .join(Couple, Couple.id == Measurement.couple_id)
        .order_by(
            Measurement.couple_id,
            Partner.label,
            Measurement.instrument,
            Measurement.measured_on,
            Measurement.id,
        )
    )
    if couple_ids is not None:
        query = query.where(Measurement.couple_id.in_(list(couple_ids)))
    if instruments is not None:
        query = query.where(Measurement.instrument.in_(list(instruments)))
    return query


# Rows converted per batch: a clinic's ratings (350,000 at 2,000 couples) are never held as
# driver rows all at once, only as the frame's columns.
BATCH_ROWS = 20_000
# The text columns repeat a few values over and over (a partner label, an instrument, a
# case code per rating): each distinct value is kept once and shared by its rows.
_TEXT_COLUMNS = frozenset(
    {"case_code", "status", "partner_label", "partner_name", "role", "instrument", "source"}
)


def _long_frame(session: Session, query: Select[Any]) -> pd.DataFrame:
    """The ratings of `query` as a long frame, built batch by batch.

    Memory, not only time: the driver gives a new Python string for every text value of
    every row, and a clinic's frame was once built from all its rows at once (its peak was
    about 5x the frame, 600 MB at 2,000 couples, in the server process that computes the
    clinic reference or the caseload's progress). Here at most BATCH_ROWS rows are held,
    equal strings (and the item names of the answers) are one object, and each column is
    typed batch by batch (the batches are joined at the end)."""
    result = session.connection().execute(query.execution_options(yield_per=BATCH_ROWS))
    names = list(result.keys())
    shared: dict[str, dict[Any, Any]] = {name: {None: np.nan} for name in _TEXT_COLUMNS}
    item_names: dict[str, str] = {}
    batches = [
        _batch_frame(names, rows, shared, item_names) for rows in result.partitions(BATCH_ROWS)
    ]
    if not batches:
        return empty_measures()
    return pd.concat(batches, ignore_index=True) if len(batches) > 1 else batches[0]


def _batch_frame(
    names: list[str],
    rows: list[Any],
    shared: dict[str, dict[Any, Any]],
    item_names: dict[str, str],
) -> pd.DataFrame:
    # Column by column: a DataFrame built from Row objects inspects every row.
    columns = dict(zip(names, zip(*rows, strict=True), strict=True))
    del rows
    frame = pd.DataFrame(index=pd.RangeIndex(len(columns["couple_id"])))
    for name, values in columns.items():
        if name in _TEXT_COLUMNS:
            # Object dtype as before (a missing value is NaN), one string object per value.
            same = shared[name]
            frame[name] = _objects([same.setdefault(value, value) for value in values])
        elif name == "items":
            frame[name] = _objects([_shared_keys(answers, item_names) for answers in values])
        elif name == "measured_on":
            frame[name] = pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")
        elif name == "total":
            frame[name] = np.asarray(values, dtype="float64")
        elif name != "intake_date":
            frame[name] = list(values)
    intake = pd.to_datetime(pd.Series(columns["intake_date"], dtype=object))
    frame["week"] = (frame["measured_on"] - intake.astype("datetime64[ns]")).dt.days / 7
    return frame


def _objects(values: list[Any]) -> pd.Series:
    """An object column holding exactly these objects (pandas would make text columns of
    its own string type otherwise, with a copy of each string)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return pd.Series(array, dtype=object, copy=False)


def _shared_keys(answers: Any, item_names: dict[str, str]) -> Any:
    """The item answers with their item names shared between ratings (the driver decodes
    each rating's JSON into a dict with keys of its own)."""
    if not isinstance(answers, dict):
        return answers
    return {item_names.setdefault(key, key): value for key, value in answers.items()}
