"""The runtime with a local calendar file: the break is held during a meeting and comes
right after it; a broken file is reported and the last good copy stays in use."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.nudges import Nudge, NudgeKind
from respite.core.status_text import status_line
from respite.runtime import Runtime

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)  # Monday, work starts

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
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(START)
        self.mono = Mono()
        self.ics = tmp_path / "work.ics"
        self.ics.write_text(ICS, encoding="utf-8")
        settings = tmp_path / "config" / "settings.toml"
        settings.parent.mkdir(parents=True)
        settings.write_text(
            f'[[calendars]]\nname = "Work"\npath = "{self.ics.as_posix()}"\n', encoding="utf-8"
        )
        self.runtime = Runtime(
            config_path=settings,
            database_path=tmp_path / "data" / "respite.sqlite3",
            clock=self.clock,
            monotonic=self.mono,
            zone=lambda: LONDON,
        )
        self.nudges: list[Nudge] = []
        self.notices: list[str] = []
        self.runtime.nudged.connect(self.nudges.append)
        self.runtime.notice_posted.connect(self.notices.append)

    def run_until(self, hhmm: str) -> None:
        hour, minute = map(int, hhmm.split(":"))
        end = START.replace(hour=hour, minute=minute)
        while self.clock.now() < end:
            self.clock.advance(30)
            self.mono.value += 30
            self.runtime.sample()


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
    running.runtime.start()
    qtbot.waitUntil(lambda: bool(running.runtime.calendar_events), timeout=10_000)
    yield running
    running.runtime.stop()
    running.runtime.calendar_sync.wait(10)


def test_a_break_waits_for_the_meeting_and_comes_right_after(harness: Harness) -> None:
    harness.run_until("10:05")
    assert [n.kind for n in harness.nudges] == []
    status = harness.runtime.engine.status()
    assert status_line(status, LONDON).startswith("Break held back until your meeting ends")
    # The precise timer wakes by the meeting's end at the latest.
    assert harness.runtime.wakeup_at is not None
    assert harness.runtime.wakeup_at <= START.replace(hour=10, minute=10)
    harness.run_until("10:11")
    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]


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
    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]


def test_no_calendars_means_no_thread_and_no_hold(qtbot: Any, tmp_path: Path) -> None:
    runtime = Runtime(
        config_path=tmp_path / "none.toml",
        database_path=tmp_path / "db.sqlite3",
        clock=FakeClock(START),
        zone=lambda: LONDON,
    )
    runtime.start()
    try:
        assert not runtime.calendar_sync.busy()
        assert "calendar" not in runtime.perform("status")
        assert runtime.engine.status().held_because != "meeting"
        assert runtime.calendar_events == []
    finally:
        runtime.stop()
