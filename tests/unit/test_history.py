"""History maths: day and week summaries, DST days, night shifts, streaks, comparisons."""

from __future__ import annotations

import dataclasses
import time as wallclock
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from respite.core.events import ActiveSpan, Event, EventKind, iso
from respite.core.history import (
    BreakMark,
    DaySummary,
    WeekSummary,
    calendar_days_off,
    comparison_text,
    history_range,
    streaks,
    streaks_between,
    summarize_day,
    summarize_days,
    summarize_week,
    summarize_week_as_of,
)
from respite.core.schedule import WorkSchedule
from respite.core.settings import Settings, TimeWindow, WorkHours

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = Settings()  # Mon-Fri 09:00-12:30 and 13:15-17:30; grace 15 min; joins < 2 min
OFFICE_DAY = (3.5 + 4.25) * 3600  # 27 900 s planned per weekday
H = 3600
M = 60
DAY = timedelta(days=1)


def at(day: date, hhmm: str, zone: ZoneInfo = LONDON) -> datetime:
    """A local wall time ("HH:MM" or "HH:MM:SS"; "24:00" is the next midnight) as UTC."""
    if hhmm == "24:00":
        day, hhmm = day + timedelta(days=1), "00:00"
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone).astimezone(UTC)


def span(day: date, start: str, end: str, zone: ZoneInfo = LONDON, end_day: date | None = None):
    return ActiveSpan(at(day, start, zone), at(end_day or day, end, zone))


def ev(event_kind: EventKind, moment: datetime, /, **data: Any) -> Event:
    return Event(event_kind, moment, data)


def nudge(moment: datetime, kind: str = "short_break", level: int = 0, **data: Any) -> Event:
    return ev(EventKind.NUDGE, moment, kind=kind, level=level, **data)


def hours(*windows: str) -> tuple[TimeWindow, ...]:
    parsed = []
    for window in windows:
        start, end = window.split("-")
        parsed.append(TimeWindow(time.fromisoformat(start), time.fromisoformat(end)))
    return tuple(parsed)


def week_hours(**days: tuple[TimeWindow, ...]) -> WorkHours:
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return WorkHours(days=tuple(days.get(name, ()) for name in names))


def schedule_for(settings: Settings, zone: ZoneInfo = LONDON) -> WorkSchedule:
    return WorkSchedule(settings.work_hours, zone)


# ----- a seeded week (Europe/London, BST = UTC+1) ------------------------------------

MON = date(2026, 6, 1)
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
AFTER_WEEK = at(date(2026, 6, 8), "12:00")

SEEDED_SPANS = [
    # Mon: 08:50-10:00 (60 in, 10 out), 10:01-10:30 (29 in), 10:33-12:45 (117 in,
    # 15 out), 13:10-17:40 (255 in, 5 + 10 out) → 461 min in, 40 min out.
    span(MON, "08:50", "10:00"),
    span(MON, "10:01", "10:30"),
    span(MON, "10:33", "12:45"),
    span(MON, "13:10", "17:40"),
    # Tue: 09:00-10:00 and 10:01:30-12:30 (a 90 s gap: one 210 min stretch),
    # 13:15-16:00, and 18:00-18:40 after hours → 373.5 min in, 40 min out.
    span(TUE, "09:00", "10:00"),
    span(TUE, "10:01:30", "12:30"),
    span(TUE, "13:15", "16:00"),
    span(TUE, "18:00", "18:40"),
    # Wed: full hours (465 min in) and 23:30 → Thu 00:30 (30 min out each day).
    span(WED, "09:00", "12:30"),
    span(WED, "13:15", "17:30"),
    span(WED, "23:30", "00:30", end_day=THU),
    # Thu: 09:00-10:00 and 10:05-12:30 → 205 min in (+ 30 min out from Wed's night).
    span(THU, "09:00", "10:00"),
    span(THU, "10:05", "12:30"),
    # Fri: nothing (a holiday). Sat (a day off): 10:00-11:00 → 60 min out.
    span(SAT, "10:00", "11:00"),
]

