"""Shared D-Bus plumbing on jeepney: connections with short timeouts, and a watcher that
hands matched signals to the GUI thread. Everything runs on that thread: no threads.

A `SignalWatcher` owns one blocking jeepney connection and a QSocketNotifier on its
socket. When the socket has data, the watcher reads what is there without waiting and
hands matched signals to `handle_message`. A blocking call (`call`, `name_has_owner`)
reads the socket itself while it waits for its reply and files the signals it meets in
the watcher's queue; those produce no further notification, so every call ends by
starting a 0 ms timer that delivers them from the event loop, after the call has
returned, never inside it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from jeepney import DBusAddress, MatchRule, Message, MessageFlag, MessageType, new_method_call
from jeepney.bus import get_bus
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, DBusConnectionBase, Proxy, prep_socket
from jeepney.io.common import MessageFilters
from jeepney.wrappers import DBusErrorResponse
from PySide6.QtCore import QObject, QSocketNotifier, QTimer

log = logging.getLogger(__name__)

CALL_TIMEOUT = 1.0  # seconds; a healthy bus answers in well under 10 ms
DBUS = DBusAddress(
    "/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus"
)


class DBusUnavailable(OSError):
    """The bus or the service cannot be reached; the message says which and why."""


def describe_bus(bus: str) -> str:
    return {"SESSION": "the D-Bus session bus", "SYSTEM": "the D-Bus system bus"}.get(
        bus, f"the D-Bus bus at {bus}"
    )


def no_auto_start(message: Message) -> Message:
    """Mark a call so the bus never starts (activates) the service to answer it."""
    message.header.flags |= MessageFlag.no_auto_start
    return message


def socket_path(bus: str) -> str:
    """Where to connect for "SESSION", "SYSTEM" or an address; raise DBusUnavailable."""
    try:
        return str(get_bus(bus))
    except KeyError:
        raise DBusUnavailable(
            f"{describe_bus(bus)} is not available (DBUS_SESSION_BUS_ADDRESS is not set)"
        ) from None
    except (RuntimeError, ValueError, StopIteration) as exc:
        raise DBusUnavailable(f"cannot use {describe_bus(bus)}: {exc}") from None


class Connection(DBusConnection):  # type: ignore[misc]  # jeepney ships no type hints
    """jeepney's blocking connection, told after each call that it may have read
    messages nobody has seen yet (`after_call`)."""

    # WORKAROUND for jeepney 0.9: DBusConnection.__init__ says Hello with no time
    # limit, so a bus that never answers would hang the GUI thread. Same set-up, with
    # `timeout` on the Hello.
    def __init__(self, sock: socket.socket, timeout: float, after_call: Callable[[], None]):
        DBusConnectionBase.__init__(self, sock)
        self._filters = MessageFilters()
        self.after_call = after_call
        try:
            self.unique_name = Proxy(message_bus, self, timeout=timeout).Hello()[0]
        except BaseException:
            self.close()  # the socket and the selector jeepney opened around it
            raise

    def send_and_get_reply(self, message: Message, *, timeout: float | None = None) -> Message:
        try:
            return super().send_and_get_reply(message, timeout=timeout)
        finally:
            self.after_call()


def open_connection(
    bus: str, after_call: Callable[[], None], timeout: float = CALL_TIMEOUT
) -> Connection:
    """Connect and say Hello within `timeout` seconds; raise DBusUnavailable."""
    path = socket_path(bus)
    try:
        sock = prep_socket(path, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DBusUnavailable(f"cannot connect to {describe_bus(bus)}: {exc}") from None
    except ValueError as exc:  # jeepney's AuthenticationError: another user's bus, say
        raise DBusUnavailable(f"{describe_bus(bus)} refused to let Respite in: {exc}") from None
    try:
        conn = Connection(sock, timeout, after_call)
    except (OSError, TimeoutError, ValueError, DBusErrorResponse) as exc:
        raise DBusUnavailable(f"{describe_bus(bus)} did not answer: {exc}") from None
    # jeepney leaves the socket blocking, so a send to a bus that stopped reading would
    # hold the GUI thread for good; now it fails as TimeoutError (an OSError), which
    # every caller already handles (reads wait in a selector, with their own limit).
    sock.settimeout(timeout)
    return conn


def name_has_owner(conn: Connection, name: str, timeout: float = CALL_TIMEOUT) -> bool:
    """Ask the bus (never the service: that could activate it) whether `name` is owned."""
    reply = conn.send_and_get_reply(
        new_method_call(DBUS, "NameHasOwner", "s", (name,)), timeout=timeout
    )
    return bool(_unwrap(reply)[0])


def activatable_names(conn: Connection, timeout: float = CALL_TIMEOUT) -> frozenset[str]:
    """The names the bus can start on demand (D-Bus activation). Asking starts nothing."""
    reply = conn.send_and_get_reply(new_method_call(DBUS, "ListActivatableNames"), timeout=timeout)
    return frozenset(str(name) for name in _unwrap(reply)[0])


def _unwrap(reply: Message) -> tuple[Any, ...]:
    if reply.header.message_type == MessageType.error:
        raise DBusErrorResponse(reply)
    return tuple(reply.body)


def call(conn: Connection, message: Message, timeout: float = CALL_TIMEOUT) -> tuple[Any, ...]:
    """Send a method call and return the reply's body; raise DBusErrorResponse on an error
    reply, TimeoutError, or OSError when the bus is gone."""
    return _unwrap(conn.send_and_get_reply(message, timeout=timeout))


class SignalWatcher(QObject):
    """One bus connection whose matched signals arrive on the thread this object lives in
    (build it on the GUI thread), read there as the socket has data.

    Subclasses override `handle_message` and may override `handle_lost`, which is called
    once when the bus socket closes or breaks.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._conn: Connection | None = None
        self._notifier: QSocketNotifier | None = None
        self._queue: deque[Message] = deque()
        self._filters: list[Any] = []
        self._lost_reported = False
        # Delivers what a blocking call read while it waited (see the module's doc).
        self._after_call = QTimer(self)
        self._after_call.setSingleShot(True)
        self._after_call.setInterval(0)
        self._after_call.timeout.connect(self._read_available)

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def connect_bus(self, bus: str, timeout: float = CALL_TIMEOUT) -> Connection:
        conn = open_connection(bus, self._after_call.start, timeout)
        self._conn = conn
        self._notifier = QSocketNotifier(conn.sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._read_available)
        return conn

    def watch(
        self, rules: Iterable[tuple[MatchRule, MatchRule]], timeout: float = CALL_TIMEOUT
    ) -> None:
        """For each (bus rule, local rule): AddMatch on the bus, filter locally.

        The bus rule may name a well-known sender (the bus resolves it to its owner, so
        nobody else can fake the signal); jeepney's local matching compares the header's
        unique name literally, so the local rule leaves the sender out.
        """
        conn = self._require_connection()
        for bus_rule, local_rule in rules:
            call(conn, message_bus.AddMatch(bus_rule), timeout)
            self._filters.append(conn.filter(local_rule, queue=self._queue))

    def _require_connection(self) -> Connection:
        if self._conn is None:
            raise DBusUnavailable("not connected")
        return self._conn

    def _read_available(self) -> None:
        """Hand over the queued signals and whatever the socket holds, without waiting."""
        while self._conn is not None:
            if self._queue:
                self._deliver(self._queue.popleft())
                continue
            try:
                self._conn.recv_messages(timeout=0)  # one message into the queue, or none
            except TimeoutError:
                return  # nothing more to read now
            except Exception as exc:  # the socket closed or broke: the bus is gone
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self._connection_lost(reason)
                return

    def _deliver(self, message: Message) -> None:
        try:
            self.handle_message(message)
        except Exception:
            log.exception("%s: error handling a D-Bus message", type(self).__name__)

    def _connection_lost(self, reason: str) -> None:
        if self._lost_reported:
            return
        self._lost_reported = True
        self._close()
        self.handle_lost(reason)

    def handle_message(self, message: Message) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def handle_lost(self, reason: str) -> None:
        log.warning("%s: lost the D-Bus connection (%s)", type(self).__name__, reason)

    def shutdown(self) -> None:
        """Close the connection; nothing is delivered afterwards. Safe to call twice."""
        self._close()

    def _close(self) -> None:
        for handle in self._filters:
            with contextlib.suppress(KeyError):
                handle.close()
        self._filters.clear()
        self._queue.clear()
        notifier, self._notifier = self._notifier, None
        # RuntimeError: Qt already deleted this object (and its children) without a
        # shutdown(); the socket is closed all the same.
        with contextlib.suppress(RuntimeError):
            self._after_call.stop()
            if notifier is not None:
                notifier.setEnabled(False)  # before the socket closes under it
                notifier.deleteLater()  # not now: this may run in its own signal
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
