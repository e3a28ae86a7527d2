"""Reading and writing the settings document: pure Python, no Qt, no files.

`parse_settings` turns what `tomllib` gives into a `Settings` plus a list of `Problem`s.
A bad value never spoils the rest of the file: that key keeps its default, the problem
names the key and what is allowed, and everything else still applies.
`settings_to_document` is the inverse; `respite.storage.settings_store` does the IO.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import time, timedelta
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from respite.core.settings import (
    HOOK_EVENTS,
    WEEKDAYS,
    AfterHours,
    Boundaries,
    BreakRule,
    Breaks,
    BreakWindowStyle,
    CalendarOptions,
    CalendarSource,
    Hook,
    Interface,
    Reminder,
    Settings,
    Snooze,
    TimeWindow,
    WorkHours,
)

__all__ = [
    "KNOWN_KEYS",
    "LIMITS",
    "MISSING",
    "Limit",
    "Problem",
    "cron_error",
    "format_duration",
    "parse_clock_time",
    "parse_day",
    "parse_duration",
    "parse_settings",
    "parse_window",
    "settings_to_document",
]


# --------------------------------------------------------------------------- problems


class _Missing:
    """The value of a required key that is not there at all."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True)
class Problem:
    """One bad entry in a settings file. `key` is dotted: "reminders[0].cron"."""

    source: str
    key: str
    value: object
    allowed: str

    def __str__(self) -> str:
        if self.value is MISSING:
            return f"{self.source}: {self.key} is missing: {self.allowed}"
        return f"{self.source}: {self.key} = {_show(self.value)} is not allowed: {self.allowed}"


_SHOW_LIMIT = 60


def _show(value: object) -> str:
    """`value` as it would look in TOML, cut short if long."""
    text = _toml_like(value)
    if len(text) > _SHOW_LIMIT:
        text = text[: _SHOW_LIMIT - 3] + "..."
    return text


def _toml_like(value: object, depth: int = 0) -> str:
    if depth > 3:
        return "..."
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(
            f"{_key_part(str(k))} = {_toml_like(v, depth + 1)}" for k, v in value.items()
        )
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_like(v, depth + 1) for v in value) + "]"
    return str(value)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def _key_part(name: str) -> str:
    return name if _BARE_KEY.fullmatch(name) else json.dumps(name, ensure_ascii=False)


def _join(path: str, name: str) -> str:
    return f"{path}.{_key_part(name)}" if path else _key_part(name)


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class Limit:
    """An inclusive numeric range, described in words for problems and the docs."""

    low: float
    high: float
    whole: bool = True
    unit: str = "minutes"  # "minutes", "seconds" or "" for a plain count
    note: str = ""

    def allows(self, value: object) -> bool:
        if isinstance(value, bool):
            return False
        if self.whole and not isinstance(value, int):
            return False
        if not isinstance(value, int | float):
            return False
        return self.low <= value <= self.high  # also False for NaN

    def describe(self) -> str:
        kind = "a whole number" if self.whole else "a number"
        unit = f" of {self.unit}" if self.unit else ""
        note = f" ({self.note})" if self.note else ""
        return f"{kind}{unit} from {_number(self.low)} to {_number(self.high)}{note}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_EVERY = Limit(1, 480)
_DURATION = Limit(0.25, 120, whole=False)
_NATURAL = Limit(0.5, 240, whole=False)

LIMITS: Final[Mapping[str, Limit]] = {
    "boundaries.wind_down_minutes": Limit(0, 240, note="0 turns the wind-down nudge off"),
    "boundaries.on_time_grace_minutes": Limit(0, 240),
    "boundaries.overtime_choices": Limit(1, 240),  # each entry
    "after_hours.first_nudge_after_minutes": Limit(0, 240),
    "after_hours.repeat_every_minutes": Limit(1, 480),
    "after_hours.max_nudges": Limit(0, 20, unit=""),
    "breaks.idle_after_seconds": Limit(10, 1800, unit="seconds"),
    "breaks.renudge_minutes": Limit(1, 120),
    "breaks.renudge_max": Limit(0, 10, unit=""),
    "breaks.short.every_minutes": _EVERY,
    "breaks.short.duration_minutes": _DURATION,
    "breaks.short.natural_after_minutes": _NATURAL,
    "breaks.long.every_minutes": _EVERY,
    "breaks.long.duration_minutes": _DURATION,
    "breaks.long.natural_after_minutes": _NATURAL,
    "snooze.choices_minutes": Limit(1, 240),  # each entry
    "snooze.daily_limit": Limit(0, 50, unit=""),
    "calendar.refresh_minutes": Limit(5, 1440),
    "hooks[].timeout_seconds": Limit(1, 120, unit="seconds"),
}

# How many entries a list of minutes may have.
_LIST_LENGTHS: Final[Mapping[str, tuple[int, int]]] = {
    "boundaries.overtime_choices": (1, 4),
    "snooze.choices_minutes": (1, 5),
}

WHY_MAX = 200
REMINDER_NAME_MAX = 60
REMINDER_MESSAGE_MAX = 200