SEEDED_EVENTS = [
    # Mon: asked (due 1) → taken. A natural break. Asked (due 2) → snoozed → shown
    # again (still due 2) → skipped. A win.
    nudge(at(MON, "09:58")),
    ev(EventKind.BREAK_STARTED, at(MON, "10:00"), kind="short", planned_seconds=120),
    ev(
        EventKind.NATURAL_BREAK,
        at(MON, "10:33"),
        kind="short",
        start=iso(at(MON, "10:30")),
        end=iso(at(MON, "10:33")),
        seconds=180,
    ),
    nudge(at(MON, "11:00")),
    ev(EventKind.BREAK_SNOOZED, at(MON, "11:01"), kind="short", minutes=5),
    nudge(at(MON, "11:06")),
    ev(EventKind.BREAK_SKIPPED, at(MON, "11:07"), kind="short"),
    ev(EventKind.WIN, at(MON, "15:00"), text="shipped the thing ☕"),
    # Tue: asked (due 1), re-nudged twice, missed. A long break asked (due 2) → taken.
    # An after-hours nudge and 30 minutes of overtime.
    nudge(at(TUE, "10:30")),
    nudge(at(TUE, "10:35"), level=1),
    nudge(at(TUE, "10:40"), level=2),
    ev(EventKind.BREAK_MISSED, at(TUE, "10:45"), kind="short", reason="ignored"),
    nudge(at(TUE, "14:00"), kind="long_break"),
    ev(EventKind.BREAK_STARTED, at(TUE, "14:02"), kind="long", planned_seconds=600),
    nudge(at(TUE, "18:10"), kind="after_hours", evening="2026-06-02", active_seconds=600),
    ev(EventKind.OVERTIME, at(TUE, "18:30"), minutes=30, until=iso(at(TUE, "19:00"))),
    # Wed: the snooze limit kept a due break quiet (due 1, missed). Two after-hours
    # nudges for Wednesday's evening, the second after midnight.
    ev(EventKind.BREAK_MISSED, at(WED, "11:00"), kind="short", reason="snooze_limit"),
    nudge(at(WED, "23:40"), kind="after_hours", evening="2026-06-03", active_seconds=600),
    nudge(at(THU, "00:10"), kind="after_hours", evening="2026-06-03", active_seconds=2400),
    # Thu: a natural break nobody asked for.
    ev(
        EventKind.NATURAL_BREAK,
        at(THU, "10:05"),
        kind="short",
        start=iso(at(THU, "10:00")),
        end=iso(at(THU, "10:05")),
        seconds=300,
    ),
    # Sat: a day-off nudge.
    nudge(at(SAT, "10:20"), kind="day_off", evening="2026-06-06", active_seconds=600),
]

# Per day: (in, out, first, last, taken, natural, snoozed, skipped, missed, due,
# due_taken, longest stretch, on time, after-hours nudges, overtime)
SEEDED_EXPECTED = {
    # Mon stretches: 08:50-10:00 (the break at 10:00 stops the 1 min join) = 70,
    # 10:01-10:30 = 29, 10:33-12:45 = 132, 13:10-17:40 = 270 min. Last activity
    # 17:40 <= 17:30 + 15 min: on time.
    MON: (461 * M, 40 * M, "08:50", "17:40", 1, 1, 1, 1, 0, 2, 1, 270 * M, True, 0, 0),
    # Tue: 09:00 → 12:30 joined = 210 min. 18:00-18:40 is after 17:45: not on time.
    TUE: (373.5 * M, 40 * M, "09:00", "18:40", 1, 0, 0, 0, 1, 2, 1, 210 * M, False, 1, 30),
    # Wed: 23:30 is after 17:45. Last activity is the clipped day end (Thu 00:00).
    WED: (465 * M, 30 * M, "09:00", "24:00", 0, 0, 0, 0, 1, 1, 0, 255 * M, False, 2, 0),
    # Thu: 00:00-00:30 counts here, outside hours; the 00:10 nudge was Wednesday's.
    THU: (205 * M, 30 * M, "00:00", "12:30", 0, 1, 0, 0, 0, 0, 0, 145 * M, True, 0, 0),
    FRI: (0, 0, None, None, 0, 0, 0, 0, 0, 0, 0, 0, None, 0, 0),
    SAT: (0, 60 * M, "10:00", "11:00", 0, 0, 0, 0, 0, 0, 0, 60 * M, None, 1, 0),
    SUN: (0, 0, None, None, 0, 0, 0, 0, 0, 0, 0, 0, None, 0, 0),
}


def seeded_week(**options: Any) -> WeekSummary:
    return summarize_week(
        MON, schedule_for(OFFICE), OFFICE, SEEDED_EVENTS, SEEDED_SPANS, AFTER_WEEK, **options
    )


@pytest.mark.parametrize("day", list(SEEDED_EXPECTED))
def test_seeded_week_day_by_day(day: date) -> None:
    (
        in_hours,
        outside,
        first,
        last,
        taken,
        natural,
        snoozed,
        skipped,
        missed,
        due,
        due_taken,
        stretch,
        on_time,
        after_hours,
        overtime,
    ) = SEEDED_EXPECTED[day]

    summary = seeded_week().days[day.weekday()]

    assert summary.day == day
    assert summary.planned_seconds == (OFFICE_DAY if day.weekday() < 5 else 0)
    assert summary.active_in_hours == in_hours
    assert summary.active_outside_hours == outside
    assert summary.first_activity == (at(day, first) if first else None)
    assert summary.last_activity == (at(day, last) if last else None)
    counts = (
        summary.breaks_taken,
        summary.breaks_natural,
        summary.breaks_snoozed,
        summary.breaks_skipped,
        summary.breaks_missed,
        summary.breaks_due,
        summary.breaks_due_taken,
    )
    assert counts == (taken, natural, snoozed, skipped, missed, due, due_taken)
    assert summary.longest_stretch_seconds == stretch
    assert summary.ended_on_time is on_time
    assert summary.after_hours_nudges == after_hours
    assert summary.overtime_minutes == overtime


