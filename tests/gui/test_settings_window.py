"""The settings window edits every key, validates inline like the file does, and applies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QRect, QSize, Qt, QTime
from PySide6.QtGui import QCloseEvent, QIcon
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QProxyStyle,
    QSpinBox,
    QStyle,
    QTabBar,
    QWidget,
)

from respite.core.clock import FakeClock
from respite.core.settings import (
    AfterHours,
    Boundaries,
    BreakRule,
    Breaks,
    BreakWindowStyle,
    Interface,
    Reminder,
    Settings,
    Snooze,
    TimeWindow,
    WorkHours,
)
from respite.core.settings_parse import KNOWN_KEYS
from respite.platform.autostart import launch_command
from respite.runtime import Runtime
from respite.storage.settings_save import SettingsWriteError
from respite.storage.settings_store import load_settings
from respite.ui import settings_window as settings_window_module
from respite.ui.settings_widgets import DayEditor, MinutesSpin
from respite.ui.settings_window import SettingsWindow
from respite.ui.shell import Desktop
from tests.gui.test_shell import deleted, open_window

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
LEFT = Qt.MouseButton.LeftButton


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def window_of(text: str) -> TimeWindow:
    start, end = text.split("-")
    return TimeWindow(hm(start), hm(end))


class AlwaysActive:
    def idle_seconds(self) -> float | None:
        return 0.0


class FakeAutostart:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.enabled = False

    def is_enabled(self) -> bool:
        return self.enabled

    def enable(self, command: list[str]) -> None:
        self.calls.append(("enable", command))
        self.enabled = True

    def disable(self) -> None:
        self.calls.append(("disable", None))
        self.enabled = False


HAND_WRITTEN = """\
# My Respite settings -- tuned by hand.
why = "Evenings are for the garden."  # keep this

[work_hours]
# Fridays are short.
friday = ["09:00-12:30", "13:15-15:00"]

[breaks.short]
every_minutes = 30  # the classic
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("10:00"))


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


@pytest.fixture
def runtime(qtbot, tmp_path: Path, clock: FakeClock, settings_path: Path) -> Iterator[Runtime]:
    rt = Runtime(
        config_path=settings_path,
        database_path=tmp_path / "data" / "respite.sqlite3",
        clock=clock,
        idle=AlwaysActive(),
        monotonic=lambda: clock.now().timestamp(),
        zone=lambda: LONDON,
    )
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def autostart() -> FakeAutostart:
    return FakeAutostart()


@pytest.fixture
def make_window(
    qtbot, runtime: Runtime, autostart: FakeAutostart
) -> Iterator[Callable[[], SettingsWindow]]:
    """Shows a new settings window each call; those still there are closed after the
    test (closing deletes a window, and many tests close theirs)."""
    made: list[SettingsWindow] = []

    def make() -> SettingsWindow:
        shown = SettingsWindow(runtime, autostart=autostart)
        shown.show()
        made.append(shown)
        return shown

    yield make
    for shown in made:
        if shiboken6.isValid(shown):
            shown.close()
            assert deleted(shown)


@pytest.fixture
def window(make_window: Callable[[], SettingsWindow]) -> SettingsWindow:
    return make_window()


def on_disk(runtime: Runtime) -> Settings:
    loaded = load_settings(runtime.settings_path, runtime.clock.now())
    assert not loaded.problems and not loaded.notices
    return loaded.settings


def write_externally(runtime: Runtime, text: str) -> None:
    """Another program saves the file; the runtime's watcher would reload it shortly."""
    runtime.settings_path.parent.mkdir(parents=True, exist_ok=True)
    runtime.settings_path.write_text(text, encoding="utf-8")
    runtime.reload_settings()  # what the watcher's timer does, without waiting for it


def set_value(window: SettingsWindow, key: str, value: Any) -> None:
    """Drive a scalar field the way a user would end up setting it."""
    widget = window.field(key)
    if isinstance(widget, QCheckBox):
        if widget.isChecked() != value:
            widget.click()
    elif isinstance(widget, QSpinBox | MinutesSpin):
        widget.setValue(value)
    elif isinstance(widget, QComboBox) and key == "interface.break_window":
        widget.setCurrentIndex(widget.findData(value))
    elif isinstance(widget, QComboBox):
        widget.setEditText(value)
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
    else:
        raise TypeError(key)


def set_window(window: SettingsWindow, key: str, text: str) -> None:
    row = window.field(key)
    start, end = text.split("-")
    row.start.setTime(QTime.fromString(start, "HH:mm"))
    row.end.setTime(QTime.fromString(end, "HH:mm"))


def add_reminder(window: SettingsWindow, name: str, cron: str) -> None:
    window.reminders.add_reminder(name, cron)


