"""The working-hour clock: due times and elapsed working time under the SLA's calendar.

Pure: no database and no wall clock; every moment comes in as an argument. Working time is
counted in whole microseconds on the absolute time line, so any aware datetime works whatever
its zone, and a zone with daylight saving gets the real length of its working days: a day
opens at the first instant its local clock reads the opening time or later, and closes
likewise (a skipped wall time means the moment of the jump).

Conventions:
- A day is open in [open, close): a moment exactly at closing time is closed.
- `add` lands a due time that falls exactly at a close on that close (15:00 Friday + 1 h is
  16:00 Friday, not 08:00 Monday). Adding zero to a closed moment gives the next opening.
  Subtracting (a negative amount) that lands exactly at an opening stays at that opening.
- Naive datetimes are refused: a moment without a UTC offset is ambiguous.

Speed: for each year, loaded lazily, the opening and closing instants of its open days are
kept with a running sum of working time, so `add`, `between` and `is_open` are a few bisects,
whatever the distance.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialdesk.core.clock_format import format_slot
from socialdesk.core.clock_rules import (
    DayRules,
    HoursChangeLike,
    check_country,
    check_hours,
    checked_changes,
    plain_dates,
)

__all__ = ["HoursChangeLike", "WorkingCalendar", "WorkingHoursLike", "wall_clock"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = 1_000_000
_HOUR = 3600 * _SECOND
# Local midnight of 1 January must stay inside datetime's range in every zone.
_FIRST_YEAR, _LAST_YEAR = 2, 9998
WEEKDAYS = frozenset(range(5))


def wall_clock() -> datetime:
    """The real time, in UTC: the desk's clock outside tests and the demo."""
    return datetime.now(UTC)


class WorkingHoursLike(Protocol):
    """What `from_settings` reads (socialdesk.core.settings.WorkingHours fits)."""

    @property
    def timezone(self) -> str: ...
    @property
    def open(self) -> time: ...
    @property
    def close(self) -> time: ...
    @property
    def closed_dates(self) -> Iterable[date]: ...
    @property
    def open_dates(self) -> Iterable[date]: ...
    @property
    def changed_hours(self) -> Iterable[HoursChangeLike]: ...


@dataclass(frozen=True, slots=True)
class _Span:
    """Open intervals of the loaded years, in microseconds since the epoch.

    `ends[i]` is the working time from the span's start through the close of interval i.
    Never mutated: a wider span replaces it whole, so a reader in another thread always
    sees a consistent one.
    """

    first_year: int
    last_year: int
    lo: int
    hi: int
    opens: list[int]
    closes: list[int]
    ends: list[int]


def _micros(delta: timedelta) -> int:
    return (delta.days * 86400 + delta.seconds) * _SECOND + delta.microseconds


def _amount(hours: float | timedelta) -> int:
    if type(hours) is int:
        return hours * _HOUR
    if isinstance(hours, timedelta):
        return _micros(hours)
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        raise TypeError(f"hours must be a number of hours or a timedelta, got {hours!r}")
    if not math.isfinite(hours):
        raise ValueError(f"hours must be finite, got {hours!r}")
    return round(hours * _HOUR)


