"""The headless runtime: a real event log and Qt timers, a fake clock and idle source."""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from respite.core.clock import FakeClock
from respite.core.engine import ActionError, Phase, Status
from respite.core.events import Event, EventKind
from respite.core.history import DaySummary, history_range, summarize_days
from respite.core.nudges import Nudge, NudgeKind
from respite.core.schedule import WorkSchedule
from respite.core.settings import Hook, Settings
from respite.runtime import JUMP_TOLERANCE, NoIdleSource, Runtime
from respite.storage.db import EventLog

LONDON = ZoneInfo("Europe/London")
# Monday 23 November 2026, 10:00 in London: inside the default 09:00-12:30 window.
START = datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)


class FakeIdle:
    def __init__(self) -> None:
        self.value: float | None = 0.0
        self.calls = 0

    def idle_seconds(self) -> float | None:
        self.calls += 1
        return self.value


class BrokenIdle:
    def idle_seconds(self) -> float | None:
        raise OSError("the display went away")


class FakeMonotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class Harness:
    def __init__(self, tmp_path: Path, idle: Any = None) -> None:
        self.clock = FakeClock(START)
        self.idle = idle if idle is not None else FakeIdle()
        self.mono = FakeMonotonic()
        self.settings_path = tmp_path / "config" / "settings.toml"
        self.settings_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = tmp_path / "data" / "respite.sqlite3"
        self.runtime = Runtime(
            config_path=self.settings_path,
            database_path=self.db_path,
            clock=self.clock,
            idle=self.idle,
            monotonic=self.mono,
            zone=lambda: LONDON,
        )
        self.nudges: list[Nudge] = []
        self.statuses: list[Status] = []
        self.runtime.nudged.connect(self.nudges.append)
        self.runtime.status_changed.connect(self.statuses.append)

    def step(self, seconds: float = 30.0) -> list[Nudge]:
        """Time passes on both clocks, then the observe timer fires."""
        self.clock.advance(seconds)
        self.mono.value += seconds
        return self.runtime.sample()

    def run_for(self, seconds: float) -> None:
        end = self.clock.now() + timedelta(seconds=seconds)
        while self.clock.now() < end:
            self.step()

    def logged(self) -> list[EventKind]:
        return [e.kind for e in self.logged_events()]

    def logged_events(self, kind: EventKind | None = None) -> list[Event]:
        log, _ = EventLog.open(self.db_path, now=self.clock.now(), readonly=True)
        with log:
            kinds = None if kind is None else {kind}
            return log.events(START - timedelta(days=1), START + timedelta(days=14), kinds)

    def history(self, first: date, last: date) -> list[DaySummary]:
        settings = Settings()
        schedule = WorkSchedule(settings.work_hours, LONDON)
        lo, hi = history_range(first, last, schedule)
        log, _ = EventLog.open(self.db_path, now=self.clock.now(), readonly=True)
        with log:
            events, spans = log.events(lo, hi), log.spans(lo, hi)
        return summarize_days(first, last, schedule, settings, events, spans, self.clock.now())


@pytest.fixture
def harness(qtbot: Any, tmp_path: Path) -> Iterator[Harness]:
    running = Harness(tmp_path)
    running.runtime.start()
    yield running
    running.runtime.stop()


# ----- start, stop, nudges -------------------------------------------------------------


def test_start_and_stop_are_recorded(harness: Harness) -> None:
    harness.step()
    harness.runtime.stop()

    kinds = harness.logged()
    assert kinds[0] is EventKind.APP_STARTED
    assert kinds[-1] is EventKind.APP_STOPPED
    assert not harness.runtime.running
    harness.runtime.stop()  # a second stop changes nothing


def test_stop_flushes_the_open_activity_span(harness: Harness) -> None:
    harness.run_for(50)  # under a minute: the engine hasn't written the span's end yet
    end = harness.clock.now()
    harness.runtime.stop()

    log, _ = EventLog.open(harness.db_path, now=end, readonly=True)
    with log:
        spans = log.spans(START - timedelta(hours=1), end + timedelta(hours=1))
    assert [(s.start, s.end) for s in spans] == [(START, end)]


def test_a_due_break_is_emitted_and_logged(harness: Harness) -> None:
    harness.run_for(30 * 60)

    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]
    assert harness.nudges[0].at == START + timedelta(minutes=30)
    assert EventKind.NUDGE in harness.logged()
    assert harness.statuses[-1].phase is Phase.BREAK_DUE


