"""The reliable-change constants (core.progress.constants): published or assumed SD and
reliability from one sample per instrument (never the clinic's SD with a published r);
for the five C's, once 30 partners of a role have a retest pair, SD and a retest r from
those same pairs, within that role, clamped and never below the SEM floor. Expected
values are worked by hand in the comments."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.progress import (
    STATUSES,
    change_table,
    clinic_constants,
)
from tests.progress_support import (
    frame_of,
    rating,
)


def retest_pairs(couples: int, *, partner: str = "A", gap: float = 2, spread: int = 10) -> list:
    """`couples` partners with a five C's intake rating and a retest `gap` weeks later.

    Intake alternates 20 and 20 + spread; the retest adds +1 on odd couples, -1 on even.
    """
    rows = []
    for couple in range(1, couples + 1):
        first = 20 + (0 if couple % 2 else spread)
        second = first + (1 if couple % 2 else -1)
        rows.append(rating(0, first, couple=couple, partner=partner, instrument="five_cs"))
        rows.append(rating(gap, second, couple=couple, partner=partner, instrument="five_cs"))
    return rows


def _row(table: pd.DataFrame, instrument: str, role: str) -> pd.Series:
    return table.set_index(["instrument", "role"]).loc[(instrument, role)]


def test_defaults_come_from_one_source() -> None:
    table = clinic_constants(frame_of())
    csi = _row(table, "csi4", "all")
    # SD 4.0 and alpha .94 for the same sample: 1.96 * sqrt(2) * 4.0 * sqrt(.06) = 2.716.
    assert (csi.sd, csi.reliability) == (4.0, 0.94)
    assert csi.reliable_change == pytest.approx(2.716, abs=1e-3)
    assert "Funk & Rogge" in csi.reliability_source and "Mend's assumption" in csi.sd_source
    assert set(table["role"]) == {"all"}


def test_the_clinic_sd_is_never_combined_with_a_published_reliability() -> None:
    # Was: 30 CSI-4 baselines of 10 and 12 gave SD 1.02 with alpha .94 (threshold 0.69).
    rows = [rating(0, 10 + 2 * (c % 2), couple=c) for c in range(1, 31)]
    csi = _row(clinic_constants(frame_of(*rows)), "csi4", "all")
    assert (csi.sd, csi.reliability, csi.n_baselines) == (4.0, 0.94, 30)


def test_five_cs_use_defaults_below_30_retest_pairs_per_role() -> None:
    table = clinic_constants(frame_of(*retest_pairs(29)))
    hurt = _row(table, "five_cs", "hurt")  # partner A is "hurt" in the test frames
    assert (hurt.n_pairs, hurt.sd, hurt.reliability) == (29, 8.0, 0.80)
    assert "29 of 30 retest pairs for this role so far" in hurt.sd_source


def test_five_cs_retest_constants_within_a_role() -> None:
    # 30 pairs: intake 20 (x15) and 30 (x15): mean 25, SD = sqrt(30 * 25 / 29) = 5.0855.
    # Retest 21 and 29: r = corr(first, second) = 1 (both are a perfect line through the
    # two groups) -> clamped to 0.95; SEM = 5.0855 * sqrt(.05) = 1.137 < floor 2.0, so r
    # is lowered to 1 - (2 / 5.0855)^2 = 0.8453.
    table = clinic_constants(frame_of(*retest_pairs(30)))
    hurt = _row(table, "five_cs", "hurt")
    assert hurt.n_pairs == 30
    assert hurt.sd == pytest.approx(math.sqrt(30 * 25 / 29), abs=1e-4)
    assert hurt.reliability == pytest.approx(1 - (2 / math.sqrt(750 / 29)) ** 2, abs=1e-4)
    assert hurt["sem"] == pytest.approx(2.0)
    assert "clamped from 1.00; raised to the SEM floor 2" in hurt.reliability_source
    # The "all" row keeps the defaults; no row for a role without ratings.
    assert _row(table, "five_cs", "all").sd == 8.0
    assert "broke_trust" not in set(table["role"])


def test_pairs_too_far_apart_are_not_retest_pairs() -> None:
    table = clinic_constants(frame_of(*retest_pairs(30, gap=4)))
    assert _row(table, "five_cs", "hurt").n_pairs == 0


def test_change_table_uses_the_partners_role_constants() -> None:
    rows = retest_pairs(30) + retest_pairs(30, partner="B", spread=20)
    table = clinic_constants(frame_of(*rows))
    changes = change_table(frame_of(*rows), table).set_index(["couple_id", "partner_label"])
    hurt, broke = _row(table, "five_cs", "hurt"), _row(table, "five_cs", "broke_trust")
    assert changes.loc[(1, "A"), "sd"] == pytest.approx(hurt.sd)
    assert changes.loc[(1, "B"), "sd"] == pytest.approx(broke.sd)
    assert hurt.sd != pytest.approx(broke.sd)


def test_every_status_is_known() -> None:
    assert set(STATUSES) == {
        "recovered",
        "improved",
        "on track",
        "not on track",
        "deteriorated",
        "too early",
        "no ratings",
    }
