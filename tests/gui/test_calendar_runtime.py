"""The runtime with a local calendar file: the break is held during a meeting and comes
right after it; a broken file is reported and the last good copy stays in use."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.events import EventKind
from respite.core.nudges import Nudge, NudgeKind
from respite.core.status_text import status_line
from respite.runtime import Runtime
from respite.storage.db import EventLog

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # Monday, work starts
FRIDAY = date(2026, 11, 27)  # a holiday in the calendar below
FAR = datetime(2100, 1, 1, tzinfo=LONDON)

ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//respite//tests//EN\r\n"
    "BEGIN:VEVENT\r\nUID:m1\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/London:20261123T092000\r\n"
    "DTEND;TZID=Europe/London:20261123T101000\r\nSUMMARY:Planning\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:m2\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;TZID=Europe/London:20261123T180000\r\n"
    "DTEND;TZID=Europe/London:20261123T190000\r\nSUMMARY:US call\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:h\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART;VALUE=DATE:20261127\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


class Mono:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class Harness:
    def __init__(self, tmp_path: Path, start: datetime = START, ics: str = ICS) -> None:
        self.start_at = start
        self.clock = FakeClock(start)
        self.mono = Mono()
        self.ics = tmp_path / "work.ics"
        self.ics.write_text(ics, encoding="utf-8")
        self.settings = tmp_path / "config" / "settings.toml"
        self.settings.parent.mkdir(parents=True, exist_ok=True)
        self.settings.write_text(
            f'[[calendars]]\nname = "Work"\npath = "{self.ics.as_posix()}"\n', encoding="utf-8"
        )
        self.database = tmp_path / "data" / "respite.sqlite3"
        self.nudges: list[Nudge] = []
        self.notices: list[str] = []
        self.zone: list[tzinfo] = [LONDON]  # where the user is: set [0] to travel
        self.runtime = self.new_runtime()

    def new_runtime(self) -> Runtime:
        zone = self.zone
        runtime = Runtime(
            config_path=self.settings,
            database_path=self.database,
            clock=self.clock,
            monotonic=self.mono,
            zone=lambda: zone[0],
        )
        runtime.nudged.connect(self.nudges.append)
        runtime.notice_posted.connect(self.notices.append)
        return runtime

    def start(self, qtbot: Any) -> None:
        """Start the runtime and wait until it has read the calendar."""
        self.runtime.start()
        qtbot.waitUntil(lambda: bool(self.runtime.calendar_events), timeout=10_000)

    def stop(self) -> None:
        self.runtime.stop()
        self.runtime.calendar_sync.wait(10)

    def restart(self, qtbot: Any) -> None:
        self.stop()
        self.runtime = self.new_runtime()
        self.start(qtbot)

    def step(self, seconds: float = 30) -> None:
        self.clock.advance(seconds)
        self.mono.value += seconds
        self.runtime.sample()

    def run_until(self, hhmm: str, day: date | None = None) -> None:
        hour, minute = map(int, hhmm.split(":"))
        end = datetime.combine(day or self.start_at.date(), time(hour, minute), tzinfo=LONDON)
        while self.clock.now() < end:
            self.step()

    def logged(self, kind: EventKind) -> list[dict[str, Any]]:
        log, _ = EventLog.open(self.database, now=self.clock.now(), readonly=True)
        try:
            return [e.data for e in log.events(self.start_at - timedelta(days=30), FAR, {kind})]
        finally:
            log.close()


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """As the app does (GuiThreadGarbageCollector): the calendar's worker thread must not
    run the cycle collector, or a QObject from an earlier test dies off its thread."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


@pytest.fixture
def harness(qtbot: Any, tmp_path: Path) -> Iterator[Harness]:
    running = Harness(tmp_path)
    running.start(qtbot)
    yield running
    running.stop()


