"""DataFrames to JSON-safe values and back, exactly: the storage format of the clinic's
reference snapshots (core.models.ReferenceSnapshot).

`encode(frame)` gives a payload (column names, index, rows) and the dtypes; `decode(payload,
dtypes)` rebuilds a frame that `pandas.testing.assert_frame_equal` finds equal to the
original. Floats are written with Python's shortest exact repr; NaN, missing values and
NaT become null and infinities the strings "inf"/"-inf", so the JSON is valid on every
engine (PostgreSQL refuses NaN). Pure: no database.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import (
    is_bool_dtype,
    is_datetime64_any_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_timedelta64_dtype,
)

FORMAT = 1
INFINITIES = {"inf": math.inf, "-inf": -math.inf}

Dtype = str | dict[str, Any]


def encode(frame: pd.DataFrame) -> tuple[dict[str, Any], dict[str, Dtype]]:
    """(payload, dtypes) for one frame. Column names must be unique strings."""
    names = list(frame.columns)
    if any(not isinstance(name, str) for name in names) or len(set(names)) != len(names):
        raise ValueError("only frames with unique string column names can be stored")
    dtypes = {name: _dtype_name(frame[name].dtype) for name in names}
    columns = [_encode_values(frame[name]) for name in names]
    payload = {
        "format": FORMAT,
        "columns": names,
        "columns_name": frame.columns.name,
        "index": _encode_index(frame.index),
        "data": [list(row) for row in zip(*columns, strict=True)] if names else [],
    }
    return payload, dtypes


def decode(payload: dict[str, Any], dtypes: dict[str, Dtype]) -> pd.DataFrame:
    """The frame `encode` was given, with its dtypes, index and column order."""
    if payload.get("format") != FORMAT:
        raise ValueError(f"unknown stored frame format {payload.get('format')!r}")
    names: list[str] = payload["columns"]
    rows: list[list[Any]] = payload["data"]
    index = _decode_index(payload["index"])
    if names and len(index) != len(rows):
        raise ValueError("stored frame: the index and the rows differ in length")
    data = {
        name: _decode_values([row[i] for row in rows], dtypes[name], index)
        for i, name in enumerate(names)
    }
    frame = pd.DataFrame(data, index=index, columns=names) if names else pd.DataFrame(index=index)
    frame.columns.name = payload.get("columns_name")
    return frame


# --- dtypes ------------------------------------------------------------------------------------


def _dtype_name(dtype: Any) -> Dtype:
    if isinstance(dtype, pd.CategoricalDtype):
        categories = dtype.categories
        return {
            "category": _encode_values(pd.Series(categories)),
            "categories_dtype": _dtype_name(categories.dtype),
            "ordered": bool(dtype.ordered),
        }
    if isinstance(dtype, pd.StringDtype):
        # "str" (NaN as missing, the pandas 3 default) or "string" (pd.NA); both by storage.
        kind = "str" if dtype.na_value is not pd.NA else "string"
        return {"string": kind, "storage": dtype.storage}
    return str(dtype)


def _pandas_dtype(name: Dtype) -> Any:
    if isinstance(name, dict) and "string" in name:
        na_value = np.nan if name["string"] == "str" else pd.NA
        return pd.StringDtype(storage=name["storage"], na_value=na_value)
    if isinstance(name, dict):
        categories = _decode_values(name["category"], name["categories_dtype"], None)
        return pd.CategoricalDtype(pd.Index(categories), ordered=name["ordered"])
    return pd.api.types.pandas_dtype(name)


# --- values ------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if isinstance(value, (list, dict, tuple, set, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _encode_values(values: pd.Series) -> list[Any]:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _encode_values(values.astype(dtype.categories.dtype))
    if is_datetime64_any_dtype(dtype):
        return [None if _missing(v) else pd.Timestamp(v).isoformat() for v in values]
    if is_timedelta64_dtype(dtype):
        return [None if _missing(v) else int(pd.Timedelta(v).value) for v in values]
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    """One value as JSON: numpy scalars to Python, missing to None, infinities to text."""
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(item) for item in value]
    raise ValueError(f"cannot store a value of type {type(value).__name__} in a snapshot")


def _decode_values(values: list[Any], name: Dtype, index: pd.Index | None) -> pd.Series:
    dtype = _pandas_dtype(name)
    if is_datetime64_any_dtype(dtype):
        stamps = [pd.NaT if v is None else pd.Timestamp(v) for v in values]
        return pd.Series(pd.DatetimeIndex(stamps), index=index).astype(dtype)
    if is_timedelta64_dtype(dtype):
        spans = [pd.NaT if v is None else pd.Timedelta(v, unit="ns") for v in values]
        return pd.Series(pd.TimedeltaIndex(spans), index=index).astype(dtype)
    if is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        numbers = [math.nan if v is None else INFINITIES.get(v, v) for v in values]
        return pd.Series(np.array(numbers, dtype=dtype), index=index)
    if is_float_dtype(dtype):
        numbers = [None if v is None else INFINITIES.get(v, v) for v in values]
        return pd.Series(numbers, index=index, dtype=dtype)
    if is_integer_dtype(dtype) or is_bool_dtype(dtype):
        return pd.Series(values, index=index, dtype=dtype)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(values, dtype=dtype), index=index)
    if dtype == np.dtype(object):
        series = pd.Series([None] * len(values), index=index, dtype=object)
        series[:] = _object_array(values)
        return series
    return pd.Series(values, index=index, dtype=dtype)


def _object_array(values: list[Any]) -> np.ndarray:
    """Values as an object array, one element each (lists and dicts stay whole)."""
    array = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        array[i] = value
    return array


# --- the index ---------------------------------------------------------------------------------


def _encode_index(index: pd.Index) -> dict[str, Any]:
    if isinstance(index, pd.MultiIndex):
        raise ValueError("frames with a MultiIndex cannot be stored; reset the index first")
    if isinstance(index, pd.RangeIndex):
        return {"range": [index.start, index.stop, index.step], "name": index.name}
    return {
        "values": _encode_values(pd.Series(index)),
        "dtype": _dtype_name(index.dtype),
        "name": index.name,
    }


def _decode_index(stored: dict[str, Any]) -> pd.Index:
    if "range" in stored:
        start, stop, step = stored["range"]
        index: pd.Index = pd.RangeIndex(start, stop, step, name=stored["name"])
    else:
        index = pd.Index(_decode_values(stored["values"], stored["dtype"], None))
        index.name = stored["name"]
    return index