def test_the_runtime_restores_the_engine_from_the_log(qtbot: Any, tmp_path: Path) -> None:
    first = Harness(tmp_path)
    first.runtime.start()
    first.run_for(20 * 60)
    first.runtime.stop()

    second = Harness(tmp_path)
    second.clock.set(first.clock.now() + timedelta(seconds=30))
    second.runtime.start()
    try:
        second.run_for(10 * 60)
        # 20 minutes before the restart count towards the 30-minute break.
        assert [n.kind for n in second.nudges] == [NudgeKind.SHORT_BREAK]
    finally:
        second.runtime.stop()


# Friday 27 November 2026, after hours; the next shift starts on Monday at 09:00.
FRIDAY_EVENING = datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)
SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=LONDON)
MONDAY_MORNING = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)


def run_once(tmp_path: Path, at: datetime, *actions: tuple[str, dict[str, Any]]) -> None:
    """Start at `at`, perform `actions` (a minute apart), stop."""
    with running_at(tmp_path, at) as harness:
        for action, args in actions:
            harness.runtime.perform(action, **args)
            harness.step(60)


def write_short_breaks(harness: Harness, minutes: int) -> None:
    """Replace the settings file the way editors save, with short breaks every `minutes`."""
    replace_atomically(harness.settings_path, f"[breaks.short]\nevery_minutes = {minutes}\n")


def edit_short_breaks(qtbot: Any, harness: Harness, minutes: int) -> None:
    """`write_short_breaks`, then wait until the runtime has applied it."""
    with qtbot.waitSignal(harness.runtime.settings_applied, timeout=5000):
        write_short_breaks(harness, minutes)
    assert harness.runtime.settings.breaks.short.every_minutes == minutes


@contextmanager
def running_at(tmp_path: Path, at: datetime) -> Iterator[Harness]:
    """A runtime on the log in `tmp_path`, started at `at`; stopped afterwards."""
    harness = Harness(tmp_path)
    harness.clock.set(at)
    harness.runtime.start()
    try:
        yield harness
    finally:
        harness.runtime.stop()


def test_a_pause_until_tomorrow_outlasts_a_weekend_restart(qtbot: Any, tmp_path: Path) -> None:
    run_once(tmp_path, FRIDAY_EVENING, ("pause", {"until_tomorrow": True}))

    with running_at(tmp_path, SUNDAY_NOON) as harness:  # 42 hours later
        status = harness.runtime.engine.status()
        assert status.phase is Phase.PAUSED
        assert status.paused_until == MONDAY_MORNING
        harness.run_for(30 * 60)  # busy on a day off: no after-hours nudge while paused
        harness.step((MONDAY_MORNING - harness.clock.now()).total_seconds() - 30)
        assert harness.runtime.engine.status().phase is Phase.PAUSED
        assert harness.nudges == []

        harness.step(30)

        assert harness.runtime.engine.status().paused_until is None
        assert harness.runtime.engine.status().phase is not Phase.PAUSED
        assert EventKind.RESUMED in harness.logged()


def test_a_long_timed_pause_outlasts_a_restart(qtbot: Any, tmp_path: Path) -> None:
    run_once(tmp_path, START, ("pause", {"minutes": 5 * 24 * 60}))

    with running_at(tmp_path, START + timedelta(days=2, hours=2)) as harness:
        status = harness.runtime.engine.status()
        assert status.phase is Phase.PAUSED
        assert status.paused_until == START + timedelta(days=5)
        harness.run_for(40 * 60)  # a break would be due after 30 minutes
        assert harness.nudges == []


@pytest.mark.parametrize(
    ("said_at", "actions", "restart_at"),
    [
        pytest.param(
            FRIDAY_EVENING,
            [("pause", {"until_tomorrow": True}), ("resume", {})],
            SUNDAY_NOON,
            id="resumed-before-the-window",
        ),
        pytest.param(
            FRIDAY_EVENING,
            [("pause", {"until_tomorrow": True})],
            MONDAY_MORNING + timedelta(days=1, hours=3),
            id="until-tomorrow-ended",
        ),
        pytest.param(
            START,
            [("pause", {"minutes": 2 * 24 * 60})],
            START + timedelta(days=3, hours=2),
            id="timed-ended",
        ),
    ],
)
def test_a_pause_no_longer_in_force_is_not_restored(
    qtbot: Any,
    tmp_path: Path,
    said_at: datetime,
    actions: list[tuple[str, dict[str, Any]]],
    restart_at: datetime,
) -> None:
    run_once(tmp_path, said_at, *actions)

    with running_at(tmp_path, restart_at) as harness:
        status = harness.runtime.engine.status()
        assert status.phase is not Phase.PAUSED
        assert status.paused_until is None


def test_done_for_today_on_friday_still_shows_on_sunday_after_a_restart(
    qtbot: Any, tmp_path: Path
) -> None:
    run_once(tmp_path, FRIDAY_EVENING - timedelta(hours=1), ("done_for_today", {}))

    with running_at(tmp_path, SUNDAY_NOON) as harness:
        assert harness.runtime.engine.status().done_for_today
        harness.step((MONDAY_MORNING - harness.clock.now()).total_seconds())
        assert not harness.runtime.engine.status().done_for_today