def click(qtbot, button: QAbstractButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def test_every_key_of_the_file_has_a_field(window: SettingsWindow) -> None:
    for table, names in KNOWN_KEYS.items():
        if table in ("", "breaks") or table in ("reminders[]", "calendars[]", "hooks[]"):
            continue
        for name in names:
            assert window.field(f"{table}.{name}").accessibleName()
    for key in (
        "why",
        "timezone",
        "reminders",
        "calendars",  # lists with dialogs: see test_settings_integrations.py
        "hooks",
        "breaks.idle_after_seconds",
        "breaks.renudge_minutes",
        "breaks.renudge_max",
        "breaks.lock_counts_as_break",
        "breaks.long_enabled",
    ):
        assert window.field(key).accessibleName()


def test_every_field_round_trips_to_the_file_and_the_engine(
    qtbot, window: SettingsWindow, runtime: Runtime, autostart: FakeAutostart
) -> None:
    expected = Settings(
        work_hours=WorkHours(
            days=(
                (window_of("08:00-12:00"), window_of("13:00-16:30")),
                (window_of("09:30-17:00"),),
                (),
                (window_of("09:00-12:30"), window_of("13:15-17:30")),
                (window_of("07:00-09:00"), window_of("10:00-14:00")),
                (window_of("22:00-02:00"),),
                (),
            )
        ),
        boundaries=Boundaries(
            wind_down_minutes=20,
            end_of_day_nudge=False,
            on_time_grace_minutes=5,
            overtime_choices=(10, 45),
        ),
        after_hours=AfterHours(
            enabled=False, first_nudge_after_minutes=0, repeat_every_minutes=45, max_nudges=5
        ),
        breaks=Breaks(
            short=BreakRule(every_minutes=25, duration_minutes=1.5, natural_after_minutes=3),
            long=BreakRule(every_minutes=90, duration_minutes=15, natural_after_minutes=12.5),
            long_enabled=False,
            idle_after_seconds=120,
            renudge_minutes=7,
            renudge_max=0,
            lock_counts_as_break=False,
        ),
        snooze=Snooze(choices_minutes=(15, 5), daily_limit=3),
        why="Evenings are for the garden.",
        reminders=(
            Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),
            Reminder("Stretch", "0 */2 * * *"),
        ),
        timezone="Europe/Berlin",
        interface=Interface(autostart=True, sound=False, break_window=BreakWindowStyle.STRICT),
    )
    assert window.apply_button.isEnabled() is False  # nothing changed yet

    # Hours: change times, remove one window, a day off, a new overnight window.
    set_window(window, "work_hours.monday[0]", "08:00-12:00")
    set_window(window, "work_hours.monday[1]", "13:00-16:30")
    tuesday = window.field("work_hours.tuesday")
    assert isinstance(tuesday, DayEditor)
    click(qtbot, tuesday.rows[1].remove)
    set_window(window, "work_hours.tuesday[0]", "09:30-17:00")
    click(qtbot, window.days["wednesday"].off)
    set_window(window, "work_hours.friday[0]", "10:00-14:00")
    set_window(window, "work_hours.friday[1]", "07:00-09:00")  # out of order is fine
    click(qtbot, window.days["saturday"].add)
    set_window(window, "work_hours.saturday[0]", "22:00-02:00")
    assert window.days["saturday"].rows[0].overnight.isVisibleTo(window)
    set_value(window, "timezone", "Europe/Berlin")

    scalars = {
        "boundaries.wind_down_minutes": 20,
        "boundaries.end_of_day_nudge": False,
        "boundaries.on_time_grace_minutes": 5,
        "boundaries.overtime_choices": "10, 45",
        "after_hours.first_nudge_after_minutes": 0,
        "after_hours.repeat_every_minutes": 45,
        "after_hours.max_nudges": 5,
        "after_hours.enabled": False,
        "breaks.short.every_minutes": 25,
        "breaks.short.duration_minutes": 1.5,
        "breaks.short.natural_after_minutes": 3,
        "breaks.long.every_minutes": 90,
        "breaks.long.duration_minutes": 15,
        "breaks.long.natural_after_minutes": 12.5,
        "breaks.long_enabled": False,
        "breaks.idle_after_seconds": 120,
        "breaks.renudge_minutes": 7,
        "breaks.renudge_max": 0,
        "breaks.lock_counts_as_break": False,
        "snooze.choices_minutes": "15 5",
        "snooze.daily_limit": 3,
        "why": "Evenings are for the garden.",
        "interface.autostart": True,
        "interface.sound": False,
        "interface.break_window": "strict",
    }
    for key, value in scalars.items():
        set_value(window, key, value)
    assert not window.field("breaks.long.every_minutes").isEnabled()  # long breaks are off
    assert not window.field("after_hours.max_nudges").isEnabled()

    click(qtbot, window.reminders.add)
    click(qtbot, window.reminders.add)
    set_value(window, "reminders[0].name", "Lunch")
    set_value(window, "reminders[0].message", "Time to eat something good.")
    set_value(window, "reminders[1].name", "Stretch")
    set_value(window, "reminders[1].cron", "0 */2 * * *")

    assert window.problems == []
    assert window.is_dirty()
    applied: list[Settings] = []
    runtime.settings_applied.connect(applied.append)
    click(qtbot, window.apply_button)

    assert on_disk(runtime) == expected
    assert runtime.settings == expected
    assert runtime.engine.settings == expected
    assert applied == [expected]
    assert autostart.calls == [("enable", launch_command())]
    assert window.isVisible()
    assert "Saved" in window.message.text()
    assert not window.is_dirty() and not window.apply_button.isEnabled()
    # Reloaded as the file says it: Friday's windows now in order of start time.
    assert window.field("work_hours.friday[0]").text() == "07:00-09:00"