def test_seeded_week_details() -> None:
    monday = seeded_week().days[0]

    assert monday.wins == ("shipped the thing ☕",)
    assert monday.windows[0].start == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert monday.break_marks == (
        (at(MON, "10:00"), BreakMark.TAKEN),
        (at(MON, "10:30"), BreakMark.NATURAL),  # drawn where the idle spell began
        (at(MON, "11:01"), BreakMark.SNOOZED),
        (at(MON, "11:07"), BreakMark.SKIPPED),
    )


def test_seeded_week_totals() -> None:
    week = seeded_week()

    assert week.week_start == MON and len(week.days) == 7
    assert week.planned_seconds == 5 * OFFICE_DAY
    # 501 + 413.5 + 495 + 235 + 0 + 60 + 0 minutes.
    assert week.worked_seconds == 1704.5 * M
    assert week.after_hours_minutes == 40 + 40 + 30 + 30 + 60
    assert (week.breaks_taken, week.breaks_natural) == (2, 2)
    assert (week.breaks_due, week.breaks_due_taken) == (5, 2)
    assert week.break_percentage == 40
    assert week.longest_stretch_seconds == 270 * M
    assert (week.days_on_time, week.days_with_verdict) == (2, 4)
    assert week.wins == ((MON, "shipped the thing ☕"),)
    assert week.comparison is None


def test_seeded_week_compared_with_a_busier_one() -> None:
    busier = dataclasses.replace(seeded_week(), after_hours_minutes=240.0)

    week = seeded_week(previous=busier)

    assert week.comparison is not None
    assert week.comparison.after_hours_minutes_delta == -40
    assert week.comparison.text == "40 fewer after-hours minutes than last week — lovely."


def test_a_week_in_progress_is_compared_with_last_week_by_the_same_time() -> None:
    # The Monday after the seeded week, at noon: two hours of work so far.
    monday = date(2026, 6, 8)
    spans = [*SEEDED_SPANS, span(monday, "09:00", "11:00")]
    schedule = schedule_for(OFFICE)

    last_week = summarize_week_as_of(
        MON, schedule, OFFICE, SEEDED_EVENTS, spans, AFTER_WEEK - 7 * DAY
    )
    week = summarize_week(
        monday, schedule, OFFICE, SEEDED_EVENTS, spans, AFTER_WEEK, previous=last_week
    )

    # Last Monday by noon: 08:50-10:00, 10:01-10:30, 10:33-12:00, 10 min before hours.
    assert last_week.as_of == at(MON, "12:00")
    assert (last_week.worked_seconds, last_week.after_hours_minutes) == (186 * M, 10)
    assert (last_week.breaks_due, last_week.breaks_due_taken) == (2, 1)
    assert last_week.days_with_verdict == 0  # Monday's grace ends at 17:45
    assert week.comparison is not None and week.comparison.so_far
    assert week.comparison.text == (
        "10 fewer after-hours minutes than by this time last week — lovely."
    )
    whole = summarize_week(
        monday, schedule, OFFICE, SEEDED_EVENTS, spans, AFTER_WEEK, previous=seeded_week()
    )
    assert whole.comparison is not None and not whole.comparison.so_far
    assert whole.comparison.text == "200 fewer after-hours minutes than last week — lovely."


def test_seeded_week_streaks() -> None:
    # Newest first: Sun, Sat (days off), Fri (no activity) are neutral; Thu keeps both
    # streaks going; Wed (late, a missed break) ends them.
    assert streaks(reversed(seeded_week().days)).ended_on_time == 1
    assert streaks(reversed(seeded_week().days)).breaks_kept == 1


def test_history_range_reaches_the_night_after_the_last_day() -> None:
    start, end = history_range(MON, SUN, schedule_for(OFFICE))

    assert start == datetime(2026, 5, 31, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 6, 9, 23, 0, tzinfo=UTC)


# ----- DST days ----------------------------------------------------------------------


