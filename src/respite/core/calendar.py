"""Calendar awareness, pure: iCalendar bytes → events → busy intervals and days off.

No Qt and no IO: fetching and caching live in `respite.calendar_sync`. Recurring events
and time zones are expanded with icalendar + recurring-ical-events over a bounded window
around "now", so a calendar with years of history stays cheap.

- A *busy* event is a timed (not all-day) event that is not marked free
  (TRANSP:TRANSPARENT) or cancelled; break nudges are held while one is on.
- An all-day event whose title contains one of the configured words ("Holiday", "OOO")
  makes its dates days off (the engine's schedule then has no windows on them). Those are
  calendar dates wherever the user is (a holiday on Friday is Friday in any zone), so
  they are kept as dates, never as instants of the zone the file was read in.
- A meeting outside work hours is a busy event that does not lie within one of that
  day's work windows. The engine gives a heads-up about today's (`heads_up_meetings`);
  the runtime logs each once it has begun (`meetings_to_record`) for the history.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from respite.core.schedule import WorkSchedule

__all__ = [
    "MAX_CALENDAR_BYTES",
    "MAX_EVENTS",
    "RECORD_DAYS",
    "CalEvent",
    "CalendarError",
    "after_hours_meetings",
    "busy_at",
    "days_off",
    "days_off_words",
    "heads_up_meetings",
    "last_meeting_on",
    "meeting_hold",
    "meetings_to_record",
    "parse_ics",
]

log = logging.getLogger(__name__)

MAX_CALENDAR_BYTES: Final = 5 * 1024 * 1024
# More expanded occurrences than this in the window means a runaway recurrence.
MAX_EVENTS: Final = 5000
# How far around "now" recurrences are expanded.
LOOK_BACK: Final = timedelta(days=8)
LOOK_AHEAD: Final = timedelta(days=15)
# Nobody is in one meeting longer than this; longer timed events are not "busy".
LONGEST_MEETING: Final = timedelta(hours=12)
# Meetings outside work hours are recorded for history up to this many local days late.
RECORD_DAYS: Final = 7


class CalendarError(ValueError):
    """A calendar that can't be used; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class CalEvent:
    start: datetime  # aware, UTC; for an all-day event, midnight where it was read
    end: datetime
    summary: str
    busy: bool = True
    # An all-day event's dates (the last one included), the same in every zone.
    first_day: date | None = None
    last_day: date | None = None

    @property
    def all_day(self) -> bool:
        return self.first_day is not None

    @property
    def is_meeting(self) -> bool:
        return self.busy and not self.all_day and self.end - self.start <= LONGEST_MEETING


