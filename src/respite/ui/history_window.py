"""The weekly history window: one week at a time, drawn and summed up.

Non-modal, and it lives only while open: closing it deletes it, so its widgets and its
X image give their memory back, and the next one starts on this week. The week starts
on the locale's first day (`QLocale().firstDayOfWeek()`); Alt+Left / Alt+Right step a
week back / forward, Alt+Home comes back to this week, and Escape or Ctrl+W closes the
window (Escape in a half-typed small win first leaves the field, keeping the text). The
numbers come from `history_data.load_week` (range queries of just the weeks shown) and
their wording from `core.history_format`, the same code `respite history` prints with.
While the window is open and shows today, every `status_changed` of the runtime reloads
it (moving on to the new week when a week ends while it is open).

File dialogs go through `choose_path` (injectable, so tests never block on a dialog).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLocale, QRect, QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from respite.core import messages
from respite.core.engine import WIN_MAX_CHARACTERS
from respite.core.errors import UNEXPECTED, UserFacingError
from respite.core.history_format import (
    day_label,
    summary_fields,
    summary_markdown,
    week_csv,
    week_json,
)
from respite.core.history_format import week_name as iso_week_name
from respite.qt import emit
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui.history_chart import WeekChart
from respite.ui.history_data import WeekView, load_week, week_start_of
from respite.ui.icons import app_icon

__all__ = ["ChoosePath", "HistoryWindow", "ask_save_path", "fit_on_screen"]

log = logging.getLogger(__name__)

TITLE = "Respite — History"
# Room for the window manager's title bar and frame, unknown until the window is shown.
_FRAME_ALLOWANCE = QSize(16, 48)
_WEEK = timedelta(days=7)
# (key, label) of every summary line, in order; `summary_fields` decides which show.
SUMMARY_ROWS = (
    ("worked", "Worked"),
    ("after_hours", "After hours"),
    ("after_hours_meetings", "After-hours meetings"),
    ("breaks", "Breaks"),
    ("longest_stretch", "Longest stretch"),
    ("on_time", "Ended on time"),
    ("streak_on_time", "On-time streak"),
    ("streak_breaks", "Breaks-kept streak"),
    ("comparison", "Compared with last week"),
)
FORMATS = {
    "csv": ("Export the week as CSV", "CSV files (*.csv)"),
    "json": ("Export the week as JSON", "JSON files (*.json)"),
    "png": ("Save the chart as PNG", "PNG images (*.png)"),
}

# (parent, caption, suggested path, filter) → the chosen path, or None when cancelled.
ChoosePath = Callable[[QWidget, str, str, str], str | None]


def ask_save_path(parent: QWidget, caption: str, suggested: str, name_filter: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, caption, suggested, name_filter)
    return path or None


def fit_on_screen(wanted: QSize, available: QRect) -> QSize:
    """`wanted`, made small enough to fit `available` with the window's frame."""
    return wanted.boundedTo(available.size() - _FRAME_ALLOWANCE)


class _WholeHintScrollArea(QScrollArea):
    """Asks for all the room its content wants (QScrollArea caps its hint at 36×24
    lines), so a large screen shows the week without scrolling."""

    def __init__(self, content: QWidget) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(content)

    def sizeHint(self) -> QSize:
        return self.widget().sizeHint()


def _first_weekday() -> int:
    """The locale's first day of the week, 0 for Monday … 6 for Sunday."""
    return QLocale().firstDayOfWeek().value - 1