def test_london_spring_forward_day_is_23_hours() -> None:
    # Sunday 2026-03-29: clocks go 01:00 GMT → 02:00 BST. A Sunday window 00:30-03:30
    # lasts 00:30 UTC → 02:30 UTC = 2 h.
    settings = Settings(
        work_hours=dataclasses.replace(
            OFFICE.work_hours, days=(*OFFICE.work_hours.days[:6], hours("00:30-03:30"))
        )
    )
    sunday = date(2026, 3, 29)
    spans = [span(date(2026, 3, 28), "23:00", "01:00", end_day=date(2026, 3, 30))]

    week = summarize_week(
        date(2026, 3, 23), schedule_for(settings), settings, [], spans, at(sunday, "24:00")
    )
    saturday, sun = week.days[5], week.days[6]

    assert sun.planned_seconds == 2 * H
    assert sun.active_in_hours == 2 * H
    assert sun.active_seconds == 23 * H
    assert sun.active_outside_hours == 21 * H
    assert saturday.active_outside_hours == 1 * H
    assert week.days[6].first_activity == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert week.days[6].last_activity == datetime(2026, 3, 29, 23, 0, tzinfo=UTC)
    monday_after = summarize_day(
        date(2026, 3, 30), schedule_for(settings), settings, [], spans, at(sunday, "24:00")
    )
    assert monday_after.active_outside_hours == 1 * H  # 00:00-01:00 BST
    assert monday_after.windows[0].start == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert week.worked_seconds == 24 * H  # Sat 1 h + Sun 23 h


def test_new_york_fall_back_day_is_25_hours() -> None:
    # Sunday 2026-11-01: 02:00 EDT → 01:00 EST. The window 00:30-03:30 runs 04:30 UTC →
    # 08:30 UTC = 4 h. The week starts on Sunday here, as a US locale would have it.
    settings = Settings(
        work_hours=dataclasses.replace(
            OFFICE.work_hours, days=(*OFFICE.work_hours.days[:6], hours("00:30-03:30"))
        )
    )
    sunday = date(2026, 11, 1)
    spans = [span(sunday, "00:00", "24:00", NEW_YORK)]

    week = summarize_week(
        sunday, schedule_for(settings, NEW_YORK), settings, [], spans, at(sunday, "23:00")
    )
    first = week.days[0]

    assert first.day == sunday
    assert first.planned_seconds == 4 * H
    assert first.active_seconds == 25 * H
    assert (first.active_in_hours, first.active_outside_hours) == (4 * H, 21 * H)
    # Monday 2026-11-02 09:00 EST is 14:00 UTC.
    assert week.days[1].windows[0].start == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert week.planned_seconds == 4 * H + 5 * OFFICE_DAY
    assert week.after_hours_minutes == 21 * 60


# ----- empty and partial -------------------------------------------------------------


def test_empty_week_is_all_zeros_and_no_verdicts() -> None:
    week = summarize_week(MON, schedule_for(OFFICE), OFFICE, [], [], AFTER_WEEK)

    assert week.planned_seconds == 5 * OFFICE_DAY
    assert week.worked_seconds == week.after_hours_minutes == 0
    assert week.breaks_due == week.breaks_taken == week.breaks_natural == 0
    assert week.break_percentage is None
    assert week.longest_stretch_seconds == 0
    assert (week.days_on_time, week.days_with_verdict) == (0, 0)
    assert week.wins == ()
    for day in week.days:
        assert day.ended_on_time is None
        assert day.first_activity is day.last_activity is None
        assert day.active_seconds == 0 and day.break_marks == ()
    assert streaks(reversed(week.days)).ended_on_time == 0


def test_no_verdict_until_the_grace_is_over() -> None:
    spans = [span(MON, "09:00", "17:30")]
    schedule = schedule_for(OFFICE)

    def verdict(now: str) -> bool | None:
        return summarize_day(MON, schedule, OFFICE, [], spans, at(MON, now)).ended_on_time

    assert verdict("17:44") is None
    assert verdict("17:45") is True


# ----- night shift -------------------------------------------------------------------

NIGHTS = Settings(work_hours=week_hours(mon=hours("22:00-06:00")))
NIGHT = date(2026, 1, 5)  # a Monday, GMT
MORNING = NIGHT + timedelta(days=1)


def test_night_shift_crossing_midnight() -> None:
    spans = [
        span(NIGHT, "21:30", "02:00", end_day=MORNING),
        span(MORNING, "06:00", "06:10"),  # 06:10 < 06:00 + 15 min grace
    ]
    days = summarize_days(
        NIGHT, MORNING, schedule_for(NIGHTS), NIGHTS, [], spans, at(MORNING, "23:00")
    )
    night, morning = days

    assert night.planned_seconds == 8 * H
    assert (night.active_in_hours, night.active_outside_hours) == (2 * H, 30 * M)
    assert night.ended_on_time is True
    # Tuesday is a day off, but 00:00-02:00 is inside Monday's window.
    assert not morning.is_workday and morning.planned_seconds == 0
    assert (morning.active_in_hours, morning.active_outside_hours) == (2 * H, 10 * M)
    assert morning.ended_on_time is None


