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
    # Tolerance band: 1.281552 * 4.233202 = 5.425009; p10 = -3.3274, p90 = 7.5226.
    row = reference_band("csi4", [26]).iloc[0]
    assert (row.p25, row.expected, row.p75) == pytest.approx((-0.7577, 2.0976, 4.9529), abs=1e-4)
    assert (row.p10, row.p90) == pytest.approx((-3.3274, 7.5226), abs=1e-4)
    # Week 0: only noise, centred on 0: +-0.674490 * 1.385641 = +-0.9346.
    start = reference_band("csi4", [0]).iloc[0]
    assert (start.p25, start.p75) == pytest.approx((-0.9346, 0.9346), abs=1e-4)


def completed(couples: int, *, unfinished: int = 10) -> pd.DataFrame:
    """Five C's, partner A: baseline 20 at week 0 and 20 + 4 (odd couples) or 20 + 8 (even)
    at week 26; plus `unfinished` couples seen only to week 8 (they never shape the band)."""
    rows = []
    for k in range(1, couples + 1):
        rows.append(rating(0, 20, couple=k, instrument="five_cs"))
        rows.append(rating(26, 24 if k % 2 else 28, couple=k, instrument="five_cs"))
    for k in range(couples + 1, couples + unfinished + 1):
        rows.append(rating(0, 20, couple=k, instrument="five_cs"))
        rows.append(rating(8, 0, couple=k, instrument="five_cs"))
    return frame_of(*rows)


def test_empirical_band_is_fitted_on_couples_who_completed_six_months() -> None:
    # 30 completed couples, changes 4 and 8 at week 26 (shape 1): gain = 6 points.
    # Reference spread at 26 (SD 8, r .80) = sqrt(64 + 25.6) = 9.465727; residuals +-2:
    # scale = 2 / 9.465727 = 0.211290. Bin 26-28 (week 27, shape 1): expected 6,
    # p10/p90 = 6 -+ 1.281552 * 2 = 3.4369 / 8.5631.
    # Bin 0-2 (week 1): shape = (1 - e^-0.1) / 0.925726 = 0.102798; expected 0.6168;
    # spread = sqrt((8 * 0.102798)^2 + 25.6) = 5.126036, scaled 1.083089;
    # p10 = 0.6168 - 1.281552 * 1.083089 = -0.7712.
    band = empirical_band(completed(30), DEFAULTS)
    assert len(band) == 26 * 3  # 26 two-week bins up to 52, three tracked instruments
    five = band.loc[band["instrument"] == "five_cs"].set_index("week_start")
    assert set(five["source"]) == {"clinic"}
    assert (five.loc[26, "n_couples"], five.loc[26, "week_end"], five.loc[26, "week"]) == (
        30,
        28,
        27,
    )
    assert (five.loc[26, "p10"], five.loc[26, "median"], five.loc[26, "p90"]) == pytest.approx(
        (3.4369, 6.0, 8.5631), abs=1e-4
    )
    assert (five.loc[0, "expected"], five.loc[0, "p10"]) == pytest.approx(
        (0.6168, -0.7712), abs=1e-4
    )
    # Smooth and continuing: flat after week 26, no bin left out, no jump.
    assert five.loc[50, "p10"] == pytest.approx(five.loc[26, "p10"])
    assert five["p10"].diff().abs().max() < 1.5
    assert set(band.loc[band["instrument"] == "csi4", "source"]) == {"reference"}


def test_empirical_band_falls_back_to_the_reference_band() -> None:
    # 29 completed couples: not enough (the unfinished ones never count).
    # Reference at week 9 (five C's, SD 8, r .80): shape = (1 - e^-0.9) / 0.925726 = 0.641043;
    # expected = 0.524401 * 8 * 0.641043 = 2.6893; spread = sqrt((8 * 0.641043)^2 + 64 * 0.4)
    # = sqrt(26.2995 + 25.6) = 7.2042; p25/p75 = 2.6893 -+ 0.674490 * 7.2042 = -2.1698 / 7.5484.
    band = empirical_band(completed(29, unfinished=40), DEFAULTS)
    five = band.loc[band["instrument"] == "five_cs"].set_index("week_start")
    assert set(five["source"]) == {"reference"}
    assert five.loc[26, "n_couples"] == 29 and five.loc[8, "n_couples"] == 0
    assert (five.loc[8, "p25"], five.loc[8, "expected"], five.loc[8, "p75"]) == pytest.approx(
        (-2.1698, 2.6893, 7.5484), abs=1e-4
    )
    # The baselines themselves are not follow-ups.
    assert five.loc[0, "n_couples"] == 0