BAD_EDITS: list[tuple[str, Callable[[SettingsWindow], None], str, str]] = [
    (
        "short every not below long every",
        lambda w: set_value(w, "breaks.short.every_minutes", 150),
        "breaks.long.every_minutes",
        "more minutes than short breaks (150)",
    ),
    (
        "overlapping windows",
        lambda w: set_window(w, "work_hours.monday[1]", "12:00-17:30"),
        "work_hours.monday",
        "12:00-17:30 won't work; use windows in order of start time that do not overlap",
    ),
    (
        "a window with no length",
        lambda w: set_window(w, "work_hours.thursday[0]", "09:00-09:00"),
        "work_hours.thursday",
        "a time window whose start and end differ",
    ),
    (
        "an overnight window into the next day's hours",
        lambda w: set_window(w, "work_hours.monday[1]", "20:00-10:00"),
        "work_hours.monday",
        "ends by tuesday's first start (09:00)",
    ),
    (
        "a cron minute of 61",
        lambda w: add_reminder(w, "Stretch", "61 * * * *"),
        "reminders[0].cron",
        "the last value (61) is higher than the maximum value (59)",
    ),
    (
        "an unknown time zone",
        lambda w: set_value(w, "timezone", "Mars/Olympus"),
        "timezone",
        'an IANA time zone name such as "Europe/Berlin"',
    ),
    (
        "an empty reminder name",
        lambda w: add_reminder(w, "", "30 12 * * mon-fri"),
        "reminders[0].name",
        "Name: use a name of 1 to 60 characters on one line",
    ),
    (
        "snooze choices that are not numbers",
        lambda w: set_value(w, "snooze.choices_minutes", "5, ten"),
        "snooze.choices_minutes",
        "a list of 1 to 5 whole numbers of minutes",
    ),
    (
        "a snooze choice out of range",
        lambda w: set_value(w, "snooze.choices_minutes", "5, 0"),
        "snooze.choices_minutes",
        "0 won't work; use a whole number of minutes from 1 to 240",
    ),
    (
        "too many overtime choices",
        lambda w: set_value(w, "boundaries.overtime_choices", "5 10 15 20 25"),
        "boundaries.overtime_choices",
        "a list of 1 to 4 whole numbers",
    ),
    (
        "a why line that is too long",
        lambda w: set_value(w, "why", "x" * 201),
        "why",
        "text of at most 200 characters on one line",
    ),
]


@pytest.mark.parametrize(
    ("edit", "key", "says"), [case[1:] for case in BAD_EDITS], ids=[c[0] for c in BAD_EDITS]
)
def test_a_bad_value_is_named_next_to_its_field_and_nothing_is_saved(
    qtbot,
    window: SettingsWindow,
    runtime: Runtime,
    edit: Callable[[SettingsWindow], None],
    key: str,
    says: str,
) -> None:
    write_externally(runtime, HAND_WRITTEN)
    before = runtime.settings_path.read_bytes()
    settings_before = runtime.settings

    edit(window)

    assert says in window.problem_text(key)
    label = window.problem_label(key)
    owner = window.field(key.split("[")[0] if key.startswith("work_hours") else key)
    assert not label.isHidden()
    # The label sits in the same tab as its field, and that tab is marked.
    page = next(p for p in window.pages() if p.isAncestorOf(owner))
    assert page.isAncestorOf(label)
    assert window.tabs.tabText(window.pages().index(page)).endswith("⚠")
    assert not window.ok_button.isEnabled()
    assert not window.apply_button.isEnabled()
    assert window.apply() is False
    window.accept()  # Enter in a field: refused, the window stays
    assert window.isVisible()
    assert runtime.settings_path.read_bytes() == before
    assert runtime.settings == settings_before


def test_fixing_the_value_clears_the_message(window: SettingsWindow) -> None:
    set_value(window, "breaks.short.every_minutes", 150)
    assert window.problem_text("breaks.long.every_minutes")
    set_value(window, "breaks.short.every_minutes", 45)
    assert window.problem_text("breaks.long.every_minutes") == ""
    assert window.problem_label("breaks.long.every_minutes").isHidden()
    assert window.ok_button.isEnabled() and window.apply_button.isEnabled()
    assert not any(window.tabs.tabText(i).endswith("⚠") for i in range(window.tabs.count()))


def test_turning_long_breaks_off_allows_a_long_short_interval(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "breaks.short.every_minutes", 150)
    assert not window.ok_button.isEnabled()
    set_value(window, "breaks.long_enabled", False)
    assert window.problems == []
    click(qtbot, window.ok_button)
    assert deleted(window)
    assert runtime.settings.breaks.short.every_minutes == 150
    assert runtime.settings.breaks.long_enabled is False


