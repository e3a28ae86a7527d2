"""D-Bus adapters against a real dbus-daemon, with small jeepney services standing in
for GNOME's idle monitor, the screen saver, systemd-logind and a notification server.

Each test gets private buses (one plays the system bus through DBUS_SYSTEM_BUS_ADDRESS,
as on this machine there is none).
"""

from __future__ import annotations

import contextlib
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageType,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from PySide6.QtCore import QCoreApplication
from pytestqt.qtbot import QtBot

from respite.core import messages
from respite.core.nudges import Nudge, NudgeKind
from respite.platform import _dbus
from respite.platform._dbus import SignalWatcher
from respite.platform.idle import (
    NO_IDLE_SOURCE,
    MutterIdleSource,
    ScreenSaverIdleSource,
    choose_idle_source,
)
from respite.platform.notify import (
    CLOSED_BY_CALL,
    CLOSED_BY_USER,
    CLOSED_EXPIRED,
    FreedesktopNotifier,
    NotifierUnavailable,
)
from respite.platform.sleep import LogindWatcher, ScreenSaverActiveWatcher

if __package__:
    from .desktop import MissingPrerequisite, require, skip_or_fail
else:  # rootdir-style import
    from desktop import MissingPrerequisite, require, skip_or_fail  # type: ignore[no-redef]

pytestmark = pytest.mark.e2e

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>{auth}</auth>
  <limit name="service_start_timeout">2000</limit>
{limits}
  <servicedir>{service_dir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class Bus:
    """A private dbus-daemon; `activatable` maps a name to a shell command the bus runs
    to start that service on demand (D-Bus activation)."""

    def __init__(
        self,
        root: Path,
        activatable: dict[str, str] | None = None,
        *,
        auth: str = "EXTERNAL",
        limits: dict[str, int] | None = None,
    ) -> None:
        require("dbus-daemon")
        services = root / "services"
        services.mkdir(parents=True)
        for index, (name, command) in enumerate((activatable or {}).items()):
            (services / f"s{index}.service").write_text(
                f"[D-BUS Service]\nName={name}\nExec=/bin/sh -c '{command}'\n", "utf-8"
            )
        config = root / "bus.conf"
        config.write_text(
            BUS_CONFIG.format(
                socket_dir=root,
                service_dir=services,
                auth=auth,
                limits="\n".join(
                    f'  <limit name="{name}">{value}</limit>'
                    for name, value in (limits or {}).items()
                ),
            ),
            encoding="utf-8",
        )
        self.proc = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 15)
        self.address = self.proc.stdout.readline().decode().strip() if ready else ""
        self.proc.stdout.close()
        if not self.address:
            self.stop()
            raise AssertionError("dbus-daemon printed no address")

    def kill(self) -> None:
        """Die without a word: no NameOwnerChanged, the sockets just close."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def make_bus(tmp_path: Path) -> Iterator[Callable[..., Bus]]:
    buses: list[Bus] = []

    def make(activatable: dict[str, str] | None = None, **config: Any) -> Bus:
        try:
            bus = Bus(tmp_path / f"bus{len(buses)}", activatable, **config)
        except MissingPrerequisite as exc:
            skip_or_fail(exc)
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        bus.stop()


@pytest.fixture
def bus(make_bus: Callable[..., Bus], monkeypatch: pytest.MonkeyPatch) -> Bus:
    """A private session bus, also set as this process's DBUS_SESSION_BUS_ADDRESS."""
    made = make_bus()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", made.address)
    return made


class Reply:
    def __init__(self, signature: str | None = None, body: tuple[Any, ...] = ()) -> None:
        self.signature = signature
        self.body = body


class Error:
    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text


Handler = Callable[[Message], "Reply | Error | None"]