_RULE_KEYS = frozenset({"every_minutes", "duration_minutes", "natural_after_minutes"})

# Every key the file may hold, per table; "reminders[]" is each [[reminders]] table.
KNOWN_KEYS: Final[Mapping[str, frozenset[str]]] = {
    "": frozenset(
        {
            "why",
            "timezone",
            "work_hours",
            "boundaries",
            "after_hours",
            "breaks",
            "snooze",
            "interface",
            "reminders",
            "calendar",
            "calendars",
            "hooks",
        }
    ),
    "work_hours": frozenset(WEEKDAYS),
    "boundaries": frozenset(
        {"wind_down_minutes", "end_of_day_nudge", "on_time_grace_minutes", "overtime_choices"}
    ),
    "after_hours": frozenset(
        {"enabled", "first_nudge_after_minutes", "repeat_every_minutes", "max_nudges"}
    ),
    "breaks": frozenset(
        {
            "idle_after_seconds",
            "renudge_minutes",
            "renudge_max",
            "lock_counts_as_break",
            "long_enabled",
            "short",
            "long",
        }
    ),
    "breaks.short": _RULE_KEYS,
    "breaks.long": _RULE_KEYS,
    "snooze": frozenset({"choices_minutes", "daily_limit"}),
    "interface": frozenset({"autostart", "sound", "break_window"}),
    "reminders[]": frozenset({"name", "cron", "message"}),
    "calendar": frozenset({"hold_breaks", "days_off_words", "refresh_minutes"}),
    "calendars[]": frozenset({"name", "path", "secret"}),
    "hooks[]": frozenset(
        {"name", "on", "url", "url_secret", "token_secret", "command", "timeout_seconds"}
    ),
}


def _all_dotted_keys() -> list[str]:
    keys: list[str] = []
    for table, names in KNOWN_KEYS.items():
        prefix = table.replace("[]", "[0]")
        keys.extend(_join(prefix, name) for name in sorted(names))
    return keys


_ALL_DOTTED_KEYS: Final = _all_dotted_keys()


def _suggestion(name: str, table: str) -> str:
    """The " (did you mean …?)" hint for a close known key, or ""."""
    import difflib  # only for a mistake: a good file never needs it

    known = sorted(KNOWN_KEYS.get(table, frozenset()))
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        prefix = table.replace("[]", "[N]")
        return f" (did you mean {_join(prefix, close[0])}?)"
    # Perhaps the right key in the wrong table: match on the last part of every known key.
    leaves = {key.rsplit(".", 1)[-1]: key for key in _ALL_DOTTED_KEYS if "." in key}
    close = difflib.get_close_matches(name, list(leaves), n=1, cutoff=0.8)
    if close:
        return f" (did you mean {leaves[close[0]].replace('[0]', '[N]')}?)"
    return ""


# --------------------------------------------------------------------------- small parsers

_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_CLOCK_HELP = "use 24-hour HH:MM such as 09:00 or 17:30"
_NO_24 = "24:00 is not a time of day; use 00:00 for midnight"


def parse_clock_time(text: str) -> time:
    """A 24-hour "09:00" or "9:00" as a `time`; anything else raises ValueError."""
    stripped = text.strip()
    match = _CLOCK.fullmatch(stripped)
    if match is None:
        raise ValueError(
            f"{json.dumps(text, ensure_ascii=False)} is not a time of day; {_CLOCK_HELP}"
        )
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        raise ValueError(_NO_24)
    if hour > 23 or minute > 59:
        raise ValueError(f"{stripped} is not a time of day; {_CLOCK_HELP}")
    return time(hour, minute)


_WINDOW_ALLOWED = 'a time window "HH:MM-HH:MM" in 24-hour time, e.g. "09:00-12:30"'
_WINDOW_EMPTY_ALLOWED = 'a time window whose start and end differ, e.g. "09:00-12:30"'


