"""History maths: what a day and a week looked like, from the event log.

Pure functions over lists of `Event`s and `ActiveSpan`s (no storage, no Qt), for the
weekly history window and `respite history`. A day is the LOCAL calendar day in the
schedule's zone, [00:00, next 00:00): 23 or 25 hours long on a DST change. All
arithmetic is done on UTC datetimes; durations are summed as `timedelta`s (exact) and
reported in float seconds.

Callers load `history_range(first, last, schedule)` from the log: it covers the days
themselves plus the evening after the last one, which the "ended on time" verdict and
after-hours nudges need.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from respite.core.events import ActiveSpan, Event, EventKind, from_iso
from respite.core.schedule import Interval, WorkSchedule
from respite.core.settings import Settings

__all__ = [
    "BreakMark",
    "DaySummary",
    "Streaks",
    "WeekComparison",
    "WeekSummary",
    "calendar_days_off",
    "compare_weeks",
    "comparison_base",
    "comparison_text",
    "history_range",
    "streaks",
    "streaks_between",
    "summarize_day",
    "summarize_days",
    "summarize_week",
    "summarize_week_as_of",
]

_ZERO = timedelta(0)
_DAY = timedelta(days=1)
# After-hours time and the "ended on time" verdict run until this local hour.
ROLLOVER_HOUR = 4
# Work in a day's hours before the calendar said it was a day off that the history lets
# pass: the calendar is read (and the day noted) in the first moments after a start.
DAY_OFF_UNNOTICED = timedelta(minutes=2)
_BREAK_NUDGES = frozenset({"short_break", "long_break"})
_AFTER_HOURS_NUDGES = frozenset({"after_hours", "day_off"})


class BreakMark(enum.StrEnum):
    """What happened to a break, as drawn on a day's timeline."""

    TAKEN = "taken"
    NATURAL = "natural"
    SNOOZED = "snoozed"
    SKIPPED = "skipped"
    MISSED = "missed"


_MARK_OF: dict[EventKind, BreakMark] = {
    EventKind.BREAK_STARTED: BreakMark.TAKEN,
    EventKind.NATURAL_BREAK: BreakMark.NATURAL,
    EventKind.BREAK_SNOOZED: BreakMark.SNOOZED,
    EventKind.BREAK_SKIPPED: BreakMark.SKIPPED,
    EventKind.BREAK_MISSED: BreakMark.MISSED,
}


@dataclass(frozen=True, slots=True)
class DaySummary:
    """One local calendar day. Times are UTC; durations in seconds."""

    day: date
    windows: tuple[Interval, ...]  # the working windows that start on this day
    planned_seconds: float  # their total length
    active_in_hours: float  # activity this day inside a working window (yesterday's too)
    active_outside_hours: float
    first_activity: datetime | None
    last_activity: datetime | None
    breaks_taken: int  # BREAK_STARTED
    breaks_natural: int  # NATURAL_BREAK
    breaks_snoozed: int
    breaks_skipped: int
    breaks_missed: int
    # Breaks Respite asked for: a first (level-0) break nudge, or one the snooze limit
    # stopped it from asking. A break shown again after a snooze, pause or "done" is
    # still the same break and counts once, on the day it was asked for (a break asked
    # for before midnight and taken after it counts as taken).
    breaks_due: int
    breaks_due_taken: int  # of those, taken or taken naturally
    longest_stretch_seconds: float
    # Workday with activity from its shift's start on: no activity from the shift end +
    # grace until the next 04:00 or shift start. None on a day off, an idle day (the
    # night before's shift spilling past midnight is not the day's), or before the
    # grace ends.
    ended_on_time: bool | None
    after_hours_nudges: int  # after-hours / day-off nudges for this day's evening
    overtime_minutes: float
    wins: tuple[str, ...]
    break_marks: tuple[tuple[datetime, BreakMark], ...]
    after_hours_meetings: int = 0  # calendar meetings outside work hours that started

    @property
    def is_workday(self) -> bool:
        return bool(self.windows)

    @property
    def active_seconds(self) -> float:
        return self.active_in_hours + self.active_outside_hours

    @property
    def has_activity(self) -> bool:
        return self.first_activity is not None

    @property
    def kept_breaks(self) -> bool:
        """No break skipped or missed (every due break was taken, one way or another)."""
        return self.breaks_skipped == 0 and self.breaks_missed == 0


