"""How numbers and names read in status and asymmetry reasons (core.progress.text)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.progress.text import _num, _rci, _signed, _week, _who


def test_numbers_drop_a_trailing_zero_and_use_a_true_minus_sign() -> None:
    values = pd.Series([14.0, 13.5, -2.0, -0.04, np.nan])
    assert _num(values).tolist() == ["14", "13.5", "−2", "0", ""]
    assert _signed(values).tolist() == ["+14", "+13.5", "−2", "+0", ""]


def test_rci_always_has_one_decimal_and_a_sign() -> None:
    assert _rci(pd.Series([4.3301, -2.582, 2.0, np.nan])).tolist() == ["+4.3", "−2.6", "+2.0", ""]


def test_weeks_count_whole_weeks_as_the_caseload_does() -> None:
    # days / 7 is not exact in floating point (e.g. 98 / 7 * 7 / 7); days // 7 is the count.
    days = np.arange(0, 400)
    assert _week(pd.Series(days / 7)).tolist() == [str(d // 7) for d in days]
    assert _week(pd.Series([np.nan])).tolist() == [""]


def test_a_partner_without_a_name_is_partner_a_or_b() -> None:
    rows = pd.DataFrame({"partner_name": ["Kit", None], "partner_label": ["A", "B"]})
    assert _who(rows).tolist() == ["Kit", "Partner B"]