# ----- hooks around a restart ---------------------------------------------------------


@pytest.fixture
def fired(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, datetime]]:
    """A hook on pause, resume, done for today and the start and end of a break; what the
    runtime fires is kept here, as (hook event, at), instead of being run."""
    fired: list[tuple[str, datetime]] = []

    class KeptHooks:
        def __init__(self) -> None:
            self.on: set[str] = set()

        def configure(self, hooks: tuple[Hook, ...]) -> None:
            self.on = {name for hook in hooks for name in hook.on}

        def fire(self, name: str, at: datetime, zone: object, data: object) -> int:
            if name not in self.on:
                return 0
            fired.append((name, at))
            return 1

        def outcomes(self) -> dict[str, object]:
            return {}

        def close(self) -> None:
            pass

    monkeypatch.setattr("respite.hooks.HookRunner", KeptHooks)
    settings = tmp_path / "config" / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        '[[hooks]]\nname = "Status"\n'
        'on = ["pause", "resume", "done_for_today", "break_start", "break_end"]\n'
        'command = ["true"]\n',
        encoding="utf-8",
    )
    return fired


def test_a_pause_that_ends_while_respite_runs_fires_the_resume_hook_at_its_end(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]]
) -> None:
    with running_at(tmp_path, START) as harness:
        harness.runtime.perform("pause", minutes=30)
        harness.run_for(30 * 60)
        assert fired == [("pause", START), ("resume", START + timedelta(minutes=30))]


def test_hooks_still_fire_once_the_clock_is_set_back_past_the_start(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]]
) -> None:
    with running_at(tmp_path, START) as harness:
        earlier = START - timedelta(hours=1)
        harness.clock.set(earlier)  # the clock corrected just after start-up
        harness.runtime.perform("pause", minutes=10)
        harness.run_for(10 * 60)
        assert fired == [("pause", earlier), ("resume", earlier + timedelta(minutes=10))]


@pytest.mark.parametrize(
    ("said_at", "pause", "ended", "restart_at"),
    [
        pytest.param(
            FRIDAY_EVENING,
            {"until_tomorrow": True},
            MONDAY_MORNING,
            MONDAY_MORNING + timedelta(days=1, hours=3),
            id="until-tomorrow-read-from-before-the-window",
        ),
        pytest.param(
            START,
            {"minutes": 60},
            START + timedelta(hours=1),
            START + timedelta(hours=3),
            id="timed-within-the-window",
        ),
    ],
)
def test_a_pause_that_ran_out_while_respite_was_closed_ended_at_its_end(
    qtbot: Any,
    tmp_path: Path,
    fired: list[tuple[str, datetime]],
    said_at: datetime,
    pause: dict[str, Any],
    ended: datetime,
    restart_at: datetime,
) -> None:
    run_once(tmp_path, said_at, ("pause", pause))
    assert fired == [("pause", said_at)]
    fired.clear()

    for restart in (restart_at, restart_at + timedelta(hours=1)):
        with running_at(tmp_path, restart) as harness:
            status = harness.runtime.engine.status()
            assert status.phase is not Phase.PAUSED
            assert status.paused_until is None
        assert fired == []  # no "resume" announced at start-up for a pause long over
        resumed = harness.logged_events(EventKind.RESUMED)
        assert [(e.at, e.data) for e in resumed] == [(ended, {"auto": True})]


@pytest.mark.parametrize(
    ("action", "args", "at_monday"),
    [
        pytest.param("pause", {"until_tomorrow": True}, [("resume", MONDAY_MORNING)], id="pause"),
        pytest.param("done_for_today", {}, [], id="done-for-today"),
    ],
)
def test_what_is_still_in_force_at_a_restart_fires_no_hook_again(
    qtbot: Any,
    tmp_path: Path,
    fired: list[tuple[str, datetime]],
    action: str,
    args: dict[str, Any],
    at_monday: list[tuple[str, datetime]],
) -> None:
    run_once(tmp_path, FRIDAY_EVENING, (action, args))
    fired.clear()

    with running_at(tmp_path, SUNDAY_NOON) as harness:
        status = harness.runtime.engine.status()
        assert (status.phase is Phase.PAUSED) == (action == "pause")
        assert status.done_for_today == (action == "done_for_today")
        assert fired == []
        harness.step((MONDAY_MORNING - harness.clock.now()).total_seconds())
        assert fired == at_monday  # a pause that ends while Respite runs is announced


