"""The settings window adds, edits and removes calendars and hooks: through the lists and
their dialogs, validated as the file is, saved keeping the user's comments, with private
addresses and tokens in the keyring and never in the settings file."""

from __future__ import annotations

import gc
import json
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.errors import KeyringLocked
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from respite.core.settings import CalendarSource
from respite.runtime import Runtime
from respite.storage import secrets
from respite.storage.settings_save import SettingsWriteError
from respite.ui import settings_integrations
from respite.ui import settings_window as settings_window_module
from respite.ui.settings_integrations import CalendarDialog, EntryDialog, EntryList, HookDialog
from respite.ui.settings_window import SettingsWindow
from tests.gui import test_settings_window as window_tests
from tests.gui.test_settings_window import click, on_disk, set_value, write_externally
from tests.gui.test_shell import deleted
from tests.loopback import Loopback, Route, loopback_server  # noqa: F401  (the loopback fixture)
from tests.unit import test_secrets
from tests.unit.test_secrets import LockedKeyring, MemoryKeyring

HAND_WRITTEN = """\
# Integrations, set up by hand.
why = "Evenings are for the garden."  # keep this

[calendar]
days_off_words = ["Holiday"]  # only this one

# The work calendar's address is in the keyring.
[[calendars]]
name = "Work"  # from the office
secret = "calendar-work"

[[calendars]]
name = "Family"
path = "~/family.ics"  # shared with Sam

# Hooks below.
[[hooks]]
name = "Team status"  # tells the team
on = ["start_of_day", "end_of_day"]
url = "https://hooks.example.org/respite"
token_secret = "status-token"

[interface]
sound = false  # quiet
"""

COMMENTS = (
    "# Integrations, set up by hand.",
    "# keep this",
    "# only this one",
    "# The work calendar's address is in the keyring.",
    "# from the office",
    "# shared with Sam",
    "# Hooks below.",
    "# tells the team",
    "# quiet",
)
TOKEN = "tok-5e6f7a8b9c0d"
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART:20261123T093000Z\r\nDTEND:20261123T100000Z\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture(autouse=True)
def no_cycle_collector_on_threads() -> Iterator[None]:
    # Calendar fetches and hooks run on worker threads: keep the cycle collector off
    # them (QObjects must die on the GUI thread), as tests/loopback.py explains.
    gc.collect()
    gc.disable()
    yield
    gc.enable()


# Fixtures shared with the keyring's and the settings window's own tests; the runtime
# starts from HAND_WRITTEN here.
keyring_in_memory = test_secrets.memory_keyring
keyring_missing = test_secrets.no_keyring
clock = window_tests.clock
settings_path = window_tests.settings_path
started_runtime = window_tests.runtime
autostart = window_tests.autostart
make_window = window_tests.make_window
window = window_tests.window


@pytest.fixture
def runtime(started_runtime: Runtime) -> Iterator[Runtime]:
    write_externally(started_runtime, HAND_WRITTEN)
    yield started_runtime
    for workers in (started_runtime.calendar_sync, started_runtime.hooks):
        if workers is not None:
            workers.wait(10)


def page_of(window: SettingsWindow, widget: QWidget) -> QWidget:
    return next(page for page in window.pages() if page.isAncestorOf(widget))


def file_text(runtime: Runtime) -> str:
    return runtime.settings_path.read_text(encoding="utf-8")


def file_document(runtime: Runtime) -> dict[str, Any]:
    return tomllib.loads(file_text(runtime))


