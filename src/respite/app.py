"""The one place that builds the desktop app: it picks this system's adapters (idle time,
notifications, fullscreen, sleep and lock) and wires them to the runtime and the shell.

The fullscreen probe is asked by the runtime before each sample (`Runtime.before_sample`),
so a break that falls due inside a presentation waits, and the probe adds no wake-up.
"""

from __future__ import annotations

import logging
import sys
import weakref
from datetime import datetime

from PySide6.QtCore import QObject

from respite.platform.fullscreen import FullscreenProbe, fullscreen_probe_for
from respite.platform.idle import IdleSource, choose_idle_source
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui.shell import Desktop, Notifier

log = logging.getLogger(__name__)

POPUP_FALLBACK = "Nudges appear in Respite's own popup near the tray instead."


def choose_idle() -> IdleSource | None:
    source, _explanation = choose_idle_source()  # the chooser logs its explanation
    return source


def choose_notifier() -> tuple[Notifier | None, str]:
    """Desktop notifications with buttons where the server has them, else None (popup)."""
    if sys.platform != "linux":
        return None, "Nudges appear in Respite's own popup near the tray."
    from respite.platform.notify import FreedesktopNotifier, NotifierUnavailable

    try:
        notifier = FreedesktopNotifier(icon="respite")
    except NotifierUnavailable as error:
        return None, f"{error}. {POPUP_FALLBACK}"
    if not notifier.supports_actions:
        notifier.shutdown()
        return None, f"The notification server shows no buttons. {POPUP_FALLBACK}"
    return notifier, f"Nudges appear as notifications from {notifier.server_name or 'the desktop'}."


class DesktopApp(QObject):
    """Keeps the adapters that feed the engine between samples: fullscreen windows hold
    break nudges back, sleep and screen locks are noted, and a nudge held back is
    delivered as soon as the reason goes away."""

    def __init__(
        self,
        runtime: Runtime,
        desktop: Desktop,
        *,
        fullscreen: FullscreenProbe | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.desktop = desktop
        self.fullscreen = fullscreen or fullscreen_probe_for()
        self._fullscreen_held = False
        self._locked_at: datetime | None = None
        # Every sample asks the probe first: a break due inside a presentation waits.
        # Held weakly, as the runtime's other callbacks: no cycle back to this object.
        me = weakref.ref(self)
        runtime.before_sample = lambda: (app := me()) is not None and app._note_fullscreen()
        notifier = desktop.notifier
        if notifier is not desktop.popups and hasattr(notifier, "unavailable"):
            notifier.unavailable.connect(self._notifications_lost)

    def start(self) -> None:
        self.desktop.start()
        self.check_fullscreen()
        if sys.platform.startswith("linux"):
            self._watch_sleep_and_lock()

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
        if waiting:  # went with the server: shown again, the latest (one popup at a time)
            self.desktop.popups.show(waiting[-1])

    def stop(self) -> None:
        self.runtime.before_sample = None
        self.desktop.close()
        self.fullscreen.close()
        notifier = self.desktop.notifier
        if hasattr(notifier, "shutdown"):
            notifier.shutdown()