class WorkingCalendar:
    """Working hours of one desk: weekly pattern, holidays, extra closures and openings."""

    def __init__(
        self,
        *,
        tz: str = "Asia/Jakarta",
        open_time: time = time(8),
        close_time: time = time(16),
        workdays: frozenset[int] = WEEKDAYS,
        closed_dates: Iterable[date] = (),
        open_dates: Iterable[date] = (),
        changed_hours: Iterable[HoursChangeLike] = (),
        country: str | None = "ID",
        categories: tuple[str, ...] = ("public", "government"),
    ) -> None:
        try:
            self._tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"tz: unknown time zone {tz!r}") from None
        self.tz_name = tz
        check_hours("working hours", open_time, close_time)
        days = frozenset(workdays)
        if not all(type(d) is int and 0 <= d <= 6 for d in days):
            raise ValueError(f"workdays: weekday numbers 0 (Monday) to 6, got {sorted(days)}")
        closed = plain_dates("closed_dates", closed_dates)
        opened = plain_dates("open_dates", open_dates)
        both = sorted(closed & opened)
        if both:
            raise ValueError(f"dates both closed and open: {', '.join(map(str, both))}")
        if not days and not opened:
            raise ValueError("the calendar is never open: give workdays or open_dates")
        categories = tuple(categories)
        check_country(country, categories)
        self.rules = DayRules(
            open_time=open_time, close_time=close_time, workdays=days,
            closed_dates=closed, open_dates=opened, changes=checked_changes(changed_hours),
            country=country, categories=categories,
        )
        # Only open_dates give working time when no weekday is a workday; past the last of
        # them a search forward would walk to year 9998 for nothing.
        self._last_open_year = _LAST_YEAR if days else max(opened).year
        self._years: dict[int, tuple[list[int], list[int]]] = {}
        self._span: _Span | None = None

    @classmethod
    def from_settings(
        cls,
        wh: WorkingHoursLike,
        *,
        country: str | None = "ID",
        categories: tuple[str, ...] = ("public", "government"),
    ) -> WorkingCalendar:
        return cls(
            tz=wh.timezone, open_time=wh.open, close_time=wh.close,
            closed_dates=wh.closed_dates, open_dates=wh.open_dates,
            changed_hours=wh.changed_hours, country=country, categories=categories,
        )

    def __repr__(self) -> str:
        r = self.rules
        return (
            f"WorkingCalendar(tz={self.tz_name!r}, open_time={r.open_time}, "
            f"close_time={r.close_time}, workdays={sorted(r.workdays)}, "
            f"closed_dates={len(r.closed_dates)}, open_dates={len(r.open_dates)}, "
            f"changed_hours={len(r.changes)}, country={r.country!r})"
        )

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    # -- days ---------------------------------------------------------------------------------

    def open_hours(self, day: date) -> tuple[time, time] | None:
        """Local opening and closing time of `day`, or None when it is closed all day."""
        (checked,) = plain_dates("open_hours", (day,))
        return self.rules.hours(checked)

    def holidays(self, year: int) -> list[tuple[date, str]]:
        """Closed workdays of `year` with names: public holidays, cuti bersama, extra closures.

        Days in open_dates are left out, and so are weekend days, which are closed anyway.
        """
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            raise ValueError(f"year {year} is outside {_FIRST_YEAR}..{_LAST_YEAR}")
        return self.rules.closures(year)

    # -- moments ------------------------------------------------------------------------------

    def is_open(self, t: datetime) -> bool:
        us = self._instant(t)
        span = self._cover(us)
        i = bisect_right(span.opens, us) - 1
        return i >= 0 and us < span.closes[i]

    def next_open(self, t: datetime) -> datetime:
        """`t` itself (in the calendar's zone) when open, else the next opening moment."""
        return self._at(self._next_open(self._instant(t)))

    def add(self, t: datetime, hours: float | timedelta) -> datetime:
        """The moment when `hours` of working time, counted from `t`, have passed.

        A negative amount counts back: the moment that far in working time before `t`.
        """
        us = self._instant(t)
        delta = _amount(hours)
        if delta == 0:
            return self._at(self._next_open(us))
        while True:
            span = self._cover(us)
            target = self._worked(span, us) + delta
            ends = span.ends
            if delta > 0 and ends and target <= ends[-1]:
                # The first interval whose close reaches the target holds the answer;
                # a target equal to that close stays there rather than moving on.
                j = bisect_left(ends, target)
                return self._at(span.closes[j] - (ends[j] - target))
            if delta < 0 and target >= 0:
                j = bisect_right(ends, target)
                return self._at(span.closes[j] - (ends[j] - target))
            self._span = self._grow(span, forward=delta > 0)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); negative when b is before a."""
        ua, ub = self._instant(a), self._instant(b)
        self._cover(ua)
        span = self._cover(ub)
        return timedelta(microseconds=self._worked(span, ub) - self._worked(span, ua))

    def format_slot(self, t: datetime) -> str:
        """"Senin, 30 November 2026 pukul 08.00 WIB", in the calendar's zone."""
        return format_slot(self._at(self._instant(t)), self.tz_name)

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _instant(t: datetime) -> int:
        try:
            return _micros(t - _EPOCH)
        except TypeError:
            if not isinstance(t, datetime):
                raise TypeError(f"expected a datetime, got {t!r}") from None
            raise ValueError(f"naive datetime {t.isoformat()}: give a UTC offset") from None

    def _at(self, us: int) -> datetime:
        seconds, micros = divmod(us, _SECOND)
        moment = datetime.fromtimestamp(seconds, self._tz)
        return moment.replace(microsecond=micros) if micros else moment

    @staticmethod
    def _worked(span: _Span, us: int) -> int:
        """Working time from the span's start to `us`."""
        i = bisect_right(span.opens, us) - 1
        if i < 0:
            return 0
        close = span.closes[i]
        return span.ends[i] if us >= close else span.ends[i] - (close - us)

    def _next_open(self, us: int) -> int:
        while True:
            span = self._cover(us)
            i = bisect_right(span.opens, us)
            if i > 0 and us < span.closes[i - 1]:
                return us
            if i < len(span.opens):
                return span.opens[i]
            self._span = self._grow(span, forward=True)

    def _cover(self, us: int) -> _Span:
        """A span that holds instant `us`, loading its year if needed."""
        span = self._span
        if span is not None and span.lo <= us < span.hi:
            return span
        try:
            year = self._at(us).year
        except (OverflowError, ValueError, OSError):
            raise ValueError("moment beyond the range of datetime") from None
        if span is not None:
            span = self._build(min(year, span.first_year), max(year, span.last_year))
        else:
            span = self._build(year, year)
        self._span = span
        return span

    def _grow(self, span: _Span, *, forward: bool) -> _Span:
        # Doubling keeps a long search linear in the years it walks.
        width = span.last_year - span.first_year + 1
        if forward:
            if span.last_year >= min(self._last_open_year, _LAST_YEAR):
                raise ValueError(f"no working time after {span.last_year}")
            return self._build(span.first_year, min(span.last_year + width, _LAST_YEAR))
        if span.first_year <= _FIRST_YEAR:
            raise ValueError(f"no working time before {span.first_year}")
        return self._build(max(span.first_year - width, _FIRST_YEAR), span.last_year)

    def _build(self, first: int, last: int) -> _Span:
        if first < _FIRST_YEAR or last > _LAST_YEAR:
            raise ValueError(f"beyond the calendar's range of years {_FIRST_YEAR}..{_LAST_YEAR}")
        opens: list[int] = []
        closes: list[int] = []
        for year in range(first, last + 1):
            year_opens, year_closes = self._year(year)
            opens += year_opens
            closes += year_closes
        ends, total = [], 0
        for o, c in zip(opens, closes, strict=True):
            total += c - o
            ends.append(total)
        return _Span(
            first_year=first, last_year=last,
            lo=self._local(date(first, 1, 1), time(0)),
            hi=self._local(date(last + 1, 1, 1), time(0)),
            opens=opens, closes=closes, ends=ends,
        )

    def _year(self, year: int) -> tuple[list[int], list[int]]:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        public = self.rules.public(year)
        opens, closes = [], []
        day, one = date(year, 1, 1), timedelta(days=1)
        while day.year == year:
            hours = self.rules.hours(day, public)
            if hours is not None:
                o, c = self._local(day, hours[0]), self._local(day, hours[1])
                # A clock jump can swallow a short day whole.
                if c > o:
                    opens.append(o)
                    closes.append(c)
            day += one
        self._years[year] = (opens, closes)
        return opens, closes

    def _local(self, day: date, wall: time) -> int:
        """The first instant at which the local clock of `day` reads `wall` or later.

        That is the one instant for a normal time, the first of two for a time repeated when
        clocks go back, and the moment of the jump for a time skipped when they go forward.
        """
        naive = datetime.combine(day, wall)
        first = naive.replace(tzinfo=self._tz)
        us = _micros(first - _EPOCH)
        if first.utcoffset() == first.replace(fold=1).utcoffset():
            return us
        if self._at(us).replace(tzinfo=None) == naive:
            return us
        # Skipped: fold=1 reads the wall time with the later offset, an instant before the
        # jump; bisect whole seconds (zone offsets change on whole seconds) for the jump.
        lo = _micros(naive.replace(tzinfo=self._tz, fold=1) - _EPOCH) // _SECOND
        hi = -(-us // _SECOND)
        while lo < hi:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self._tz).replace(tzinfo=None) >= naive:
                hi = mid
            else:
                lo = mid + 1
        return lo * _SECOND
