"""What each version of the progress report says: pure builders, ReportFacts in, Report
out (no database, no drawing).

- clinician / supervision: everything the supervision needs, names only when chosen
  (the service gives "Partner A" and "Partner B" otherwise), under a confidential notice;
- for the couple: the same progress in plain language; no note text, no session content,
  no safety-screen answers and no clinical constants;
- for one partner: that partner's own measures and homework only.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from core.domain import (
    PLAIN_DIRECTIONS,
    PLAIN_MEASURES,
    PLAIN_STATUS,
    REPORT_CONFIDENTIAL,
    REPORT_HEADINGS,
    REPORT_VERSION_LABELS,
    Attendees,
    ReportVersion,
)
from core.measures import INSTRUMENTS
from core.progress import TRACKED
from core.reports import figures
from core.reports.model import Block, Paragraph, Report, ReportFacts, Section, Table

H = REPORT_HEADINGS


def day(value: date | None) -> str:
    """A date nobody misreads in print: 26 Nov 2026."""
    return "—" if value is None or pd.isna(value) else f"{value:%d %b %Y}".lstrip("0")


def build(facts: ReportFacts, version: ReportVersion, partner: str | None = None) -> Report:
    if version is ReportVersion.CLINICIAN:
        return clinician(facts)
    if version is ReportVersion.COUPLE:
        return for_couple(facts)
    if partner not in facts.names:
        raise ValueError(f"no partner {partner!r} in this couple")
    return for_partner(facts, partner)


# --- the clinician / supervision version ------------------------------------------------------


def clinician(facts: ReportFacts) -> Report:
    code = facts.case_code
    sections = (
        Section(H["care"], _care_blocks(facts, list(facts.names))),
        Section(
            H["status"],
            (
                Paragraph(f"Progress status: {facts.status}."),
                Paragraph(facts.reason),
                _partner_status_table(facts),
            ),
        ),
        Section(H["trends"], _trends(facts, facts.band, plain=False)),
        Section(H["five_cs"], (figures.five_cs_figure(facts.ratings, case_code=code),)),
        Section(H["milestones"], (_milestone_table(facts.milestones),)),
        Section(H["homework"], _homework_blocks(facts, list(facts.names), code)),
        Section(H["safety"], (_safety_table(facts),)),
        Section(H["plan"], _plan_blocks(facts)),
        Section(
            H["constants"],
            (
                Paragraph(facts.reference_label or "Constants computed for this report only."),
                _constants_table(facts.constants),
            ),
        ),
    )
    return Report(
        title=f"Progress report · {code}",
        subtitle=REPORT_VERSION_LABELS[ReportVersion.CLINICIAN],
        cover=(
            *_cover_lines(facts, list(facts.names)),
            f"Counsellor: {facts.counsellor}",
            f"Case status: {facts.case_status}",
        ),
        sections=sections,
        notice=REPORT_CONFIDENTIAL,
        footer=f"{code} · confidential clinical detail · {day(facts.today)}",
        file_stem=f"{code}-clinician-report",
    )


# --- the couple's version ---------------------------------------------------------------------


def for_couple(facts: ReportFacts) -> Report:
    code = facts.case_code
    labels = list(facts.names)
    sections = (
        Section(H["care"], _care_blocks(facts, labels, plain=True)),
        Section(H["progress"], _plain_progress(facts, labels)),
        Section(H["trends"], _trends(facts, None)),
        Section(H["five_cs"], (figures.five_cs_figure(facts.ratings, case_code=code),)),
        Section(H["homework"], _homework_blocks(facts, labels, code)),
    )
    both = " and ".join(facts.names[label] for label in labels)
    return Report(
        title=f"Your progress · {both}",
        subtitle=REPORT_VERSION_LABELS[ReportVersion.COUPLE],
        cover=_cover_lines(facts, labels),
        sections=sections,
        footer=f"{code} · {day(facts.today)}",
        file_stem=f"{code}-couple-report",
    )


# --- one partner's version --------------------------------------------------------------------


def for_partner(facts: ReportFacts, label: str) -> Report:
    code = facts.case_code
    own = _only(facts, label)
    sections = (
        Section(H["care"], _own_care(own, label)),
        Section(H["progress"], _plain_progress(own, [label], overall=False)),
        Section(H["trends"], _trends(own, None)),
        Section(H["five_cs"], (figures.five_cs_figure(own.ratings, case_code=code),)),
        Section(H["homework"], _homework_blocks(own, [label], code)),
    )
    return Report(
        title=f"Your progress · {facts.names[label]}",
        subtitle=REPORT_VERSION_LABELS[ReportVersion.PARTNER],
        cover=_cover_lines(own, [label]),
        sections=sections,
        footer=f"{code} · {facts.names[label]} · {day(facts.today)}",
        file_stem=f"{code}-partner-{label}-report",
    )


def _only(facts: ReportFacts, label: str) -> ReportFacts:
    """The facts of one partner: their ratings, changes, adherence and homework."""

    def mine(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[frame["partner_label"] == label] if len(frame) else frame

    homework = facts.homework
    if len(homework):
        homework = homework.loc[homework["target_label"].isin([label, "both"])]
    return ReportFacts(
        case_code=facts.case_code,
        names={label: facts.names[label]},
        counsellor=facts.counsellor,
        intake=facts.intake,
        today=facts.today,
        case_status=facts.case_status,
        ratings=mine(facts.ratings),
        changes=mine(facts.changes),
        milestones=pd.DataFrame(),
        status="",
        reason="",
        adherence_by_week=mine(facts.adherence_by_week),
        sessions=facts.sessions,
        homework=homework,
    )


# --- shared blocks ----------------------------------------------------------------------------


def _trends(facts: ReportFacts, band: pd.DataFrame | None, plain: bool = True) -> tuple[Block, ...]:
    shown = figures.trend_figures(facts.ratings, band, case_code=facts.case_code, plain=plain)
    return tuple(shown)


def _change(changes: pd.DataFrame, key: str, label: str) -> pd.Series | None:
    """One partner's change on one measure (change_table's row), or None."""
    if changes.empty:
        return None
    found = changes.loc[(changes["instrument"] == key) & (changes["partner_label"] == label)]
    return None if found.empty else found.iloc[0]


def _cover_lines(facts: ReportFacts, labels: list[str]) -> tuple[str, ...]:
    people = ", ".join(
        name if name == f"Partner {label}" else f"{name} (partner {label})"
        for label, name in ((label, facts.names[label]) for label in labels)
    )
    return (
        f"Case {facts.case_code} · {people}",
        f"In care since {day(facts.intake)}: week {facts.weeks_in_care} · report of "
        f"{day(facts.today)}",
    )


def session_counts(sessions: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Per partner: sessions held, attended (joint or their own), held without them."""
    attendees = sessions["attendees"].astype(str) if len(sessions) else pd.Series(dtype=str)
    held = len(sessions)
    rows = []
    for label in labels:
        own = Attendees.A_ONLY.value if label == "A" else Attendees.B_ONLY.value
        attended = int(attendees.isin([Attendees.JOINT.value, own]).sum())
        rows.append({"partner_label": label, "attended": attended, "without": held - attended})
    return pd.DataFrame(rows, columns=["partner_label", "attended", "without"])


