"""Rating instruments (core.measures): items, ranges, scoring, cut-offs, reliable change,
Cronbach's alpha. No database."""

from __future__ import annotations

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import measures
from core.errors import ValidationError
from core.measures import (
    CSI4,
    DISTRESS,
    FIVE_CS,
    INSTRUMENTS,
    PCPTSD5,
    RELIABLE_CHANGE_THRESHOLD,
    Instrument,
    cronbach_alpha,
    instrument,
    is_reliable,
    reliable_change_index,
    session_instruments,
)

REPO = Path(__file__).resolve().parents[2]
ALL = [FIVE_CS, CSI4, DISTRESS, PCPTSD5]


def _all_at(tool: Instrument, which: str) -> dict[str, int]:
    return {item.key: getattr(item, which) for item in tool.items}


def _ptsd(exposure: int, yes: int) -> dict[str, int]:
    """PC-PTSD-5 answers: the exposure gate, then `yes` of the five items answered yes."""
    keys = [item.key for item in PCPTSD5.scored_items]
    return {"exposure": exposure, **{key: int(i < yes) for i, key in enumerate(keys)}}


# --- registry -------------------------------------------------------------------------------


def test_registry_holds_the_four_instruments_by_key() -> None:
    assert {"five_cs", "csi4", "distress", "pcptsd5"} <= set(INSTRUMENTS)
    for tool in ALL:
        assert INSTRUMENTS[tool.key] is tool
        assert instrument(tool.key) is tool


def test_unknown_instrument_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match="Unknown instrument 'nope'"):
        instrument("nope")


def test_session_instruments_are_the_per_session_ratings_not_the_trauma_screen() -> None:
    keys = [tool.key for tool in session_instruments()]
    assert keys[:3] == ["five_cs", "csi4", "distress"]
    assert "pcptsd5" not in keys


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_every_instrument_is_fully_described(tool: Instrument) -> None:
    assert tool.name and tool.short_name and tool.instructions and tool.constants_source
    assert len({item.key for item in tool.items}) == len(tool.items)
    for item in tool.items:
        assert item.text.strip()
        assert item.minimum < item.maximum
        if item.anchors:
            assert set(item.anchors) == set(range(item.minimum, item.maximum + 1))
    if tool.default_sd is not None:
        assert tool.default_sd > 0
        assert tool.reliability is not None and 0 < tool.reliability < 1


@pytest.mark.parametrize(
    ("tool", "expected"),
    [(FIVE_CS, (0, 50)), (CSI4, (0, 21)), (DISTRESS, (0, 10)), (PCPTSD5, (0, 5))],
    ids=lambda v: getattr(v, "key", str(v)),
)
def test_total_range(tool: Instrument, expected: tuple[int, int]) -> None:
    assert tool.total_range == expected


@pytest.mark.parametrize(
    ("tool", "higher_is_better"),
    [(FIVE_CS, True), (CSI4, True), (DISTRESS, False), (PCPTSD5, False)],
    ids=lambda v: getattr(v, "key", str(v)),
)
def test_direction(tool: Instrument, higher_is_better: bool) -> None:
    assert tool.higher_is_better is higher_is_better