@dataclass(frozen=True, slots=True)
class WeekComparison:
    """This week minus the previous one."""

    worked_seconds_delta: float
    after_hours_minutes_delta: float
    break_percentage_delta: int | None  # None when either week had no due break
    days_on_time_delta: int
    text: str  # one short, kind sentence
    after_hours_meetings_delta: int = 0
    so_far: bool = False  # the previous week only up to the same weekday and time


@dataclass(frozen=True, slots=True)
class WeekSummary:
    week_start: date
    days: tuple[DaySummary, ...]  # seven, from week_start
    planned_seconds: float
    worked_seconds: float  # in and outside hours
    after_hours_minutes: float  # active time outside working windows
    breaks_taken: int
    breaks_natural: int
    breaks_due: int
    breaks_due_taken: int
    break_percentage: int | None  # due breaks taken, 0-100; None when none were due
    longest_stretch_seconds: float
    days_on_time: int
    days_with_verdict: int
    wins: tuple[tuple[date, str], ...]
    comparison: WeekComparison | None = None
    after_hours_meetings: int = 0
    as_of: datetime | None = None  # summarized as it stood then, not as a whole week


@dataclass(frozen=True, slots=True)
class Streaks:
    """Current streaks, in workdays, counted back from the newest day."""

    ended_on_time: int  # workdays ended on time
    breaks_kept: int  # workdays with activity and no skipped or missed break


# ----- intervals ---------------------------------------------------------------------

_Range = tuple[datetime, datetime]


def _union(ranges: Iterable[_Range]) -> list[_Range]:
    """Sorted, non-overlapping, non-empty ranges covering the same time."""
    merged: list[_Range] = []
    for start, end in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _clip(ranges: Iterable[_Range], lo: datetime, hi: datetime) -> list[_Range]:
    return [(max(s, lo), min(e, hi)) for s, e in ranges if e > lo and s < hi]


def _length(ranges: Iterable[_Range]) -> timedelta:
    return sum((end - start for start, end in ranges), _ZERO)


def _overlap(a: Sequence[_Range], b: Sequence[_Range]) -> timedelta:
    """Total overlap of two sorted, non-overlapping range lists (a merge walk)."""
    total, i, j = _ZERO, 0, 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


def calendar_days_off(
    events: Iterable[Event],
    schedule: WorkSchedule,
    spans_between: Callable[[datetime, datetime], Iterable[ActiveSpan]],
) -> frozenset[date]:
    """The dates the calendar made days off, as the log remembers them, for the history.

    For each date the latest word counts (the calendar may have taken a day off back).
    As the engine counts day-off time only from when the calendar said so, a date counts
    as a day off here only if it was said before any work in that day's hours (`schedule`
    is the plain one, without days off): before its first shift began, or before
    DAY_OFF_UNNOTICED of work in its windows (Respite reads the calendar in the first
    moments after it starts). Said later, the day keeps its hours, so the morning's work
    stays work. `spans_between(start, end)` gives the activity to judge that by; it is
    asked only about dates said off after their first shift began.
    """
    latest: dict[str, tuple[datetime, bool]] = {}
    for event in events:
        if event.kind is EventKind.CALENDAR_DAY_OFF:
            key = str(event.data.get("day"))
            if key not in latest or latest[key][0] <= event.at:
                latest[key] = (event.at, bool(event.data.get("off", True)))
    result = set()
    for key, (said, off) in latest.items():
        try:
            day = date.fromisoformat(key)
        except ValueError:
            continue
        if off and not _worked_before(day, said, schedule, spans_between):
            result.add(day)
    return frozenset(result)