# Monday at 17:00, in the afternoon window; Respite starts again on Tuesday morning.
MONDAY_EVENING = datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
TUESDAY_MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
LONG_BREAK_DONE = {"kind": "long", "seconds": 600, "completed": True}


@pytest.mark.parametrize("slept", [False, True], ids=["awake", "asleep"])
def test_a_break_that_ends_while_respite_runs_fires_the_break_end_hook_at_its_end(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]], slept: bool
) -> None:
    with running_at(tmp_path, START) as harness:
        harness.runtime.perform("break", kind="short")
        if slept:
            harness.clock.advance(60 * 60)  # suspended: the monotonic clock stands still
            harness.runtime.sample()
        else:
            harness.run_for(3 * 60)
        assert fired == [("break_start", START), ("break_end", START + timedelta(minutes=2))]


def test_a_break_that_ran_out_while_respite_was_closed_ended_at_its_planned_end(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]]
) -> None:
    run_once(tmp_path, MONDAY_EVENING, ("break", {"kind": "long"}))
    assert fired == [("break_start", MONDAY_EVENING)]
    fired.clear()
    ended = MONDAY_EVENING + timedelta(minutes=10)

    with running_at(tmp_path, TUESDAY_MORNING) as harness:
        status = harness.runtime.engine.status()
        assert status.phase is Phase.WORKING
        assert status.break_ends_at is None
        assert status.next_break_in == 30 * 60  # Monday's work and the night don't count
        harness.run_for(30 * 60)
        assert [(n.kind, n.at) for n in harness.nudges] == [
            (NudgeKind.SHORT_BREAK, TUESDAY_MORNING + timedelta(minutes=30))
        ]
    with running_at(tmp_path, harness.clock.now() + timedelta(minutes=1)) as harness:
        pass  # a second restart, which must add nothing

    assert fired == []  # no "break_end" announced at start-up for last night's break
    finished = harness.logged_events(EventKind.BREAK_FINISHED)
    assert [(e.at, e.data) for e in finished] == [(ended, LONG_BREAK_DONE)]
    monday, tuesday = harness.history(MONDAY_EVENING.date(), TUESDAY_MORNING.date())
    assert (monday.breaks_taken, monday.breaks_natural) == (1, 0)
    assert (tuesday.breaks_taken, tuesday.breaks_natural) == (
        0,
        0,
    )  # the break covers the night it began


def test_a_break_left_running_weeks_before_a_restart_gets_its_end_logged(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]]
) -> None:
    run_once(tmp_path, MONDAY_EVENING, ("break", {"kind": "long"}))
    fired.clear()
    weeks_later = TUESDAY_MORNING + timedelta(weeks=7)  # far beyond what the engine keeps

    with running_at(tmp_path, weeks_later) as harness:
        status = harness.runtime.engine.status()
        assert status.phase is not Phase.ON_BREAK
        assert status.break_ends_at is None

    assert fired == []
    finished = harness.logged_events(EventKind.BREAK_FINISHED)
    assert [(e.at, e.data) for e in finished] == [
        (MONDAY_EVENING + timedelta(minutes=10), LONG_BREAK_DONE)
    ]


def test_a_break_still_going_at_a_restart_goes_on_until_its_planned_end(
    qtbot: Any, tmp_path: Path, fired: list[tuple[str, datetime]]
) -> None:
    run_once(tmp_path, START, ("break", {"kind": "long"}))
    fired.clear()
    ends = START + timedelta(minutes=10)

    with running_at(tmp_path, START + timedelta(minutes=4)) as harness:
        status = harness.statuses[-1]  # what the break window is opened from
        assert status.phase is Phase.ON_BREAK
        assert status.break_ends_at == ends
        on_break = harness.runtime.engine.state.on_break
        assert on_break is not None and on_break.kind == "long"
        assert fired == []
        harness.run_for(6 * 60)
        assert fired == [("break_end", ends)]
        assert harness.runtime.engine.status().phase is not Phase.ON_BREAK
    finished = harness.logged_events(EventKind.BREAK_FINISHED)
    assert [(e.at, e.data) for e in finished] == [(ends, LONG_BREAK_DONE)]


def test_unknown_idle_time_counts_as_activity(qtbot: Any, tmp_path: Path) -> None:
    harness = Harness(tmp_path, idle=NoIdleSource())
    harness.runtime.start()
    try:
        harness.run_for(30 * 60)
        assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]
    finally:
        harness.runtime.stop()


def test_a_failing_idle_source_is_logged_once_and_counts_as_activity(
    qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    harness = Harness(tmp_path, idle=BrokenIdle())
    harness.runtime.start()
    try:
        harness.run_for(30 * 60)
    finally:
        harness.runtime.stop()

    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]
    assert caplog.text.count("idle time could not be read") == 1