def test_cancel_changes_nothing(
    qtbot, window: SettingsWindow, runtime: Runtime, autostart: FakeAutostart
) -> None:
    write_externally(runtime, HAND_WRITTEN)
    before = runtime.settings_path.read_bytes()
    settings_before = runtime.settings
    set_value(window, "breaks.short.every_minutes", 45)
    set_value(window, "interface.autostart", True)
    click(qtbot, window.days["monday"].off)
    window.reminders.add_reminder("Water", "0 * * * *")

    click(qtbot, window.cancel_button)

    assert deleted(window)  # and the edits with it
    assert runtime.settings_path.read_bytes() == before
    assert runtime.settings == settings_before
    assert autostart.calls == []


def close_from_title_bar(window: SettingsWindow) -> None:
    """What the window manager's close button (or Alt+F4) does: a spontaneous close."""
    QApplication.sendEvent(window.windowHandle(), QCloseEvent())


def answer(window: SettingsWindow, button: QMessageBox.StandardButton) -> None:
    question = window.save_question
    assert question is not None and question.isVisible()
    assert question.text() == "Save your changes to the settings?"
    question.button(button).click()


def test_escape_without_edits_closes_at_once(qtbot, window: SettingsWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert deleted(window)


def test_escape_with_edits_asks_before_discarding_them(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "snooze.daily_limit", 9)
    qtbot.keyClick(window.field("why"), Qt.Key.Key_Escape)  # from a field too
    assert window.isVisible()
    question = window.save_question
    assert question is not None
    qtbot.keyClick(question, Qt.Key.Key_Escape)  # Escape in the question: keep editing
    assert window.save_question is None and window.isVisible()
    assert window.field("snooze.daily_limit").value() == 9

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    answer(window, QMessageBox.StandardButton.Discard)
    assert deleted(window)
    assert not runtime.settings_path.exists()
    assert runtime.settings.snooze.daily_limit == 6


def test_the_close_button_with_edits_asks_and_save_saves(
    window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "snooze.daily_limit", 9)
    close_from_title_bar(window)
    assert window.isVisible()
    answer(window, QMessageBox.StandardButton.Save)
    assert deleted(window)
    assert on_disk(runtime).snooze.daily_limit == 9
    assert runtime.settings.snooze.daily_limit == 9


def test_save_from_the_question_keeps_a_window_with_problems_open(
    window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "breaks.short.every_minutes", 150)  # not below long breaks' 90
    close_from_title_bar(window)
    answer(window, QMessageBox.StandardButton.Save)
    assert window.isVisible() and window.save_question is None
    assert window.problem_text("breaks.long.every_minutes")
    assert not runtime.settings_path.exists()
    close_from_title_bar(window)
    answer(window, QMessageBox.StandardButton.Cancel)  # "Keep editing"
    assert window.isVisible()
    assert window.field("breaks.short.every_minutes").value() == 150


def test_quit_closes_a_window_without_edits_at_once(window: SettingsWindow) -> None:
    quits: list[str] = []
    window.close_before_quitting(lambda: quits.append("quit"))
    assert quits == ["quit"]
    assert deleted(window)


def test_quit_with_edits_waits_for_the_answer(window: SettingsWindow, runtime: Runtime) -> None:
    quits: list[str] = []
    set_value(window, "snooze.daily_limit", 9)

    window.close_before_quitting(lambda: quits.append("quit"))
    assert quits == [] and window.isVisible()
    answer(window, QMessageBox.StandardButton.Cancel)  # "Keep editing": no quitting
    assert quits == [] and window.isVisible()
    window.reject()  # closing later is no quit either
    assert quits == []


@pytest.mark.parametrize(
    ("button", "limit_after"),
    [(QMessageBox.StandardButton.Save, 9), (QMessageBox.StandardButton.Discard, 6)],
    ids=["save", "discard"],
)
def test_quit_with_edits_quits_once_they_are_saved_or_discarded(
    window: SettingsWindow, runtime: Runtime, button: QMessageBox.StandardButton, limit_after: int
) -> None:
    quits: list[str] = []
    set_value(window, "snooze.daily_limit", 9)
    window.close_before_quitting(lambda: quits.append("quit"))
    answer(window, button)
    assert quits == ["quit"]
    assert deleted(window)
    assert runtime.settings.snooze.daily_limit == limit_after


def test_quit_stays_off_when_the_edits_cannot_be_saved(
    window: SettingsWindow, runtime: Runtime
) -> None:
    quits: list[str] = []
    set_value(window, "breaks.short.every_minutes", 150)  # not below long breaks' 90
    window.close_before_quitting(lambda: quits.append("quit"))
    answer(window, QMessageBox.StandardButton.Save)
    assert window.isVisible() and quits == []
    assert not runtime.settings_path.exists()


def test_closing_without_edits_or_from_code_does_not_ask(
    make_window: Callable[[], SettingsWindow],
) -> None:
    untouched = make_window()
    close_from_title_bar(untouched)
    assert deleted(untouched)
    edited = make_window()
    set_value(edited, "snooze.daily_limit", 9)
    edited.close()  # Respite quitting can't wait for an answer
    assert deleted(edited)


@pytest.mark.parametrize(
    ("key", "typed", "says"),
    [
        ("breaks.short.every_minutes", "500", "a whole number of minutes from 1 to 480"),
        ("breaks.idle_after_seconds", "5", "a whole number of seconds from 10 to 1800"),
        ("breaks.short.duration_minutes", "0", "a number of minutes from 0.25 to 120"),
    ],
)
def test_a_number_typed_out_of_range_stays_and_is_explained(
    qtbot, window: SettingsWindow, runtime: Runtime, key: str, typed: str, says: str
) -> None:
    window.tabs.setCurrentIndex(1)
    box = window.field(key)
    assert isinstance(box, QAbstractSpinBox)
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, typed)
    assert box.text().split()[0] == typed
    assert says in window.problem_text(key)
    assert not window.ok_button.isEnabled() and not window.apply_button.isEnabled()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter: OK, which is off
    assert window.isVisible()
    assert box.text().split()[0] == typed
    assert not runtime.settings_path.exists()


