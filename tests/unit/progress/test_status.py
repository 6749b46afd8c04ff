"""Statuses per partner and couple with their one-line reasons (core.progress.status), under
the calibrated rules of docs/clinical-model.md. Expected values are worked by hand in the
comments. Defaults: SE of a difference CSI-4 4.0 * sqrt(2) * sqrt(.06) = 1.385641, five
C's 8 * sqrt(2) * sqrt(.2) = 5.059644, distress 2.5 * sqrt(2) * sqrt(.3) = 1.936492.
flat_band(): expected +1, range -1 .. +3 at every week."""

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


def _look(result, partner: str = "A") -> tuple[bool, str]:
    row = result.loc[result["partner_label"] == partner].iloc[0]
    return bool(row.second_look), str(row.second_look_reason)


def test_one_reliable_drop_is_not_deteriorated() -> None:
    # 14 -> 8: RCI = -6 / 1.385641 = -4.33, reliable, but one rating is not evidence.
    status, reason = partner_status(statuses(rating(0, 14), rating(8, 8), today=8))
    assert status == "on track"
    assert reason == (
        "CSI-4 −6 since week 0: below the expected range at week 8 (expected +1, lower edge −1,"
        " clinic data); not on track only when a second rating and a second measure confirm it"
    )


def test_deteriorated_needs_the_latest_two_ratings_and_a_second_measure() -> None:
    # CSI-4 14 -> 8 -> 8: RCI -4.33 at weeks 7 and 8 (confirmed). Distress 3 -> 7 -> 8:
    # RCI +2.07 and +2.58, both past half the threshold (0.98) the wrong way: corroborated.
    csi = (rating(0, 14), rating(7, 8), rating(8, 8))
    distress = [rating(w, v, instrument="distress") for w, v in ((0, 3), (7, 7), (8, 8))]
    status, reason = partner_status(statuses(*csi, *distress, today=8))
    assert (status, reason) == (
        "deteriorated",
        "CSI-4 fell reliably from 14 to 8 (RCI −4.3; also at week 7, RCI −4.3); Distress +5 too",
    )
    # Distress steady (3, 3, 3): one measure alone does not decide; two ratings below the
    # range, but no second measure behind the curve (distress 0 vs expected +1 is better).
    steady = [rating(w, 3, instrument="distress") for w in (0, 7, 8)]
    assert partner_status(statuses(*csi, *steady, today=8))[0] == "on track"


def test_secondary_outcome_alone_never_decides() -> None:
    # Distress 3 -> 8 -> 8 (RCI +2.58 twice): reliable worsening, but distress is secondary.
    rows = [rating(w, v, instrument="distress") for w, v in ((0, 3), (7, 8), (8, 8))]
    assert partner_status(statuses(*rows, today=8))[0] == "on track"


def test_not_on_track_needs_two_ratings_below_the_range_and_a_second_measure() -> None:
    # CSI-4 12 -> 10 -> 10: -2 < -1 (the lower edge) at weeks 7 and 8; RCI -1.44 is not
    # reliable. Five C's 20 -> 20 -> 20: 0 is behind the expected +1: corroborates.
    csi = (rating(0, 12), rating(7, 10), rating(8, 10))
    trust = [rating(w, 20, instrument="five_cs") for w in (0, 7, 8)]
    status, reason = partner_status(statuses(*csi, *trust, today=8))
    assert status == "not on track"
    assert reason == (
        "CSI-4 −2 since week 0: below the expected range at the last two ratings (weeks 7 and"
        " 8) (expected +1, lower edge −1, clinic data); Five C's behind the expected curve too"
    )
    # One rating below, the one before within the range: not yet.
    back = (rating(0, 12), rating(7, 12), rating(8, 10))
    assert partner_status(statuses(*back, *trust, today=8))[0] == "on track"


def test_a_trend_below_the_range_counts_as_persisting() -> None:
    # CSI-4 12 -> 11.5 (-0.5, inside) -> 9 (-3, outside): the mean of the two, -1.75, is
    # below the lower edge -1 and the latest is below it: persisting evidence.
    csi = (rating(0, 12), rating(7, 11.5), rating(8, 9))
    trust = [rating(w, 20, instrument="five_cs") for w in (0, 7, 8)]
    assert partner_status(statuses(*csi, *trust, today=8))[0] == "not on track"