def parse_window(text: str) -> TimeWindow:
    """A "09:00-12:30" window; an end before the start crosses midnight, equal ones raise."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(
            f"{json.dumps(text, ensure_ascii=False)} is not a time window; "
            "use HH:MM-HH:MM such as 09:00-12:30"
        )
    start, end = parse_clock_time(parts[0]), parse_clock_time(parts[1])
    if start == end:
        raise ValueError(
            f"{start:%H:%M}-{end:%H:%M} starts and ends at the same time; a window needs a length"
        )
    return TimeWindow(start, end)


def _window_or_reason(value: object) -> TimeWindow | str:
    """The window, or the `allowed` text for a problem about it."""
    if not isinstance(value, str):
        return _WINDOW_ALLOWED
    try:
        return parse_window(value)
    except ValueError as exc:
        if str(exc) == _NO_24:  # the usual slip for a window that ends at midnight
            fixed = json.dumps(value.replace("24:00", "00:00"), ensure_ascii=False)
            return f"a time window with 00:00 for midnight (there is no 24:00), e.g. {fixed}"
        return _WINDOW_EMPTY_ALLOWED if "same time" in str(exc) else _WINDOW_ALLOWED


_DAY_ALLOWED = (
    'a list of "HH:MM-HH:MM" windows such as ["09:00-12:30", "13:15-17:30"], '
    'a single window, or "off" (or []) for a day off'
)


@dataclass(frozen=True, slots=True)
class _DayFault:
    index: int | None  # None: the day's value as a whole is wrong
    value: object
    allowed: str


def _parse_day(value: object) -> tuple[TimeWindow, ...] | _DayFault:
    if isinstance(value, str):
        if value.strip().lower() == "off":
            return ()
        window = _window_or_reason(value)
        if isinstance(window, str):
            return _DayFault(None, value, f'{window}, a list of them, or "off" for a day off')
        return (window,)
    if not isinstance(value, list | tuple):
        return _DayFault(None, value, _DAY_ALLOWED)
    windows: list[TimeWindow] = []
    for index, item in enumerate(value):
        window = _window_or_reason(item)
        if isinstance(window, str):
            return _DayFault(index, item, window)
        if windows:
            previous = windows[-1]
            if previous.crosses_midnight:
                return _DayFault(
                    index - 1,
                    value[index - 1],
                    "a window past midnight only as the last window of its day",
                )
            if window.start < previous.end:
                return _DayFault(
                    index,
                    item,
                    "windows in order of start time that do not overlap "
                    f"(this one starts before {previous} ends)",
                )
        windows.append(window)
    return tuple(windows)


def parse_day(value: object) -> tuple[TimeWindow, ...]:
    """One weekday's value from the file: a list of windows, one window, [] or "off".

    Checks the day on its own (order, overlaps); raises ValueError saying what is wrong.
    """
    result = _parse_day(value)
    if isinstance(result, _DayFault):
        where = "" if result.index is None else f"window {result.index + 1}: "
        raise ValueError(f"{where}{_show(result.value)} is not allowed: {result.allowed}")
    return result


_UNITS = (
    r"\s*(?:(?P<d>[0-9]+)\s*d(?:ays?)?)?"
    r"\s*(?:(?P<h>[0-9]+)\s*h(?:ours?|rs?)?)?"
    r"\s*(?:(?P<m>[0-9]+)\s*m(?:in(?:ute)?s?)?)?"
    r"\s*(?:(?P<s>[0-9]+)\s*s(?:ec(?:ond)?s?)?)?\s*"
)
_DURATION_RE = re.compile(_UNITS, re.IGNORECASE | re.ASCII)
_BARE_MINUTES = re.compile(r"\s*([0-9]+)\s*", re.ASCII)
_UNIT_SECONDS: Final = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_DURATION: Final = timedelta(days=7)
_DURATION_HELP = "use e.g. 30m, 1h30m, 2h 15m, 90s or 45 (minutes)"


def parse_duration(text: str) -> timedelta:
    """A duration such as "30m", "1h30m", "2h 15m", "90s", "1 h 30 min" or "45" (minutes).

    Raises ValueError for empty, negative, zero, unreadable or over-7-day durations.
    """
    if not text.strip():
        raise ValueError(f"a duration is needed; {_DURATION_HELP}")
    if text.strip().startswith("-"):
        raise ValueError(f"{text.strip()} is negative; give a duration such as 30m")
    parts: dict[str, str] = {}
    if (bare := _BARE_MINUTES.fullmatch(text)) is not None:
        parts = {"m": bare[1]}
    elif (match := _DURATION_RE.fullmatch(text)) is not None:
        parts = {unit: digits for unit, digits in match.groupdict().items() if digits is not None}
    if not parts:
        raise ValueError(
            f"{json.dumps(text, ensure_ascii=False)} is not a duration; {_DURATION_HELP}"
        )
    # Guard int() against absurdly long digit strings: anything that long is over 7 days.
    if any(len(digits.lstrip("0")) > 12 for digits in parts.values()):
        raise ValueError(f"{text.strip()} is too long; a duration can be at most 7 days")
    seconds = sum(int(digits) * _UNIT_SECONDS[unit] for unit, digits in parts.items())
    if seconds == 0:
        raise ValueError(f"{text.strip()} is no time at all; a duration must be longer than zero")
    duration = timedelta(seconds=seconds)
    if duration > MAX_DURATION:
        raise ValueError(f"{text.strip()} is too long; a duration can be at most 7 days")
    return duration


def format_duration(duration: timedelta) -> str:
    """Say "1 h 30 min", "45 min" or "30 s" (whole seconds); `parse_duration` reads it back."""
    total = round(duration.total_seconds())
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [
        f"{amount} {unit}"
        for amount, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (seconds, "s"))
        if amount
    ]
    return sign + " ".join(parts) if parts else "0 s"


def cron_error(expr: str) -> str | None:
    """Why APScheduler cannot read this crontab expression, or None when it can."""
    # Imported here, not at module level: APScheduler costs start-up time and memory
    # and is only needed when a file actually has reminders.
    try:
        from apscheduler.triggers.cron import CronTrigger
    except ImportError:  # a broken install or bundle: say so rather than crash
        return "reminders need APScheduler, which is missing from this installation"
    try:
        CronTrigger.from_crontab(expr, timezone="UTC")
    except Exception as exc:  # a third-party parser: any failure means "cannot read it"
        return str(exc) or type(exc).__name__
    return None


# --------------------------------------------------------------------------- the document


def _tidy(value: float) -> int | float:
    """Whole numbers as ints so the file reads "2", not "2.0"."""
    return int(value) if float(value).is_integer() else float(value)


def _rule_document(rule: BreakRule) -> dict[str, Any]:
    return {
        "every_minutes": rule.every_minutes,
        "duration_minutes": _tidy(rule.duration_minutes),
        "natural_after_minutes": _tidy(rule.natural_after_minutes),
    }


def settings_to_document(settings: Settings) -> dict[str, Any]:
    """The TOML structure for `settings` (plain dicts and lists, in file order)."""
    document: dict[str, Any] = {
        "why": settings.why,
        "timezone": settings.timezone,
        "work_hours": {
            day: [str(window) for window in settings.work_hours.windows(index)]
            for index, day in enumerate(WEEKDAYS)
        },
        "boundaries": {
            "wind_down_minutes": settings.boundaries.wind_down_minutes,
            "end_of_day_nudge": settings.boundaries.end_of_day_nudge,
            "on_time_grace_minutes": settings.boundaries.on_time_grace_minutes,
            "overtime_choices": list(settings.boundaries.overtime_choices),
        },
        "after_hours": {
            "enabled": settings.after_hours.enabled,
            "first_nudge_after_minutes": settings.after_hours.first_nudge_after_minutes,
            "repeat_every_minutes": settings.after_hours.repeat_every_minutes,
            "max_nudges": settings.after_hours.max_nudges,
        },
        "breaks": {
            "idle_after_seconds": settings.breaks.idle_after_seconds,
            "renudge_minutes": settings.breaks.renudge_minutes,
            "renudge_max": settings.breaks.renudge_max,
            "lock_counts_as_break": settings.breaks.lock_counts_as_break,
            "long_enabled": settings.breaks.long_enabled,
            "short": _rule_document(settings.breaks.short),
            "long": _rule_document(settings.breaks.long),
        },
        "snooze": {
            "choices_minutes": list(settings.snooze.choices_minutes),
            "daily_limit": settings.snooze.daily_limit,
        },
        "interface": {
            "autostart": settings.interface.autostart,
            "sound": settings.interface.sound,
            "break_window": settings.interface.break_window.value,
        },
    }
    if settings.reminders:
        document["reminders"] = [_reminder_document(r) for r in settings.reminders]
    if settings.calendar != CalendarOptions() or settings.calendars:
        document["calendar"] = {
            "hold_breaks": settings.calendar.hold_breaks,
            "days_off_words": list(settings.calendar.days_off_words),
            "refresh_minutes": settings.calendar.refresh_minutes,
        }
    if settings.calendars:
        document["calendars"] = [_calendar_document(c) for c in settings.calendars]
    if settings.hooks:
        document["hooks"] = [_hook_document(h) for h in settings.hooks]
    return document


def _hook_document(hook: Hook) -> dict[str, Any]:
    table: dict[str, Any] = {"name": hook.name, "on": list(hook.on)}
    for key in ("url", "url_secret", "token_secret"):
        if getattr(hook, key):
            table[key] = getattr(hook, key)
    if hook.command:
        table["command"] = list(hook.command)
    table["timeout_seconds"] = hook.timeout_seconds
    return table


def _calendar_document(source: CalendarSource) -> dict[str, Any]:
    table: dict[str, Any] = {"name": source.name}
    if source.path:
        table["path"] = source.path
    if source.secret:
        table["secret"] = source.secret
    return table


def _reminder_document(reminder: Reminder) -> dict[str, Any]:
    table: dict[str, Any] = {"name": reminder.name, "cron": reminder.cron}
    if reminder.message:
        table["message"] = reminder.message
    return table


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Collects problems while reading one document."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def report(self, key: str, value: object, allowed: str) -> None:
        self.problems.append(Problem(self.source, key, value, allowed))

    def check_keys(self, table: Mapping[Any, Any], known_as: str, path: str) -> None:
        known = KNOWN_KEYS[known_as]
        for name, value in table.items():
            name = str(name)
            if name not in known:
                self.report(
                    _join(path, name), value, "no such setting" + _suggestion(name, known_as)
                )

    def table(self, parent: Mapping[str, Any], name: str, path: str) -> Mapping[str, Any]:
        """parent[name] as a table ({} when missing or not a table); reports unknown keys."""
        if name not in parent:
            return {}
        value = parent[name]
        if not isinstance(value, Mapping):
            self.report(path, value, f"a table of settings, e.g. [{path}]")
            return {}
        self.check_keys(value, path, path)
        return value

    def integer(self, table: Mapping[str, Any], path: str, name: str, default: int) -> int:
        if name not in table:
            return default
        value, key = table[name], _join(path, name)
        limit = LIMITS[key]
        if not limit.allows(value):
            self.report(key, value, limit.describe() + _quote_hint(value))
            return default
        assert isinstance(value, int)
        return value

    def number(self, table: Mapping[str, Any], path: str, name: str, default: float) -> float:
        if name not in table:
            return default
        value, key = table[name], _join(path, name)
        limit = LIMITS[key]
        if not limit.allows(value):
            self.report(key, value, limit.describe() + _quote_hint(value))
            return default
        assert isinstance(value, int | float)
        return float(value)

    def boolean(self, table: Mapping[str, Any], path: str, name: str, default: bool) -> bool:
        if name not in table:
            return default
        value = table[name]
        if not isinstance(value, bool):
            hint = ", without quotes" if isinstance(value, str) else ""
            self.report(_join(path, name), value, f"true or false{hint}")
            return default
        return value

    def minutes_list(
        self, table: Mapping[str, Any], path: str, name: str, default: tuple[int, ...]
    ) -> tuple[int, ...]:
        if name not in table:
            return default
        value, key = table[name], _join(path, name)
        limit = LIMITS[key]
        fewest, most = _LIST_LENGTHS[key]
        example = ", ".join(str(minutes) for minutes in default)
        allowed = (
            f"a list of {fewest} to {most} whole numbers of minutes, each from "
            f"{_number(limit.low)} to {_number(limit.high)}, e.g. [{example}]"
        )
        if not isinstance(value, list | tuple) or not fewest <= len(value) <= most:
            self.report(key, value, allowed)
            return default
        bad = [(i, item) for i, item in enumerate(value) if not limit.allows(item)]
        for index, item in bad:
            self.report(f"{key}[{index}]", item, limit.describe() + _quote_hint(item))
        return default if bad else tuple(value)

    def text(
        self, table: Mapping[str, Any], key: str, name: str, default: str, most: int, one_line: bool
    ) -> str:
        if name not in table:
            return default
        value = table[name]
        if not _text_ok(value, 0, most, one_line):
            lines = " on one line" if one_line else ""
            self.report(key, value, f"text of at most {most} characters{lines}")
            return default
        assert isinstance(value, str)
        return value


def _text_ok(value: object, fewest: int, most: int, one_line: bool) -> bool:
    if not isinstance(value, str) or not fewest <= len(value) <= most:
        return False
    return not one_line or "".join(value.splitlines()) == value


def _quote_hint(value: object) -> str:
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return ""
        return ", without quotes"
    return ""


def parse_settings(doc: Mapping[str, Any], source: str) -> tuple[Settings, list[Problem]]:
    """Settings from a parsed TOML document; each bad key keeps its default and is reported.

    `source` names the file in problems. Never raises for odd content: whatever the
    document holds, the result is usable settings plus the list of what was wrong.
    """
    reader = _Reader(source)
    defaults = Settings()
    reader.check_keys(doc, "", "")

    why = reader.text(doc, "why", "why", defaults.why, WHY_MAX, one_line=True)
    timezone = _parse_timezone(reader, doc, defaults.timezone)
    work_hours = _parse_work_hours(reader, reader.table(doc, "work_hours", "work_hours"))
    boundaries = _parse_boundaries(reader, reader.table(doc, "boundaries", "boundaries"))
    after_hours = _parse_after_hours(reader, reader.table(doc, "after_hours", "after_hours"))
    breaks = _parse_breaks(reader, reader.table(doc, "breaks", "breaks"))
    snooze = _parse_snooze(reader, reader.table(doc, "snooze", "snooze"))
    interface = _parse_interface(reader, reader.table(doc, "interface", "interface"))
    reminders = _parse_reminders(reader, doc)
    calendar = _parse_calendar_options(reader, reader.table(doc, "calendar", "calendar"))
    calendars = _parse_calendars(reader, doc)
    hooks = _parse_hooks(reader, doc)

    settings = Settings(
        work_hours=work_hours,
        boundaries=boundaries,
        after_hours=after_hours,
        breaks=breaks,
        snooze=snooze,
        why=why,
        reminders=reminders,
        timezone=timezone,
        interface=interface,
        calendar=calendar,
        calendars=calendars,
        hooks=hooks,
    )
    return settings, reader.problems


_TIMEZONE_ALLOWED = (
    '"" for the system\'s time zone, or an IANA time zone name such as "Europe/Berlin"'
)


def _parse_timezone(reader: _Reader, doc: Mapping[str, Any], default: str) -> str:
    if "timezone" not in doc:
        return default
    value = doc["timezone"]
    if value == "":
        return ""
    if isinstance(value, str):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return value
    reader.report("timezone", value, _TIMEZONE_ALLOWED)
    return default


def _parse_work_hours(reader: _Reader, table: Mapping[str, Any]) -> WorkHours:
    defaults = WorkHours().days
    days = list(defaults)
    listed: list[bool] = [False] * len(WEEKDAYS)  # written as a list: problems index it
    for index, day in enumerate(WEEKDAYS):
        if day not in table:
            continue
        value = table[day]
        result = _parse_day(value)
        key = f"work_hours.{day}"
        if isinstance(result, _DayFault):
            where = key if result.index is None else f"{key}[{result.index}]"
            reader.report(where, result.value, result.allowed)
            continue
        days[index] = result
        listed[index] = isinstance(value, list | tuple)

    # A window past midnight must be over before the next day's first window starts.
    # Putting a day back to its default can expose the day before it, so repeat.
    for _ in range(len(WEEKDAYS) + 1):
        changed = False
        for index, day in enumerate(WEEKDAYS):
            windows = days[index]
            if not windows or not windows[-1].crosses_midnight:
                continue
            following = (index + 1) % len(WEEKDAYS)
            after = days[following]
            if after and windows[-1].end > after[0].start:
                last = windows[-1]
                key = f"work_hours.{day}" + (f"[{len(windows) - 1}]" if listed[index] else "")
                reader.report(
                    key,
                    str(last),
                    f"a window past midnight that ends by {WEEKDAYS[following]}'s first "
                    f"start ({after[0].start:%H:%M})",
                )
                days[index] = defaults[index]
                listed[index] = False
                changed = True
        if not changed:
            break
    return WorkHours(days=tuple(days))


def _parse_boundaries(reader: _Reader, table: Mapping[str, Any]) -> Boundaries:
    d = Boundaries()
    path = "boundaries"
    return Boundaries(
        wind_down_minutes=reader.integer(table, path, "wind_down_minutes", d.wind_down_minutes),
        end_of_day_nudge=reader.boolean(table, path, "end_of_day_nudge", d.end_of_day_nudge),
        on_time_grace_minutes=reader.integer(
            table, path, "on_time_grace_minutes", d.on_time_grace_minutes
        ),
        overtime_choices=reader.minutes_list(table, path, "overtime_choices", d.overtime_choices),
    )


def _parse_after_hours(reader: _Reader, table: Mapping[str, Any]) -> AfterHours:
    d = AfterHours()
    path = "after_hours"
    return AfterHours(
        enabled=reader.boolean(table, path, "enabled", d.enabled),
        first_nudge_after_minutes=reader.integer(
            table, path, "first_nudge_after_minutes", d.first_nudge_after_minutes
        ),
        repeat_every_minutes=reader.integer(
            table, path, "repeat_every_minutes", d.repeat_every_minutes
        ),
        max_nudges=reader.integer(table, path, "max_nudges", d.max_nudges),
    )


def _parse_rule(reader: _Reader, table: Mapping[str, Any], path: str, d: BreakRule) -> BreakRule:
    return BreakRule(
        every_minutes=reader.integer(table, path, "every_minutes", d.every_minutes),
        duration_minutes=reader.number(table, path, "duration_minutes", d.duration_minutes),
        natural_after_minutes=reader.number(
            table, path, "natural_after_minutes", d.natural_after_minutes
        ),
    )


def _parse_breaks(reader: _Reader, table: Mapping[str, Any]) -> Breaks:
    d = Breaks()
    path = "breaks"
    short = _parse_rule(
        reader, reader.table(table, "short", "breaks.short"), "breaks.short", d.short
    )
    long = _parse_rule(reader, reader.table(table, "long", "breaks.long"), "breaks.long", d.long)
    long_enabled = reader.boolean(table, path, "long_enabled", d.long_enabled)
    if long_enabled and short.every_minutes >= long.every_minutes:
        reader.report(
            "breaks.long.every_minutes",
            long.every_minutes,
            f"more minutes than breaks.short.every_minutes ({short.every_minutes}), "
            "or breaks.long_enabled = false",
        )
        long = replace(long, every_minutes=d.long.every_minutes)
        if short.every_minutes >= long.every_minutes:
            reader.report(
                "breaks.short.every_minutes",
                short.every_minutes,
                "fewer minutes than breaks.long.every_minutes, which fell back to its "
                f"default ({long.every_minutes}), or breaks.long_enabled = false",
            )
            short = replace(short, every_minutes=d.short.every_minutes)
    return Breaks(
        short=short,
        long=long,
        long_enabled=long_enabled,
        idle_after_seconds=reader.integer(table, path, "idle_after_seconds", d.idle_after_seconds),
        renudge_minutes=reader.integer(table, path, "renudge_minutes", d.renudge_minutes),
        renudge_max=reader.integer(table, path, "renudge_max", d.renudge_max),
        lock_counts_as_break=reader.boolean(
            table, path, "lock_counts_as_break", d.lock_counts_as_break
        ),
    )


def _parse_snooze(reader: _Reader, table: Mapping[str, Any]) -> Snooze:
    d = Snooze()
    path = "snooze"
    return Snooze(
        choices_minutes=reader.minutes_list(table, path, "choices_minutes", d.choices_minutes),
        daily_limit=reader.integer(table, path, "daily_limit", d.daily_limit),
    )


def _parse_interface(reader: _Reader, table: Mapping[str, Any]) -> Interface:
    d = Interface()
    path = "interface"
    break_window = d.break_window
    if "break_window" in table:
        value = table["break_window"]
        styles = [style.value for style in BreakWindowStyle]
        if isinstance(value, str) and value in styles:
            break_window = BreakWindowStyle(value)
        else:
            allowed = " or ".join(f'"{style}"' for style in styles)
            reader.report("interface.break_window", value, allowed)
    return Interface(
        autostart=reader.boolean(table, path, "autostart", d.autostart),
        sound=reader.boolean(table, path, "sound", d.sound),
        break_window=break_window,
    )


_REMINDERS_ALLOWED = (
    "a list of [[reminders]] tables, each with a name, a cron expression and an optional message"
)
_NAME_ALLOWED = f"a name of 1 to {REMINDER_NAME_MAX} characters on one line"
_CRON_ALLOWED = 'a crontab expression "minute hour day month day_of_week", e.g. "30 12 * * mon-fri"'


T = TypeVar("T")


def _parse_tables(
    reader: _Reader,
    doc: Mapping[str, Any],
    key: str,
    allowed: str,
    item_allowed: str,
    parse_item: Callable[[Mapping[str, Any], str], T | None],
) -> tuple[T, ...]:
    """An array of tables ([[reminders]], [[calendars]], [[hooks]]): each item is parsed
    on its own, and one that can't be used is reported and left out."""
    if key not in doc:
        return ()
    value = doc[key]
    if not isinstance(value, list | tuple):
        reader.report(key, value, allowed)
        return ()
    parsed: list[T] = []
    for index, item in enumerate(value):
        path = f"{key}[{index}]"
        if not isinstance(item, Mapping):
            reader.report(path, item, item_allowed)
            continue
        reader.check_keys(item, f"{key}[]", path)
        result = parse_item(item, path)
        if result is not None:
            parsed.append(result)
    return tuple(parsed)


