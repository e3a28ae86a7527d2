"""The one place that builds the desktop app: it picks this system's adapters (idle time,
notifications, fullscreen, sleep and lock) and wires them to the runtime and the shell.

Desktop notifications are not given up for good: while Respite's own popup stands in
(no server at start, or the server went away), a `NotificationServerWatcher` waits for a
server to take the name, and nudges go back to notifications once one with buttons has.
The fullscreen probe is asked by the runtime before each sample (`Runtime.before_sample`),
so a break that falls due inside a presentation waits, and the probe adds no wake-up.
"""

from __future__ import annotations

import logging
import sys
import weakref
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from respite.platform.fullscreen import FullscreenProbe, fullscreen_probe_for
from respite.platform.idle import IdleSource, choose_idle_source
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui.shell import Desktop, Notifier

if TYPE_CHECKING:  # jeepney: Linux only
    from respite.platform._dbus import SignalWatcher
    from respite.platform.notify import FreedesktopNotifier, NotificationServerWatcher

log = logging.getLogger(__name__)

POPUP_FALLBACK = "Nudges appear in Respite's own popup near the tray instead."


def choose_idle() -> IdleSource | None:
    source, _explanation = choose_idle_source()  # the chooser logs its explanation
    return source


def choose_notifier() -> tuple[Notifier | None, str]:
    """Desktop notifications with buttons where the server has them, else None (popup)."""
    if sys.platform != "linux":
        return None, "Nudges appear in Respite's own popup near the tray."
    notifier, why_not = freedesktop_notifier()
    if notifier is None:
        return None, f"{why_not}. {POPUP_FALLBACK}"
    return notifier, f"Nudges appear as notifications from {notifier.server_name or 'the desktop'}."


def freedesktop_notifier(bus: str = "SESSION") -> tuple[FreedesktopNotifier | None, str]:
    """Desktop notifications if the server shows buttons; else None and why not."""
    from respite.platform.notify import FreedesktopNotifier, NotifierUnavailable

    try:
        notifier = FreedesktopNotifier(icon="respite", bus=bus)
    except NotifierUnavailable as error:
        return None, str(error)
    if not notifier.supports_actions:
        notifier.shutdown()
        return None, "the notification server shows no buttons"
    return notifier, ""


