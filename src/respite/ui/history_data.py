"""What the history window shows for one week, read from the log with range queries only.

No Qt here. A week costs two indexed queries (events and spans of the previous week,
this week and the evening after it: the comparison needs last week anyway). Streaks look
further back, but only as far as they must: the fourteen days already summarized first,
then four weeks at a time, reading only the spans and the skipped / missed break events
a streak depends on, and stopping as soon as both streaks have been broken or after
`STREAK_LOOKBACK_DAYS`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol

from respite.core.events import ActiveSpan, Event, EventKind
from respite.core.history import (
    DaySummary,
    WeekSummary,
    calendar_days_off,
    comparison_base,
    history_range,
    streaks,
    summarize_days,
    summarize_week,
)
from respite.core.history_format import StreakView
from respite.core.schedule import WorkSchedule
from respite.core.settings import Settings

__all__ = [
    "STREAK_CHUNK_DAYS",
    "STREAK_LOOKBACK_DAYS",
    "LogReader",
    "WeekView",
    "load_week",
    "week_start_of",
]

# How far back streaks may look, and how many days each extra read covers.
STREAK_LOOKBACK_DAYS = 120
STREAK_CHUNK_DAYS = 28
# The only events a streak depends on (spans decide "ended on time").
_STREAK_KINDS = frozenset({EventKind.BREAK_SKIPPED, EventKind.BREAK_MISSED})
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)


class LogReader(Protocol):
    """The part of `EventLog` the history reads."""

    def events(
        self, start: datetime, end: datetime, kinds: Collection[EventKind] | None = None
    ) -> list[Event]: ...

    def spans(self, start: datetime, end: datetime) -> list[ActiveSpan]: ...


@dataclass(frozen=True, slots=True)
class WeekView:
    week: WeekSummary  # with its comparison to the week before
    streaks: StreakView | None  # as of today, or the week's end; None for a future week
    zone: tzinfo
    today: date
    day_before: DaySummary | None = None  # the last day of the week before

    @property
    def first_day(self) -> date:
        return self.week.week_start

    @property
    def last_day(self) -> date:
        return self.week.week_start + 6 * _DAY

    @property
    def includes_today(self) -> bool:
        return self.first_day <= self.today <= self.last_day


def week_start_of(day: date, first_weekday: int) -> date:
    """The first day of the week holding `day`; `first_weekday` is 0 for Monday … 6."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def load_week(
    log: LogReader,
    settings: Settings,
    zone: tzinfo,
    week_start: date,
    now: datetime,
) -> WeekView:
    plain = WorkSchedule(settings.work_hours, zone)
    today = plain.local_date(now)
    previous_start = week_start - _WEEK
    lo, hi = history_range(previous_start, week_start + 6 * _DAY, plain)
    # The calendar's days off, as far back as streaks may look (one indexed query).
    oldest = plain.at_local(min(previous_start, today) - timedelta(days=STREAK_LOOKBACK_DAYS))
    marks = log.events(oldest, hi, {EventKind.CALENDAR_DAY_OFF})
    days_off = calendar_days_off(marks, plain, log.spans)
    schedule = WorkSchedule(settings.work_hours, zone, days_off)
    events = log.events(lo, hi)
    spans = log.spans(lo, hi)
    previous = summarize_week(previous_start, schedule, settings, events, spans, now)
    compared_with = comparison_base(previous, schedule, settings, events, spans, now)
    week = summarize_week(
        week_start, schedule, settings, events, spans, now, previous=compared_with
    )
    streak_view = None
    if week_start <= today:
        known = [d for d in (*previous.days, *week.days) if d.day <= today]
        streak_view = _streaks(log, schedule, settings, known, now)
    return WeekView(week, streak_view, zone, today, previous.days[-1])


def _broken(days: Iterable[DaySummary]) -> tuple[bool, bool]:
    """Whether some day in `days` ends each streak (as `history.streaks` counts them)."""
    on_time = kept = False
    for day in days:
        on_time = on_time or day.ended_on_time is False
        kept = kept or (day.is_workday and day.has_activity and not day.kept_breaks)
    return on_time, kept


def _streaks(
    log: LogReader,
    schedule: WorkSchedule,
    settings: Settings,
    known: Sequence[DaySummary],
    now: datetime,
) -> StreakView:
    """Streaks as of the last of `known` (consecutive days, oldest first), reading older
    days a chunk at a time only while a streak is still unbroken."""
    days = list(known)
    newest = days[-1].day
    limit = newest - timedelta(days=STREAK_LOOKBACK_DAYS - 1)
    on_time_broken, kept_broken = _broken(days)
    oldest_chunk: list[DaySummary] = []
    while not (on_time_broken and kept_broken) and days[0].day > limit:
        last = days[0].day - _DAY
        first = max(limit, last - timedelta(days=STREAK_CHUNK_DAYS - 1))
        lo, hi = history_range(first, last, schedule)
        # Events and spans from `last`'s evening on are in `known` already, but reading
        # them again is cheaper than a second query shape.
        chunk = summarize_days(
            first,
            last,
            schedule,
            settings,
            log.events(lo, hi, _STREAK_KINDS),
            log.spans(lo, hi),
            now,
        )
        broken = _broken(chunk)
        on_time_broken = on_time_broken or broken[0]
        kept_broken = kept_broken or broken[1]
        days[:0] = chunk
        oldest_chunk = chunk
    result = streaks(reversed(days))
    # Still unbroken at the limit, with activity that far back: the streak is longer.
    reached_limit = days[0].day <= limit and any(d.has_activity for d in oldest_chunk)
    return StreakView(
        result,
        on_time_capped=reached_limit and not on_time_broken,
        kept_capped=reached_limit and not kept_broken,
    )