def _as_utc(value: date | datetime, zone: tzinfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: the user's wall clock
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def parse_ics(
    data: bytes, *, now: datetime, zone: tzinfo, source: str = "the calendar"
) -> list[CalEvent]:
    """The events of `data` within a window around `now`, sorted by start.

    Raises CalendarError with a clear message for huge, malformed or wrongly zoned input.
    """
    if len(data) > MAX_CALENDAR_BYTES:
        raise CalendarError(
            f"{source} is too large ({len(data) // 1024} KiB; at most "
            f"{MAX_CALENDAR_BYTES // (1024 * 1024)} MiB)."
        )
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.upper().startswith(b"BEGIN:VCALENDAR"):
        raise CalendarError(f"{source} is not an iCalendar file (it must start BEGIN:VCALENDAR).")
    try:
        import icalendar
        import recurring_ical_events
    except ImportError as error:  # pragma: no cover - both are dependencies
        raise CalendarError(f"Calendar support is not installed ({error}).") from None
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:
        raise CalendarError(f"{source} could not be read: {_short(error, data)}.") from None
    _check_zones(calendar, source)
    start, end = now - LOOK_BACK, now + LOOK_AHEAD
    # All-day dates are kept within the window (a day's slack for the zones): a years-long
    # "OOO" event says nothing beyond it.
    dates = (start.date() - timedelta(days=1), end.date() + timedelta(days=1))
    events: list[CalEvent] = []
    try:
        query: Any = recurring_ical_events.of(calendar)
        for component in query.between(start, end):
            events.append(_event(component, zone, dates))
            if len(events) > MAX_EVENTS:
                raise CalendarError(
                    f"{source} has more than {MAX_EVENTS} events in three weeks; "
                    "is a recurrence wrong?"
                )
    except CalendarError:
        raise
    except Exception as error:
        reason = _short(error, data)
        raise CalendarError(
            f"{source} could not be expanded (a wrong time zone or recurrence?): {reason}."
        ) from None
    events.sort(key=lambda e: (e.start, e.end))
    return events


def _known_zone(tzid: str) -> bool:
    try:
        ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    else:
        return True
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # pragma: no cover
        return False
    return tzid in WINDOWS_TO_OLSON


def _check_zones(calendar: Any, source: str) -> None:
    """Every TZID an event uses must be defined in the file or be a known zone name:
    otherwise icalendar would quietly read those times as UTC.

    The message names the zone and how many events use it, never an event's title:
    it goes to the log and to `respite status`.
    """
    defined = {str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")}
    unknown: dict[str, int] = {}
    for component in calendar.walk("VEVENT"):
        for tzid in {_tzid(component.get(name)) for name in ("DTSTART", "DTEND", "RECURRENCE-ID")}:
            if tzid and tzid not in defined and (tzid in unknown or not _known_zone(tzid)):
                unknown[tzid] = unknown.get(tzid, 0) + 1
    if unknown:
        tzid, count = next(iter(unknown.items()))
        events = "1 event" if count == 1 else f"{count} events"
        raise CalendarError(
            f"{source} uses the unknown time zone {tzid[:60]!r} ({events}) and does not define it"
        )


def _tzid(prop: Any) -> str | None:
    params = getattr(prop, "params", None)
    tzid = params.get("TZID") if params is not None else None
    return str(tzid) if tzid else None


# Properties whose text is the user's own (a title, notes, a place, people).
_PRIVATE_LINE = re.compile(
    rb"^(?:SUMMARY|DESCRIPTION|LOCATION|COMMENT|CONTACT|ATTENDEE|ORGANIZER|CATEGORIES"
    rb"|RESOURCES|X-[A-Z0-9-]+)[;:][^\r\n]*",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NAME = re.compile(r"[A-Z][A-Z0-9-]{1,40}")  # a property or parameter name, like 'DTEND'


def _short(error: Exception, data: bytes = b"") -> str:
    """A library's error message, short and without the calendar's own text.

    icalendar quotes what it could not read (a whole content line, a property's value),
    and that can be a meeting's title or notes (a badly folded line, say), which must
    never reach the log. So every quoted part but a property name goes, and so does any
    text of a title-like property (SUMMARY, DESCRIPTION, ...) found in `data`.
    """
    text = " ".join(str(error).split()) or type(error).__name__
    text = _QUOTED.sub(lambda m: m[0] if _NAME.fullmatch(m[0][1:-1]) else "'…'", text)
    for line in _PRIVATE_LINE.findall(re.sub(rb"\r?\n[ \t]", b"", data)):
        value = line.split(b":", 1)[-1].decode("utf-8", "replace").strip()
        for part in {value, " ".join(value.split())}:
            if len(part) >= 3 and part in text:
                text = text.replace(part, "…")
    return text if len(text) <= 160 else text[:157] + "..."


def _event(component: Any, zone: tzinfo, dates: tuple[date, date]) -> CalEvent:
    dtstart = component.get("DTSTART")
    if dtstart is None:
        raise ValueError("an event has no DTSTART")
    begin = dtstart.dt
    all_day = not isinstance(begin, datetime)
    dtend = component.get("DTEND")
    if dtend is not None:
        finish = dtend.dt
    elif component.get("DURATION") is not None:
        finish = begin + component.get("DURATION").dt
    else:
        finish = begin + (timedelta(days=1) if all_day else timedelta(0))
    transparent = str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
    cancelled = str(component.get("STATUS", "")).upper() == "CANCELLED"
    start_utc, end_utc = _as_utc(begin, zone), _as_utc(finish, zone)
    if end_utc < start_utc:
        end_utc = start_utc
    first_day = last_day = None
    if all_day:  # DTEND is the day after the last one
        first_day = max(_date(begin), dates[0])
        last_day = min(max(_date(begin), _date(finish) - timedelta(days=1)), dates[1])
    return CalEvent(
        start=start_utc,
        end=end_utc,
        summary=str(component.get("SUMMARY", "")).strip()[:200],
        busy=not (transparent or cancelled),
        first_day=first_day,
        last_day=last_day,
    )


def _date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def busy_at(events: Iterable[CalEvent], now: datetime) -> CalEvent | None:
    """The meeting going on at `now` (the one ending last), or None."""
    current = [e for e in events if e.is_meeting and e.start <= now < e.end]
    return max(current, key=lambda e: e.end) if current else None


def meeting_hold(events: Iterable[CalEvent], now: datetime) -> str | None:
    """The engine's hold reason for the calendar: "meeting" during one, else None."""
    return "meeting" if busy_at(events, now) is not None else None


def days_off(events: Iterable[CalEvent], words: Sequence[str]) -> set[date]:
    """The dates of all-day events whose title contains one of `words` (calendar dates:
    the same wherever the user is)."""
    return set(days_off_words(events, words))


def days_off_words(events: Iterable[CalEvent], words: Sequence[str]) -> dict[date, str]:
    """`days_off`, each with the word that made it one (as the settings spell it)."""
    wanted = [(w.casefold(), w.strip()) for w in words if w.strip()]
    result: dict[date, str] = {}
    for event in events:
        if event.first_day is None or event.last_day is None:
            continue
        title = event.summary.casefold()
        word = next((shown for lowered, shown in wanted if lowered in title), None)
        if word is None:
            continue
        day = event.first_day
        while day <= event.last_day:
            result.setdefault(day, word)
            day += timedelta(days=1)
    return result


def last_meeting_on(events: Iterable[CalEvent], day: date, zone: tzinfo) -> CalEvent | None:
    """The meeting that ends last among those starting on local date `day`."""
    today = [e for e in events if e.is_meeting and e.start.astimezone(zone).date() == day]
    return max(today, key=lambda e: e.end) if today else None


def after_hours_meetings(
    events: Iterable[CalEvent], schedule: WorkSchedule, day: date
) -> list[CalEvent]:
    """Meetings starting on local `day` that don't lie within one of its work windows
    (every meeting counts on a day off)."""
    windows = schedule.windows_on(day) + schedule.windows_on(day - timedelta(days=1))
    result = []
    for event in events:
        if not event.is_meeting or schedule.local_date(event.start) != day:
            continue
        if not any(w.start <= event.start and event.end <= w.end for w in windows):
            result.append(event)
    return result


def heads_up_meetings(
    events: Iterable[CalEvent], schedule: WorkSchedule, now: datetime
) -> list[CalEvent]:
    """Meetings outside work hours still to start on `now`'s local day, earliest first."""
    today = after_hours_meetings(events, schedule, schedule.local_date(now))
    return sorted((e for e in today if e.start > now), key=lambda e: (e.start, e.end))


def meetings_to_record(
    events: Iterable[CalEvent],
    schedule: WorkSchedule,
    now: datetime,
    recorded: Collection[datetime],
) -> list[CalEvent]:
    """Meetings outside work hours that have started by `now` (on one of the last
    RECORD_DAYS local days) and whose start time is not in `recorded`: the ones the
    history should now count. One per start time, earliest first.

    Only a meeting that has begun counts, so one cancelled or moved before it starts
    never does; one that took place while Respite was not running is still counted
    later, as long as the calendar shows it.
    """
    listed = [e for e in events if e.is_meeting and e.start <= now]
    today = schedule.local_date(now)
    seen = set(recorded)
    result = []
    for offset in range(RECORD_DAYS - 1, -1, -1):
        for event in after_hours_meetings(listed, schedule, today - timedelta(days=offset)):
            if event.start not in seen:
                seen.add(event.start)
                result.append(event)
    return sorted(result, key=lambda e: e.start)