def _name_ok(reader: _Reader, name: object, path: str) -> bool:
    """The name of a reminder, calendar or hook: reported when it can't be used."""
    if _text_ok(name, 1, REMINDER_NAME_MAX, one_line=True):
        return True
    reader.report(f"{path}.name", name, _NAME_ALLOWED)
    return False


def _parse_reminders(reader: _Reader, doc: Mapping[str, Any]) -> tuple[Reminder, ...]:
    return _parse_tables(
        reader,
        doc,
        "reminders",
        _REMINDERS_ALLOWED,
        "a table with name, cron and an optional message",
        lambda item, path: _parse_reminder(reader, item, path),
    )


def _parse_reminder(reader: _Reader, item: Mapping[str, Any], path: str) -> Reminder | None:
    """One reminder; None (reported) when its name or cron is unusable."""
    name = item.get("name", MISSING)
    usable = _name_ok(reader, name, path)
    cron = item.get("cron", MISSING)
    if not isinstance(cron, str):
        reader.report(f"{path}.cron", cron, _CRON_ALLOWED)
        usable = False
    elif (error := cron_error(cron)) is not None:
        reader.report(f"{path}.cron", cron, f"{_CRON_ALLOWED}; APScheduler says: {error}")
        usable = False
    message = reader.text(
        item, f"{path}.message", "message", "", REMINDER_MESSAGE_MAX, one_line=False
    )
    if not usable:
        return None
    assert isinstance(name, str) and isinstance(cron, str)
    return Reminder(name=name, cron=cron, message=message)