def type_into(qtbot: Any, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    edit.del_()
    qtbot.keyClicks(edit, text)


def open_add(qtbot: Any, editor: EntryList) -> Any:
    click(qtbot, editor.add_button)
    dialog = editor.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def open_edit(qtbot: Any, editor: EntryList, row: int) -> Any:
    """Select a row and press Enter on it, as a keyboard user would."""
    editor.tree.setFocus()
    editor.tree.setCurrentItem(editor.tree.topLevelItem(row))
    qtbot.keyClick(editor.tree, Qt.Key.Key_Return)
    dialog = editor.dialog
    assert dialog is not None and dialog.isVisible()
    assert editor.window().isVisible()  # Enter was the list's, not the window's OK
    return dialog


def tick(qtbot: Any, box: QAbstractButton) -> None:
    """Toggle a check box from the keyboard."""
    assert box.isEnabled() and box.isVisibleTo(box.window()), box.text()
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def ok(qtbot: Any, dialog: EntryDialog) -> None:
    click(qtbot, dialog.ok_button)
    assert not dialog.isVisible(), [label.text() for label in dialog.errors.values()]


def secret_values_nowhere(tmp_path: Path, *values: str) -> None:
    """No file Respite wrote anywhere under the test's folders holds any of `values`."""
    for path in tmp_path.rglob("*"):
        try:
            data = path.read_bytes() if path.is_file() else b""
        except FileNotFoundError:  # a calendar cache's temp file, renamed meanwhile
            continue
        for value in values:
            assert value.encode() not in data, path


# --------------------------------------------------------------------------- calendars


def test_the_lists_show_the_file(window: SettingsWindow) -> None:
    calendars = window.calendars.tree
    assert calendars.topLevelItemCount() == 2
    assert calendars.topLevelItem(0).text(0) == "Work"
    assert "calendar-work" in calendars.topLevelItem(0).text(1)
    assert calendars.topLevelItem(1).text(1) == "~/family.ics"
    hooks = window.hooks.tree
    assert hooks.topLevelItem(0).text(0) == "Team status"
    assert hooks.topLevelItem(0).text(1) == "Start of day, End of day"
    assert hooks.topLevelItem(0).text(2) == "Webhook with a token"
    assert hooks.topLevelItem(0).text(3) == "Not run yet"
    assert not window.is_dirty()


def test_adding_a_calendar_file_keeps_every_comment(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> None:
    chosen = isolated_environment / "calendars" / "club.ics"
    asked: list[str] = []

    def choose(parent: QWidget, start: str) -> str:
        asked.append(start)
        return str(chosen)

    monkeypatch.setattr(settings_integrations, "choose_calendar_file", choose)
    dialog = open_add(qtbot, window.calendars)
    assert isinstance(dialog, CalendarDialog)
    assert dialog.file_choice.isChecked()  # a file is the default source
    click(qtbot, dialog.browse)
    assert asked == [str(isolated_environment)]
    assert dialog.path.text() == "~/calendars/club.ics"  # under home: written with ~
    assert dialog.name.text() == "club"  # named after the file while it had no name
    type_into(qtbot, dialog.name, "Running club")
    ok(qtbot, dialog)
    assert window.calendars.tree.topLevelItemCount() == 3
    assert runtime.settings_path.read_text(encoding="utf-8") == HAND_WRITTEN  # not yet

    click(qtbot, window.apply_button)

    text = file_text(runtime)
    for comment in COMMENTS:
        assert comment in text
    assert file_document(runtime)["calendars"][2] == {
        "name": "Running club",
        "path": "~/calendars/club.ics",
    }
    assert on_disk(runtime).calendars[2] == CalendarSource("Running club", "~/calendars/club.ics")
    assert runtime.settings.calendars == on_disk(runtime).calendars
    assert "Saved" in window.message.text()


def test_editing_a_calendar_changes_only_its_line(
    qtbot: Any, window: SettingsWindow, runtime: Runtime
) -> None:
    dialog = open_edit(qtbot, window.calendars, 1)
    assert dialog.windowTitle() == "Edit calendar"
    assert dialog.path.text() == "~/family.ics"
    type_into(qtbot, dialog.path, "~/shared/family.ics")
    ok(qtbot, dialog)
    click(qtbot, window.ok_button)

    assert deleted(window)
    assert file_text(runtime) == HAND_WRITTEN.replace("~/family.ics", "~/shared/family.ics")
    assert runtime.settings.calendars[1] == CalendarSource("Family", "~/shared/family.ics")


def test_removing_a_calendar_keeps_the_rest_and_forgets_its_address(
    qtbot: Any, window: SettingsWindow, runtime: Runtime, keyring_in_memory: MemoryKeyring
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", "https://cal.example.org/w.ics")
    keyring_in_memory.set_password("respite", "status-token", TOKEN)
    window.calendars.tree.setFocus()
    window.calendars.tree.setCurrentItem(window.calendars.tree.topLevelItem(0))
    qtbot.keyClick(window.calendars.tree, Qt.Key.Key_Delete)  # Delete removes, like Remove
    assert [c.name for c in window.calendars.values()] == ["Family"]
    click(qtbot, window.apply_button)

    assert file_document(runtime)["calendars"] == [{"name": "Family", "path": "~/family.ics"}]
    text = file_text(runtime)
    for comment in set(COMMENTS) - {"# from the office"}:
        assert comment in text
    # Its address was only the removed calendar's: it is gone from the keyring too; the
    # hook's token, still in use, stays.
    assert ("respite", "calendar-work") not in keyring_in_memory.store
    assert keyring_in_memory.store[("respite", "status-token")] == TOKEN


def test_a_private_address_goes_to_the_keyring_and_never_to_the_file(
    qtbot: Any,
    tmp_path: Path,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    loopback: Loopback,
) -> None:
    loopback.routes["/private/team-4f2a.ics"] = Route(body=ICS)
    address = loopback.url("/private/team-4f2a.ics")
    dialog = open_add(qtbot, window.calendars)
    type_into(qtbot, dialog.name, "Team")
    click(qtbot, dialog.web_choice)
    assert dialog.address.value.isEnabled()
    assert dialog.address.value.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.address.name.text() == "calendar-team"  # made from the calendar's name
    type_into(qtbot, dialog.address.value, address)
    ok(qtbot, dialog)
    assert keyring_in_memory.store == {}  # stored when the settings are saved, not before
    assert window.is_dirty()

    click(qtbot, window.apply_button)

    assert keyring_in_memory.store == {("respite", "calendar-team"): address}
    assert file_document(runtime)["calendars"][2] == {"name": "Team", "secret": "calendar-team"}
    secret_values_nowhere(tmp_path, address, "team-4f2a")
    # The runtime reads the address from the keyring and fetches the calendar.
    qtbot.waitUntil(lambda: bool(runtime.calendar_events), timeout=10_000)
    assert [event.summary for event in runtime.calendar_events] == ["Sync"]
    assert loopback.requests_to("/private/team-4f2a.ics")


def test_the_first_save_with_no_settings_file_keeps_a_new_calendar(
    qtbot: Any,
    started_runtime: Runtime,
    autostart: Any,
    keyring_in_memory: MemoryKeyring,
    loopback: Loopback,
) -> None:
    # A first run: no settings file yet, so saving writes a fresh one.
    runtime = started_runtime
    assert not runtime.settings_path.exists()
    loopback.routes["/team.ics"] = Route(body=ICS)
    window = SettingsWindow(runtime, autostart=autostart)
    qtbot.addWidget(window)
    window.show()
    dialog = open_add(qtbot, window.calendars)
    type_into(qtbot, dialog.name, "Team")
    click(qtbot, dialog.web_choice)
    type_into(qtbot, dialog.address.value, loopback.url("/team.ics"))
    ok(qtbot, dialog)
    click(qtbot, window.apply_button)

    assert window.message.text().startswith("Saved")
    assert file_document(runtime)["calendars"] == [{"name": "Team", "secret": "calendar-team"}]
    assert runtime.settings.calendars == (CalendarSource("Team", secret="calendar-team"),)
    qtbot.waitUntil(lambda: bool(runtime.calendar_events), timeout=10_000)
    assert runtime.calendar_sync is not None
    runtime.calendar_sync.wait(10)


def test_a_new_address_for_a_calendar_is_a_change_to_save(
    qtbot: Any, window: SettingsWindow, runtime: Runtime, keyring_in_memory: MemoryKeyring
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", "https://cal.example.org/old.ics")
    dialog = open_edit(qtbot, window.calendars, 0)
    assert dialog.web_choice.isChecked()
    assert dialog.address.value.text() == ""  # a stored address is never shown
    assert "Kept in the keyring" in dialog.address.value.placeholderText()
    ok(qtbot, dialog)  # left empty: the stored address stays
    assert not window.is_dirty()

    dialog = open_edit(qtbot, window.calendars, 0)
    type_into(qtbot, dialog.address.value, "https://cal.example.org/new.ics")
    ok(qtbot, dialog)
    assert window.is_dirty() and window.apply_button.isEnabled()
    assert "stored when you save" in window.calendars.tree.topLevelItem(0).text(2)
    before = file_text(runtime)
    click(qtbot, window.apply_button)

    assert (
        keyring_in_memory.store[("respite", "calendar-work")] == "https://cal.example.org/new.ics"
    )
    assert file_text(runtime) == before  # the file only names the secret: unchanged
    assert not window.is_dirty()


def test_cancel_stores_no_secret(
    qtbot: Any,
    make_window: Callable[[], SettingsWindow],
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
) -> None:
    window = make_window()
    dialog = open_add(qtbot, window.calendars)
    type_into(qtbot, dialog.name, "Team")
    click(qtbot, dialog.web_choice)
    type_into(qtbot, dialog.address.value, "https://cal.example.org/team.ics")
    ok(qtbot, dialog)
    click(qtbot, window.cancel_button)

    assert deleted(window)
    assert keyring_in_memory.store == {}
    assert file_text(runtime) == HAND_WRITTEN
    again = make_window()
    assert [c.name for c in again.calendars.values()] == ["Work", "Family"]


def test_fixing_a_calendar_clears_its_message(
    qtbot: Any, window: SettingsWindow, keyring_in_memory: MemoryKeyring
) -> None:
    dialog = open_add(qtbot, window.calendars)
    _plain_http(qtbot, dialog)
    click(qtbot, dialog.ok_button)
    assert dialog.errors["address"].text()
    type_into(qtbot, dialog.address.value, "https://cal.example.org/club.ics")
    ok(qtbot, dialog)
    assert dialog.errors["address"].text() == ""
    assert window.calendars.pending_secrets() == {
        "calendar-club": "https://cal.example.org/club.ics"
    }


# --------------------------------------------------------------------------- hooks


def test_adding_a_hook_with_a_command_and_a_token(
    qtbot: Any,
    tmp_path: Path,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
) -> None:
    dialog = open_add(qtbot, window.hooks)
    assert isinstance(dialog, HookDialog)
    type_into(qtbot, dialog.name, "Lamp")
    tick(qtbot, dialog.events["break_start"])
    tick(qtbot, dialog.events["break_end"])
    type_into(qtbot, dialog.command, 'lamp --colour "soft green"')
    dialog.timeout.setValue(5)
    dialog.webhook.setCurrentIndex(dialog.webhook.findData(HookDialog.IN_FILE))
    type_into(qtbot, dialog.url, "https://lamp.example.org/hook")
    tick(qtbot, dialog.token_on)
    assert dialog.token.name.text() == "hook-lamp-token"
    type_into(qtbot, dialog.token.value, TOKEN)
    ok(qtbot, dialog)
    assert window.hooks.tree.topLevelItem(1).text(1) == "Break starts, Break ends"
    click(qtbot, window.apply_button)

    assert file_document(runtime)["hooks"][1] == {
        "name": "Lamp",
        "on": ["break_start", "break_end"],
        "url": "https://lamp.example.org/hook",
        "token_secret": "hook-lamp-token",
        "command": ["lamp", "--colour", "soft green"],
        "timeout_seconds": 5,
    }
    assert runtime.settings.hooks[1].command == ("lamp", "--colour", "soft green")
    assert keyring_in_memory.store == {("respite", "hook-lamp-token"): TOKEN}
    secret_values_nowhere(tmp_path, TOKEN)
    for comment in COMMENTS:
        assert comment in file_text(runtime)


def test_editing_a_hook_changes_only_its_lines(
    qtbot: Any, window: SettingsWindow, runtime: Runtime
) -> None:
    dialog = open_edit(qtbot, window.hooks, 0)
    assert dialog.url.text() == "https://hooks.example.org/respite"
    assert dialog.token_on.isChecked() and dialog.token.name.text() == "status-token"
    tick(qtbot, dialog.events["done_for_today"])
    tick(qtbot, dialog.events["start_of_day"])
    dialog.timeout.setValue(20)
    ok(qtbot, dialog)
    click(qtbot, window.apply_button)

    assert file_text(runtime) == HAND_WRITTEN.replace(
        'on = ["start_of_day", "end_of_day"]', 'on = ["end_of_day", "done_for_today"]'
    ).replace(
        'token_secret = "status-token"\n', 'token_secret = "status-token"\ntimeout_seconds = 20\n'
    )
    assert runtime.settings.hooks[0].on == ("end_of_day", "done_for_today")


def test_a_hook_timeout_typed_out_of_range_stays_and_is_explained(
    qtbot: Any, window: SettingsWindow
) -> None:
    dialog = open_edit(qtbot, window.hooks, 0)
    dialog.timeout.setFocus()
    dialog.timeout.selectAll()
    qtbot.keyClicks(dialog.timeout, "500")
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    assert dialog.timeout.text() == "500 s"
    assert dialog.errors["timeout_seconds"].text() == (
        "Use a whole number of seconds from 1 to 120"
    )


def test_a_hook_with_a_private_webhook_address(
    qtbot: Any,
    tmp_path: Path,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
) -> None:
    private = "https://hooks.example.org/T0/B1/secret-xyz"
    dialog = open_edit(qtbot, window.hooks, 0)
    dialog.webhook.setCurrentIndex(dialog.webhook.findData(HookDialog.PRIVATE))
    assert dialog.private_url.name.text() == "hook-team-status-url"
    type_into(qtbot, dialog.private_url.value, private)
    ok(qtbot, dialog)
    click(qtbot, window.apply_button)

    table = file_document(runtime)["hooks"][0]
    assert table["url_secret"] == "hook-team-status-url" and "url" not in table
    assert keyring_in_memory.store == {("respite", "hook-team-status-url"): private}
    secret_values_nowhere(tmp_path, private, "secret-xyz")


def test_removing_a_hook(qtbot: Any, window: SettingsWindow, runtime: Runtime) -> None:
    window.hooks.tree.setCurrentItem(window.hooks.tree.topLevelItem(0))
    click(qtbot, window.hooks.remove_button)
    assert window.hooks.tree.isHidden() and not window.hooks.empty.isHidden()
    assert window.hooks.add_button.hasFocus()
    click(qtbot, window.apply_button)

    assert "hooks" not in file_document(runtime)
    assert runtime.settings.hooks == ()
    text = file_text(runtime)
    for comment in set(COMMENTS) - {"# tells the team"}:
        assert comment in text


UNUSABLE_HOOK = """
# Not ready yet.
[[hooks]]
name = "Lamp"
on = ["lunch"]  # no such event: to fix
command = ["lamp", "on"]
"""


def test_a_hook_respite_cannot_use_survives_an_apply(
    qtbot: Any, window: SettingsWindow, runtime: Runtime
) -> None:
    token = 'token_secret = "status-token"\n'
    write_externally(runtime, HAND_WRITTEN.replace(token, token + UNUSABLE_HOOK))  # rejected
    assert [h.name for h in window.hooks.values()] == ["Team status"]  # it can't be shown
    window.calendars.tree.setCurrentItem(window.calendars.tree.topLevelItem(1))
    click(qtbot, window.calendars.remove_button)  # Family goes
    click(qtbot, window.apply_button)

    text = file_text(runtime)
    assert "Family" not in text and "# shared with Sam" not in text
    assert token + UNUSABLE_HOOK + "\n[interface]\n" in text
    assert [c.name for c in on_disk_settings(runtime).calendars] == ["Work"]
    assert "not in use yet" in window.message.text()  # the file still holds the bad hook


def on_disk_settings(runtime: Runtime) -> Any:
    from respite.storage.settings_store import load_settings

    return load_settings(runtime.settings_path, runtime.clock.now()).settings


def _duplicate_name(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "Family")
    type_into(qtbot, dialog.path, "~/other.ics")


def _no_file(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "Club")


def _plain_http(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "Club")
    click(qtbot, dialog.web_choice)
    type_into(qtbot, dialog.address.value, "http://cal.example.org/club.ics")


def _bad_keyring_name(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "Club")
    click(qtbot, dialog.web_choice)
    type_into(qtbot, dialog.address.name, "has spaces")
    type_into(qtbot, dialog.address.value, "https://cal.example.org/club.ics")


def _nothing_stored(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "Club")
    click(qtbot, dialog.web_choice)


def _long_name(qtbot: Any, dialog: CalendarDialog) -> None:
    type_into(qtbot, dialog.name, "x" * 61)
    type_into(qtbot, dialog.path, "~/x.ics")


def _no_event(qtbot: Any, dialog: HookDialog) -> None:
    type_into(qtbot, dialog.name, "Lamp")
    type_into(qtbot, dialog.command, "lamp")


def _nothing_to_do(qtbot: Any, dialog: HookDialog) -> None:
    type_into(qtbot, dialog.name, "Lamp")
    tick(qtbot, dialog.events["pause"])


def _unclosed_quote(qtbot: Any, dialog: HookDialog) -> None:
    _nothing_to_do(qtbot, dialog)
    type_into(qtbot, dialog.command, 'lamp "on')


def _ftp_webhook(qtbot: Any, dialog: HookDialog) -> None:
    _nothing_to_do(qtbot, dialog)
    dialog.webhook.setCurrentIndex(dialog.webhook.findData(HookDialog.IN_FILE))
    type_into(qtbot, dialog.url, "ftp://lamp.example.org/")


def _no_name(qtbot: Any, dialog: HookDialog) -> None:
    tick(qtbot, dialog.events["pause"])
    type_into(qtbot, dialog.command, "lamp")


BAD_ENTRIES: list[tuple[str, str, Callable[[Any, Any], None], str, str]] = [
    ("duplicate name", "calendars", _duplicate_name, "name", "a name no other calendar has"),
    ("long name", "calendars", _long_name, "name", "a name of 1 to 60 characters"),
    ("no file", "calendars", _no_file, "path", "Choose the calendar's .ics file."),
    ("plain http", "calendars", _plain_http, "address", "Use an https:// address"),
    ("bad keyring name", "calendars", _bad_keyring_name, "secret", "1 to 64 letters, digits"),
    ("nothing stored", "calendars", _nothing_stored, "address", "the keyring holds nothing"),
    ("no event", "hooks", _no_event, "on", "Tick at least one event."),
    ("nothing to do", "hooks", _nothing_to_do, "", "a webhook address or a command"),
    ("unclosed quote", "hooks", _unclosed_quote, "command", "no closing quotation"),
    ("ftp webhook", "hooks", _ftp_webhook, "url", "an https:// address"),
    ("no hook name", "hooks", _no_name, "name", "a name of 1 to 60 characters"),
]


@pytest.mark.parametrize(
    ("kind", "edit", "part", "says"),
    [case[1:] for case in BAD_ENTRIES],
    ids=[case[0] for case in BAD_ENTRIES],
)
def test_a_bad_entry_is_explained_beside_its_field_and_nothing_changes(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    kind: str,
    edit: Callable[[Any, Any], None],
    part: str,
    says: str,
) -> None:
    editor: EntryList = getattr(window, kind)
    before = editor.values()
    dialog = open_add(qtbot, editor)
    edit(qtbot, dialog)
    click(qtbot, dialog.ok_button)

    assert dialog.isVisible()  # OK refused
    label = dialog.errors[part] if part else dialog.general_error
    assert says in label.text() and not label.isHidden()
    shown = [p for p, other in dialog.errors.items() if other.text()]
    assert shown == ([part] if part else [])  # said once, beside the field it is about
    if part:
        assert dialog.focusWidget() is dialog.fields[part]  # the cursor goes there
    click(qtbot, dialog.cancel_button)
    assert editor.values() == before
    assert not window.is_dirty()
    assert not window.apply_button.isEnabled()
    assert file_text(runtime) == HAND_WRITTEN
    assert keyring_in_memory.store == {}


def test_each_hook_shows_its_last_run(
    qtbot: Any, make_window: Callable[[], SettingsWindow], runtime: Runtime, tmp_path: Path
) -> None:
    ran = tmp_path / "ran.txt"
    works = [sys.executable, "-c", f"open({str(ran)!r}, 'w')"]
    fails = [sys.executable, "-c", "raise SystemExit(3)"]
    write_externally(
        runtime,
        f'[[hooks]]\nname = "Works"\non = ["pause"]\ncommand = {json.dumps(works)}\n\n'
        f'[[hooks]]\nname = "Fails"\non = ["pause"]\ncommand = {json.dumps(fails)}\n\n'
        '[[hooks]]\nname = "Idle"\non = ["resume"]\ncommand = ["true"]\n',
    )
    runtime.hooks.backoff = 0.01
    runtime.perform("pause", minutes=10)
    assert runtime.hooks.wait(timeout=15)
    assert ran.exists()
    window = make_window()  # opened after the runs: their results

    runs = [window.hooks.tree.topLevelItem(i).text(3) for i in range(3)]
    assert runs[0] == "✓ Pause, today 10:00"
    assert runs[1].startswith("⚠ Pause, today 10:00: ") and "3" in runs[1]
    assert runs[2] == "Not run yet"
    dialog = open_edit(qtbot, window.hooks, 1)
    assert dialog.last_run.text() == runs[1]
    window.reject()  # the window closing takes the dialog with it
    assert deleted(window) and deleted(dialog)


# --------------------------------------------------------------------------- no keyring


def test_without_a_keyring_the_password_fields_say_why_and_the_rest_still_works(
    qtbot: Any, window: SettingsWindow, runtime: Runtime, keyring_missing: None
) -> None:
    with pytest.raises(secrets.SecretsUnavailable) as raised:
        secrets.check_available()
    dialog = open_add(qtbot, window.calendars)
    type_into(qtbot, dialog.name, "Team")
    assert dialog.keyring_notice.isHidden()  # a file needs no keyring
    click(qtbot, dialog.web_choice)
    assert not dialog.address.value.isEnabled()
    assert str(raised.value) in dialog.keyring_notice.text()
    assert "respite secret set" in dialog.keyring_notice.text()
    assert not dialog.keyring_notice.isHidden()
    assert dialog.address.name.isEnabled()
    ok(qtbot, dialog)  # naming a secret to store later is fine
    hook = open_edit(qtbot, window.hooks, 0)
    assert not hook.token.value.isEnabled()
    assert str(raised.value) in hook.keyring_notice.text()
    assert not hook.keyring_notice.isHidden()
    tick(qtbot, hook.events["pause"])
    ok(qtbot, hook)
    click(qtbot, window.apply_button)

    assert file_document(runtime)["calendars"][2] == {"name": "Team", "secret": "calendar-team"}
    assert "pause" in runtime.settings.hooks[0].on
    assert "Saved" in window.message.text()


def test_a_keyring_that_refuses_saves_nothing(
    qtbot: Any, tmp_path: Path, window: SettingsWindow, runtime: Runtime
) -> None:
    memory = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        dialog = open_add(qtbot, window.calendars)
        type_into(qtbot, dialog.name, "Team")
        click(qtbot, dialog.web_choice)
        type_into(qtbot, dialog.address.value, "https://cal.example.org/team-77.ics")
        ok(qtbot, dialog)
        keyring.set_keyring(LockedKeyring())  # locked meanwhile
        click(qtbot, window.apply_button)
    finally:
        keyring.set_keyring(previous)

    assert window.message.text().startswith("Nothing was saved: ")
    assert "keyring" in window.message.text()
    assert "team-77" not in window.message.text()
    assert file_text(runtime) == HAND_WRITTEN
    assert window.is_dirty()  # the edit is still there to try again
    secret_values_nowhere(tmp_path, "team-77")


OLD_ADDRESS = "https://cal.example.org/old-31.ics"
NEW_ADDRESS = "https://cal.example.org/new-47.ics"


def type_a_new_address_and_token(qtbot: Any, window: SettingsWindow) -> None:
    """Two secrets to store on Apply: calendar-work (replacing OLD_ADDRESS), then
    status-token (new)."""
    dialog = open_edit(qtbot, window.calendars, 0)
    type_into(qtbot, dialog.address.value, NEW_ADDRESS)
    ok(qtbot, dialog)
    dialog = open_edit(qtbot, window.hooks, 0)
    type_into(qtbot, dialog.token.value, TOKEN)
    ok(qtbot, dialog)
    assert list(window.calendars.pending_secrets()) == ["calendar-work"]
    assert list(window.hooks.pending_secrets()) == ["status-token"]


def refusing(backend: MemoryKeyring, *names: str) -> Callable[..., None]:
    """backend.set_password that refuses `names` (every name when none is given)."""
    store = backend.set_password

    def set_password(service: str, name: str, value: str) -> None:
        if not names or name in names:
            raise KeyringLocked("refused")
        store(service, name, value)

    return set_password


def test_a_secret_that_cannot_be_stored_puts_back_those_stored_before_it(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", OLD_ADDRESS)
    type_a_new_address_and_token(qtbot, window)
    monkeypatch.setattr(
        keyring_in_memory, "set_password", refusing(keyring_in_memory, "status-token")
    )
    click(qtbot, window.apply_button)

    assert window.message.text().startswith("Nothing was saved: ")
    assert keyring_in_memory.store == {("respite", "calendar-work"): OLD_ADDRESS}
    assert file_text(runtime) == HAND_WRITTEN
    assert window.is_dirty()


def test_a_file_that_cannot_be_saved_puts_the_secrets_back(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", OLD_ADDRESS)
    type_a_new_address_and_token(qtbot, window)
    monkeypatch.setattr(settings_window_module, "save_settings", disk_full)
    click(qtbot, window.apply_button)

    message = window.message.text()
    assert message.startswith("Could not save settings to x: disk full.")
    assert "The keyring was left as it was." in message
    assert keyring_in_memory.store == {("respite", "calendar-work"): OLD_ADDRESS}
    assert window.is_dirty()


def test_secrets_that_cannot_be_put_back_are_named(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", OLD_ADDRESS)
    type_a_new_address_and_token(qtbot, window)

    def locked_then_disk_full(*args: Any, **kwargs: Any) -> None:
        monkeypatch.setattr(keyring_in_memory, "set_password", refusing(keyring_in_memory))
        monkeypatch.setattr(keyring_in_memory, "delete_password", refusing(keyring_in_memory))
        disk_full()

    monkeypatch.setattr(settings_window_module, "save_settings", locked_then_disk_full)
    click(qtbot, window.apply_button)

    message = window.message.text()
    assert message.startswith("Could not save settings to x: disk full.")
    assert "'calendar-work' and 'status-token'" in message
    assert "could not be put back" in message
    assert NEW_ADDRESS not in message and TOKEN not in message
    assert keyring_in_memory.store == {
        ("respite", "calendar-work"): NEW_ADDRESS,
        ("respite", "status-token"): TOKEN,
    }


def disk_full(*args: Any, **kwargs: Any) -> None:
    raise SettingsWriteError("Could not save settings to x: disk full. The file was not changed.")


def test_keeping_my_edits_never_forgets_the_secret_of_an_entry_added_outside(
    qtbot: Any,
    window: SettingsWindow,
    runtime: Runtime,
    keyring_in_memory: MemoryKeyring,
    loopback: Loopback,
) -> None:
    loopback.routes["/club.ics"] = Route(body=ICS)
    # `respite secret set calendar-club`, and a [[calendars]] table added in an editor.
    keyring_in_memory.set_password("respite", "calendar-club", loopback.url("/club.ics"))
    set_value(window, "interface.sound", True)
    family = 'path = "~/family.ics"  # shared with Sam\n'
    club = '\n[[calendars]]\nname = "Club"\nsecret = "calendar-club"\n'
    write_externally(runtime, HAND_WRITTEN.replace(family, family + club))
    click(qtbot, window.banner.secondary)  # keep my edits
    click(qtbot, window.apply_button)

    assert runtime.settings.interface.sound
    assert keyring_in_memory.store[("respite", "calendar-club")] == loopback.url("/club.ics")


def test_a_secret_still_named_in_the_file_is_never_forgotten(
    qtbot: Any, window: SettingsWindow, runtime: Runtime, keyring_in_memory: MemoryKeyring
) -> None:
    keyring_in_memory.set_password("respite", "calendar-work", OLD_ADDRESS)
    family = 'path = "~/family.ics"  # shared with Sam\n'
    unusable = '\n[[calendars]]\nname = "Office"\npath = "~/o.ics"\nsecret = "calendar-work"\n'
    write_externally(runtime, HAND_WRITTEN.replace(family, family + unusable))  # rejected
    window.calendars.tree.setCurrentItem(window.calendars.tree.topLevelItem(0))
    click(qtbot, window.calendars.remove_button)  # Work goes; Office still names its secret
    click(qtbot, window.apply_button)

    assert unusable in file_text(runtime)
    assert keyring_in_memory.store[("respite", "calendar-work")] == OLD_ADDRESS


# --------------------------------------------------------------------------- keyboard


def test_the_lists_and_dialogs_are_named_and_reachable_by_keyboard(
    qtbot: Any, window: SettingsWindow, keyring_in_memory: MemoryKeyring
) -> None:
    for editor in (window.calendars, window.hooks):
        assert editor.tree.accessibleName()
        assert editor.tree.focusPolicy() & Qt.FocusPolicy.TabFocus
        for button in (editor.add_button, editor.edit_button, editor.remove_button):
            assert "&" in button.text() and button.accessibleName()
    page = page_of(window, window.calendars)
    mnemonics = [
        b.text().split("&")[1][0].lower()
        for b in page.findChildren(QAbstractButton)
        if "&" in b.text()
    ]
    tabs = [window.tabs.tabText(i).split("&")[1][0].lower() for i in range(window.tabs.count())]
    assert len(mnemonics) == len(set(mnemonics)) and not set(mnemonics) & set(tabs)

    for dialog in (open_add(qtbot, window.calendars), open_add(qtbot, window.hooks)):
        for control in dialog.findChildren(QWidget):
            if (
                isinstance(control, QLineEdit | QAbstractButton | QAbstractSpinBox | QComboBox)
                and control.isVisibleTo(dialog)
                and not isinstance(control.parent(), QAbstractSpinBox | QComboBox)
            ):
                assert control.accessibleName(), control
                assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, control.accessibleName()
        buddies = [label.buddy() for label in dialog.findChildren(QLabel) if "&" in label.text()]
        assert dialog.fields["name"] in buddies  # Alt+N goes to the name
        click(qtbot, dialog.cancel_button)