def test_nobody_at_the_keyboard_means_no_break_nudge(harness: Harness) -> None:
    assert isinstance(harness.idle, FakeIdle)
    harness.idle.value = 10_000.0
    harness.run_for(40 * 60)

    assert harness.nudges == []


def test_status_is_only_reported_when_what_it_shows_changes(harness: Harness) -> None:
    assert len(harness.statuses) == 1  # the first sample
    harness.step(1)

    assert len(harness.statuses) == 1
    harness.runtime.perform("pause", minutes=30)
    assert harness.statuses[-1].phase is Phase.PAUSED


# ----- the precise timer ---------------------------------------------------------------


def test_the_precise_timer_is_armed_at_the_next_wakeup(harness: Harness) -> None:
    timer = harness.runtime.wake_timer
    wakeup = harness.runtime.engine.next_wakeup()

    assert harness.runtime.wakeup_at == wakeup
    assert timer.isActive() and timer.isSingleShot()
    assert timer.timerType() is Qt.TimerType.PreciseTimer
    expected = (wakeup - harness.clock.now()).total_seconds() * 1000
    assert expected - 100 <= timer.remainingTime() <= expected
    assert harness.runtime.observe_timer.interval() == 30_000


def test_the_timer_fires_the_nudge_between_samples(qtbot: Any, harness: Harness) -> None:
    harness.run_for(29 * 60)
    harness.step(59)  # the break is due at 10:30:00, a second away
    assert harness.nudges == []
    due = harness.runtime.wakeup_at
    assert due == START + timedelta(minutes=30)
    remaining = harness.runtime.wake_timer.remainingTime()
    assert 0 < remaining <= 1000

    harness.clock.set(due)  # the real timer fires in about a second
    with qtbot.waitSignal(harness.runtime.nudged, timeout=3000) as fired:
        pass

    assert fired.args[0].kind is NudgeKind.SHORT_BREAK
    assert fired.args[0].at == due


def test_the_precise_timer_runs_the_check_before_the_sample(qtbot: Any, harness: Harness) -> None:
    # The desktop app asks its fullscreen probe here: a presentation begun after the last
    # 30 s sample still holds the break the timer fires for.
    runtime = harness.runtime
    harness.run_for(29 * 60)
    harness.step(59)  # the break is due at 10:30:00, a second away
    checks: list[int] = []

    def hold_for_a_presentation() -> None:
        checks.append(len(harness.nudges))
        runtime.engine.set_hold("fullscreen", "fullscreen")

    runtime.before_sample = hold_for_a_presentation
    harness.clock.set(harness.runtime.wakeup_at)
    qtbot.waitUntil(lambda: bool(checks), timeout=3000)  # the real timer took a sample

    assert checks == [0]  # before the engine looked at what is due
    assert harness.nudges == []
    assert runtime.engine.status().held_because == "fullscreen"


def test_a_failing_check_before_a_sample_is_logged_once_and_sampling_goes_on(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise OSError("the display went away")

    harness.runtime.before_sample = broken
    harness.run_for(31 * 60)

    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]
    assert caplog.text.count("the check before a sample failed") == 1


def test_a_wall_clock_jump_re_arms_the_timer_and_notes_the_gap_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="respite.runtime")
    harness.step()
    # The wall clock leaps two hours while only 30 s pass on the monotonic clock.
    harness.clock.advance(timedelta(hours=2, seconds=30))
    harness.mono.value += 30
    harness.runtime.sample()
    harness.step()
    harness.step()

    assert "the wall clock moved by +7200 s" in caplog.text
    assert harness.runtime.wakeup_at == harness.runtime.engine.next_wakeup()
    assert harness.runtime.wakeup_at > harness.clock.now()
    assert harness.logged().count(EventKind.SLEEP) == 1


def test_small_timer_drift_is_not_a_jump(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="respite.runtime")
    harness.clock.advance(30 + JUMP_TOLERANCE - 1)
    harness.mono.value += 30
    harness.runtime.sample()

    assert "wall clock moved" not in caplog.text


# ----- actions -------------------------------------------------------------------------


