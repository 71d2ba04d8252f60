"""Spread annual amounts over the twelve fiscal months in whole rupees, exactly."""

from __future__ import annotations

import numpy as np

#: Share of the year's development spending booked in each fiscal month (Jul … Jun): slow start,
#: then the "June rush" (about a quarter of the year in June, half in the fourth quarter).
DEVELOPMENT_SPENDING_PROFILE = np.array(
    [0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.06, 0.07, 0.09, 0.10, 0.14, 0.27]
)
#: Current spending is nearly flat: salaries every month, a little more at year end.
CURRENT_SPENDING_PROFILE = np.array([0.85, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.3])
#: Development releases come in tranches (July, October, January, April, June).
DEVELOPMENT_RELEASE_PROFILE = np.array([0.15, 0, 0, 0.2, 0, 0, 0.25, 0, 0, 0.25, 0, 0.15])
EVEN_PROFILE = np.ones(12)


def normalise(profile: np.ndarray) -> np.ndarray:
    """Scale a non-negative profile so that it sums to one."""
    profile = np.asarray(profile, dtype=float)
    return profile / profile.sum(axis=-1, keepdims=True)


def spread(annual: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each annual integer amount over months by ``weights`` (12, or N×12 rows).

    Cumulative rounding keeps every row's monthly amounts summing exactly to its annual amount.
    """
    annual = np.asarray(annual, dtype=np.int64)
    weights = normalise(np.broadcast_to(weights, (annual.shape[0], 12)))
    cumulative = np.rint(annual[:, None] * np.cumsum(weights, axis=1)).astype(np.int64)
    cumulative[:, -1] = annual
    return np.diff(cumulative, axis=1, prepend=0)
