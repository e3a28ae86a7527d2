"""A fullscreen window (a presentation, a video call) holds break nudges back, whichever
timer takes the sample that finds the break due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from respite.app import DesktopApp
from respite.core.clock import FakeClock
from respite.core.events import EventKind
from respite.core.nudges import Nudge
from respite.ui.shell import Desktop
from tests.gui.test_app_wiring import FakeFullscreen, started_runtime
from tests.gui.test_shell import at, kinds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("10:00"))


@pytest.fixture
def wired(qtbot, tmp_path: Path, clock: FakeClock) -> Iterator[tuple[DesktopApp, FakeFullscreen]]:
    runtime = started_runtime(tmp_path, clock)
    probe = FakeFullscreen()
    app = DesktopApp(runtime, Desktop(runtime, tray_wait_ms=0), fullscreen=probe)
    app.desktop.start()
    yield app, probe
    app.stop()
    app.desktop.break_window.finish()
    runtime.stop()


class CountingFullscreen(FakeFullscreen):
    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def is_fullscreen_active(self) -> bool | None:
        self.asked += 1
        return super().is_fullscreen_active()


def test_a_presentation_begun_just_before_the_break_holds_it(wired, clock) -> None:
    # The last 30 s sample saw no fullscreen window; the presentation starts 20 s before
    # the break is due, and the precise timer takes the sample at the due time (its
    # timeout calls sample(), as tests/gui/test_runtime.py shows with the real timer).
    app, probe = wired
    runtime = app.runtime
    shown: list[Nudge] = []
    runtime.nudged.connect(shown.append)
    while runtime.wakeup_at - clock.now() > timedelta(seconds=30):
        clock.advance(30)
        runtime.sample()
    due = runtime.wakeup_at
    clock.set(due - timedelta(seconds=20))
    probe.active = True
    clock.set(due)
    runtime.sample()

    assert runtime.engine.status().held_because == "fullscreen"
    assert shown == []
    assert app.desktop.popups.current is None
    probe.active = False  # the presentation ends: the break comes at the next sample
    clock.advance(30)
    runtime.sample()
    assert [n.title for n in shown] == ["Time for a short break"]
    assert kinds(runtime)[-1] is EventKind.NUDGE


def test_the_probe_is_asked_by_the_samples_with_no_timer_of_its_own(
    qtbot, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)  # no notifications here
    runtime = started_runtime(tmp_path, clock)
    probe = CountingFullscreen()
    app = DesktopApp(runtime, Desktop(runtime, tray_wait_ms=0), fullscreen=probe)
    try:
        app.start()
        timers = app.findChildren(QTimer, options=Qt.FindChildOption.FindDirectChildrenOnly)
        assert not [timer for timer in timers if timer.isActive()]  # no wake-up of its own
        asked = probe.asked
        for _ in range(4):
            clock.advance(30)
            runtime.sample()
        assert probe.asked == asked + 4  # once a sample
    finally:
        app.stop()
        runtime.stop()
    clock.advance(30)
    assert runtime.before_sample is None  # stopped: the probe is closed and not asked
