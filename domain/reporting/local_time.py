"""Local (Europe/Helsinki) time: days, hours, UTC offsets and DST changes, point starts."""

from __future__ import annotations

import bisect
import itertools
import operator
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from domain.base import HELSINKI
from domain.reporting.memo import Cache

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=16)
def _fixed_zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def offset_at(ts: int) -> int:
    offset = datetime.fromtimestamp(ts, HELSINKI).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


@lru_cache(maxsize=512)
def _year_transitions(year: int) -> tuple[tuple[int, int], ...]:
    """``(UTC second, offset from then on)`` of Helsinki's offset changes during ``year``."""
    samples = [int(datetime(year, m, 1, tzinfo=UTC).timestamp()) for m in range(1, 13)]
    samples.append(int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()))
    offsets = [offset_at(ts) for ts in samples]
    found: list[tuple[int, int]] = []
    for (a, off_a), (b, off_b) in itertools.pairwise(zip(samples, offsets, strict=True)):
        if off_a == off_b:
            continue
        lo, hi = 0, (b - a) // 3600  # hour index: lo has off_a, hi has off_b
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset_at(a + mid * 3600) == off_a:
                lo = mid
            else:
                hi = mid
        found.append((a + hi * 3600, off_b))
    return tuple(found)


def transitions(t0: int, t1: int) -> list[tuple[int, int]]:
    """Offset changes strictly inside ``[t0, t1)``."""
    y0 = datetime.fromtimestamp(t0, UTC).year
    y1 = datetime.fromtimestamp(t1, UTC).year
    return [(ts, off) for y in range(y0, y1 + 1) for ts, off in _year_transitions(y) if t0 < ts < t1]


def local_midnight_ts(day: date) -> int:
    """UTC epoch seconds of 00:00 local time on ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=HELSINKI).timestamp())


def local_datetime(ts: int) -> datetime:
    """``ts`` as a local time with a fixed-offset zone (cheap to format)."""
    return datetime.fromtimestamp(ts, _fixed_zone(offset_at(ts)))


_CLOCK_TEXTS: dict[tuple[int, int], list[str]] = {}


def _clock_texts(step: int, offset: int) -> list[str]:
    """``THH:MM:SS+HH:MM`` (``isoformat``'s form) of every ``step`` seconds of a day at a UTC offset."""
    key = (step, offset)
    found = _CLOCK_TEXTS.get(key)
    if found is None:
        suffix = datetime(2000, 1, 1, tzinfo=_fixed_zone(offset)).isoformat()[19:]
        found = _CLOCK_TEXTS[key] = [
            f"T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(0, 86400, step)
        ]
    return found


#: ``YYYY-MM-DD`` of a day ordinal.
_DAY_TEXTS = Cache(lambda ordinal: date.fromordinal(ordinal).isoformat(), limit=100_000)


def _day_text(ordinal: int) -> str:
    """``YYYY-MM-DD`` of a day ordinal (cached)."""
    text_value: str = _DAY_TEXTS[ordinal]
    return text_value


class LocalTimes(Sequence[datetime]):
    """The starts of ``count`` points ``step`` seconds apart from the UTC second ``t0``, as
    local times with a fixed offset (``+02:00``/``+03:00``), made only when asked for.

    A year of quarter-hours is 35,040 of them: ``isoformats()`` gives their ``isoformat()``
    texts from cached day and clock texts, without making a datetime at all.
    """

    __slots__ = ("count", "pieces", "step", "t0")

    def __init__(self, t0: int, step: int, count: int) -> None:
        self.t0, self.step, self.count = t0, step, count
        t1 = t0 + step * count
        changes = [(t0, offset_at(t0)), *transitions(t0, t1), (t1, 0)]
        #: ``(first index, end index, UTC offset)`` of the runs of points with one offset.
        self.pieces: list[tuple[int, int, int]] = []
        for (start, offset), (end, _) in itertools.pairwise(changes):
            k0, k1 = -((t0 - start) // step), -((t0 - end) // step)  # first indexes at or after
            if k1 > k0:
                self.pieces.append((k0, k1, offset))

    def __len__(self) -> int:
        return self.count

    def _at(self, index: int) -> datetime:
        offset = next(o for _, k1, o in self.pieces if index < k1)
        return datetime.fromtimestamp(self.t0 + index * self.step, _fixed_zone(offset))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(self.count))]
        return self._at(range(self.count)[index])

    def __iter__(self) -> Iterator[datetime]:
        delta = timedelta(seconds=self.step)
        for k0, k1, offset in self.pieces:
            value = datetime.fromtimestamp(self.t0 + k0 * self.step, _fixed_zone(offset))
            for _ in range(k1 - k0):
                yield value
                value += delta

    def __repr__(self) -> str:
        return f"LocalTimes(t0={self.t0}, step={self.step}, count={self.count})"

    def isoformats(self) -> list[str]:
        """``[t.isoformat() for t in self]``, a day's worth of clock texts at a time."""
        step = self.step
        if 86400 % step:
            return [t.isoformat() for t in self]
        per_day = 86400 // step
        out: list[str] = []
        for k0, k1, offset in self.pieces:
            wall = self.t0 + k0 * step + offset  # local seconds since the epoch
            if wall % step:
                out += [t.isoformat() for t in self[k0:k1]]
                continue
            clocks = _clock_texts(step, offset)
            left = k1 - k0
            while left:
                days, seconds = divmod(wall, 86400)
                slot = seconds // step
                take = min(left, per_day - slot)
                out += map(_day_text(days + _EPOCH_ORDINAL).__add__, clocks[slot : slot + take])
                wall += take * step
                left -= take
        return out