def test_a_break_waits_for_the_meeting_and_comes_right_after(harness: Harness) -> None:
    harness.run_until("10:05")
    # Only the heads-up about this evening's call, and no break during the meeting.
    assert [n.kind for n in harness.nudges] == [NudgeKind.MEETING_HEADS_UP]
    status = harness.runtime.engine.status()
    assert status_line(status, LONDON).startswith("Break held back until your meeting ends")
    # The precise timer wakes by the meeting's end at the latest.
    assert harness.runtime.wakeup_at is not None
    assert harness.runtime.wakeup_at <= START.replace(hour=10, minute=10)
    harness.run_until("10:11")
    assert [n.kind for n in harness.nudges] == [NudgeKind.MEETING_HEADS_UP, NudgeKind.SHORT_BREAK]


def test_status_reports_today_from_the_calendar(harness: Harness) -> None:
    harness.run_until("09:30")
    result = harness.runtime.perform("status")
    calendar = result["calendar"]
    assert calendar["meeting_now_ends"] == "2026-11-23T10:10:00+00:00"
    assert calendar["last_meeting_today_ends"] == "2026-11-23T19:00:00+00:00"
    assert calendar["after_hours_meetings_today"] == [
        {"start": "2026-11-23T18:00:00+00:00", "end": "2026-11-23T19:00:00+00:00"}
    ]
    assert calendar["days_off"] == ["2026-11-27"]
    assert calendar["problems"] == []


def test_a_broken_file_is_reported_and_the_last_good_copy_kept(
    harness: Harness, qtbot: Any
) -> None:
    before = list(harness.runtime.calendar_events)
    harness.ics.write_text("BEGIN:VCALENDAR\r\nnot a calendar line\r\n", encoding="utf-8")
    harness.runtime.calendar_sync.refresh(force=True)
    qtbot.waitUntil(lambda: bool(harness.notices), timeout=10_000)
    assert "Calendar 'Work'" in harness.notices[0]
    assert "last good copy" in harness.notices[0]
    assert harness.runtime.calendar_events == before
    assert harness.runtime.perform("status")["calendar"]["problems"] == harness.notices
    harness.run_until("10:11")  # nudges never stop because of a calendar
    assert [n.kind for n in harness.nudges] == [NudgeKind.MEETING_HEADS_UP, NudgeKind.SHORT_BREAK]


def test_no_calendars_means_no_thread_and_no_hold(qtbot: Any, tmp_path: Path) -> None:
    runtime = Runtime(
        config_path=tmp_path / "none.toml",
        database_path=tmp_path / "db.sqlite3",
        clock=FakeClock(START),
        zone=lambda: LONDON,
    )
    runtime.start()
    try:
        assert runtime.calendar_sync is None and runtime.hooks is None  # not even built
        assert "calendar" not in runtime.perform("status")
        assert runtime.engine.status().held_because != "meeting"
        assert runtime.calendar_events == []
    finally:
        runtime.stop()


# ----- days off, meetings outside hours ----------------------------------------------


def test_a_holiday_in_the_calendar_is_a_day_off(qtbot: Any, tmp_path: Path) -> None:
    friday = Harness(tmp_path, start=datetime.combine(FRIDAY, time(9, 0), tzinfo=LONDON))
    friday.start(qtbot)
    try:
        friday.run_until("11:00")
        # No break nudges on a day off: the gentle day-off ones only.
        assert {n.kind for n in friday.nudges} == {NudgeKind.DAY_OFF}
        status = friday.runtime.engine.status()
        assert status_line(status, LONDON) == "Day off (calendar: Holiday) — see you Monday 09:00"
        assert friday.runtime.perform("status")["status"]["day_off_reason"] == "Holiday"
        assert friday.logged(EventKind.CALENDAR_DAY_OFF) == [
            {"day": "2026-11-27", "off": True, "word": "Holiday"}
        ]
        assert friday.logged(EventKind.DAY_STARTED) == []  # no work day started
        shown = len(friday.nudges)
        # A restart keeps the day off, before and after the calendar is read again.
        friday.stop()
        friday.runtime = friday.new_runtime()
        friday.runtime.start()
        assert friday.runtime.engine.status().day_off_reason == "Holiday"
        qtbot.waitUntil(lambda: bool(friday.runtime.calendar_events), timeout=10_000)
        friday.run_until("11:30")
        assert {n.kind for n in friday.nudges[shown:]} <= {NudgeKind.DAY_OFF}
        assert len(friday.logged(EventKind.CALENDAR_DAY_OFF)) == 1
    finally:
        friday.stop()


