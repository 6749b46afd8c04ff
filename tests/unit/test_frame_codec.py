"""core.frame_codec: frames to strict JSON and back, exactly (no database)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from core import frame_codec
from core.progress import clinic_constants, empirical_band, empty_measures
from tests.progress_support import frame_of, rating


def through_json(frame: pd.DataFrame) -> pd.DataFrame:
    """Encode, write as strict JSON (no NaN: PostgreSQL refuses it), read, decode."""
    payload, dtypes = frame_codec.encode(frame)
    text = json.dumps({"payload": payload, "dtypes": dtypes}, allow_nan=False)
    stored = json.loads(text)
    return frame_codec.decode(stored["payload"], stored["dtypes"])


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert_frame_equal(left, right, check_exact=True, check_index_type=True, check_column_type=True)


def test_every_kind_of_column_comes_back_exactly() -> None:
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, "Émile"], dtype="str"),
            "objects": pd.Series([{"q1": 1.5}, None, [1, 2]], dtype=object),
            "floats": [0.1 + 0.2, math.nan, math.inf],
            "float32": np.array([1.1, 2.2, -math.inf], dtype="float32"),
            "ints": [1, 2, 3],
            "flags": [True, False, True],
            "Int64": pd.array([1, None, 3], dtype="Int64"),
            "Float64": pd.array([1.5, None, 3.0], dtype="Float64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
            "string": pd.array(["x", None, "z"], dtype="string"),
            "when": pd.to_datetime(
                ["2026-01-01 10:00:00.123456789", None, "2026-02-02 00:00"], format="ISO8601"
            ).astype("datetime64[ns]"),
            "when_utc": pd.to_datetime(["2026-01-01T10:00Z", None, "2026-02-02T00:00Z"]),
            "span": pd.to_timedelta(["1 day", None, "3 ns"]),
            "tier": pd.Categorical(["lo", "hi", None], categories=["lo", "hi"], ordered=True),
        }
    )
    same(through_json(frame), frame)


def test_floats_keep_every_bit() -> None:
    values = [1 / 3, 2.718281828459045e-300, -0.0, 1e308, 5e-324, 0.1 + 0.2]
    back = through_json(pd.DataFrame({"x": values}))
    assert [v.hex() for v in back["x"]] == [v.hex() for v in values]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="str")}),
        pd.DataFrame(index=pd.RangeIndex(3)),
        pd.DataFrame({"v": [1.0, 2.0]}, index=pd.Index(["x", "y"], name="key")),
        pd.DataFrame({"v": [1.0, 2.0, 3.0]}).iloc[[2, 0]],
        pd.DataFrame({"v": [1.0, 2.0]}, index=pd.RangeIndex(10, 14, 2)),
    ],
    ids=["empty", "no-columns", "named-index", "picked-rows", "stepped-range"],
)
def test_shapes_and_indexes_come_back(frame: pd.DataFrame) -> None:
    same(through_json(frame), frame)


def test_the_clinic_constants_and_band_round_trip() -> None:
    ratings = frame_of(
        *[
            rating(week, 10 + week / 4, couple=c, partner=p)
            for c in (1, 2)
            for p in "AB"
            for week in (0, 2, 6, 13)
        ]
    )
    for measures in (empty_measures(), ratings):
        constants = clinic_constants(measures)
        band = empirical_band(measures, constants)
        same(through_json(constants), constants)
        same(through_json(band), band)


def test_what_cannot_be_stored_is_refused() -> None:
    with pytest.raises(ValueError, match="string column names"):
        frame_codec.encode(pd.DataFrame({0: [1]}))
    with pytest.raises(ValueError, match="MultiIndex"):
        frame_codec.encode(pd.DataFrame({"v": [1]}, index=pd.MultiIndex.from_tuples([(1, 2)])))
    with pytest.raises(ValueError, match="cannot store"):
        frame_codec.encode(pd.DataFrame({"v": pd.Series([object()], dtype=object)}))
    with pytest.raises(ValueError, match="format"):
        frame_codec.decode({"format": 99}, {})