def day_hours(first: date, last: date) -> dict[int, int]:
    """Local days with other than 24 hours in ``first``..``last``: ordinal -> hours."""
    t0, t1 = local_midnight_ts(first), local_midnight_ts(last + timedelta(days=1))
    odd: dict[int, int] = {}
    for ts, new_offset in transitions(t0 - 1, t1):
        old_offset = offset_at(ts - 1)
        day = datetime.fromtimestamp(ts + old_offset, UTC).date()
        odd[day.toordinal()] = 24 - (new_offset - old_offset) // 3600
    return odd


def each_day(first: date, last: date) -> Iterable[date]:
    day = first
    one = timedelta(days=1)
    while day <= last:
        yield day
        day += one


class LocalMidnights(Sequence[datetime]):
    """Local midnights (the starts of DAY, MONTH and YEAR points) of ascending days given as
    ordinals, as fixed-offset datetimes made only when asked for; ``isoformats()`` gives
    their ``isoformat()`` texts without making them."""

    __slots__ = ("offsets", "ordinals")

    def __init__(self, ordinals: list[int]) -> None:
        self.ordinals = ordinals
        self.offsets: list[int] = []
        if not ordinals:
            return
        t0 = local_midnight_ts(date.fromordinal(ordinals[0]))
        t1 = local_midnight_ts(date.fromordinal(ordinals[-1]) + timedelta(days=1))
        self.offsets = [offset_at(t0)] * len(ordinals)
        for at, offset in transitions(t0 - 1, t1 + 1):
            # the first day whose midnight (its wall clock less the new offset) is at or after
            # the change; changes are never at midnight in Finland
            first = -(-(at + offset) // 86400) + _EPOCH_ORDINAL
            k = bisect.bisect_left(ordinals, first)
            self.offsets[k:] = [offset] * (len(ordinals) - k)

    def __len__(self) -> int:
        return len(self.ordinals)

    def _at(self, index: int) -> datetime:
        day = date.fromordinal(self.ordinals[index])
        return datetime(day.year, day.month, day.day, tzinfo=_fixed_zone(self.offsets[index]))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        return self._at(range(len(self))[index])

    def __iter__(self) -> Iterator[datetime]:
        return map(self._at, range(len(self)))

    def __repr__(self) -> str:
        return f"LocalMidnights({len(self)} days)"

    def isoformats(self) -> list[str]:
        """``[t.isoformat() for t in self]``."""
        suffixes = {offset: _clock_texts(86400, offset)[0] for offset in set(self.offsets)}
        days = map(_DAY_TEXTS.__getitem__, self.ordinals)
        return list(map(operator.add, days, map(suffixes.__getitem__, self.offsets)))


def hours_between(first: date, last: date, odd: dict[int, int] | None = None) -> int:
    """Hours of the local days ``first``..``last`` (23 and 25 on the DST days).

    ``odd`` (from ``day_hours`` over a range containing these days) saves looking the
    DST days up again.
    """
    if last < first:
        return 0
    if odd is None:
        odd = day_hours(first, last)
    o0, o1 = first.toordinal(), last.toordinal()
    return 24 * (o1 - o0 + 1) + sum(h - 24 for o, h in odd.items() if o0 <= o <= o1)