def test_a_calendar_that_cannot_be_read_after_a_restart_keeps_the_day_off(
    qtbot: Any, tmp_path: Path
) -> None:
    """The file is gone at restart: nothing is known from it, so the holiday logged this
    morning stands (no "off: false" in the log, no work day, no break nudges)."""
    friday = Harness(tmp_path, start=datetime.combine(FRIDAY, time(9, 0), tzinfo=LONDON))
    friday.start(qtbot)
    try:
        friday.run_until("10:00")
        assert friday.runtime.engine.status().day_off_reason == "Holiday"
        friday.stop()
        friday.ics.unlink()
        friday.runtime = friday.new_runtime()
        friday.runtime.start()
        qtbot.waitUntil(lambda: bool(friday.runtime.calendar_problems), timeout=10_000)
        shown = len(friday.nudges)
        friday.run_until("11:30")
        assert "Nothing from it is used" in friday.runtime.calendar_problems["Work"]
        assert friday.runtime.engine.status().day_off_reason == "Holiday"
        assert friday.logged(EventKind.CALENDAR_DAY_OFF) == [
            {"day": "2026-11-27", "off": True, "word": "Holiday"}
        ]
        assert friday.logged(EventKind.DAY_STARTED) == []
        assert {n.kind for n in friday.nudges[shown:]} <= {NudgeKind.DAY_OFF}
    finally:
        friday.stop()


def test_an_unreadable_calendar_keeps_the_logged_days_off_beside_the_readable_ones(
    qtbot: Any, tmp_path: Path
) -> None:
    """A second calendar behind the keyring can't be read (no keyring here): the day off
    logged stands, and the readable calendar's own days off still apply."""
    friday = Harness(tmp_path, start=datetime.combine(FRIDAY, time(9, 0), tzinfo=LONDON))
    friday.start(qtbot)
    try:
        friday.run_until("09:30")
        friday.stop()
        # The holiday moved off this calendar; an OOO day came on Monday.
        friday.ics.write_text(
            ICS.replace(
                "DTSTART;VALUE=DATE:20261127\r\nSUMMARY:Holiday",
                "DTSTART;VALUE=DATE:20261130\r\nSUMMARY:OOO",
            ),
            encoding="utf-8",
        )
        with friday.settings.open("a", encoding="utf-8") as file:
            file.write('[[calendars]]\nname = "Team"\nsecret = "calendar-team"\n')
        friday.runtime = friday.new_runtime()
        friday.runtime.start()
        qtbot.waitUntil(lambda: "Team" in friday.runtime.calendar_problems, timeout=10_000)
        friday.run_until("10:00")
        assert friday.runtime.engine.schedule.days_off == {FRIDAY, date(2026, 11, 30)}
        assert friday.runtime.engine.status().day_off_reason == "Holiday"
        assert [d["off"] for d in friday.logged(EventKind.CALENDAR_DAY_OFF)] == [True]
    finally:
        friday.stop()


