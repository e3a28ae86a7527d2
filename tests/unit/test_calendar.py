"""The pure calendar logic: parsing, recurrences and zones, busy time, days off, and a
break held during a meeting and delivered right after it (fake clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from respite.core.calendar import (
    MAX_CALENDAR_BYTES,
    CalendarError,
    CalEvent,
    after_hours_meetings,
    busy_at,
    days_off,
    days_off_words,
    heads_up_meetings,
    last_meeting_on,
    meeting_hold,
    meetings_to_record,
    parse_ics,
)
from respite.core.engine import OBSERVE_EVERY
from respite.core.schedule import WorkSchedule
from respite.core.settings import Settings, WorkHours
from respite.core.status_text import status_line
from tests.fakes import Simulation

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def vevent(uid: str, lines: str) -> str:
    return f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n{lines}END:VEVENT\r\n"


def calendar(*events: str) -> bytes:
    body = "".join(events)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//respite//tests//EN\r\n{body}END:VCALENDAR\r\n"
    ).encode()


def meeting(uid: str, start: str, end: str, summary: str = "Meeting", extra: str = "") -> str:
    return vevent(
        uid,
        f"DTSTART;TZID=Europe/London:{start}\r\nDTEND;TZID=Europe/London:{end}\r\n"
        f"SUMMARY:{summary}\r\n{extra}",
    )


def test_a_weekly_meeting_in_another_zone_is_expanded_in_utc() -> None:
    data = calendar(
        vevent(
            "standup",
            "DTSTART;TZID=America/New_York:20261102T090000\r\n"
            "DTEND;TZID=America/New_York:20261102T093000\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=MO\r\nSUMMARY:Standup\r\n",
        )
    )
    events = parse_ics(data, now=NOW, zone=LONDON)
    starts = [e.start for e in events]
    # 09:00 New York is 14:00 UTC in November (both zones on standard time).
    assert datetime(2026, 11, 23, 14, 0, tzinfo=UTC) in starts
    assert datetime(2026, 11, 30, 14, 0, tzinfo=UTC) in starts
    assert all(e.summary == "Standup" and e.is_meeting for e in events)


def test_free_and_cancelled_events_are_not_busy() -> None:
    data = calendar(
        meeting("a", "20261123T100000", "20261123T110000", "Focus", "TRANSP:TRANSPARENT\r\n"),
        meeting("b", "20261123T120000", "20261123T130000", "Gone", "STATUS:CANCELLED\r\n"),
        meeting("c", "20261123T140000", "20261123T150000", "Review"),
    )
    events = parse_ics(data, now=NOW, zone=LONDON)
    assert busy_at(events, at(MONDAY, "10:30")) is None
    assert busy_at(events, at(MONDAY, "12:30")) is None
    current = busy_at(events, at(MONDAY, "14:30"))
    assert current is not None and current.summary == "Review"
    assert meeting_hold(events, at(MONDAY, "14:59")) == "meeting"
    assert meeting_hold(events, at(MONDAY, "15:00")) is None


def test_all_day_events_with_a_marked_word_are_days_off() -> None:
    data = calendar(
        vevent(
            "h",
            "DTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261126\r\nSUMMARY:OOO - Lisbon\r\n",
        ),
        vevent("x", "DTSTART;VALUE=DATE:20261127\r\nSUMMARY:Team offsite\r\n"),
        vevent("y", "DTSTART;VALUE=DATE:20261130\r\nSUMMARY:Bank holiday\r\n"),
    )
    events = parse_ics(data, now=NOW, zone=LONDON)
    assert days_off(events, ("Holiday", "OOO")) == {
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 30),
    }
    assert busy_at(events, at(date(2026, 11, 24), "10:00")) is None  # all-day is not a meeting
    # Each with the word that matched, as the settings spell it.
    assert days_off_words(events, ("holiday", "OOO")) == {
        date(2026, 11, 24): "OOO",
        date(2026, 11, 25): "OOO",
        date(2026, 11, 30): "holiday",
    }


NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize("read_in", [LONDON, NEW_YORK, TOKYO, UTC])
def test_an_all_day_day_off_keeps_its_dates_in_any_zone(read_in: tzinfo) -> None:
    """A holiday on Friday is Friday wherever the file was read and wherever the user is
    now: all-day events are calendar dates, not instants of some zone."""
    data = calendar(
        vevent("h", "DTSTART;VALUE=DATE:20261127\r\nSUMMARY:Holiday\r\n"),
        vevent(
            "o",
            "DTSTART;VALUE=DATE:20261130\r\nDTEND;VALUE=DATE:20261202\r\nSUMMARY:OOO\r\n",
        ),
        vevent("d", "DTSTART;VALUE=DATE:20261203\r\nDURATION:P1D\r\nSUMMARY:Vacation\r\n"),
        meeting("m", "20261127T100000", "20261127T110000", "Holiday planning"),
    )
    events = parse_ics(data, now=datetime(2026, 11, 26, 12, tzinfo=LONDON), zone=read_in)
    holiday = next(e for e in events if e.summary == "Holiday")
    assert (holiday.first_day, holiday.last_day) == (date(2026, 11, 27), date(2026, 11, 27))
    assert days_off_words(events, ("Holiday", "OOO", "Vacation")) == {
        date(2026, 11, 27): "Holiday",
        date(2026, 11, 30): "OOO",  # DTEND is the day after the last one
        date(2026, 12, 1): "OOO",
        date(2026, 12, 3): "Vacation",
    }
    planning = next(e for e in events if e.summary == "Holiday planning")
    assert not planning.all_day and planning.first_day is None  # a timed event has no dates


def test_a_years_long_all_day_event_counts_only_around_now() -> None:
    data = calendar(
        vevent(
            "s",
            "DTSTART;VALUE=DATE:20200101\r\nDTEND;VALUE=DATE:20400101\r\nSUMMARY:OOO\r\n",
        )
    )
    (event,) = parse_ics(data, now=NOW, zone=LONDON)
    off = days_off(events=[event], words=("OOO",))
    assert MONDAY in off and len(off) < 30


def test_a_day_off_in_the_schedule_has_no_windows() -> None:
    friday = MONDAY + timedelta(days=4)
    schedule = WorkSchedule(WorkHours(), LONDON, frozenset({friday}))
    assert schedule.windows_on(friday) == ()
    assert schedule.is_day_off(friday)
    assert schedule.workday_at(at(friday, "10:00")) is None
    assert schedule.next_shift_start(at(MONDAY + timedelta(days=3), "18:00")) == at(
        MONDAY + timedelta(days=7), "09:00"
    )
    assert len(schedule.windows_on(MONDAY)) == 2  # other days keep their hours


def test_last_meeting_and_meetings_outside_work_hours() -> None:
    data = calendar(
        meeting("a", "20261123T080000", "20261123T083000", "Early sync"),
        meeting("b", "20261123T100000", "20261123T110000", "Planning"),
        meeting("c", "20261123T163000", "20261123T173000", "Demo"),
        meeting("d", "20261123T180000", "20261123T190000", "US call"),
    )
    events = parse_ics(data, now=NOW, zone=LONDON)
    last = last_meeting_on(events, MONDAY, LONDON)
    assert last is not None and last.summary == "US call"
    schedule = WorkSchedule(WorkHours(), LONDON)  # 09:00-12:30, 13:15-17:30
    outside = after_hours_meetings(events, schedule, MONDAY)
    assert [e.summary for e in outside] == ["Early sync", "US call"]
    saturday = MONDAY + timedelta(days=5)
    weekend = parse_ics(
        calendar(meeting("s", "20261128T100000", "20261128T103000", "Sat call")),
        now=NOW,
        zone=LONDON,
    )
    assert [e.summary for e in after_hours_meetings(weekend, schedule, saturday)] == ["Sat call"]


def test_heads_up_meetings_are_the_ones_still_to_come_outside_hours_today() -> None:
    schedule = WorkSchedule(WorkHours(), LONDON)
    events = [
        CalEvent(at(MONDAY, "19:00"), at(MONDAY, "19:30"), "Late"),
        CalEvent(at(MONDAY, "07:30"), at(MONDAY, "08:30"), "Early"),
        CalEvent(at(MONDAY, "10:00"), at(MONDAY, "11:00"), "In hours"),
        CalEvent(at(MONDAY, "18:00"), at(MONDAY, "18:30"), "Evening"),
        CalEvent(at(MONDAY, "20:00"), at(MONDAY, "21:00"), "Free", busy=False),
        CalEvent(at(TUESDAY, "07:00"), at(TUESDAY, "07:30"), "Tomorrow"),
    ]
    coming = heads_up_meetings(events, schedule, at(MONDAY, "08:00"))
    assert [e.summary for e in coming] == ["Evening", "Late"]  # earliest first


def test_meetings_are_recorded_once_they_have_begun_and_only_once() -> None:
    schedule = WorkSchedule(WorkHours(), LONDON)
    sunday = MONDAY - timedelta(days=1)
    events = [
        CalEvent(at(MONDAY, "18:00"), at(MONDAY, "19:00"), "US call"),
        CalEvent(at(MONDAY, "18:00"), at(MONDAY, "18:45"), "Double-booked"),
        CalEvent(at(MONDAY, "10:00"), at(MONDAY, "11:00"), "In hours"),
        CalEvent(at(MONDAY, "20:00"), at(MONDAY, "21:00"), "Cancelled", busy=False),
        CalEvent(at(sunday, "11:00"), at(sunday, "11:30"), "Sunday call"),
        CalEvent(
            at(MONDAY - timedelta(days=7), "19:00"),
            at(MONDAY - timedelta(days=7), "20:00"),
            "Too old",
        ),
    ]
    starts = [e.start for e in meetings_to_record(events, schedule, at(MONDAY, "17:59"), ())]
    assert starts == [at(sunday, "11:00")]  # Monday's call hasn't begun: it may yet move
    recorded = meetings_to_record(events, schedule, at(MONDAY, "18:00"), [at(sunday, "11:00")])
    assert [e.start for e in recorded] == [at(MONDAY, "18:00")]  # one per start time
    # A day off (from the calendar) makes every meeting on it count.
    off = WorkSchedule(WorkHours(), LONDON, frozenset({MONDAY}))
    later = meetings_to_record(events, off, at(MONDAY, "23:00"), [at(sunday, "11:00")])
    assert [e.summary for e in later] == ["In hours", "US call"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not an iCalendar file"),
        (b"<html>Sign in</html>", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\r\n", "could not be read"),
        (b"BEGIN:VCALENDAR\r\n" + b"X" * (MAX_CALENDAR_BYTES + 1), "too large"),
        (
            calendar(
                vevent(
                    "z",
                    "DTSTART;TZID=Mars/Olympus:20261123T100000\r\n"
                    "DTEND;TZID=Mars/Olympus:20261123T110000\r\nSUMMARY:Odd\r\n",
                )
            ),
            "unknown time zone 'Mars/Olympus'",
        ),
    ],
)
def test_bad_calendars_are_refused_with_a_clear_message(data: bytes, words: str) -> None:
    with pytest.raises(CalendarError, match=words):
        parse_ics(data, now=NOW, zone=LONDON, source="Work")


SECRET_TITLE = "Layoffs planning with HR"


@pytest.mark.parametrize(
    "body",
    [
        # An unknown zone: named, with how many events use it, never which.
        vevent(
            "z",
            "DTSTART;TZID=Mars/Olympus:20261123T100000\r\n"
            f"DTEND;TZID=Mars/Olympus:20261123T110000\r\nSUMMARY:{SECRET_TITLE}\r\n",
        ),
        # A stray line (a badly folded description, say): icalendar quotes it.
        f"{SECRET_TITLE}\r\n" + vevent("f", "DTSTART:20261123T100000Z\r\nSUMMARY:Agenda\r\n"),
        # A broken value that happens to hold the title: icalendar quotes the value.
        vevent(
            "v", f"DTSTART:20261123T100000Z\r\nDTEND:{SECRET_TITLE}\r\nSUMMARY:{SECRET_TITLE}\r\n"
        ),
        # The same, unquoted (an EXDATE icalendar can't read).
        vevent(
            "x",
            "DTSTART:20261123T100000Z\r\nRRULE:FREQ=DAILY\r\n"
            f"EXDATE:{SECRET_TITLE}\r\nSUMMARY:{SECRET_TITLE}\r\n",
        ),
    ],
)
def test_a_refused_calendar_never_names_an_event_title(body: str) -> None:
    """The message goes to the log and to `respite status`: no meeting's title in it."""
    with pytest.raises(CalendarError) as refused:
        parse_ics(calendar(body), now=NOW, zone=LONDON, source="Work")
    message = str(refused.value)
    assert "Layoffs" not in message and "HR" not in message, message
    assert message.startswith("Work ")