class FakeService:
    """Owns `name` on a bus and answers method calls by member name from a thread.

    A handler returning None sends no reply at all (a hung service)."""

    def __init__(self, address: str, name: str | None, methods: dict[str, Handler]) -> None:
        self.conn: DBusConnection = open_dbus_connection(address)
        self.methods = methods
        self.calls: list[Message] = []
        self._send_lock = threading.Lock()
        if name is not None:
            reply = self.conn.send_and_get_reply(message_bus.RequestName(name), timeout=5)
            assert reply.body == (1,), reply.body  # primary owner
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                message = self.conn.receive(timeout=0.05)
            except TimeoutError:
                continue
            except OSError:
                return
            if message.header.message_type != MessageType.method_call:
                continue
            self.calls.append(message)
            member = message.header.fields.get(HeaderFields.member)
            handler = self.methods.get(member)
            if handler is None:
                answer: Reply | Error | None = Error(
                    "org.freedesktop.DBus.Error.UnknownMethod", f"no method {member}"
                )
            else:
                answer = handler(message)
            if isinstance(answer, Reply):
                self.send(new_method_return(message, answer.signature, answer.body))
            elif isinstance(answer, Error):
                self.send(new_error(message, answer.name, "s", (answer.text,)))

    def send(self, message: Message) -> None:
        with self._send_lock:
            self.conn.send(message)

    def emit(self, path: str, interface: str, member: str, signature: str, *body: Any) -> None:
        self.send(new_signal(DBusAddress(path, interface=interface), member, signature, body))

    def called(self, member: str) -> list[Message]:
        return [m for m in self.calls if m.header.fields.get(HeaderFields.member) == member]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.conn.close()


@pytest.fixture
def services() -> Iterator[Callable[..., FakeService]]:
    made: list[FakeService] = []

    def start(address: str, name: str | None, methods: dict[str, Handler]) -> FakeService:
        service = FakeService(address, name, methods)
        made.append(service)
        return service

    yield start
    for service in made:
        with contextlib.suppress(OSError):
            service.close()


NOT_SUPPORTED = Error("org.freedesktop.DBus.Error.NotSupported", "not on Wayland")


# --------------------------------------------------------------------------- idle time
def test_mutter_idle_monitor(bus: Bus, services: Callable[..., FakeService]) -> None:
    mutter = services(
        bus.address, "org.gnome.Mutter.IdleMonitor", {"GetIdletime": lambda m: Reply("t", (12345,))}
    )
    source = MutterIdleSource()
    try:
        assert source.idle_seconds() == 12.345
    finally:
        source.close()
    (call,) = mutter.called("GetIdletime")
    assert call.header.fields[HeaderFields.path] == "/org/gnome/Mutter/IdleMonitor/Core"
    assert call.header.fields[HeaderFields.interface] == "org.gnome.Mutter.IdleMonitor"
    assert source.idle_seconds() is None  # closed