# --- edge values: every instrument ----------------------------------------------------------


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_all_minimums_score_the_bottom_of_the_range(tool: Instrument) -> None:
    assert tool.score(_all_at(tool, "minimum")) == tool.total_range[0]


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_all_maximums_score_the_top_of_the_range(tool: Instrument) -> None:
    total = tool.score(_all_at(tool, "maximum"))
    assert total == tool.total_range[1]
    assert isinstance(total, float)


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
@pytest.mark.parametrize("where", ["below", "above"])
def test_out_of_range_is_refused_naming_the_item(tool: Instrument, where: str) -> None:
    item = tool.items[-1]
    answers = _all_at(tool, "minimum")
    answers[item.key] = item.minimum - 1 if where == "below" else item.maximum + 1
    with pytest.raises(ValidationError) as info:
        tool.score(answers)
    message = str(info.value)
    assert message.startswith(f"{tool.short_name}: ")
    assert f"'{item.text}' must be a whole number from {item.minimum} to {item.maximum}" in message


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_non_integer_is_refused_naming_the_item(tool: Instrument) -> None:
    item = tool.items[0]
    answers = {**_all_at(tool, "minimum"), item.key: item.minimum + 0.5}
    with pytest.raises(ValidationError, match="must be a whole number") as info:
        tool.score(answers)
    assert f"'{item.text}'" in str(info.value)


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_whole_number_given_as_a_float_is_accepted(tool: Instrument) -> None:
    answers = {key: float(value) for key, value in _all_at(tool, "maximum").items()}
    assert tool.score(answers) == tool.total_range[1]


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
@pytest.mark.parametrize("how", ["absent", "none"])
def test_missing_item_is_refused_naming_the_item(tool: Instrument, how: str) -> None:
    item = tool.items[-1]
    answers: dict[str, int | None] = dict(_all_at(tool, "minimum"))
    if tool.gate_item is not None:
        answers[tool.gate_item] = 1  # a closed gate needs no further answers
    if how == "absent":
        del answers[item.key]
    else:
        answers[item.key] = None
    with pytest.raises(ValidationError) as info:
        tool.score(answers)
    message = str(info.value)
    assert message.startswith(f"{tool.short_name}: ")
    if len(tool.items) > 1:
        assert f"'{item.text}'" in message
        assert f"'{tool.items[0].text}'" not in message  # only the missing one is named


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_nothing_answered_is_refused_naming_the_instrument(tool: Instrument) -> None:
    with pytest.raises(ValidationError, match=f"^{tool.short_name}: "):
        tool.score({})


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
def test_unknown_item_is_refused_by_its_key(tool: Instrument) -> None:
    answers = {**_all_at(tool, "minimum"), "bogus": 1}
    with pytest.raises(ValidationError, match=r"unknown item bogus"):
        tool.score(answers)


@pytest.mark.parametrize("tool", ALL, ids=lambda t: t.key)
@pytest.mark.parametrize("value", [True, False], ids=["True", "False"])
def test_bool_is_not_a_rating(tool: Instrument, value: bool) -> None:
    item = tool.items[0]
    answers = {**_all_at(tool, "minimum"), item.key: value}
    with pytest.raises(ValidationError) as info:
        tool.score(answers)
    assert f"'{item.text}' must be a number" in str(info.value)


@pytest.mark.parametrize("value", ["3", float("nan"), [3], float("inf")])
def test_other_non_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValidationError, match="'Hurt and upset this week' must be"):
        DISTRESS.score({"distress": value})  # type: ignore[dict-item]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        CSI4.score({"q1": 7, "q2": 2.5, "q4": True, "q9": 1})
    message = str(info.value)
    for text in (
        "'Please indicate the degree of happiness",
        "'I have a warm and comfortable",
        "'How rewarding is your relationship with your partner?'",
        "'In general, how satisfied are you with your relationship?' must be a number",
        "unknown item q9",
    ):
        assert text in message


# --- Five C's ---------------------------------------------------------------------------------


def test_five_cs_items_and_score() -> None:
    assert [item.key for item in FIVE_CS.items] == [
        "care",
        "communication",
        "character",
        "consistency",
        "competence",
    ]
    assert all((item.minimum, item.maximum) == (0, 10) for item in FIVE_CS.items)
    answers = {"care": 3, "communication": 4, "character": 5, "consistency": 2, "competence": 6}
    assert FIVE_CS.score(answers) == 20.0


def test_five_cs_has_no_cutoff_and_uses_clinic_estimates() -> None:
    assert FIVE_CS.cutoff is None
    assert FIVE_CS.in_clinical_range(0) is None
    assert FIVE_CS.estimate_from_clinic is True
    assert FIVE_CS.every_session is True


# --- CSI-4 ------------------------------------------------------------------------------------