class DesktopApp(QObject):
    """Keeps the adapters that feed the engine between samples: fullscreen windows hold
    break nudges back, sleep and screen locks are noted, a nudge held back is delivered
    as soon as the reason goes away, and nudges go back to desktop notifications when a
    notification server comes (back) while the popup stands in.

    `notification_bus` is where that server is looked for while the app starts on the
    popup (None: never; the default is the session bus on Linux). After a server went
    away it is looked for on the bus the lost notifier used.
    """

    def __init__(
        self,
        runtime: Runtime,
        desktop: Desktop,
        *,
        fullscreen: FullscreenProbe | None = None,
        notification_bus: str | None = "SESSION" if sys.platform == "linux" else None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.desktop = desktop
        self.fullscreen = fullscreen or fullscreen_probe_for()
        self.notification_bus = notification_bus
        self._fullscreen_held = False
        self._locked_at: datetime | None = None
        self._server_watcher: NotificationServerWatcher | None = None
        self._lock_watchers: list[SignalWatcher] = []  # logind or the screen saver
        # A notifier or watcher done with, kept until the next one is: it may be done
        # with inside its own signal, and Qt must not delete it there.
        self._retired: dict[str, QObject] = {}
        # Every sample asks the probe first: a break due inside a presentation waits.
        # Held weakly, as the runtime's other callbacks: no cycle back to this object.
        me = weakref.ref(self)
        runtime.before_sample = lambda: (app := me()) is not None and app._note_fullscreen()
        notifier = desktop.notifier
        if notifier is not desktop.popups and hasattr(notifier, "unavailable"):
            notifier.unavailable.connect(self._notifications_lost)
        runtime.nudged.connect(self._nudged)

    def start(self) -> None:
        self.desktop.start()
        self.check_fullscreen()
        if sys.platform.startswith("linux"):
            self._watch_sleep_and_lock()
        if self.desktop.notifier is self.desktop.popups and self.notification_bus is not None:
            self._watch_for_a_server(self.notification_bus, start_it=True)

    def _watch_sleep_and_lock(self) -> None:
        # D-Bus (jeepney) exists on Linux only: imported here, not at the top.
        from respite.platform.sleep import LogindWatcher, ScreenSaverActiveWatcher

        logind = LogindWatcher(self)
        lock_source: LogindWatcher | ScreenSaverActiveWatcher = logind
        if logind.start():
            logind.sleep_started.connect(self._about_to_sleep)
            logind.sleep_ended.connect(self.runtime.sample)
        else:
            log.info("no logind: %s", logind.unavailable_reason)
            lock_source = ScreenSaverActiveWatcher(self)
            if not lock_source.start():
                log.info("no screen-lock signals: %s", lock_source.unavailable_reason)
        lock_source.session_locked.connect(self._locked)
        lock_source.session_unlocked.connect(self._unlocked)
        self._lock_watchers = [logind, lock_source]

    def check_fullscreen(self) -> None:
        """Ask the probe now; a change is acted on at once (a sample)."""
        if self._note_fullscreen():
            # Released: a break held back is delivered right away, not at the next sample.
            self.runtime.sample()

    def _note_fullscreen(self) -> bool:
        """Hold break nudges while a fullscreen window is up; True when that changed.
        The runtime calls this before every sample."""
        active = self.fullscreen.is_fullscreen_active() is True
        if active == self._fullscreen_held:
            return False
        self._fullscreen_held = active
        self.runtime.engine.set_hold("fullscreen", "fullscreen" if active else None)
        return True

    def _about_to_sleep(self) -> None:
        try:
            self.runtime.engine.flush()
        except StorageError as error:  # kept in memory; the next write tries again
            log.error("%s", error)

    def _locked(self) -> None:
        self._locked_at = self.runtime.clock.now()

    def _unlocked(self) -> None:
        locked_at, self._locked_at = self._locked_at, None
        if locked_at is not None:
            try:
                self.runtime.engine.note_lock(locked_at, self.runtime.clock.now())
            except StorageError as error:
                log.error("%s", error)
        self.runtime.sample()

    def _notifications_lost(self, reason: str) -> None:
        log.warning("desktop notifications went away (%s); using the popup", reason)
        notifier = self.desktop.notifier
        waiting = notifier.pending() if hasattr(notifier, "pending") else []
        self.desktop.use_popups()
        self._retire("notifier", notifier)
        if waiting:  # went with the server: shown again, the latest (one popup at a time)
            self.desktop.popups.show(waiting[-1])
        bus = getattr(notifier, "bus", None)  # a FreedesktopNotifier's: watch it for a server
        if isinstance(bus, str):
            self._watch_for_a_server(bus, start_it=False)

    def _watch_for_a_server(self, bus: str, *, start_it: bool) -> None:
        """Wait for a notification server on `bus` while the popup stands in. `start_it`:
        have the bus start one it can start (at start-up; later, when a nudge comes)."""
        from respite.platform.notify import NotificationServerWatcher

        watcher = NotificationServerWatcher()
        if not watcher.start(bus):
            log.info("not watching for a notification server: %s", watcher.unavailable_reason)
            return
        self._retire("watcher", self._server_watcher)
        self._server_watcher = watcher
        watcher.arrived.connect(self._server_arrived)
        if watcher.running:  # came back before the watch began (or was there at start)
            if not start_it:
                self._server_arrived()
        elif start_it:
            watcher.start_server()

    def _nudged(self, _nudge: object) -> None:
        """A nudge in the popup is the demand a server started on demand waits for: the
        bus is asked to start it, for the nudges after this one."""
        watcher = self._server_watcher
        if watcher is not None and self.desktop.notifier is self.desktop.popups:
            watcher.start_server()

    def _server_arrived(self) -> None:
        watcher = self._server_watcher
        if watcher is None or self.desktop.notifier is not self.desktop.popups:
            return
        notifier, why_not = freedesktop_notifier(watcher.bus)
        if notifier is None:
            log.info("a notification server started, but nudges stay in the popup: %s", why_not)
            return
        server = notifier.server_name or "the notification server"
        if "notifier" in self._retired:  # one went away before
            log.info("desktop notifications from %s are back; using them again", server)
        else:
            log.info("desktop notifications from %s are here; using them, not the popup", server)
        self._server_watcher = None
        self._retire("watcher", watcher)
        self._use_notifier(notifier)

    def _use_notifier(self, notifier: FreedesktopNotifier) -> None:
        """Nudges go to `notifier` from now on. The shell connects the notifier it was
        built with; a later one is connected here, the same way."""
        desktop = self.desktop
        notifier.choice_made.connect(desktop.handle_choice)
        notifier.dismissed.connect(desktop._dismissed)
        notifier.unavailable.connect(self._notifications_lost)
        desktop.notifier = notifier

    def _retire(self, role: str, done_with: object) -> None:
        """Shut down a notifier or watcher no longer used (kept until the next one)."""
        if not isinstance(done_with, QObject) or done_with is self.desktop.popups:
            return
        if hasattr(done_with, "shutdown"):
            done_with.shutdown()
        self._retired[role] = done_with

    def stop(self) -> None:
        self.runtime.before_sample = None
        self.desktop.close()
        self.fullscreen.close()
        notifier = self.desktop.notifier
        if hasattr(notifier, "shutdown"):
            notifier.shutdown()
        if self._server_watcher is not None:
            self._server_watcher.shutdown()
            self._server_watcher = None
        for watcher in self._lock_watchers:  # their bus connections, closed now
            watcher.shutdown()
        self._lock_watchers = []