def test_wayland_prefers_mutter(bus: Bus, services: Callable[..., FakeService]) -> None:
    services(
        bus.address, "org.gnome.Mutter.IdleMonitor", {"GetIdletime": lambda m: Reply("t", (5,))}
    )
    services(
        bus.address,
        "org.freedesktop.ScreenSaver",
        {"GetSessionIdleTime": lambda m: Reply("u", (7000,))},
    )
    source, explanation = choose_idle_source({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert isinstance(source, MutterIdleSource)
    assert explanation == (
        "Idle time comes from GNOME's idle monitor (org.gnome.Mutter.IdleMonitor)."
    )
    source.close()


def test_kde_on_wayland_without_an_idle_time_gives_the_clock_message(
    bus: Bus, services: Callable[..., FakeService]
) -> None:
    services(
        bus.address, "org.freedesktop.ScreenSaver", {"GetSessionIdleTime": lambda m: NOT_SUPPORTED}
    )
    env = {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}
    assert choose_idle_source(env, "linux") == (None, NO_IDLE_SOURCE)


def test_screensaver_service_is_the_fallback(
    bus: Bus, services: Callable[..., FakeService]
) -> None:
    services(
        bus.address,
        "org.freedesktop.ScreenSaver",
        {"GetSessionIdleTime": lambda m: Reply("u", (7000,))},
    )
    # X11, but the X display cannot be opened: falls back to the D-Bus service.
    source, explanation = choose_idle_source({"DISPLAY": ":4242"}, "linux")
    assert isinstance(source, ScreenSaverIdleSource)
    assert source.idle_seconds() == 7.0
    assert explanation.startswith(
        "Idle time comes from the desktop's screen saver service (org.freedesktop.ScreenSaver)"
        " (XScreenSaver: cannot open X display ':4242')"
    )
    source.close()


def test_idle_source_whose_service_leaves_answers_none(
    bus: Bus, services: Callable[..., FakeService]
) -> None:
    mutter = services(
        bus.address, "org.gnome.Mutter.IdleMonitor", {"GetIdletime": lambda m: Reply("t", (1,))}
    )
    source = MutterIdleSource()
    assert source.idle_seconds() == 0.001
    mutter.close()
    assert source.idle_seconds() is None
    bus.stop()
    assert source.idle_seconds() is None  # the bus is gone too: still no exception
    source.close()


def test_hung_idle_service_times_out(bus: Bus, services: Callable[..., FakeService]) -> None:
    services(bus.address, "org.gnome.Mutter.IdleMonitor", {"GetIdletime": lambda m: None})
    source = MutterIdleSource(timeout=0.2)
    assert source.idle_seconds() is None
    source.close()


# --------------------------------------------------------------------------- the watcher
PINGER = "org.example.Pinger"
PINGER_PATH = "/org/example/Pinger"


class Recorder(SignalWatcher):
    """Watches the Pinger's signals and writes down what it is handed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[Any, ...]] = []
        self.lost: list[str] = []

    def start(self) -> _dbus.Connection:
        conn = self.connect_bus("SESSION", timeout=2)
        rule = {"type": "signal", "interface": PINGER, "path": PINGER_PATH}
        self.watch([(MatchRule(sender=PINGER, **rule), MatchRule(**rule))], timeout=2)
        return conn

    def handle_message(self, message: Message) -> None:
        self.seen.append(tuple(message.body))

    def handle_lost(self, reason: str) -> None:
        self.lost.append(reason)


@pytest.fixture
def pinger(bus: Bus, services: Callable[..., FakeService]) -> FakeService:
    made = services(bus.address, PINGER, {})

    def ping(message: Message) -> Reply:
        made.emit(PINGER_PATH, PINGER, "Pinged", "s", "during the call")  # before the reply
        return Reply("s", ("pong",))

    made.methods["Ping"] = ping
    return made


@pytest.fixture
def recorder(qtbot: QtBot) -> Iterator[Recorder]:
    made = Recorder()
    yield made
    made.shutdown()


def ping(conn: _dbus.Connection) -> tuple[Any, ...]:
    address = DBusAddress(PINGER_PATH, bus_name=PINGER, interface=PINGER)
    return _dbus.call(conn, new_method_call(address, "Ping"), timeout=2)


def test_a_signal_read_while_a_call_waits_is_delivered_after_the_call(
    pinger: FakeService, recorder: Recorder, qtbot: QtBot
) -> None:
    conn = recorder.start()
    QCoreApplication.processEvents()  # nothing left over from start()
    assert ping(conn) == ("pong",)
    # The call read the signal while waiting for its reply; it did not hand it over
    # inside the call, and the socket has nothing left to wake the watcher with.
    assert recorder.seen == []
    assert select.select([conn.sock], [], [], 0)[0] == []
    qtbot.waitUntil(lambda: recorder.seen != [], timeout=3000)
    assert recorder.seen == [("during the call",)]


def test_signals_arrive_without_a_thread(
    pinger: FakeService, recorder: Recorder, qtbot: QtBot
) -> None:
    before = set(threading.enumerate())  # the fake service's own thread included
    conn = recorder.start()
    ping(conn)
    pinger.emit(PINGER_PATH, PINGER, "Pinged", "s", "later")
    qtbot.waitUntil(lambda: len(recorder.seen) == 2, timeout=3000)
    assert recorder.seen == [("during the call",), ("later",)]
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize("call_first", [False, True], ids=["idle", "a-call-finds-out-first"])
def test_losing_the_bus_calls_handle_lost_once(
    bus: Bus, pinger: FakeService, recorder: Recorder, qtbot: QtBot, call_first: bool
) -> None:
    conn = recorder.start()
    bus.kill()
    if call_first:  # the call meets the closed socket before the watcher does
        with pytest.raises(OSError):
            ping(conn)
    qtbot.waitUntil(lambda: recorder.lost != [], timeout=3000)
    assert not recorder.connected
    assert conn.sock.fileno() == -1  # closed
    settle(qtbot)
    assert len(recorder.lost) == 1, recorder.lost
    assert recorder.lost[0].startswith("ConnectionResetError")
    recorder.shutdown()  # after a loss: nothing to do, no second report
    assert len(recorder.lost) == 1


def test_shutdown_twice_is_safe_and_ends_delivery(
    bus: Bus, pinger: FakeService, recorder: Recorder, qtbot: QtBot
) -> None:
    conn = recorder.start()
    pinger.emit(PINGER_PATH, PINGER, "Pinged", "s", "before")
    qtbot.waitUntil(lambda: recorder.seen != [], timeout=3000)
    recorder.shutdown()
    recorder.shutdown()
    assert not recorder.connected
    assert conn.sock.fileno() == -1
    with pytest.raises(_dbus.DBusUnavailable, match="not connected"):
        recorder.watch([])
    pinger.emit(PINGER_PATH, PINGER, "Pinged", "s", "after")
    bus.kill()
    settle(qtbot)
    assert recorder.seen == [("before",)]
    assert recorder.lost == []  # shut down on purpose: not a loss


def test_shutdown_closes_the_socket_after_qt_deleted_the_watcher(
    pinger: FakeService, qtbot: QtBot
) -> None:
    watcher = Recorder()
    conn = watcher.start()
    shiboken6.delete(watcher)  # e.g. its parent went first
    watcher.shutdown()
    watcher.shutdown()
    assert conn.sock.fileno() == -1


# --------------------------------------------------------------------------- notifications
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS = "org.freedesktop.Notifications"


class FakeNotificationServer:
    def __init__(
        self,
        services: Callable[..., FakeService],
        address: str,
        capabilities: tuple[str, ...] = ("actions", "body"),
    ) -> None:
        self.next_id = 40
        self.service = services(
            address,
            NOTIFICATIONS,
            {
                "GetCapabilities": lambda m: Reply("as", (list(capabilities),)),
                "GetServerInformation": lambda m: Reply(
                    "ssss", ("fake-server", "respite-tests", "0.1", "1.2")
                ),
                "Notify": self._notify,
                "CloseNotification": self._close,
            },
        )

    def _notify(self, message: Message) -> Reply:
        self.next_id += 1
        return Reply("u", (self.next_id,))

    def _close(self, message: Message) -> Reply:
        self.closed(message.body[0], CLOSED_BY_CALL)
        return Reply()

    def closed(self, notification_id: int, reason: int) -> None:
        self.service.emit(
            NOTIFICATIONS_PATH, NOTIFICATIONS, "NotificationClosed", "uu", notification_id, reason
        )

    def action(self, notification_id: int, key: str) -> None:
        self.service.emit(
            NOTIFICATIONS_PATH, NOTIFICATIONS, "ActionInvoked", "us", notification_id, key
        )

    def notify_calls(self) -> list[tuple[Any, ...]]:
        return [tuple(m.body) for m in self.service.called("Notify")]


def nudge(kind: NudgeKind = NudgeKind.SHORT_BREAK, body: str = "Stretch <now>") -> Nudge:
    from datetime import UTC, datetime

    return Nudge(
        kind, datetime(2026, 3, 2, 10, 0, tzinfo=UTC), "Break", body, messages.break_choices(5)
    )


@pytest.fixture
def server(bus: Bus, services: Callable[..., FakeService]) -> FakeNotificationServer:
    return FakeNotificationServer(services, bus.address)


@pytest.fixture
def notifier(server: FakeNotificationServer, qtbot: QtBot) -> Iterator[FreedesktopNotifier]:
    made = FreedesktopNotifier(timeout=0.5)
    yield made
    made.shutdown()


def record(notifier: FreedesktopNotifier) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    notifier.choice_made.connect(lambda n, key: seen.append(("choice", n, key)))
    notifier.dismissed.connect(lambda n: seen.append(("dismissed", n)))
    notifier.unavailable.connect(lambda reason: seen.append(("unavailable", reason)))
    return seen


def settle(qtbot: QtBot) -> None:
    qtbot.wait(200)


@pytest.mark.parametrize("reason", [CLOSED_EXPIRED, CLOSED_BY_USER, CLOSED_BY_CALL, 4])
def test_closed_unanswered_is_dismissed(
    server: FakeNotificationServer, notifier: FreedesktopNotifier, qtbot: QtBot, reason: int
) -> None:
    # Reason 3 here: another client closed it, not us, so it went unanswered too.
    shown = nudge()
    notifier.show(shown)
    with qtbot.waitSignal(notifier.dismissed, timeout=3000) as blocker:
        server.closed(server.next_id, reason)
    assert blocker.args == [shown]
    assert notifier.pending() == []


def test_our_own_close_reports_nothing(
    server: FakeNotificationServer, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    seen = record(notifier)
    shown = nudge()
    notifier.show(shown)
    notifier.close_all()
    qtbot.waitUntil(lambda: bool(server.service.called("CloseNotification")), timeout=3000)
    settle(qtbot)
    assert seen == []


def test_actions_arrive_on_the_gui_thread_and_close_the_notification(
    server: FakeNotificationServer, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    threads: list[threading.Thread] = []
    notifier.choice_made.connect(lambda n, key: threads.append(threading.current_thread()))
    shown = nudge()
    notifier.show(shown)
    with qtbot.waitSignal(notifier.choice_made, timeout=3000) as blocker:
        server.action(server.next_id, "snooze:5")
    assert blocker.args == [shown, "snooze:5"]
    assert threads == [threading.main_thread()]
    qtbot.waitUntil(lambda: bool(server.service.called("CloseNotification")), timeout=3000)
    assert server.service.called("CloseNotification")[0].body == (server.next_id,)


def test_unknown_keys_ids_and_strangers_are_ignored(
    bus: Bus,
    services: Callable[..., FakeService],
    server: FakeNotificationServer,
    notifier: FreedesktopNotifier,
    qtbot: QtBot,
) -> None:
    seen = record(notifier)
    shown = nudge()
    notifier.show(shown)
    server.action(server.next_id, "format_disk")  # not one of the nudge's choices
    server.action(999, "skip")  # not our notification
    stranger = services(bus.address, None, {})  # emits as if it were the server
    stranger.emit(NOTIFICATIONS_PATH, NOTIFICATIONS, "ActionInvoked", "us", server.next_id, "skip")
    stranger.emit(NOTIFICATIONS_PATH, NOTIFICATIONS, "NotificationClosed", "uu", server.next_id, 2)
    settle(qtbot)
    assert seen == []
    assert notifier.pending() == [shown]
    with qtbot.waitSignal(notifier.choice_made, timeout=3000):
        server.action(server.next_id, "skip")


def test_notify_call_content(server: FakeNotificationServer, notifier: FreedesktopNotifier) -> None:
    notifier.show(nudge())
    notifier.show(nudge(NudgeKind.LONG_BREAK))
    first, second = server.notify_calls()
    assert first[0] == "Respite"
    assert first[1] == 0  # a new notification
    assert first[4] == "Stretch <now>"  # no body-markup capability: sent as is
    assert first[5] == ["start_break", "Start break", "snooze:5", "Snooze 5 min", "skip", "Skip"]
    assert first[6]["urgency"] == ("y", 0)
    assert first[7] == -1
    assert second[1] == 0  # another kind: not a replacement


def test_a_bus_that_refuses_respites_login_leaves_each_adapter_unavailable(
    make_bus: Callable[..., Bus], monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    # As when DBUS_SESSION_BUS_ADDRESS names another user's bus (after `su`, say).
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", make_bus(auth="ANONYMOUS").address)

    with pytest.raises(NotifierUnavailable, match="refused to let Respite in"):
        FreedesktopNotifier(timeout=0.5)
    for watcher in (LogindWatcher(), ScreenSaverActiveWatcher()):
        try:
            assert watcher.start(bus="SESSION", timeout=0.5) is False
            assert "refused to let Respite in" in watcher.unavailable_reason
        finally:
            watcher.shutdown()


def test_a_bus_that_refuses_the_notifiers_match_rules_leaves_it_unavailable(
    make_bus: Callable[..., Bus],
    services: Callable[..., FakeService],
    monkeypatch: pytest.MonkeyPatch,
    qtbot: QtBot,
) -> None:
    made = make_bus(limits={"max_match_rules_per_connection": 1})
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", made.address)
    FakeNotificationServer(services, made.address)

    with pytest.raises(NotifierUnavailable, match="refused to pass on"):
        FreedesktopNotifier(timeout=0.5)


def test_a_send_to_a_bus_that_stopped_reading_fails_in_time_instead_of_hanging(
    bus: Bus,
) -> None:
    conn = _dbus.open_connection(bus.address, lambda: None, timeout=0.3)
    bus.proc.send_signal(signal.SIGSTOP)  # alive, reading nothing: the socket fills up
    # Should a send wait without a limit, the bus wakes after 10 s and the test fails.
    backstop = threading.Timer(10, lambda: bus.proc.send_signal(signal.SIGCONT))
    backstop.start()
    big = new_method_call(
        DBusAddress("/", bus_name="org.example.Nobody"), "Hi", "s", ("x" * 60_000,)
    )
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError):
            for _ in range(1000):  # far more than the kernel holds for a socket
                conn.send(big)
        assert time.monotonic() - started < 5
    finally:
        backstop.cancel()
        bus.proc.send_signal(signal.SIGCONT)
        conn.close()


def test_a_server_without_actions(
    bus: Bus, services: Callable[..., FakeService], qtbot: QtBot
) -> None:
    server = FakeNotificationServer(services, bus.address, capabilities=("body",))
    notifier = FreedesktopNotifier()
    try:
        assert not notifier.supports_actions
        notifier.show(nudge())
        assert server.notify_calls()[0][5] == []
    finally:
        notifier.shutdown()


def test_a_hung_server_makes_show_fail_fast(
    bus: Bus, services: Callable[..., FakeService], qtbot: QtBot
) -> None:
    server = FakeNotificationServer(services, bus.address)
    server.service.methods["Notify"] = lambda m: None  # never answers
    notifier = FreedesktopNotifier(timeout=0.3)
    try:
        with pytest.raises(NotifierUnavailable, match=r"did not answer Notify within 0\.3 s"):
            notifier.show(nudge())
    finally:
        notifier.shutdown()


def test_server_leaving_the_bus_reports_unavailable(
    server: FakeNotificationServer, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    shown = nudge()
    notifier.show(shown)
    with qtbot.waitSignal(notifier.unavailable, timeout=3000) as blocker:
        server.service.close()
    assert blocker.args == [
        "desktop notifications unavailable: the notification server left the session bus"
    ]
    assert not notifier.available
    assert notifier.pending() == [shown]  # for the caller to show elsewhere
    with pytest.raises(NotifierUnavailable, match="left the session bus"):
        notifier.show(nudge())


def test_losing_the_bus_reports_unavailable_once(
    bus: Bus, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    seen = record(notifier)
    with qtbot.waitSignal(notifier.unavailable, timeout=3000) as blocker:
        bus.kill()
    assert blocker.args[0].startswith("desktop notifications unavailable: lost the session bus")
    settle(qtbot)
    assert [event[0] for event in seen] == ["unavailable"]
    with pytest.raises(NotifierUnavailable, match="lost the session bus"):
        notifier.show(nudge())


def test_no_notification_server(bus: Bus, qtbot: QtBot) -> None:
    with pytest.raises(NotifierUnavailable) as raised:
        FreedesktopNotifier()
    assert str(raised.value) == (
        "desktop notifications unavailable: no notification server is running "
        "(nothing owns org.freedesktop.Notifications on the session bus)"
    )


def test_no_session_bus(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NotifierUnavailable) as raised:
        FreedesktopNotifier()
    assert str(raised.value) == (
        "desktop notifications unavailable: the D-Bus session bus is not available "
        "(DBUS_SESSION_BUS_ADDRESS is not set)"
    )
    with pytest.raises(NotifierUnavailable, match="cannot connect to the D-Bus bus at"):
        FreedesktopNotifier(bus="unix:path=/nonexistent/bus")


def test_a_broken_activatable_server_is_never_started(
    make_bus: Callable[..., Bus], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    marker = tmp_path / "activated"
    bus = make_bus({NOTIFICATIONS: f"touch {marker}"})
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
    with pytest.raises(NotifierUnavailable, match="no notification server is running"):
        FreedesktopNotifier()
    assert not marker.exists()
    # Control: an ordinary call to the name does make the bus start the service.
    with open_dbus_connection(bus.address) as conn:
        address = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS, interface=NOTIFICATIONS)
        conn.send(new_method_call(address, "GetCapabilities"))
        qtbot.waitUntil(marker.exists, timeout=5000)


# --------------------------------------------------------------------------- logind
SESSION_PATH = "/org/freedesktop/login1/session/_37"
MANAGER_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
SESSION = "org.freedesktop.login1.Session"


@pytest.fixture
def system_bus(make_bus: Callable[..., Bus], monkeypatch: pytest.MonkeyPatch) -> Bus:
    made = make_bus()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", made.address)
    return made


def fake_logind(
    services: Callable[..., FakeService], address: str, locked: bool = False
) -> FakeService:
    def get_session(message: Message) -> Reply | Error:
        if message.body == ("7",):
            return Reply("o", (SESSION_PATH,))
        return Error("org.freedesktop.login1.NoSuchSession", f"no session {message.body[0]}")

    return services(
        address,
        "org.freedesktop.login1",
        {
            "GetSession": get_session,
            "GetSessionByPID": lambda m: Reply("o", (SESSION_PATH,)),
            "Get": lambda m: Reply("v", (("b", locked),)),
        },
    )


@pytest.fixture
def logind_watcher(qtbot: QtBot) -> Iterator[LogindWatcher]:
    watcher = LogindWatcher()
    yield watcher
    watcher.shutdown()


def test_logind_sleep_and_lock_signals(
    system_bus: Bus,
    services: Callable[..., FakeService],
    logind_watcher: LogindWatcher,
    qtbot: QtBot,
) -> None:
    logind = fake_logind(services, system_bus.address)
    assert logind_watcher.start(env={"XDG_SESSION_ID": "7"})
    assert logind_watcher.session_path == SESSION_PATH
    assert logind_watcher.locked is False  # from LockedHint
    events: list[str] = []
    for name in ("sleep_started", "sleep_ended", "session_locked", "session_unlocked"):
        getattr(logind_watcher, name).connect(lambda name=name: events.append(name))

    with qtbot.waitSignal(logind_watcher.sleep_started, timeout=3000):
        logind.emit(MANAGER_PATH, MANAGER, "PrepareForSleep", "b", True)
    with qtbot.waitSignal(logind_watcher.sleep_ended, timeout=3000):
        logind.emit(MANAGER_PATH, MANAGER, "PrepareForSleep", "b", False)
    with qtbot.waitSignal(logind_watcher.session_locked, timeout=3000):
        logind.emit(SESSION_PATH, SESSION, "Lock", "")
        # The locker then sets LockedHint: the same fact, not a second lock.
        logind.emit(
            SESSION_PATH,
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            "sa{sv}as",
            SESSION,
            {"LockedHint": ("b", True)},
            [],
        )
    with qtbot.waitSignal(logind_watcher.session_unlocked, timeout=3000):
        logind.emit(
            SESSION_PATH,
            "org.freedesktop.DBus.Properties",
            "PropertiesChanged",
            "sa{sv}as",
            SESSION,
            {"LockedHint": ("b", False)},
            [],
        )
    settle(qtbot)
    assert events == ["sleep_started", "sleep_ended", "session_locked", "session_unlocked"]
    assert logind.called("GetSession")[0].body == ("7",)


def test_logind_ignores_signals_from_impostors_and_other_sessions(
    system_bus: Bus,
    services: Callable[..., FakeService],
    logind_watcher: LogindWatcher,
    qtbot: QtBot,
) -> None:
    logind = fake_logind(services, system_bus.address)
    assert logind_watcher.start(env={"XDG_SESSION_ID": "7"})
    events: list[str] = []
    logind_watcher.sleep_started.connect(lambda: events.append("sleep"))
    logind_watcher.session_locked.connect(lambda: events.append("locked"))
    impostor = services(system_bus.address, None, {})
    impostor.emit(MANAGER_PATH, MANAGER, "PrepareForSleep", "b", True)
    impostor.emit(SESSION_PATH, SESSION, "Lock", "")
    logind.emit("/org/freedesktop/login1/session/_99", SESSION, "Lock", "")
    settle(qtbot)
    assert events == []
    with qtbot.waitSignal(logind_watcher.sleep_started, timeout=3000):
        logind.emit(MANAGER_PATH, MANAGER, "PrepareForSleep", "b", True)


def test_logind_finds_the_session_by_pid_without_xdg_session_id(
    system_bus: Bus,
    services: Callable[..., FakeService],
    logind_watcher: LogindWatcher,
) -> None:
    logind = fake_logind(services, system_bus.address, locked=True)
    assert logind_watcher.start(env={})
    assert logind_watcher.session_path == SESSION_PATH
    assert logind_watcher.locked is True
    assert logind.called("GetSessionByPID")


def test_logind_absent_is_not_an_error(
    system_bus: Bus, logind_watcher: LogindWatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not logind_watcher.start()
    assert "nothing owns org.freedesktop.login1" in logind_watcher.unavailable_reason
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket")
    again = LogindWatcher()
    assert not again.start()
    assert "cannot connect to the D-Bus system bus" in again.unavailable_reason
    again.shutdown()


# --------------------------------------------------------------------------- screen saver
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"),
        ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"),
        ("org.freedesktop.ScreenSaver", "/ScreenSaver"),  # KDE's other path
    ],
)
def test_screensaver_active_changed(
    bus: Bus, services: Callable[..., FakeService], qtbot: QtBot, name: str, path: str
) -> None:
    saver = services(bus.address, name, {})
    watcher = ScreenSaverActiveWatcher()
    try:
        assert watcher.start()
        with qtbot.waitSignal(watcher.session_locked, timeout=3000):
            saver.emit(path, name, "ActiveChanged", "b", True)
        with qtbot.waitSignal(watcher.session_unlocked, timeout=3000):
            saver.emit(path, name, "ActiveChanged", "b", False)
        events: list[str] = []
        watcher.session_locked.connect(lambda: events.append("locked"))
        impostor = services(bus.address, None, {})
        impostor.emit(path, name, "ActiveChanged", "b", True)
        settle(qtbot)
        assert events == []
    finally:
        watcher.shutdown()


def test_screensaver_watcher_without_a_bus(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    watcher = ScreenSaverActiveWatcher()
    assert not watcher.start()
    assert "DBUS_SESSION_BUS_ADDRESS is not set" in watcher.unavailable_reason