class HistoryWindow(QWidget):
    loaded = Signal()  # after every (re)load: the labels and rows are up to date

    def __init__(
        self,
        runtime: Runtime,
        *,
        choose_path: ChoosePath = ask_save_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.runtime = runtime
        self.choose_path = choose_path
        self.first_weekday = _first_weekday()
        self.load_count = 0
        self.view: WeekView | None = None
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        self.setAccessibleName("Respite history")

        # Navigation.
        self.previous_button = QPushButton("← &Previous week")
        self.this_week_button = QPushButton("&This week")
        self.next_button = QPushButton("&Next week →")
        for button, keys, action in (
            (self.previous_button, "Alt+Left", self.previous_week),
            (self.this_week_button, "Alt+Home", self.this_week),
            (self.next_button, "Alt+Right", self.next_week),
        ):
            button.clicked.connect(action)
            button.setToolTip(f"{button.text().replace('&', '')} ({keys})")
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(action)
        nav = QHBoxLayout()
        nav.addWidget(self.previous_button)
        nav.addWidget(self.this_week_button)
        nav.addWidget(self.next_button)
        nav.addStretch(1)

        # The chart.
        self.chart = WeekChart()

        # The summary, as real labels.
        self.summary_box = QGroupBox("The week in numbers")
        self.summary_form = QFormLayout(self.summary_box)
        self.summary_form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.fields: dict[str, QLabel] = {}
        for key, label in SUMMARY_ROWS:
            value = QLabel()
            value.setObjectName(f"summary_{key}")
            value.setAccessibleName(label)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            self.summary_form.addRow(f"{label}:", value)
            self.fields[key] = value

        # Small wins.
        self.wins_box = QGroupBox("Small wins")
        self.wins_list = QListWidget()
        self.wins_list.setAccessibleName("Small wins this week")
        self.wins_list.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        self.no_wins = QLabel("None noted this week. Even small ones count.")
        self.no_wins.setWordWrap(True)
        self.win_edit = QLineEdit()
        self.win_edit.setPlaceholderText("A small win from today…")
        self.win_edit.setAccessibleName("Add a small win")
        self.win_edit.setMaxLength(WIN_MAX_CHARACTERS)
        self.add_win_button = QPushButton("&Add win")
        self.add_win_button.setEnabled(False)
        self.win_edit.textChanged.connect(
            lambda text: self.add_win_button.setEnabled(bool(text.strip()))
        )
        self.win_edit.returnPressed.connect(self.add_win)
        self.add_win_button.clicked.connect(self.add_win)
        add_row = QHBoxLayout()
        add_row.addWidget(self.win_edit, 1)
        add_row.addWidget(self.add_win_button)
        wins_layout = QVBoxLayout(self.wins_box)
        wins_layout.addWidget(self.wins_list, 1)
        wins_layout.addWidget(self.no_wins)
        wins_layout.addStretch(0)
        wins_layout.addLayout(add_row)

        below = QHBoxLayout()
        below.addWidget(self.summary_box, 3)
        below.addWidget(self.wins_box, 2)

        # Sharing.
        self.export_csv_button = QPushButton("Export &CSV…")
        self.export_json_button = QPushButton("Export &JSON…")
        self.copy_button = QPushButton("C&opy summary")
        self.copy_button.setToolTip("Copy the week's numbers and wins as text (Markdown-friendly)")
        self.save_png_button = QPushButton("&Save chart as PNG…")
        self.export_csv_button.clicked.connect(lambda: self.export("csv"))
        self.export_json_button.clicked.connect(lambda: self.export("json"))
        self.copy_button.clicked.connect(self.copy_summary)
        self.save_png_button.clicked.connect(self.save_png)
        actions = QHBoxLayout()
        for button in (
            self.export_csv_button,
            self.export_json_button,
            self.copy_button,
            self.save_png_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        self.feedback = QLabel()
        self.feedback.setAccessibleName("Result")
        self.feedback.setWordWrap(True)
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Every key of the platform's Close (Ctrl+W, Ctrl+F4 …): QKeySequence(Close)
        # would hold only the first.
        close = QShortcut(QKeySequence.StandardKey.Close, self)
        close.activated.connect(self.close)
        QShortcut(QKeySequence("Escape"), self).activated.connect(self._escape)

        # The chart and the numbers scroll on a small screen (1920×1080 at 200 %);
        # the buttons and the feedback line stay in view.
        week = QWidget()
        week_layout = QVBoxLayout(week)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.addWidget(self.chart)
        week_layout.addLayout(below, 1)
        self.scroll = _WholeHintScrollArea(week)

        layout = QVBoxLayout(self)
        layout.addLayout(nav)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(actions)
        layout.addWidget(self.feedback)

        runtime.status_changed.connect(self._status_changed)
        runtime.settings_applied.connect(self._settings_applied)
        self.week_start = self.this_week_start()
        self.load()
        hint = self.sizeHint()
        wanted = QSize(max(hint.width(), 940), hint.height())
        self.resize(fit_on_screen(wanted, self.screen().availableGeometry()))

    # ----- which week ----------------------------------------------------------------

    def today(self) -> date:
        return self.runtime.clock.now().astimezone(self.runtime.zone()).date()

    def this_week_start(self) -> date:
        return week_start_of(self.today(), self.first_weekday)

    def show_week(self, week_start: date) -> None:
        self.week_start = week_start_of(week_start, self.first_weekday)
        self.load()

    def previous_week(self) -> None:
        self.show_week(self.week_start - _WEEK)

    def next_week(self) -> None:
        if self.week_start < self.this_week_start():
            self.show_week(self.week_start + _WEEK)

    def this_week(self) -> None:
        self.show_week(self.this_week_start())

    def present(self) -> None:
        """Show this week and bring the window forward (what the tray menu does)."""
        if self.week_start != self.this_week_start():
            self.this_week()
        self.show()
        self.raise_()
        self.activateWindow()

    # ----- loading -------------------------------------------------------------------

    def load(self) -> None:
        """Read the shown week from the log and redraw everything."""
        runtime = self.runtime
        now = runtime.clock.now()
        showing_today = self.week_start <= self.today() < self.week_start + _WEEK
        if showing_today and runtime.running:
            # Write the open activity span first, so today's bar is up to date.
            with contextlib.suppress(ValueError, StorageError):
                runtime.perform("flush")
        try:
            view = load_week(
                runtime.event_log, runtime.settings, runtime.zone(), self.week_start, now
            )
        except StorageError as error:
            log.error("history: %s", error)
            self._say(str(error))
            return
        self.view = view
        self.load_count += 1
        self._show(view)
        emit(self.loaded)

    def _show(self, view: WeekView) -> None:
        self.chart.set_view(view)
        shown = {item.key: item for item in summary_fields(view.week, view.streaks)}
        for key, label in self.fields.items():
            item = shown.get(key)
            label.setText(item.value if item is not None else "")
            self.summary_form.setRowVisible(label, item is not None)
        self.wins_list.clear()
        for won_on, text in view.week.wins:
            self.wins_list.addItem(f"{day_label(won_on)}: {text}")
        self.wins_list.setVisible(bool(view.week.wins))
        self.no_wins.setVisible(not view.week.wins)
        self._enable_navigation()

    def _enable_navigation(self) -> None:
        this_week = self.this_week_start()
        self.next_button.setEnabled(self.week_start < this_week)
        self.this_week_button.setEnabled(self.week_start != this_week)

    def _status_changed(self, _status: Any) -> None:
        """Cheap: reload only while open and showing the week that held today at the last
        load. Left open over midnight into a new week, it moves on to that week."""
        if not self.isVisible():
            return
        last_today = self.view.today if self.view is not None else self.today()
        if self.week_start <= last_today < self.week_start + _WEEK:
            self.this_week()
        else:
            self._enable_navigation()

    def _settings_applied(self, _settings: Any) -> None:
        if self.isVisible():
            self.load()

    # ----- actions -------------------------------------------------------------------

    def add_win(self) -> None:
        text = self.win_edit.text().strip()
        if not text:
            return
        try:
            self.runtime.perform("win", text=text)
        except (UserFacingError, StorageError) as error:  # too long, disk full…
            self._say(str(error))
            return
        except Exception:  # a bug: its own text would mean nothing to the user
            log.exception("adding a win failed")
            self._say(UNEXPECTED)
            return
        self.win_edit.clear()
        self._say(messages.win_thanks(" ".join(text.split())))
        self.this_week()  # the win is today's: show it

    def _escape(self) -> None:
        """Close, unless a win is half typed: then leave the field first, keeping it."""
        if self.win_edit.hasFocus() and self.win_edit.text().strip():
            self.win_edit.clearFocus()
            self._say("Your win isn't added yet. Escape again closes the window.")
        else:
            self.close()

    def export(self, fmt: str) -> None:
        view = self.view
        if view is None:
            return
        render = week_csv if fmt == "csv" else week_json
        path = self._ask(fmt, f"respite-{iso_week_name(view.week.week_start)}.{fmt}")
        if path is None:
            return
        try:
            path.write_text(render(view.week, view.zone), encoding="utf-8")
        except OSError as error:
            self._say(f"Could not save {path} ({error.strerror or error}).")
            return
        self._say(f"Saved the week to {path}.")

    def copy_summary(self) -> None:
        if self.view is None:
            return
        QGuiApplication.clipboard().setText(summary_markdown(self.view.week, self.view.streaks))
        self._say("Summary copied. Paste it anywhere; it reads well as Markdown too.")

    def save_png(self) -> None:
        if self.view is None:
            return
        path = self._ask("png", f"respite-{iso_week_name(self.view.week.week_start)}.png")
        if path is None:
            return
        pixmap = self.chart.grab()  # at the screen's device pixel ratio
        if not pixmap.save(str(path), "PNG"):
            self._say(f"Could not save {path}.")
            return
        self._say(f"Saved the chart to {path}.")

    def _ask(self, fmt: str, file_name: str) -> Path | None:
        caption, name_filter = FORMATS[fmt]
        folder = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        ) or str(Path.home())
        chosen = self.choose_path(self, caption, str(Path(folder) / file_name), name_filter)
        if not chosen:
            return None
        path = Path(chosen)
        return path if path.suffix else path.with_suffix(f".{fmt}")

    def _say(self, text: str) -> None:
        self.feedback.setText(text)
