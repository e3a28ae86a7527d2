"""Desktop notifications come back: a notification server that returns, or one that
starts after Respite, takes the nudges over from Respite's own popup again.

A private dbus-daemon and a small jeepney notification server stand in for the session
bus and dunst (the helpers of tests/e2e/test_platform_dbus.py): no display is needed,
but dbus-daemon is, so these count as end-to-end tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from respite.app import DesktopApp
from respite.core.clock import FakeClock
from respite.core.engine import Phase
from respite.core.nudges import NudgeKind
from respite.platform.notify import CLOSED_BY_USER, FreedesktopNotifier, NotificationServerWatcher
from respite.runtime import Runtime
from respite.ui.shell import Desktop
from tests.e2e.test_platform_dbus import (
    NOTIFICATIONS,
    Bus,
    FakeNotificationServer,
    FakeService,
    make_bus,
    services,
)
from tests.gui.test_app_wiring import FakeFullscreen, started_runtime
from tests.gui.test_shell import at, break_nudge

__all__ = ["make_bus", "services"]  # fixtures, used by name

pytestmark = pytest.mark.e2e

Services = Callable[..., FakeService]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("10:00"))


@pytest.fixture
def runtime(qtbot: QtBot, tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    started = started_runtime(tmp_path, clock)
    yield started
    started.stop()


def session_bus(
    make_bus: Callable[..., Bus], monkeypatch: pytest.MonkeyPatch, start_server: str = ""
) -> Bus:
    """A private bus as this process's session bus; `start_server`: the command the bus
    runs to start a notification server on demand (none: it can't)."""
    bus = make_bus({NOTIFICATIONS: start_server} if start_server else None)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    return bus


def desktop_app(runtime: Runtime, notifier: FreedesktopNotifier | None) -> DesktopApp:
    return DesktopApp(
        runtime, Desktop(runtime, notifier, tray_wait_ms=0), fullscreen=FakeFullscreen()
    )


def work_until_a_break_nudge(runtime: Runtime, clock: FakeClock) -> None:
    nudged: list[object] = []
    runtime.nudged.connect(nudged.append)
    while not nudged:
        clock.advance(30)
        runtime.sample()


def on_popups(app: DesktopApp) -> bool:
    return app.desktop.notifier is app.desktop.popups


def test_nudges_go_back_to_notifications_when_the_server_comes_back(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    clock: FakeClock,
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="respite.app")
    bus = session_bus(make_bus, monkeypatch)
    first = FakeNotificationServer(services, bus.address)
    app = desktop_app(runtime, FreedesktopNotifier(timeout=0.5))
    try:
        first.service.close()  # `killall dunst`
        qtbot.waitUntil(lambda: on_popups(app), timeout=3000)

        again = FakeNotificationServer(services, bus.address)  # dunst restarted
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
        assert isinstance(app.desktop.notifier, FreedesktopNotifier)
        back = "desktop notifications from fake-server 0.1 are back; using them again"
        assert back in caplog.text

        work_until_a_break_nudge(runtime, clock)
        assert [call[3] for call in again.notify_calls()] == ["Time for a short break"]
        assert app.desktop.popups.current is None
        # Its buttons answer as the first server's did.
        again.action(again.next_id, "start_break")
        qtbot.waitUntil(lambda: runtime.engine.status().phase is Phase.ON_BREAK, timeout=3000)

        # And if it goes too, the popup stands in once more, and so on.
        again.service.close()
        qtbot.waitUntil(lambda: on_popups(app), timeout=3000)
        FakeNotificationServer(services, bus.address)
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
    finally:
        app.stop()


def test_a_notification_closed_on_the_returned_server_is_dismissed(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    qtbot: QtBot,
) -> None:
    bus = session_bus(make_bus, monkeypatch)
    first = FakeNotificationServer(services, bus.address)
    app = desktop_app(runtime, FreedesktopNotifier(timeout=0.5))
    try:
        first.service.close()
        qtbot.waitUntil(lambda: on_popups(app), timeout=3000)
        again = FakeNotificationServer(services, bus.address)
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)

        nudge = break_nudge()
        app.desktop.show_nudge(nudge)
        dismissed: list[NudgeKind] = []
        monkeypatch.setattr(runtime.engine, "dismissed", lambda n: dismissed.append(n.kind))
        again.closed(again.next_id, CLOSED_BY_USER)
        qtbot.waitUntil(lambda: dismissed == [NudgeKind.SHORT_BREAK], timeout=3000)
    finally:
        app.stop()


