"""The settings model: frozen dataclasses whose defaults are the documented defaults.

Reading, validating and writing the TOML file lives in `settings_parse` (pure) and
`respite.storage.settings_store` (files); docs/configuration.md documents every key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import time

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Local wall-clock hours. `end <= start` means the window runs past midnight."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def _office_hours() -> tuple[tuple[TimeWindow, ...], ...]:
    weekday = (TimeWindow(time(9, 0), time(12, 30)), TimeWindow(time(13, 15), time(17, 30)))
    return (weekday,) * 5 + ((), ())


@dataclass(frozen=True, slots=True)
class WorkHours:
    """Windows per weekday, Monday first. An empty tuple is a day off."""

    days: tuple[tuple[TimeWindow, ...], ...] = field(default_factory=_office_hours)

    def windows(self, weekday: int) -> tuple[TimeWindow, ...]:
        return self.days[weekday]


@dataclass(frozen=True, slots=True)
class Boundaries:
    wind_down_minutes: int = 15  # 0 turns the wind-down nudge off
    end_of_day_nudge: bool = True
    # Activity this long after the end still counts as ending the day on time.
    on_time_grace_minutes: int = 15
    overtime_choices: tuple[int, ...] = (15, 30)


@dataclass(frozen=True, slots=True)
class AfterHours:
    enabled: bool = True
    first_nudge_after_minutes: int = 10
    repeat_every_minutes: int = 30
    max_nudges: int = 3  # per evening (until 04:00) or day off


@dataclass(frozen=True, slots=True)
class BreakRule:
    every_minutes: int  # of *active* time
    duration_minutes: float
    # An idle spell at least this long counts as this break, taken naturally.
    natural_after_minutes: float

    @property
    def every_seconds(self) -> float:
        return self.every_minutes * 60.0

    @property
    def duration_seconds(self) -> float:
        return self.duration_minutes * 60.0

    @property
    def natural_after_seconds(self) -> float:
        return self.natural_after_minutes * 60.0


@dataclass(frozen=True, slots=True)
class Breaks:
    short: BreakRule = BreakRule(every_minutes=30, duration_minutes=2, natural_after_minutes=2)
    long: BreakRule = BreakRule(every_minutes=120, duration_minutes=10, natural_after_minutes=10)
    long_enabled: bool = True
    # No input for this long means the user is away: that time is not active time.
    idle_after_seconds: int = 60
    # An unanswered break nudge comes back after this long, at most `renudge_max` times.
    renudge_minutes: int = 5
    renudge_max: int = 2
    # A screen lock or sleep at least as long as a break counts as that break.
    lock_counts_as_break: bool = True


@dataclass(frozen=True, slots=True)
class Snooze:
    choices_minutes: tuple[int, ...] = (5, 10, 20)
    # After this many snoozes in a day Respite stops asking and only logs due breaks.
    daily_limit: int = 6

    @property
    def default_minutes(self) -> int:
        return self.choices_minutes[0]


@dataclass(frozen=True, slots=True)
class Reminder:
    name: str
    cron: str  # crontab-style, as APScheduler's CronTrigger.from_crontab reads it
    message: str = ""


class BreakWindowStyle(enum.StrEnum):
    WINDOW = "window"  # a small window that stays on top
    STRICT = "strict"  # covers every screen


@dataclass(frozen=True, slots=True)
class Interface:
    autostart: bool = False
    sound: bool = True
    break_window: BreakWindowStyle = BreakWindowStyle.WINDOW


@dataclass(frozen=True, slots=True)
class CalendarSource:
    """One iCalendar source: a local file (`path`) or an https URL kept in the keyring
    under the secret named `secret`. Exactly one of the two is set."""

    name: str
    path: str = ""
    secret: str = ""


@dataclass(frozen=True, slots=True)
class CalendarOptions:
    hold_breaks: bool = True  # hold break nudges during busy events
    # All-day events whose titles contain one of these words are days off.
    days_off_words: tuple[str, ...] = ("Holiday", "OOO", "Vacation")
    refresh_minutes: int = 15


# Boundary events a hook can be attached to (docs/configuration.md describes each).
HOOK_EVENTS: tuple[str, ...] = (
    "start_of_day",
    "wind_down",
    "end_of_day",
    "done_for_today",
    "break_start",
    "break_end",
    "pause",
    "resume",
)


@dataclass(frozen=True, slots=True)
class Hook:
    """An action on boundary events: a webhook POST and/or a local command.

    The webhook address is `url`, or the keyring secret named `url_secret` when the
    address itself is private; `token_secret` names a bearer token in the keyring.
    `command` is an argument list, run without a shell.
    """

    name: str
    on: tuple[str, ...]
    url: str = ""
    url_secret: str = ""
    token_secret: str = ""
    command: tuple[str, ...] = ()
    timeout_seconds: int = 10


@dataclass(frozen=True, slots=True)
class Settings:
    work_hours: WorkHours = field(default_factory=WorkHours)
    boundaries: Boundaries = field(default_factory=Boundaries)
    after_hours: AfterHours = field(default_factory=AfterHours)
    breaks: Breaks = field(default_factory=Breaks)
    snooze: Snooze = field(default_factory=Snooze)
    why: str = ""  # the user's own "why this matters to me" line
    reminders: tuple[Reminder, ...] = ()
    timezone: str = ""  # an IANA name; empty means the system's zone
    interface: Interface = field(default_factory=Interface)
    calendar: CalendarOptions = field(default_factory=CalendarOptions)
    calendars: tuple[CalendarSource, ...] = ()
    hooks: tuple[Hook, ...] = ()
