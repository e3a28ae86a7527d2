"""The settings window's building blocks: inline problem labels, number fields, the
work-hours editor for one day, the reminders table and the banner.

Each editor only holds what the user typed and says `changed`; the window turns that
into a candidate document and validates it with `respite.core.settings_parse`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import time

from PySide6.QtCore import QLocale, Qt, QTime, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTimeEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from respite.core.settings import Reminder, TimeWindow
from respite.qt import emit  # keeps True alive on PySide6 6.12 (see there)

# --------------------------------------------------------------------------- colours


def is_dark() -> bool:
    """Whether the application's palette is a dark one (its window colour, not a theme name,
    so a hand-made palette counts too)."""
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def error_colour(dark: bool) -> QColor:
    # Both pass WCAG AA (4.5:1) on Qt's default light and Fusion dark window colours.
    return QColor("#ffb4ab" if dark else "#b3261e")


def muted_colour(dark: bool) -> QColor:
    """Secondary text, still readable (about 5:1) on the window colour."""
    return QColor("#b8bcc2" if dark else "#5f6368")


def set_text_colour(label: QLabel, colour: QColor) -> None:
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, colour)
    palette.setColor(QPalette.ColorRole.Text, colour)
    label.setPalette(palette)


class ErrorLabel(QLabel):
    """A small red line next to a field; hidden while there is nothing to say."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.what = what
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setAccessibleName(f"Problem with {what}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 0.92)
        self.setFont(font)
        self.restyle()
        self.hide()

    def restyle(self) -> None:
        set_text_colour(self, error_colour(is_dark()))

    def show_problem(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))

    def clear_problem(self) -> None:
        self.show_problem("")


