"""The expected trajectory (core.progress.trajectory): the reference curve and band, and
the clinic's empirical band. Expected values are worked by hand in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.progress import (
    empirical_band,
    reference_band,
    reference_curve,
)
from tests.progress_support import (
    DEFAULTS,
    frame_of,
    rating,
)


def test_reference_curve_saturates_at_week_26() -> None:
    # Gain at 26 weeks = z(0.70) * 1 SD = 0.524401 SD; CSI-4 SD 4 -> 2.0976 points.
    # Week 6: shape = (1 - e^-0.6) / (1 - e^-2.6) = 0.451188 / 0.925726 = 0.487388
    #         -> 2.0976 * 0.487388 = 1.0223.
    # Distress (lower is better, SD 2.5): -0.524401 * 2.5 = -1.3110 at 26.
    curve = reference_curve("csi4", [0, 6, 26, 40])
    assert curve == pytest.approx([0.0, 1.0223, 2.0976, 2.0976], abs=1e-4)
    assert reference_curve("distress", [26]) == pytest.approx([-1.3110], abs=1e-4)
    assert reference_curve("csi4", [26], sd=2.0) == pytest.approx([1.0488], abs=1e-4)
    assert np.isnan(reference_curve("pcptsd5", [10])).all()


def test_reference_band_adds_measurement_error_to_the_spread_of_change() -> None:
    # Week 26, CSI-4: true spread 1 SD = 4; noise = 4 * sqrt(2 * 0.06) = 1.385641;
    # spread = sqrt(16 + 1.92) = 4.233202; half IQR = 0.674490 * 4.233202 = 2.855253;
    # p25 = 2.097602 - 2.855253 = -0.7577; p75 = 2.097602 + 2.855253 = 4.9529.
    row = reference_band("csi4", [26]).iloc[0]
    assert (row.p25, row.expected, row.p75) == pytest.approx((-0.7577, 2.0976, 4.9529), abs=1e-4)
    # Week 0: only noise, centred on 0: +-0.674490 * 1.385641 = +-0.9346.
    start = reference_band("csi4", [0]).iloc[0]
    assert (start.p25, start.p75) == pytest.approx((-0.9346, 0.9346), abs=1e-4)


def band_caseload(couples: int) -> pd.DataFrame:
    """Five C's: baseline 5 at day 0; at day 45 (week 6.43, bin 6-8) 5 + k for couple k.
    Couple 0 also has an earlier rating in the same bin (day 43, total 50) that the later
    one replaces."""
    rows = []
    for k in range(couples):
        rows.append(rating(0, 5, couple=k + 1, instrument="five_cs"))
        if k == 0:
            rows.append(rating(43 / 7, 50, couple=1, instrument="five_cs"))
        rows.append(rating(45 / 7, 5 + k, couple=k + 1, instrument="five_cs"))
    return frame_of(*rows)


def test_empirical_band_uses_the_clinic_percentiles_from_30_couples() -> None:
    # Changes in bin 6-8: 0, 1, ..., 39 (40 couples). Linear percentiles:
    # p25 at position 0.25 * 39 = 9.75 -> 9.75; median 19.5; p75 at 29.25 -> 29.25.
    band = empirical_band(band_caseload(40), DEFAULTS)
    assert len(band) == 26 * 3  # 26 two-week bins up to 52, three tracked instruments
    row = band.loc[(band["instrument"] == "five_cs") & (band["week_start"] == 6)].iloc[0]
    assert (row.n_couples, row.source, row.week_end, row.week) == (40, "clinic", 8, 7)
    assert (row.p25, row["median"], row.p75) == (9.75, 19.5, 29.25)


def test_empirical_band_falls_back_to_the_reference_band() -> None:
    # 29 couples in bin 6-8: not enough. Bin 8-10 (middle: week 9) has none at all.
    # Reference at week 9 (five C's, SD 8, r .80): shape = (1 - e^-0.9) / 0.925726 = 0.641043;
    # expected = 0.524401 * 8 * 0.641043 = 2.6893; spread = sqrt((8 * 0.641043)^2 + 64 * 0.4)
    # = sqrt(26.2995 + 25.6) = 7.2042; p25/p75 = 2.6893 -+ 0.674490 * 7.2042 = -2.1698 / 7.5484.
    band = empirical_band(band_caseload(29), DEFAULTS)
    five = band.loc[band["instrument"] == "five_cs"].set_index("week_start")
    assert (five.loc[6, "n_couples"], five.loc[6, "source"]) == (29, "reference")
    assert (five.loc[8, "n_couples"], five.loc[8, "source"]) == (0, "reference")
    assert (five.loc[8, "p25"], five.loc[8, "expected"], five.loc[8, "p75"]) == pytest.approx(
        (-2.1698, 2.6893, 7.5484), abs=1e-4
    )
    # The baselines themselves are not follow-ups: bin 0-2 stays the reference.
    assert five.loc[0, "n_couples"] == 0
