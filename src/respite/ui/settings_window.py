"""The settings window: every key of settings.toml, edited on a copy and applied as a whole.

The window keeps no rules of its own. Whatever the fields hold becomes a candidate
document (the shape `settings_to_document` gives, with the user's raw text where a field
can't be read as a number list or a zone), `parse_settings` checks it exactly as it checks
the file, and each `Problem` is shown beside the field that owns its key. Applying saves
with `save_settings` (the user's comments and key order stay) and asks the runtime to
reload, so the engine uses the new settings at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfoNotFoundError, available_timezones

from PySide6.QtCore import QEvent, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QCursor,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from respite.core.schedule import resolve_zone
from respite.core.settings import WEEKDAYS, BreakWindowStyle, Settings
from respite.core.settings_parse import (
    LIMITS,
    Problem,
    parse_settings,
    settings_to_document,
)
from respite.platform.autostart import Autostart
from respite.qt import emit
from respite.runtime import Runtime
from respite.storage.settings_save import SettingsWriteError, save_settings
from respite.storage.settings_store import secret_names_in_file
from respite.ui.settings_cron import moment_text, preview_text
from respite.ui.settings_integrations import (
    EntryList,
    Value,
    calendars_list,
    event_label,
    hooks_list,
    secret_names,
)
from respite.ui.settings_widgets import (
    Banner,
    DayEditor,
    ErrorLabel,
    HintLabel,
    MinutesSpin,
    RemindersEditor,
    check_field,
    error_colour,
    int_field,
    is_dark,
    line_field,
    minutes_field,
    muted_colour,
    set_text_colour,
    with_error,
)

__all__ = ["SYSTEM_ZONE", "SettingsWindow"]

log = logging.getLogger(__name__)

SYSTEM_ZONE = "System default"
MINUTES_LISTS = ("boundaries.overtime_choices", "snooze.choices_minutes")

# File keys in a problem's text, said the way the window says them.
_PLAIN_WORDS = (
    (", which fell back to its default (", " ("),
    ("breaks.long_enabled = false", "turn long breaks off"),
    ("breaks.short.every_minutes", "short breaks"),
    ("breaks.long.every_minutes", "long breaks"),
)
_REMINDER_KEY = re.compile(r"reminders\[([0-9]+)\](?:\.(name|cron|message))?")
_WINDOW_KEY = re.compile(r"work_hours\.([a-z]+)\[([0-9]+)\]")
_INDEX = re.compile(r"\[[0-9]+\]$")
_INDEXES = re.compile(r"\[[0-9]+\]")
_REMINDER_PARTS = {"name": "Name", "cron": "Schedule", "message": "Message"}

# WORKAROUND for QPixmapCache growing with every settings window: a QDialogButtonBox gets
# new icons for its standard buttons from the style, and the pixmaps drawn from them stay
# in QPixmapCache under keys no later icon uses until its 10 MiB limit pushes them out
# (≈5.5 KiB for each window opened under X11, where dialog buttons have icons). Each
# window takes the icons of the first one opened under the same icon theme (where the
# style finds them), so a theme changed while Respite runs shows in the next window.
_BUTTON_ICONS: dict[tuple[QDialogButtonBox.StandardButton, str], QIcon] = {}


def _share_button_icons(buttons: QDialogButtonBox) -> None:
    theme = QIcon.themeName()
    for button in buttons.buttons():
        if not button.icon().isNull():  # the style gives dialog buttons icons
            key = (buttons.standardButton(button), theme)
            button.setIcon(_BUTTON_ICONS.setdefault(key, button.icon()))


@cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())


def _minutes_list(text: str) -> list[int] | str:
    """ "5, 10, 20" as [5, 10, 20]; anything else stays text, for validation to name."""
    parts = [part for part in re.split(r"[,;\s]+", text.strip()) if part]
    try:
        return [int(part) for part in parts]
    except ValueError:
        return text


def _get(document: Mapping[str, Any], key: str) -> Any:
    value: Any = document
    for part in key.split("."):
        value = value[part]
    return value


def _part(document: Mapping[str, Any], key: str) -> Any:
    """`_get`, with None for a part the document leaves out (no calendars, say)."""
    try:
        return _get(document, key)
    except KeyError:
        return None


def _put(document: dict[str, Any], key: str, value: Any) -> None:
    *tables, name = key.split(".")
    target = document
    for part in tables:
        target = target.setdefault(part, {})
    target[name] = value


def _fitted_size(wanted: QSize, available: QRect) -> QSize:
    """`wanted`, smaller where it would not fit in `available` (the screen less its
    panels) with room for the window's frame: OK and Cancel stay on the screen."""
    return wanted.boundedTo(available.size() * 0.9)


def _default_calendar_table() -> dict[str, Any]:
    """The [calendar] table as settings_to_document writes it for the defaults."""
    from respite.core.settings import CalendarOptions

    table = settings_to_document(Settings(calendar=CalendarOptions(hold_breaks=False)))
    table = dict(table["calendar"])
    table["hold_breaks"] = True
    return table


class _SecretsNotStored(Exception):
    """The typed secrets could not all be stored; the message says what the keyring holds."""


