"""Work-hour maths: which moments are inside the user's hours, in any time zone.

All arithmetic and comparison happens on UTC datetimes: Python compares two times of
one zone by their wall clock, which is wrong across a DST change. Local dates and wall
times are only used to find the windows of a day.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from respite.core.settings import WorkHours

# How far to look for the next or previous working window before giving up.
SEARCH_DAYS = 14
# A night belongs to the evening before it until this local hour (after-hours counting).
NIGHT_ROLLOVER = timedelta(hours=4)


@dataclass(frozen=True, slots=True)
class Interval:
    """[start, end) in UTC."""

    start: datetime
    end: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def overlap_seconds(self, start: datetime, end: datetime) -> float:
        lo = max(self.start, start)
        hi = min(self.end, end)
        return max(0.0, (hi - lo).total_seconds())


class WorkSchedule:
    """The user's hours in one zone. A local date in `days_off` (from the calendar, say)
    has no windows, whatever its weekday."""

    def __init__(
        self, work_hours: WorkHours, zone: tzinfo, days_off: frozenset[date] = frozenset()
    ) -> None:
        self.work_hours = work_hours
        self.zone = zone
        self.days_off = days_off
        self._cache: dict[date, tuple[Interval, ...]] = {}

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def local_date(self, moment: datetime) -> date:
        return self.local(moment).date()

    def at_local(self, day: date, hour: int = 0, minute: int = 0) -> datetime:
        """A local wall time on `day` as UTC (a time skipped by DST moves forward)."""
        wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone)
        return wall.astimezone(UTC)

    def windows_on(self, day: date) -> tuple[Interval, ...]:
        """The windows that start on local date `day`, in UTC, in order."""
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        result = []
        weekday_windows = () if day in self.days_off else self.work_hours.windows(day.weekday())
        for window in weekday_windows:
            start = self.at_local(day, window.start.hour, window.start.minute)
            end_day = day + timedelta(days=1) if window.crosses_midnight else day
            end = self.at_local(end_day, window.end.hour, window.end.minute)
            if end > start:
                result.append(Interval(start, end))
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[day] = windows = tuple(result)
        return windows

    def shift_on(self, day: date) -> Interval | None:
        """From the first start to the last end of `day`'s windows, or None on a day off."""
        windows = self.windows_on(day)
        if not windows:
            return None
        return Interval(windows[0].start, windows[-1].end)

    def _days_around(self, moment: datetime) -> tuple[date, date]:
        today = self.local_date(moment)
        return today - timedelta(days=1), today

    def window_at(self, moment: datetime) -> Interval | None:
        for day in self._days_around(moment):
            for window in self.windows_on(day):
                if moment in window:
                    return window
        return None

    def is_working_time(self, moment: datetime) -> bool:
        return self.window_at(moment) is not None

    def workday_at(self, moment: datetime) -> date | None:
        """The day whose shift (first start to last end, breaks between windows included)
        contains `moment`."""
        for day in reversed(self._days_around(moment)):
            shift = self.shift_on(day)
            if shift is not None and moment in shift:
                return day
        return None

    def next_window_start(self, moment: datetime) -> datetime | None:
        """The first window start strictly after `moment`."""
        day = self.local_date(moment) - timedelta(days=1)
        for offset in range(SEARCH_DAYS + 2):
            for window in self.windows_on(day + timedelta(days=offset)):
                if window.start > moment:
                    return window.start
        return None

    def next_shift_start(self, moment: datetime) -> datetime | None:
        """The start of the first day's shift that begins strictly after `moment`."""
        day = self.local_date(moment) - timedelta(days=1)
        for offset in range(SEARCH_DAYS + 2):
            shift = self.shift_on(day + timedelta(days=offset))
            if shift is not None and shift.start > moment:
                return shift.start
        return None

    def last_shift_before(self, moment: datetime) -> tuple[date, Interval] | None:
        """The latest shift that has ended at or before `moment`."""
        day = self.local_date(moment)
        for offset in range(SEARCH_DAYS + 1):
            candidate = day - timedelta(days=offset)
            shift = self.shift_on(candidate)
            if shift is not None and shift.end <= moment:
                return candidate, shift
        return None

    def is_day_off(self, day: date) -> bool:
        return not self.windows_on(day)

    def evening_key(self, moment: datetime) -> date:
        """The evening (or day off) a moment outside work hours belongs to."""
        return (self.local(moment) - NIGHT_ROLLOVER).date()

    def work_seconds_between(self, start: datetime, end: datetime) -> float:
        """How much of [start, end) lies inside working windows."""
        total = 0.0
        day = self.local_date(start) - timedelta(days=1)
        last = self.local_date(end)
        while day <= last:
            for window in self.windows_on(day):
                total += window.overlap_seconds(start, end)
            day += timedelta(days=1)
        return total


def resolve_zone(name: str) -> tzinfo:
    """The zone the user chose, or the system's when `name` is empty."""
    if name:
        return ZoneInfo(name)
    return system_zone()


def system_zone() -> tzinfo:
    """The system's zone as a DST-aware ZoneInfo where it can be found.

    Falls back to the current fixed offset (right until the next DST change, when the
    app's periodic reconcile picks up the new offset).
    """
    for candidate in _system_zone_names():
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return timezone(offset)


def _system_zone_names() -> list[str]:
    names = []
    tz_env = os.environ.get("TZ", "").lstrip(":")
    if tz_env and not tz_env.startswith("/"):
        names.append(tz_env)
    localtime = Path(os.path.realpath("/etc/localtime"))
    if "zoneinfo" in localtime.parts:
        index = localtime.parts.index("zoneinfo")
        names.append("/".join(localtime.parts[index + 1 :]))
    with contextlib.suppress(OSError):
        names.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    return [name for name in names if name]