def test_night_shift_late_until_the_next_shift() -> None:
    spans = [span(NIGHT, "22:00", "06:00", end_day=MORNING), span(MORNING, "07:00", "07:30")]

    summary = summarize_day(NIGHT, schedule_for(NIGHTS), NIGHTS, [], spans, at(MORNING, "23:00"))

    assert summary.ended_on_time is False


# A late shift before an office day: Tuesday 22:00-02:00, Wednesday 09:00-17:30.
LATE_THEN_OFFICE = Settings(
    work_hours=week_hours(tue=hours("22:00-02:00"), wed=hours("09:00-17:30"))
)
LATE_SHIFT_SPANS = [span(TUE, "22:00", "00:01", end_day=WED), span(WED, "00:03", "01:30")]


def _late_shift(*events: Event) -> list[DaySummary]:
    return summarize_days(
        TUE,
        WED,
        schedule_for(LATE_THEN_OFFICE),
        LATE_THEN_OFFICE,
        sorted(events, key=lambda e: e.at),
        LATE_SHIFT_SPANS,
        AFTER_WEEK,
    )


def test_a_break_asked_for_before_midnight_and_taken_after_counts_as_taken() -> None:
    asked = nudge(at(TUE, "23:58"))
    taken = ev(EventKind.BREAK_STARTED, at(WED, "00:01"), kind="short", planned_seconds=120)

    tuesday, wednesday = _late_shift(asked, taken)

    assert (tuesday.breaks_due, tuesday.breaks_due_taken) == (1, 1)
    assert (wednesday.breaks_due, wednesday.breaks_due_taken) == (0, 0)
    assert wednesday.breaks_taken == 1  # drawn where it happened


def test_the_first_outcome_after_midnight_belongs_to_the_break_asked_before_it() -> None:
    # Skipped after midnight (Tuesday's, not counted twice); the next break, asked for
    # and taken, is Wednesday's own.
    tuesday, wednesday = _late_shift(
        nudge(at(TUE, "23:58")),
        ev(EventKind.BREAK_SKIPPED, at(WED, "00:01"), kind="short"),
        nudge(at(WED, "01:00")),
        ev(EventKind.BREAK_STARTED, at(WED, "01:01"), kind="short", planned_seconds=120),
    )

    assert (tuesday.breaks_due, tuesday.breaks_due_taken) == (1, 0)
    assert (wednesday.breaks_due, wednesday.breaks_due_taken) == (1, 1)


def test_a_night_shift_spilling_past_midnight_is_not_the_next_days_verdict() -> None:
    tuesday, wednesday = _late_shift()

    assert tuesday.ended_on_time is True
    # Wednesday's only activity was Tuesday's shift: nothing to judge it by.
    assert wednesday.has_activity and wednesday.ended_on_time is None
    early = summarize_days(
        WED,
        WED,
        schedule_for(LATE_THEN_OFFICE),
        LATE_THEN_OFFICE,
        [],
        [*LATE_SHIFT_SPANS, span(WED, "10:00", "11:00")],
        AFTER_WEEK,
    )
    assert early[0].ended_on_time is True


# ----- longest stretch ---------------------------------------------------------------


def _stretch(spans: list[ActiveSpan], events: Sequence[Event] = ()) -> float:
    return summarize_day(
        MON, schedule_for(OFFICE), OFFICE, events, spans, AFTER_WEEK
    ).longest_stretch_seconds


def test_longest_stretch_joins_gaps_shorter_than_a_natural_break() -> None:
    # Gaps of 119 s join; the 120 s gap splits. First start to last end, gaps included.
    spans = [
        span(MON, "09:00", "09:30"),
        span(MON, "09:31:59", "10:00"),
        span(MON, "10:01:59", "10:30"),
        span(MON, "10:32", "10:40"),
    ]
    assert _stretch(spans) == 90 * M


def test_longest_stretch_is_cut_by_a_break_in_a_short_gap() -> None:
    spans = [span(MON, "09:00", "10:00"), span(MON, "10:01", "10:20")]
    assert _stretch(spans) == 80 * M
    taken = ev(EventKind.BREAK_STARTED, at(MON, "09:59:50"), kind="short", planned_seconds=120)
    assert _stretch(spans, [taken]) == 60 * M
    natural = ev(EventKind.NATURAL_BREAK, at(MON, "10:01"), kind="short", start="", end="")
    assert _stretch(spans, [natural]) == 60 * M
    elsewhere = ev(EventKind.BREAK_STARTED, at(MON, "11:00"), kind="short", planned_seconds=1)
    assert _stretch(spans, [elsewhere]) == 80 * M


