"""The runtime starts on a log it can't take at its word: a row whose data the engine
can't use, or state dated ahead by a clock that ran fast (the engine's side of both is
in tests/unit/test_engine_restore.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.engine import Phase
from respite.core.events import Event, EventKind, iso
from respite.runtime import Runtime
from respite.storage.db import EventLog

LONDON = ZoneInfo("Europe/London")
# Monday 23 November 2026, 10:00 in London: inside the default 09:00-12:30 window.
RIGHT = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
FAST = RIGHT + timedelta(hours=3)  # what a clock 3 hours fast says then


class Active:
    def idle_seconds(self) -> float | None:
        return 0.0


class Machine:
    """The wall clock (which can be set) and the monotonic one (which can't)."""

    def __init__(self, tmp_path: Path, at: datetime) -> None:
        self.clock = FakeClock(at)
        self.mono = 1000.0
        self.db_path = tmp_path / "data" / "respite.sqlite3"
        self.config_path = tmp_path / "config" / "settings.toml"
        self.config_path.parent.mkdir(parents=True, exist_ok=True)

    def monotonic(self) -> float:
        return self.mono

    @contextmanager
    def running(self) -> Iterator[Runtime]:
        runtime = Runtime(
            config_path=self.config_path,
            database_path=self.db_path,
            clock=self.clock,
            idle=Active(),
            monotonic=self.monotonic,
            zone=lambda: LONDON,
        )
        runtime.start()
        try:
            yield runtime
        finally:
            runtime.stop()

    def step(self, runtime: Runtime, seconds: float = 30.0) -> None:
        self.clock.advance(seconds)
        self.mono += seconds
        runtime.sample()

    def logged(self, kind: EventKind) -> list[Event]:
        log, _ = EventLog.open(self.db_path, now=self.clock.now(), readonly=True)
        with log:
            return log.events(RIGHT - timedelta(days=1), RIGHT + timedelta(days=1), {kind})


def test_a_row_the_engine_cant_use_doesnt_stop_the_start(
    qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    machine = Machine(tmp_path, RIGHT)
    log, _ = EventLog.open(machine.db_path, now=RIGHT, zone=lambda: LONDON)
    with log:
        log.record(Event(EventKind.BREAK_STARTED, RIGHT - timedelta(minutes=5), {}))
        until = iso(RIGHT + timedelta(minutes=30))
        log.record(Event(EventKind.PAUSED, RIGHT - timedelta(minutes=1), {"until": until}))

    with caplog.at_level(logging.WARNING), machine.running() as runtime:
        status = runtime.engine.status()
        assert status.phase is Phase.PAUSED  # the good row after it took effect
        assert status.paused_until == RIGHT + timedelta(minutes=30)
        machine.step(runtime)
    assert "skipping a logged break_started event" in caplog.text
    assert len(machine.logged(EventKind.APP_STARTED)) == 1
    assert [e.data for e in machine.logged(EventKind.BREAK_STARTED)] == [{}]  # kept


def test_a_break_started_with_the_clock_fast_lasts_its_length_after_a_restart(
    qtbot: Any, tmp_path: Path
) -> None:
    machine = Machine(tmp_path, FAST)
    with machine.running() as runtime:
        runtime.perform("break", kind="short")
    machine.clock.set(RIGHT)  # set right at the next boot
    with machine.running() as runtime:
        assert runtime.engine.status().break_ends_at == RIGHT + timedelta(minutes=2)
        for _ in range(5):
            machine.step(runtime)
        assert runtime.engine.status().phase is Phase.WORKING
    with machine.running() as runtime:
        assert runtime.engine.status().phase is Phase.WORKING
    assert len(machine.logged(EventKind.BREAK_STARTED)) == 1
    assert len(machine.logged(EventKind.BREAK_FINISHED)) == 1


def test_a_pause_started_with_the_clock_fast_is_reined_in_when_it_is_set_right(
    qtbot: Any, tmp_path: Path
) -> None:
    machine = Machine(tmp_path, FAST)
    with machine.running() as runtime:
        runtime.perform("pause", minutes=30)
        machine.clock.set(RIGHT)  # while running: NTP, say
        machine.mono += 30
        runtime.sample()
        assert runtime.engine.status().paused_until == RIGHT + timedelta(minutes=30)
