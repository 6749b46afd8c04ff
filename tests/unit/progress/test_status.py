"""Statuses per partner and couple with their one-line reasons (core.progress.status).
Expected values are worked by hand in the comments."""

from __future__ import annotations

from core.progress import (
    couple_status,
)
from tests.progress_support import (
    flat_band,
    partner_status,
    rating,
    statuses,
)


def test_status_deteriorated() -> None:
    # 14 -> 8: RCI = -6 / 1.385641 = -4.33.
    status, reason = partner_status(statuses(rating(0, 14), rating(8, 8), today=8))
    assert (status, reason) == ("deteriorated", "CSI-4 fell reliably from 14 to 8 (RCI −4.3)")


def test_status_improved() -> None:
    # Five C's 10 -> 30: SE = 8 * sqrt(2) * sqrt(0.2) = 5.059644; RCI = 20 / 5.059644 = 3.95.
    rows = (rating(0, 10, instrument="five_cs"), rating(9, 30, instrument="five_cs"))
    status, reason = partner_status(statuses(*rows, today=9))
    assert (status, reason) == ("improved", "Five C's rose reliably from 10 to 30 (RCI +4.0)")


def test_status_on_track_within_the_band() -> None:
    # 12 -> 13: +1 lies within the band (-1 .. +3); RCI 0.72.
    status, reason = partner_status(statuses(rating(0, 12), rating(8, 13), today=8))
    assert status == "on track"
    assert reason == (
        "CSI-4 +1 since week 0: within the expected range at week 8 (−1 to +3, clinic data)"
    )


def test_status_not_on_track_below_the_band() -> None:
    # 12 -> 10: -2 < -1 (the band's lower edge); RCI -1.44 is not reliable.
    status, reason = partner_status(statuses(rating(0, 12), rating(8, 10), today=8))
    assert status == "not on track"
    assert reason == (
        "CSI-4 −2 since week 0: worse than the expected range at week 8 (−1 to +3, clinic data)"
    )


def test_lower_is_better_is_judged_against_the_upper_edge() -> None:
    # Distress (lower is better) 5 -> 8: +3 is worse than the band's upper edge +2;
    # RCI = 3 / 1.936492 = 1.55 is not reliable, so the band decides.
    rows = (rating(0, 5, instrument="distress"), rating(8, 8, instrument="distress"))
    status, _ = partner_status(statuses(*rows, today=8, band=flat_band(-3, 2)))
    assert status == "not on track"


def test_status_not_on_track_without_reliable_improvement_by_week_12() -> None:
    # 12 -> 13 at week 14 (within the band), now week 14: past 12, no reliable improvement.
    status, reason = partner_status(statuses(rating(0, 12), rating(14, 13), today=14))
    assert status == "not on track"
    assert reason == (
        "No reliable improvement by week 12 (now week 14); CSI-4 +1 since week 0 (RCI +0.7)"
    )
    # The same ratings judged at week 12 exactly: not past week 12 yet.
    assert partner_status(statuses(rating(0, 12), rating(11, 13), today=12))[0] == "on track"


def test_reliable_improvement_at_week_12_counts_even_if_it_later_fades() -> None:
    # Week 12: 10 -> 14 (RCI 2.89, improved at the milestone); week 16: 11 (+1, in band).
    rows = (rating(0, 10), rating(12, 14), rating(16, 11))
    assert partner_status(statuses(*rows, today=16))[0] == "on track"


def test_status_too_early_and_one_rating_later_on() -> None:
    status, reason = partner_status(statuses(rating(1, 12), today=3))
    assert (status, reason) == (
        "too early",
        "Only the first rating so far (week 1): too early to judge",
    )
    status, reason = partner_status(statuses(rating(0, 12), today=8))
    assert status == "not on track"
    assert reason == "Only one rating (week 0) and now week 8: no change can be measured"


def test_status_no_ratings_for_a_roster_couple() -> None:
    result = statuses(today=10, roster=[9])
    assert list(result["status"]) == ["no ratings", "no ratings"]
    assert list(result["reason"]) == [
        "No ratings from partner A yet",
        "No ratings from partner B yet",
    ]
    couple = couple_status(result).iloc[0]
    assert (couple.couple_id, couple.status) == (9, "no ratings")


def test_partner_who_never_attended() -> None:
    result = statuses(rating(0, 10), rating(8, 16), today=8, roster=[1])
    assert partner_status(result, partner="B")[0] == "no ratings"
    couple = couple_status(result).iloc[0]
    assert couple.status == "recovered"
    assert couple.reason.startswith("Kit: CSI-4 rose reliably from 10 to 16")
    assert couple.reason.endswith(" · Partner B: no ratings")
    assert (couple.status_A, couple.status_B) == ("recovered", "no ratings")


def test_closed_couple_keeps_its_last_status() -> None:
    # Closed after week 4 (12 -> 13, in band). Now week 40, but a closed case is judged at
    # its last rating: on track, not "no reliable improvement by week 12".
    rows = (rating(0, 12, status="closed"), rating(4, 13, status="closed"))
    status, reason = partner_status(statuses(*rows, today=40))
    assert status == "on track"
    assert reason.endswith("(case closed; last rating at week 4)")
    open_rows = (rating(0, 12), rating(4, 13))
    assert partner_status(statuses(*open_rows, today=40))[0] == "not on track"


def test_ratings_only_after_week_26() -> None:
    # First rating at week 27 is not an intake baseline: no band (−2 would be below it),
    # and the week-12 rule counts 12 weeks from the first rating.
    rows = (rating(27, 12), rating(29, 10))
    status, reason = partner_status(statuses(*rows, today=30))
    assert status == "on track"
    assert reason == (
        "CSI-4 −2 since week 27, the first rating (not at intake); no reliable change yet"
        " (RCI −1.4)"
    )
    status, reason = partner_status(statuses(*rows, today=40))
    assert status == "not on track"
    assert reason.startswith("No reliable improvement in the 12 weeks since the first rating")
    assert partner_status(statuses(rating(27, 8), rating(29, 16), today=30))[0] == "recovered"


def test_deterioration_takes_precedence_over_improvement() -> None:
    rows = (
        rating(0, 10),
        rating(8, 16),  # CSI-4 recovered
        rating(0, 3, instrument="distress"),
        rating(8, 8, instrument="distress"),  # RCI +2.58 the wrong way
    )
    status, reason = partner_status(statuses(*rows, today=8))
    assert (status, reason) == ("deteriorated", "Distress rose reliably from 3 to 8 (RCI +2.6)")


def test_couple_status_takes_the_more_urgent_partner() -> None:
    rows = (
        rating(0, 10),
        rating(8, 16),
        rating(0, 12, partner="B"),
        rating(8, 10, partner="B"),
    )
    couple = couple_status(statuses(*rows, today=8)).iloc[0]
    assert couple.status == "not on track"
    assert couple.reason.startswith("Lou: CSI-4 −2 since week 0: worse than the expected range")
    assert couple.reason.endswith(" · Kit: recovered")


def test_classify_without_today_judges_at_the_last_rating() -> None:
    # No today: the last rating's week (8) stands in, so the week-12 rule does not fire.
    assert partner_status(statuses(rating(0, 12), rating(8, 13), today=None))[0] == "on track"
