"""The working-hour clock against the SLA calendar of 2026 and a minute-stepping reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays as pyholidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.settings import HoursChange, WorkingHours

JKT = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
WIB = timezone(timedelta(hours=7))
MINUTE = timedelta(minutes=1)
# Ramadan 1447 H as announced for 2026; the desk shortens its hours to 08:00-15:00.
RAMADAN = HoursChange(date(2026, 2, 18), date(2026, 3, 19), time(8), time(15))
CLOSED = date(2026, 6, 5)  # a Friday the office closes for an event
OPENED = date(2026, 6, 6)  # the Saturday after, opened to catch up
OPENED_HOLIDAY = date(2026, 8, 25)  # Maulid, opened by the administrator


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


DEFAULT = WorkingCalendar()
CUSTOM = WorkingCalendar(
    closed_dates=[CLOSED], open_dates=[OPENED, OPENED_HOLIDAY], changed_hours=[RAMADAN],
)


# -- a reference that walks the calendar one minute at a time ----------------------------------


@dataclass
class Reference:
    """The rules read straight off the SLA, checked minute by minute in Jakarta wall time."""

    closed: frozenset[date] = frozenset()
    opened: frozenset[date] = frozenset()
    changes: tuple[HoursChange, ...] = ()

    def __post_init__(self) -> None:
        self._days: dict[date, tuple[time, time] | None] = {}
        self._public: dict[int, set[date]] = {}

    def hours(self, day: date) -> tuple[time, time] | None:
        if day not in self._days:
            if day.year not in self._public:
                self._public[day.year] = set(pyholidays.country_holidays(
                    "ID", years=day.year, categories=("public", "government"),
                ))
            workday = day.weekday() < 5 and day not in self._public[day.year]
            hours: tuple[time, time] | None = None
            if day not in self.closed and (workday or day in self.opened):
                hours = (time(8), time(16))
                for change in self.changes:
                    if change.start <= day <= change.end:
                        hours = (change.open, change.close)
            self._days[day] = hours
        return self._days[day]

    def is_open(self, wall: datetime) -> bool:
        hours = self.hours(wall.date())
        return hours is not None and hours[0] <= wall.time() < hours[1]

    def add(self, t: datetime, minutes: int) -> datetime:
        wall = t.astimezone(JKT).replace(tzinfo=None)
        if minutes == 0:
            while not self.is_open(wall):
                wall += MINUTE
        while minutes > 0:
            if self.is_open(wall):
                minutes -= 1
            wall += MINUTE
        while minutes < 0:
            wall -= MINUTE
            if self.is_open(wall):
                minutes += 1
        return wall.replace(tzinfo=JKT)

    def between(self, a: datetime, b: datetime) -> timedelta:
        if b < a:
            return -self.between(b, a)
        wall, end = a.astimezone(JKT).replace(tzinfo=None), b.astimezone(JKT).replace(tzinfo=None)
        count = 0
        while wall < end:
            count += self.is_open(wall)
            wall += MINUTE
        return count * MINUTE


REF_DEFAULT = Reference()
REF_CUSTOM = Reference(frozenset({CLOSED}), frozenset({OPENED, OPENED_HOLIDAY}), (RAMADAN,))
CASES = [(DEFAULT, REF_DEFAULT), (CUSTOM, REF_CUSTOM)]

# Whole minutes over 2026-2027, in Jakarta or in another zone, so the reference can follow.
ZONES = [JKT, UTC, WIB, ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe"), BERLIN]
BASE = datetime(2026, 1, 1, tzinfo=JKT)
minutes_2026_2027 = st.integers(0, 2 * 365 * 24 * 60 - 1)
moments = st.builds(
    lambda m, zone: (BASE + m * MINUTE).astimezone(zone), minutes_2026_2027, st.sampled_from(ZONES),
)
three_weeks = st.integers(-21 * 24 * 60, 21 * 24 * 60)
calendars = st.sampled_from(CASES)
precise = st.builds(
    lambda m, us, zone: (BASE + m * MINUTE + timedelta(microseconds=us)).astimezone(zone),
    minutes_2026_2027, st.integers(0, 60 * 10**6 - 1), st.sampled_from(ZONES),
)
amounts = st.builds(lambda us: timedelta(microseconds=us), st.integers(0, 40 * 3600 * 10**6))


# -- worked examples ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Nyepi, Idul Fitri and the cuti bersama around them: 18-24 March closed.
        ("2026-03-17T09:00+07:00", 24, "2026-03-27T09:00+07:00"),
        ("2026-03-13T15:30+07:00", 1, "2026-03-16T08:30+07:00"),
        ("2026-11-27T15:10+07:00", 24, "2026-12-02T15:10+07:00"),
        # Given in UTC: 01:00Z is 08:00 WIB.
        ("2026-11-30T01:00+00:00", 8, "2026-11-30T16:00+07:00"),
        ("2026-11-27T23:00+00:00", 1, "2026-11-30T09:00+07:00"),
        # Across the new year: 1 January and Isra Mikraj (5 January 2027) closed.
        ("2026-12-30T10:00+07:00", 24, "2027-01-06T10:00+07:00"),
        # Christmas Eve cuti bersama and Christmas Day.
        ("2026-12-23T15:00+07:00", 2, "2026-12-28T09:00+07:00"),
        # Saturday night: counting starts at Monday's opening.
        ("2026-05-02T21:00+07:00", 1, "2026-05-04T09:00+07:00"),
        # Broadcast items have 8 hours: from Friday 10:00 to Monday 10:00.
        ("2026-10-09T10:00+07:00", 8, "2026-10-12T10:00+07:00"),
        ("2026-03-16T08:30+07:00", timedelta(minutes=-30), "2026-03-16T08:00+07:00"),
        ("2026-03-16T08:30+07:00", timedelta(minutes=-31), "2026-03-13T15:59+07:00"),
    ],
)
def test_it_computes_due_times_of_the_2026_calendar(
    start: str, hours: float | timedelta, due: str,
) -> None:
    assert DEFAULT.add(at(start), hours) == at(due)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Ramadan: 7 working hours a day, so 24 hours from Monday 23 Feb 09:00 takes until
        # Thursday 26 Feb 12:00 (6 + 7 + 7 + 4).
        ("2026-02-23T09:00+07:00", 24, "2026-02-26T12:00+07:00"),
        ("2026-03-13T14:30+07:00", 1, "2026-03-16T08:30+07:00"),
        # The closed Friday and the opened Saturday after it.
        ("2026-06-04T15:00+07:00", 2, "2026-06-06T09:00+07:00"),
        ("2026-06-06T15:00+07:00", 2, "2026-06-08T09:00+07:00"),
        # Maulid opened: Monday 24 August 15:00 + 2 h lands on Tuesday 25 at 09:00.
        ("2026-08-24T15:00+07:00", 2, "2026-08-25T09:00+07:00"),
    ],
)
def test_it_computes_due_times_with_closures_openings_and_changed_hours(
    start: str, hours: float, due: str,
) -> None:
    assert CUSTOM.add(at(start), hours) == at(due)


def test_it_counts_working_time_between_two_moments() -> None:
    assert DEFAULT.between(at("2026-12-23T10:00+07:00"), at("2026-12-28T10:00+07:00")) == (
        timedelta(hours=8)
    )
    assert DEFAULT.between(at("2026-12-28T10:00+07:00"), at("2026-12-23T10:00+07:00")) == (
        timedelta(hours=-8)
    )
    # The whole of 2026: 365 days, 104 weekend days and 21 closed workdays leave 240 days.
    year = DEFAULT.between(at("2026-01-01T00:00+07:00"), at("2027-01-01T00:00+07:00"))
    assert year == timedelta(hours=8 * 240)
    # Ramadan costs an hour a day on its 20 working days that remain open (18-19 Mar closed).
    assert CUSTOM.between(at("2026-02-01T00:00+07:00"), at("2026-04-01T00:00+07:00")) == (
        DEFAULT.between(at("2026-02-01T00:00+07:00"), at("2026-04-01T00:00+07:00"))
        - timedelta(hours=20)
    )


def test_it_treats_the_closing_moment_as_closed_but_lands_due_times_on_it() -> None:
    friday_close = at("2026-03-13T16:00+07:00")
    assert DEFAULT.is_open(at("2026-03-13T15:59:59.999999+07:00"))
    assert not DEFAULT.is_open(friday_close)
    assert DEFAULT.is_open(at("2026-03-16T08:00+07:00"))
    assert DEFAULT.add(at("2026-03-13T15:00+07:00"), 1) == friday_close
    assert DEFAULT.add(friday_close, 0) == at("2026-03-16T08:00+07:00")
    assert DEFAULT.next_open(friday_close) == at("2026-03-16T08:00+07:00")
    assert DEFAULT.between(at("2026-03-13T15:00+07:00"), friday_close) == timedelta(hours=1)


def test_it_keeps_microseconds_and_answers_in_the_calendar_zone() -> None:
    start = datetime(2026, 7, 1, 2, 0, 0, 123456, tzinfo=UTC)  # 09:00:00.123456 WIB
    due = DEFAULT.add(start, timedelta(hours=1, microseconds=1))
    assert due == datetime(2026, 7, 1, 10, 0, 0, 123457, tzinfo=WIB)
    assert due.tzinfo == JKT
    assert DEFAULT.add(start, 0.5) == datetime(2026, 7, 1, 9, 30, 0, 123456, tzinfo=WIB)
    assert DEFAULT.next_open(start) == start


def test_it_refuses_naive_datetimes() -> None:
    naive = datetime(2026, 3, 13, 9)
    for call in (
        lambda: DEFAULT.add(naive, 1), lambda: DEFAULT.is_open(naive),
        lambda: DEFAULT.next_open(naive), lambda: DEFAULT.between(naive, naive),
        lambda: DEFAULT.format_slot(naive),
    ):
        with pytest.raises(ValueError, match="naive datetime 2026-03-13T09:00:00: give a UTC"):
            call()


def test_it_refuses_amounts_that_are_not_hours() -> None:
    start = at("2026-03-13T09:00+07:00")
    with pytest.raises(ValueError, match="finite"):
        DEFAULT.add(start, float("nan"))
    with pytest.raises(TypeError, match="hours"):
        DEFAULT.add(start, "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="hours"):
        DEFAULT.add(start, True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Asia/Jakartaa"}, "unknown time zone"),
        ({"open_time": time(16), "close_time": time(8)}, "must be later than open"),
        ({"open_time": time(8, tzinfo=UTC)}, "without tzinfo"),
        ({"workdays": frozenset({5, 7})}, "weekday numbers"),
        ({"workdays": frozenset()}, "never open"),
        ({"closed_dates": [datetime(2026, 1, 2, tzinfo=UTC)]}, "not a datetime.date"),
        ({"closed_dates": [CLOSED], "open_dates": [CLOSED]}, "both closed and open"),
        ({"changed_hours": [HoursChange(date(2026, 3, 2), date(2026, 3, 1), time(8), time(9))]},
         "end is before start"),
        ({"changed_hours": [HoursChange(date(2026, 3, 1), date(2026, 3, 2), time(9), time(8))]},
         "must be later than open"),
        ({"changed_hours": [RAMADAN, HoursChange(date(2026, 3, 19), date(2026, 3, 30),
                                                 time(9), time(12))]}, "overlaps"),
        ({"country": "XX"}, "no holiday list"),
        ({"categories": ("nonsense",)}, "categories"),
        ({"categories": ()}, "at least one"),
    ],
)
def test_it_rejects_bad_arguments_with_a_clear_message(
    kwargs: dict[str, object], message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**kwargs)  # type: ignore[arg-type]


def test_it_lists_the_closed_workdays_of_a_year_with_names() -> None:
    closed = DEFAULT.holidays(2026)
    days = [day for day, _ in closed]
    assert len(closed) == 21
    assert all(day.year == 2026 and day.weekday() < 5 for day in days)
    assert days == sorted(days)
    assert (date(2026, 3, 19), "Hari Suci Nyepi") in closed
    assert (date(2026, 12, 24), "Cuti Bersama Hari Raya Natal") in closed
    assert date(2026, 3, 21) not in days  # Idul Fitri falls on a Saturday
    custom = dict(CUSTOM.holidays(2026))
    assert custom[CLOSED] == "Libur tambahan"
    assert OPENED_HOLIDAY not in custom
    assert len(custom) == 21


def test_it_gives_the_opening_hours_of_a_day() -> None:
    assert DEFAULT.open_hours(date(2026, 3, 17)) == (time(8), time(16))
    assert DEFAULT.open_hours(date(2026, 3, 18)) is None
    assert DEFAULT.open_hours(date(2026, 3, 14)) is None
    assert CUSTOM.open_hours(date(2026, 3, 17)) == (time(8), time(15))
    assert CUSTOM.open_hours(OPENED) == (time(8), time(16))
    assert CUSTOM.open_hours(CLOSED) is None


def test_it_builds_from_settings() -> None:
    wh = WorkingHours(
        timezone="Asia/Makassar", open=time(7, 30), close=time(15, 30),
        closed_dates=(CLOSED,), open_dates=(OPENED,), changed_hours=(RAMADAN,),
    )
    calendar = WorkingCalendar.from_settings(wh)
    assert calendar.open_hours(date(2026, 6, 4)) == (time(7, 30), time(15, 30))
    assert calendar.open_hours(date(2026, 3, 2)) == (time(8), time(15))
    assert calendar.open_hours(CLOSED) is None
    # 15:00 WITA Thursday + 1 h: half an hour that day, then Saturday from 07:30.
    assert calendar.add(at("2026-06-04T15:00+08:00"), 1) == at("2026-06-06T08:00+08:00")
    assert calendar.format_slot(at("2026-06-06T00:00Z")) == "Sabtu, 6 Juni 2026 pukul 08.00 WITA"


def test_it_formats_slots_in_indonesian() -> None:
    assert DEFAULT.format_slot(at("2026-11-30T08:00+07:00")) == (
        "Senin, 30 November 2026 pukul 08.00 WIB"
    )
    assert DEFAULT.format_slot(at("2026-03-01T09:05:59Z")) == "Minggu, 1 Maret 2026 pukul 16.05 WIB"
    assert DEFAULT.format_slot(at("2026-12-31T17:30Z")) == "Jumat, 1 Januari 2027 pukul 00.30 WIB"
    utc = WorkingCalendar(tz="UTC", country=None)
    assert utc.format_slot(at("2026-08-19T10:00+07:00")) == "Rabu, 19 Agustus 2026 pukul 03.00 UTC"


def test_it_follows_daylight_saving_in_other_zones() -> None:
    every_day = frozenset(range(7))
    night = WorkingCalendar(
        tz="Europe/Berlin", open_time=time(1), close_time=time(4), workdays=every_day, country=None,
    )
    spring, autumn = datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 10, 25, tzinfo=BERLIN)
    assert night.between(spring, spring + timedelta(days=1)) == timedelta(hours=2)
    assert night.between(autumn, autumn + timedelta(days=1)) == timedelta(hours=4)
    assert night.add(autumn, 3.5) == at("2026-10-25T03:30+01:00")
    # An opening time the clocks skip opens at the jump.
    skipped = WorkingCalendar(
        tz="Europe/Berlin", open_time=time(2, 30), close_time=time(5), workdays=every_day,
        country=None,
    )
    assert skipped.next_open(spring) == at("2026-03-29T03:00+02:00")
    assert skipped.between(spring, spring + timedelta(days=1)) == timedelta(hours=2)


def test_it_spans_many_years_in_both_directions() -> None:
    calendar = WorkingCalendar()
    start = at("2026-06-02T09:00+07:00")
    far = calendar.add(start, 8 * 250 * 12)
    assert far.year in (2037, 2038)
    assert calendar.between(start, far) == timedelta(hours=8 * 250 * 12)
    back = calendar.add(far, -8 * 250 * 12)
    assert back == start
    early = calendar.add(at("2030-01-02T09:00+07:00"), -8 * 240 * 6)
    assert early.year == 2024
    assert calendar.between(early, at("2030-01-02T09:00+07:00")) == timedelta(hours=8 * 240 * 6)


# -- properties against the reference ----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(calendars, moments)
def test_it_agrees_with_the_reference_on_is_open(
    case: tuple[WorkingCalendar, Reference], t: datetime,
) -> None:
    calendar, reference = case
    assert calendar.is_open(t) == reference.is_open(t.astimezone(JKT).replace(tzinfo=None))


@settings(max_examples=150, deadline=None)
@given(calendars, moments, st.integers(0, 30 * 60))
def test_it_agrees_with_the_reference_on_add(
    case: tuple[WorkingCalendar, Reference], t: datetime, minutes: int,
) -> None:
    calendar, reference = case
    assert calendar.add(t, timedelta(minutes=minutes)) == reference.add(t, minutes)
    assert calendar.add(t, minutes / 60) == reference.add(t, minutes)


@settings(max_examples=100, deadline=None)
@given(calendars, moments, st.integers(1, 30 * 60))
def test_it_agrees_with_the_reference_when_subtracting(
    case: tuple[WorkingCalendar, Reference], t: datetime, minutes: int,
) -> None:
    calendar, reference = case
    assert calendar.add(t, timedelta(minutes=-minutes)) == reference.add(t, -minutes)


@settings(max_examples=100, deadline=None)
@given(calendars, moments, three_weeks)
def test_it_agrees_with_the_reference_on_between(
    case: tuple[WorkingCalendar, Reference], a: datetime, minutes: int,
) -> None:
    calendar, reference = case
    b = a + minutes * MINUTE
    assert calendar.between(a, b) == reference.between(a, b)


@settings(max_examples=150, deadline=None)
@given(calendars, precise, amounts)
def test_it_counts_back_exactly_what_it_added(
    case: tuple[WorkingCalendar, Reference], t: datetime, amount: timedelta,
) -> None:
    calendar, _ = case
    due = calendar.add(t, amount)
    assert calendar.between(t, due) == amount
    assert calendar.between(due, t) == -amount
    if calendar.is_open(t):
        assert calendar.add(due, -amount) == t


@settings(max_examples=150, deadline=None)
@given(calendars, precise, precise, amounts, amounts)
def test_it_is_monotone_in_start_and_amount(
    case: tuple[WorkingCalendar, Reference], t1: datetime, t2: datetime,
    h1: timedelta, h2: timedelta,
) -> None:
    calendar, _ = case
    (t1, t2), (h1, h2) = sorted((t1, t2)), sorted((h1, h2))
    assert calendar.add(t1, h1) <= calendar.add(t2, h1)
    assert calendar.add(t1, h1) <= calendar.add(t1, h2)
    if h2 > h1:  # adding zero moves a closed moment to the next opening: not a composition
        assert calendar.add(calendar.add(t1, h1), h2 - h1) == calendar.add(t1, h2)


@settings(max_examples=100, deadline=None)
@given(precise, amounts, st.sampled_from(ZONES))
def test_it_gives_the_same_answers_whatever_the_input_zone(
    t: datetime, amount: timedelta, zone: ZoneInfo | timezone,
) -> None:
    moved = t.astimezone(zone)
    assert DEFAULT.add(moved, amount) == DEFAULT.add(t, amount)
    assert DEFAULT.add(moved, amount).tzinfo == JKT
    assert DEFAULT.is_open(moved) == DEFAULT.is_open(t)
    assert DEFAULT.next_open(moved) == DEFAULT.next_open(t)
    assert DEFAULT.between(moved, t + amount) == DEFAULT.between(t, t + amount)


def _berlin_reference_between(a: datetime, b: datetime) -> timedelta:
    """Absolute minutes whose Berlin wall time is in [01:00, 04:00)."""
    count, step = 0, a.astimezone(UTC)
    while step < b:
        count += time(1) <= step.astimezone(BERLIN).time() < time(4)
        step += MINUTE
    return count * MINUTE


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 10, 23, tzinfo=UTC)]),
    st.integers(0, 4 * 24 * 60), st.integers(0, 3 * 24 * 60),
)
def test_it_agrees_with_wall_time_across_clock_changes(
    base: datetime, offset: int, length: int,
) -> None:
    night = WorkingCalendar(
        tz="Europe/Berlin", open_time=time(1), close_time=time(4),
        workdays=frozenset(range(7)), country=None,
    )
    a = base + offset * MINUTE
    b = a + length * MINUTE
    assert night.between(a, b) == _berlin_reference_between(a, b)


def test_it_takes_dates_from_any_iterable_in_any_order() -> None:
    one = WorkingCalendar(closed_dates=[CLOSED, date(2026, 7, 1)], open_dates=[OPENED])
    two = WorkingCalendar(
        closed_dates=(d for d in (date(2026, 7, 1), CLOSED, CLOSED)), open_dates={OPENED},
    )
    start = at("2026-06-02T09:00+07:00")
    assert one.add(start, 200) == two.add(start, 200)
    assert one.add(start, 200) - DEFAULT.add(start, 200) == timedelta(days=1)