def test_perform_routes_every_action(harness: Harness) -> None:
    rt = harness.runtime
    assert rt.perform("status")["status"]["phase"] == "working"
    assert rt.perform("version")["version"]

    result = rt.perform("pause", minutes=30)
    assert result["until"] == "2026-11-23T10:30:00+00:00"
    assert result["status"]["phase"] == "paused"
    rt.perform("resume")
    until = rt.perform("pause", until_tomorrow=True)["until"]
    assert until == "2026-11-24T09:00:00+00:00"
    rt.perform("resume")
    assert rt.perform("break")["status"]["phase"] == "on_break"
    rt.perform("break", what="done")
    rt.perform("break", what="start", kind="long")
    rt.perform("break", what="skip")  # skipping a running break ends it
    rt.perform("snooze", minutes=10)
    rt.perform("snooze")
    rt.perform("win", text="  shipped   it ")
    rt.perform("choice", key="snooze:5")
    rt.perform("overtime", minutes=15)
    rt.perform("done_for_today")
    rt.perform("flush")

    kinds = [k for k in harness.logged() if k not in (EventKind.APP_STARTED, EventKind.NUDGE)]
    assert kinds == [
        EventKind.PAUSED,
        EventKind.RESUMED,
        EventKind.PAUSED,
        EventKind.RESUMED,
        EventKind.BREAK_STARTED,
        EventKind.BREAK_FINISHED,
        EventKind.BREAK_STARTED,
        EventKind.BREAK_FINISHED,
        EventKind.BREAK_SNOOZED,
        EventKind.BREAK_SNOOZED,
        EventKind.WIN,
        EventKind.BREAK_SNOOZED,
        EventKind.OVERTIME,
        EventKind.DONE_FOR_TODAY,
    ]


def test_show_asks_the_ui_to_come_forward(qtbot: Any, harness: Harness) -> None:
    assert harness.runtime.perform("show")["shown"] is False
    with qtbot.waitSignal(harness.runtime.show_requested, timeout=1000):
        result = harness.runtime.perform("show")
    assert result["shown"] is True


@pytest.mark.parametrize(
    ("action", "args", "message"),
    [
        ("resume", {}, "Respite isn't paused."),
        ("break", {"what": "done"}, "You're not on a break right now."),
        ("break", {"what": "later"}, "A break can start, be done or be skipped, not 'later'."),
        ("break", {"kind": 3}, "kind must be 'short' or 'long'."),
        ("pause", {}, "Say how many minutes, e.g. {'minutes': 30}."),
        ("pause", {"minutes": "lots"}, "minutes must be a number."),
        ("pause", {"minutes": True}, "minutes must be a number."),
        ("pause", {"minutes": 0}, "Pause for between 1 minute and 7 days, or until tomorrow."),
        ("snooze", {"minutes": 5000}, "Snooze for between 1 minute and 24 hours."),
        ("win", {}, "A small win needs some text."),
        ("win", {"text": "  "}, 'A small win needs a few words, e.g. respite win "shipped it".'),
        ("status", {"verbose": True}, "Unexpected argument 'verbose'."),
        ("choice", {"key": "snooze:lots"}, "Unknown choice 'snooze:lots'."),
        ("choice", {"key": "dance"}, "Unknown choice 'dance'."),
        ("teleport", {}, "Respite doesn't know the command 'teleport'."),
    ],
)
def test_a_wrong_action_is_refused_with_one_sentence(
    harness: Harness, action: str, args: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        harness.runtime.perform(action, **args)

    assert str(raised.value) == message


def test_the_request_handler_takes_args_named_like_the_action_parameter(
    harness: Harness,
) -> None:
    with pytest.raises(ValueError, match="Unexpected argument 'action'"):
        harness.runtime.handle_request("status", {"action": "x"})


def test_actions_after_stop_are_refused(harness: Harness) -> None:
    harness.runtime.stop()

    with pytest.raises(ActionError, match="shutting down"):
        harness.runtime.perform("status")


# ----- settings ------------------------------------------------------------------------

GOOD = "[breaks.short]\nevery_minutes = 10\n"
BAD_VALUE = '[breaks.short]\nevery_minutes = "often"\n'
NOT_TOML = "[breaks.short\nevery_minutes = 10\n"


def replace_atomically(path: Path, text: str) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def test_a_changed_settings_file_is_applied(qtbot: Any, harness: Harness) -> None:
    with qtbot.waitSignal(harness.runtime.settings_applied, timeout=5000) as applied:
        harness.settings_path.write_text(GOOD, encoding="utf-8")  # created after start

    assert applied.args[0].breaks.short.every_minutes == 10
    assert harness.runtime.engine.settings.breaks.short.every_minutes == 10
    harness.run_for(10 * 60)
    assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]

    # An editor's atomic replace swaps the file out under the watch: still seen, twice.
    for minutes in (20, 25):
        with qtbot.waitSignal(harness.runtime.settings_applied, timeout=5000):
            replace_atomically(
                harness.settings_path, f"[breaks.short]\nevery_minutes = {minutes}\n"
            )
        assert harness.runtime.settings.breaks.short.every_minutes == minutes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BAD_VALUE, 'breaks.short.every_minutes = "often" is not allowed'),
        (NOT_TOML, "it is not valid TOML"),
    ],
)
def test_a_bad_settings_file_is_reported_and_not_applied(
    qtbot: Any, tmp_path: Path, text: str, expected: str
) -> None:
    harness = Harness(tmp_path)
    harness.settings_path.write_text(GOOD, encoding="utf-8")
    harness.runtime.start()
    try:
        with qtbot.waitSignal(harness.runtime.settings_rejected, timeout=5000) as rejected:
            replace_atomically(harness.settings_path, text)

        assert any(expected in problem for problem in rejected.args[0])
        assert harness.runtime.engine.settings.breaks.short.every_minutes == 10
        # The user's file is left where it is, for them to fix.
        assert harness.settings_path.read_text(encoding="utf-8") == text
        assert sorted(p.name for p in harness.settings_path.parent.iterdir()) == ["settings.toml"]
        # Fixing it is picked up.
        edit_short_breaks(qtbot, harness, 15)
    finally:
        harness.runtime.stop()


