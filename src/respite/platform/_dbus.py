"""Shared D-Bus plumbing on jeepney: connections with short timeouts, and a watcher that
hands matched signals to the GUI thread.

jeepney's `DBusRouter` runs a receiver thread; when the bus socket closes, that thread
dies with ConnectionResetError (an unhandled thread exception) and nobody is told.
`_Router` catches that and calls back instead.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from jeepney import DBusAddress, MatchRule, Message, MessageFlag, MessageType, new_method_call
from jeepney.bus import get_bus
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import prep_socket
from jeepney.io.threading import DBusConnection, DBusRouter, Proxy, ReceiveStopped
from jeepney.wrappers import DBusErrorResponse
from PySide6.QtCore import QObject, Qt, Signal

from respite.qt import emit

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


class _Router(DBusRouter):  # type: ignore[misc]  # jeepney ships no type hints
    """DBusRouter that reports a lost connection instead of dying with it."""

    def __init__(self, conn: DBusConnection, on_lost: Callable[[str], None]) -> None:
        self._on_lost = on_lost
        super().__init__(conn)

    # WORKAROUND for jeepney 0.9: DBusRouter._receiver lets ConnectionResetError escape
    # its thread when the bus goes away. Same loop, with the error caught and reported.
    def _receiver(self) -> None:
        reason = ""
        try:
            while True:
                self._dispatch(self.conn.receive())
        except ReceiveStopped:
            pass
        except Exception as exc:  # the socket closed or broke: the bus is gone
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            self._replies.drop_all()
        if reason:
            self._on_lost(reason)


def open_router(bus: str, on_lost: Callable[[str], None], timeout: float = CALL_TIMEOUT) -> _Router:
    """Connect and say Hello within `timeout` seconds; raise DBusUnavailable."""
    path = socket_path(bus)
    try:
        sock = prep_socket(path, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DBusUnavailable(f"cannot connect to {describe_bus(bus)}: {exc}") from None
    conn = DBusConnection(sock)
    router = _Router(conn, on_lost)
    try:
        conn.unique_name = Proxy(message_bus, router, timeout=timeout).Hello()[0]
    except (OSError, TimeoutError, DBusErrorResponse) as exc:
        router.close()
        conn.close()
        raise DBusUnavailable(f"{describe_bus(bus)} did not answer: {exc}") from None
    return router


def name_has_owner(router: DBusRouter, name: str, timeout: float = CALL_TIMEOUT) -> bool:
    """Ask the bus (never the service: that could activate it) whether `name` is owned."""
    reply = router.send_and_get_reply(
        new_method_call(DBUS, "NameHasOwner", "s", (name,)), timeout=timeout
    )
    return bool(_unwrap(reply)[0])


def _unwrap(reply: Message) -> tuple[Any, ...]:
    if reply.header.message_type == MessageType.error:
        raise DBusErrorResponse(reply)
    return tuple(reply.body)


def call(router: DBusRouter, message: Message, timeout: float = CALL_TIMEOUT) -> tuple[Any, ...]:
    """Send a method call and return the reply's body; raise DBusErrorResponse on an error
    reply, TimeoutError, or jeepney's RouterClosed / OSError when the bus is gone."""
    return _unwrap(router.send_and_get_reply(message, timeout=timeout))


_STOP = object()
_LOST = object()


class SignalWatcher(QObject):
    """One bus connection whose matched signals arrive on the thread this object lives in.

    A daemon thread reads the router's filter queue and posts each message through a
    queued Qt connection; subclasses override `handle_message` (GUI thread) and may
    override `handle_lost`. Errors of the bus call `handle_lost` once.
    """

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._router: _Router | None = None
        self._queue: queue.Queue[object] = queue.Queue()
        self._filters: list[Any] = []
        self._thread: threading.Thread | None = None
        self._lost_reported = False
        self._lost_reason = "connection closed"
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @property
    def connected(self) -> bool:
        return self._router is not None

    def connect_bus(self, bus: str, timeout: float = CALL_TIMEOUT) -> _Router:
        self._router = open_router(bus, self._connection_lost, timeout)
        return self._router

    def watch(
        self, rules: Iterable[tuple[MatchRule, MatchRule]], timeout: float = CALL_TIMEOUT
    ) -> None:
        """For each (bus rule, local rule): AddMatch on the bus, filter locally.

        The bus rule may name a well-known sender (the bus resolves it to its owner, so
        nobody else can fake the signal); jeepney's local matching compares the header's
        unique name literally, so the local rule leaves the sender out.
        """
        router = self._require_router()
        for bus_rule, local_rule in rules:
            call(router, message_bus.AddMatch(bus_rule), timeout)
            self._filters.append(router.filter(local_rule, queue=self._queue))
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._pump, name=f"{type(self).__name__}-dbus", daemon=True
            )
            self._thread.start()

    def _require_router(self) -> _Router:
        if self._router is None:
            raise DBusUnavailable("not connected")
        return self._router

    def _pump(self) -> None:  # runs on the daemon thread
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                emit(self._posted, item)
            except RuntimeError:  # the QObject was deleted without shutdown()
                return
            if item is _LOST:
                return

    def _connection_lost(self, reason: str) -> None:  # runs on the router's thread
        self._lost_reason = reason
        self._queue.put(_LOST)

    def _deliver(self, item: object) -> None:  # GUI thread
        if item is _LOST:
            router, self._router = self._router, None
            if router is None or self._lost_reported:
                return  # shut down on purpose, or already reported
            self._lost_reported = True
            router.conn.close()
            self.handle_lost(self._lost_reason)
            return
        if isinstance(item, Message):
            try:
                self.handle_message(item)
            except Exception:
                log.exception("%s: error handling a D-Bus message", type(self).__name__)

    def handle_message(self, message: Message) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def handle_lost(self, reason: str) -> None:
        log.warning("%s: lost the D-Bus connection (%s)", type(self).__name__, reason)

    def shutdown(self) -> None:
        """Stop the thread and close the connection; safe to call twice."""
        for handle in self._filters:
            with contextlib.suppress(KeyError):
                handle.close()
        self._filters.clear()
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=2)
            self._thread = None
        router, self._router = self._router, None
        if router is not None:
            router.close()
            router.conn.close()
