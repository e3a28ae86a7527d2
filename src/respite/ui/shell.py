"""The desktop shell: tray, nudges, popups and the break window around one Runtime.

The shell holds no rules. It shows what the runtime says (`nudged`, `status_changed`)
and turns every click into one `Runtime.perform` call — the same door the CLI uses.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import shiboken6
from PySide6 import QtCore  # `QtCore.Qt` only off the start-up path (see respite.qt)
from PySide6.QtCore import QObject, QRect, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from respite.core.break_ideas import load_ideas, pick_idea
from respite.core.engine import WIN_MAX_CHARACTERS, Phase, Status
from respite.core.errors import UNEXPECTED, UserFacingError
from respite.core.nudges import Nudge
from respite.core.settings import BreakWindowStyle
from respite.core.status_text import status_line
from respite.platform.memory import MemoryGiver
from respite.qt import emit
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui.popup import PopupNotifier
from respite.ui.tray import TRAY_WAIT_MS, Tray, TrayMenu, TrayWaiter

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QMessageBox

    from respite.ui.break_window import BreakWindow
    from respite.ui.history_window import HistoryWindow
    from respite.ui.settings_window import SettingsWindow
    from respite.ui.status_window import StatusWindow

log = logging.getLogger(__name__)

_Window = TypeVar("_Window", "SettingsWindow", "HistoryWindow")

NO_TRAY_HINT = (
    "Respite is running, but this desktop shows no tray icons. On GNOME, install the "
    "“AppIndicator and KStatusNotifierItem Support” extension to get the icon; until then "
    "nudges still arrive and this small window has everything the menu has."
)


class Notifier(Protocol):
    """Shows nudges with their buttons: desktop notifications or Respite's own popup."""

    choice_made: SignalInstance  # (Nudge, key)
    dismissed: SignalInstance  # (Nudge)

    def show(self, nudge: Nudge) -> None:
        """Raises RuntimeError (NotifierUnavailable) when the nudge could not be shown."""
        ...

    def close(self, nudge_id: str) -> None: ...


def ask_win_text() -> str | None:
    from PySide6.QtWidgets import QInputDialog, QLineEdit  # dialogs load when first shown

    dialog = QInputDialog()
    dialog.setWindowTitle("A small win")
    dialog.setLabelText("What went well? Even small counts.")
    dialog.setInputMode(QInputDialog.InputMode.TextInput)  # builds the line edit now
    for field in dialog.findChildren(QLineEdit):  # typing stops at the limit: nothing lost
        field.setMaxLength(WIN_MAX_CHARACTERS)
    text = dialog.textValue() if dialog.exec() else ""
    dialog.deleteLater()
    return text if text.strip() else None