def test_overlapping_spans_are_counted_once() -> None:
    spans = [span(MON, "09:00", "11:00"), span(MON, "10:00", "12:00"), span(MON, "09:30", "10:00")]

    summary = summarize_day(MON, schedule_for(OFFICE), OFFICE, [], spans, AFTER_WEEK)

    assert summary.active_in_hours == 3 * H
    assert summary.longest_stretch_seconds == 3 * H


# ----- ended on time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "on_time"),
    [("17:45", True), ("17:46", False), ("17:30", True)],
)
def test_ended_on_time_edge(last: str, on_time: bool) -> None:
    spans = [span(MON, "09:00", last)]

    summary = summarize_day(MON, schedule_for(OFFICE), OFFICE, [], spans, AFTER_WEEK)

    assert summary.ended_on_time is on_time


def test_early_start_next_morning_is_not_late() -> None:
    spans = [span(MON, "09:00", "17:30"), span(TUE, "04:00", "05:00")]

    summary = summarize_day(MON, schedule_for(OFFICE), OFFICE, [], spans, AFTER_WEEK)

    assert summary.ended_on_time is True
    late = summarize_day(
        MON, schedule_for(OFFICE), OFFICE, [], [*spans, span(TUE, "03:59", "04:00")], AFTER_WEEK
    )
    assert late.ended_on_time is False


# ----- streaks -----------------------------------------------------------------------


def _day(day: date, on_time: bool | None, *, workday: bool = True, **counts: int) -> DaySummary:
    schedule = schedule_for(OFFICE)
    active = counts.pop("active", 0) > 0 or on_time is not None
    base = summarize_day(day, schedule, OFFICE, [], [], AFTER_WEEK)
    return dataclasses.replace(
        base,
        windows=base.windows if workday else (),
        first_activity=at(day, "09:00") if active else None,
        ended_on_time=on_time,
        **counts,
    )


def test_streaks_skip_days_off_and_days_without_a_verdict() -> None:
    start = date(2026, 6, 1)
    days = [start + timedelta(days=i) for i in range(15)]
    history = [
        _day(days[0], True),
        _day(days[1], False, breaks_skipped=1),  # ends both streaks further back
        _day(days[2], True),
        _day(days[3], True, breaks_missed=0),
        _day(days[4], None),  # no activity: neutral
        _day(days[5], None, workday=False, active=1),  # a day off with some activity
        _day(days[6], None, workday=False),
        _day(days[7], True),
        _day(days[8], True, breaks_missed=1),  # ends the breaks streak only
        _day(days[9], True),
        _day(days[10], None, active=1),  # today, still in progress
    ]

    result = streaks(reversed(history))

    assert result.ended_on_time == 5  # days 9, 8, 7, 3, 2
    assert result.breaks_kept == 2  # days 10 (so far) and 9


def test_streaks_between_a_year_of_data_is_exact_and_fast() -> None:
    schedule = schedule_for(OFFICE)
    first, last = date(2025, 6, 2), date(2026, 5, 31)
    spans: list[ActiveSpan] = []
    events: list[Event] = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            for hour in range(9, 17):
                spans.append(span(day, f"{hour:02}:00", f"{hour:02}:50"))
                events.append(nudge(at(day, f"{hour:02}:25")))
                events.append(ev(EventKind.BREAK_STARTED, at(day, f"{hour:02}:26"), kind="short"))
        day += timedelta(days=1)
    # Late on Tuesday 2026-05-19: 8 workdays since then ended on time.
    spans.append(span(date(2026, 5, 19), "20:00", "20:30"))
    # A skipped break on Thursday 2026-05-21: six workdays kept every break since.
    events.append(ev(EventKind.BREAK_SKIPPED, at(date(2026, 5, 21), "10:30"), kind="short"))
    now = at(last, "12:00")

    began = wallclock.perf_counter()
    result = streaks_between(first, last, schedule, OFFICE, events, spans, now)
    elapsed = wallclock.perf_counter() - began

    assert (result.ended_on_time, result.breaks_kept) == (8, 6)
    assert elapsed < 5.0  # well under 0.1 s: each day sees only its own few events


# ----- comparison --------------------------------------------------------------------


def _week(
    worked: float = 30 * H, after: float = 60.0, pct: int | None = 80, on_time: int = 3
) -> WeekSummary:
    return WeekSummary(
        week_start=MON,
        days=(),
        planned_seconds=5 * OFFICE_DAY,
        worked_seconds=worked,
        after_hours_minutes=after,
        breaks_taken=4,
        breaks_natural=0,
        breaks_due=5,
        breaks_due_taken=4,
        break_percentage=pct,
        longest_stretch_seconds=H,
        days_on_time=on_time,
        days_with_verdict=5,
        wins=(),
    )