class HintLabel(QLabel):
    """Muted explanatory text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.restyle()

    def restyle(self) -> None:
        set_text_colour(self, muted_colour(is_dark()))


def with_error(field: QWidget, error: ErrorLabel, *, below: bool = False) -> QWidget:
    """`field` and its problem label in one form cell: beside a narrow field, below a wide
    one. A narrow field keeps its natural width instead of stretching across the window."""
    cell = QWidget()
    layout: QHBoxLayout | QVBoxLayout
    if below:
        layout = QVBoxLayout(cell)
        layout.setSpacing(2)
        layout.addWidget(field)
        layout.addWidget(error)
    else:
        layout = QHBoxLayout(cell)
        layout.setSpacing(10)
        policy = field.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Fixed)
        field.setSizePolicy(policy)
        layout.addWidget(field, 0, Qt.AlignmentFlag.AlignTop)
        # No alignment flag: an aligned item gets its size hint's height, which a
        # wrapping label computes for some other width, and its last lines were cut off.
        layout.addWidget(error, 1)
        layout.addStretch(0)
    layout.setContentsMargins(0, 0, 0, 0)
    cell.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
    cell.setFocusProxy(field)
    return cell


# --------------------------------------------------------------------------- numbers


class _StepsWithinLimits:
    """For a number field whose range is looser than its setting's limits, so that a
    number typed out of bounds stays on screen for validation to explain (Qt would
    quietly change it into another): the arrows, Page keys and wheel still step only
    within the limits, and from a number outside them to the nearest one inside."""

    limits: tuple[float, float]

    def set_limits(self, low: float, high: float) -> None:
        self.limits = (low, high)
        # As many digits as the highest allowed: the field keeps its width.
        self.setRange(min(0, low), 10 ** len(str(int(high))) - 1)

    def stepBy(self, steps: int) -> None:  # Qt override
        low, high = self.limits
        self.setValue(min(max(self.value() + steps * self.singleStep(), low), high))
        self.selectAll()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:  # Qt override
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.isReadOnly():
            return flags
        low, high = self.limits
        if self.value() < high:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > low:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class WholeSpin(_StepsWithinLimits, QSpinBox):
    """A whole number whose unit agrees with it: "1 time", "2 times"."""

    def __init__(self, suffix: str, singular: str) -> None:
        super().__init__()
        self._suffixes = (singular or suffix, suffix)
        self.valueChanged.connect(self._agree)
        self._agree(self.value())

    def _agree(self, value: int) -> None:
        self.setSuffix(self._suffixes[0] if value == 1 else self._suffixes[1])


def int_field(
    name: str,
    tooltip: str,
    low: float,
    high: float,
    *,
    suffix: str = "",
    singular: str = "",
    zero_text: str = "",
    step: int = 1,
) -> WholeSpin:
    """`singular` is the suffix after 1, where it differs from `suffix`."""
    box = WholeSpin(suffix, singular)
    box.set_limits(int(low), int(high))
    box.setSingleStep(step)
    if zero_text and low == 0:
        box.setSpecialValueText(zero_text)
    box.setAccessibleName(name)
    box.setToolTip(tooltip)
    box.setMinimumWidth(96)
    return box


class MinutesSpin(_StepsWithinLimits, QDoubleSpinBox):
    """A number of minutes that shows "2 min" and "2.5 min" rather than "2.00 min".

    A value loaded with more decimals than it shows (0.333 from a hand-written file)
    is kept as it is until the user changes the field, so showing it rounded neither
    counts as an edit nor rewrites the file."""

    def __init__(self) -> None:
        super().__init__()
        self._loaded = (self.value(), self.value())  # as loaded, as shown

    def textFromValue(self, value: float) -> str:  # Qt override
        locale = self.locale()
        text = locale.toString(value, "f", self.decimals())
        point = locale.decimalPoint()
        if point in text:
            text = text.rstrip("0").rstrip(point)
        return text

    def set_minutes(self, minutes: float) -> None:
        self.setValue(minutes)
        self._loaded = (float(minutes), self.value())

    def minutes(self) -> float:
        loaded, shown = self._loaded
        return loaded if self.value() == shown else self.value()


def minutes_field(name: str, tooltip: str, low: float, high: float) -> MinutesSpin:
    box = MinutesSpin()
    box.setLocale(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    box.setDecimals(2)
    box.set_limits(low, high)
    box.setSingleStep(0.5)
    box.setSuffix(" min")
    box.setAccessibleName(name)
    box.setToolTip(tooltip)
    box.setMinimumWidth(96)
    return box


def check_field(text: str, tooltip: str) -> QCheckBox:
    box = QCheckBox(text)
    box.setAccessibleName(text)
    box.setToolTip(tooltip)
    return box


def line_field(name: str, tooltip: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setToolTip(tooltip)
    edit.setPlaceholderText(placeholder)
    return edit


# --------------------------------------------------------------------------- work hours


def _qtime(value: time) -> QTime:
    return QTime(value.hour, value.minute)


class WindowRow(QWidget):
    """One working window: start – end, with a note when it runs past midnight."""

    changed = Signal()
    remove_requested = Signal(object)  # self

    def __init__(
        self, day_label: str, start: time, end: time, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.start = QTimeEdit(_qtime(start))
        self.end = QTimeEdit(_qtime(end))
        for edit, which in ((self.start, "starts"), (self.end, "ends")):
            edit.setDisplayFormat("HH:mm")
            edit.setWrapping(True)
            edit.setMinimumWidth(72)
            edit.setToolTip(
                f"When this {day_label} window {which} (24-hour time). An end earlier "
                "than the start runs past midnight."
            )
            edit.timeChanged.connect(self._changed)
        dash = QLabel("–")
        dash.setAccessibleName("to")
        self.overnight = HintLabel("next day")
        self.overnight.setWordWrap(False)
        self.overnight.setToolTip("This window ends after midnight, on the next day.")
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setToolTip(f"Remove this {day_label} window")
        self.remove.clicked.connect(lambda: emit(self.remove_requested, self))
        layout.addWidget(self.start)
        layout.addWidget(dash)
        layout.addWidget(self.end)
        layout.addWidget(self.overnight)
        layout.addWidget(self.remove)
        self._day_label = day_label
        self.set_position(0)
        self._update_overnight()

    def set_position(self, index: int) -> None:
        number = index + 1
        self.start.setAccessibleName(f"{self._day_label}, window {number} start")
        self.end.setAccessibleName(f"{self._day_label}, window {number} end")
        self.remove.setAccessibleName(f"Remove {self._day_label} window {number}")

    def time_window(self) -> TimeWindow:
        start, end = self.start.time(), self.end.time()
        return TimeWindow(time(start.hour(), start.minute()), time(end.hour(), end.minute()))

    def text(self) -> str:
        return str(self.time_window())

    def set_times(self, start: time, end: time) -> None:
        self.start.setTime(_qtime(start))
        self.end.setTime(_qtime(end))

    def _changed(self) -> None:
        self._update_overnight()
        emit(self.changed)

    def _update_overnight(self) -> None:
        window = self.time_window()
        # A zero-length window is not "overnight"; validation says what is wrong with it.
        self.overnight.setVisible(window.end < window.start)


class DayEditor(QWidget):
    """One weekday: a "Day off" switch, its windows, and "Add hours"."""

    changed = Signal()
    NEW_WINDOW = (time(9, 0), time(17, 0))

    def __init__(self, day: str) -> None:
        super().__init__()
        self.day = day
        self.label = day.capitalize()
        self.rows: list[WindowRow] = []
        self.setAccessibleName(f"{self.label} working hours")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 4, 0, 4)
        outer.setSpacing(2)
        line = QHBoxLayout()
        line.setSpacing(12)
        outer.addLayout(line)
        self.name = QLabel(self.label)
        self.name.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        font = self.name.font()
        font.setBold(True)
        self.name.setFont(font)
        self.off = QCheckBox("Day off")
        self.off.setAccessibleName(f"{self.label} is a day off")
        self.off.setToolTip(
            f"No work hours on {self.label}. Respite still checks in, kindly, if you "
            "work anyway (see Evenings)."
        )
        self.off.toggled.connect(self._off_toggled)
        self.windows_box = QWidget()
        self.windows_layout = QGridLayout(self.windows_box)
        self.windows_layout.setContentsMargins(0, 0, 0, 0)
        self.windows_layout.setHorizontalSpacing(18)
        self.windows_layout.setVerticalSpacing(4)
        self.add = QPushButton("Add hours")
        self.add.setAccessibleName(f"Add a {self.label} window")
        self.add.setToolTip(f"Add another working window to {self.label}")
        self.add.clicked.connect(lambda: self.add_window())
        line.addWidget(self.name, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.off, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.windows_box, 0, Qt.AlignmentFlag.AlignTop)
        line.addWidget(self.add, 0, Qt.AlignmentFlag.AlignTop)
        line.addStretch(1)
        self.error = ErrorLabel(f"{self.label} working hours")
        outer.addWidget(self.error)
        self._stash: list[TimeWindow] = []  # the windows while "Day off" is ticked

    def set_label_width(self, name: int, off: int, line_height: int) -> None:
        """Line the days up in columns, each caption centred on its first line of hours."""
        self.name.setFixedWidth(name)
        self.off.setFixedWidth(off)
        for caption in (self.name, self.off):
            caption.setMinimumHeight(line_height)
        self.error.setContentsMargins(name + 12, 0, 0, 0)

    # ----- reading and writing ---------------------------------------------------------

    def windows(self) -> list[TimeWindow]:
        return [] if self.off.isChecked() else [row.time_window() for row in self.rows]

    def texts(self) -> list[str]:
        """The day as the file writes it, in order of start time (the order the file needs)."""
        return [str(w) for w in sorted(self.windows(), key=lambda w: (w.start, w.end))]

    def set_windows(self, windows: Sequence[TimeWindow]) -> None:
        blocked = self.blockSignals(True)
        try:
            self._clear()
            for window in windows:
                self._append(window.start, window.end)
            self._stash = []
            self.off.setChecked(not windows)
            self._sync()
        finally:
            self.blockSignals(blocked)

    def add_window(self, start: time | None = None, end: time | None = None) -> WindowRow:
        if start is None or end is None:
            start, end = self._next_free_window()
        if self.off.isChecked():
            blocked = self.off.blockSignals(True)
            self.off.setChecked(False)
            self.off.blockSignals(blocked)
            self._clear()
        row = self._append(start, end)
        self._sync()
        row.start.setFocus()
        emit(self.changed)
        return row

    def remove_window(self, index: int) -> None:
        row = self.rows.pop(index)
        row.deleteLater()
        self.windows_layout.removeWidget(row)
        self._relayout()
        if not self.rows:
            self.off.setChecked(True)  # emits changed via _off_toggled
            self.off.setFocus()
        else:
            self.rows[min(index, len(self.rows) - 1)].start.setFocus()
            emit(self.changed)

    def set_day_off(self, off: bool) -> None:
        self.off.setChecked(off)

    # ----- internals -------------------------------------------------------------------

    def _next_free_window(self) -> tuple[time, time]:
        if not self.rows or self.off.isChecked():
            return self.NEW_WINDOW
        last = max((row.time_window() for row in self.rows), key=lambda w: w.start)
        if last.crosses_midnight or last.end >= time(22, 0):
            return self.NEW_WINDOW
        start = last.end
        end = time(min(23, start.hour + 2), start.minute if start.hour + 2 <= 23 else 59)
        return start, end

    def _append(self, start: time, end: time) -> WindowRow:
        row = WindowRow(self.label, start, end, self.windows_box)
        row.changed.connect(self.changed)
        row.remove_requested.connect(lambda r: self.remove_window(self.rows.index(r)))
        self.rows.append(row)
        self._relayout()
        return row

    def _clear(self) -> None:
        for row in self.rows:
            self.windows_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []

    def _relayout(self) -> None:
        for row in self.rows:
            self.windows_layout.removeWidget(row)
        for index, row in enumerate(self.rows):
            row.set_position(index)
            # Two windows side by side, then the next line.
            self.windows_layout.addWidget(row, index // 2, index % 2)
        self._set_tab_order()

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.off]
        for row in self.rows:
            chain += [row.start, row.end, row.remove]
        chain.append(self.add)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _off_toggled(self, off: bool) -> None:
        if off:
            self._stash = [row.time_window() for row in self.rows]
        elif not self.rows:
            for window in self._stash or [TimeWindow(*self.NEW_WINDOW)]:
                self._append(window.start, window.end)
        self._sync()
        emit(self.changed)

    def _sync(self) -> None:
        off = self.off.isChecked()
        self.windows_box.setVisible(not off and bool(self.rows))


# --------------------------------------------------------------------------- reminders


class ReminderRow:
    """One reminder's fields in the reminders grid."""

    def __init__(self, number: int, reminder: Reminder, parent: QWidget) -> None:
        self.name = line_field(
            f"Reminder {number} name",
            "Shown as the reminder's title (1 to 60 characters).",
            "e.g. Lunch",
        )
        self.cron = line_field(
            f"Reminder {number} schedule",
            "When it fires, as cron: minute hour day month weekday.\n"
            "Use day names (mon-fri): numbers count from Monday = 0.\n"
            'e.g. "30 12 * * mon-fri" is 12:30 on weekdays, "0 16 * * fri" is Friday 16:00.',
            "30 12 * * mon-fri",
        )
        self.message = line_field(
            f"Reminder {number} message",
            "Optional text shown with the reminder (at most 200 characters).",
            "optional",
        )
        self.name.setText(reminder.name)
        self.cron.setText(reminder.cron)
        self.message.setText(reminder.message)
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setAutoRaise(True)
        self.remove.setAccessibleName(f"Remove reminder {number}")
        self.remove.setToolTip("Remove this reminder")
        self.preview = HintLabel()
        self.preview.setAccessibleName(f"Reminder {number}: next times")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = ErrorLabel(f"reminder {number}")
        # Parented at once: a label shown before it is in the grid would be a window.
        for widget in self.widgets():
            widget.setParent(parent)

    def widgets(self) -> list[QWidget]:
        return [self.name, self.cron, self.message, self.remove, self.preview, self.error]

    def value(self) -> dict[str, str]:
        table = {"name": self.name.text(), "cron": self.cron.text()}
        if self.message.text():
            table["message"] = self.message.text()
        return table