def test_flying_west_keeps_the_holiday_on_its_date_and_moves_floating_meetings(
    qtbot: Any, tmp_path: Path
) -> None:
    """Read in London on Thursday, then in New York: Friday's holiday is still Friday
    (not Thursday from 19:00 London), and a meeting with no zone (the wall clock's 15:00)
    is read again at 15:00 New York."""
    thursday = FRIDAY - timedelta(days=1)
    floating = (
        "BEGIN:VEVENT\r\nUID:f\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261127T150000\r\n"
        "DTEND:20261127T153000\r\nSUMMARY:Wall clock\r\nEND:VEVENT\r\nEND:VCALENDAR"
    )
    trip = Harness(
        tmp_path,
        start=datetime.combine(thursday, time(9, 0), tzinfo=LONDON),
        ics=ICS.replace("END:VCALENDAR", floating),
    )
    trip.start(qtbot)
    try:
        trip.run_until("10:00", thursday)
        assert trip.runtime.engine.status().day_off_reason is None
        wall_clock = [e.start for e in trip.runtime.calendar_events if e.start.minute == 0]
        assert datetime(2026, 11, 27, 15, 0, tzinfo=UTC) in wall_clock
        # Landed: 19:00 London is 14:00 on Thursday in New York, a workday there.
        trip.zone[0] = NEW_YORK
        trip.clock.set(datetime.combine(thursday, time(19, 0), tzinfo=LONDON))
        trip.step()
        trip.step()
        status = trip.runtime.engine.status()
        assert status.day_off_reason is None
        assert trip.runtime.engine.schedule.days_off == {FRIDAY}
        assert trip.logged(EventKind.CALENDAR_DAY_OFF) == []
        qtbot.waitUntil(
            lambda: any(
                e.start == datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
                for e in trip.runtime.calendar_events
            ),
            timeout=10_000,
        )
        # Friday in New York is the holiday.
        trip.clock.set(datetime.combine(FRIDAY, time(10, 0), tzinfo=NEW_YORK))
        trip.step()
        assert trip.runtime.engine.status().day_off_reason == "Holiday"
    finally:
        trip.stop()


@pytest.fixture
def silent_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendars never answer (a keyring waiting for its password, a dead network)."""
    from respite.calendar_sync import CalendarSync

    monkeypatch.setattr(CalendarSync, "refresh", lambda self, force=False: None)


@pytest.mark.parametrize(
    ("started", "day_started"),
    [
        ("08:58", True),  # running when the hours began
        ("09:14", True),  # started in the first 15 minutes; the wait ends at 09:16
        ("09:20", False),  # started later: the day had begun without Respite
    ],
)
def test_a_silent_calendar_delays_the_day_start_only_briefly(
    silent_calendar: None, tmp_path: Path, started: str, day_started: bool
) -> None:
    hour, minute = map(int, started.split(":"))
    monday = Harness(tmp_path, start=START.replace(hour=hour, minute=minute))
    monday.runtime.start()
    try:
        monday.run_until("09:30")
        assert monday.runtime.calendar_events == []  # never heard from
        expected = [{"day": "2026-11-23"}] if day_started else []
        assert monday.logged(EventKind.DAY_STARTED) == expected
    finally:
        monday.stop()


def test_a_slow_calendar_delays_the_day_start_two_minutes_at_most(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started at 09:05; the calendar's first answer comes only at 09:20, after the 15
    minutes' grace. The day starts at 09:07 anyway, once, and the answer changes nothing."""
    from respite.calendar_sync import CalendarSync

    held: list[CalendarSync] = []
    real_refresh = CalendarSync.refresh
    monkeypatch.setattr(CalendarSync, "refresh", lambda self, force=False: held.append(self))
    monday = Harness(tmp_path, start=START.replace(minute=5))
    monday.runtime.start()
    try:
        monday.run_until("09:06")
        assert monday.logged(EventKind.DAY_STARTED) == []  # waiting for the calendar
        monday.run_until("09:08")
        assert monday.logged(EventKind.DAY_STARTED) == [{"day": "2026-11-23"}]
        monday.run_until("09:20")
        monkeypatch.setattr(CalendarSync, "refresh", real_refresh)
        held[0].refresh(force=True)
        qtbot.waitUntil(lambda: bool(monday.runtime.calendar_events), timeout=10_000)
        monday.run_until("09:21")
        assert monday.logged(EventKind.DAY_STARTED) == [{"day": "2026-11-23"}]
    finally:
        monday.stop()