def test_csi4_items_are_the_published_four_word_for_word() -> None:
    assert [(item.key, item.text, item.minimum, item.maximum) for item in CSI4.items] == [
        (
            "q1",
            "Please indicate the degree of happiness, all things considered, of your relationship.",
            0,
            6,
        ),
        ("q2", "I have a warm and comfortable relationship with my partner.", 0, 5),
        ("q3", "How rewarding is your relationship with your partner?", 0, 5),
        ("q4", "In general, how satisfied are you with your relationship?", 0, 5),
    ]


def test_csi4_anchors() -> None:
    q1, q2, q3, q4 = CSI4.items
    assert list(q1.anchors.values()) == [
        "Extremely unhappy",
        "Fairly unhappy",
        "A little unhappy",
        "Happy",
        "Very happy",
        "Extremely happy",
        "Perfect",
    ]
    assert list(q2.anchors.values()) == [
        "Not at all true",
        "A little true",
        "Somewhat true",
        "Mostly true",
        "Almost completely true",
        "Completely true",
    ]
    extent = ["Not at all", "A little", "Somewhat", "Mostly", "Almost completely", "Completely"]
    assert list(q3.anchors.values()) == extent
    assert list(q4.anchors.values()) == extent


def test_csi4_score_is_the_sum() -> None:
    assert CSI4.score({"q1": 2, "q2": 3, "q3": 2, "q4": 3}) == 10.0
    assert CSI4.score({"q1": 6, "q2": 0, "q3": 5, "q4": 0}) == 11.0


def test_csi4_q1_allows_six_but_the_others_stop_at_five() -> None:
    assert CSI4.score({"q1": 6, "q2": 5, "q3": 5, "q4": 5}) == 21.0
    for key in ("q2", "q3", "q4"):
        with pytest.raises(ValidationError, match="from 0 to 5"):
            CSI4.score({"q1": 0, "q2": 0, "q3": 0, "q4": 0, key: 6})


@pytest.mark.parametrize(
    ("total", "distressed"),
    [(0, True), (12, True), (13, True), (13.49, True), (13.5, False), (14, False), (21, False)],
)
def test_csi4_distress_cutoff_is_below_13_5(total: float, distressed: bool) -> None:
    assert CSI4.cutoff == 13.5
    assert CSI4.in_clinical_range(total) is distressed


def test_csi4_reliable_change_constants() -> None:
    assert CSI4.reliability == 0.94
    assert CSI4.default_sd == 4.0
    assert "Funk & Rogge" in CSI4.constants_source


# --- Distress ---------------------------------------------------------------------------------


def test_distress_is_one_item_zero_to_ten_lower_is_better() -> None:
    assert [(i.key, i.minimum, i.maximum) for i in DISTRESS.items] == [("distress", 0, 10)]
    assert DISTRESS.score({"distress": 7}) == 7.0
    assert DISTRESS.higher_is_better is False
    assert DISTRESS.in_clinical_range(10) is None  # no published cut-off


# --- PC-PTSD-5 --------------------------------------------------------------------------------


def test_pcptsd5_items() -> None:
    assert [item.key for item in PCPTSD5.items] == [
        "exposure",
        "nightmares",
        "avoidance",
        "on_guard",
        "numb",
        "guilt",
    ]
    assert all((i.minimum, i.maximum) == (0, 1) for i in PCPTSD5.items)
    assert PCPTSD5.gate_item == "exposure"
    assert "exposure" not in [item.key for item in PCPTSD5.scored_items]
    assert PCPTSD5.every_session is False
    assert PCPTSD5.default_sd is None and PCPTSD5.reliability is None


def test_pcptsd5_no_exposure_scores_zero_even_with_every_item_yes() -> None:
    assert PCPTSD5.score(_ptsd(exposure=0, yes=5)) == 0.0
    assert PCPTSD5.in_clinical_range(PCPTSD5.score(_ptsd(exposure=0, yes=5))) is False