def _store_secrets(pending: Mapping[str, str]) -> dict[str, str | None]:
    """Store the typed secrets and return what each held before (None: nothing), for
    `_put_back`. If one fails, those stored are put back and _SecretsNotStored says so."""
    from respite.storage import secrets

    previous: dict[str, str | None] = {}
    try:
        before = {name: secrets.get_secret(name) for name in pending}
        for name, value in pending.items():
            previous[name] = before[name]  # noted first: a failed store may still write
            secrets.set_secret(name, value)
    except secrets.SecretError as error:
        left = _put_back(previous)
        if not left:
            raise _SecretsNotStored(f"Nothing was saved: {error}") from None
        raise _SecretsNotStored(
            f"The settings file was not changed: {error}{_secrets_after_failure(previous, left)}"
        ) from None
    return previous


def _put_back(previous: Mapping[str, str | None]) -> list[str]:
    """Give each secret in `previous` its value before again (deleting those that had
    none); the names the keyring refused, which still hold what was typed."""
    from respite.storage import secrets

    left: list[str] = []
    for name, value in previous.items():
        try:
            if value is None:
                secrets.delete_secret(name)
            else:
                secrets.set_secret(name, value)
        except secrets.SecretError as error:
            log.warning("could not put back the secret %r: %s", name, error)
            left.append(name)
    return left


def _secrets_after_failure(previous: Mapping[str, str | None], left: list[str]) -> str:
    """What the keyring holds after a failed Apply, to follow its error message."""
    if not previous:
        return ""
    if not left:
        return " The keyring was left as it was."
    quoted = [repr(name) for name in left]
    names = f"{', '.join(quoted[:-1])} and {quoted[-1]}" if len(quoted) > 1 else quoted[0]
    return (
        f" The keyring now holds what you typed for {names}: what it held before "
        "could not be put back."
    )