def _so_far(week: WeekSummary) -> WeekSummary:
    return dataclasses.replace(week, as_of=datetime(2026, 6, 3, 12, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (_week(after=20), _week(after=60), "40 fewer after-hours minutes than last week — lovely."),
        (_week(pct=95), _week(pct=80), "You took more of your breaks than last week — well done."),
        (
            _week(on_time=4),
            _week(on_time=3),
            "You ended on time on more days than last week — nice going.",
        ),
        (
            _week(after=90),
            _week(after=60),
            "A busier week than the last. Be kind to yourself this weekend.",
        ),
        (
            _week(worked=36 * H),
            _week(worked=30 * H),
            "A busier week than the last. Be kind to yourself this weekend.",
        ),
        (
            _week(pct=60),
            _week(pct=80),
            "Breaks were harder to fit in this week. One at a time is plenty.",
        ),
        (_week(after=62), _week(after=60), "Much like last week. Steady is good."),
        (_week(worked=0, after=0), _week(), "A quiet week. Rest is part of the work, too."),
        # A week in progress, against last week as it stood at the same time.
        (
            _week(worked=0, after=0),
            _so_far(_week()),
            "A quiet week so far. Rest is part of the work, too.",
        ),
        (
            _week(on_time=4),
            _so_far(_week(on_time=3)),
            "You ended on time on more days than by this time last week — nice going.",
        ),
        (
            _week(after=90),
            _so_far(_week(after=60)),
            "A busier week so far than the last. Be kind to yourself this week.",
        ),
        (
            _week(after=62),
            _so_far(_week(after=60)),
            "Much like this time last week. Steady is good.",
        ),
    ],
)
def test_comparison_text(current: WeekSummary, previous: WeekSummary, text: str) -> None:
    assert comparison_text(current, previous) == text


def test_comparison_text_is_always_one_kind_sentence() -> None:
    harsh = ("fail", "bad", "should", "worse", "!")
    lasts = (_week(), _week(after=0, pct=100, on_time=5))
    for current in (_week(), _week(after=300, pct=10, on_time=0), _week(worked=0)):
        for previous in (*lasts, *map(_so_far, lasts)):
            text = comparison_text(current, previous)
            assert text.endswith(".") and text.count(". ") <= 1
            assert not any(word in text.lower() for word in harsh), text


# ----- property ----------------------------------------------------------------------

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
SCHEDULES = [
    OFFICE.work_hours,
    WorkHours(days=(hours("22:00-06:00", "07:00-08:00"),) * 7),
    WorkHours(days=(hours("00:30-03:30", "12:00-12:00"),) * 7),
]


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
    | st.sampled_from([date(2026, 3, 29), date(2026, 11, 1), date(2026, 4, 5)]),
    zone_name=st.sampled_from(ZONES),
    work_hours=st.sampled_from(SCHEDULES),
    raw_spans=st.lists(st.tuples(st.integers(-600, 26 * 60), st.integers(0, 12 * 60)), max_size=12),
)
def test_in_plus_outside_hours_is_the_days_activity(
    day: date, zone_name: str, work_hours: WorkHours, raw_spans: list[tuple[int, int]]
) -> None:
    zone = ZoneInfo(zone_name)
    settings = Settings(work_hours=work_hours)
    schedule = WorkSchedule(work_hours, zone)
    day_start = schedule.at_local(day)
    day_minutes = int(
        (schedule.at_local(day + timedelta(days=1)) - day_start) / timedelta(minutes=1)
    )
    spans = [
        ActiveSpan(day_start + timedelta(minutes=a), day_start + timedelta(minutes=a + n))
        for a, n in raw_spans
    ]
    # Counted independently, minute by minute.
    covered = {m for a, n in raw_spans for m in range(a, a + n) if 0 <= m < day_minutes}
    windows = [*schedule.windows_on(day - timedelta(days=1)), *schedule.windows_on(day)]
    working = {
        m
        for w in windows
        for m in range(
            int((w.start - day_start) / timedelta(minutes=1)),
            int((w.end - day_start) / timedelta(minutes=1)),
        )
    }

    summary = summarize_day(day, schedule, settings, [], spans, day_start)

    assert summary.active_in_hours + summary.active_outside_hours == pytest.approx(
        len(covered) * 60, abs=1e-6
    )
    assert summary.active_in_hours == pytest.approx(len(covered & working) * 60, abs=1e-6)
    assert summary.active_outside_hours >= 0
    assert 0 <= summary.longest_stretch_seconds <= day_minutes * 60


# ----- what the calendar left in the log ---------------------------------------------


def spans_from(spans: Sequence[ActiveSpan]) -> Callable[[datetime, datetime], list[ActiveSpan]]:
    """A log's `spans(start, end)` over `spans`."""
    return lambda start, end: [s for s in spans if s.end > start and s.start < end]