def test_a_meeting_outside_hours_is_flagged_once_and_logged_without_its_title(
    harness: Harness, qtbot: Any
) -> None:
    harness.run_until("09:01")
    (heads_up,) = [n for n in harness.nudges if n.kind is NudgeKind.MEETING_HEADS_UP]
    assert heads_up.body == (
        "A meeting at 18:00 today is outside your hours. Maybe finish earlier to make room for it?"
    )
    status = harness.runtime.engine.status()
    assert status_line(status, LONDON).endswith(" · last meeting ends 19:00")
    assert harness.logged(EventKind.MEETING_OUTSIDE_HOURS) == []  # it hasn't begun
    # Restarted during the day: no second heads-up (the log remembers it).
    harness.restart(qtbot)
    harness.run_until("09:05")
    assert [n.kind for n in harness.nudges].count(NudgeKind.MEETING_HEADS_UP) == 1
    # The call begins: logged once, at its start, with no title.
    harness.clock.set(datetime.combine(START.date(), time(17, 59, 45), tzinfo=LONDON))
    harness.step()
    harness.run_until("18:02")
    expected = {
        "start": "2026-11-23T18:00:00+00:00",
        "end": "2026-11-23T19:00:00+00:00",
        "day": "2026-11-23",
    }
    assert harness.logged(EventKind.MEETING_OUTSIDE_HOURS) == [expected]
    harness.restart(qtbot)
    harness.run_until("18:05")
    assert harness.logged(EventKind.MEETING_OUTSIDE_HOURS) == [expected]


def test_a_meeting_while_respite_was_not_running_is_logged_later(
    qtbot: Any, tmp_path: Path
) -> None:
    tuesday = Harness(tmp_path, start=START + timedelta(days=1))
    tuesday.start(qtbot)
    try:
        tuesday.step()
        # Monday's 18:00 call took place (the calendar still shows it): counted, at 18:00.
        logged = tuesday.logged(EventKind.MEETING_OUTSIDE_HOURS)
        assert [m["start"] for m in logged] == ["2026-11-23T18:00:00+00:00"]
        assert [n.kind for n in tuesday.nudges] == []  # nothing outside hours today
    finally:
        tuesday.stop()


def test_a_cancelled_meeting_is_never_counted(qtbot: Any, tmp_path: Path) -> None:
    cancelled = ICS.replace("SUMMARY:US call\r\n", "SUMMARY:US call\r\nSTATUS:CANCELLED\r\n")
    evening = Harness(tmp_path, start=START.replace(hour=17), ics=cancelled)
    evening.start(qtbot)
    try:
        evening.run_until("18:30")
        assert evening.logged(EventKind.MEETING_OUTSIDE_HOURS) == []
        assert NudgeKind.MEETING_HEADS_UP not in [n.kind for n in evening.nudges]
    finally:
        evening.stop()


# ----- loading only what is used -----------------------------------------------------

LAZY_CHECK = """
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from respite.core.clock import FakeClock
from respite.runtime import Runtime

app = QCoreApplication([])
folder = Path(sys.argv[1])
settings = folder / "settings.toml"
settings.write_text('why = "evenings"\\n', encoding="utf-8")
runtime = Runtime(
    config_path=settings,
    database_path=folder / "db.sqlite3",
    clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Europe/London"))),
)
runtime.start()
print("started", "respite.calendar_sync" in sys.modules, "respite.hooks" in sys.modules)
settings.write_text(
    '[[hooks]]\\nname = "Log"\\non = ["pause"]\\ncommand = ["true"]\\n', encoding="utf-8"
)
assert runtime.reload_settings()
print("hook", "respite.calendar_sync" in sys.modules, runtime.hooks is not None)
ics = folder / "work.ics"
ics.write_text("BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nEND:VCALENDAR\\r\\n", encoding="utf-8")
settings.write_text(f'[[calendars]]\\nname = "Work"\\npath = "{ics.as_posix()}"\\n')
assert runtime.reload_settings()
print("calendar", "respite.calendar_sync" in sys.modules, runtime.calendar_sync is not None)
runtime.stop()
runtime.calendar_sync.wait(10)
"""


def test_calendars_and_hooks_load_only_once_configured(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "started False False",
        "hook False True",
        "calendar True True",
    ]
