"""The break and boundary engine: plain Python, driven by an injected clock.

The shell feeds it idle samples (`observe`) and the user's actions; it answers with
the nudges to show. Everything it decides is recorded as an `Event`, and its state is
only ever changed by applying those events (`EngineState.apply`), so replaying the log
rebuilds the same state: a restart, a missed timer, a suspend or a clock change can't
leave it wrong. Time-bound nudges (end of day, reminders) older than `STALE_GRACE` are
dropped rather than shown late. A logged event whose data can't be used is skipped at a
restart, not fatal (`Engine._restore`); state the log dates after the clock, which ran
fast and was then set right, counts from now (`Engine._rein_in`).
"""

from __future__ import annotations

import enum
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from respite.core import messages
from respite.core.calendar import CalEvent, heads_up_meetings, last_meeting_on
from respite.core.clock import Clock
from respite.core.errors import UserFacingError
from respite.core.events import ActiveSpan, Event, EventKind, from_iso, iso
from respite.core.nudges import Choice, Nudge, NudgeKind
from respite.core.schedule import SEARCH_DAYS, Interval, WorkSchedule, resolve_zone
from respite.core.settings import BreakRule, Reminder, Settings

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

# The shell samples idle time at least this often while running.
OBSERVE_EVERY = 30.0
WIN_MAX_CHARACTERS = 500  # a small win is a line, not a diary entry
# No observation for longer than this means the machine slept or Respite was not running.
SLEEP_GAP = timedelta(seconds=150)
# A boundary nudge or reminder not shown within this much of its time is dropped.
STALE_GRACE = timedelta(minutes=15)
# The open activity span is written at least this often (a hard kill loses less).
SPAN_WRITE_EVERY = timedelta(seconds=60)
# A sample earlier than the previous one by more than this means the clock moved back.
CLOCK_TOLERANCE = timedelta(seconds=5)
# How much of the past the engine keeps in memory and restores from the log.
MEMORY = timedelta(hours=36)
# The longest pause that can be asked for by time.
LONGEST_TIMED_PAUSE = timedelta(days=7)
# The events that can stay in force for longer than MEMORY, and how far back a restart
# looks for the latest of each kind (None: however far). A pause (and the resume that
# ends it) and "done for today" reach LASTING_REACH back: a timed pause ends within
# LONGEST_TIMED_PAUSE; the others at the next shift, which the schedule looks for up to
# SEARCH_DAYS after the end of a shift that can end two days after they were said. A day
# more for a change of zone, and one to spare. A break (and its end) is found however
# old: one still running when Respite stopped gets its end logged whenever it runs again.
LASTING_REACH = max(LONGEST_TIMED_PAUSE, timedelta(days=SEARCH_DAYS + 5))
LASTING: dict[EventKind, timedelta | None] = {
    EventKind.PAUSED: LASTING_REACH,
    EventKind.RESUMED: LASTING_REACH,
    EventKind.DONE_FOR_TODAY: LASTING_REACH,
    EventKind.BREAK_STARTED: None,
    EventKind.BREAK_FINISHED: None,
}
SHORT = "short"
LONG = "long"
# What `EngineState.apply` raises, changing nothing, for an event whose data it can't use.
UNUSABLE = (KeyError, ValueError, TypeError, OverflowError)
# The furthest a time in an event's data lies from the event (a laptop can sleep for
# months; nothing the engine logs reaches further), and the furthest ahead of the clock
# a restored event can be: more is damage, not a clock that was set wrong.
DATA_REACH = timedelta(days=366)
# The longest break or snooze an event can record (a break lasts 2 hours at most, a
# snooze a day).
LONGEST_LOGGED = timedelta(days=1)
# The events that end a snooze: a break taken, skipped, missed or had naturally, or
# another snooze (a break nudge that comes again ends it too; see `ahead_ended_by`).
ENDS_SNOOZE = frozenset(
    {
        EventKind.BREAK_STARTED,
        EventKind.BREAK_FINISHED,
        EventKind.BREAK_SKIPPED,
        EventKind.BREAK_MISSED,
        EventKind.NATURAL_BREAK,
        EventKind.BREAK_SNOOZED,
    }
)


class EventSink(Protocol):
    def record(self, event: Event) -> None: ...

    def record_span(self, span: ActiveSpan) -> None:
        """Insert a span, or extend the stored one that has the same start."""
        ...


class ActionError(UserFacingError):
    """An action that does not fit the moment (one clear, user-facing sentence)."""


class Phase(enum.StrEnum):
    WORKING = "working"
    BREAK_DUE = "break_due"
    ON_BREAK = "on_break"
    PAUSED = "paused"
    OFF_HOURS = "off_hours"


@dataclass(frozen=True, slots=True)
class BreakInProgress:
    kind: str
    started: datetime
    planned_end: datetime
    # The time the log gives a break said "in the future" (while the clock ran fast),
    # which then counts from when that was noticed (`Engine._rein_in`); None otherwise.
    logged_ahead: datetime | None = None


@dataclass(frozen=True, slots=True)
class DayMark:
    """A "done for today" or a pause until tomorrow, said at `start` in the shift of local
    date `work_day` (None: outside hours). It lasts until the next shift after that day
    (or after `start`) as the hours and zone in force place it, so after a flight it ends
    when work starts in the new zone; under the hours and zone it was said in, that is
    `until`, the end it recorded. A timed pause, or an event logged before `work_day` was,
    has only `until`: it stands (`fixed`)."""

    start: datetime
    until: datetime
    work_day: date | None
    fixed: bool = False
    logged_ahead: datetime | None = None  # as in `BreakInProgress`


@dataclass(slots=True)
class BreakNudgeSent:
    kind: str
    level: int
    at: datetime