# --------------------------------------------------------------------------- calendars

WORD_MAX = 40
_WORDS_ALLOWED = f'a list of up to 10 words of 1 to {WORD_MAX} characters, e.g. ["Holiday", "OOO"]'
SECRET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
_SECRET_ALLOWED = (
    "the name of a secret in the keyring (1 to 64 letters, digits, '-', '_' or '.'), "
    'e.g. "calendar-work"; store it with: respite secret set calendar-work'
)
_PATH_ALLOWED = 'the path of a local .ics file, e.g. "~/calendar.ics"'
_CALENDARS_ALLOWED = (
    "a list of [[calendars]] tables, each with a name and either path (a local .ics file) "
    "or secret (the keyring name of the calendar's https URL)"
)


def _parse_calendar_options(reader: _Reader, table: Mapping[str, Any]) -> CalendarOptions:
    d = CalendarOptions()
    path = "calendar"
    words = d.days_off_words
    if "days_off_words" in table:
        value = table["days_off_words"]
        if (
            isinstance(value, list | tuple)
            and len(value) <= 10
            and all(_text_ok(w, 1, WORD_MAX, one_line=True) and w.strip() for w in value)
        ):
            words = tuple(value)
        else:
            reader.report("calendar.days_off_words", value, _WORDS_ALLOWED)
    return CalendarOptions(
        hold_breaks=reader.boolean(table, path, "hold_breaks", d.hold_breaks),
        days_off_words=words,
        refresh_minutes=reader.integer(table, path, "refresh_minutes", d.refresh_minutes),
    )


