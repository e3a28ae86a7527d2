"""The settings window's calendars and hooks: a list of each with Add, Edit and Remove,
and a dialog for one entry.

The dialogs keep no rules of their own. An entry is checked by `parse_settings` beside
the entries already listed, exactly as the file would be, and each problem is shown
under the field that owns its key. A private address or token typed into a dialog is
never part of the document: it waits in the list (`pending_secrets`) until the window
applies, and then goes to the system keyring through `respite.storage.secrets`. The
settings file only names it (`secret = "calendar-work"`).
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from respite.core.settings import HOOK_EVENTS, CalendarSource, Hook, Settings
from respite.core.settings_parse import LIMITS, parse_settings, settings_to_document, url_problem
from respite.qt import emit
from respite.ui.settings_widgets import (
    ErrorLabel,
    HintLabel,
    error_colour,
    int_field,
    is_dark,
    line_field,
    set_text_colour,
    with_error,
)

__all__ = [
    "EVENT_LABELS",
    "CalendarDialog",
    "Entry",
    "EntryDialog",
    "EntryList",
    "HookDialog",
    "SecretField",
    "calendars_list",
    "choose_calendar_file",
    "event_label",
    "hooks_list",
    "secret_name_for",
    "secret_names",
]

Value = CalendarSource | Hook

# What each boundary event is called in the window, and when it fires.
EVENT_LABELS: Mapping[str, tuple[str, str]] = {
    "start_of_day": ("Start of day", "When the day's first work window begins"),
    "wind_down": ("Wind-down", "With the wind-down nudge before the end of the day"),
    "end_of_day": ("End of day", "With the end-of-day nudge"),
    "done_for_today": ("Done for today", "When you say you're done for today"),
    "break_start": ("Break starts", "When you start a break"),
    "break_end": ("Break ends", "When a break is over"),
    "pause": ("Pause", "When you pause Respite"),
    "resume": ("Resume", "When you resume Respite"),
}


def event_label(event: str) -> str:
    return EVENT_LABELS.get(event, (event.replace("_", " ").capitalize(), ""))[0]


@dataclass(frozen=True)
class Entry:
    """One listed calendar or hook, with the secrets typed for it and not stored yet
    (keyring name -> value)."""

    value: Value
    secrets: Mapping[str, str] = field(default_factory=dict)


def table_of(key: str, value: Value) -> dict[str, Any]:
    """`value` as its [[calendars]] or [[hooks]] table in the file."""
    table: dict[str, Any] = settings_to_document(Settings(**{key: (value,)}))[key][0]
    return table


def secret_names(value: Value) -> list[str]:
    """The keyring names an entry uses."""
    if isinstance(value, CalendarSource):
        return [value.secret] if value.secret else []
    return [name for name in (value.url_secret, value.token_secret) if name]


def secret_name_for(kind: str, name: str, taken: Collection[str], what: str = "") -> str:
    """A keyring name made from an entry's name ("calendar-work", "hook-team-token") that
    no other entry uses."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-")
    base = "-".join(part for part in (kind, slug, what) if part)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def keyring_problem() -> str | None:
    """Why no secret can be stored now (with what to install or unlock), or None."""
    from respite.storage import secrets

    try:
        secrets.check_available()
    except secrets.SecretError as error:
        return str(error)
    return None


def _stored(name: str) -> bool | None:
    """Whether the keyring holds a secret called `name`; None when that can't be told."""
    from respite.storage import secrets

    try:
        return secrets.get_secret(name) is not None
    except secrets.SecretError:
        return None


