"""Rows placed on the points of a series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def place_on_grid(
    ts: Sequence[int], columns: Sequence[Sequence[Any]], fills: Sequence[Any], t0: int, step: int, count: int
) -> tuple[list[list[Any]], bool]:
    """``columns`` of rows at instants ``ts`` (ascending) placed on the ``count`` points from
    ``t0`` every ``step`` seconds; a point without a row gets the column's fill value. Also
    whether every point had a row (so that no fill value is in the columns)."""
    ts = ts if isinstance(ts, list) else list(ts)
    if len(ts) == count and ts == list(range(t0, t0 + count * step, step)):
        return [list(values) for values in columns], True

    # Runs of rows on consecutive points, found by halving (gaps are few) and compared in C,
    # then copied a slice at a time. A row between points (never written so) lands on the
    # point it falls in, a later row over an earlier one, as a loop over the rows would do.
    def point(i: int) -> int:
        return (ts[i] - t0) // step

    runs: list[tuple[int, int, int]] = []
    pending = [(0, len(ts))] if ts else []
    while pending:
        lo, hi = pending.pop()
        start = ts[lo]
        if hi - lo == 1 or (
            (start - t0) % step == 0 and ts[lo:hi] == list(range(start, start + (hi - lo) * step, step))
        ):
            runs.append((lo, hi, point(lo)))
        else:
            middle = (lo + hi) // 2
            pending += [(middle, hi), (lo, middle)]
    placed = [[fill] * count for fill in fills]
    for target, values in zip(placed, columns, strict=True):
        for i, j, k in runs:
            if k < 0 or k + j - i > count:
                for index in range(i, j):  # (rows outside the range: never from the queries)
                    if 0 <= point(index) < count:
                        target[point(index)] = values[index]
                continue
            target[k : k + j - i] = values[i:j]
    return placed, False
