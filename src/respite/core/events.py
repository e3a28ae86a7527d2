"""The event model: everything Respite notices or is told is one `Event` in the log.

The engine's state is a fold over these events, so the log alone can rebuild it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class EventKind(enum.StrEnum):
    # Any event may also carry `supersedes` ({kind: ISO UTC time}): a break, pause or
    # snooze logged while the clock ran fast that this event ended, dated before it.
    # Nudges Respite showed (data: nudge kind, level, and what it was about).
    NUDGE = "nudge"
    # What the user did.
    BREAK_STARTED = "break_started"  # kind, planned_seconds, source
    BREAK_FINISHED = "break_finished"  # kind, seconds, completed (bool)
    BREAK_SKIPPED = "break_skipped"  # kind
    BREAK_SNOOZED = "break_snoozed"  # kind, minutes
    BREAK_MISSED = "break_missed"  # kind, reason ("snooze_limit" | "ignored")
    NATURAL_BREAK = "natural_break"  # kind, start, end (ISO UTC), seconds
    # until (ISO UTC), work_day (local ISO date, null outside hours): until the next shift
    # after that day, re-placed if the zone changes (older events: until alone)
    DONE_FOR_TODAY = "done_for_today"
    OVERTIME = "overtime"  # minutes, until
    # until (ISO UTC); a pause until tomorrow also has work_day, and ends as "done for
    # today" does (a timed pause, and older events: until alone)
    PAUSED = "paused"
    RESUMED = "resumed"
    WIN = "win"  # text
    NUDGE_DISMISSED = "nudge_dismissed"  # nudge kind; shown but not answered
    # What Respite noticed.
    SLEEP = "sleep"  # start, end: a gap in which the machine slept or the app was not running
    # The calendar made local date `day` (ISO) a day off; off is false when it took that
    # back later the same day. Recorded once the day has come, so history keeps it.
    CALENDAR_DAY_OFF = "calendar_day_off"  # day, off (bool), word (the days_off_words match)
    # A calendar meeting outside work hours took place (recorded at its start, once).
    # Never its title: meeting titles are private.
    MEETING_OUTSIDE_HOURS = "meeting_outside_hours"  # start, end (ISO UTC), day (local ISO)
    DAY_STARTED = "day_started"  # day (local ISO): the "start_of_day" hook's day began
    APP_STARTED = "app_started"
    APP_STOPPED = "app_stopped"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    at: datetime  # aware, UTC
    data: dict[str, Any] = field(default_factory=dict)
    # Minutes east of UTC of the user's local time when it happened (for display).
    utc_offset_minutes: int = 0

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("event times must be aware")
        if self.at.utcoffset() != UTC.utcoffset(None):
            object.__setattr__(self, "at", self.at.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class ActiveSpan:
    """A stretch of continuous activity, [start, end] in UTC."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def iso(moment: datetime) -> str:
    """ISO text of a moment in UTC, as events store it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"not an aware time: {text!r}")
    return moment.astimezone(UTC)