def test_a_deleted_settings_file_keeps_the_settings_until_a_new_one_appears(
    qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="respite.runtime")
    harness = Harness(tmp_path)
    harness.settings_path.write_text(GOOD, encoding="utf-8")
    harness.runtime.start()
    try:
        harness.settings_path.unlink()
        qtbot.waitUntil(lambda: "is gone; keeping the current settings" in caplog.text)
        assert harness.runtime.settings.breaks.short.every_minutes == 10

        with qtbot.waitSignal(harness.runtime.settings_applied, timeout=5000):
            harness.settings_path.write_text(
                "[breaks.short]\nevery_minutes = 20\n", encoding="utf-8"
            )
        assert harness.runtime.settings.breaks.short.every_minutes == 20
    finally:
        harness.runtime.stop()


def test_settings_problems_at_start_are_kept_for_the_ui(qtbot: Any, tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    harness.settings_path.write_text(BAD_VALUE, encoding="utf-8")
    harness.runtime.start()
    harness.runtime.stop()

    assert len(harness.runtime.notices) == 1
    assert "breaks.short.every_minutes" in harness.runtime.notices[0]


# ----- a settings folder Respite may not enter -----------------------------------------


class DeniedEntry:
    """Paths in `folder` can't be looked at, as when the folder lacks the execute bit.

    Tests run as root, which chmod doesn't stop: Path.stat (behind exists and is_dir)
    and Path.read_bytes raise PermissionError there instead while `denied` is True.
    """

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.denied = False
        stat, read_bytes = Path.stat, Path.read_bytes

        def denied_stat(path: Path, **kwargs: Any) -> os.stat_result:
            self._check(path)
            return stat(path, **kwargs)

        def denied_read_bytes(path: Path) -> bytes:
            self._check(path)
            return read_bytes(path)

        monkeypatch.setattr(Path, "stat", denied_stat)
        monkeypatch.setattr(Path, "read_bytes", denied_read_bytes)

    def _check(self, path: Path) -> None:
        if self.denied and path.parent == self.folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Harness, DeniedEntry]:
    """A runtime (not started) whose settings file sits in a folder the test can close."""
    harness = Harness(tmp_path)
    harness.settings_path.write_text(GOOD, encoding="utf-8")
    return harness, DeniedEntry(harness.settings_path.parent, monkeypatch)


def test_a_settings_folder_denied_at_start_leaves_defaults_and_is_watched_for_a_fix(
    qtbot: Any, guarded: tuple[Harness, DeniedEntry], caplog: pytest.LogCaptureFixture
) -> None:
    harness, entry = guarded
    entry.denied = True
    harness.runtime.start()  # was: PermissionError out of start(), from Path.exists()
    try:
        assert harness.runtime.running
        assert [n for n in harness.runtime.notices if "permission denied" in n]
        assert harness.runtime.settings == Settings()
        assert "can't tell whether" in caplog.text
        harness.run_for(30 * 60)
        assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]

        entry.denied = False  # the user fixed the folder: its next change is applied
        edit_short_breaks(qtbot, harness, 20)
    finally:
        harness.runtime.stop()


def test_a_settings_folder_denied_while_running_keeps_the_settings_and_says_why_once(
    qtbot: Any, guarded: tuple[Harness, DeniedEntry], caplog: pytest.LogCaptureFixture
) -> None:
    harness, entry = guarded
    harness.runtime.start()
    rejected: list[list[str]] = []
    harness.runtime.settings_rejected.connect(rejected.append)
    try:
        entry.denied = True
        # The watcher's callback ran into Path.exists(): was an exception in a Qt slot.
        write_short_breaks(harness, 15)
        qtbot.waitUntil(lambda: "can't tell whether" in caplog.text)
        qtbot.waitUntil(lambda: bool(rejected))  # was: taken for a deleted file, not told
        assert rejected == [
            [
                f"Respite can't read {harness.settings_path} (permission denied), so it "
                "keeps the settings it has until the file can be read again."
            ]
        ]
        harness.runtime.reload_settings()  # the watcher's next report: not told again
        assert len(rejected) == 1
        harness.step()
        assert harness.runtime.running
        assert harness.runtime.settings.breaks.short.every_minutes == 10

        entry.denied = False
        edit_short_breaks(qtbot, harness, 20)
        assert len(rejected) == 1
    finally:
        harness.runtime.stop()