class SettingsWindow(QDialog):
    """Edit every setting; OK applies and closes, Apply applies, Cancel discards.

    It lives only while open: closing it in any way (OK, Cancel, Escape, the window's
    close button) deletes it, and with it any edits not applied (Escape and the close
    button ask first); the next one is built from the settings Respite uses then.

    `autostart` is the login-item backend (default: this system's, made on first use);
    `now` gives the current time for the reminder previews (default: the runtime's clock).
    Tests find each field with `field("breaks.short.every_minutes")`.
    """

    applied = Signal(object)  # the Settings just saved and applied

    def __init__(
        self,
        runtime: Runtime,
        *,
        autostart: Autostart | None = None,
        now: Callable[[], datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.runtime = runtime
        self._autostart = autostart
        self._now = now or runtime.clock.now
        self._baseline: Settings = runtime.settings
        self._loaded_entries: tuple[Value, ...] = ()  # the lists as loaded, for Apply
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, ErrorLabel] = {}
        self.problems: list[Problem] = []
        self._candidate: Settings | None = None
        self._loading = False
        self._applying = False
        self._rejected_while_applying: list[str] = []
        self._changes_on_disk = 0  # heard of so far, so Apply can tell one it just read
        self._message_is_error = False
        self.save_question: QMessageBox | None = None  # open while closing asks
        self._then_quit: Callable[[], None] | None = None  # Quit waits for the answer

        self.setWindowTitle("Respite settings")
        self.setAccessibleName("Respite settings")
        self.setSizeGripEnabled(True)

        layout = QVBoxLayout(self)
        self.banner = Banner()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.tabBar().setAccessibleName("Settings sections")
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._hours_tab(), "&Hours")
        self.tabs.addTab(self._breaks_tab(), "&Breaks")
        self.tabs.addTab(self._evenings_tab(), "&Evenings")
        self.tabs.addTab(self._reminders_tab(), "&Reminders")
        self.tabs.addTab(self._general_tab(), "&General")
        self.tabs.addTab(self._integrations_tab(), "&Integrations")

        bottom = QHBoxLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAccessibleName("Save result")
        self.general_error = ErrorLabel("these settings")
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.general_error, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        _share_button_icons(self.buttons)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setToolTip("Save these settings and close the window")
        self.apply_button.setToolTip("Save these settings and keep the window open")
        self.cancel_button.setToolTip("Close without saving anything")
        for button, name in (
            (self.ok_button, "OK: save and close"),
            (self.apply_button, "Apply: save"),
            (self.cancel_button, "Cancel: close without saving"),
        ):
            button.setAccessibleName(name)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(bottom)

        # On the screen QDialog will centre it on: the one under the pointer.
        screen = QGuiApplication.screenAt(QCursor.pos()) or self.screen()
        self.resize(_fitted_size(QSize(880, 660), screen.availableGeometry()))
        self._load(runtime.settings)
        runtime.settings_applied.connect(self._applied_on_disk)
        runtime.settings_rejected.connect(self._rejected_on_disk)

    # ----- public --------------------------------------------------------------------

    def field(self, key: str) -> QWidget:
        """The widget that edits `key`: "why", "breaks.short.every_minutes",
        "work_hours.monday" (a DayEditor), "work_hours.monday[0]" (one window),
        "reminders" (the editor) or "reminders[0].cron"."""
        if match := _REMINDER_KEY.fullmatch(key):
            row = self.reminders.rows[int(match[1])]
            if match[2] is None:
                raise KeyError(key)
            widget: QWidget = getattr(row, match[2])
            return widget
        if match := _WINDOW_KEY.fullmatch(key):
            return self.days[match[1]].rows[int(match[2])]
        return self._fields[key]

    def problem_text(self, key: str) -> str:
        """What the inline label next to `key`'s field says ("" when nothing)."""
        return self.problem_label(key).text()

    def is_dirty(self) -> bool:
        """Whether the fields differ from the settings they were loaded from (a secret
        typed for a calendar or a hook counts)."""
        return bool(self._pending_secrets()) or self._candidate_document() != (
            settings_to_document(self._baseline)
        )

    def present(self) -> None:
        """Show the window and bring it forward (what the tray menu does)."""
        self.show()
        self.raise_()
        self.activateWindow()

    def reset(self) -> None:
        """Forget any edits: show what Respite is using now."""
        self._load(self.runtime.settings)
        self.banner.hide()
        self.message.clear()

    def apply(self) -> bool:
        """Save and apply the edits as a whole; False (with the reason shown) if not."""
        if self._file_changed_meanwhile():
            if self.is_dirty():
                self._say("Not saved: the settings file just changed; see the note at the top.")
            return False
        self._validate()
        settings = self._candidate
        if settings is None:
            return False
        before = self.runtime.settings
        loaded = self._loaded_entries  # to tell which entries were removed here
        # The secrets first and the file last: a saved file naming a secret not stored yet
        # would send the runtime after an address it can't read. Each secret's value before
        # is read first, so when a later secret or the file can't be saved every secret
        # stored is put back (or deleted) and "nothing was saved" stays true; only when
        # the keyring refuses that too does the message name the secrets it now holds.
        # Restoring beats naming alone: a replaced address may be one a calendar or hook
        # in use needs.
        pending = self._pending_secrets()
        try:
            previous = _store_secrets(pending)
        except _SecretsNotStored as trouble:
            self._say(str(trouble), error=True)
            return False
        self._rejected_while_applying = []
        self._applying = True
        try:
            try:
                save_settings(self.runtime.settings_path, settings, now=self._now())
            except BaseException as error:
                left = _put_back(previous)
                if not isinstance(error, SettingsWriteError | ValueError):
                    raise
                log.warning("settings not saved: %s", error)
                self._say(f"{error}{_secrets_after_failure(previous, left)}", error=True)
                return False
            self.runtime.reload_settings()
        finally:
            self._applying = False
        self._baseline = settings
        self._load(settings)  # as the file now says it: windows in order, lists tidied
        self._forget_unused_secrets(loaded, settings)
        if pending and settings.calendars and self.runtime.calendar_sync is not None:
            self.runtime.calendar_sync.refresh(force=True)  # a new address: fetch it now
        trouble: list[str] = []
        if before.interface.autostart != settings.interface.autostart:
            trouble += self._switch_autostart(settings.interface.autostart)
        if self._rejected_while_applying:
            self._show_rejected(self._rejected_while_applying, saved=True)
        if trouble:
            self._say(" ".join(trouble), error=True)
        elif self._rejected_while_applying:
            self._say("Saved, but not in use yet: see the note at the top.", error=True)
        else:
            self._say("Saved. Respite is using these settings now.")
        emit(self.applied, settings)
        return not trouble and not self._rejected_while_applying

    def _file_changed_meanwhile(self) -> bool:
        """Read the file now, not when the watcher's timer fires: Saving must not overwrite
        what another program wrote a moment ago. A change is handled as any other (loaded
        into a window without edits, else told in the banner); True when there was one."""
        heard = self._changes_on_disk
        self.runtime.reload_settings()
        return self._changes_on_disk != heard

    def _forget_unused_secrets(self, loaded: tuple[Value, ...], after: Settings) -> None:
        """Remove from the keyring the secrets only entries removed in this window used:
        names the lists were loaded with that neither the saved settings nor any table
        left in the file (one Respite can't use included) give. An entry added outside
        the window, say before "Keep my edits", was never loaded, so its secret stays."""
        from respite.storage import secrets

        in_file = secret_names_in_file(self.runtime.settings_path)
        if in_file is None:
            return  # the file can't be read: no secret is known to be unused
        used = set(in_file)
        used.update(n for value in (*after.calendars, *after.hooks) for n in secret_names(value))
        for value in loaded:
            for name in secret_names(value):
                if name in used:
                    continue
                used.add(name)  # once is enough
                try:
                    secrets.delete_secret(name)
                except secrets.SecretError as error:
                    log.info("could not forget the unused secret %r: %s", name, error)

    # ----- QDialog -------------------------------------------------------------------

    def accept(self) -> None:
        if not self.is_dirty() or self.apply():
            super().accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        if event.matches(QKeySequence.StandardKey.Cancel) and self._asked_to_save():
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        # Only the window manager's close button asks: a close from code (Respite
        # quitting) can't wait for an answer.
        if event.spontaneous() and self._asked_to_save():
            event.ignore()
            return
        super().closeEvent(event)

    def close_before_quitting(self, quit_app: Callable[[], None]) -> None:
        """Close for the tray's Quit, asking first about unsaved edits as the close
        button does; `quit_app` runs once the window is closed, not if the user keeps
        editing or the edits can't be saved."""
        self._then_quit = quit_app
        if self._asked_to_save():
            self.raise_()
            self.activateWindow()
        else:
            self.reject()

    def done(self, result: int) -> None:  # Qt override: accept() and reject() end here
        super().done(result)
        quit_app, self._then_quit = self._then_quit, None
        if quit_app is not None:
            quit_app()

    def _asked_to_save(self) -> bool:
        """With unsaved edits, ask whether to save them and say True: the window stays
        open until the answer, which `_answered` acts on (not waited for here). Escape and
        the close button ask; Cancel, which says it closes without saving, does not."""
        if self.save_question is not None:
            self.save_question.activateWindow()
            return True
        if not self.is_dirty():
            return False
        buttons = QMessageBox.StandardButton
        question = QMessageBox(
            QMessageBox.Icon.Question,
            "Respite settings",
            "Save your changes to the settings?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            self,
        )
        question.setDefaultButton(buttons.Save)
        question.setEscapeButton(buttons.Cancel)
        keep = question.button(buttons.Cancel)
        keep.setText("&Keep editing")
        keep.setAccessibleName("Keep editing")
        question.finished.connect(lambda _result: self._answered(question))
        self.save_question = question
        question.open()
        return True

    def _answered(self, question: QMessageBox) -> None:
        self.save_question = None
        question.deleteLater()
        answer = question.standardButton(question.clickedButton())
        if answer == QMessageBox.StandardButton.Save:
            self.accept()  # stays open if the edits can't be saved, saying why
        elif answer == QMessageBox.StandardButton.Discard:
            self.reject()
        if self.isVisible():  # kept editing, or saving failed: Quit is off
            self._then_quit = None

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._restyle()
        super().changeEvent(event)

    # ----- building ------------------------------------------------------------------

    def _register(self, key: str, widget: QWidget, what: str) -> ErrorLabel:
        self._fields[key] = widget
        error = ErrorLabel(what)
        self._errors[key] = error
        self._connect(widget)
        return error

    def _connect(self, widget: QWidget) -> None:
        if isinstance(widget, QSpinBox | MinutesSpin):
            widget.valueChanged.connect(self._edited)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(self._edited)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(self._edited)
            widget.editTextChanged.connect(self._edited)
        elif isinstance(widget, QLineEdit):
            widget.textChanged.connect(self._edited)
        elif isinstance(widget, DayEditor | RemindersEditor | EntryList):
            widget.changed.connect(self._edited)

    def _form(self, parent: QWidget | None = None) -> QFormLayout:
        form = QFormLayout(parent)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(8)
        return form

    def _row(
        self, form: QFormLayout, key: str, label: str, widget: QWidget, *, wide: bool = False
    ) -> None:
        """A labelled field; its problems appear beside it (below it when it is `wide`)."""
        error = self._register(key, widget, label.rstrip(":"))
        cell = with_error(widget, error, below=wide)
        form.addRow(label, cell)
        caption = form.labelForField(cell)
        if isinstance(caption, QLabel):
            caption.setToolTip(widget.toolTip())
            caption.setBuddy(widget)
            # Centred on the field's first line even when a problem below makes the row tall.
            caption.setFixedHeight(widget.sizeHint().height())
            caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)

    def _check(self, form: QFormLayout, key: str, box: QCheckBox) -> None:
        error = self._register(key, box, box.text())
        form.addRow(with_error(box, error))

    def _number(
        self,
        form: QFormLayout,
        key: str,
        label: str,
        tooltip: str,
        *,
        suffix: str = " min",
        singular: str = "",
        zero_text: str = "",
    ) -> QSpinBox:
        limit = LIMITS[key]
        box = int_field(
            label,
            tooltip,
            limit.low,
            limit.high,
            suffix=suffix,
            singular=singular,
            zero_text=zero_text,
        )
        self._row(form, key, label, box)
        return box

    def _minutes(self, form: QFormLayout, key: str, label: str, tooltip: str) -> MinutesSpin:
        limit = LIMITS[key]
        box = minutes_field(label, tooltip, limit.low, limit.high)
        self._row(form, key, label, box)
        return box

    @staticmethod
    def _scrolled(page: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields, which it scrolls to
        area.setWidget(page)
        # setWidget() paints the page; let the tab's own background show instead.
        page.setAutoFillBackground(False)
        area.viewport().setAutoFillBackground(False)
        return area

    def _hours_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            HintLabel(
                "When do you mean to work? Breaks follow your active time; outside these "
                "hours Respite gently asks whether you're still at it."
            )
        )
        form = self._form()
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.timezone.addItem(SYSTEM_ZONE)
        self.timezone.addItems(_zone_names())
        self.timezone.setMaxVisibleItems(16)
        self.timezone.setMaximumWidth(360)
        self.timezone.setMinimumContentsLength(24)
        self.timezone.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        completer = QCompleter(_zone_names(), self.timezone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.timezone.setCompleter(completer)
        self.timezone.setAccessibleName("Time zone")
        self.timezone.setToolTip(
            "The time zone your work hours and reminders are in, e.g. Europe/Berlin. "
            f"“{SYSTEM_ZONE}” follows your computer, also when you travel."
        )
        self._row(form, "timezone", "Time zone:", self.timezone, wide=True)
        layout.addLayout(form)

        days_page = QWidget()
        days_layout = QVBoxLayout(days_page)
        days_layout.setContentsMargins(0, 4, 0, 4)
        days_layout.setSpacing(2)
        self.days: dict[str, DayEditor] = {}
        for day in WEEKDAYS:
            editor = DayEditor(day)
            self.days[day] = editor
            self._fields[f"work_hours.{day}"] = editor
            self._errors[f"work_hours.{day}"] = editor.error
            self._connect(editor)
            days_layout.addWidget(editor)
        days_layout.addStretch(1)
        bold = QFontMetrics(self.days["monday"].name.font())
        name_width = max(bold.horizontalAdvance(d.capitalize()) for d in WEEKDAYS) + 12
        off_width = self.days["monday"].off.sizeHint().width() + 8
        line_height = max(
            QTimeEdit().sizeHint().height(), self.days["monday"].add.sizeHint().height()
        )
        for editor in self.days.values():
            editor.set_label_width(name_width, off_width, line_height)
        layout.addWidget(self._scrolled(days_page), 1)

        copy_row = QHBoxLayout()
        self.copy_monday = QPushButton("&Copy Monday to all weekdays")
        self.copy_monday.setAccessibleName("Copy Monday to all weekdays")
        self.copy_monday.setToolTip("Give Tuesday to Friday the same hours as Monday")
        self.copy_monday.clicked.connect(self.copy_monday_to_weekdays)
        copy_row.addWidget(self.copy_monday)
        copy_row.addStretch(1)
        layout.addLayout(copy_row)
        return page

    def copy_monday_to_weekdays(self) -> None:
        monday = self.days["monday"].windows()
        self._loading = True
        try:
            for day in WEEKDAYS[1:5]:
                self.days[day].set_windows(monday)
        finally:
            self._loading = False
        self._edited()

    def _breaks_tab(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

        short = QGroupBox("Short breaks")
        form = self._form(short)
        self._number(
            form,
            "breaks.short.every_minutes",
            "Every:",
            "A short break is due after this many minutes of active time. Time away "
            "from the keyboard doesn't count.",
        )
        self._minutes(
            form, "breaks.short.duration_minutes", "Lasting:", "How long a short break lasts."
        )
        self._minutes(
            form,
            "breaks.short.natural_after_minutes",
            "Away this long counts:",
            "Stepping away at least this long counts as taking the short break, "
            "so no nudge is needed.",
        )

        long = QGroupBox("Long breaks")
        form = self._form(long)
        self.long_enabled = check_field(
            "Take long breaks too",
            "Whether long breaks happen at all. Short breaks carry on either way.",
        )
        self._check(form, "breaks.long_enabled", self.long_enabled)
        self._number(
            form,
            "breaks.long.every_minutes",
            "Every:",
            "A long break is due after this many minutes of active time; it must be "
            "longer than the short-break interval.",
        )
        self._minutes(
            form, "breaks.long.duration_minutes", "Lasting:", "How long a long break lasts."
        )
        self._minutes(
            form,
            "breaks.long.natural_after_minutes",
            "Away this long counts:",
            "Stepping away at least this long counts as taking the long break.",
        )

        away = QGroupBox("Noticing you")
        form = self._form(away)
        self._number(
            form,
            "breaks.idle_after_seconds",
            "Away after:",
            "No keyboard or mouse input for this long means you're away; that time "
            "isn't counted as active time.",
            suffix=" s",
        )
        self._number(
            form,
            "breaks.renudge_minutes",
            "Ask again after:",
            "A break nudge you don't answer comes back after this long.",
        )
        self._number(
            form,
            "breaks.renudge_max",
            "Ask again at most:",
            "How many times an unanswered break nudge comes back.",
            suffix=" times",
            singular=" time",
            zero_text="Never",
        )
        self._check(
            form,
            "breaks.lock_counts_as_break",
            check_field(
                "A screen lock or sleep counts as a break",
                "Locking the screen or sleeping the computer at least as long as a break "
                "counts as taking that break.",
            ),
        )

        snooze = QGroupBox("Snooze")
        form = self._form(snooze)
        choices = line_field(
            "Snooze choices in minutes",
            "The snooze lengths a break nudge offers, in minutes, separated by commas "
            "(1 to 5 of them). The first is the default.",
            "5, 10, 20",
        )
        choices.setFixedWidth(150)
        self._row(form, "snooze.choices_minutes", "Choices (min):", choices)
        self._number(
            form,
            "snooze.daily_limit",
            "Snoozes a day:",
            "After this many snoozes in a day Respite stops offering snooze and "
            "simply notes the breaks that were due.",
            suffix="",
        )

        for column, groups in enumerate(((short, long), (away, snooze))):
            stack = QVBoxLayout()
            stack.setSpacing(12)
            for group in groups:
                stack.addWidget(group)
            stack.addStretch(1)
            grid.addLayout(stack, 0, column)
        return self._scrolled(page)

    def _evenings_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(12)

        end = QGroupBox("End of the day")
        form = self._form(end)
        self._number(
            form,
            "boundaries.wind_down_minutes",
            "Wind-down nudge:",
            "A gentle note this long before your last window ends, to start wrapping "
            "up. Off (0) turns it off.",
            suffix=" min before the end",
            zero_text="Off",
        )
        self._check(
            form,
            "boundaries.end_of_day_nudge",
            check_field(
                "Nudge me when my last window ends",
                "When your working day is over, Respite says so, with Done for today "
                "and “a little longer” choices.",
            ),
        )
        self._number(
            form,
            "boundaries.on_time_grace_minutes",
            "Still on time within:",
            "Activity this long after the end of the day still counts as stopping on time.",
            suffix=" min",
        )
        overtime = line_field(
            "“A little longer” choices in minutes",
            "The extra time the end-of-day nudge offers, in minutes, separated by commas "
            "(1 to 4 of them).",
            "15, 30",
        )
        overtime.setFixedWidth(150)
        self._row(form, "boundaries.overtime_choices", "“A little longer” (min):", overtime)

        after = QGroupBox("After hours and days off")
        form = self._form(after)
        self.after_enabled = check_field(
            "Check in when I work outside my hours or on a day off",
            "A kind question when you're active outside your work hours, never a scolding.",
        )
        self._check(form, "after_hours.enabled", self.after_enabled)
        self._number(
            form,
            "after_hours.first_nudge_after_minutes",
            "First check-in after:",
            "Minutes of after-hours activity before the first check-in.",
            suffix=" min of activity",
            zero_text="Right away",
        )
        self._number(
            form,
            "after_hours.repeat_every_minutes",
            "Then every:",
            "Minutes between later check-ins.",
        )
        self._number(
            form,
            "after_hours.max_nudges",
            "At most:",
            "Check-ins per evening (until 04:00) or per day off.",
            suffix=" check-ins a night",
            singular=" check-in a night",
            zero_text="None",
        )
        layout.addWidget(end)
        layout.addWidget(after)
        layout.addStretch(1)
        return self._scrolled(page)

    def _reminders_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            HintLabel(
                "Reminders you set for yourself: lunch, water, a weekly review. Schedules "
                "are cron: minute hour day month weekday, in your time zone. Use day names "
                "such as mon-fri (numbers count from Monday = 0)."
            )
        )
        self.reminders = RemindersEditor(self._preview)
        self._fields["reminders"] = self.reminders
        self._errors["reminders"] = ErrorLabel("reminders")
        self._connect(self.reminders)
        layout.addWidget(self._errors["reminders"])
        layout.addWidget(self._scrolled(self.reminders), 1)
        return page

    def _general_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        form = self._form()
        why = line_field(
            "Why this matters to me",
            "Your own reason for taking breaks and keeping your evenings, shown with "
            "nudges. One line, at most 200 characters.",
            "e.g. So I still have energy for my kids in the evening.",
        )
        self._row(form, "why", "Why this matters to me:", why, wide=True)
        self._check(
            form,
            "interface.autostart",
            check_field("Start Respite when I log in", "Start Respite when you log in."),
        )
        self._check(
            form,
            "interface.sound",
            check_field("Play a soft sound with nudges", "A quiet chime with each nudge."),
        )
        style = QComboBox()
        style.addItem("A small window that stays on top", BreakWindowStyle.WINDOW.value)
        style.addItem("Cover every screen (strict)", BreakWindowStyle.STRICT.value)
        style.setAccessibleName("Break window")
        style.setToolTip(
            "How a break looks: a small window that stays on top, or one that covers "
            "every screen until the break is over (you can still skip it)."
        )
        style.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self._row(form, "interface.break_window", "Break window:", style)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _integrations_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(12)
        layout.addWidget(
            HintLabel(
                "Calendars hold break nudges during meetings; hooks tell other tools when "
                "your day or a break starts and ends. Private addresses and tokens go to "
                "the system keyring, never into the settings file."
            )
        )
        calendars = QGroupBox("Calendars")
        form = self._form(calendars)
        self.calendars = calendars_list(self._calendar_problems)
        self._fields["calendars"] = self.calendars
        self._errors["calendars"] = self.calendars.error
        self._connect(self.calendars)
        form.addRow(self.calendars)
        self._check(
            form,
            "calendar.hold_breaks",
            check_field(
                "Hold break nudges during meetings",
                "While a busy calendar event is on, a due break waits and comes right after.",
            ),
        )
        words = line_field(
            "Day-off words",
            "An all-day calendar event whose title contains one of these words (any case) "
            "is a day off. Separate them with commas.",
            "Holiday, OOO",
        )
        self._row(form, "calendar.days_off_words", "Day-off words:", words, wide=True)
        self._number(
            form,
            "calendar.refresh_minutes",
            "Refresh every:",
            "How often calendars from the web are fetched again.",
        )
        layout.addWidget(calendars)

        hooks = QGroupBox("Hooks")
        hooks_layout = QVBoxLayout(hooks)
        self.hooks = hooks_list(self._hook_runs)
        self._fields["hooks"] = self.hooks
        self._errors["hooks"] = self.hooks.error
        self._connect(self.hooks)
        hooks_layout.addWidget(self.hooks)
        layout.addWidget(hooks)
        layout.addStretch(1)
        return self._scrolled(page)

    def _calendar_problems(self) -> Mapping[str, str]:
        problems: Mapping[str, str] = getattr(self.runtime, "calendar_problems", None) or {}
        return problems

    def _hook_runs(self) -> dict[str, str]:
        """Each hook's last result in words ("✓ Pause, today 09:30"), by name."""
        summary = getattr(self.runtime, "hook_summary", None)
        runs: dict[str, str] = {}
        for hook in summary() if summary is not None else []:
            if hook["last_event"] is None:
                continue
            at = datetime.fromisoformat(hook["last_at"])
            today = self._now().astimezone(at.tzinfo)
            when = f"{event_label(hook['last_event'])}, {moment_text(at, today)}"
            runs[hook["name"]] = f"✓ {when}" if hook["ok"] else f"⚠ {when}: {hook['detail']}"
        return runs

    # ----- loading and reading the fields --------------------------------------------

    def _scalar_keys(self) -> list[str]:
        special = {"why", "timezone", "reminders", "calendars", "hooks"}
        return [
            key for key in self._fields if key not in special and not key.startswith("work_hours.")
        ]

    def _load(self, settings: Settings) -> None:
        self._baseline = settings
        self._loaded_entries = (*settings.calendars, *settings.hooks)
        self._show(settings, self._parts())
        self._validate()

    def _parts(self) -> list[str]:
        """What the window edits, each part by its key in the settings document."""
        days = [f"work_hours.{day}" for day in WEEKDAYS]
        lists = ["reminders", "calendars", "hooks"]
        return ["why", "timezone", *days, *self._scalar_keys(), *lists]

    def _show(self, settings: Settings, parts: Collection[str]) -> None:
        """Put `parts` of `settings` in the fields, leaving the other fields as they are."""
        document = settings_to_document(settings)
        document.setdefault("calendar", _default_calendar_table())
        self._loading = True
        try:
            why = self._fields["why"]
            assert isinstance(why, QLineEdit)
            if "why" in parts:
                why.setText(settings.why)
            if "timezone" in parts and settings.timezone:
                self.timezone.setCurrentText(settings.timezone)
            elif "timezone" in parts:
                self.timezone.setCurrentIndex(0)
                self.timezone.setEditText(SYSTEM_ZONE)
            for index, day in enumerate(WEEKDAYS):
                if f"work_hours.{day}" in parts:
                    self.days[day].set_windows(settings.work_hours.windows(index))
            for key in self._scalar_keys():
                if key in parts:
                    self._set_value(self._fields[key], _get(document, key))
            if "reminders" in parts:
                self.reminders.set_reminders(settings.reminders)
            if "calendars" in parts:
                self.calendars.set_values(settings.calendars)
            if "hooks" in parts:
                self.hooks.set_values(settings.hooks)
        finally:
            self._loading = False

    @staticmethod
    def _set_value(widget: QWidget, value: Any) -> None:
        if isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, MinutesSpin):
            widget.set_minutes(value)
        elif isinstance(widget, QSpinBox):
            widget.setValue(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(0, widget.findData(value)))
        elif isinstance(widget, QLineEdit):
            widget.setText(", ".join(str(item) for item in value))

    @staticmethod
    def _value(widget: QWidget, key: str) -> Any:
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, MinutesSpin):
            value = widget.minutes()
            return int(value) if value.is_integer() else value
        if isinstance(widget, QComboBox):
            return widget.currentData()
        if isinstance(widget, QLineEdit) and key in MINUTES_LISTS:
            return _minutes_list(widget.text())
        if isinstance(widget, QLineEdit) and key == "calendar.days_off_words":
            return [word.strip() for word in widget.text().split(",") if word.strip()]
        raise TypeError(f"no value for {key}")

    def _timezone_text(self) -> str:
        text = self.timezone.currentText().strip()
        return "" if text in ("", SYSTEM_ZONE) else text

    def _candidate_document(self) -> dict[str, Any]:
        document = settings_to_document(self._baseline)
        why = self._fields["why"]
        assert isinstance(why, QLineEdit)
        document["why"] = why.text()
        document["timezone"] = self._timezone_text()
        document["work_hours"] = {day: self.days[day].texts() for day in WEEKDAYS}
        for key in self._scalar_keys():
            _put(document, key, self._value(self._fields[key], key))
        lists = settings_to_document(
            Settings(calendars=tuple(self.calendars.values()), hooks=tuple(self.hooks.values()))
        )
        for key in ("calendars", "hooks"):
            if key in lists:
                document[key] = lists[key]
            else:
                document.pop(key, None)
        if document.get("calendar") == _default_calendar_table() and "calendars" not in document:
            del document["calendar"]  # as settings_to_document leaves it out
        reminders = self.reminders.values()
        if reminders:
            document["reminders"] = reminders
        else:
            document.pop("reminders", None)
        return document

    def _pending_secrets(self) -> dict[str, str]:
        """Secrets typed for calendars and hooks, to store when the settings are applied."""
        return self.calendars.pending_secrets() | self.hooks.pending_secrets()

    # ----- validation ----------------------------------------------------------------

    def _edited(self) -> None:
        if self._loading:
            return
        self.message.clear()
        self._validate()

    def _validate(self) -> None:
        settings, problems = parse_settings(
            self._candidate_document(), str(self.runtime.settings_path)
        )
        self.problems = problems
        self._candidate = None if problems else settings
        self._show_problems(problems)
        self._update_dependants()
        self.reminders.refresh_previews()
        self.ok_button.setEnabled(not problems)
        self.apply_button.setEnabled(not problems and self.is_dirty())

    def problem_label(self, key: str) -> ErrorLabel:
        """The inline label that shows problems with `key` (a dotted key, as in `Problem`)."""
        if match := _REMINDER_KEY.fullmatch(key):
            index = int(match[1])
            if index < len(self.reminders.rows):
                return self.reminders.rows[index].error
            return self._errors["reminders"]
        base = _INDEXES.sub("", key)
        while base:
            if base in self._errors:
                return self._errors[base]
            base = base.rpartition(".")[0]
        return self.general_error

    @staticmethod
    def _problem_text(problem: Problem) -> str:
        allowed = problem.allowed
        for words, plain in _PLAIN_WORDS:
            allowed = allowed.replace(words, plain)
        if match := _REMINDER_KEY.fullmatch(problem.key):
            part = _REMINDER_PARTS.get(match[2] or "", "This reminder")
            return f"{part}: use {allowed}"
        if _INDEX.search(problem.key):
            return f"{problem.value} won't work; use {allowed}"
        return f"Use {allowed}"

    def _show_problems(self, problems: list[Problem]) -> None:
        texts: dict[ErrorLabel, list[str]] = {}
        tips: dict[ErrorLabel, list[str]] = {}
        for problem in problems:
            label = self.problem_label(problem.key)
            texts.setdefault(label, []).append(self._problem_text(problem))
            tips.setdefault(label, []).append(str(problem))
        labels = [*self._errors.values(), self.general_error]
        labels += [row.error for row in self.reminders.rows]
        for label in labels:
            label.show_problem("\n".join(texts.get(label, [])))
            label.setToolTip("\n".join(tips.get(label, [])))
        for index, page in enumerate(self.pages()):
            bad = any(label in texts and page.isAncestorOf(label) for label in labels)
            title = self.tabs.tabText(index).removesuffix(" ⚠")
            self.tabs.setTabText(index, f"{title} ⚠" if bad else title)

    def pages(self) -> list[QWidget]:
        """The tabs' pages, in order."""
        pages = [self.tabs.widget(index) for index in range(self.tabs.count())]
        return [page for page in pages if page is not None]

    def _update_dependants(self) -> None:
        long_on = self.long_enabled.isChecked()
        for key in ("every_minutes", "duration_minutes", "natural_after_minutes"):
            self._fields[f"breaks.long.{key}"].setEnabled(long_on)
        after_on = self.after_enabled.isChecked()
        for key in ("first_nudge_after_minutes", "repeat_every_minutes", "max_nudges"):
            self._fields[f"after_hours.{key}"].setEnabled(after_on)

    # ----- reminders preview ---------------------------------------------------------

    def _preview_zone(self) -> tzinfo:
        name = self._timezone_text()
        if name == self.runtime.settings.timezone:
            return self.runtime.zone()  # honours the zone the runtime was started with
        try:
            return resolve_zone(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return self.runtime.zone()

    def _preview(self, expression: str) -> tuple[str, bool]:
        if not expression.strip():
            return "", False
        return preview_text(expression, self._preview_zone(), self._now())

    # ----- applying ------------------------------------------------------------------

    def _backend(self) -> Autostart:
        if self._autostart is None:
            from respite.platform.autostart import autostart_for

            self._autostart = autostart_for()
        return self._autostart

    def _switch_autostart(self, enabled: bool) -> list[str]:
        """Turn start-at-login on or off; a sentence for the user if that failed."""
        from respite.platform.autostart import launch_command

        try:
            backend = self._backend()
            if enabled:
                backend.enable(launch_command())
            else:
                backend.disable()
        except Exception as error:  # an OS adapter failing must not lose the saved settings
            log.exception("could not change start at login")
            verb = "turn on" if enabled else "turn off"
            return [
                f"Your settings were saved, but Respite could not {verb} start at login: {error}"
            ]
        return []

    def _say(self, text: str, *, error: bool = False) -> None:
        self._message_is_error = error
        self.message.setText(text)
        self.message.setAccessibleDescription(text)
        dark = is_dark()
        set_text_colour(self.message, error_colour(dark) if error else muted_colour(dark))

    # ----- the file changing on disk --------------------------------------------------

    def _applied_on_disk(self, settings: Settings) -> None:
        if self._applying:
            return
        self._changes_on_disk += 1
        if not self.is_dirty():
            self._load(settings)
            self.banner.hide()
            return
        self.banner.show_message(
            "The settings file changed on disk.",
            ("&Reload", self.reset),
            ("&Keep my edits", self._keep_edits),
        )

    def _keep_edits(self) -> None:
        """Keep what was edited here and take everything else from the changed file, so
        that Apply writes these edits into the file as it is now instead of putting back
        what the window was opened with."""
        mine = self._candidate_document()
        before = settings_to_document(self._baseline)
        before.setdefault("calendar", _default_calendar_table())
        untouched = [part for part in self._parts() if _part(mine, part) == _part(before, part)]
        changed = self.runtime.settings
        self._baseline = changed  # what Apply now changes is the file as it is
        self._loaded_entries += (*changed.calendars, *changed.hooks)
        self._show(changed, untouched)
        self._validate()

    def _rejected_on_disk(self, messages: list[str]) -> None:
        if self._applying:
            self._rejected_while_applying += messages
            return
        self._changes_on_disk += 1
        self._show_rejected(messages, saved=False)

    def _show_rejected(self, messages: list[str], *, saved: bool) -> None:
        prefix = f"{self.runtime.settings_path}: "
        lines = "\n".join(f"• {message.removeprefix(prefix)}" for message in messages)
        if saved:
            intro = (
                "Your changes were saved, but the settings file also holds lines Respite "
                "can't use, so it is still running with its previous settings. Fix or "
                "remove these lines in the file:"
            )
        else:
            intro = (
                "The settings file changed on disk, but Respite can't use it, so it kept "
                "the settings it had:"
            )
        self.banner.show_message(f"{intro}\n{lines}", ("&Dismiss", lambda: None))

    def _restyle(self) -> None:
        for widget in self.findChildren(QWidget):
            restyle = getattr(widget, "restyle", None)
            if callable(restyle):
                restyle()
        if self.message.text():
            self._say(self.message.text(), error=self._message_is_error)