def _worked_before(
    day: date,
    said: datetime,
    schedule: WorkSchedule,
    spans_between: Callable[[datetime, datetime], Iterable[ActiveSpan]],
) -> bool:
    """Whether there was DAY_OFF_UNNOTICED of work in `day`'s hours before `said`."""
    windows = [(w.start, min(w.end, said)) for w in schedule.windows_on(day) if w.start < said]
    if not windows:
        return False
    active = _union((span.start, span.end) for span in spans_between(windows[0][0], said))
    return _overlap(active, windows) >= DAY_OFF_UNNOTICED


def history_range(first: date, last: date, schedule: WorkSchedule) -> tuple[datetime, datetime]:
    """The UTC range of events and spans to load to summarize days `first`..`last`."""
    return schedule.at_local(first), schedule.at_local(last + 3 * _DAY)


# ----- one day -----------------------------------------------------------------------


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _moment(value: Any, default: datetime) -> datetime:
    try:
        return from_iso(str(value))
    except ValueError:
        return default


@dataclass(slots=True)
class _BreakTally:
    """Pairs each due break with what became of it, walking a day's events in order.

    A break asked for late in the evening may be taken after midnight: it is the day
    it was asked on that counts it, so a day starts `carried` (its first outcome is the
    day before's) and follows its own pending break into the next day's events."""

    due: int = 0
    due_taken: int = 0
    pending: bool = False
    carried: bool = False  # the pending break was asked for the day before

    def asked(self) -> None:
        if not self.pending:  # a re-shown nudge is the break already pending
            self.due += 1
            self.pending = True

    def resolved(self, *, taken: bool) -> None:
        if self.pending and taken and not self.carried:
            self.due_taken += 1
        self.pending = self.carried = False

    def feed(self, event: Event) -> None:
        data = event.data
        match event.kind:
            case EventKind.NUDGE:
                if data.get("kind") in _BREAK_NUDGES and _int(data.get("level")) == 0:
                    self.asked()
            case EventKind.BREAK_STARTED | EventKind.NATURAL_BREAK:
                self.resolved(taken=True)
            case EventKind.BREAK_SKIPPED:
                self.resolved(taken=False)
            case EventKind.BREAK_MISSED:
                if data.get("reason") == "snooze_limit":
                    self.asked()  # due, but the snooze limit kept Respite quiet
                self.resolved(taken=False)
            case _:
                pass


def _longest_stretch(
    active: Sequence[_Range], breaks: Sequence[datetime], join_below: timedelta
) -> timedelta:
    """Longest first-start-to-last-end run of spans joined across gaps shorter than
    `join_below` with no break between them (a break belongs to the gap after the
    span in which it falls, up to and including the next span's start)."""
    best = _ZERO
    run_start: datetime | None = None
    run_end = prev_start = datetime.min
    for start, end in active:
        if run_start is not None:
            interrupted = any(prev_start < moment <= start for moment in breaks)
            if start - run_end >= join_below or interrupted:
                best = max(best, run_end - run_start)
                run_start = None
        if run_start is None:
            run_start, run_end = start, end
        else:
            run_end = max(run_end, end)
        prev_start = start
    if run_start is not None:
        best = max(best, run_end - run_start)
    return best


def _next_rollover(schedule: WorkSchedule, moment: datetime) -> datetime:
    """The first local ROLLOVER_HOUR strictly after `moment`."""
    day = schedule.local_date(moment)
    candidate = schedule.at_local(day, ROLLOVER_HOUR)
    return candidate if candidate > moment else schedule.at_local(day + _DAY, ROLLOVER_HOUR)


def _ended_on_time(
    day: date,
    schedule: WorkSchedule,
    settings: Settings,
    active: Sequence[_Range],
    day_end: datetime,
    now: datetime,
) -> bool | None:
    shift = schedule.shift_on(day)
    if shift is None:
        return None
    # Judged on the day's own work: from its shift's start, not the small hours of the
    # night before (a night shift's end, or an early check before the day began).
    if not _clip(active, shift.start, max(shift.end, day_end)):
        return None
    after = shift.end + timedelta(minutes=settings.boundaries.on_time_grace_minutes)
    if now < after:
        return None
    until = _next_rollover(schedule, after)
    next_shift = schedule.next_shift_start(shift.end)
    if next_shift is not None:
        until = min(until, next_shift)
    return not any(end > after and start < until for start, end in active)