@pytest.mark.parametrize(("yes", "positive"), [(0, False), (2, False), (3, True), (5, True)])
def test_pcptsd5_counts_yes_answers_and_is_positive_at_three(yes: int, positive: bool) -> None:
    score = PCPTSD5.score(_ptsd(exposure=1, yes=yes))
    assert score == yes
    assert PCPTSD5.in_clinical_range(score) is positive


def test_pcptsd5_default_cutoff_is_three() -> None:
    assert measures.PCPTSD5_DEFAULT_CUTOFF == 3
    if "MEND_PCPTSD5_CUTOFF" not in os.environ:
        assert PCPTSD5.cutoff == 3


def test_pcptsd5_at_the_efficient_cutoff_four_three_is_negative() -> None:
    strict = dataclasses.replace(PCPTSD5, cutoff=4)
    assert strict.in_clinical_range(3) is False
    assert strict.in_clinical_range(4) is True


def test_pcptsd5_cutoff_is_configured_by_the_environment() -> None:
    env = {**os.environ, "MEND_PCPTSD5_CUTOFF": "4"}
    env.pop("MEND_INSTRUMENTS_FILE", None)
    result = subprocess.run(
        [sys.executable, "-c", "from core.measures import PCPTSD5; print(PCPTSD5.cutoff)"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "4.0"


def test_pcptsd5_no_exposure_needs_no_symptom_answers() -> None:
    assert PCPTSD5.score({"exposure": 0}) == 0.0


def test_pcptsd5_exposure_itself_must_be_answered() -> None:
    answers = _ptsd(exposure=1, yes=3)
    del answers["exposure"]
    with pytest.raises(ValidationError, match="Have you ever experienced this kind of event"):
        PCPTSD5.score(answers)


# --- clinic instruments from YAML -------------------------------------------------------------


def test_clinic_instruments_load_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "extra.yaml"
    path.write_text(
        "- key: sleep\n"
        "  name: Sleep quality\n"
        "  short_name: Sleep\n"
        "  instructions: How well did you sleep?\n"
        "  higher_is_better: true\n"
        "  default_sd: 2.0\n"
        "  reliability: 0.8\n"
        "  constants_source: clinic\n"
        "  items:\n"
        "    - {key: sleep, text: Sleep this week, minimum: 0, maximum: 10}\n"
    )
    (sleep,) = measures._load_extra(str(path))
    assert sleep.key == "sleep"
    assert sleep.total_range == (0, 10)
    assert sleep.score({"sleep": 4}) == 4.0


def test_unreadable_instrument_file_is_a_validation_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- key: broken\n")
    with pytest.raises(ValidationError, match="could not be read"):
        measures._load_extra(str(path))
    with pytest.raises(ValidationError, match="could not be read"):
        measures._load_extra(str(tmp_path / "missing.yaml"))
    assert measures._load_extra(None) == ()


# --- reliable change --------------------------------------------------------------------------


def test_reliable_change_index_worked_example() -> None:
    # Before 10, after 16, SD 4, reliability .94 (CSI-4 constants):
    # SEdiff = SD * sqrt(2) * sqrt(1 - r) = 4 * 1.414214 * sqrt(0.06)
    #        = 4 * 1.414214 * 0.244949 = 1.385641
    # RCI = (16 - 10) / 1.385641 = 4.330127
    assert reliable_change_index(10, 16, 4, 0.94) == pytest.approx(4.330127, abs=1e-6)


def test_reliable_change_index_second_example_and_sign() -> None:
    # Distress: before 6, after 4, SD 2.5, r .70:
    # SEdiff = 2.5 * 1.414214 * sqrt(0.30) = 2.5 * 1.414214 * 0.547723 = 1.936492
    # RCI = (4 - 6) / 1.936492 = -1.032796 (negative: less distress; not reliable)
    rci = reliable_change_index(6, 4, 2.5, 0.70)
    assert rci == pytest.approx(-1.032796, abs=1e-6)
    assert not is_reliable(rci)
    assert reliable_change_index(16, 10, 4, 0.94) == pytest.approx(-4.330127, abs=1e-6)
    assert reliable_change_index(12, 12, 4, 0.94) == 0


def test_reliable_change_index_is_vectorised_on_series() -> None:
    before = pd.Series([10.0, 6.0, 12.0, 20.0])
    after = pd.Series([16.0, 4.0, 12.0, 14.0])
    sd = pd.Series([4.0, 2.5, 4.0, 4.0])
    reliability = pd.Series([0.94, 0.70, 0.94, 0.94])

    vectorised = reliable_change_index(before, after, sd, reliability)

    assert isinstance(vectorised, pd.Series)
    expected = [
        reliable_change_index(b, a, s, r)
        for b, a, s, r in zip(before, after, sd, reliability, strict=True)
    ]
    assert vectorised.tolist() == pytest.approx(expected)
    # Scalar constants with Series scores, as progress uses them per instrument.
    same_constants = reliable_change_index(before, after, 4.0, 0.94)
    assert same_constants.tolist() == pytest.approx(
        [reliable_change_index(b, a, 4.0, 0.94) for b, a in zip(before, after, strict=True)]
    )


@pytest.mark.parametrize(
    ("rci", "reliable"), [(1.95, False), (1.96, True), (-1.96, True), (-2.5, True), (0, False)]
)
def test_is_reliable_at_the_threshold(rci: float, reliable: bool) -> None:
    assert RELIABLE_CHANGE_THRESHOLD == 1.96
    assert bool(is_reliable(rci)) is reliable


def test_is_reliable_on_a_series() -> None:
    result = is_reliable(pd.Series([1.95, 1.96, -1.96, -2.5, 0.0]))
    assert isinstance(result, pd.Series)
    assert result.tolist() == [False, True, True, True, False]


# --- Cronbach's alpha -------------------------------------------------------------------------


def test_cronbach_alpha_hand_computed() -> None:
    # Three items, four respondents:
    #   i1: 1 2 3 4  mean 2.5, squared deviations 2.25+.25+.25+2.25 = 5  -> var 5/3
    #   i2: 2 2 4 4  mean 3,   squared deviations 1+1+1+1 = 4            -> var 4/3
    #   i3: 1 3 3 5  mean 3,   squared deviations 4+0+0+4 = 8            -> var 8/3
    #   sum of item variances = 17/3
    #   totals: 4 7 10 13, mean 8.5, squared deviations 20.25+2.25+2.25+20.25 = 45 -> var 15
    # alpha = k/(k-1) * (1 - 17/3 / 15) = 3/2 * (1 - 17/45) = 3/2 * 28/45 = 42/45 = 0.933333
    frame = pd.DataFrame({"i1": [1, 2, 3, 4], "i2": [2, 2, 4, 4], "i3": [1, 3, 3, 5]})
    assert cronbach_alpha(frame) == pytest.approx(42 / 45)
    assert cronbach_alpha(frame) == pytest.approx(0.933333, abs=1e-6)


def test_cronbach_alpha_drops_incomplete_rows() -> None:
    frame = pd.DataFrame({"i1": [1, 2, 3, 4, None], "i2": [2, 2, 4, 4, 1], "i3": [1, 3, 3, 5, 1]})
    assert cronbach_alpha(frame) == pytest.approx(42 / 45)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"i1": [3], "i2": [4]}),
        pd.DataFrame({"i1": [], "i2": []}),
        pd.DataFrame({"i1": [1, 2, 3]}),
        pd.DataFrame({"i1": [2, 2, 2], "i2": [3, 3, 3]}),
        pd.DataFrame({"i1": [1.0, None], "i2": [2.0, 3.0]}),
    ],
    ids=["one-row", "no-rows", "one-item", "no-variance", "one-complete-row"],
)
def test_cronbach_alpha_is_nan_when_undefined(frame: pd.DataFrame) -> None:
    assert math.isnan(cronbach_alpha(frame))
