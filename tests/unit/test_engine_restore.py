"""What the engine makes of a log it can't take at its word: rows whose data it can't
use."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.engine import Engine, Phase
from respite.core.events import Event, EventKind, iso
from respite.core.settings import Settings
from tests.fakes import MemorySink, Simulation

LONDON = ZoneInfo("Europe/London")  # GMT in November: local time is UTC
MONDAY = date(2026, 11, 23)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def always(_: datetime) -> bool:
    return True


def logged(sim: Simulation, kind: EventKind) -> list[tuple[datetime, dict[str, Any]]]:
    return [(e.at, e.data) for e in sim.sink.events if e.kind is kind]


# ----- rows whose data can't be used ---------------------------------------------------

BAD_AT = at(MONDAY, "09:15")
IN_A_BIT = iso(at(MONDAY, "10:00"))
# Shapes a damaged or hand-edited row really takes; each one stopped every start before.
BAD_ROWS = [
    pytest.param(EventKind.BREAK_STARTED, {}, id="break-with-no-data"),
    pytest.param(
        EventKind.BREAK_STARTED, {"kind": "short", "planned_seconds": "2 min"}, id="not-a-number"
    ),
    pytest.param(
        EventKind.BREAK_STARTED, {"kind": "long", "planned_seconds": 1e300}, id="huge-seconds"
    ),
    pytest.param(EventKind.BREAK_SNOOZED, {"kind": "short", "minutes": 10**12}, id="huge-minutes"),
    pytest.param(EventKind.BREAK_SNOOZED, {"kind": "short", "minutes": None}, id="null-minutes"),
    pytest.param(EventKind.PAUSED, {"until": "tomorrow morning"}, id="date-that-doesnt-parse"),
    pytest.param(EventKind.PAUSED, {"until": "2026-11-23T10:00:00"}, id="date-without-zone"),
    pytest.param(EventKind.PAUSED, {"until": 1764000000}, id="date-as-a-number"),
    pytest.param(
        EventKind.DONE_FOR_TODAY, {"until": IN_A_BIT, "work_day": "Monday"}, id="bad-work-day"
    ),
    pytest.param(
        EventKind.DONE_FOR_TODAY, {"until": IN_A_BIT, "work_day": "9999-12-31"}, id="far-work-day"
    ),
    pytest.param(EventKind.NUDGE, {"kind": "short_break"}, id="nudge-without-level"),
    pytest.param(EventKind.NUDGE, {"kind": "coffee_break", "level": 0}, id="unknown-nudge"),
    pytest.param(
        EventKind.NUDGE,
        {"kind": "after_hours", "period": IN_A_BIT, "active_seconds": "NaN"},
        id="not-a-finite-number",
    ),
    pytest.param(
        EventKind.NUDGE,
        {"kind": "reminder", "name": "Water", "scheduled": "9999-12-31T23:59:59+00:00"},
        id="far-reminder-time",
    ),
    pytest.param(
        EventKind.NATURAL_BREAK, {"kind": "short", "start": IN_A_BIT, "end": 42}, id="natural"
    ),
    pytest.param(EventKind.SLEEP, {"start": "yesterday", "end": IN_A_BIT}, id="sleep"),
    pytest.param(EventKind.CALENDAR_DAY_OFF, {"day": "Christmas", "off": True}, id="day-off"),
    pytest.param(EventKind.OVERTIME, {"minutes": 30}, id="overtime-without-until"),
]
# Good events around the bad one: a long break 09:00-09:10, then a pause 09:20-09:50.
GOOD_BEFORE = [
    Event(EventKind.BREAK_STARTED, at(MONDAY, "09:00"), {"kind": "long", "planned_seconds": 600}),
    Event(
        EventKind.BREAK_FINISHED,
        at(MONDAY, "09:10"),
        {"kind": "long", "seconds": 600, "completed": True},
    ),
]
GOOD_AFTER = [Event(EventKind.PAUSED, at(MONDAY, "09:20"), {"until": iso(at(MONDAY, "09:50"))})]


def restored(clock: FakeClock, events: list[Event], sink: MemorySink | None = None) -> Engine:
    sink = MemorySink() if sink is None else sink
    return Engine(Settings(), clock, sink, zone=lambda: LONDON, past_events=events)


@pytest.mark.parametrize(("kind", "data"), BAD_ROWS)
def test_a_row_whose_data_cant_be_used_is_skipped_and_the_rest_restored(
    kind: EventKind, data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    bad = Event(kind, BAD_AT, data)
    clock = FakeClock(at(MONDAY, "09:30"))
    with caplog.at_level(logging.WARNING, logger="respite.core.engine"):
        engine = restored(clock, [*GOOD_BEFORE, bad, *GOOD_AFTER])

    # Skipped as a whole (nothing half-applied), and said so once, by kind and time.
    assert engine.state == restored(clock, [*GOOD_BEFORE, *GOOD_AFTER]).state
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert kind.value in warnings[0] and iso(BAD_AT) in warnings[0]
    # The good events around it took effect: the break reset the count, the pause holds.
    assert engine.state.long_reset_at == at(MONDAY, "09:10")
    status = engine.status()
    assert status.phase is Phase.PAUSED
    assert status.paused_until == at(MONDAY, "09:50")

    # And the engine runs on as usual: the pause ends by itself at 09:50, and the short
    # break is due 30 active minutes after the work began at 09:30.
    sim = Simulation(Settings(), clock.now())
    sim.engine = restored(sim.clock, [*GOOD_BEFORE, bad, *GOOD_AFTER], sim.sink)
    sim.run_until(at(MONDAY, "10:01"), always)
    assert sim.shown_local() == ["Mon 10:00 short_break"]
    assert logged(sim, EventKind.RESUMED) == [(at(MONDAY, "09:50"), {"auto": True})]


def test_the_warning_for_a_skipped_row_never_shows_its_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # float("my diary: …") would put the text in its message.
    bad = Event(EventKind.BREAK_STARTED, BAD_AT, {"kind": "short", "planned_seconds": "my diary"})
    with caplog.at_level(logging.DEBUG):
        restored(FakeClock(at(MONDAY, "09:30")), [bad])
    assert "skipping" in caplog.text and "my diary" not in caplog.text


def test_an_event_dated_over_a_year_ahead_is_skipped_not_trusted() -> None:
    far = datetime(9000, 1, 1, tzinfo=LONDON)
    paused = Event(EventKind.PAUSED, far, {"until": iso(far + timedelta(minutes=30))})
    engine = restored(FakeClock(at(MONDAY, "09:30")), [paused])
    assert engine.state.pause is None
    assert engine.status().phase is Phase.WORKING


def test_restoring_a_bad_row_writes_nothing() -> None:
    sink = MemorySink()
    restored(FakeClock(at(MONDAY, "09:30")), [Event(EventKind.BREAK_STARTED, BAD_AT, {})], sink)
    assert sink.events == []  # the log keeps the row; nothing is added or taken back