def test_a_returning_server_without_buttons_leaves_the_popup(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="respite.app")
    bus = session_bus(make_bus, monkeypatch)
    first = FakeNotificationServer(services, bus.address)
    app = desktop_app(runtime, FreedesktopNotifier(timeout=0.5))
    try:
        first.service.close()
        qtbot.waitUntil(lambda: on_popups(app), timeout=3000)
        plain = FakeNotificationServer(services, bus.address, capabilities=("body",))
        qtbot.waitUntil(lambda: "shows no buttons" in caplog.text, timeout=3000)
        assert on_popups(app)
        plain.service.close()  # one with buttons may still take its place
        FakeNotificationServer(services, bus.address)
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
    finally:
        app.stop()


def test_a_server_that_starts_after_respite_takes_the_nudges(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    qtbot: QtBot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="respite.app")
    bus = session_bus(make_bus, monkeypatch)
    app = desktop_app(runtime, None)  # nothing owned the name: the popup
    app.start()
    try:
        assert on_popups(app)
        FakeNotificationServer(services, bus.address)  # the desktop's autostart was slower
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
        assert (
            "desktop notifications from fake-server 0.1 are here; using them, not the popup"
            in caplog.text
        )
    finally:
        app.stop()


def test_a_server_the_bus_starts_on_demand_is_started_with_respite(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    # dunst, mako and xfce4-notifyd are started by the bus when a notification comes.
    started = tmp_path / "started"
    bus = session_bus(make_bus, monkeypatch, f"touch {started}")
    app = desktop_app(runtime, None)
    app.start()
    try:
        qtbot.waitUntil(started.exists, timeout=3000)  # the bus ran the service's command
        FakeNotificationServer(services, bus.address)  # which takes the name
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
    finally:
        app.stop()


def test_a_server_started_on_demand_that_went_away_is_started_again_by_a_nudge(
    make_bus: Callable[..., Bus],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    runtime: Runtime,
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    started = tmp_path / "started"
    bus = session_bus(make_bus, monkeypatch, f"touch {started}")
    first = FakeNotificationServer(services, bus.address)
    app = desktop_app(runtime, FreedesktopNotifier(timeout=0.5))
    try:
        first.service.close()  # `killall dunst`: nothing starts it until a notification
        qtbot.waitUntil(lambda: on_popups(app), timeout=3000)
        qtbot.wait(200)
        assert not started.exists()

        runtime.nudged.emit(break_nudge())  # shown in the popup, and asks for the server
        qtbot.waitUntil(started.exists, timeout=3000)
        assert app.desktop.popups.current is not None
        FakeNotificationServer(services, bus.address)
        qtbot.waitUntil(lambda: not on_popups(app), timeout=3000)
    finally:
        app.stop()


def test_the_watcher_tells_what_the_bus_knows(
    make_bus: Callable[..., Bus], services: Services, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    bus = session_bus(make_bus, monkeypatch, "true")
    watcher = NotificationServerWatcher()
    try:
        assert watcher.start(timeout=0.5)
        assert (watcher.running, watcher.startable) == (False, True)
        with qtbot.waitSignal(watcher.arrived, timeout=3000):
            server = FakeNotificationServer(services, bus.address)
        assert watcher.running
        assert not watcher.start_server()  # one is running: nothing to ask for
        server.service.close()
        qtbot.waitUntil(lambda: not watcher.running, timeout=3000)
    finally:
        watcher.shutdown()


def test_no_bus_means_no_watching(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    watcher = NotificationServerWatcher()
    assert not watcher.start(timeout=0.5)
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in watcher.unavailable_reason
    assert not watcher.start_server()