def test_an_unknown_zone_is_named_with_how_many_events_use_it() -> None:
    odd = "DTSTART;TZID=Mars/Olympus:20261123T100000\r\nDTEND;TZID=Mars/Olympus:20261123T110000\r\n"
    data = calendar(vevent("a", odd + "SUMMARY:One\r\n"), vevent("b", odd + "SUMMARY:Two\r\n"))
    with pytest.raises(CalendarError) as refused:
        parse_ics(data, now=NOW, zone=LONDON, source="Work")
    assert str(refused.value) == (
        "Work uses the unknown time zone 'Mars/Olympus' (2 events) and does not define it"
    )


def test_a_runaway_recurrence_is_refused() -> None:
    data = calendar(
        vevent(
            "r",
            "DTSTART:20261101T000000Z\r\nDTEND:20261101T000100Z\r\n"
            "RRULE:FREQ=MINUTELY\r\nSUMMARY:Spam\r\n",
        )
    )
    with pytest.raises(CalendarError, match="more than"):
        parse_ics(data, now=NOW, zone=LONDON)


def test_a_zone_defined_in_the_file_is_accepted() -> None:
    data = calendar(
        "BEGIN:VTIMEZONE\r\nTZID:Custom/Office\r\nBEGIN:STANDARD\r\n"
        "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\n"
        "END:STANDARD\r\nEND:VTIMEZONE\r\n",
        vevent(
            "c",
            "DTSTART;TZID=Custom/Office:20261123T100000\r\n"
            "DTEND;TZID=Custom/Office:20261123T110000\r\nSUMMARY:Custom\r\n",
        ),
    )
    (event,) = parse_ics(data, now=NOW, zone=LONDON)
    assert event.start == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


# ----- the engine, driven by the calendar --------------------------------------------


def run_with_calendar(sim: Simulation, events: list[CalEvent], until: datetime) -> None:
    """Step like the runtime does: set the calendar hold, then take an idle sample."""
    while sim.clock.now() < until:
        sim.engine.set_hold("calendar", meeting_hold(events, sim.clock.now()))
        sim.run_until(sim.clock.now() + timedelta(seconds=OBSERVE_EVERY), lambda _: True)


def test_a_break_is_held_during_a_meeting_and_delivered_right_after() -> None:
    events = parse_ics(
        calendar(meeting("m", "20261123T092000", "20261123T101000", "Planning")),
        now=NOW,
        zone=LONDON,
    )
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    run_with_calendar(sim, events, at(MONDAY, "10:05"))
    assert sim.shown == []  # the short break was due at 09:30, in the meeting
    status = sim.engine.status()
    assert status.held_because == "meeting"
    assert status_line(status, LONDON).startswith("Break held back until your meeting ends")
    run_with_calendar(sim, events, at(MONDAY, "10:12"))
    assert sim.shown_local() == ["Mon 10:10 short_break"]
    assert sim.engine.status().held_because is None
