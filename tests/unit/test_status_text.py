"""The status line people read in the tray and from `respite status`."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from respite.core.settings import Settings
from respite.core.status_text import status_line, tooltip, when_text
from tests.fakes import Simulation

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def sim_at(hhmm: str, day: date = MONDAY) -> Simulation:
    sim = Simulation(Settings(), at(day, "08:59"))
    sim.run_until(at(day, hhmm), lambda now: now >= at(day, "09:00"))
    return sim


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(MONDAY, "14:30"), "14:30"),
        (at(MONDAY + timedelta(1), "09:00"), "tomorrow 09:00"),
        (at(MONDAY + timedelta(4), "09:00"), "Friday 09:00"),
        (at(MONDAY + timedelta(9), "09:00"), "2 Dec 09:00"),
    ],
)
def test_when_text(moment: datetime, expected: str) -> None:
    assert when_text(moment, at(MONDAY, "10:00"), LONDON) == expected


def test_working() -> None:
    sim = sim_at("09:18")
    # 18 min of activity minus the last half-minute sample: 12.5 min to go.
    assert status_line(sim.engine.status(), LONDON) == (
        "Short break in 12 min · 7 h 27 min of work left"
    )
    assert tooltip(sim.engine.status(), LONDON).startswith("Respite — Short break in")


def test_break_due_paused_and_on_a_break() -> None:
    sim = sim_at("09:31")
    assert status_line(sim.engine.status(), LONDON) == (
        "Time for a short break · 7 h 14 min of work left"
    )
    sim.engine.start_break()
    assert status_line(sim.engine.status(), LONDON) == "On a break until 09:33. Enjoy it."
    sim.engine.finish_break()
    sim.engine.pause(60)
    assert status_line(sim.engine.status(), LONDON) == "Paused until 10:31"


def test_held_back_says_why() -> None:
    sim = sim_at("09:10")
    sim.engine.set_hold("fullscreen", "fullscreen")
    assert status_line(sim.engine.status(), LONDON).startswith(
        "Break held back while a window is fullscreen · "
    )
    sim.engine.set_hold("fullscreen", None)
    sim.engine.snooze(10)
    assert status_line(sim.engine.status(), LONDON).startswith("Break snoozed until 09:20 · ")


def test_off_hours_and_done() -> None:
    friday = MONDAY + timedelta(4)
    sim = sim_at("18:00", friday)
    assert status_line(sim.engine.status(), LONDON) == "Off hours — see you Monday 09:00"
    sim = sim_at("15:00")
    sim.engine.done_for_today()
    assert status_line(sim.engine.status(), LONDON) == "Done for today — see you tomorrow 09:00"


def test_a_calendar_day_off_is_named_and_the_last_meeting_told() -> None:
    sim = sim_at("10:00")
    status = dataclasses.replace(sim.engine.status(), last_meeting_ends=at(MONDAY, "16:30"))
    assert status_line(status, LONDON) == (
        "Short break in 16 min · 6 h 45 min of work left · last meeting ends 16:30"
    )
    assert tooltip(status, LONDON).endswith("· last meeting ends 16:30")
    evening = dataclasses.replace(
        sim_at("18:00").engine.status(), last_meeting_ends=at(MONDAY, "19:00")
    )
    assert status_line(evening, LONDON) == (
        "Off hours — see you tomorrow 09:00 · last meeting ends 19:00"
    )
    sim.engine.set_days_off({MONDAY: "Holiday"})
    sim.engine.reconcile()
    assert status_line(sim.engine.status(), LONDON) == (
        "Day off (calendar: Holiday) — see you tomorrow 09:00"
    )