def _parse_calendars(reader: _Reader, doc: Mapping[str, Any]) -> tuple[CalendarSource, ...]:
    names: set[str] = set()

    def parse_calendar(item: Mapping[str, Any], path: str) -> CalendarSource | None:
        name = item.get("name", MISSING)
        usable = _name_ok(reader, name, path)
        if usable and name in names:
            reader.report(f"{path}.name", name, "a name no other calendar has")
            usable = False
        file = item.get("path", "")
        secret = item.get("secret", "")
        if not isinstance(file, str) or len(file) > 1000 or "\n" in file:
            reader.report(f"{path}.path", file, _PATH_ALLOWED)
            usable = False
        elif not isinstance(secret, str) or (secret and not SECRET_NAME.fullmatch(secret)):
            reader.report(f"{path}.secret", secret, _SECRET_ALLOWED)
            usable = False
        elif bool(file) == bool(secret):
            reader.report(
                path,
                dict(item),
                "either path (a local .ics file) or secret (the keyring name of an https "
                "URL), not both or neither",
            )
            usable = False
        if not usable:
            return None
        assert isinstance(name, str) and isinstance(file, str) and isinstance(secret, str)
        names.add(name)
        return CalendarSource(name=name, path=file, secret=secret)

    return _parse_tables(
        reader,
        doc,
        "calendars",
        _CALENDARS_ALLOWED,
        "a table with a name and either path or secret",
        parse_calendar,
    )