def _care_blocks(
    facts: ReportFacts, labels: list[str], *, plain: bool = False
) -> tuple[Block, ...]:
    sessions = facts.sessions
    held = len(sessions)
    joint = int((sessions["attendees"].astype(str) == Attendees.JOINT.value).sum()) if held else 0
    last = day(max(sessions["session_date"])) if held else "none yet"
    counts = session_counts(sessions, labels)
    intro = Paragraph(
        f"Week {facts.weeks_in_care} since the first meeting on {day(facts.intake)}. "
        f"{held} session{'s' if held != 1 else ''} so far ({joint} joint); the latest: {last}."
    )
    table = Table(
        ("Partner", "Sessions attended", "Sessions held without them"),
        tuple(
            (facts.names[row.partner_label], str(row.attended), str(row.without))
            for row in counts.itertuples()
        ),
        widths=(2, 1.2, 1.6),
    )
    note = Paragraph(
        "Sessions without a partner are individual sessions with the other partner or "
        "sessions they missed; appointments that did not take place are not recorded.",
        muted=True,
    )
    return (intro, table) if plain else (intro, table, note)


def _own_care(facts: ReportFacts, label: str) -> tuple[Block, ...]:
    """One partner's time in care: the sessions they attended, nothing of the other's."""
    own = Attendees.A_ONLY.value if label == "A" else Attendees.B_ONLY.value
    sessions = facts.sessions
    theirs = sessions.loc[sessions["attendees"].astype(str).isin([Attendees.JOINT.value, own])]
    last = day(max(theirs["session_date"])) if len(theirs) else "none yet"
    return (
        Paragraph(
            f"Week {facts.weeks_in_care} since the first meeting on {day(facts.intake)}. "
            f"Sessions you attended: {len(theirs)}; the latest: {last}."
        ),
    )


def _partner_status_table(facts: ReportFacts) -> Table:
    changes = facts.changes
    rows = []
    for key in TRACKED:
        for label in facts.names:
            row = _change(changes, key, label)
            if row is None:
                continue
            rows.append(
                (
                    facts.names[label],
                    INSTRUMENTS[key].short_name,
                    f"{row['baseline']:g}",
                    f"{row['latest']:g}",
                    f"{row['change']:+g}",
                    "—" if pd.isna(row["rci"]) else f"{row['rci']:+.1f}",
                    str(row["direction"]),
                )
            )
    return Table(
        ("Partner", "Measure", "First", "Latest", "Change", "RCI", "Reliable change"),
        tuple(rows),
        widths=(1.6, 1, 0.7, 0.7, 0.8, 0.7, 1.6),
        empty="No two ratings on any measure yet.",
    )


