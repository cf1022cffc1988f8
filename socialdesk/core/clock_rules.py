"""Which local dates are open, and with which hours: the per-day rules of the working calendar.

Pure data over dates; knows nothing of instants or time zones. The precedence, strongest
first: an extra closure, an extra opening, the public-holiday list and the weekly pattern.
Changed hours (e.g. Ramadan) set the hours of any day that is open.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache, partial
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol

import holidays as pyholidays
from holidays.registry import COUNTRIES

EXTRA_CLOSURE_NAME = "Libur tambahan"


class HoursChangeLike(Protocol):
    """Changed opening hours for an inclusive date range (settings.HoursChange fits)."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def open(self) -> time: ...
    @property
    def close(self) -> time: ...


@dataclass(frozen=True, slots=True)
class ChangedHours:
    start: date
    end: date
    open: time
    close: time


@lru_cache(maxsize=16)
def country_holidays(country: str) -> Callable[..., Any]:
    """`holidays.country_holidays` for one country, with the same classes and arguments.

    The package finds a country's class by importing the module of every country it knows
    (about 250, some 80 ms at the start of every command that reads the calendar). Its
    registry names each code's module, so that one file is read alone, under a name of its
    own (its imports are of the package's shared parts, never of holidays.countries). A
    code the registry does not know, or a package whose country list is imported already,
    goes the package's own way.
    """
    module = next((m for m, names in COUNTRIES.items() if country in names[1:]), None)
    if module is None or "holidays.countries" in sys.modules:
        return partial(pyholidays.country_holidays, country)
    path = Path(pyholidays.__file__).with_name("countries") / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"{__name__}._{module}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the package's own file
        return partial(pyholidays.country_holidays, country)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    entity: Callable[..., Any] = getattr(loaded, country)
    return entity


@lru_cache(maxsize=256)
def public_holidays(
    country: str, categories: tuple[str, ...], year: int,
) -> dict[date, str]:
    """The country's holidays of one year, named in the country's own language.

    Cached per process because building a year costs the `holidays` package far more than
    everything the clock does with it afterwards. The language is fixed so that names do not
    depend on the locale of the machine.
    """
    holidays_of = country_holidays(country)
    language = holidays_of().default_language
    table = holidays_of(years=year, categories=categories, language=language)
    return {day: str(name) for day, name in table.items() if day.year == year}


def check_country(country: str | None, categories: tuple[str, ...]) -> None:
    if country is None:
        return
    if not categories:
        raise ValueError("categories: give at least one holiday category, or country=None")
    try:
        country_holidays(country)(categories=categories)
    except NotImplementedError:
        raise ValueError(f"country: no holiday list for {country!r}") from None
    except ValueError as exc:
        raise ValueError(f"categories: {exc}") from None


def check_hours(what: str, opening: time, closing: time) -> None:
    for name, value in (("open", opening), ("close", closing)):
        if not isinstance(value, time):
            raise ValueError(f"{what} {name}: must be a datetime.time, got {value!r}")
        if value.tzinfo is not None:
            raise ValueError(f"{what} {name}: give a local wall time without tzinfo")
    if opening >= closing:
        raise ValueError(f"{what}: close {closing} must be later than open {opening}")


def plain_dates(what: str, values: Iterable[date]) -> frozenset[date]:
    out = set()
    for value in values:
        # datetime is a subclass of date; a datetime here would silently drop its time.
        if not isinstance(value, date) or isinstance(value, datetime):
            raise ValueError(f"{what}: {value!r} is not a datetime.date")
        out.add(value)
    return frozenset(out)


def checked_changes(changes: Iterable[HoursChangeLike]) -> tuple[ChangedHours, ...]:
    out = []
    for change in changes:
        item = ChangedHours(change.start, change.end, change.open, change.close)
        what = f"changed_hours {item.start}..{item.end}"
        plain_dates(what, (item.start, item.end))
        if item.end < item.start:
            raise ValueError(f"{what}: end is before start")
        check_hours(what, item.open, item.close)
        out.append(item)
    out.sort(key=lambda c: c.start)
    for before, after in pairwise(out):
        if after.start <= before.end:
            raise ValueError(
                f"changed_hours: {before.start}..{before.end} overlaps "
                f"{after.start}..{after.end}"
            )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class DayRules:
    """The validated rules; `hours(day)` answers for any date."""

    open_time: time
    close_time: time
    workdays: frozenset[int]
    closed_dates: frozenset[date]
    open_dates: frozenset[date]
    changes: tuple[ChangedHours, ...]
    country: str | None
    categories: tuple[str, ...]

    def public(self, year: int) -> dict[date, str]:
        if self.country is None:
            return {}
        return public_holidays(self.country, self.categories, year)

    def changed(self, day: date) -> ChangedHours | None:
        for change in self.changes:
            if change.start <= day <= change.end:
                return change
        return None

    def hours(self, day: date, public: dict[date, str] | None = None) -> tuple[time, time] | None:
        """Opening and closing wall time of `day`, or None when closed all day.

        `public` lets a caller that walks a whole year pass that year's holidays once.
        """
        if day in self.closed_dates:
            return None
        if day not in self.open_dates:
            if day.weekday() not in self.workdays:
                return None
            if day in (self.public(day.year) if public is None else public):
                return None
        change = self.changed(day)
        if change is not None:
            return change.open, change.close
        return self.open_time, self.close_time

    def closures(self, year: int) -> list[tuple[date, str]]:
        """Closed days of `year` that fall on a workday, with their names."""
        names = dict(self.public(year))
        for day in self.closed_dates:
            if day.year == year:
                names.setdefault(day, EXTRA_CLOSURE_NAME)
        return sorted(
            (day, name) for day, name in names.items()
            if day.weekday() in self.workdays and day not in self.open_dates
        )