def test_a_problem_shows_whole_in_a_narrow_window(qtbot, window: SettingsWindow) -> None:
    window.tabs.setCurrentIndex(1)
    window.resize(700, window.height())  # the problem beside the field wraps to many lines
    box = window.field("breaks.short.every_minutes")
    assert isinstance(box, QAbstractSpinBox)
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "500")
    label = window.problem_label("breaks.short.every_minutes")
    qtbot.waitUntil(lambda: label.isVisible() and label.width() > 0)
    QApplication.processEvents()

    assert label.height() >= label.heightForWidth(label.width())  # no line cut off


@pytest.mark.parametrize(
    ("key", "start", "key_pressed", "after"),
    [
        ("breaks.short.every_minutes", 480, Qt.Key.Key_Up, 480),
        # Out of range, as typed: a step goes to the nearest allowed value.
        ("breaks.short.every_minutes", 500, Qt.Key.Key_Down, 480),
        ("breaks.idle_after_seconds", 5, Qt.Key.Key_Up, 10),
        ("breaks.idle_after_seconds", 10, Qt.Key.Key_PageDown, 10),
        ("breaks.short.duration_minutes", 119.5, Qt.Key.Key_PageUp, 120),
    ],
)
def test_the_arrows_step_only_within_the_limits(
    qtbot, window: SettingsWindow, key: str, start: float, key_pressed: Qt.Key, after: float
) -> None:
    box = window.field(key)
    assert isinstance(box, QSpinBox | MinutesSpin)
    box.setValue(start)
    qtbot.keyClick(box, key_pressed)
    assert box.value() == after


def test_counts_say_one_time_and_two_times(window: SettingsWindow) -> None:
    shown = {
        ("breaks.renudge_max", 0): "Never",
        ("breaks.renudge_max", 1): "1 time",
        ("breaks.renudge_max", 2): "2 times",
        ("after_hours.max_nudges", 0): "None",
        ("after_hours.max_nudges", 1): "1 check-in a night",
        ("after_hours.max_nudges", 3): "3 check-ins a night",
    }
    for (key, value), text in shown.items():
        set_value(window, key, value)
        assert window.field(key).text() == text


def test_a_value_with_more_decimals_than_shown_is_kept(
    qtbot, runtime: Runtime, make_window: Callable[[], SettingsWindow]
) -> None:
    write_externally(runtime, "[breaks.short]\nduration_minutes = 0.333  # 20 seconds\n")
    window = make_window()
    assert window.field("breaks.short.duration_minutes").text() == "0.33 min"
    assert not window.is_dirty() and not window.apply_button.isEnabled()
    # Not an edit: a change on disk is loaded quietly.
    write_externally(runtime, "[breaks.short]\nduration_minutes = 0.333\nevery_minutes = 40\n")
    assert window.banner.isHidden()
    assert window.field("breaks.short.every_minutes").value() == 40
    set_value(window, "snooze.daily_limit", 4)
    click(qtbot, window.apply_button)
    assert on_disk(runtime).breaks.short.duration_minutes == 0.333
    set_value(window, "breaks.short.duration_minutes", 0.5)
    click(qtbot, window.apply_button)
    assert on_disk(runtime).breaks.short.duration_minutes == 0.5


def test_apply_does_not_overwrite_a_change_made_a_moment_before(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "snooze.daily_limit", 9)
    runtime.settings_path.parent.mkdir(parents=True, exist_ok=True)
    # Another program saves; the watcher's reload (RELOAD_DELAY_MS later) has not run.
    runtime.settings_path.write_text("[breaks.short]\nevery_minutes = 45\n", encoding="utf-8")
    click(qtbot, window.apply_button)

    assert runtime.settings_path.read_text(encoding="utf-8") == (
        "[breaks.short]\nevery_minutes = 45\n"
    )
    assert runtime.settings.breaks.short.every_minutes == 45
    assert window.banner.isVisibleTo(window)
    assert "The settings file changed on disk" in window.banner.text()
    assert window.message.text().startswith("Not saved")
    click(qtbot, window.banner.primary)  # reload
    assert window.field("breaks.short.every_minutes").value() == 45
    assert not window.is_dirty()