def test_lower_is_better_is_judged_against_the_upper_edge() -> None:
    # Five C's is higher-better; distress (lower is better) corroborates from the upper
    # side: 5 -> 8: +3 is worse than the expected -2 (band -3 .. +2, middle -0.5).
    trust = (
        rating(0, 20, instrument="five_cs"),
        rating(7, 14, instrument="five_cs"),
        rating(8, 14, instrument="five_cs"),
    )
    distress = [rating(w, v, instrument="distress") for w, v in ((0, 5), (7, 8), (8, 8))]
    status, _ = partner_status(statuses(*trust, *distress, today=8, band=flat_band(-3, 2)))
    assert status == "not on track"


def test_improved_and_recovered_are_judged_from_week_26() -> None:
    # CSI-4 10 -> 16 -> 16: RCI +4.33 twice; 16 >= 13.5 leaves the clinical range.
    # Five C's 20 -> 30 -> 30: RCI +1.98 twice (>= 0.98): corroborated.
    def couple(at: int) -> list[dict]:
        csi = [rating(0, 10), rating(at - 1, 16), rating(at, 16)]
        return csi + [
            rating(w, v, instrument="five_cs") for w, v in ((0, 20), (at - 1, 30), (at, 30))
        ]

    status, reason = partner_status(statuses(*couple(27), today=27))
    assert status == "recovered"
    assert reason == (
        "CSI-4 rose reliably from 10 to 16 (RCI +4.3; also at week 26, RCI +4.3); now out of"
        " the clinical range (cut-off 13.5); Five C's +10 too"
    )
    status, reason = partner_status(statuses(*couple(9), today=9))
    assert status == "on track"
    assert reason.startswith("Ahead of the expected course: CSI-4 rose reliably from 10 to 16")
    assert reason.endswith("(improved or recovered is judged from week 26)")


def test_improvement_without_a_second_measure_is_not_improved() -> None:
    # CSI-4 6 -> 10 -> 10 (RCI +2.89 twice, still below 13.5); five C's flat.
    csi = (rating(0, 6), rating(26, 10), rating(27, 10))
    trust = [rating(w, 20, instrument="five_cs") for w in (0, 26, 27)]
    assert partner_status(statuses(*csi, *trust, today=27))[0] == "on track"
    better = [rating(w, v, instrument="five_cs") for w, v in ((0, 20), (26, 26), (27, 26))]
    assert partner_status(statuses(*csi, *better, today=27))[0] == "improved"


def test_week_12_is_a_second_look_not_a_status() -> None:
    # No primary outcome above its baseline at week 13 (CSI-4 12 -> 12, five C's 20 -> 19).
    rows = (
        rating(0, 12),
        rating(13, 12),
        rating(0, 20, instrument="five_cs"),
        rating(13, 19, instrument="five_cs"),
    )
    result = statuses(*rows, today=14)
    assert partner_status(result)[0] == "on track"
    assert _look(result) == (
        True,
        "No improvement on a primary outcome (CSI-4, Five C's) by week 12 (now week 14; first"
        " rating at week 0)",
    )
    # Before week 12: no flag. Any primary outcome above its start: no flag.
    assert _look(statuses(*rows[:1], rating(11, 12), today=11))[0] is False
    assert _look(statuses(rating(0, 12), rating(13, 13), today=14))[0] is False


def test_reliable_improvement_at_week_12_lifts_the_second_look() -> None:
    # Week 12: 10 -> 14 (RCI 2.89, improved at the milestone); week 16: 10 (no change).
    rows = (rating(0, 10), rating(12, 14), rating(16, 10))
    result = statuses(*rows, today=16)
    assert partner_status(result)[0] == "on track" and _look(result)[0] is False


def test_status_too_early_and_one_rating_later_on() -> None:
    status, reason = partner_status(statuses(rating(1, 12), today=3))
    assert (status, reason) == (
        "too early",
        "Only the first rating so far (week 1): too early to judge",
    )
    result = statuses(rating(0, 12), today=8)
    status, reason = partner_status(result)
    assert status == "too early"
    assert reason == "Only one rating (week 0) and now week 8: no change can be measured yet"
    assert _look(result) == (
        True,
        "Only one rating (week 0) and now week 8: no follow-up rating to measure change",
    )