class RemindersEditor(QWidget):
    """Reminders as a small table: name, schedule, message; a live preview under each."""

    changed = Signal()

    def __init__(self, preview: Callable[[str], tuple[str, bool]]) -> None:
        super().__init__()
        self._preview = preview
        self.rows: list[ReminderRow] = []
        self.setAccessibleName("Reminders")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(0, 2)
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 4)
        self.headers = [QLabel("Name"), QLabel("When (cron)"), QLabel("Message")]
        for column, header in enumerate(self.headers):
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.grid.addWidget(header, 0, column)
        self.empty = HintLabel("No reminders yet.")
        outer.addWidget(self.grid_box)
        outer.addWidget(self.empty)
        buttons = QHBoxLayout()
        self.add = QPushButton("Add a reminder")
        self.add.setAccessibleName("Add a reminder")
        self.add.setToolTip("Add a reminder on a schedule of your choosing")
        self.add.clicked.connect(lambda: self.add_reminder())
        buttons.addWidget(self.add)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        self._sync()

    # ----- reading and writing ---------------------------------------------------------

    def values(self) -> list[dict[str, str]]:
        return [row.value() for row in self.rows]

    def set_reminders(self, reminders: Sequence[Reminder]) -> None:
        blocked = self.blockSignals(True)
        try:
            while self.rows:
                self._drop(len(self.rows) - 1)
            for reminder in reminders:
                self._append(reminder)
            self._relayout()
        finally:
            self.blockSignals(blocked)

    def add_reminder(
        self, name: str = "", cron: str = "30 12 * * mon-fri", message: str = ""
    ) -> ReminderRow:
        row = self._append(Reminder(name=name, cron=cron, message=message))
        self._relayout()
        row.name.setFocus()
        emit(self.changed)
        return row

    def remove_reminder(self, index: int) -> None:
        self._drop(index)
        self._relayout()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].name.setFocus()
        else:
            self.add.setFocus()
        emit(self.changed)

    def refresh_previews(self) -> None:
        for row in self.rows:
            self._refresh_preview(row)

    # ----- internals -------------------------------------------------------------------

    def _append(self, reminder: Reminder) -> ReminderRow:
        row = ReminderRow(len(self.rows) + 1, reminder, self.grid_box)
        for edit in (row.name, row.cron, row.message):
            edit.textChanged.connect(self.changed)
        row.cron.textChanged.connect(lambda _text, r=row: self._refresh_preview(r))
        row.remove.clicked.connect(
            lambda _checked=False, r=row: self.remove_reminder(self.rows.index(r))
        )
        self.rows.append(row)
        self._refresh_preview(row)
        return row

    def _drop(self, index: int) -> None:
        row = self.rows.pop(index)
        for widget in row.widgets():
            self.grid.removeWidget(widget)
            widget.deleteLater()

    def _refresh_preview(self, row: ReminderRow) -> None:
        text, readable = self._preview(row.cron.text())
        # A schedule that can't be read is explained by the inline problem instead.
        row.preview.setText(text if readable else "")
        row.preview.setVisible(readable and bool(text))

    def _relayout(self) -> None:
        for row in self.rows:
            for widget in row.widgets():
                self.grid.removeWidget(widget)
        for index, row in enumerate(self.rows):
            number = index + 1
            row.name.setAccessibleName(f"Reminder {number} name")
            row.cron.setAccessibleName(f"Reminder {number} schedule")
            row.message.setAccessibleName(f"Reminder {number} message")
            row.remove.setAccessibleName(f"Remove reminder {number}")
            row.preview.setAccessibleName(f"Reminder {number}: next times")
            row.error.setAccessibleName(f"Problem with reminder {number}")
            base = 1 + index * 3
            self.grid.addWidget(row.name, base, 0)
            self.grid.addWidget(row.cron, base, 1)
            self.grid.addWidget(row.message, base, 2)
            self.grid.addWidget(row.remove, base, 3)
            self.grid.addWidget(row.preview, base + 1, 1, 1, 3)
            self.grid.addWidget(row.error, base + 2, 0, 1, 4)
        chain: list[QWidget] = []
        for row in self.rows:
            chain += [row.name, row.cron, row.message, row.remove]
        chain.append(self.add)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self._sync()

    def _sync(self) -> None:
        self.grid_box.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)