def test_the_window_fits_a_small_screen(window: SettingsWindow) -> None:
    screen = window.screen().availableGeometry()  # offscreen: 800×600
    assert window.frameGeometry().width() <= screen.width()
    assert window.frameGeometry().height() <= screen.height()
    fitted = settings_window_module._fitted_size
    assert fitted(QSize(880, 660), QRect(0, 0, 1920, 1040)) == QSize(880, 660)
    assert fitted(QSize(880, 660), QRect(0, 32, 1280, 568)) == QSize(880, 511)


def test_a_hand_written_file_keeps_its_comments(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    write_externally(runtime, HAND_WRITTEN)
    assert window.field("why").text() == "Evenings are for the garden."  # reloaded, no edits
    set_value(window, "breaks.short.every_minutes", 25)
    set_value(window, "snooze.daily_limit", 4)
    click(qtbot, window.apply_button)

    text = runtime.settings_path.read_text(encoding="utf-8")
    for comment in (
        "# My Respite settings -- tuned by hand.",
        "# keep this",
        "# Fridays are short.",
        "# the classic",
    ):
        assert comment in text
    assert "every_minutes = 25" in text
    assert "daily_limit = 4" in text
    assert text.index("why") < text.index("[work_hours]") < text.index("[breaks.short]")
    assert on_disk(runtime).breaks.short.every_minutes == 25
    assert runtime.settings.snooze.daily_limit == 4


def test_copy_monday_to_all_weekdays(qtbot, window: SettingsWindow, runtime: Runtime) -> None:
    monday = window.days["monday"]
    click(qtbot, monday.rows[1].remove)
    set_window(window, "work_hours.monday[0]", "07:30-11:00")
    click(qtbot, monday.add)
    set_window(window, "work_hours.monday[1]", "12:00-15:45")
    click(qtbot, window.days["wednesday"].off)

    click(qtbot, window.copy_monday)

    wanted = [window_of("07:30-11:00"), window_of("12:00-15:45")]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday"):
        assert window.days[day].windows() == wanted
        assert not window.days[day].off.isChecked()
    assert window.days["saturday"].windows() == []
    click(qtbot, window.apply_button)
    days = on_disk(runtime).work_hours.days
    assert days[:5] == (tuple(wanted),) * 5 and days[5:] == ((), ())


def test_day_off_hides_and_restores_the_windows(qtbot, window: SettingsWindow) -> None:
    friday = window.days["friday"]
    before = friday.windows()
    click(qtbot, friday.off)
    assert friday.windows() == [] and not friday.windows_box.isVisibleTo(window)
    click(qtbot, friday.off)
    assert friday.windows() == before
    click(qtbot, friday.rows[0].remove)
    click(qtbot, friday.rows[0].remove)
    assert friday.off.isChecked()  # no windows left is a day off
    click(qtbot, friday.add)
    assert friday.windows() == [TimeWindow(hm("09:00"), hm("17:00"))]


def test_the_reminder_preview_shows_the_next_three_times(
    qtbot, window: SettingsWindow, clock: FakeClock
) -> None:
    window.tabs.setCurrentIndex(3)
    click(qtbot, window.reminders.add)
    row = window.reminders.rows[0]
    row.name.setText("Lunch")
    row.cron.clear()
    qtbot.keyClicks(row.cron, "30 12 * * mon-fri")
    text = row.preview.text()
    # Monday 10:00 in London: today, tomorrow and Wednesday at 12:30.
    assert text.startswith("Next: today 12:30 · tomorrow 12:30 · Wed 25 Nov 12:30")
    assert "Europe/London" in text
    assert row.preview.isVisibleTo(window)

    clock.advance(3 * 3600)  # 13:00: today's has passed
    set_value(window, "reminders[0].message", "Eat")
    assert row.preview.text().startswith("Next: tomorrow 12:30 · Wed 25 Nov 12:30 · Thu 26 Nov")

    row.cron.setText("0 0 31 2 *")  # valid, but there is no 31 February
    assert row.preview.text().startswith("This schedule never fires")
    assert window.problems == []

    row.cron.setText("61 * * * *")
    assert not row.preview.isVisibleTo(window)
    assert "higher than the maximum value (59)" in window.problem_text("reminders[0].cron")


def test_the_preview_follows_the_chosen_time_zone(qtbot, window: SettingsWindow) -> None:
    window.reminders.add_reminder("Lunch", "30 12 * * mon-fri")
    set_value(window, "timezone", "Asia/Tokyo")  # 10:00 London is 19:00 in Tokyo
    text = window.reminders.rows[0].preview.text()
    assert text.startswith("Next: tomorrow 12:30 · Wed 25 Nov 12:30 · Thu 26 Nov 12:30")
    assert "Asia/Tokyo" in text


def test_a_change_on_disk_reloads_a_window_without_edits(
    window: SettingsWindow, runtime: Runtime
) -> None:
    write_externally(runtime, "[breaks.short]\nevery_minutes = 40\n")
    assert window.field("breaks.short.every_minutes").value() == 40
    assert window.banner.isHidden()
    assert not window.is_dirty()


def test_a_change_on_disk_with_edits_asks_first(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "snooze.daily_limit", 9)
    write_externally(runtime, "[breaks.short]\nevery_minutes = 40\n")

    assert window.banner.isVisibleTo(window)
    assert "The settings file changed on disk" in window.banner.text()
    assert window.banner.primary.text() == "&Reload"
    assert window.banner.secondary.text() == "&Keep my edits"
    assert window.banner.primary.accessibleName() == "Reload"
    assert window.field("breaks.short.every_minutes").value() == 30  # not yet
    click(qtbot, window.banner.secondary)  # keep my edits
    assert window.banner.isHidden()
    assert window.field("snooze.daily_limit").value() == 9
    click(qtbot, window.apply_button)
    # Applying the kept edits writes them into the changed file.
    assert runtime.settings.snooze.daily_limit == 9

    set_value(window, "snooze.daily_limit", 2)
    write_externally(runtime, "[breaks.short]\nevery_minutes = 50\n")
    click(qtbot, window.banner.primary)  # reload
    assert window.field("breaks.short.every_minutes").value() == 50
    assert window.field("snooze.daily_limit").value() == 6
    assert not window.is_dirty()


def test_keep_my_edits_keeps_the_other_changes_on_disk_too(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    set_value(window, "snooze.daily_limit", 9)
    set_value(window, "why", "Dinner with the kids")
    write_externally(
        runtime,
        'why = "Evenings are mine"\n[breaks.short]\nevery_minutes = 40\n'
        '[work_hours]\nfriday = ["09:00-12:00"]\n',
    )
    click(qtbot, window.banner.secondary)  # keep my edits

    # Edited here: as edited. Changed on disk only: as the file says now.
    assert window.field("snooze.daily_limit").value() == 9
    assert window.field("why").text() == "Dinner with the kids"
    assert window.field("breaks.short.every_minutes").value() == 40
    assert window.days["friday"].texts() == ["09:00-12:00"]
    click(qtbot, window.apply_button)

    saved = on_disk(runtime)
    assert saved.snooze.daily_limit == 9
    assert saved.why == "Dinner with the kids"
    assert saved.breaks.short.every_minutes == 40
    assert [str(w) for w in saved.work_hours.windows(4)] == ["09:00-12:00"]


def test_a_rejected_file_is_explained_in_the_banner(
    window: SettingsWindow, runtime: Runtime
) -> None:
    write_externally(runtime, "[breaks.short]\nevery_minutes = 0\n")
    assert window.banner.isVisibleTo(window)
    text = window.banner.text()
    assert "can't use it" in text
    assert "breaks.short.every_minutes = 0 is not allowed" in text
    assert window.field("breaks.short.every_minutes").value() == 30


def test_applying_is_not_reported_as_a_change_on_disk(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    rejected: list[list[str]] = []
    runtime.settings_rejected.connect(rejected.append)
    set_value(window, "breaks.renudge_minutes", 9)
    click(qtbot, window.apply_button)
    assert runtime.reload_settings() is False  # the watcher's later reload: nothing new
    assert rejected == []
    assert window.banner.isHidden()
    assert runtime.settings.breaks.renudge_minutes == 9


def test_unknown_keys_left_in_the_file_are_explained(
    qtbot, window: SettingsWindow, runtime: Runtime
) -> None:
    write_externally(runtime, "colour = 'green'\n")  # rejected: an unknown key
    window.banner.hide()
    set_value(window, "breaks.renudge_minutes", 9)
    assert window.apply() is False
    assert "colour = 'green'" in runtime.settings_path.read_text(encoding="utf-8")
    assert "Your changes were saved" in window.banner.text()
    assert "colour" in window.banner.text()
    assert "not in use yet" in window.message.text()


def test_a_write_error_is_shown_and_the_edits_stay(
    qtbot, window: SettingsWindow, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise SettingsWriteError(
            "Could not save settings to x: disk full. The file was not changed."
        )

    monkeypatch.setattr(settings_window_module, "save_settings", fail)
    set_value(window, "snooze.daily_limit", 9)
    click(qtbot, window.ok_button)
    assert window.isVisible()
    assert window.message.text().startswith("Could not save settings")
    assert window.field("snooze.daily_limit").value() == 9
    assert runtime.settings.snooze.daily_limit == 6


def test_autostart_calls_the_backend_once_per_change(
    qtbot, window: SettingsWindow, runtime: Runtime, autostart: FakeAutostart
) -> None:
    set_value(window, "interface.autostart", True)
    click(qtbot, window.apply_button)
    assert autostart.calls == [("enable", launch_command())]
    set_value(window, "interface.sound", False)  # another change: autostart untouched
    click(qtbot, window.apply_button)
    assert len(autostart.calls) == 1
    set_value(window, "interface.autostart", False)
    click(qtbot, window.ok_button)
    assert autostart.calls == [("enable", launch_command()), ("disable", None)]
    assert on_disk(runtime).interface == Interface(autostart=False, sound=False)


def test_a_failing_autostart_backend_is_explained(
    qtbot, window: SettingsWindow, runtime: Runtime, autostart: FakeAutostart
) -> None:
    def broken(command: list[str]) -> None:
        raise PermissionError("~/.config/autostart is read-only")

    autostart.enable = broken  # type: ignore[method-assign]
    set_value(window, "interface.autostart", True)
    click(qtbot, window.ok_button)
    assert window.isVisible()
    assert "could not turn on start at login" in window.message.text()
    assert runtime.settings.interface.autostart is True


def test_every_control_is_named_and_reachable_by_keyboard(window: SettingsWindow) -> None:
    window.reminders.add_reminder("Lunch", "30 12 * * mon-fri")
    window.days["sunday"].add_window()
    # New rows live inside the window: nothing pops up as a window of its own.
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]
    controls = [
        widget
        for widget in window.findChildren(QWidget)
        if isinstance(
            widget, QAbstractSpinBox | QCheckBox | QComboBox | QLineEdit | QAbstractButton
        )
        and not isinstance(widget.parent(), QAbstractSpinBox | QComboBox | QTabBar)
        and not window.banner.isAncestorOf(widget)  # named when shown; see the banner tests
    ]
    assert len(controls) > 60
    for control in controls:
        assert control.accessibleName(), control
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus, control.accessibleName()
    for index in range(window.tabs.count()):
        assert window.tabs.tabText(index).startswith("&")  # Alt+letter opens each tab


class ButtonsWithIcons(QProxyStyle):
    """Fusion with icons on dialog buttons, as under X11 desktops."""

    def styleHint(self, hint: QStyle.StyleHint, *args: Any) -> int:  # Qt override
        if hint is QStyle.StyleHint.SH_DialogButtonBox_ButtonsHaveIcons:
            return 1
        return super().styleHint(hint, *args)


def test_every_settings_window_shows_the_same_button_icons(
    make_window: Callable[[], SettingsWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    # New icons each time would leave new pixmaps in QPixmapCache for every window.
    monkeypatch.setattr(settings_window_module, "_BUTTON_ICONS", {})
    style = QApplication.style().name()
    QApplication.setStyle(ButtonsWithIcons("Fusion"))
    try:
        first, second = make_window(), make_window()
    finally:
        QApplication.setStyle(style)
    pairs = list(zip(first.buttons.buttons(), second.buttons.buttons(), strict=True))
    assert len(pairs) == 3
    for one, other in pairs:
        assert not one.icon().isNull()
        assert one.icon().cacheKey() == other.icon().cacheKey()


def test_a_new_icon_theme_gives_the_next_window_new_button_icons(
    make_window: Callable[[], SettingsWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_window_module, "_BUTTON_ICONS", {})
    style, theme = QApplication.style().name(), QIcon.themeName()
    QApplication.setStyle(ButtonsWithIcons("Fusion"))
    try:
        before = make_window()
        QIcon.setThemeName("respite-test-theme")  # as when the desktop's theme changes
        after, again = make_window(), make_window()
    finally:
        QIcon.setThemeName(theme)
        QApplication.setStyle(style)

    def keys(window: SettingsWindow) -> list[int]:
        return [button.icon().cacheKey() for button in window.buttons.buttons()]

    assert len(keys(before)) == 3
    assert set(keys(after)).isdisjoint(keys(before))
    assert keys(again) == keys(after)  # shared again under the new theme


def test_the_tray_menu_opens_the_window_and_cancel_forgets_the_edits(
    qtbot, runtime: Runtime
) -> None:
    write_externally(runtime, HAND_WRITTEN)
    desktop = Desktop(runtime, tray_wait_ms=0)
    try:
        desktop.handle_intent("settings")
        window = desktop.settings_window
        assert isinstance(window, SettingsWindow) and window.isVisible()
        set_value(window, "breaks.short.every_minutes", 45)
        click(qtbot, window.days["monday"].off)
        window.reminders.add_reminder("Water", "0 * * * *")
        assert open_window(desktop, "settings") is window  # while open: edits and all
        assert window.field("breaks.short.every_minutes").value() == 45

        click(qtbot, window.cancel_button)
        assert deleted(window) and desktop.settings_window is None

        again = open_window(desktop, "settings")  # what Respite uses, not the edits
        assert isinstance(again, SettingsWindow) and again is not window
        assert again.field("breaks.short.every_minutes").value() == 30
        assert again.days["monday"].windows() == list(runtime.settings.work_hours.windows(0))
        assert again.reminders.rows == []
        assert not again.is_dirty()
    finally:
        desktop.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