def test_a_settings_file_made_unreadable_is_not_taken_for_a_deleted_one(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = Harness(tmp_path)
    harness.settings_path.write_text(GOOD, encoding="utf-8")
    harness.runtime.start()
    read_bytes = Path.read_bytes
    unreadable = {"now": False}

    def guarded_read_bytes(path: Path) -> bytes:  # chmod 000 doesn't stop root
        if unreadable["now"] and path == harness.settings_path:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", guarded_read_bytes)
    try:
        unreadable["now"] = True
        with qtbot.waitSignal(harness.runtime.settings_rejected, timeout=5000) as rejected:
            write_short_breaks(harness, 15)
        assert "can't read" in rejected.args[0][0]
        assert harness.runtime.settings.breaks.short.every_minutes == 10

        # Readable again, unchanged since: the content Respite never read is applied.
        unreadable["now"] = False
        with qtbot.waitSignal(harness.runtime.settings_applied, timeout=5000):
            os.utime(harness.settings_path)  # what chmod back reports to the watcher
        assert harness.runtime.settings.breaks.short.every_minutes == 15
    finally:
        harness.runtime.stop()


# ----- a log that can't be written -----------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Logs opened from now on wait 10 ms for a lock, not seconds."""
    monkeypatch.setattr("respite.storage.db.BUSY_TIMEOUT_SECONDS", 0.01)


@contextmanager
def log_locked(db_path: Path) -> Iterator[None]:
    """Another connection holds the log's write lock (as a stuck `sqlite3` shell would):
    every write fails with "database is locked" (see `short_busy_timeout`)."""
    holder = sqlite3.connect(db_path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
    finally:
        holder.close()  # the transaction is rolled back, the lock let go


def test_a_locked_log_at_start_is_told_and_the_app_runs_on(
    qtbot: Any, tmp_path: Path, short_busy_timeout: None
) -> None:
    run_once(tmp_path, START - timedelta(hours=1), ("win", {"text": "kept"}))
    harness = Harness(tmp_path)
    try:
        with log_locked(harness.db_path):
            harness.runtime.start()  # was: StorageError out of start()
            assert harness.runtime.running
            assert len(harness.runtime.notices) == 1
            assert "could not save to its activity log" in harness.runtime.notices[0]
            assert "database is locked" in harness.runtime.notices[0]
            harness.run_for(60)
        harness.run_for(30 * 60)  # writes work again once the lock is let go
        assert [n.kind for n in harness.nudges] == [NudgeKind.SHORT_BREAK]
    finally:
        harness.runtime.stop()
    assert [e.data["text"] for e in harness.logged_events(EventKind.WIN)] == ["kept"]
    assert EventKind.NUDGE in harness.logged()
    assert not list(harness.db_path.parent.glob("*.corrupt-*"))  # nothing set aside


@pytest.mark.parametrize("at_start", [False, True], ids=["running", "at-start"])
def test_a_day_start_that_could_not_be_logged_is_tried_again_and_its_hook_fires_once(
    qtbot: Any,
    tmp_path: Path,
    short_busy_timeout: None,
    fired: list[tuple[str, datetime]],
    at_start: bool,
) -> None:
    settings = tmp_path / "config" / "settings.toml"
    settings.write_text(
        '[[hooks]]\nname = "Day"\non = ["start_of_day"]\ncommand = ["true"]\n', encoding="utf-8"
    )
    run_once(tmp_path, START - timedelta(days=1))  # a log from Sunday, to lock
    nine = START.replace(hour=9)
    harness = Harness(tmp_path)
    harness.clock.set(nine if at_start else nine - timedelta(minutes=5))
    try:
        with log_locked(harness.db_path):
            harness.runtime.start()
            harness.step((nine - harness.clock.now()).total_seconds())
            harness.run_for(60)
            assert harness.logged_events(EventKind.DAY_STARTED) == []
            assert fired == []
        harness.step()  # the log is writable again: the day starts now
        harness.run_for(5 * 60)
        started = harness.logged_events(EventKind.DAY_STARTED)
        assert [e.data for e in started] == [{"day": "2026-11-23"}]
        assert fired == [("start_of_day", nine)]
    finally:
        harness.runtime.stop()