# --------------------------------------------------------------------------- the banner


class Banner(QFrame):
    """A message across the top of the window with up to two buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("settingsBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Settings file notice")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.primary = QPushButton()
        self.secondary = QPushButton()
        layout.addWidget(self.label, 1)
        layout.addWidget(self.primary, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.secondary, 0, Qt.AlignmentFlag.AlignTop)
        self._actions: dict[QPushButton, Callable[[], None]] = {}
        self.primary.clicked.connect(lambda: self._run(self.primary))
        self.secondary.clicked.connect(lambda: self._run(self.secondary))
        self.restyle()
        self.hide()

    def text(self) -> str:
        return self.label.text()

    def show_message(
        self,
        text: str,
        primary: tuple[str, Callable[[], None]],
        secondary: tuple[str, Callable[[], None]] | None = None,
    ) -> None:
        self.label.setText(text)
        self.setAccessibleDescription(text)
        self._actions = {}
        for button, action in ((self.primary, primary), (self.secondary, secondary)):
            button.setVisible(action is not None)
            if action is not None:
                label, callback = action
                button.setText(label)
                button.setAccessibleName(label.replace("&", ""))
                self._actions[button] = callback
        self.show()

    def _run(self, button: QPushButton) -> None:
        callback = self._actions.get(button)
        self.hide()
        if callback is not None:
            callback()

    def restyle(self) -> None:
        dark = is_dark()
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor("#4a3c12" if dark else "#fff4ce"))
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#fbe8b0" if dark else "#3d2e00"))
        self.setPalette(palette)
        set_text_colour(self.label, QColor("#fbe8b0" if dark else "#3d2e00"))
