"""Pareto fronts: the points no other point beats on every objective.

Point *a* dominates *b* when *a* is at least as good on every objective and strictly better on one (``min`` goals
smaller, ``max`` goals larger). A point missing an objective (None) takes no part.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pareto_mask(values: Sequence[Sequence[float | None]], goals: Sequence[str]) -> list[bool]:
    """For each row of ``values`` (one column per objective, ``goals`` ``min``/``max``), whether it is on the front.

    Rows with a missing value are never on the front. Equal rows are all on the front (none dominates another).
    """
    n = len(values)
    if n == 0:
        return []
    ok = np.array([all(v is not None for v in row) for row in values], dtype=bool)
    sign = np.array([1.0 if g == "min" else -1.0 for g in goals])
    x = np.array([[v if v is not None else np.nan for v in row] for row in values], dtype=float).reshape(n, len(goals))
    x = x * sign  # smaller is better everywhere
    front = ok.copy()
    idx = np.flatnonzero(ok)
    sub = x[idx]
    for j, i in enumerate(idx):
        others = sub
        dominated = np.any(np.all(others <= sub[j], axis=1) & np.any(others < sub[j], axis=1))
        front[i] = not dominated
    return front.tolist()


__all__ = ["pareto_mask"]