def choose_calendar_file(parent: QWidget, start: str) -> str:
    """Ask for a local .ics file; "" when the user cancels. Tests replace this."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, "Choose a calendar file", start, "iCalendar files (*.ics);;All files (*)"
    )
    return chosen


def _home_relative(path: str) -> str:
    """A path under the home folder as "~/…", as the settings file examples write it."""
    try:
        inside = Path(path).relative_to(Path.home())
    except ValueError:
        return path
    return f"~/{inside.as_posix()}"


# --------------------------------------------------------------------------- secrets


class SecretField:
    """A private value for the keyring: a password field and the name of its keyring
    entry, which follows the entry's name until the user edits it.

    With no usable keyring the password field is off (the dialog says why); the name can
    still be set, for a secret stored later with `respite secret set`.
    """

    def __init__(
        self,
        what: str,
        parts: tuple[str, str],
        *,
        address: bool,
        kind: str,
        suffix: str,
        taken: Collection[str],
        name: str,
        typed: str,
        unavailable: str | None,
    ) -> None:
        self.what, self.address = what, address
        self.value_part, self.name_part = parts  # where their problems are shown
        self._kind, self._suffix, self._taken = kind, suffix, taken
        self.value = line_field(
            what.capitalize(),
            f"The {what} goes to the system keyring when you save, never into the "
            "settings file, and is never shown again.",
        )
        self.value.setEchoMode(QLineEdit.EchoMode.Password)
        self.value.setText(typed)
        self.name = line_field(
            f"Keyring name for the {what}",
            f"The name the settings file uses for the {what}. Store or replace it from "
            "a terminal with: respite secret set NAME",
        )
        self.name.setText(name)
        self.name.textEdited.connect(self._named_by_hand)
        self._follow = not name
        self._original = name
        self.unavailable = unavailable
        if unavailable is not None:
            self.value.setEnabled(False)
            self.value.clear()
            self.value.setPlaceholderText("The system keyring is not available: see below")
        elif name and not typed:
            self.value.setPlaceholderText(f"Kept in the keyring; type a new {what} to replace it")
        else:
            self.value.setPlaceholderText("https://…" if address else f"the {what}")

    def _named_by_hand(self, _text: str) -> None:
        self._follow = False

    def follow(self, entry_name: str) -> None:
        """Name the keyring entry after the entry, unless the user chose a name."""
        if self._follow:
            self.name.setText(secret_name_for(self._kind, entry_name, self._taken, self._suffix))

    def secret_name(self) -> str:
        return self.name.text().strip()

    def typed(self) -> str:
        return self.value.text().strip() if self.value.isEnabled() else ""

    def problems(self, pending: Collection[str]) -> dict[str, str]:
        """What is wrong, by part. Nothing typed is only wrong for a name the entry did
        not have, when the keyring says it holds nothing by that name (nor will, from a
        value typed for another entry: `pending`)."""
        name = self.secret_name()
        if not name:
            return {self.name_part: "Give the keyring entry a name."}
        part = self.value_part
        typed = self.typed()
        if typed:
            problem = url_problem(typed) if self.address else None
            if problem is not None:  # its example is a webhook's: say the rule alone
                problem = re.sub(r',? e\.g\. "[^"]*"', "", problem)
            return {part: f"Use {problem}"} if problem else {}
        if self.unavailable or name == self._original or name in pending:
            return {}
        if _stored(name) is not False:
            return {}
        return {part: f"Type the {self.what}: the keyring holds nothing called {name!r} yet."}


# --------------------------------------------------------------------------- one entry


class EntryDialog(QDialog):
    """Add or edit one [[calendars]] or [[hooks]] table; OK keeps it only when the file
    would accept it, and says under each field what is wrong otherwise."""

    key = ""  # "calendars" or "hooks"
    noun = ""  # "calendar" or "hook"
    whole_problem = ""  # said when the table as a whole can't be used
    name_tooltip = ""
    name_example = ""

    def __init__(
        self, entry: Entry | None, others: Sequence[Entry], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.original = entry
        self.others = list(others)
        self.entry: Entry | None = None  # what OK gave
        self.keyring_problem = keyring_problem()
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, ErrorLabel] = {}
        self.secret_fields: list[SecretField] = []
        title = f"Edit {self.noun}" if entry else f"Add a {self.noun}"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setVerticalSpacing(8)
        layout.addLayout(self.form)
        # Why the password fields are off: the keyring module's own advice, once.
        self.keyring_notice = ErrorLabel("the system keyring")
        self.keyring_notice.setAccessibleName("The system keyring is not available")
        if self.keyring_problem is not None:
            self.keyring_notice.setText(
                f"{self.keyring_problem} You can still name the keyring entries here and "
                "store the secrets later with: respite secret set NAME"
            )
        layout.addWidget(self.keyring_notice)
        self.general_error = ErrorLabel(f"this {self.noun}")
        layout.addWidget(self.general_error)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setAccessibleName(f"OK: keep this {self.noun}")
        self.cancel_button.setAccessibleName("Cancel: forget these changes")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)
        self.name = line_field(f"{self.noun.capitalize()} name", self.name_tooltip)
        self.name.setPlaceholderText(self.name_example)
        self.name.setText(entry.value.name if entry else "")
        self.add_row("&Name:", self.name, "name")

    # ----- for the subclasses ------------------------------------------------------------

    def add_row(self, label: str, widget: QWidget, part: str = "") -> QWidget:
        """A labelled field; `part` names its key in the table, for its problems."""
        error = ErrorLabel(label.replace("&", "").rstrip(":"))
        cell = with_error(widget, error, below=True)
        if part:
            self.fields[part], self.errors[part] = widget, error
        caption = QLabel(label)
        caption.setBuddy(widget)
        caption.setToolTip(widget.toolTip())
        self.form.addRow(caption, cell)
        return cell

    def add_secret(
        self, what: str, label: str, parts: tuple[str, str], *, suffix: str, name: str
    ) -> SecretField:
        """A password field and its keyring name, named after the entry (`self.name`)."""
        typed = self.original.secrets.get(name, "") if self.original and name else ""
        secret = SecretField(
            what,
            parts,
            address="address" in what,
            kind=self.noun,
            suffix=suffix,
            taken=self.taken_names(),
            name=name,
            typed=typed,
            unavailable=self.keyring_problem,
        )
        self.add_row(label, secret.value, parts[0])
        self.add_row("Keyring name:", secret.name, parts[1])
        self.name.textChanged.connect(secret.follow)
        self.secret_fields.append(secret)
        return secret

    def in_use(self, secret: SecretField) -> bool:
        """Whether the entry, as the fields are now, uses `secret`."""
        raise NotImplementedError

    def show_secrets(self) -> None:
        """Show the rows of the secrets in use, each named after the entry if unnamed."""
        any_used = False
        for secret in self.secret_fields:
            used = self.in_use(secret)
            any_used = any_used or used
            self.set_row_visible(secret.value, used)
            self.set_row_visible(secret.name, used)
            if used and not secret.secret_name():
                secret.follow(self.name.text().strip())
        self.keyring_notice.setVisible(any_used and self.keyring_problem is not None)
        self.adjustSize()

    def secret_problems(self) -> dict[str, str]:
        pending = {name for other in self.others for name in other.secrets}
        problems: dict[str, str] = {}
        for secret in self.secret_fields:
            if self.in_use(secret):
                problems |= secret.problems(pending)
        return problems

    def set_row_visible(self, widget: QWidget, visible: bool) -> None:
        self.form.setRowVisible(widget.parentWidget() or widget, visible)

    def table(self) -> dict[str, Any]:
        """The entry as the settings file would hold it (maybe not a usable one)."""
        raise NotImplementedError

    def own_problems(self) -> dict[str, str]:
        """What the dialog can say in its own words (a part of the table -> text)."""
        return {}

    def typed_secrets(self) -> dict[str, str]:
        """Keyring name -> the value typed for it, for the secrets in use."""
        return {
            secret.secret_name(): secret.typed()
            for secret in self.secret_fields
            if self.in_use(secret) and secret.typed()
        }

    def taken_names(self) -> set[str]:
        return {name for other in self.others for name in secret_names(other.value)}

    # ----- checking ----------------------------------------------------------------------

    def check(self) -> Entry | None:
        """The entry, or None with every problem shown beside its field."""
        others = [table_of(self.key, other.value) for other in self.others]
        settings, problems = parse_settings({self.key: [*others, self.table()]}, "")
        prefix = f"{self.key}[{len(others)}]"
        own = self.own_problems()
        texts: dict[str, list[str]] = {}
        for problem in problems:
            if problem.key != prefix and not problem.key.startswith(f"{prefix}."):
                continue
            part = problem.key[len(prefix) + 1 :]
            if part in own or (not part and own):
                continue  # the dialog says it in its own words
            text = f"Use {problem.allowed}" if part else self.whole_problem
            texts.setdefault(part, []).append(text)
        for part, text in own.items():
            texts.setdefault(part, []).append(text)
        for part, label in self.errors.items():
            label.show_problem("\n".join(texts.get(part, [])))
        rest = [text for part, lines in texts.items() if part not in self.errors for text in lines]
        self.general_error.show_problem("\n".join(rest))
        self.adjustSize()  # room for the problems
        if texts:
            first = next((self.fields[p] for p in self.fields if p in texts), None)
            if first is not None:
                first.setFocus()
            return None
        values: tuple[Value, ...] = getattr(settings, self.key)
        return Entry(values[-1], self.typed_secrets())

    def try_accept(self) -> None:
        entry = self.check()
        if entry is not None:
            self.entry = entry
            self.accept()


class CalendarDialog(EntryDialog):
    """A calendar: its name and a local .ics file or a web address kept in the keyring."""

    key = "calendars"
    noun = "calendar"
    whole_problem = "Choose a file or a web address for this calendar."
    name_tooltip = (
        "Shown in Respite's notes about this calendar; 1 to 60 characters, different for "
        "each calendar."
    )
    name_example = "e.g. Work"

    def __init__(
        self, entry: Entry | None, others: Sequence[Entry], parent: QWidget | None = None
    ) -> None:
        super().__init__(entry, others, parent)
        source = entry.value if entry else CalendarSource(name="")
        assert isinstance(source, CalendarSource)
        choices = QWidget()
        choice_layout = QVBoxLayout(choices)
        choice_layout.setContentsMargins(0, 0, 0, 0)
        self.file_choice = QRadioButton("A .ics &file on this computer")
        self.web_choice = QRadioButton("A &web address, kept private in the system keyring")
        self.file_choice.setAccessibleName("The calendar is a file on this computer")
        self.web_choice.setAccessibleName("The calendar is a web address kept in the keyring")
        self.web_choice.setToolTip(
            "A calendar's web address (its https://… link) is a password in all but name: "
            "it goes to the system keyring, never into the settings file."
        )
        group = QButtonGroup(self)
        group.addButton(self.file_choice)
        group.addButton(self.web_choice)
        choice_layout.addWidget(self.file_choice)
        choice_layout.addWidget(self.web_choice)
        self.add_row("Source:", choices)

        path_row = QWidget()
        path_layout = QHBoxLayout(path_row)
        path_layout.setContentsMargins(0, 0, 0, 0)
        self.path = line_field(
            "Calendar file",
            "A local iCalendar (.ics) file; Respite reads it again when it changes.",
            "e.g. ~/calendar.ics",
        )
        self.path.setText(source.path)
        self.browse = QPushButton("&Browse…")
        self.browse.setAccessibleName("Browse for the calendar file")
        self.browse.setToolTip("Choose the .ics file")
        self.browse.clicked.connect(self.choose_file)
        path_layout.addWidget(self.path, 1)
        path_layout.addWidget(self.browse)
        self.add_row("Fi&le:", path_row, "path")
        self.fields["path"] = self.path
        self.path_row = path_row

        self.address = self.add_secret(
            "address", "&Address:", ("address", "secret"), suffix="", name=source.secret
        )
        web = bool(source.secret)
        self.web_choice.setChecked(web)
        self.file_choice.setChecked(not web)
        self.web_choice.toggled.connect(self._show_source)
        self._show_source()
        self.name.setFocus()

    def in_use(self, secret: SecretField) -> bool:
        return self.web_choice.isChecked()

    def _show_source(self) -> None:
        self.set_row_visible(self.path_row, not self.web_choice.isChecked())
        self.show_secrets()

    def choose_file(self) -> None:
        current = self.path.text().strip()
        start = str(Path(current).expanduser().parent) if current else str(Path.home())
        chosen = choose_calendar_file(self, start)
        if chosen:
            self.path.setText(_home_relative(chosen))
            if not self.name.text().strip():
                self.name.setText(Path(chosen).stem)

    def table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"name": self.name.text().strip()}
        if self.web_choice.isChecked():
            table["secret"] = self.address.secret_name()
        else:
            table["path"] = self.path.text().strip()
        return table

    def own_problems(self) -> dict[str, str]:
        if not self.web_choice.isChecked() and not self.path.text().strip():
            return {"path": "Choose the calendar's .ics file."}
        return self.secret_problems()


class HookDialog(EntryDialog):
    """A hook: the events it fires on, a webhook and/or a command, a timeout, a token."""

    key = "hooks"
    noun = "hook"
    whole_problem = "Give the hook a webhook address or a command to run."
    name_tooltip = "Shown in the log and with the hook's last result; 1 to 60 characters."
    name_example = "e.g. Team status"
    NO_WEBHOOK, IN_FILE, PRIVATE = "none", "url", "url_secret"

    def __init__(
        self,
        entry: Entry | None,
        others: Sequence[Entry],
        parent: QWidget | None = None,
        *,
        last_run: str = "",
    ) -> None:
        super().__init__(entry, others, parent)
        hook = entry.value if entry else Hook(name="", on=())
        assert isinstance(hook, Hook)
        events = QWidget()
        grid = QGridLayout(events)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        self.events: dict[str, QCheckBox] = {}
        for index, event in enumerate(HOOK_EVENTS):
            label, when = EVENT_LABELS.get(event, (event_label(event), ""))
            box = QCheckBox(label)
            box.setAccessibleName(f"Fire on {label.lower()}")
            box.setToolTip(f"{when} ({event} in the settings file)".lstrip())
            box.setChecked(event in hook.on)
            self.events[event] = box
            grid.addWidget(box, index // 2, index % 2)
        self.add_row("Fires &on:", events, "on")
        self.fields["on"] = next(iter(self.events.values()))

        self.webhook = QComboBox()
        self.webhook.addItem("No webhook", self.NO_WEBHOOK)
        self.webhook.addItem("An address written in the settings file", self.IN_FILE)
        self.webhook.addItem("A private address kept in the system keyring", self.PRIVATE)
        self.webhook.setAccessibleName("Webhook")
        self.webhook.setToolTip(
            "Respite POSTs a small JSON note to the webhook on each event. Keep the address "
            "in the keyring when it holds a token of its own."
        )
        mode = self.PRIVATE if hook.url_secret else self.IN_FILE if hook.url else self.NO_WEBHOOK
        self.webhook.setCurrentIndex(self.webhook.findData(mode))
        self.add_row("&Webhook:", self.webhook)
        self.url = line_field(
            "Webhook address",
            "An https:// address (plain http:// only for 127.0.0.1 and localhost).",
            "https://hooks.example.org/respite",
        )
        self.url.setText(hook.url)
        self.add_row("&Address:", self.url, "url")
        self.private_url = self.add_secret(
            "private address",
            "&Private address:",
            ("url_value", "url_secret"),
            suffix="url",
            name=hook.url_secret,
        )

        self.command = line_field(
            "Command",
            "A program and its arguments, run without a shell, with the event in "
            "RESPITE_EVENT. Quote an argument that has spaces.",
            'e.g. notify-send "Respite"',
        )
        self.command.setText(shlex.join(hook.command))
        self.add_row("&Command:", self.command, "command")

        limit = LIMITS["hooks[].timeout_seconds"]
        self.timeout = int_field(
            "Timeout",
            "How long the webhook or the command may take before it counts as failed.",
            limit.low,
            limit.high,
            suffix=" s",
        )
        self.timeout.setValue(hook.timeout_seconds)
        self.timeout.setMaximumWidth(120)
        self.add_row("&Timeout:", self.timeout, "timeout_seconds")

        self.token_on = QCheckBox("Send a &bearer token from the keyring")
        self.token_on.setAccessibleName("Send a bearer token from the keyring")
        self.token_on.setToolTip("Sent to the webhook as Authorization: Bearer …")
        self.token_on.setChecked(bool(hook.token_secret))
        self.form.addRow("", self.token_on)
        self.token = self.add_secret(
            "token",
            "To&ken:",
            ("token_value", "token_secret"),
            suffix="token",
            name=hook.token_secret,
        )

        self.last_run = HintLabel(last_run or "Not run yet.")
        self.last_run.setAccessibleName("Last run")
        self.last_run.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if last_run.startswith("⚠"):
            set_text_colour(self.last_run, error_colour(is_dark()))
        self.form.addRow("Last run:", self.last_run)

        self.webhook.currentIndexChanged.connect(self._show_parts)
        self.token_on.toggled.connect(self._show_parts)
        self._show_parts()
        self.name.setFocus()

    def in_use(self, secret: SecretField) -> bool:
        if secret is self.token:
            return self.token_on.isChecked()
        return bool(self.webhook.currentData() == self.PRIVATE)

    def _show_parts(self) -> None:
        self.set_row_visible(self.url, self.webhook.currentData() == self.IN_FILE)
        self.show_secrets()

    def _command(self) -> list[str] | str:
        """The argument list, or why the line can't be split into one."""
        try:
            return shlex.split(self.command.text())
        except ValueError as error:
            return f"Can't read this command ({str(error).lower()}): check its quotes."

    def table(self) -> dict[str, Any]:
        table: dict[str, Any] = {
            "name": self.name.text().strip(),
            "on": [event for event, box in self.events.items() if box.isChecked()],
        }
        mode = self.webhook.currentData()
        if mode == self.IN_FILE:
            table["url"] = self.url.text().strip()
        elif mode == self.PRIVATE:
            table["url_secret"] = self.private_url.secret_name()
        if self.token_on.isChecked():
            table["token_secret"] = self.token.secret_name()
        command = self._command()
        if isinstance(command, list) and command:
            table["command"] = command
        table["timeout_seconds"] = self.timeout.value()
        return table

    def own_problems(self) -> dict[str, str]:
        own: dict[str, str] = {}
        if not any(box.isChecked() for box in self.events.values()):
            own["on"] = "Tick at least one event."
        mode = self.webhook.currentData()
        if mode == self.IN_FILE and not self.url.text().strip():
            own["url"] = "Type the webhook's address (https://…)."
        command = self._command()
        if isinstance(command, str):
            own["command"] = command
        return own | self.secret_problems()


