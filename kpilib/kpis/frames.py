"""Checks on the DataFrames that KPI functions receive: required columns, unique keys, no gaps.

Each check raises :class:`kpilib.errors.InputFrameError` naming the table, the column and the
offending rows, so that bad input is reported instead of silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kpilib.errors import InputFrameError


def require_columns(frame: pd.DataFrame, name: str, columns: Sequence[str]) -> None:
    """Raise when ``frame`` lacks any of ``columns``."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputFrameError(name, f"missing column(s) {', '.join(missing)}")


def require_unique(frame: pd.DataFrame, name: str, keys: Sequence[str]) -> None:
    """Raise when two rows of ``frame`` share the same ``keys``."""
    duplicated = frame.duplicated(list(keys), keep=False)
    if duplicated.any():
        labels: list[object] = [
            "/".join(str(v) for v in row)
            for row in frame.loc[duplicated, list(keys)].drop_duplicates().itertuples(index=False)
        ]
        raise InputFrameError(name, f"more than one row per {', '.join(keys)}", rows=labels)


def require_values(
    frame: pd.DataFrame, name: str, columns: Sequence[str], labels: Sequence[str]
) -> None:
    """Raise when any of ``columns`` holds a missing value; rows are named by the values of
    ``labels`` joined with ``/`` (e.g. ``UNI-001/2024-25Q1``)."""
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            rows = frame.loc[missing, list(labels)].astype(str).agg("/".join, axis=1)
            raise InputFrameError(
                name, "missing value (every value must be given)", column=column, rows=list(rows)
            )