def test_status_no_ratings_for_a_roster_couple() -> None:
    result = statuses(today=10, roster=[9])
    assert list(result["status"]) == ["no ratings", "no ratings"]
    assert list(result["reason"]) == ["no ratings yet", "no ratings yet"]
    couple = couple_status(result).iloc[0]
    assert (couple.couple_id, couple.status, couple.second_look) == (9, "no ratings", False)


def test_partner_who_never_attended() -> None:
    rows = (
        rating(0, 10),
        rating(26, 16),
        rating(27, 16),
        *(rating(w, v, instrument="five_cs") for w, v in ((0, 20), (26, 30), (27, 30))),
    )
    result = statuses(*rows, today=27, roster=[1])
    assert partner_status(result, partner="B")[0] == "no ratings"
    couple = couple_status(result).iloc[0]
    assert couple.status == "recovered"
    assert couple.reason.startswith("Kit: CSI-4 rose reliably from 10 to 16")
    assert couple.reason.endswith(" · Partner B: no ratings")
    assert (couple.status_A, couple.status_B) == ("recovered", "no ratings")


def test_closed_couple_keeps_its_last_status() -> None:
    # Closed after week 4 (12 -> 13, in range). Now week 40, but a closed case is judged at
    # its last rating: on track, and no week-12 second look.
    rows = (rating(0, 12, status="closed"), rating(4, 13, status="closed"))
    result = statuses(*rows, today=40)
    status, reason = partner_status(result)
    assert status == "on track" and _look(result)[0] is False
    assert reason.endswith("(case closed; last rating at week 4)")
    # The same ratings still open at week 40: CSI-4 is above its start, so no second look.
    assert _look(statuses(rating(0, 12), rating(4, 12), today=40))[0] is True


def test_ratings_only_after_week_26() -> None:
    # First rating at week 27 is not an intake baseline: no band (−2 would be below it),
    # and the week-12 second look counts 12 weeks from the first rating.
    rows = (rating(27, 12), rating(29, 10))
    status, reason = partner_status(statuses(*rows, today=30))
    assert status == "on track"
    assert reason == (
        "CSI-4 −2 since week 27, the first rating (not at intake); no confirmed reliable change"
        " (RCI −1.4)"
    )
    assert _look(statuses(*rows, today=38))[0] is False
    assert _look(statuses(*rows, today=40))[0] is True


def test_deterioration_takes_precedence_over_improvement() -> None:
    rows = (
        rating(0, 14),
        rating(26, 8),
        rating(27, 8),  # CSI-4 reliably worse twice
        *(rating(w, v, instrument="five_cs") for w, v in ((0, 30), (26, 22), (27, 22))),
        *(rating(w, v, instrument="distress") for w, v in ((0, 8), (26, 3), (27, 3))),
    )
    status, reason = partner_status(statuses(*rows, today=27))
    assert status == "deteriorated"
    assert reason.startswith("CSI-4 fell reliably from 14 to 8")


def test_couple_status_takes_the_more_urgent_partner() -> None:
    rows = (
        rating(0, 10),
        rating(26, 16),
        rating(27, 16),
        *(rating(w, v, instrument="five_cs") for w, v in ((0, 20), (26, 30), (27, 30))),
        rating(0, 12, partner="B"),
        rating(26, 10, partner="B"),
        rating(27, 10, partner="B"),
        *(rating(w, 20, partner="B", instrument="five_cs") for w in (0, 26, 27)),
    )
    couple = couple_status(statuses(*rows, today=27)).iloc[0]
    assert couple.status == "not on track"
    assert couple.reason.startswith("Lou: CSI-4 −2 since week 0: below the expected range")
    assert couple.reason.endswith(" · Kit: recovered")
    assert couple.second_look
    assert couple.second_look_reason.startswith("Lou: No improvement on a primary outcome")


def test_classify_without_today_judges_at_the_last_rating() -> None:
    # No today: the last rating's week (8) stands in, so the week-12 second look is not due.
    result = statuses(rating(0, 12), rating(8, 12), today=None)
    assert partner_status(result)[0] == "on track" and _look(result)[0] is False
