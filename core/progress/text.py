"""Numbers and names as a counsellor reads them in a status or asymmetry reason: a Series
in, a Series of strings out ("" for a missing value, a true minus sign).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def _text(values: pd.Series, pattern: str) -> pd.Series:
    """Numbers as a counsellor reads them: "14", "13.5", a true minus sign, "" for NaN."""

    def one(value: Any) -> str:
        if pd.isna(value):
            return ""
        return pattern.format(round(float(value), 1) + 0.0).removesuffix(".0")

    return values.map(one).astype("object").str.replace("-", "−", regex=False)


def _num(values: pd.Series) -> pd.Series:
    return _text(values, "{:.1f}")


def _signed(values: pd.Series) -> pd.Series:
    return _text(values, "{:+.1f}")


def _rci(values: pd.Series) -> pd.Series:
    """RCI always with one decimal and a sign: "+4.3", "−2.4"."""
    return values.map(
        lambda value: "" if pd.isna(value) else f"{float(value):+.1f}".replace("-", "−")
    ).astype("object")


def _week(values: pd.Series) -> pd.Series:
    """Whole weeks since intake, as the caseload counts them (days // 7)."""
    return (
        np.floor(values.astype("float64") + 1e-9)
        .map(lambda value: "" if pd.isna(value) else str(int(value)))
        .astype("object")
    )


def _who(rows: pd.DataFrame) -> pd.Series:
    """The partner's name, or "Partner A" where the frame has none."""
    return rows["partner_name"].fillna("Partner " + rows["partner_label"]).astype("object")