class Desktop(QObject):
    """Builds the visible parts and connects them to the runtime."""

    quit_requested = Signal()

    def __init__(
        self,
        runtime: Runtime,
        notifier: Notifier | None = None,
        *,
        tray_wait_ms: int = TRAY_WAIT_MS,
        ask_win: Callable[[], str | None] = ask_win_text,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.ask_win = ask_win
        self._asking_win = False
        self._rng = rng or random.Random()
        settings = runtime.settings
        self.menu = TrayMenu(settings.snooze.choices_minutes)
        self.menu.action_requested.connect(self.handle_intent)
        self.tray = Tray(self.menu)
        self.popups = PopupNotifier(self._tray_area)
        self.notifier: Notifier = notifier or self.popups
        self.notifier.choice_made.connect(self.handle_choice)
        self.notifier.dismissed.connect(self._dismissed)
        if self.notifier is not self.popups:
            self.popups.choice_made.connect(self.handle_choice)
            self.popups.dismissed.connect(self._dismissed)
        self.tray.icon.messageClicked.connect(self._balloon_clicked)
        self._ideas = load_ideas()
        # Shown and not answered yet, by id, the newest last; one of each kind at most.
        self._open_nudges: dict[str, Nudge] = {}
        self._status_line = ""
        self._pending_notices: list[str] = []
        # Built on first use: the break window at the first break, the status window
        # only without a tray. Each costs memory for as long as the app runs (and names
        # Qt's enums: respite.qt). The settings and history windows live only while open
        # (closing deletes them): most days nobody opens them.
        self._break_window: BreakWindow | None = None
        self._status_window: StatusWindow | None = None
        self._message_box: QMessageBox | None = None  # what `tell` shows without a tray
        self.settings_window: SettingsWindow | None = None
        self.history_window: HistoryWindow | None = None
        self._geometries: dict[str, QByteArray] = {}  # window class → where it was left
        self.memory = MemoryGiver()
        self.tray_available = False
        self.waiter = TrayWaiter(wait_ms=tray_wait_ms)
        self.waiter.tray_found.connect(self._tray_found)
        self.waiter.gave_up.connect(self._no_tray)
        runtime.nudged.connect(self.show_nudge)
        runtime.status_changed.connect(self.show_status)
        runtime.settings_applied.connect(self._settings_applied)
        runtime.show_requested.connect(self.bring_forward)
        runtime.notice_posted.connect(self._background_notice)
        runtime.settings_rejected.connect(self._settings_rejected)

    @property
    def break_window(self) -> BreakWindow:
        if self._break_window is None:
            from respite.ui.break_window import BreakWindow

            interface = self.runtime.settings.interface
            window = BreakWindow(
                strict=interface.break_window is BreakWindowStyle.STRICT,
                sound=interface.sound,
                clock=self.runtime.clock.now,
            )
            window.done_clicked.connect(lambda: self._perform("break", what="done"))
            window.skip_clicked.connect(lambda: self._perform("break", what="skip"))
            self._break_window = window
        return self._break_window

    @property
    def status_window(self) -> StatusWindow:
        if self._status_window is None:
            from respite.ui.status_window import StatusWindow

            self._status_window = StatusWindow(self.menu)
            self._status_window.show_status(self._status_line)
        return self._status_window

    def start(self) -> None:
        self.show_status(self.runtime.engine.status())
        # Start-up notices (a settings problem, a log set aside) wait until we know
        # where to show them: a tray balloon, or the small window. Never a modal box.
        self._pending_notices = list(self.runtime.notices)
        self.waiter.start()

    # ----- showing -------------------------------------------------------------------

    def show_nudge(self, nudge: Nudge) -> None:
        for older in [n for n in self._open_nudges.values() if n.kind is nudge.kind]:
            del self._open_nudges[older.id]  # a reminder takes the place of what it repeats
        self._open_nudges[nudge.id] = nudge
        if self.notifier is self.popups:
            self.popups.show(nudge)
            return
        try:
            self.notifier.show(nudge)
        except RuntimeError as error:  # the server refused it or did not answer in time
            log.warning("%s; this nudge appears in Respite's own popup", error)
            self.popups.show(nudge)

    def use_popups(self) -> None:
        """Show nudges in Respite's own popup from now on (the notifier went away)."""
        self.notifier = self.popups

    def show_status(self, status: Status) -> None:
        line = status_line(status, self.runtime.zone())
        if status.phase is not Phase.BREAK_DUE:
            # Taken, snoozed or skipped from the menu or the CLI: a break nudge still on
            # screen (behind a later reminder or heads-up, say) has had its say.
            for pending in [n for n in self._open_nudges.values() if n.kind.is_break]:
                del self._open_nudges[pending.id]
                self.notifier.close(pending.id)
                self.popups.close(pending.id)
        self.tray.show_status(status, line)
        self._status_line = line
        if self._status_window is not None:
            self._status_window.show_status(line)
        window = self._break_window
        if status.phase is Phase.ON_BREAK and status.break_ends_at is not None:
            if window is None or window.seconds_left() <= 0:
                window = self.break_window
                kind = self.runtime.engine.state.on_break
                is_long = kind is not None and kind.kind == "long"
                idea = pick_idea(self._ideas, long_break=is_long, rng=self._rng)
                window.start("long" if is_long else "short", status.break_ends_at, idea)
        elif window is not None and window.isVisible() and window.seconds_left() > 0:
            window.finish()  # ended elsewhere: from the CLI, or "done for today"

    def _background_notice(self, message: str) -> None:
        """A calendar or hook problem: a tray balloon, never a modal box (it is logged)."""
        if self.tray_available:
            self.tray.icon.showMessage("Respite", message, QSystemTrayIcon.MessageIcon.Warning)

    def _settings_rejected(self, problems: list[str]) -> None:
        """The settings file changed but can't be used: whoever edited it hears why,
        unless the settings window is open and explains it itself."""
        window = self.settings_window
        if window is not None and window.isVisible():
            return
        prefix = f"{self.runtime.settings_path}: "
        message = "Your settings file wasn't applied; Respite keeps the settings it had."
        if problems:
            message += " " + problems[0].removeprefix(prefix)
        if len(problems) > 1:
            message += f" ({len(problems) - 1} more: `respite config check` lists them all.)"
        if self.tray_available:
            self.tray.icon.showMessage("Respite", message, QSystemTrayIcon.MessageIcon.Warning)
        else:
            self.tell(message)

    def tell(self, message: str) -> None:
        """A one-off message for the user, where they will see it."""
        log.info("telling the user: %s", message)
        if self.tray_available:
            self.tray.icon.showMessage("Respite", message, QSystemTrayIcon.MessageIcon.Information)
        else:  # one small box, kept here (Python would delete one held by nobody)
            from PySide6.QtWidgets import QMessageBox

            box = self._message_box
            if box is None:
                box = QMessageBox(QMessageBox.Icon.Information, "Respite", message)
                box.setModal(False)
                box.finished.connect(self._message_closed)
                self._message_box = box
            box.setText(message)  # a newer message replaces one not yet read
            box.show()
            box.raise_()

    def _message_closed(self) -> None:
        if self._message_box is not None:
            self._message_box.deleteLater()
            self._message_box = None

    def bring_forward(self) -> None:
        if self.tray_available:
            self.tray.icon.showMessage(
                "Respite", status_line(self.runtime.engine.status(), self.runtime.zone())
            )
        else:
            self.status_window.show()
            self.status_window.raise_()
            self.status_window.activateWindow()

    def _tray_found(self) -> None:
        if self._status_window is not None and self._status_window.isVisible():
            log.info("a system tray turned up; Respite's icon is there now")
            self._status_window.close()
        self.tray_available = True
        self.tray.show()
        self._tell_pending()

    def _tray_area(self) -> QRect | None:
        """Where the tray icon is now (None without a tray): a popup opens beside it."""
        return self.tray.icon.geometry() if self.tray_available else None

    def _no_tray(self) -> None:
        log.warning("no system tray after waiting; using a small window instead")
        self.status_window.show()
        self.status_window.show_hint("\n\n".join([NO_TRAY_HINT, *self._pending_notices]))
        self._pending_notices = []

    def _tell_pending(self) -> None:
        for notice in self._pending_notices:
            self.tell(notice)
        self._pending_notices = []

    def _balloon_clicked(self) -> None:
        """A balloon clicked (the status, a notice): the newest nudge still waiting for an
        answer opens in the popup; one already answered or dismissed does not come back."""
        waiting = [n for n in self._open_nudges.values() if n.choices]
        if waiting:
            self.popups.show(waiting[-1])

    def _settings_applied(self, settings: Any) -> None:
        self.menu.set_snooze_choices(settings.snooze.choices_minutes)
        if self._break_window is not None:  # else built with these settings when needed
            self._break_window.strict = settings.interface.break_window is BreakWindowStyle.STRICT
            self._break_window.sound = settings.interface.sound

    # ----- acting --------------------------------------------------------------------

    def handle_intent(self, key: str) -> None:
        name, _, argument = key.partition(":")
        match name:
            case "start_break":
                self._perform("break", what="start")
            case "skip":
                self._perform("break", what="skip")
            case "snooze":
                self._perform("snooze", minutes=float(argument))
            case "pause" if argument == "tomorrow":
                self._perform("pause", until_tomorrow=True)
            case "pause":
                self._perform("pause", minutes=float(argument))
            case "resume":
                self._perform("resume")
            case "done_for_today":
                self._perform("done_for_today")
            case "overtime":
                self._perform("overtime", minutes=float(argument))
            case "win":
                self._log_a_win()
            case "history":
                self.open_history()
            case "settings":
                self.open_settings()
            case "quit":
                self._quit()
            case _:
                log.error("unknown menu intent %r", key)

    def _quit(self) -> None:
        """The tray's Quit: unsaved edits in the settings window are asked about first."""
        window = self.settings_window
        if window is not None and shiboken6.isValid(window) and window.isVisible():
            window.close_before_quitting(lambda: emit(self.quit_requested))
        else:
            emit(self.quit_requested)

    def handle_choice(self, nudge: Nudge, key: str) -> None:
        """A button on a notification or popup."""
        if key == "win":  # the nudge still waits for its own answer
            self._log_a_win()
        else:
            self._open_nudges.pop(nudge.id, None)
            self._perform("choice", key=key)

    def _log_a_win(self) -> None:
        """Ask for a small win and log it. The question's dialog holds back the app's own
        windows but not a notification's buttons: asked again meanwhile, it stays one."""
        if self._asking_win:
            return
        self._asking_win = True
        try:
            text = self.ask_win()
        finally:
            self._asking_win = False
        if text is not None:
            self._perform("win", text=text)

    def _dismissed(self, nudge: Nudge) -> None:
        self._open_nudges.pop(nudge.id, None)
        if self.runtime.running:  # a popup may fade after Respite began to stop
            try:
                self.runtime.engine.dismissed(nudge)
            except StorageError as error:  # nobody asked for anything: the log says it
                log.error("%s", error)

    def _perform(self, action: str, **args: Any) -> None:
        """What the user asked for from a window, the menu or a nudge; what stands in the
        way (the moment, a full disk, a locked database) is told in one sentence."""
        try:
            self.runtime.perform(action, **args)
        except (UserFacingError, StorageError) as error:
            self.tell(str(error))
        except Exception:  # a bug: its own text would mean nothing to the user
            log.exception("%s failed", action)
            self.tell(UNEXPECTED)

    def open_settings(self) -> None:
        """Bring the open settings window forward, or build one."""
        from respite.ui.settings_window import SettingsWindow

        self.settings_window = self._bring_forward(self.settings_window, SettingsWindow)

    def open_history(self) -> None:
        """Bring the open history window forward, or build one (on this week)."""
        from respite.ui.history_window import HistoryWindow

        self.history_window = self._bring_forward(self.history_window, HistoryWindow)

    def _bring_forward(
        self, window: _Window | None, build: Callable[[Runtime], _Window]
    ) -> _Window:
        """`window` brought forward, or a new one where the last one was closed (closing
        deletes these windows; within a session they keep their place and size)."""
        if window is None or not window.isVisible():  # none, or closed and not deleted yet
            window = build(self.runtime)
            window.destroyed.connect(self._forget_deleted_windows)
            name = type(window).__name__
            if name in self._geometries:
                window.restoreGeometry(self._geometries[name])
            window.installEventFilter(self)  # its Hide event: where it was left
        window.present()
        return window

    def eventFilter(self, watched: QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Hide and isinstance(watched, QWidget):
            self._geometries[type(watched).__name__] = watched.saveGeometry()
        return False

    def _forget_deleted_windows(self) -> None:
        """Let go of a settings or history window Qt has deleted (closing deletes them),
        so its Python side goes too. Only the deleted one: a new one may be open."""
        if self.settings_window is not None and not shiboken6.isValid(self.settings_window):
            self.settings_window = None
        if self.history_window is not None and not shiboken6.isValid(self.history_window):
            self.history_window = None
        # Then hand the freed heap back to the system, from the event loop: this runs
        # inside the window's C++ destructor, where a collection must not (respite.qt).
        QTimer.singleShot(0, self.memory.give_back)

    def close(self) -> None:
        """Take everything off the screen (on quit)."""
        self.waiter.stop()
        self.tray.icon.hide()
        if self.popups.current is not None:
            self.popups.close(self.popups.current.nudge.id)
        if self._break_window is not None:
            self._break_window.finish()
        for window in (
            self._status_window,
            self.settings_window,
            self.history_window,
            self._message_box,
        ):
            if window is not None:
                window.close()