# --------------------------------------------------------------------------- the lists


class EntryList(QWidget):
    """Calendars or hooks as a list with Add, Edit and Remove; Enter or a double click
    edits the selected entry and Delete removes it. Nothing is saved until the window
    applies: the list only says `changed`."""

    changed = Signal()

    def __init__(
        self,
        plural: str,
        columns: Sequence[str],
        describe: Callable[[Entry], list[str]],
        make_dialog: Callable[[Entry | None, list[Entry], QWidget], EntryDialog],
        *,
        buttons: tuple[str, str, str],
        empty: str,
    ) -> None:
        super().__init__()
        self.plural = plural
        self._describe = describe
        self._make_dialog = make_dialog
        self.entries: list[Entry] = []
        self.dialog: EntryDialog | None = None
        self.setAccessibleName(plural.capitalize())
        noun = plural.removesuffix("s")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(columns))
        self.tree.setHeaderLabels(list(columns))
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAccessibleName(plural.capitalize())
        # Long texts are cut short (each has its full text as a tooltip), never scrolled.
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setToolTip(f"Enter or a double click edits a {noun}; Delete removes it.")
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.tree.itemDoubleClicked.connect(lambda *_: self.edit())
        self.tree.itemSelectionChanged.connect(self._sync)
        self.tree.installEventFilter(self)
        self.empty = HintLabel(empty)
        self.error = ErrorLabel(plural)
        layout.addWidget(self.tree)
        layout.addWidget(self.empty)
        layout.addWidget(self.error)

        row = QHBoxLayout()
        add, edit, remove = buttons
        self.add_button = QPushButton(add)
        self.edit_button = QPushButton(edit)
        self.remove_button = QPushButton(remove)
        for button, name, slot in (
            (self.add_button, f"Add a {noun}", self.add),
            (self.edit_button, f"Edit the selected {noun}", self.edit),
            (self.remove_button, f"Remove the selected {noun}", self.remove),
        ):
            button.setAccessibleName(name)
            button.setToolTip(name)
            button.clicked.connect(lambda _checked=False, act=slot: act())
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self._refresh()

    # ----- reading and writing ---------------------------------------------------------

    def values(self) -> list[Value]:
        return [entry.value for entry in self.entries]

    def pending_secrets(self) -> dict[str, str]:
        """Keyring name -> value, for every secret typed here and not stored yet."""
        return {name: value for entry in self.entries for name, value in entry.secrets.items()}

    def set_values(self, values: Sequence[Value]) -> None:
        """Show `values` with nothing pending (as loaded); says nothing. An open dialog
        is closed: it edits an entry that is no longer there."""
        if self.dialog is not None:
            self.dialog.reject()
        self.entries = [Entry(value) for value in values]
        self._refresh()

    def refresh(self) -> None:
        """Describe each entry again (a calendar's problem, a hook's last run)."""
        self._refresh(self._selected())

    # ----- the buttons -----------------------------------------------------------------

    def add(self) -> EntryDialog:
        return self._open(None)

    def edit(self, index: int | None = None) -> EntryDialog | None:
        index = self._selected() if index is None else index
        return None if index is None else self._open(index)

    def remove(self, index: int | None = None) -> None:
        index = self._selected() if index is None else index
        if index is None:
            return
        del self.entries[index]
        self._refresh(min(index, len(self.entries) - 1) if self.entries else None)
        (self.tree if self.entries else self.add_button).setFocus()
        emit(self.changed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        """Enter edits and Delete removes the selected entry. Enter is taken here, or
        the settings window would also see it and press its OK button."""
        if watched is self.tree and isinstance(event, QKeyEvent):
            keys = {Qt.Key.Key_Return: self.edit, Qt.Key.Key_Enter: self.edit}
            keys[Qt.Key.Key_Delete] = self.remove
            action = keys.get(Qt.Key(event.key()))
            plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            if action is not None and plain == Qt.KeyboardModifier.NoModifier:
                if event.type() == QEvent.Type.KeyPress:
                    action()
                return True
        return super().eventFilter(watched, event)

    # ----- internals -------------------------------------------------------------------

    def _open(self, index: int | None) -> EntryDialog:
        if self.dialog is not None:
            self.dialog.reject()
        entry = None if index is None else self.entries[index]
        others = [other for i, other in enumerate(self.entries) if i != index]
        dialog = self._make_dialog(entry, others, self.window())
        dialog.accepted.connect(lambda: self._accepted(dialog, index))
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        dialog.open()  # window-modal; the settings window waits, nothing blocks
        return dialog

    def _accepted(self, dialog: EntryDialog, index: int | None) -> None:
        entry = dialog.entry
        if entry is None:
            return
        if index is None:
            self.entries.append(entry)
            index = len(self.entries) - 1
        else:
            self.entries[index] = entry
        self._refresh(index)
        self.tree.setFocus()
        emit(self.changed)

    def _closed(self, dialog: EntryDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _selected(self) -> int | None:
        item = self.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        return self.tree.indexOfTopLevelItem(item)

    def _refresh(self, select: int | None = None) -> None:
        self.tree.clear()
        colour = error_colour(is_dark())
        row_height = self.fontMetrics().height() + 10
        for entry in self.entries:
            texts = self._describe(entry)
            item = QTreeWidgetItem(texts)
            item.setSizeHint(len(texts) - 1, QSize(0, row_height))  # the stretched column
            for column, text in enumerate(texts):
                item.setToolTip(column, text)
                if text.startswith("⚠"):
                    item.setForeground(column, colour)
            self.tree.addTopLevelItem(item)
        for column in range(self.tree.columnCount() - 1):
            self.tree.resizeColumnToContents(column)
            self.tree.setColumnWidth(column, min(self.tree.columnWidth(column) + 16, 230))
        if select is not None and 0 <= select < len(self.entries):
            self.tree.setCurrentItem(self.tree.topLevelItem(select))
        rows = max(1, min(len(self.entries), 6))
        frame = self.tree.frameWidth() * 2
        self.tree.setFixedHeight(self.tree.header().sizeHint().height() + rows * row_height + frame)
        self.tree.setVisible(bool(self.entries))
        self.empty.setVisible(not self.entries)
        self._sync()

    def _sync(self) -> None:
        chosen = self._selected() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def restyle(self) -> None:
        self._refresh(self._selected())


# --------------------------------------------------------------------------- the two lists


def calendars_list(status: Callable[[], Mapping[str, str]]) -> EntryList:
    """The calendars; `status` gives each calendar's latest problem by name."""

    def describe(entry: Entry) -> list[str]:
        source = entry.value
        assert isinstance(source, CalendarSource)
        where = source.path or f"Web (keyring: {source.secret})"
        problem = status().get(source.name)
        if entry.secrets:
            note = "New address: stored when you save"
        else:
            note = f"⚠ {problem}" if problem else ""
        return [source.name, where, note]

    def dialog(entry: Entry | None, others: list[Entry], parent: QWidget) -> EntryDialog:
        return CalendarDialog(entry, others, parent)

    return EntryList(
        "calendars",
        ("Name", "Source", "Status"),
        describe,
        dialog,
        buttons=("Add &calendar…", "Edi&t…", "Remo&ve"),
        empty="No calendars yet. Add one to hold break nudges during meetings.",
    )


def hooks_list(last_runs: Callable[[], Mapping[str, str]]) -> EntryList:
    """The hooks; `last_runs` gives each hook's last result in words, by name."""

    def describe(entry: Entry) -> list[str]:
        hook = entry.value
        assert isinstance(hook, Hook)
        actions = []
        if hook.url or hook.url_secret:
            webhook = "Webhook" if hook.url else "Private webhook"
            actions.append(f"{webhook} with a token" if hook.token_secret else webhook)
        if hook.command:
            actions.append(f"Run {shlex.join(hook.command)}")
        events = ", ".join(event_label(event) for event in hook.on)
        return [hook.name, events, "; ".join(actions), last_runs().get(hook.name, "Not run yet")]

    def dialog(entry: Entry | None, others: list[Entry], parent: QWidget) -> EntryDialog:
        last = last_runs().get(entry.value.name, "") if entry else ""
        return HookDialog(entry, others, parent, last_run=last)

    return EntryList(
        "hooks",
        ("Name", "Fires on", "Does", "Last run"),
        describe,
        dialog,
        buttons=("Add hoo&k…", "E&dit…", "Re&move"),
        empty="No hooks yet. A hook can tell another tool when your day or a break "
        "starts and ends.",
    )