def summarize_day(
    day: date,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    now: datetime,
) -> DaySummary:
    """Summarize local day `day`. `events` and `spans` may hold more than the day (they
    are filtered); to judge the evening they should reach `history_range`'s end, and
    to know whether a break asked for the evening before is still pending they should
    hold that day's events too."""
    day_start = schedule.at_local(day)
    day_before = schedule.at_local(day - _DAY)
    day_end = schedule.at_local(day + _DAY)
    active = _union((span.start, span.end) for span in spans)
    today = _clip(active, day_start, day_end)
    windows = schedule.windows_on(day)
    working = _union((w.start, w.end) for w in (*schedule.windows_on(day - _DAY), *windows))
    total = _length(today)
    in_hours = _overlap(today, working)

    day_key = day.isoformat()
    events = sorted(events, key=lambda e: e.at)
    yesterday = _BreakTally()
    for event in events:
        if day_before <= event.at < day_start:
            yesterday.feed(event)
    tally = _BreakTally(pending=yesterday.pending, carried=yesterday.pending)
    counts: dict[EventKind, int] = defaultdict(int)
    breaks: list[datetime] = []
    marks: list[tuple[datetime, BreakMark]] = []
    wins: list[str] = []
    overtime = 0.0
    after_hours_nudges = 0
    for event in events:
        data = event.data
        if event.kind is EventKind.NUDGE and data.get("kind") in _AFTER_HOURS_NUDGES:
            evening = data.get("evening") or schedule.evening_key(event.at).isoformat()
            if evening == day_key:
                after_hours_nudges += 1
        if event.at >= day_end and tally.pending and not tally.carried:
            tally.feed(event)  # what became of a break asked for before midnight
        if not day_start <= event.at < day_end:
            continue
        counts[event.kind] += 1
        tally.feed(event)
        mark = _MARK_OF.get(event.kind)
        if mark is not None:
            moment = event.at
            if mark is BreakMark.NATURAL:
                moment = max(day_start, min(event.at, _moment(data.get("start"), event.at)))
            marks.append((moment, mark))
        if event.kind in (EventKind.BREAK_STARTED, EventKind.NATURAL_BREAK):
            breaks.append(event.at)
        elif event.kind is EventKind.WIN:
            wins.append(str(data.get("text", "")))
        elif event.kind is EventKind.OVERTIME:
            overtime += _float(data.get("minutes"))

    join_below = timedelta(seconds=settings.breaks.short.natural_after_seconds)
    return DaySummary(
        day=day,
        windows=windows,
        planned_seconds=sum(window.seconds for window in windows),
        active_in_hours=_seconds(in_hours),
        active_outside_hours=_seconds(total - in_hours),
        first_activity=today[0][0] if today else None,
        last_activity=today[-1][1] if today else None,
        breaks_taken=counts[EventKind.BREAK_STARTED],
        breaks_natural=counts[EventKind.NATURAL_BREAK],
        breaks_snoozed=counts[EventKind.BREAK_SNOOZED],
        breaks_skipped=counts[EventKind.BREAK_SKIPPED],
        breaks_missed=counts[EventKind.BREAK_MISSED],
        breaks_due=tally.due,
        breaks_due_taken=tally.due_taken,
        longest_stretch_seconds=_seconds(_longest_stretch(today, breaks, join_below)),
        ended_on_time=_ended_on_time(day, schedule, settings, active, day_end, now),
        after_hours_nudges=after_hours_nudges,
        overtime_minutes=overtime,
        wins=tuple(wins),
        break_marks=tuple(sorted(marks, key=lambda mark: mark[0])),
        after_hours_meetings=counts[EventKind.MEETING_OUTSIDE_HOURS],
    )