def day_off(moment: datetime, day: date, *, off: bool = True) -> Event:
    return ev(EventKind.CALENDAR_DAY_OFF, moment, day=day.isoformat(), off=off, word="Holiday")


def test_calendar_days_off_follow_the_last_word_on_each_day() -> None:
    events = [
        day_off(at(FRI, "00:00"), FRI),
        day_off(at(WED, "08:00"), WED),
        day_off(at(WED, "08:30"), WED, off=False),
        ev(EventKind.CALENDAR_DAY_OFF, at(THU, "08:00"), day="not a date", off=True),
        nudge(at(MON, "09:58")),
    ]
    days = calendar_days_off(reversed(events), schedule_for(OFFICE), spans_from(SEEDED_SPANS))
    assert days == frozenset({FRI})


def thursday_off_at(hhmm: str, spans: Sequence[ActiveSpan] = SEEDED_SPANS) -> DaySummary:
    """Thursday in the seeded week, the calendar having said at `hhmm` that it's off."""
    plain = schedule_for(OFFICE)
    days_off = calendar_days_off([day_off(at(THU, hhmm), THU)], plain, spans_from(spans))
    schedule = WorkSchedule(OFFICE.work_hours, LONDON, days_off)
    return summarize_week(MON, schedule, OFFICE, SEEDED_EVENTS, spans, AFTER_WEEK).days[3]


def test_a_calendar_day_off_is_a_day_off_in_the_history() -> None:
    # Thursday was a holiday by the calendar, known before work began: its 235 active
    # minutes are day-off time, with no planned hours and no "ended on time" verdict.
    schedule = schedule_for(OFFICE)
    days_off = calendar_days_off([day_off(at(THU, "07:00"), THU)], schedule, spans_from([]))
    assert days_off == frozenset({THU})
    schedule = WorkSchedule(OFFICE.work_hours, LONDON, days_off)
    week = summarize_week(MON, schedule, OFFICE, SEEDED_EVENTS, SEEDED_SPANS, AFTER_WEEK)
    thursday = week.days[3]
    assert not thursday.is_workday
    assert (thursday.planned_seconds, thursday.active_in_hours) == (0, 0)
    assert thursday.active_outside_hours == 235 * M
    assert thursday.ended_on_time is None
    assert week.planned_seconds == 4 * OFFICE_DAY
    assert week.days_with_verdict == seeded_week().days_with_verdict - 1


def test_a_day_off_said_after_work_began_keeps_the_days_hours() -> None:
    # The calendar said so at 11:00, after 115 minutes of work in Thursday's hours: as
    # the engine counted it, the morning was work (not 205 minutes after hours).
    thursday = thursday_off_at("11:00")
    assert thursday.is_workday and thursday.planned_seconds == OFFICE_DAY
    assert (thursday.active_in_hours, thursday.active_outside_hours) == (205 * M, 30 * M)
    # Said in the first moments after Respite started, late, on a holiday: a day off.
    late = [span(THU, "09:30", "12:00")]
    assert not thursday_off_at("09:30:40", late).is_workday
    # Said when the shift began (Respite running since before): a day off too.
    assert not thursday_off_at("09:00").is_workday


def meeting_outside(start: datetime, minutes: int = 60) -> Event:
    end = start + timedelta(minutes=minutes)
    day = start.astimezone(LONDON).date().isoformat()
    return ev(EventKind.MEETING_OUTSIDE_HOURS, start, start=iso(start), end=iso(end), day=day)


def test_after_hours_meetings_are_counted_per_day_and_week() -> None:
    meetings = [meeting_outside(at(MON, "18:30")), meeting_outside(at(SAT, "10:00"))]
    earlier = [meeting_outside(at(MON - timedelta(days=7 - i), "19:00")) for i in range(3)]
    events = SEEDED_EVENTS + meetings + earlier
    schedule = schedule_for(OFFICE)
    previous = summarize_week(
        MON - timedelta(days=7), schedule, OFFICE, events, SEEDED_SPANS, AFTER_WEEK
    )
    week = summarize_week(
        MON, schedule, OFFICE, events, SEEDED_SPANS, AFTER_WEEK, previous=previous
    )
    assert [d.after_hours_meetings for d in week.days] == [1, 0, 0, 0, 0, 1, 0]
    assert (previous.after_hours_meetings, week.after_hours_meetings) == (3, 2)
    assert week.comparison is not None
    assert week.comparison.after_hours_meetings_delta == -1


def test_fewer_after_hours_meetings_are_celebrated_when_nothing_else_changed() -> None:
    previous = dataclasses.replace(seeded_week(), after_hours_meetings=3)
    current = dataclasses.replace(seeded_week(), after_hours_meetings=1)
    assert comparison_text(current, previous) == (
        "Fewer meetings outside your hours than last week — that's time back."
    )
    assert comparison_text(previous, current) == "Much like last week. Steady is good."
