"""The desktop wiring: fullscreen windows hold breaks back, locks are noted, balloons open
the popup, the strict break style covers the screen, and nothing needs D-Bus off Linux."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal

from respite.app import DesktopApp
from respite.core.break_ideas import BreakIdea
from respite.core.clock import FakeClock
from respite.core.events import EventKind
from respite.core.nudges import Nudge
from respite.runtime import Runtime
from respite.ui.break_window import BreakWindow
from respite.ui.shell import Desktop
from tests.gui.test_shell import (
    FULL_DISK,
    LONDON,
    AlwaysActive,
    at,
    break_nudge,
    deleted,
    fail_every_write,
    kinds,
)


class FakeFullscreen:
    def __init__(self) -> None:
        self.active: bool | None = False

    def is_fullscreen_active(self) -> bool | None:
        return self.active

    def close(self) -> None:
        pass


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("10:00"))


def started_runtime(tmp_path: Path, clock: FakeClock) -> Runtime:
    """A running runtime on a fresh log, always active, in London."""
    runtime = Runtime(
        config_path=tmp_path / "settings.toml",
        database_path=tmp_path / "respite.sqlite3",
        clock=clock,
        idle=AlwaysActive(),
        monotonic=lambda: clock.now().timestamp(),
        zone=lambda: LONDON,
    )
    runtime.start()
    return runtime


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


def work_minutes(app: DesktopApp, clock: FakeClock, minutes: int) -> None:
    for _ in range(minutes * 2):
        clock.advance(30)
        app.runtime.sample()


def test_a_fullscreen_window_holds_the_break_and_release_delivers_it(wired, clock) -> None:
    app, probe = wired
    probe.active = True
    app.check_fullscreen()
    work_minutes(app, clock, 35)
    nudges = [e for e in app.runtime.event_log.events(at("00:00"), at("23:59"), [EventKind.NUDGE])]
    assert nudges == []
    assert app.runtime.engine.status().held_because == "fullscreen"
    assert "fullscreen" in app.desktop.menu.status_action.text()
    probe.active = False
    app.check_fullscreen()  # released: delivered now, not at the next sample
    assert kinds(app.runtime)[-1] is EventKind.NUDGE
    assert app.desktop.popups.current is not None


def test_a_screen_lock_is_noted_from_lock_to_unlock(wired, clock) -> None:
    app, _ = wired
    app._locked()
    work_minutes(app, clock, 12)  # the app keeps sampling while the screen is locked
    app._unlocked()
    sleeps = app.runtime.event_log.events(at("00:00"), at("23:59"), [EventKind.SLEEP])
    assert [(e.data["reason"], e.data["start"], e.data["end"]) for e in sleeps] == [
        ("lock", "2026-11-23T10:00:00+00:00", "2026-11-23T10:12:00+00:00")
    ]


def test_a_full_disk_at_lock_sleep_or_unlock_is_logged_and_sampling_goes_on(
    wired, clock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = wired
    work_minutes(app, clock, 1)  # an open activity span for the flush before sleep
    fail_every_write(app.runtime, monkeypatch)
    samples: list[None] = []
    sample = app.runtime.sample
    monkeypatch.setattr(app.runtime, "sample", lambda: samples.append(None) or sample())

    app._about_to_sleep()
    app._locked()
    clock.advance(600)
    app._unlocked()

    assert samples == [None]  # the sample after unlocking still ran
    assert app._locked_at is None  # and the lock is not noted twice
    assert caplog.text.count(FULL_DISK) >= 2


def test_clicking_a_plain_balloon_opens_the_popup(wired) -> None:
    app, _ = wired
    desktop = app.desktop
    nudge = break_nudge()
    desktop._open_nudges = {nudge.id: nudge}  # shown as a notification, not answered
    desktop.tray.icon.messageClicked.emit()
    assert desktop.popups.current is not None
    assert desktop.popups.current.nudge.title == "Time for a short break"


def test_losing_the_notification_server_falls_back_to_the_popup(wired) -> None:
    app, _ = wired
    app._notifications_lost("the bus went away")
    assert app.desktop.notifier is app.desktop.popups


def test_quitting_closes_the_open_settings_and_history_windows(
    wired: tuple[DesktopApp, FakeFullscreen],
) -> None:
    app, _ = wired
    desktop = app.desktop
    desktop.handle_intent("settings")
    desktop.handle_intent("history")
    windows = [desktop.settings_window, desktop.history_window]
    assert all(window is not None and window.isVisible() for window in windows)
    app.stop()
    assert not any(window.isVisible() for window in windows if window is not None)
    assert all(deleted(window) for window in windows if window is not None)
    assert desktop.settings_window is None and desktop.history_window is None


def test_the_strict_style_covers_the_screen(qtbot, clock) -> None:
    window = BreakWindow(strict=True, sound=False, clock=clock.now)
    qtbot.addWidget(window)
    window.start("short", clock.now() + timedelta(minutes=2), BreakIdea("eyes", "Look far."))
    assert window.isFullScreen()
    window.finish()
    assert not window.isVisible()


def test_the_app_starts_without_d_bus_where_there_is_none() -> None:
    """Windows and macOS have no jeepney: nothing imported at start-up may need it."""
    code = (
        "import builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *args, **kwargs):\n"
        "    if name.startswith('jeepney'):\n"
        "        raise ImportError('no D-Bus library here')\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = guard\n"
        "import respite.app, respite.cli, respite.ui.shell, respite.platform.idle\n"
        "import respite.platform.autostart, respite.platform.fullscreen\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


class LosableNotifier(QObject):
    """Desktop notifications whose server can leave with a nudge on screen."""

    choice_made = Signal(object, str)
    dismissed = Signal(object)
    unavailable = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Nudge] = []

    def show(self, nudge: Nudge) -> None:
        self.shown.append(nudge)

    def close(self, nudge_id: str) -> None:
        self.shown = [n for n in self.shown if n.id != nudge_id]

    def pending(self) -> list[Nudge]:
        return list(self.shown)


def test_a_nudge_on_screen_when_notifications_go_away_moves_to_the_popup(
    qtbot, tmp_path: Path, clock: FakeClock
) -> None:
    runtime = started_runtime(tmp_path, clock)
    notifier = LosableNotifier()
    app = DesktopApp(
        runtime, Desktop(runtime, notifier, tray_wait_ms=0), fullscreen=FakeFullscreen()
    )
    try:
        nudge = break_nudge()
        app.desktop.show_nudge(nudge)
        assert app.desktop.popups.current is None

        notifier.unavailable.emit("the notification server left the session bus")

        assert app.desktop.notifier is app.desktop.popups
        assert app.desktop.popups.current is not None
        assert app.desktop.popups.current.nudge is nudge  # still there to answer
    finally:
        app.stop()
        runtime.stop()