def summarize_days(
    first: date,
    last: date,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    now: datetime,
) -> list[DaySummary]:
    """Summaries of `first`..`last` (oldest first), bucketing the input by local day
    once so a long range costs O(days + events + spans), not O(days × events)."""
    if last < first:
        return []
    day_events: dict[date, list[Event]] = defaultdict(list)
    day_spans: dict[date, list[ActiveSpan]] = defaultdict(list)
    lo, hi = history_range(first, last, schedule)
    for event in events:
        if lo <= event.at < hi:
            day_events[schedule.local_date(event.at)].append(event)
    for span in spans:
        if span.end <= lo or span.start >= hi:
            continue
        day = schedule.local_date(max(span.start, lo))
        last_day = schedule.local_date(min(span.end, hi))
        while day <= last_day:
            day_spans[day].append(span)
            day += _DAY
    summaries: list[DaySummary] = []
    day = first
    while day <= last:
        # The day before (a break still pending at midnight), the day itself, and the
        # evening and night after it.
        nearby = [day + offset * _DAY for offset in range(-1, 3)]
        summaries.append(
            summarize_day(
                day,
                schedule,
                settings,
                [e for d in nearby[:3] for e in day_events.get(d, ())],
                [s for d in nearby[1:] for s in day_spans.get(d, ())],
                now,
            )
        )
        day += _DAY
    return summaries


# ----- a week ------------------------------------------------------------------------


def _percentage(taken: int, due: int) -> int | None:
    if due <= 0:
        return None
    return min(100, round(100 * taken / due))


def summarize_week(
    week_start: date,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    now: datetime,
    *,
    previous: WeekSummary | None = None,
) -> WeekSummary:
    """Seven days from `week_start` (the caller's locale decides Monday or Sunday),
    compared with `previous` when given."""
    days = tuple(
        summarize_days(week_start, week_start + 6 * _DAY, schedule, settings, events, spans, now)
    )
    due = sum(d.breaks_due for d in days)
    due_taken = sum(d.breaks_due_taken for d in days)
    week = WeekSummary(
        week_start=week_start,
        days=days,
        planned_seconds=sum(d.planned_seconds for d in days),
        worked_seconds=sum(d.active_seconds for d in days),
        after_hours_minutes=sum(d.active_outside_hours for d in days) / 60,
        breaks_taken=sum(d.breaks_taken for d in days),
        breaks_natural=sum(d.breaks_natural for d in days),
        breaks_due=due,
        breaks_due_taken=due_taken,
        break_percentage=_percentage(due_taken, due),
        longest_stretch_seconds=max(d.longest_stretch_seconds for d in days),
        days_on_time=sum(1 for d in days if d.ended_on_time is True),
        days_with_verdict=sum(1 for d in days if d.ended_on_time is not None),
        wins=tuple((d.day, text) for d in days for text in d.wins),
        after_hours_meetings=sum(d.after_hours_meetings for d in days),
    )
    if previous is None:
        return week
    return dataclasses.replace(week, comparison=compare_weeks(week, previous))


def summarize_week_as_of(
    week_start: date,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    moment: datetime,
) -> WeekSummary:
    """The week from `week_start` as it stood at `moment`: what a week in progress is
    set against, at the same weekday and time of day a week later."""
    week = summarize_week(
        week_start,
        schedule,
        settings,
        [event for event in events if event.at < moment],
        [ActiveSpan(s.start, min(s.end, moment)) for s in spans if s.start < moment],
        moment,
    )
    return dataclasses.replace(week, as_of=moment)


def comparison_base(
    previous: WeekSummary,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    now: datetime,
) -> WeekSummary:
    """What the week after `previous` is set against: all of `previous`, unless that
    week is in progress at `now`; then `previous` up to the same weekday and time."""
    week_start = previous.week_start + 7 * _DAY
    if not week_start <= schedule.local_date(now) < week_start + 7 * _DAY:
        return previous
    same_time = schedule.local(now) - 7 * _DAY
    return summarize_week_as_of(previous.week_start, schedule, settings, events, spans, same_time)


