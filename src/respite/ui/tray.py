"""The tray icon and its menu. Every entry emits an intent key; the app carries it out.

Keys are the engine's choice keys ("start_break", "snooze:10", "done_for_today", ...)
plus the shell's own: "pause:30", "pause:tomorrow", "resume", "win", "history",
"settings", "quit".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from respite.core.engine import Phase, Status
from respite.qt import emit
from respite.ui.icons import app_icon, state_icon

log = logging.getLogger(__name__)

# How long to wait for a tray at login: autostart can beat the panel.
TRAY_WAIT_MS = 10_000
TRAY_POLL_MS = 500
# After giving up: a panel started late or restarted still gets the icon, soon enough.
TRAY_LATE_POLL_MS = 10_000
PAUSES = (
    ("&30 minutes", "pause:30"),
    ("&1 hour", "pause:60"),
    ("Until &tomorrow", "pause:tomorrow"),
)


class TrayMenu(QObject):
    """The menu, shared by the tray icon (both clicks) and the no-tray window."""

    action_requested = Signal(str)

    def __init__(self, snooze_minutes: Sequence[int] = (5, 10, 20)) -> None:
        super().__init__()
        self.menu = QMenu()
        self.menu.setAccessibleName("Respite menu")
        self.status_action = self.menu.addAction("Respite")
        self.status_action.setEnabled(False)
        self.menu.addSeparator()
        self.take_break = self._add(self.menu, "&Take a break now", "start_break")
        self.snooze_menu = self.menu.addMenu("S&nooze")
        self.set_snooze_choices(snooze_minutes)
        self.pause_menu = self.menu.addMenu("&Pause")
        for label, key in PAUSES:
            self._add(self.pause_menu, label, key)
        self.resume = self._add(self.menu, "&Resume", "resume")
        self.win = self._add(self.menu, "Log a small &win…", "win")
        self.done = self._add(self.menu, "&Done for today", "done_for_today")
        self.menu.addSeparator()
        self.history = self._add(self.menu, "&History…", "history")
        self.settings = self._add(self.menu, "S&ettings…", "settings")
        self.menu.addSeparator()
        self.quit = self._add(self.menu, "&Quit", "quit")
        self.resume.setVisible(False)

    def _add(self, menu: QMenu, label: str, key: str) -> QAction:
        action = menu.addAction(label)
        action.setObjectName(key)
        action.triggered.connect(lambda _checked=False, k=key: emit(self.action_requested, k))
        return action

    def set_snooze_choices(self, minutes: Sequence[int]) -> None:
        self.snooze_menu.clear()
        first_digits = [str(length)[0] for length in minutes]
        for length, digit in zip(minutes, first_digits, strict=True):
            # An access key only where it picks one entry: 1, 10 and 15 share "1".
            key = "&" if first_digits.count(digit) == 1 else ""
            unit = "minute" if length == 1 else "minutes"
            self._add(self.snooze_menu, f"{key}{length} {unit}", f"snooze:{length}")

    def actions_by_key(self) -> dict[str, QAction]:
        found = {}
        for menu in (self.menu, self.snooze_menu, self.pause_menu):
            for action in menu.actions():
                if action.objectName():
                    found[action.objectName()] = action
        return found

    def show_status(self, status: Status, line: str) -> None:
        self.status_action.setText(line)
        paused = status.phase is Phase.PAUSED
        on_break = status.phase is Phase.ON_BREAK
        self.pause_menu.menuAction().setVisible(not paused)
        self.resume.setVisible(paused)
        self.take_break.setEnabled(not on_break)
        self.snooze_menu.setEnabled(not on_break and not paused)
        self.done.setEnabled(not status.done_for_today)


class Tray(QObject):
    """The icon in the tray. Left click opens the same menu as right click."""

    def __init__(self, menu: TrayMenu) -> None:
        super().__init__()
        self.menu = menu
        self.icon = QSystemTrayIcon(app_icon())
        self.icon.setContextMenu(menu.menu)
        self.icon.setToolTip("Respite")
        self.icon.activated.connect(self._activated)
        self._phase: Phase | None = None

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.menu.menu.popup(QCursor.pos())

    def show_status(self, status: Status, line: str) -> None:
        if status.phase is not self._phase:
            self._phase = status.phase
            self.icon.setIcon(state_icon(status.phase))
        self.icon.setToolTip(f"Respite — {line}")
        self.menu.show_status(status, line)

    def show(self) -> None:
        self.icon.show()


class TrayWaiter(QObject):
    """Polls for a system tray for up to TRAY_WAIT_MS, then reports either way; after
    giving up it keeps looking, slowly, and reports a tray that turns up later."""

    tray_found = Signal()
    gave_up = Signal()

    def __init__(
        self,
        wait_ms: int = TRAY_WAIT_MS,
        poll_ms: int = TRAY_POLL_MS,
        late_poll_ms: int = TRAY_LATE_POLL_MS,
    ) -> None:
        super().__init__()
        self._tries = max(1, wait_ms // poll_ms)
        self._late_poll_ms = late_poll_ms
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        if QSystemTrayIcon.isSystemTrayAvailable():
            emit(self.tray_found)
        else:
            log.info("no system tray yet; waiting up to %d s", TRAY_WAIT_MS // 1000)
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _poll(self) -> None:
        self._tries -= 1
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._timer.stop()
            emit(self.tray_found)
        elif self._tries == 0:
            self._timer.setInterval(self._late_poll_ms)
            emit(self.gave_up)