def _milestone_table(table: pd.DataFrame) -> Table:
    def number(value: object) -> str:  # the display table words its numbers already
        if isinstance(value, str):
            return value
        return "—" if value is None or pd.isna(value) else f"{value:g}"

    return Table(
        ("Partner", "Measure", "Milestone", "Week", "Value", "Change", "Outcome"),
        tuple(
            (
                str(row.Partner),
                str(row.Measure),
                str(row.Milestone),
                number(row.Week),
                number(row.Value),
                number(row.Change),
                str(row.Outcome),
            )
            for row in table.itertuples()
        ),
        widths=(0.8, 1, 1, 0.7, 0.7, 0.8, 1.6),
        empty="No milestone reached yet.",
    )


def _adherence_lines(facts: ReportFacts, labels: list[str]) -> list[Paragraph]:
    weekly = facts.adherence_by_week
    lines = []
    for label in labels:
        rows = weekly.loc[weekly["partner_label"] == label] if len(weekly) else weekly
        if rows.empty:
            lines.append(Paragraph(f"{facts.names[label]}: no homework expected yet."))
            continue
        last = rows.sort_values("week").iloc[-1]
        lines.append(
            Paragraph(
                f"{facts.names[label]}: {int(last['done'])} of {int(last['expected'])} "
                f"expected homework done so far ({last['rate']:.0%})."
            )
        )
    return lines


def _homework_blocks(facts: ReportFacts, labels: list[str], code: str) -> tuple[Block, ...]:
    homework = facts.homework
    table = Table(
        ("Exercise", "For", "Given", "Due", "Status"),
        tuple(
            (str(r.exercise), str(r.target), day(r.assigned_on), day(r.due_on), str(r.status))
            for r in homework.itertuples()
        ),
        widths=(3, 1.3, 1, 1, 1),
        empty="No homework given yet.",
    )
    chart: list[Block] = []
    if len(facts.adherence_by_week):
        chart.append(figures.adherence_figure(facts.adherence_by_week, case_code=code))
    return (*_adherence_lines(facts, labels), *chart, table)


def _safety_table(facts: ReportFacts) -> Table:
    safety = facts.safety
    return Table(
        ("Screened", "Partner", "Concerns", "PC-PTSD-5", "Status", "Resolved"),
        tuple(
            (
                day(r.screened_on),
                facts.names.get(str(r.partner_label), f"Partner {r.partner_label}"),
                str(r.concerns) or "none",
                "—" if r.ptsd_score is None or pd.isna(r.ptsd_score) else f"{int(r.ptsd_score)}",
                str(r.status),
                day(r.resolved_on) if r.resolved_on is not None else "—",
            )
            for r in safety.itertuples()
        ),
        widths=(1, 1.3, 2.2, 0.9, 0.9, 1),
        empty="No safety screen recorded.",
    )


def _plan_blocks(facts: ReportFacts) -> tuple[Block, ...]:
    if facts.plan is None:
        return (Paragraph("No note has a plan section yet."),)
    when, text = facts.plan
    return (Paragraph(f"From the note of {day(when)}:", muted=True), Paragraph(text))


def _constants_table(constants: pd.DataFrame) -> Table:
    return Table(
        ("Measure", "Partner role", "Baselines", "SD", "Reliability"),
        tuple(
            (str(measure), str(role), str(baselines), f"{sd:g}", f"{reliability:g}")
            for measure, role, baselines, sd, reliability in constants[
                ["Measure", "Partner role", "Baselines", "SD", "Reliability"]
            ].itertuples(index=False, name=None)
        )
        if len(constants)
        else (),
        widths=(1.4, 1.4, 1, 0.8, 1),
        empty="No constants stored.",
    )


def _plain_progress(
    facts: ReportFacts, labels: list[str], *, overall: bool = True
) -> tuple[Block, ...]:
    """The progress in words: the overall picture, then one sentence per partner and
    measure (first and latest rating; no statistics)."""
    blocks: list[Block] = []
    if overall and facts.status:
        blocks.append(Paragraph(PLAIN_STATUS.get(facts.status, "")))
    changes = facts.changes
    for label in labels:
        said = []
        for key in TRACKED:
            row = _change(changes, key, label)
            if row is None:
                continue
            what = PLAIN_MEASURES.get(key, INSTRUMENTS[key].short_name)
            if int(row["n_ratings"]) < 2:
                said.append(f"{what}: one rating so far ({row['latest']:g}).")
                continue
            moved = PLAIN_DIRECTIONS.get(str(row["direction"]), "has changed")
            said.append(
                f"{what[:1].upper()}{what[1:]} {moved}: {row['baseline']:g} at the first "
                f"rating, {row['latest']:g} at the latest."
            )
        if said:
            blocks.append(Paragraph(f"{facts.names[label]}: " + " ".join(said)))
        else:
            blocks.append(Paragraph(f"{facts.names[label]}: no ratings yet."))
    return tuple(blocks)