def compare_weeks(current: WeekSummary, previous: WeekSummary) -> WeekComparison:
    pct_delta = None
    if current.break_percentage is not None and previous.break_percentage is not None:
        pct_delta = current.break_percentage - previous.break_percentage
    return WeekComparison(
        worked_seconds_delta=current.worked_seconds - previous.worked_seconds,
        after_hours_minutes_delta=current.after_hours_minutes - previous.after_hours_minutes,
        break_percentage_delta=pct_delta,
        days_on_time_delta=current.days_on_time - previous.days_on_time,
        text=comparison_text(current, previous),
        after_hours_meetings_delta=current.after_hours_meetings - previous.after_hours_meetings,
        so_far=previous.as_of is not None,
    )


# Differences smaller than these are "about the same".
_MINUTES_THRESHOLD = 5
_PERCENT_THRESHOLD = 5
_BUSIER_SHARE = 0.10


def comparison_text(current: WeekSummary, previous: WeekSummary) -> str:
    """One short, kind sentence about this week against the last: celebrate what
    improved, and be gentle about what didn't. Never a reproach. A `previous` cut short
    (`as_of`) is set against a week in progress, and the sentence says so."""
    so_far = previous.as_of is not None
    than = "than by this time last week" if so_far else "than last week"
    if current.worked_seconds == 0:
        return f"A quiet week{' so far' if so_far else ''}. Rest is part of the work, too."
    fewer_after_hours = round(previous.after_hours_minutes - current.after_hours_minutes)
    if fewer_after_hours >= _MINUTES_THRESHOLD:
        return f"{fewer_after_hours} fewer after-hours minutes {than} — lovely."
    pct_delta = None
    if current.break_percentage is not None and previous.break_percentage is not None:
        pct_delta = current.break_percentage - previous.break_percentage
    if pct_delta is not None and pct_delta >= _PERCENT_THRESHOLD:
        return f"You took more of your breaks {than} — well done."
    if current.days_on_time > previous.days_on_time:
        return f"You ended on time on more days {than} — nice going."
    if current.after_hours_meetings < previous.after_hours_meetings:
        return f"Fewer meetings outside your hours {than} — that's time back."
    more_after_hours = -fewer_after_hours >= _MINUTES_THRESHOLD
    busier = current.worked_seconds > previous.worked_seconds * (1 + _BUSIER_SHARE)
    if more_after_hours or (busier and previous.worked_seconds > 0):
        if so_far:
            return "A busier week so far than the last. Be kind to yourself this week."
        return "A busier week than the last. Be kind to yourself this weekend."
    if pct_delta is not None and pct_delta <= -_PERCENT_THRESHOLD:
        return "Breaks were harder to fit in this week. One at a time is plenty."
    if so_far:
        return "Much like this time last week. Steady is good."
    return "Much like last week. Steady is good."


# ----- streaks -----------------------------------------------------------------------


def streaks(days_newest_first: Iterable[DaySummary]) -> Streaks:
    """Current streaks. Days off, idle days and days without a verdict yet neither
    break nor extend a streak."""
    on_time = kept = 0
    on_time_open = kept_open = True
    for day in days_newest_first:
        if on_time_open and day.ended_on_time is not None:
            if day.ended_on_time:
                on_time += 1
            else:
                on_time_open = False
        if kept_open and day.is_workday and day.has_activity:
            if day.kept_breaks:
                kept += 1
            else:
                kept_open = False
        if not (on_time_open or kept_open):
            break
    return Streaks(ended_on_time=on_time, breaks_kept=kept)


def streaks_between(
    first: date,
    last: date,
    schedule: WorkSchedule,
    settings: Settings,
    events: Iterable[Event],
    spans: Iterable[ActiveSpan],
    now: datetime,
) -> Streaks:
    """Streaks as of `last`, looking back no further than `first` (e.g. a year)."""
    days = summarize_days(first, last, schedule, settings, events, spans, now)
    return streaks(reversed(days))