# --------------------------------------------------------------------------- hooks

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
_HOOKS_ALLOWED = (
    "a list of [[hooks]] tables, each with a name, the events it is on, and a url, "
    "url_secret and/or command"
)
_ON_ALLOWED = "a list of one or more of " + ", ".join(f'"{e}"' for e in HOOK_EVENTS)
_URL_ALLOWED = (
    'an https:// address, e.g. "https://hooks.example.org/respite" '
    "(http:// only for 127.0.0.1 and localhost)"
)
_COMMAND_ALLOWED = (
    'an argument list such as ["notify-send", "Respite"] (1 to 32 strings, run without '
    "a shell, the first being the program)"
)


def url_problem(url: str) -> str | None:
    """Why `url` can't be a webhook or calendar address, or None when it can."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return _URL_ALLOWED
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and host in LOOPBACK_HOSTS:
        return None
    return _URL_ALLOWED


def _parse_hooks(reader: _Reader, doc: Mapping[str, Any]) -> tuple[Hook, ...]:
    return _parse_tables(
        reader,
        doc,
        "hooks",
        _HOOKS_ALLOWED,
        "a table with a name, on, and a url or command",
        lambda item, path: _parse_hook(reader, item, path),
    )


def _parse_hook(reader: _Reader, item: Mapping[str, Any], path: str) -> Hook | None:
    name = item.get("name", MISSING)
    usable = _name_ok(reader, name, path)
    on = item.get("on", MISSING)
    if (
        not isinstance(on, list | tuple)
        or not on
        or not all(isinstance(e, str) and e in HOOK_EVENTS for e in on)
    ):
        reader.report(f"{path}.on", on, _ON_ALLOWED)
        usable = False
    url = item.get("url", "")
    if not isinstance(url, str) or (url and url_problem(url) is not None):
        reader.report(f"{path}.url", url, _URL_ALLOWED)
        usable = False
    secrets: dict[str, str] = {}
    for key in ("url_secret", "token_secret"):
        secret = item.get(key, "")
        if not isinstance(secret, str) or (secret and not SECRET_NAME.fullmatch(secret)):
            reader.report(f"{path}.{key}", secret, _SECRET_ALLOWED.replace("calendar-work", key))
            usable = False
        else:
            secrets[key] = secret
    if url and secrets.get("url_secret"):
        reader.report(f"{path}.url_secret", secrets["url_secret"], "url or url_secret, not both")
        usable = False
    command = item.get("command", [])
    if (
        not isinstance(command, list | tuple)
        or len(command) > 32
        or not all(isinstance(a, str) and len(a) <= 1000 and "\x00" not in a for a in command)
        or (command and not command[0].strip())
    ):
        reader.report(f"{path}.command", command, _COMMAND_ALLOWED)
        usable = False
    timeout = item.get("timeout_seconds", 10)
    limit = LIMITS["hooks[].timeout_seconds"]
    if not limit.allows(timeout):
        reader.report(f"{path}.timeout_seconds", timeout, limit.describe() + _quote_hint(timeout))
        timeout = 10
    if usable and not (url or secrets.get("url_secret") or command):
        reader.report(path, dict(item), "a url, url_secret or command to run")
        usable = False
    if not usable:
        return None
    assert isinstance(name, str) and isinstance(on, list | tuple) and isinstance(url, str)
    assert isinstance(command, list | tuple) and isinstance(timeout, int)
    return Hook(
        name=name,
        on=tuple(dict.fromkeys(on)),
        url=url,
        url_secret=secrets.get("url_secret", ""),
        token_secret=secrets.get("token_secret", ""),
        command=tuple(command),
        timeout_seconds=timeout,
    )
