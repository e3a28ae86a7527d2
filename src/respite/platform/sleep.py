"""Sleep, resume, lock and unlock over D-Bus (Linux).

* Clock jumps and sleeps without D-Bus: see `respite.platform.clock_jumps`.
* `LogindWatcher` (Linux, system bus): `org.freedesktop.login1.Manager.PrepareForSleep(b)`
  and the session's `Lock` / `Unlock` signals and `LockedHint` property.
* `ScreenSaverActiveWatcher` (session bus): `ActiveChanged(b)` from
  `org.freedesktop.ScreenSaver` (KDE, Xfce, ...) or `org.gnome.ScreenSaver` (GNOME).

The watchers are QObjects: build them on the GUI thread; their signals arrive there.
`start()` answers False (and sets `unavailable_reason`) when the bus or service is not
there; that is not an error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, Message, new_method_call
from jeepney.wrappers import DBusErrorResponse
from PySide6.QtCore import QObject, Signal

from respite.platform import _dbus
from respite.qt import emit

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- D-Bus
class _LockWatcher(_dbus.SignalWatcher):
    session_locked = Signal()
    session_unlocked = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.locked: bool | None = None  # None: not known yet
        self.unavailable_reason = ""

    def _set_locked(self, locked: bool) -> None:
        if locked == self.locked:
            return
        self.locked = locked
        emit(self.session_locked if locked else self.session_unlocked)

    def _not_available(self, reason: str) -> bool:
        self.unavailable_reason = reason
        log.info("%s not available: %s", type(self).__name__, reason)
        self.shutdown()
        return False


LOGIN1 = "org.freedesktop.login1"
LOGIN1_MANAGER = DBusAddress(
    "/org/freedesktop/login1", bus_name=LOGIN1, interface="org.freedesktop.login1.Manager"
)
LOGIN1_SESSION = "org.freedesktop.login1.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"


class LogindWatcher(_LockWatcher):
    """systemd-logind on the system bus: sleep and this session's lock state."""

    sleep_started = Signal()  # PrepareForSleep(true): the machine is about to suspend
    sleep_ended = Signal()  # PrepareForSleep(false): it has resumed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session_path: str | None = None

    def start(
        self,
        bus: str = "SYSTEM",
        env: Mapping[str, str] | None = None,
        timeout: float = _dbus.CALL_TIMEOUT,
    ) -> bool:
        env = os.environ if env is None else env
        try:
            conn = self.connect_bus(bus, timeout)
            if not _dbus.name_has_owner(conn, LOGIN1, timeout):
                return self._not_available(f"nothing owns {LOGIN1} on {_dbus.describe_bus(bus)}")
            self.session_path = self._find_session(conn, env, timeout)
            self.watch(self._rules(), timeout)
            if self.session_path:
                self.locked = self._locked_hint(conn, timeout)
        except (OSError, TimeoutError, DBusErrorResponse) as exc:
            return self._not_available(str(exc) or type(exc).__name__)
        log.info("watching logind: sleep, and session %s", self.session_path or "(none)")
        return True

    def _find_session(
        self, conn: _dbus.Connection, env: Mapping[str, str], timeout: float
    ) -> str | None:
        attempts: list[tuple[str, str, tuple[Any, ...]]] = []
        if env.get("XDG_SESSION_ID"):
            attempts.append(("GetSession", "s", (env["XDG_SESSION_ID"],)))
        attempts += [("GetSessionByPID", "u", (os.getpid(),)), ("GetSession", "s", ("auto",))]
        for method, signature, body in attempts:
            message = _dbus.no_auto_start(new_method_call(LOGIN1_MANAGER, method, signature, body))
            try:
                return str(_dbus.call(conn, message, timeout)[0])
            except DBusErrorResponse as exc:
                log.debug("logind %s%r: %s", method, body, exc)
        return None

    def _locked_hint(self, conn: _dbus.Connection, timeout: float) -> bool | None:
        assert self.session_path is not None
        address = DBusAddress(self.session_path, bus_name=LOGIN1, interface=PROPERTIES)
        message = new_method_call(address, "Get", "ss", (LOGIN1_SESSION, "LockedHint"))
        try:
            signature, value = _dbus.call(conn, _dbus.no_auto_start(message), timeout)[0]
        except (DBusErrorResponse, TimeoutError, ValueError, TypeError):
            return None
        return bool(value) if signature == "b" else None

    def _rules(self) -> list[tuple[MatchRule, MatchRule]]:
        def pair(**fields: str) -> tuple[MatchRule, MatchRule]:
            return MatchRule(type="signal", sender=LOGIN1, **fields), MatchRule(
                type="signal", **fields
            )

        rules = [
            pair(
                interface=LOGIN1_MANAGER.interface,
                member="PrepareForSleep",
                path=LOGIN1_MANAGER.object_path,
            )
        ]
        if self.session_path:
            rules.append(pair(interface=LOGIN1_SESSION, path=self.session_path))
            changed = pair(interface=PROPERTIES, member="PropertiesChanged", path=self.session_path)
            for rule in changed:
                rule.add_arg_condition(0, LOGIN1_SESSION)
            rules.append(changed)
        return rules

    def handle_message(self, message: Message) -> None:
        fields = message.header.fields
        member = fields.get(HeaderFields.member)
        interface = fields.get(HeaderFields.interface)
        if member == "PrepareForSleep" and interface == LOGIN1_MANAGER.interface:
            going = bool(message.body[0])
            log.info("logind: %s", "about to sleep" if going else "resumed")
            emit(self.sleep_started if going else self.sleep_ended)
        elif interface == LOGIN1_SESSION and member in ("Lock", "Unlock"):
            self._set_locked(member == "Lock")
        elif member == "PropertiesChanged" and message.body[0] == LOGIN1_SESSION:
            changed = message.body[1]
            if "LockedHint" in changed:
                self._set_locked(bool(changed["LockedHint"][1]))


SCREENSAVERS = (
    ("org.freedesktop.ScreenSaver", "org.freedesktop.ScreenSaver"),  # (bus name, interface)
    ("org.gnome.ScreenSaver", "org.gnome.ScreenSaver"),
)


class ScreenSaverActiveWatcher(_LockWatcher):
    """ActiveChanged(b) from the session's screen saver: True -> session_locked."""

    def start(self, bus: str = "SESSION", timeout: float = _dbus.CALL_TIMEOUT) -> bool:
        try:
            self.connect_bus(bus, timeout)
            rules = []
            for name, interface in SCREENSAVERS:
                fields = {"interface": interface, "member": "ActiveChanged"}
                rules.append(
                    (
                        MatchRule(type="signal", sender=name, **fields),
                        MatchRule(type="signal", **fields),
                    )
                )
            self.watch(rules, timeout)
        except (OSError, TimeoutError, DBusErrorResponse) as exc:
            return self._not_available(str(exc) or type(exc).__name__)
        return True

    def handle_message(self, message: Message) -> None:
        if message.header.fields.get(HeaderFields.member) == "ActiveChanged":
            self._set_locked(bool(message.body[0]))
