"""Desktop notifications with the nudge's choices as action buttons.

Linux (and other freedesktop desktops): `FreedesktopNotifier` talks to the notification
server over D-Bus with jeepney (PySide6's QtDBus sends `Notify`'s replaces_id as a
signed int, which servers reject). One connection sends `Notify`, `CloseNotification`
and `GetCapabilities`, and receives `ActionInvoked` / `NotificationClosed` (the server
sends ActionInvoked only to the connection that sent the notification).

Windows and macOS: there is no native adapter here. Toast notifications with buttons
need a registered AppUserModelID and COM activation (Windows) or a signed app bundle
with UNUserNotificationCenter (macOS); neither fits a plain Python process, so on those
systems, and whenever `FreedesktopNotifier` raises `NotifierUnavailable`, the app shows
its own popup window with the same buttons (built in `respite.ui`).

When to fall back to that popup:
* `FreedesktopNotifier()` raises `NotifierUnavailable` (no session bus, no server);
* `supports_actions` is False (the server would show the text without buttons);
* `show()` raises `NotifierUnavailable` (the server refused or did not answer in time);
* `unavailable(reason)` fires (the bus or the server went away); `pending()` then lists
  the nudges still waiting for an answer.

And back: while the popup stands in, a `NotificationServerWatcher` reports each server
that takes the name (one restarted, or one the bus starts on demand, as dunst, mako and
xfce4-notifyd are); the app then builds a new `FreedesktopNotifier`. The watcher can ask
the bus to start a server that is installed but not running, without waiting for it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.wrappers import DBusErrorResponse
from PySide6.QtCore import QObject, Signal, SignalInstance

from respite.core.nudges import Nudge
from respite.platform import _dbus
from respite.qt import emit

log = logging.getLogger(__name__)

APP_NAME = "Respite"
DESKTOP_ENTRY = "respite"
SERVER_NAME = "org.freedesktop.Notifications"
NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications", bus_name=SERVER_NAME, interface=SERVER_NAME
)

URGENCY_LOW, URGENCY_NORMAL, URGENCY_CRITICAL = 0, 1, 2

# NotificationClosed reasons (Desktop Notifications Specification 1.2)
CLOSED_EXPIRED, CLOSED_BY_USER, CLOSED_BY_CALL, CLOSED_UNDEFINED = 1, 2, 3, 4


class NotifierUnavailable(RuntimeError):
    """Notifications cannot be shown this way; the message says why, for the log."""


def nudge_id_of(nudge: Nudge) -> str:
    """A stable name for a nudge (see `Nudge.id`)."""
    return nudge.id


class Notifier(Protocol):
    """What the app needs from a way of showing nudges.

    `choice_made(nudge, key)` fires when the user picks a choice (`key` is a
    `Choice.key` for the engine's `perform`); `dismissed(nudge)` when it is closed or
    expires unanswered; `unavailable(reason)` once if the notifier stops working.
    """

    @property
    def supports_actions(self) -> bool: ...

    @property
    def choice_made(self) -> SignalInstance: ...

    @property
    def dismissed(self) -> SignalInstance: ...

    @property
    def unavailable(self) -> SignalInstance: ...

    def show(self, nudge: Nudge) -> None: ...

    def close(self, nudge_id: str) -> None: ...


def urgency_for(nudge: Nudge) -> int:
    """Gentle escalation: low the first time, normal when it comes back. Never critical
    (critical notifications stay on screen until clicked)."""
    return URGENCY_LOW if nudge.level <= 0 else URGENCY_NORMAL


def _escaped(text: str) -> str:
    """`text` safe in a body the server reads as markup: the spec's markup is a small
    XML subset, so &, < and > are all that need escaping (html.escape would load the
    html module's entity tables, ≈0.5 MiB, for these three)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notify_arguments(
    nudge: Nudge,
    *,
    replaces_id: int = 0,
    icon: str = "",
    expire_timeout_ms: int = -1,
    markup: bool = False,
    actions: bool = True,
) -> tuple[Any, ...]:
    """The body of a `Notify` call (signature susssasa{sv}i) for `nudge`."""
    body = _escaped(nudge.body) if markup else nudge.body
    flat_actions: list[str] = []
    if actions:
        for choice in nudge.choices:
            flat_actions += [choice.key, choice.label]
    hints: dict[str, tuple[str, Any]] = {
        "urgency": ("y", urgency_for(nudge)),
        "desktop-entry": ("s", DESKTOP_ENTRY),
        # A vendor category (spec: "x-vendor.class.name") so users can write server rules.
        "category": ("s", f"x-respite.nudge.{nudge.kind.value}"),
    }
    return (
        APP_NAME,
        replaces_id & 0xFFFFFFFF,
        icon,
        nudge.title,
        body,
        flat_actions,
        hints,
        int(expire_timeout_ms),
    )


def _owner_changes() -> MatchRule:
    """NameOwnerChanged for the notification server's name, from the bus itself."""
    rule = MatchRule(
        type="signal",
        sender="org.freedesktop.DBus",
        interface="org.freedesktop.DBus",
        member="NameOwnerChanged",
    )
    rule.add_arg_condition(0, SERVER_NAME)
    return rule


class FreedesktopNotifier(_dbus.SignalWatcher):
    """org.freedesktop.Notifications over one jeepney connection.

    Build it on the GUI thread; its signals are emitted there. Raises
    `NotifierUnavailable` when there is no session bus or no notification server (it
    asks the bus whether the name is owned, so a broken server is never auto-started).
    Calls wait at most `timeout` seconds. A nudge whose kind is already on screen
    replaces that notification instead of stacking a second one.
    """

    choice_made = Signal(object, str)
    dismissed = Signal(object)
    unavailable = Signal(str)

    def __init__(
        self,
        *,
        icon: str = "",
        expire_timeout_ms: int = -1,
        bus: str = "SESSION",
        timeout: float = _dbus.CALL_TIMEOUT,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bus = bus
        self.icon = icon
        self.expire_timeout_ms = expire_timeout_ms
        self._timeout = timeout
        self._shown: dict[int, Nudge] = {}
        self._available = False
        self._unavailable_reason = ""
        self.capabilities: frozenset[str] = frozenset()
        self.server_name = ""
        try:
            self._start(bus)
        except BaseException:
            self.shutdown()
            raise
        self._available = True

    def _start(self, bus: str) -> None:
        try:
            conn = self.connect_bus(bus, self._timeout)
        except _dbus.DBusUnavailable as exc:
            raise NotifierUnavailable(f"desktop notifications unavailable: {exc}") from None
        try:
            owned = _dbus.name_has_owner(conn, SERVER_NAME, self._timeout)
        except (OSError, TimeoutError, DBusErrorResponse) as exc:
            raise NotifierUnavailable(
                f"desktop notifications unavailable: the session bus did not answer ({exc})"
            ) from None
        if not owned:
            raise NotifierUnavailable(
                "desktop notifications unavailable: no notification server is running "
                f"(nothing owns {SERVER_NAME} on the session bus)"
            )
        signals = MatchRule(type="signal", interface=SERVER_NAME, path=NOTIFICATIONS.object_path)
        bus_rule = MatchRule(
            type="signal", sender=SERVER_NAME, interface=SERVER_NAME, path=NOTIFICATIONS.object_path
        )
        owner = _owner_changes()
        try:
            self.watch([(bus_rule, signals), (owner, owner)], self._timeout)
        except (OSError, TimeoutError, DBusErrorResponse) as exc:
            raise NotifierUnavailable(
                f"desktop notifications unavailable: the session bus refused to pass on "
                f"the notification server's answers ({exc or type(exc).__name__})"
            ) from None
        capabilities = self._call("GetCapabilities")[0]
        self.capabilities = frozenset(str(c) for c in capabilities)
        try:
            name, _vendor, version, _spec = self._call("GetServerInformation")
            self.server_name = f"{name} {version}".strip()
        except NotifierUnavailable:
            self.server_name = "unknown"
        log.info(
            "notifications via %s; capabilities: %s",
            self.server_name,
            ", ".join(sorted(self.capabilities)),
        )

    # ----------------------------------------------------------------- state
    @property
    def supports_actions(self) -> bool:
        """True when the server shows action buttons; else use the app's own popup."""
        return "actions" in self.capabilities

    @property
    def available(self) -> bool:
        return self._available

    @property
    def unavailable_reason(self) -> str:
        return self._unavailable_reason

    def pending(self) -> list[Nudge]:
        """Nudges on screen and not yet answered (e.g. to re-show them elsewhere after
        `unavailable`)."""
        return list(self._shown.values())

    # ----------------------------------------------------------------- calls
    def _call(self, member: str, signature: str | None = None, body: tuple[Any, ...] = ()) -> Any:
        conn = self._conn
        if conn is None or self._unavailable_reason:
            raise NotifierUnavailable(self._unavailable_reason or "notifier is closed")
        message = _dbus.no_auto_start(new_method_call(NOTIFICATIONS, member, signature, body))
        try:
            return _dbus.call(conn, message, self._timeout)
        except DBusErrorResponse as exc:
            raise NotifierUnavailable(f"notification server refused {member}: {exc}") from None
        except TimeoutError:
            raise NotifierUnavailable(
                f"notification server did not answer {member} within {self._timeout:g} s"
            ) from None
        except OSError as exc:
            raise NotifierUnavailable(f"lost the session bus: {exc}") from None

    def _send(self, member: str, signature: str, body: tuple[Any, ...]) -> None:
        """A call whose reply nobody waits for (never blocks the GUI thread)."""
        conn = self._conn
        if conn is None:
            return
        message = _dbus.no_auto_start(new_method_call(NOTIFICATIONS, member, signature, body))
        try:
            conn.send(message)
        except OSError as exc:
            log.debug("%s not sent: %s", member, exc)

    def show(self, nudge: Nudge, *, expire_timeout_ms: int | None = None) -> None:
        """Show `nudge`; raise NotifierUnavailable if the server fails to take it."""
        replaces = next((nid for nid, shown in self._shown.items() if shown.kind == nudge.kind), 0)
        arguments = notify_arguments(
            nudge,
            replaces_id=replaces,
            icon=self.icon,
            expire_timeout_ms=(
                self.expire_timeout_ms if expire_timeout_ms is None else expire_timeout_ms
            ),
            markup="body-markup" in self.capabilities,
            actions=self.supports_actions,
        )
        notification_id = int(self._call("Notify", "susssasa{sv}i", arguments)[0])
        if replaces and replaces != notification_id:
            self._shown.pop(replaces, None)
        self._shown[notification_id] = nudge
        log.debug("nudge %s shown as notification %d", nudge_id_of(nudge), notification_id)

    def close(self, nudge_id: str) -> None:
        """Take the notification of the nudge whose `nudge_id_of()` is `nudge_id` off
        screen; no dismissed() follows."""
        for notification_id, nudge in list(self._shown.items()):
            if nudge_id_of(nudge) == nudge_id:
                self._close_notification(notification_id)

    def close_all(self) -> None:
        for notification_id in list(self._shown):
            self._close_notification(notification_id)

    def _close_notification(self, notification_id: int) -> None:
        self._shown.pop(notification_id, None)  # NotificationClosed(…, 3) is then ignored
        self._send("CloseNotification", "u", (notification_id,))

    # ----------------------------------------------------------------- signals (GUI thread)
    def handle_message(self, message: Message) -> None:
        member = message.header.fields.get(HeaderFields.member)
        body = message.body
        if member == "ActionInvoked":
            notification_id, key = int(body[0]), str(body[1])
            nudge = self._shown.get(notification_id)
            if nudge is None:
                return  # someone else's notification, or one we closed already
            if key not in {choice.key for choice in nudge.choices}:
                log.debug("ignoring action %r on notification %d", key, notification_id)
                return
            # dunst keeps the popup after an action from its context menu: close it.
            self._close_notification(notification_id)
            emit(self.choice_made, nudge, key)
        elif member == "NotificationClosed":
            notification_id, reason = int(body[0]), int(body[1])
            nudge = self._shown.pop(notification_id, None)
            if nudge is not None:  # expired, closed by the user, or by another client
                log.debug("notification %d closed, reason %d", notification_id, reason)
                emit(self.dismissed, nudge)
        elif member == "NameOwnerChanged":
            name, _old, new = body
            if name == SERVER_NAME and not new:
                self._report_unavailable("the notification server left the session bus")

    def handle_lost(self, reason: str) -> None:
        self._report_unavailable(f"lost the session bus ({reason})")

    def _report_unavailable(self, reason: str) -> None:
        if not self._available:
            return
        self._available = False
        self._unavailable_reason = f"desktop notifications unavailable: {reason}"
        log.warning("%s", self._unavailable_reason)
        emit(self.unavailable, self._unavailable_reason)

    def shutdown(self) -> None:
        """Close what is on screen and the connection. Call before deleting this object."""
        if self._conn is not None and self._available:
            self.close_all()
        self._available = False
        super().shutdown()


class NotificationServerWatcher(_dbus.SignalWatcher):
    """Tells when a notification server takes org.freedesktop.Notifications (`arrived`),
    for as long as Respite shows nudges in its own popup. Build it on the GUI thread.

    `start()` says whether it can watch; then `running` says whether a server owns the
    name and `startable` whether the bus can start one on demand (a service file for the
    name: see `_dbus.activatable_names`). `start_server()` asks the bus to start it and
    waits for nothing: a server that comes up arrives like any other, a broken one holds
    nothing up.
    """

    arrived = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bus = ""
        self.running = False
        self.startable = False
        self.unavailable_reason = ""

    def start(self, bus: str = "SESSION", timeout: float = _dbus.CALL_TIMEOUT) -> bool:
        """Watch the name (before asking about it, so no arrival falls in between)."""
        self.bus = bus
        try:
            conn = self.connect_bus(bus, timeout)
            rule = _owner_changes()
            self.watch([(rule, rule)], timeout)
            self.running = _dbus.name_has_owner(conn, SERVER_NAME, timeout)
            self.startable = SERVER_NAME in _dbus.activatable_names(conn, timeout)
        except (OSError, TimeoutError, DBusErrorResponse) as exc:  # DBusUnavailable too
            self.unavailable_reason = f"{exc or type(exc).__name__}"
            self.shutdown()
            return False
        return True

    def start_server(self) -> bool:
        """Ask the bus to start the notification server when none is running and it can;
        True when asked."""
        conn = self._conn
        if conn is None or self.running or not self.startable:
            return False
        try:
            conn.send(message_bus.StartServiceByName(SERVER_NAME))
        except OSError as exc:
            log.debug("StartServiceByName not sent: %s", exc)
            return False
        log.info("asked %s to start the notification server", _dbus.describe_bus(self.bus))
        return True

    def handle_message(self, message: Message) -> None:
        if message.header.fields.get(HeaderFields.member) != "NameOwnerChanged":
            return
        name, _old, new = message.body
        if name != SERVER_NAME:
            return
        self.running = bool(new)
        if new:
            emit(self.arrived)

    def handle_lost(self, reason: str) -> None:
        self.running = False
        log.info(
            "no longer watching for a notification server: lost %s (%s)",
            _dbus.describe_bus(self.bus),
            reason,
        )