@dataclass(slots=True)
class EngineState:
    """What the engine knows: a fold over events and activity spans."""

    spans: list[ActiveSpan] = field(default_factory=list)
    short_reset_at: datetime | None = None
    long_reset_at: datetime | None = None
    on_break: BreakInProgress | None = None
    snoozed_until: datetime | None = None
    snoozed_at: datetime | None = None  # when the snooze in force began
    snooze_ahead: datetime | None = None  # its logged time, if said "in the future"
    snoozes: list[datetime] = field(default_factory=list)
    pause: DayMark | None = None
    done_marks: list[DayMark] = field(default_factory=list)
    overtime: list[Interval] = field(default_factory=list)
    sleeps: list[Interval] = field(default_factory=list)
    break_nudge: BreakNudgeSent | None = None
    sent: dict[str, datetime] = field(default_factory=dict)  # one-off nudge keys
    # Off period (ISO start) → active seconds at each after-hours nudge in it.
    after_hours: dict[str, list[float]] = field(default_factory=dict)
    reminder_last: dict[str, datetime] = field(default_factory=dict)
    # Local day (ISO) the calendar made a day off → (when Respite first saw it, the word
    # that matched), or None when the calendar took it back.
    calendar_days_off: dict[str, tuple[datetime, str] | None] = field(default_factory=dict)
    # Breaks, pauses and snoozes said "in the future" (kind, logged time to the second)
    # that an event logged later, but dated earlier, ended: a fold by time meets the end
    # first, and the start must not then take effect again.
    superseded: set[tuple[EventKind, datetime]] = field(default_factory=set)

    def add_span(self, span: ActiveSpan) -> None:
        if self.spans and span.start <= self.spans[-1].end:
            last = self.spans[-1]
            self.spans[-1] = ActiveSpan(min(last.start, span.start), max(last.end, span.end))
        else:
            self.spans.append(span)

    def apply(self, event: Event) -> None:
        """Fold one event in. Raises one of `UNUSABLE`, having changed nothing, when its
        data can't be used (all of it is read before anything is changed)."""
        ended = _superseded_by(event.data)
        if (event.kind, _to_second(event.at)) in self.superseded:
            # Said "in the future" and ended by an event dated before it (see
            # `superseded`): it happened, but is over.
            if event.kind is EventKind.BREAK_SNOOZED:
                self.snoozes.append(event.at)
            return
        self._fold(event)
        for kind, moment in ended:
            self.superseded.add((kind, moment))
            snooze = self.snooze_ahead
            if kind is EventKind.BREAK_SNOOZED and snooze and _to_second(snooze) == moment:
                self.snooze_ahead = None

    def _fold(self, event: Event) -> None:
        data, at = event.data, event.at
        match event.kind:
            case EventKind.NUDGE:
                kind = NudgeKind(data["kind"])
                sent = None
                if kind.is_break:
                    sent = BreakNudgeSent(_break_of(kind), int(data["level"]), at)
                key = str(data["key"]) if "key" in data else None
                after_hours = None
                if kind in (NudgeKind.AFTER_HOURS, NudgeKind.DAY_OFF):
                    after_hours = str(data["period"]), _number(data["active_seconds"])
                scheduled = None
                if kind is NudgeKind.REMINDER:
                    scheduled = str(data["name"]), _moment(data["scheduled"], at)
                if sent is not None:
                    self.break_nudge = sent
                if key is not None:
                    self.sent[key] = at
                if after_hours is not None:
                    self.after_hours.setdefault(after_hours[0], []).append(after_hours[1])
                if scheduled is not None:
                    self.reminder_last[scheduled[0]] = scheduled[1]
            case EventKind.BREAK_STARTED:
                kind_of = str(data["kind"])
                planned = _length(data["planned_seconds"], timedelta(seconds=1))
                self.on_break = BreakInProgress(kind_of, at, at + planned)
                self._reset(kind_of, at)
            case EventKind.BREAK_FINISHED:
                kind_of = str(data["kind"])
                self.on_break = None
                self._reset(kind_of, at)
            case EventKind.BREAK_SKIPPED | EventKind.BREAK_MISSED:
                self._reset(str(data["kind"]), at)
            case EventKind.NATURAL_BREAK:
                kind_of, end = str(data["kind"]), _moment(data["end"], at)
                self._reset(kind_of, end)
            case EventKind.BREAK_SNOOZED:
                until = at + _length(data["minutes"], timedelta(minutes=1))
                self.snoozed_until, self.snoozed_at, self.snooze_ahead = until, at, None
                self.snoozes.append(at)
                self.break_nudge = None
            case EventKind.DONE_FOR_TODAY:
                self.done_marks.append(_day_mark(at, data))
                self.break_nudge = None
            case EventKind.OVERTIME:
                self.overtime.append(Interval(at, _moment(data["until"], at)))
            case EventKind.PAUSED:
                self.pause = _day_mark(at, data)
                self.break_nudge = None
            case EventKind.RESUMED:
                self.pause = None
            case EventKind.SLEEP:
                sleep = Interval(_moment(data["start"], at), _moment(data["end"], at))
                self.sleeps.append(sleep)
            case EventKind.CALENDAR_DAY_OFF:
                day = date.fromisoformat(str(data["day"])).isoformat()
                word = str(data.get("word", ""))
                self.calendar_days_off[day] = (at, word) if data.get("off", True) else None
            case _:
                pass

    def ahead_ended_by(self, kind: EventKind, data: Mapping[str, Any]) -> dict[str, str]:
        """What an event of `kind` about to be logged ends of the state said "in the
        future" (`logged_ahead`), for its data to name: {kind: logged time}."""
        ended: dict[str, str] = {}
        current = self.on_break.logged_ahead if self.on_break is not None else None
        if current is not None and kind is EventKind.BREAK_FINISHED:
            ended[EventKind.BREAK_STARTED.value] = iso(current)
        pause = self.pause.logged_ahead if self.pause is not None else None
        if pause is not None and kind in (EventKind.PAUSED, EventKind.RESUMED):
            ended[EventKind.PAUSED.value] = iso(pause)
        if self.snooze_ahead is not None:
            breaks = (NudgeKind.SHORT_BREAK, NudgeKind.LONG_BREAK)
            again = kind is EventKind.NUDGE and data.get("kind") in breaks
            if kind in ENDS_SNOOZE or again:
                ended[EventKind.BREAK_SNOOZED.value] = iso(self.snooze_ahead)
        return ended

    def _reset(self, kind: str, at: datetime) -> None:
        self.short_reset_at = _later(self.short_reset_at, at)
        if kind == LONG:
            self.long_reset_at = _later(self.long_reset_at, at)
        self.break_nudge = None
        self.snoozed_until = self.snoozed_at = self.snooze_ahead = None

    def prune(self, now: datetime) -> None:
        """Forget what can no longer matter, so memory stays flat over weeks."""
        horizon = now - MEMORY
        self.spans = [s for s in self.spans if s.end >= horizon]
        self.snoozes = [s for s in self.snoozes if s >= horizon]
        self.done_marks = [m for m in self.done_marks if m.until >= horizon]
        self.overtime = [m for m in self.overtime if m.end >= horizon]
        self.sleeps = [m for m in self.sleeps if m.end >= horizon]
        self.sent = {k: at for k, at in self.sent.items() if at >= horizon}
        oldest = iso(horizon - timedelta(days=1))
        self.after_hours = {k: v for k, v in self.after_hours.items() if k >= oldest}
        self.calendar_days_off = {
            k: v for k, v in self.calendar_days_off.items() if k >= oldest[:10]
        }
        self.superseded = {s for s in self.superseded if s[1] >= horizon}

    def active_seconds(self, start: datetime | None, end: datetime) -> float:
        total = 0.0
        for span in self.spans:
            lo = span.start if start is None else max(span.start, start)
            hi = min(span.end, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total


@dataclass(frozen=True, slots=True)
class Status:
    phase: Phase
    now: datetime
    next_break: str | None  # "short" | "long"
    next_break_in: float | None  # seconds of active time until it is due
    held_because: str | None  # why a due break is not being shown
    work_left: float | None  # seconds left in today's working windows
    paused_until: datetime | None
    snoozed_until: datetime | None
    break_ends_at: datetime | None
    next_work_start: datetime | None
    done_for_today: bool
    snoozes_left: int | None
    day_off_reason: str | None = None  # why the calendar made today a day off ("Holiday")
    last_meeting_ends: datetime | None = None  # today's last meeting, while it's to come


class Engine:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        sink: EventSink,
        *,
        zone: Callable[[], tzinfo] | None = None,
        past_events: Iterable[Event] = (),
        past_spans: Iterable[ActiveSpan] = (),
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._zone_provider = zone
        self.settings = settings
        self._schedule = WorkSchedule(settings.work_hours, self._zone())
        self.state = EngineState()
        now = clock.now()
        for span in sorted(past_spans, key=lambda s: s.start):
            self.state.add_span(span)
        for event in sorted(past_events, key=lambda e: e.at):
            self._restore(event, now)
        # Until the calendar is read again, the days off it gave stand (a restart on a
        # holiday must not turn it into a workday for a moment).
        self._day_off_reasons = self.logged_days_off()
        if self._day_off_reasons:
            self._schedule = WorkSchedule(
                settings.work_hours, self._zone(), frozenset(self._day_off_reasons)
            )
        self._meetings: tuple[CalEvent, ...] = ()
        self._last_observed: datetime | None = None
        self._last_input: datetime | None = self.state.spans[-1].end if self.state.spans else None
        self._span_written_at: datetime | None = None
        self._holds: dict[str, str] = {}
        self._reminder_due: dict[str, datetime | None] = {}
        self._zone_changed_at: datetime | None = None
        if self._forget_the_future(now):
            log.info("the log has state dated after %s: the clock was set back", now)

    def _restore(self, event: Event, now: datetime) -> None:
        """Fold a logged event in, or skip it if its data can't be used: one bad row must
        not stop Respite from starting (the log keeps it; the warning names its kind and
        time, never its data, which can hold private text)."""
        try:
            if event.at > now + DATA_REACH:
                raise ValueError("dated too far ahead")
            self.state.apply(event)
        except UNUSABLE as error:
            log.warning(
                "skipping a logged %s event at %s: its data can't be used (%s)",
                event.kind.value,
                iso(event.at),
                type(error).__name__,
            )

    # ----- configuration -------------------------------------------------------------

    @property
    def schedule(self) -> WorkSchedule:
        return self._schedule

    def _zone(self) -> tzinfo:
        if self._zone_provider is not None:
            return self._zone_provider()
        return resolve_zone(self.settings.timezone)

    def set_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._schedule = WorkSchedule(settings.work_hours, self._zone(), self._schedule.days_off)
        self._reminder_due.clear()

    def _refresh_zone(self) -> None:
        zone = self._zone()
        if zone != self._schedule.zone:
            log.info("time zone changed to %s", zone)
            self._zone_changed_at = self._clock.now()
            self._schedule = WorkSchedule(self.settings.work_hours, zone, self._schedule.days_off)
            self._reminder_due.clear()

    def set_days_off(self, days: Mapping[date, str]) -> None:
        """The calendar's days off: local date → the word that made it one ("Holiday").
        The schedule is rebuilt only when the dates change."""
        self._day_off_reasons = dict(days)
        dates = frozenset(days)
        if dates != self._schedule.days_off:
            log.info("calendar days off: %s", ", ".join(sorted(map(str, dates))) or "none")
            self._schedule = WorkSchedule(self.settings.work_hours, self._schedule.zone, dates)

    def logged_days_off(self) -> dict[date, str]:
        """The calendar days off in the log, each with its word: what stands while the
        calendar can't say (not read yet since start, or unreadable)."""
        return {
            date.fromisoformat(day): seen[1]
            for day, seen in self.state.calendar_days_off.items()
            if seen is not None
        }

    def set_meetings(self, events: Sequence[CalEvent]) -> None:
        """The calendar's meetings, for the heads-up and the status (kept in memory only:
        their titles never reach the log)."""
        self._meetings = tuple(e for e in events if e.is_meeting)

    def set_hold(self, source: str, reason: str | None) -> None:
        """Hold break nudges back (a meeting, a fullscreen window) until released."""
        if reason:
            self._holds[source] = reason
        else:
            self._holds.pop(source, None)

    # ----- recording -----------------------------------------------------------------

    def _record(
        self, kind: EventKind, data: dict[str, Any] | None = None, at: datetime | None = None
    ) -> Event:
        """Log an event (at `at`, by default now) and apply it."""
        moment = self._clock.now() if at is None else at
        offset = self._schedule.local(moment).utcoffset() or timedelta(0)
        data = dict(data or {})
        if ended := self.state.ahead_ended_by(kind, data):
            data["supersedes"] = ended  # for a restart to know (see `superseded`)
        event = Event(kind, moment, data, int(offset.total_seconds() // 60))
        self._sink.record(event)
        self.state.apply(event)
        return event

    def flush(self) -> None:
        """Write the open activity span now (on quit, before sleep)."""
        if self.state.spans:
            self._sink.record_span(self.state.spans[-1])
            self._span_written_at = self._clock.now()

    # ----- activity ------------------------------------------------------------------

    def observe(self, idle_seconds: float) -> list[Nudge]:
        """Take an idle sample ("no input for this many seconds") and say what is due."""
        now = self._clock.now()
        self._notice_clock(now)
        self._catch_up(now)
        self._last_observed = now
        self._record_activity(now, max(0.0, idle_seconds))
        return self._evaluate(now)

    def _notice_clock(self, now: datetime) -> None:
        if self._last_observed is not None and now < self._last_observed - CLOCK_TOLERANCE:
            log.info("wall clock moved back to %s", now)
            self._forget_the_future(now)
            self._last_observed = now

    def _forget_the_future(self, now: datetime) -> bool:
        """The wall clock is behind what the engine knows (it moved back while running,
        or before a restart): forget activity 'from the future' so new input is counted
        at once, and rein in what was said 'in the future' (`_rein_in`). The log keeps
        what it has; the past did happen. True if anything was ahead."""
        ahead = any(s.end > now for s in self.state.spans)
        self.state.spans = [
            ActiveSpan(s.start, min(s.end, now)) for s in self.state.spans if s.start <= now
        ]
        if self._last_input is not None and self._last_input > now:
            self._last_input = self.state.spans[-1].end if self.state.spans else None
        return self._rein_in(now) or ahead

    def _rein_in(self, now: datetime) -> bool:
        """Take no state said "in the future" (logged while the clock ran fast) at face
        value: a break, pause or snooze lasts at most its own length from now, counting
        from now; a break's reset of the count, or a nudge, is now. The moved state keeps
        the time it was logged at (`logged_ahead`), so whatever ends it names that time
        and a restart, folding the log by time, doesn't bring it back. True if anything
        was ahead."""
        state, changed = self.state, False
        current = state.on_break
        if current is not None and current.started > now:
            length = current.planned_end - current.started
            logged = current.logged_ahead or current.started
            state.on_break = BreakInProgress(current.kind, now, now + length, logged)
            changed = True
        until, began = state.snoozed_until, state.snoozed_at
        if until is not None and began is not None and began > now:
            state.snooze_ahead = state.snooze_ahead or began
            state.snoozed_at, state.snoozed_until = now, now + (until - began)
            changed = True
        if state.pause is not None and state.pause.start > now:
            state.pause = self._pause_from(state.pause, now)
            changed = True
        marks: list[DayMark] = []
        for mark in state.done_marks:
            if mark.start <= now:
                marks.append(mark)
            elif self._said_today(mark, now):
                # "Done for today" counts for the day it was said in, from now.
                marks.append(replace(mark, start=now, logged_ahead=_logged(mark)))
            # else it speaks of a day still to come: ignored (the log keeps it).
        changed = changed or marks != state.done_marks
        state.done_marks = marks
        for name in ("short_reset_at", "long_reset_at"):
            reset = getattr(state, name)
            if reset is not None and reset > now:
                setattr(state, name, now)
                changed = True
        sent = state.break_nudge
        if sent is not None and sent.at > now:
            state.break_nudge = BreakNudgeSent(sent.kind, sent.level, now)
            changed = True
        return changed

    def _pause_from(self, pause: DayMark, now: datetime) -> DayMark:
        """A pause said "in the future", counted from `now`."""
        logged = _logged(pause)
        if pause.fixed:
            # A timed pause is asked for as a length (the tray and the CLI ask for
            # minutes, not a time of day), so it runs that long from now.
            return DayMark(now, now + (pause.until - pause.start), None, True, logged)
        if self._said_today(pause, now):
            # Until tomorrow keeps its meaning: the next shift after the day it was said in.
            return replace(pause, start=now, logged_ahead=logged)
        # Said on a day still to come: the user asked for quiet now and expects it until
        # their tomorrow, not the day after the clock's, so it means what it would now.
        work_day = self._schedule.workday_at(now)
        return DayMark(now, self._after_work_day(now, work_day), work_day, False, logged)

    def _said_today(self, mark: DayMark, now: datetime) -> bool:
        """Whether the day a mark was said in (its work day, else its local date) is
        today (the work day `now` falls in, or its local date)."""
        said = mark.work_day or self._schedule.local_date(_logged(mark))
        return said in (self._schedule.workday_at(now), self._schedule.local_date(now))

    def reconcile(self) -> list[Nudge]:
        """Recompute what is due from the clock and the log, without a new sample."""
        now = self._clock.now()
        self._notice_clock(now)
        self._catch_up(now)
        return self._evaluate(now)

    def _catch_up(self, now: datetime) -> None:
        """Log, in order, what happened since the last look: a break that ran its course
        ended at its planned end (before a sleep or a restart it took place in, and before
        new input is weighed as a natural break), then a gap in the samples."""
        on_break = self.state.on_break
        if on_break is not None and now >= on_break.planned_end:
            self._finish_break(completed=True)
        self._note_gap(now)

    def _note_gap(self, now: datetime) -> None:
        if self._last_observed is not None and now - self._last_observed > SLEEP_GAP:
            self._record(
                EventKind.SLEEP,
                {"start": iso(self._last_observed), "end": iso(now), "reason": "gap"},
            )
            self._last_observed = now  # noted once, whichever call sees it first

    def note_lock(self, start: datetime, end: datetime) -> None:
        """The shell saw the screen locked from `start` to `end`."""
        self._record(EventKind.SLEEP, {"start": iso(start), "end": iso(end), "reason": "lock"})

    def _idle_threshold(self) -> timedelta:
        return timedelta(seconds=self.settings.breaks.idle_after_seconds)

    def _record_activity(self, now: datetime, idle_seconds: float) -> None:
        last_input = now - timedelta(seconds=idle_seconds)
        # A spell without input long enough to count as a break is never active time,
        # even under a longer idle_after_seconds: "away 4 minutes counts" must count.
        threshold = min(
            self._idle_threshold(),
            timedelta(seconds=self.settings.breaks.short.natural_after_seconds),
        )
        spans = self.state.spans
        if spans and last_input - spans[-1].end <= threshold:
            if last_input > spans[-1].end:
                spans[-1] = ActiveSpan(spans[-1].start, last_input)
                self._write_span(now, force=False)
        elif self._last_input is None or last_input > self._last_input:
            # Input after an idle spell: a new span, starting at the input we know of.
            previous_end = spans[-1].end if spans else None
            spans.append(ActiveSpan(last_input, last_input))
            self._write_span(now, force=True)
            if previous_end is not None:
                self._note_natural_break(previous_end, last_input)
        if self._last_input is None or last_input > self._last_input:
            self._last_input = last_input

    def _write_span(self, now: datetime, *, force: bool) -> None:
        due = self._span_written_at is None or now - self._span_written_at >= SPAN_WRITE_EVERY
        if force or due:
            self._sink.record_span(self.state.spans[-1])
            self._span_written_at = now

    def _note_natural_break(self, start: datetime, end: datetime) -> None:
        breaks = self.settings.breaks
        seconds = (end - start).total_seconds()
        if not breaks.lock_counts_as_break:
            seconds -= sum(s.overlap_seconds(start, end) for s in self.state.sleeps)
        if breaks.long_enabled and seconds >= breaks.long.natural_after_seconds:
            kind = LONG
        elif seconds >= breaks.short.natural_after_seconds:
            kind = SHORT
        else:
            return
        taken = self.state.long_reset_at if kind == LONG else self.state.short_reset_at
        if taken is not None and taken >= start:
            return  # a break the user took covers this spell already
        self._record(
            EventKind.NATURAL_BREAK,
            {"kind": kind, "start": iso(start), "end": iso(end), "seconds": round(seconds)},
        )

    def _idle_now(self, now: datetime) -> bool:
        return self._last_input is None or now - self._last_input >= self._idle_threshold()

    # ----- evaluation ----------------------------------------------------------------

    def _evaluate(self, now: datetime) -> list[Nudge]:
        self._refresh_zone()
        state = self.state
        pause = state.pause
        if pause is not None and now >= (end := self._end_of(pause)):
            # Resumed when it ended: earlier than now if it ran out while Respite was closed
            # or the machine slept. Never before the pause began (an end placed by other
            # hours can fall there), so that a restart folds the two in order.
            self._record(EventKind.RESUMED, {"auto": True}, at=max(end, pause.start))
        self._note_calendar_day_off(now)
        nudges: list[Nudge] = []
        if state.pause is None:
            nudges += self._reminder_nudges(now)
            nudges += self._meeting_nudges(now)
            nudges += self._boundary_nudges(now)
            nudges += self._after_hours_nudges(now)
            nudges += self._break_nudges(now)
        state.prune(now)
        return nudges

    def _nudge(self, kind: NudgeKind, title_body: tuple[str, str], **data: Any) -> Nudge:
        choices: tuple[Choice, ...] = ()
        overtime = self.settings.boundaries.overtime_choices[0]
        if kind.is_break:
            choices = messages.break_choices(self.settings.snooze.default_minutes)
        elif kind in (NudgeKind.END_OF_DAY, NudgeKind.OVERTIME_OVER):
            choices = messages.end_of_day_choices(overtime)
        elif kind in (NudgeKind.AFTER_HOURS, NudgeKind.DAY_OFF):
            choices = messages.after_hours_choices(max(self.settings.boundaries.overtime_choices))
        event = self._record(EventKind.NUDGE, {"kind": kind.value, **data})
        title, body = title_body
        level = int(data.get("level", 0))
        return Nudge(kind, event.at, title, body, choices, level, dict(event.data))

    # breaks

    def _break_rule(self, kind: str) -> BreakRule:
        return self.settings.breaks.long if kind == LONG else self.settings.breaks.short

    def _break_progress(self, now: datetime) -> tuple[str, float, float]:
        """The next break, the active seconds counted towards it, and the seconds needed."""
        breaks = self.settings.breaks
        state = self.state
        short_done = state.active_seconds(state.short_reset_at, now)
        short_left = breaks.short.every_seconds - short_done
        if breaks.long_enabled:
            long_done = state.active_seconds(state.long_reset_at, now)
            long_left = breaks.long.every_seconds - long_done
            # A long break due soon after the short one replaces it: not two in a row.
            if long_left <= max(short_left, 0.0) + breaks.short.every_seconds / 2:
                return LONG, long_done, long_done + max(0.0, min(long_left, short_left))
        return SHORT, short_done, breaks.short.every_seconds

    def _hold_reason(self, now: datetime) -> str | None:
        """Why a break nudge can't be shown right now, or None when it can."""
        state = self.state
        if state.pause is not None:
            return "paused"
        if state.on_break is not None:
            return "on_break"
        if self._done_at(now) is not None:
            return "done_for_today"
        if self._schedule.workday_at(now) is None:
            # The whole shift counts, gaps between windows too: working through lunch
            # still earns a break.
            return "outside_hours"
        if self._holds:
            return next(iter(self._holds.values()))
        if state.snoozed_until is not None and now < state.snoozed_until:
            return "snoozed"
        if self._idle_now(now):
            return "idle"
        return None

    def snoozes_today(self, now: datetime) -> int:
        today = self._schedule.local_date(now)
        return sum(1 for s in self.state.snoozes if self._schedule.local_date(s) == today)

    def _snooze_limit_reached(self, now: datetime) -> bool:
        limit = self.settings.snooze.daily_limit
        return limit > 0 and self.snoozes_today(now) >= limit

    def _break_nudges(self, now: datetime) -> list[Nudge]:
        kind, done, needed = self._break_progress(now)
        if done < needed or self._hold_reason(now) is not None:
            return []
        if self._snooze_limit_reached(now):
            self._record(EventKind.BREAK_MISSED, {"kind": kind, "reason": "snooze_limit"})
            return []
        sent = self.state.break_nudge
        nudge_kind = NudgeKind.LONG_BREAK if kind == LONG else NudgeKind.SHORT_BREAK
        if sent is None or sent.kind != kind:
            level = 0
        elif now - sent.at < timedelta(minutes=self.settings.breaks.renudge_minutes):
            return []
        elif sent.level < self.settings.breaks.renudge_max:
            level = sent.level + 1
        else:
            self._record(EventKind.BREAK_MISSED, {"kind": kind, "reason": "ignored"})
            return []
        text = messages.break_text(nudge_kind, level, done / 60)
        return [self._nudge(nudge_kind, text, level=level, active_seconds=round(done))]

    # boundaries

    def _recent_shifts(self, now: datetime) -> list[tuple[date, Interval]]:
        shifts: list[tuple[date, Interval]] = []
        day = self._schedule.workday_at(now)
        if day is not None:
            shift = self._schedule.shift_on(day)
            if shift is not None:
                shifts.append((day, shift))
        previous = self._schedule.last_shift_before(now)
        if previous is not None and previous not in shifts:
            shifts.append(previous)
        return shifts

    def _boundary_nudges(self, now: datetime) -> list[Nudge]:
        if self._idle_now(now) or self._done_at(now) is not None:
            return []
        nudges: list[Nudge] = []
        bounds = self.settings.boundaries
        for day, shift in self._recent_shifts(now):
            lead = timedelta(minutes=bounds.wind_down_minutes)
            wind_down = shift.end - lead
            key = f"wind_down:{day.isoformat()}"
            # Late is fine, but "15 min left" with one minute to go is not: the nudge
            # comes while at least half of its lead time remains, and says what's left.
            if (
                lead
                and wind_down >= shift.start
                and _fresh(wind_down, now)
                and now < shift.end - lead / 2
                and key not in self.state.sent
            ):
                left = math.ceil((shift.end - now).total_seconds() / 60)
                text = messages.wind_down_text(left)
                nudges.append(self._nudge(NudgeKind.WIND_DOWN, text, key=key))
            key = f"end_of_day:{day.isoformat()}"
            if bounds.end_of_day_nudge and _fresh(shift.end, now) and key not in self.state.sent:
                text = messages.end_of_day_text(self.settings.why)
                nudges.append(self._nudge(NudgeKind.END_OF_DAY, text, key=key))
        if self.state.overtime:
            extra = self.state.overtime[-1]
            key = f"overtime_over:{iso(extra.end)}"
            if _fresh(extra.end, now) and key not in self.state.sent:
                minutes = round(extra.seconds / 60)
                text = messages.overtime_over_text(minutes, self.settings.why)
                nudges.append(self._nudge(NudgeKind.OVERTIME_OVER, text, key=key))
        return nudges

    def _after_hours_nudges(self, now: datetime) -> list[Nudge]:
        policy = self.settings.after_hours
        if not policy.enabled or policy.max_nudges == 0 or self._idle_now(now):
            return []
        period = self.off_period(now)
        if period is None or any(now in extra for extra in self.state.overtime):
            return []
        # Counted per stretch of time off as the hours make it: "I'm stopping", a new zone
        # or a calendar day off move where the period starts, but bring no fresh round.
        key = iso(self._time_off_start(now))
        marks = self.state.after_hours.get(key, [])
        if len(marks) >= policy.max_nudges:
            return []
        active = self.off_hours_active_seconds(period, now)
        if marks:
            threshold = marks[-1] + policy.repeat_every_minutes * 60
        else:
            threshold = policy.first_nudge_after_minutes * 60
        if active < threshold:
            return []
        if self._schedule.is_day_off(self._schedule.evening_key(now)):
            kind, text = NudgeKind.DAY_OFF, messages.day_off_text(self.settings.why)
        else:
            kind, text = NudgeKind.AFTER_HOURS, messages.after_hours_text(self.settings.why)
        return [self._nudge(kind, text, period=key, active_seconds=round(active))]

    def off_period(self, now: datetime) -> Interval | None:
        """The stretch of time off that `now` falls in, or None during a shift.

        It runs from the end of the last shift (or from "done for today") to the next
        shift, cut at 04:00 local so each evening and each day off counts on its own.
        """
        done = self._done_at(now)
        if self._schedule.workday_at(now) is not None and done is None:
            return None
        evening = self._schedule.evening_key(now)
        start = self._time_off_start(now)
        end = self._schedule.at_local(evening + timedelta(days=1), 4)
        if done is not None:
            start = max(start, done.start)
        if self._zone_changed_at is not None:
            # Work done under the old zone's hours isn't "after hours" under the new one.
            start = max(start, self._zone_changed_at)
        seen = self.state.calendar_days_off.get(evening.isoformat())
        if seen is not None and evening in self._schedule.days_off:
            # Nor is work done before the calendar said the day was off.
            start = max(start, seen[0])
        following = self._schedule.next_shift_start(now)
        if following is not None:
            end = min(end, following)
        return Interval(start, end)

    def _time_off_start(self, now: datetime) -> datetime:
        """Where the hours alone start the time off `now` falls in: the end of the last
        shift, or 04:00 local (each evening and each day off counts on its own); inside
        the hours (after "done for today"), the start of that day's shift."""
        day = self._schedule.workday_at(now)
        shift = self._schedule.shift_on(day) if day is not None else None
        if shift is not None:
            return shift.start
        start = self._schedule.at_local(self._schedule.evening_key(now), 4)
        previous = self._schedule.last_shift_before(now)
        return start if previous is None else max(start, previous[1].end)

    def off_hours_active_seconds(self, period: Interval, now: datetime) -> float:
        """Active time in an off period up to `now`; asked-for overtime doesn't count."""
        end = min(period.end, now)
        total = self.state.active_seconds(period.start, end)
        for extra in _merge(self.state.overtime):
            lo, hi = max(extra.start, period.start), min(extra.end, end)
            if hi > lo:
                total -= self.state.active_seconds(lo, hi)
        return max(0.0, total)

    # reminders

    def _reminder_nudges(self, now: datetime) -> list[Nudge]:
        nudges: list[Nudge] = []
        for reminder in self.settings.reminders:
            if reminder.name not in self._reminder_due:
                last = self.state.reminder_last.get(reminder.name)
                base = now - STALE_GRACE if last is None else max(last, now - STALE_GRACE)
                self._reminder_due[reminder.name] = self._next_fire(reminder, base)
            due = self._reminder_due[reminder.name]
            if due is None or due > now:
                continue
            if _fresh(due, now):
                text = (reminder.name, reminder.message or "A reminder you set for yourself.")
                nudges.append(
                    self._nudge(NudgeKind.REMINDER, text, name=reminder.name, scheduled=iso(due))
                )
            self._reminder_due[reminder.name] = self._next_fire(reminder, now)
        return nudges

    def _next_fire(self, reminder: Reminder, after: datetime) -> datetime | None:
        try:
            trigger = _cron_trigger(reminder.cron, self._schedule.zone)
        except ValueError as error:
            log.warning("reminder %r has a bad cron expression: %s", reminder.name, error)
            return None
        fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
        return None if fire is None else fire.astimezone(UTC)

    # the calendar

    def _note_calendar_day_off(self, now: datetime) -> None:
        """Log that today is (or, taken back, no longer is) a calendar day off, so the
        history and a restart know it after the calendar has moved on."""
        today = self._schedule.local_date(now)
        off = today in self._schedule.days_off
        if off != (self.state.calendar_days_off.get(today.isoformat()) is not None):
            word = self._day_off_reasons.get(today, "") if off else ""
            self._record(
                EventKind.CALENDAR_DAY_OFF, {"day": today.isoformat(), "off": off, "word": word}
            )

    def _meeting_nudges(self, now: datetime) -> list[Nudge]:
        """Once a day, when the user is about: a heads-up about meetings later today that
        lie outside their hours."""
        if not self._meetings or self._idle_now(now) or self._done_at(now) is not None:
            return []
        day = self._schedule.local_date(now)
        key = f"meeting_heads_up:{day.isoformat()}"
        if key in self.state.sent or self._schedule.evening_key(now) != day:
            return []  # sent already, or still the night before
        coming = heads_up_meetings(self._meetings, self._schedule, now)
        if not coming:
            return []
        times = [f"{self._schedule.local(m.start):%H:%M}" for m in coming]
        text = messages.meeting_heads_up_text(times, day_off=self._schedule.is_day_off(day))
        return [self._nudge(NudgeKind.MEETING_HEADS_UP, text, key=key, count=len(coming))]

    # ----- actions -------------------------------------------------------------------

    def start_break(self, kind: str | None = None) -> None:
        if self.state.on_break is not None:
            raise ActionError("You're already on a break. Enjoy it.")
        now = self._clock.now()
        chosen = kind or self._break_progress(now)[0]
        if chosen not in (SHORT, LONG):
            raise ActionError(f"A break is 'short' or 'long', not {chosen!r}.")
        planned = self._break_rule(chosen).duration_seconds
        self._record(EventKind.BREAK_STARTED, {"kind": chosen, "planned_seconds": planned})

    def finish_break(self) -> None:
        if self.state.on_break is None:
            raise ActionError("You're not on a break right now.")
        self._finish_break(completed=False)

    def _finish_break(self, *, completed: bool) -> None:
        current = self.state.on_break
        assert current is not None
        # One that ran its course ended at its planned end, however much later Respite
        # noticed: after a sleep, or at the first check after a restart. A break lasts a
        # while, so that is never before it began, and a restart folds the two in order.
        end = current.planned_end if completed else self._clock.now()
        seconds = (end - current.started).total_seconds()
        planned = (current.planned_end - current.started).total_seconds()
        self._record(
            EventKind.BREAK_FINISHED,
            {
                "kind": current.kind,
                "seconds": round(seconds),
                "completed": completed or seconds >= planned,
            },
            at=end,
        )

    def skip_break(self) -> None:
        if self.state.on_break is not None:
            self.finish_break()
            return
        kind = self._pending_break_kind()
        self._record(EventKind.BREAK_SKIPPED, {"kind": kind})

    def _pending_break_kind(self) -> str:
        sent = self.state.break_nudge
        return sent.kind if sent is not None else self._break_progress(self._clock.now())[0]

    def snooze(self, minutes: float | None = None) -> None:
        length = self.settings.snooze.default_minutes if minutes is None else minutes
        if not 0 < length <= 24 * 60:
            raise ActionError("Snooze for between 1 minute and 24 hours.")
        if self.state.on_break is not None:
            raise ActionError("You're on a break; there's nothing to snooze.")
        now = self._clock.now()
        self._record(
            EventKind.BREAK_SNOOZED,
            {
                "kind": self._pending_break_kind(),
                "minutes": length,
                "over_limit": self._snooze_limit_reached(now),
            },
        )

    def done_for_today(self) -> datetime:
        """Nothing more today: no break or boundary nudges until the next shift starts."""
        until, data = self._until_tomorrow(self._clock.now())
        if self.state.on_break is not None:
            self._finish_break(completed=False)
        self._record(EventKind.DONE_FOR_TODAY, data)
        return until

    def _until_tomorrow(self, now: datetime) -> tuple[datetime, dict[str, Any]]:
        """The end of "done for today" or a pause until tomorrow said at `now`, and the
        event data that records it: that end and the work day `now` falls in, so the end
        can be placed again in another zone."""
        work_day = self._schedule.workday_at(now)
        until = self._after_work_day(now, work_day)
        day = work_day.isoformat() if work_day is not None else None
        return until, {"until": iso(until), "work_day": day}

    def _after_work_day(self, now: datetime, work_day: date | None) -> datetime:
        """The next shift's start after work day `work_day` (None: after `now`, outside
        hours), else the local midnight after `now`."""
        shift = self._schedule.shift_on(work_day) if work_day is not None else None
        after = shift.end if shift is not None else now
        return self._schedule.next_shift_start(after) or self._next_midnight(now)

    def _done_at(self, now: datetime) -> Interval | None:
        """The first "done for today" that holds at `now` (saying it again doesn't start a
        new evening), ending where the hours and zone in force place it: after a flight,
        "done" said in New York lasts until the morning in London, not in New York."""
        for mark in self.state.done_marks:
            if mark.start <= now:
                end = self._end_of(mark)
                if now < end:
                    return Interval(mark.start, end)
        return None

    def _end_of(self, mark: DayMark) -> datetime:
        return mark.until if mark.fixed else self._after_work_day(mark.start, mark.work_day)

    def _paused_until(self) -> datetime | None:
        """The end of the pause, if paused: a pause until tomorrow ends where the hours and
        zone in force place the next shift, a timed one when it said."""
        pause = self.state.pause
        return self._end_of(pause) if pause is not None else None

    def overtime(self, minutes: float) -> datetime:
        if not 0 < minutes <= 12 * 60:
            raise ActionError("Ask for between 1 minute and 12 hours of extra time.")
        until = self._clock.now() + timedelta(minutes=minutes)
        self._record(EventKind.OVERTIME, {"minutes": minutes, "until": iso(until)})
        return until

    def pause(self, minutes: float | None = None, *, until_tomorrow: bool = False) -> datetime:
        now = self._clock.now()
        if until_tomorrow:
            until, data = self._until_tomorrow(now)
        elif minutes is not None and 0 < minutes <= LONGEST_TIMED_PAUSE / timedelta(minutes=1):
            until = now + timedelta(minutes=minutes)
            data = {"until": iso(until)}
        else:
            raise ActionError("Pause for between 1 minute and 7 days, or until tomorrow.")
        self._record(EventKind.PAUSED, data)
        return until

    def resume(self) -> None:
        if self.state.pause is None:
            raise ActionError("Respite isn't paused.")
        self._record(EventKind.RESUMED, {"auto": False})

    def log_win(self, text: str) -> None:
        cleaned = " ".join(text.split())
        if not cleaned:
            raise ActionError('A small win needs a few words, e.g. respite win "shipped it".')
        if len(cleaned) > WIN_MAX_CHARACTERS:
            raise ActionError(f"Keep a small win under {WIN_MAX_CHARACTERS} characters.")
        self._record(EventKind.WIN, {"text": cleaned})

    def dismissed(self, nudge: Nudge) -> None:
        """A nudge faded away or was closed without an answer."""
        self._record(EventKind.NUDGE_DISMISSED, {"kind": nudge.kind.value})

    def perform(self, key: str, text: str | None = None) -> None:
        """Carry out a nudge's choice by its key (see `messages`)."""
        name, _, argument = key.partition(":")
        number = float(argument) if argument else None
        match name:
            case messages.START_BREAK:
                self.start_break()
            case messages.SKIP:
                self.skip_break()
            case messages.SNOOZE:
                self.snooze(number)
            case messages.DONE_FOR_TODAY:
                self.done_for_today()
            case messages.OVERTIME if number is not None:
                self.overtime(number)
            case messages.WIN if text:
                self.log_win(text)
            case _:
                raise ActionError(f"Unknown choice {key!r}.")

    def _next_midnight(self, now: datetime) -> datetime:
        return self._schedule.at_local(self._schedule.local_date(now) + timedelta(days=1))

    # ----- questions -----------------------------------------------------------------

    def status(self) -> Status:
        now = self._clock.now()
        state = self.state
        kind, done, needed = self._break_progress(now)
        held = self._hold_reason(now)
        done_today = self._done_at(now)
        if state.on_break is not None:
            phase = Phase.ON_BREAK
        elif state.pause is not None:
            phase = Phase.PAUSED
        elif self._schedule.workday_at(now) is None or done_today is not None:
            phase = Phase.OFF_HOURS
        elif (done >= needed and held is None) or state.break_nudge is not None:
            phase = Phase.BREAK_DUE
        else:
            phase = Phase.WORKING
        day = self._schedule.local_date(now)
        work_left = sum(
            window.overlap_seconds(now, window.end)
            for offset in (-1, 0)
            for window in self._schedule.windows_on(day + timedelta(days=offset))
        )
        limit = self.settings.snooze.daily_limit
        last = last_meeting_on(self._meetings, day, self._schedule.zone)
        return Status(
            phase=phase,
            now=now,
            next_break=kind,
            next_break_in=max(0.0, needed - done),
            held_because=held,
            work_left=work_left if done_today is None else 0.0,
            paused_until=self._paused_until(),
            snoozed_until=state.snoozed_until
            if state.snoozed_until and state.snoozed_until > now
            else None,
            break_ends_at=state.on_break.planned_end if state.on_break else None,
            next_work_start=self._next_work_start(now, done_today),
            done_for_today=done_today is not None,
            snoozes_left=max(0, limit - self.snoozes_today(now)) if limit else None,
            day_off_reason=self._day_off_reasons.get(day),
            last_meeting_ends=last.end if last is not None and last.end > now else None,
        )

    def _next_work_start(self, now: datetime, done_today: Interval | None) -> datetime | None:
        """When work hours start again for the user: after a "done for today", not the
        afternoon's window of the day they called done, but the first at or after its end."""
        if done_today is None:
            return self._schedule.next_window_start(now)
        return self._schedule.next_window_start(done_today.end - timedelta(microseconds=1))

    def next_wakeup(self) -> datetime:
        """The earliest moment anything can become due without new input; the shell sets
        one precise timer for it (and samples idle every `OBSERVE_EVERY` seconds)."""
        now = self._clock.now()
        state = self.state
        candidates: list[datetime | None] = [
            self._paused_until(),
            state.snoozed_until,
            state.on_break.planned_end if state.on_break else None,
            self._schedule.next_window_start(now),
        ]
        if not self._idle_now(now) and self._last_input is not None:
            _, done, needed = self._break_progress(now)
            if done < needed:  # once due, what can change it has a moment of its own
                candidates.append(now + timedelta(seconds=max(1.0, needed - done)))
            candidates.append(self._last_input + self._idle_threshold())
        if state.break_nudge is not None:
            renudge = timedelta(minutes=self.settings.breaks.renudge_minutes)
            candidates.append(state.break_nudge.at + renudge)
        shifts = [shift for _, shift in self._recent_shifts(now)]
        next_start = self._schedule.next_shift_start(now)
        if next_start is not None:
            upcoming = self._schedule.shift_on(self._schedule.local_date(next_start))
            shifts += [upcoming] if upcoming is not None else []
        lead = timedelta(minutes=self.settings.boundaries.wind_down_minutes)
        for shift in shifts:
            candidates += [shift.end - lead, shift.end]
        candidates += [extra.end for extra in state.overtime]
        candidates += [due for due in self._reminder_due.values()]
        future = [c for c in candidates if c is not None and c > now]
        return min(future, default=now + timedelta(hours=1))


def _fresh(due: datetime, now: datetime) -> bool:
    return due <= now < due + STALE_GRACE


def _day_mark(at: datetime, data: Mapping[str, Any]) -> DayMark:
    """The mark a "done for today" or a pause records (see `EventKind`)."""
    day = data.get("work_day")
    work_day = date.fromisoformat(day) if day else None
    if work_day is not None and abs(work_day - at.date()) > timedelta(days=2):
        raise ValueError("a work day far from the event")  # the schedule would overflow
    return DayMark(at, _moment(data["until"], at), work_day, "work_day" not in data)


def _number(value: Any) -> float:
    """A finite number from event data (anything `float` reads, as before: "90" too)."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _length(value: Any, unit: timedelta) -> timedelta:
    """A recorded length, in `unit`s, of a break or snooze."""
    length = unit * _number(value)
    if not timedelta(0) <= length <= LONGEST_LOGGED:
        raise ValueError("a length out of range")
    return length


def _moment(value: Any, at: datetime) -> datetime:
    """A time in event data, no further than `DATA_REACH` from the event's own."""
    moment = from_iso(value)
    if abs(moment - at) > DATA_REACH:
        raise ValueError("a time far from the event")
    return moment


def _to_second(moment: datetime) -> datetime:
    """A moment to the second, as `iso` writes it."""
    return moment.replace(microsecond=0)


def _superseded_by(data: Mapping[str, Any]) -> list[tuple[EventKind, datetime]]:
    """What an event's data says it ended of the state said "in the future"."""
    named = data.get("supersedes", {})
    if not isinstance(named, dict):
        raise TypeError("supersedes is not an object")
    return [(EventKind(kind), _to_second(from_iso(at))) for kind, at in named.items()]


def _logged(mark: DayMark) -> datetime:
    """When a mark was logged (`start`, unless it was moved to count from later)."""
    return mark.logged_ahead or mark.start


def _later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate > current else current


def _break_of(kind: NudgeKind) -> str:
    return LONG if kind is NudgeKind.LONG_BREAK else SHORT


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return merged


@lru_cache(maxsize=32)
def _cron_trigger(expression: str, zone: tzinfo) -> CronTrigger:
    # Imported here: the cron trigger costs megabytes that most users never need.
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(expression, timezone=zone)
