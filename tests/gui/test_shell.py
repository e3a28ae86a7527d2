"""The tray menu, the popup and the break window drive the right engine actions."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSystemTrayIcon,
    QWidget,
)

from respite.core.clock import FakeClock
from respite.core.engine import WIN_MAX_CHARACTERS, Phase
from respite.core.errors import UNEXPECTED
from respite.core.events import EventKind
from respite.core.nudges import Choice, Nudge, NudgeKind
from respite.platform.memory import MemoryGiver
from respite.qt import emit
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui import break_window as break_window_module
from respite.ui import icons
from respite.ui.break_window import BreakWindow, countdown_text
from respite.ui.icons import STATE_NAMES, palette_variant, state_icon
from respite.ui.nudge_popup import NudgePopup, popup_position
from respite.ui.popup import PopupNotifier
from respite.ui.shell import Desktop, ask_win_text
from respite.ui.tray import TrayMenu, TrayWaiter

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)


def at(hhmm: str, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


class AlwaysActive:
    def idle_seconds(self) -> float | None:
        return 0.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at("10:00"))


@pytest.fixture
def runtime(qtbot, tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(
        config_path=tmp_path / "settings.toml",
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
def desktop(qtbot, runtime: Runtime) -> Iterator[Desktop]:
    shell = Desktop(runtime, tray_wait_ms=0, ask_win=lambda: "Shipped the release")
    shell.start()
    yield shell
    shell.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def deleted(thing: QObject) -> bool:
    """Whether Qt has deleted `thing`, once the deletions already asked for are done
    (closing a window that deletes on close asks for one at the event loop's next turn)."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return not shiboken6.isValid(thing)


BREAK_ENDS = (EventKind.BREAK_FINISHED, EventKind.BREAK_SKIPPED)


def logged(runtime: Runtime) -> list[tuple[EventKind, dict]]:
    events = runtime.event_log.events(at("00:00"), at("23:59"))
    return [(e.kind, e.data) for e in events if e.kind not in (EventKind.APP_STARTED,)]


def kinds(runtime: Runtime) -> list[EventKind]:
    return [kind for kind, _ in logged(runtime)]


MENU_CASES = [
    ("start_break", EventKind.BREAK_STARTED, {"kind": "short", "planned_seconds": 120.0}),
    ("snooze:10", EventKind.BREAK_SNOOZED, {"kind": "short", "minutes": 10.0,
                                             "over_limit": False}),
    ("pause:30", EventKind.PAUSED, {"until": "2026-11-23T10:30:00+00:00"}),
    ("pause:60", EventKind.PAUSED, {"until": "2026-11-23T11:00:00+00:00"}),
    ("pause:tomorrow", EventKind.PAUSED, {"until": "2026-11-24T09:00:00+00:00",
                                          "work_day": "2026-11-23"}),
    ("win", EventKind.WIN, {"text": "Shipped the release"}),
    ("done_for_today", EventKind.DONE_FOR_TODAY, {"until": "2026-11-24T09:00:00+00:00",
                                                  "work_day": "2026-11-23"}),
]  # fmt: skip


@pytest.mark.parametrize(("key", "kind", "data"), MENU_CASES)
def test_every_tray_menu_entry_lands_in_the_log(
    desktop: Desktop, runtime: Runtime, key: str, kind: EventKind, data: dict
) -> None:
    action = desktop.menu.actions_by_key()[key]
    assert (action.isEnabled() and action.isVisible()) or key.startswith(("snooze", "pause"))
    action.trigger()
    assert logged(runtime)[-1] == (kind, data)


def test_the_win_question_stops_typing_at_the_limit_and_keeps_the_words(qtbot) -> None:
    def type_too_much() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        field = dialog.findChild(QLineEdit)
        QTest.keyClicks(field, "ran the whole way " * 40)  # 720 characters
        dialog.accept()

    QTimer.singleShot(0, type_too_much)
    text = ask_win_text()

    assert text is not None and len(text) == WIN_MAX_CHARACTERS
    assert text.startswith("ran the whole way")


def test_snooze_entries_read_well_and_share_no_access_key(runtime: Runtime) -> None:
    menu = TrayMenu([1, 10, 15, 30])
    labels = [action.text() for action in menu.snooze_menu.actions()]
    assert labels == ["1 minute", "10 minutes", "15 minutes", "&30 minutes"]


def test_resume_replaces_pause_in_the_menu(desktop: Desktop, runtime: Runtime) -> None:
    actions = desktop.menu.actions_by_key()
    actions["pause:30"].trigger()
    assert desktop.menu.resume.isVisible()
    assert not desktop.menu.pause_menu.menuAction().isVisible()
    assert desktop.menu.status_action.text() == "Paused until 10:30"
    actions["resume"].trigger()
    assert kinds(runtime)[-1] is EventKind.RESUMED
    assert not desktop.menu.resume.isVisible()


def test_quit_history_and_settings_are_shell_intents(desktop: Desktop, qtbot) -> None:
    with qtbot.waitSignal(desktop.quit_requested, timeout=1000):
        desktop.menu.actions_by_key()["quit"].trigger()
    assert {"history", "settings"} <= set(desktop.menu.actions_by_key())


def test_quit_asks_about_unsaved_settings_edits_first(desktop: Desktop, qtbot) -> None:
    quits: list[str] = []
    desktop.quit_requested.connect(lambda: quits.append("quit"))
    desktop.handle_intent("settings")
    window = desktop.settings_window
    assert window is not None
    window.field("snooze.daily_limit").setValue(9)

    desktop.menu.actions_by_key()["quit"].trigger()
    assert quits == [] and window.save_question is not None

    window.save_question.button(QMessageBox.StandardButton.Discard).click()
    assert quits == ["quit"]


def test_a_left_click_opens_the_same_menu(desktop: Desktop, qtbot) -> None:
    desktop.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)
    qtbot.waitUntil(desktop.menu.menu.isVisible, timeout=2000)
    desktop.menu.menu.hide()


def test_the_status_line_and_icon_follow_the_engine(
    desktop: Desktop, runtime: Runtime, clock: FakeClock
) -> None:
    assert desktop.menu.status_action.text().startswith("Short break in 30 min")
    assert desktop.tray.icon.toolTip().startswith("Respite — Short break in 30 min")
    for _ in range(31 * 2):  # half a minute at a time, as the app samples
        clock.advance(30)
        runtime.sample()
    assert desktop.tray._phase is Phase.BREAK_DUE
    assert desktop.menu.status_action.text().startswith("Time for a short break")


def break_nudge() -> Nudge:
    return Nudge(
        NudgeKind.SHORT_BREAK, at("10:30"), "Time for a short break", "Look away.",
        (Choice("start_break", "Start break"), Choice("snooze:5", "Snooze 5 min"),
         Choice("skip", "Skip")),
    )  # fmt: skip


class RefusingNotifier(QObject):
    """Desktop notifications whose server refuses or does not answer `Notify` in time."""

    choice_made = Signal(object, str)
    dismissed = Signal(object)

    def show(self, nudge: Nudge) -> None:
        from respite.platform.notify import NotifierUnavailable

        raise NotifierUnavailable("notification server did not answer Notify within 1 s")

    def close(self, nudge_id: str) -> None:
        pass


def test_a_nudge_the_notification_server_fails_to_take_goes_to_the_popup(
    qtbot, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("jeepney")
    notifier = RefusingNotifier()
    shell = Desktop(runtime, notifier, tray_wait_ms=0)
    try:
        nudge = break_nudge()
        shell.show_nudge(nudge)  # what the runtime's `nudged` signal calls

        assert shell.popups.current is not None
        assert shell.popups.current.nudge is nudge
        assert "did not answer Notify" in caplog.text
        assert shell.notifier is notifier  # a hiccup: the next nudge tries it again
    finally:
        shell.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


class ScreenNotifier(QObject):
    """A notification server's screen: one notification of each kind, as dunst replaces."""

    choice_made = Signal(object, str)
    dismissed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.on_screen: dict[str, Nudge] = {}

    def show(self, nudge: Nudge) -> None:
        self.on_screen = {i: n for i, n in self.on_screen.items() if n.kind is not nudge.kind}
        self.on_screen[nudge.id] = nudge

    def close(self, nudge_id: str) -> None:
        self.on_screen.pop(nudge_id, None)


@pytest.fixture
def screen(runtime: Runtime) -> Iterator[tuple[Desktop, ScreenNotifier]]:
    notifier = ScreenNotifier()
    shell = Desktop(runtime, notifier, tray_wait_ms=0)
    shell.start()
    yield shell, notifier
    shell.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def reminder_nudge() -> Nudge:
    return Nudge(NudgeKind.REMINDER, at("10:32"), "Drink some water", "", (Choice("ok", "OK"),))


def test_a_break_taken_from_the_menu_clears_its_nudge_behind_a_later_one(
    screen: tuple[Desktop, ScreenNotifier], runtime: Runtime, clock: FakeClock
) -> None:
    shell, notifier = screen
    for _ in range(31 * 2):  # half a minute at a time, as the app samples
        clock.advance(30)
        runtime.sample()
    [break_id] = notifier.on_screen
    shell.show_nudge(reminder_nudge())  # a reminder came after it

    shell.handle_intent("start_break")  # the tray menu's "Take a break now"

    assert break_id not in notifier.on_screen
    assert [n.kind for n in notifier.on_screen.values()] == [NudgeKind.REMINDER]


def test_a_clicked_balloon_brings_back_only_a_nudge_still_unanswered(
    screen: tuple[Desktop, ScreenNotifier], runtime: Runtime
) -> None:
    shell, notifier = screen
    nudge = break_nudge()
    shell.show_nudge(nudge)
    shell.tray.icon.messageClicked.emit()  # the status balloon, say
    assert shell.popups.current is not None and shell.popups.current.nudge is nudge
    shell.popups.close(nudge.id)

    emit(notifier.choice_made, nudge, "skip")  # answered in the notification
    shell.tray.icon.messageClicked.emit()

    assert shell.popups.current is None or not shell.popups.current.isVisible()


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Start break", EventKind.BREAK_STARTED),
        ("Snooze 5 min", EventKind.BREAK_SNOOZED),
        ("Skip", EventKind.BREAK_SKIPPED),
    ],
)
def test_every_popup_button_drives_the_engine(
    desktop: Desktop, runtime: Runtime, qtbot, label: str, kind: EventKind
) -> None:
    desktop.show_nudge(break_nudge())
    popup = desktop.popups.current
    assert isinstance(popup, NudgePopup)
    qtbot.waitUntil(popup.isVisible, timeout=2000)
    button = next(b for b in popup.findChildren(QPushButton) if b.text() == label)
    assert button.accessibleName() == label
    button.click()
    assert kinds(runtime)[-1] is kind
    assert desktop.popups.current is None or not desktop.popups.current.isVisible()


def test_the_win_button_asks_for_words_and_logs_them(desktop: Desktop, runtime) -> None:
    nudge = Nudge(NudgeKind.END_OF_DAY, at("17:30"), "That's a wrap", "",
                  (Choice("win", "Log a small win"),))  # fmt: skip
    desktop.show_nudge(nudge)
    assert desktop.popups.current is not None
    desktop.popups.current.buttons["win"].click()
    assert logged(runtime)[-1] == (EventKind.WIN, {"text": "Shipped the release"})


def test_an_unanswered_popup_fades_and_counts_as_ignored(qtbot, runtime, desktop) -> None:
    notifier = PopupNotifier()
    notifier.dismissed.connect(desktop._dismissed)
    notifier.show(break_nudge())
    assert notifier.current is not None
    notifier.current._stay.setInterval(10)
    notifier.current._stay.start()
    qtbot.waitUntil(lambda: EventKind.NUDGE_DISMISSED in kinds(runtime), timeout=5000)
    assert logged(runtime)[-1] == (EventKind.NUDGE_DISMISSED, {"kind": "short_break"})
    assert notifier.current is None


def test_a_popup_opens_where_the_tray_icon_is_when_it_opens(
    desktop: Desktop, monkeypatch: pytest.MonkeyPatch
) -> None:
    place = [QRect(0, 0, 22, 22)]  # the panel has not placed the icon yet
    monkeypatch.setattr(desktop.tray.icon, "geometry", lambda: place[0])
    desktop._tray_found()
    place[0] = QRect(700, 0, 22, 22)  # placed at the top right

    desktop.show_nudge(break_nudge())  # minutes later

    popup = desktop.popups.current
    assert popup is not None
    assert popup.pos().x() > 400 and popup.pos().y() < 100


def test_the_popup_never_takes_focus_and_sits_by_the_tray(qtbot) -> None:
    popup = NudgePopup(break_nudge())
    qtbot.addWidget(popup)
    assert popup.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert popup.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    area = QRect(1200, 0, 24, 24)  # a tray at the top right
    position = popup_position(300, 120, area)
    assert position.y() > area.bottom()
    assert position.x() + 300 <= 1280 or position.x() > 0
    corner = popup_position(300, 120, None)
    assert corner.x() > 0 and corner.y() > 0


def test_a_nudge_that_comes_back_is_more_visible(qtbot) -> None:
    first = NudgePopup(break_nudge())
    again = NudgePopup(Nudge(NudgeKind.SHORT_BREAK, at("10:35"), "Still here", "", (), level=1))
    qtbot.addWidget(first)
    qtbot.addWidget(again)
    assert "#d9822b" in again.styleSheet() and "#d9822b" not in first.styleSheet()
    assert again._stay.interval() > first._stay.interval()


def test_starting_a_break_opens_the_break_window(desktop: Desktop, runtime, clock) -> None:
    desktop.menu.actions_by_key()["start_break"].trigger()
    window = desktop.break_window
    assert window.isVisible()
    assert window.heading.text() == "A short break"
    assert window.countdown.text() == "2:00"
    assert window.idea.text()
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert not window.isFullScreen()
    for control in (window.done_button, window.skip_button, window.countdown, window.idea):
        assert control.accessibleName()


@pytest.mark.parametrize(("button", "completed"), [("done_button", False), ("skip_button", False)])
def test_break_window_buttons_end_the_break(
    desktop: Desktop, runtime, clock, button: str, completed: bool
) -> None:
    desktop.menu.actions_by_key()["start_break"].trigger()
    clock.advance(30)
    getattr(desktop.break_window, button).click()
    assert logged(runtime)[-1] == (
        EventKind.BREAK_FINISHED,
        {"kind": "short", "seconds": 30, "completed": completed},
    )
    assert not desktop.break_window.isVisible()


@pytest.mark.parametrize("strict", [False, True], ids=["window", "strict"])
def test_closing_the_break_window_during_the_countdown_ends_the_break_as_escape_does(
    desktop: Desktop, runtime: Runtime, clock: FakeClock, strict: bool
) -> None:
    desktop.break_window.strict = strict
    desktop.menu.actions_by_key()["start_break"].trigger()
    window = desktop.break_window
    clock.advance(30)
    window.close()  # the title bar's close button, or Alt+F4
    # Was: hidden, the break running on with nothing on screen to end it.
    assert logged(runtime)[-1] == (
        EventKind.BREAK_FINISHED,
        {"kind": "short", "seconds": 30, "completed": False},
    )
    assert not window.isVisible() and not window._tick.isActive() and not window._backdrops
    assert runtime.engine.status().phase is not Phase.ON_BREAK


@pytest.mark.parametrize("engine_first", [True, False], ids=["engine-first", "window-first"])
@pytest.mark.parametrize("answer", ["close", "escape", "title-bar"])
def test_close_or_escape_after_a_break_only_closes_the_window(
    desktop: Desktop,
    runtime: Runtime,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    engine_first: bool,
) -> None:
    told: list[str] = []
    monkeypatch.setattr(desktop, "tell", told.append)
    desktop.menu.actions_by_key()["start_break"].trigger()
    window = desktop.break_window
    clock.advance(121)
    if engine_first:  # the runtime's own wake-up ended the break a moment before the tick
        runtime.sample()
    window._update()  # the countdown's last tick
    assert window.heading.text() == "Welcome back"

    if answer == "close":
        assert window.done_button.text() == "Close"
        window.done_button.click()
    elif answer == "escape":
        QTest.keyClick(window, Qt.Key.Key_Escape)
    else:
        window.close()
    runtime.sample()

    assert not window.isVisible() and told == []
    assert [event for event in logged(runtime) if event[0] in BREAK_ENDS] == [
        (EventKind.BREAK_FINISHED, {"kind": "short", "seconds": 120, "completed": True})
    ]


def test_a_break_started_just_after_the_last_one_stays_on_screen(
    qtbot, desktop: Desktop, runtime: Runtime, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(break_window_module, "WELCOME_BACK_MS", 50)  # read as it is built
    desktop.menu.actions_by_key()["start_break"].trigger()
    window = desktop.break_window
    clock.advance(121)
    runtime.sample()
    window._update()
    assert window.welcoming_back()

    desktop.menu.actions_by_key()["start_break"].trigger()  # again, within "welcome back"
    qtbot.wait(200)  # past the first break's "welcome back"

    assert window.isVisible() and window.heading.text() == "A short break"


FULL_DISK = "Respite could not write to its log: the disk is full. Free some space."


def fail_every_write(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise StorageError(FULL_DISK)

    monkeypatch.setattr(runtime.event_log, "record", refuse)
    monkeypatch.setattr(runtime.event_log, "record_span", refuse)


def test_an_action_the_log_cannot_take_is_told_not_raised(
    desktop: Desktop, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(desktop, "tell", told.append)
    fail_every_write(runtime, monkeypatch)

    desktop.menu.actions_by_key()["start_break"].trigger()
    desktop._dismissed(break_nudge())  # a popup fading: only logged

    assert told == [FULL_DISK]
    assert runtime.engine.status().phase is not Phase.ON_BREAK  # nothing half-done


def test_a_bug_behind_an_action_is_told_as_an_unexpected_problem_and_logged_in_full(
    desktop: Desktop,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    told: list[str] = []
    monkeypatch.setattr(desktop, "tell", told.append)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        int("x")  # a ValueError whose text means nothing to the user

    monkeypatch.setattr(runtime.engine, "start_break", broken)
    desktop.menu.actions_by_key()["start_break"].trigger()

    assert told == [UNEXPECTED]  # was: "invalid literal for int() with base 10: 'x'"
    assert "Traceback" in caplog.text and "invalid literal" in caplog.text


def test_a_win_asked_for_again_while_its_question_is_open_is_asked_once(
    desktop: Desktop, runtime: Runtime
) -> None:
    asked: list[None] = []

    def ask() -> str:  # the dialog's own event loop runs a notification's "win" button
        asked.append(None)
        desktop.handle_choice(break_nudge(), "win")
        return "Fixed the flaky test"

    desktop.ask_win = ask
    desktop.handle_intent("win")

    assert asked == [None]
    assert [data for kind, data in logged(runtime) if kind is EventKind.WIN] == [
        {"text": "Fixed the flaky test"}
    ]


def test_the_countdown_reaches_zero_and_welcomes_you_back(qtbot, clock) -> None:
    window = BreakWindow(sound=False, clock=clock.now)
    qtbot.addWidget(window)
    from respite.core.break_ideas import BreakIdea

    window.start("long", clock.now() + timedelta(minutes=10), BreakIdea("walk", "Walk."))
    assert window.countdown.text() == "10:00"
    clock.advance(timedelta(minutes=10))
    window._update()
    assert window.heading.text() == "Welcome back"
    assert not window.skip_button.isVisible()


def test_countdown_text() -> None:
    assert [countdown_text(s) for s in (0, 9.6, 61, 600)] == ["0:00", "0:10", "1:01", "10:00"]


def test_without_a_tray_a_message_stays_on_screen_until_read(qtbot, runtime) -> None:
    def boxes() -> list[QMessageBox]:
        gc.collect()  # a box held by nobody would go now
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]

    shell = Desktop(runtime, tray_wait_ms=0)
    shell._no_tray()
    try:
        shell.tell("You're not on a break right now.")
        [box] = boxes()
        assert box.isVisible() and box.text() == "You're not on a break right now."

        shell.tell("Snoozed for 10 minutes.")  # the same box, the newer message
        assert boxes() == [box] and box.text() == "Snoozed for 10 minutes."

        box.accept()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert deleted(box) and boxes() == []
        shell.tell("Paused until 14:30.")
        [again] = boxes()
        assert again.isVisible() and again.text() == "Paused until 14:30."
    finally:
        shell.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_no_tray_means_a_small_window_and_one_hint(qtbot, runtime) -> None:
    shell = Desktop(runtime, tray_wait_ms=0)
    shell._no_tray()
    assert shell.status_window.isVisible()
    assert "AppIndicator" in shell.status_window.hint.text()
    shell.status_window.take_break.click()
    assert kinds(runtime)[-1] is EventKind.BREAK_STARTED
    shell.close()


def test_the_no_tray_window_is_tall_enough_for_its_hint(qtbot, runtime) -> None:
    shell = Desktop(runtime, tray_wait_ms=0)
    try:
        shell._no_tray()
        hint = shell.status_window.hint
        QApplication.processEvents()
        assert hint.height() >= hint.heightForWidth(hint.width())  # no line cut off
    finally:
        shell.close()


def test_a_tray_that_turns_up_after_the_wait_gets_the_icon(
    qtbot, runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray_there = [False]
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", lambda: tray_there[0])
    shell = Desktop(runtime, tray_wait_ms=0)
    shell.waiter = TrayWaiter(wait_ms=20, poll_ms=10, late_poll_ms=10)
    shell.waiter.tray_found.connect(shell._tray_found)
    shell.waiter.gave_up.connect(shell._no_tray)
    try:
        shell.start()
        qtbot.waitUntil(lambda: shell._status_window is not None, timeout=2000)
        assert shell.status_window.isVisible() and not shell.tray_available

        tray_there[0] = True  # the panel started late, or came back
        qtbot.waitUntil(lambda: shell.tray_available, timeout=2000)
        assert not shell.status_window.isVisible()
    finally:
        shell.close()


def test_every_state_has_light_dark_and_template_icons(qapp) -> None:
    assert palette_variant() in ("light", "dark")
    for phase in STATE_NAMES:
        for variant in ("light", "dark", "mono"):
            icon = state_icon(phase, variant)
            assert not icon.isNull()
            for size in (16, 22, 48):  # drawn by Qt's SVG icon engine at each size
                image = icon.pixmap(size, size).toImage()
                assert (image.width(), image.height()) == (size, size)
                drawn = sum(
                    image.pixelColor(x, y).alpha() > 0 for x in range(size) for y in range(size)
                )
                assert size * size // 10 < drawn < size * size  # a shape, not blank or a box
    assert state_icon(Phase.PAUSED, "mono").isMask()
    light = state_icon(Phase.WORKING, "light").pixmap(22, 22).toImage()
    dark = state_icon(Phase.WORKING, "dark").pixmap(22, 22).toImage()
    assert light != dark


def test_an_icon_qt_cannot_draw_is_said_in_the_log(
    qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = tmp_path / "working-light.svg"  # what a missing SVG plugin looks like to Qt
    garbage.write_bytes(b"not an image")
    monkeypatch.setattr(icons, "resource_file", lambda resource: garbage)
    icons.icon_from_svg.cache_clear()
    try:
        icons.icon_from_svg("working-light.svg")
    finally:
        icons.icon_from_svg.cache_clear()
    assert "Qt cannot draw the icon working-light.svg" in caplog.text
    monkeypatch.undo()
    caplog.clear()
    icons.icon_from_svg.cache_clear()
    try:
        assert not icons.icon_from_svg("working-light.svg").pixmap(16, 16).isNull()
    finally:
        icons.icon_from_svg.cache_clear()
    assert "cannot draw" not in caplog.text  # the real one draws, quietly


def test_an_icon_that_cannot_be_read_is_blank_and_said_in_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unreadable(resource: object) -> Path:
        raise FileNotFoundError("no such file")

    monkeypatch.setattr(icons, "resource_file", unreadable)
    icons.icon_from_svg.cache_clear()
    try:
        assert icons.icon_from_svg("working-light.svg").isNull()
    finally:
        icons.icon_from_svg.cache_clear()
    assert "icon working-light.svg cannot be read" in caplog.text


def test_a_break_taken_from_the_menu_withdraws_its_nudge(desktop: Desktop, runtime, clock) -> None:
    for _ in range(31 * 2):  # half a minute at a time, until the break is due
        clock.advance(30)
        runtime.sample()
    popup = desktop.popups.current
    assert popup is not None and popup.nudge.kind is NudgeKind.SHORT_BREAK
    desktop.menu.actions_by_key()["start_break"].trigger()
    assert desktop.popups.current is None
    assert EventKind.NUDGE_DISMISSED not in kinds(runtime)  # withdrawn, not ignored
    assert kinds(runtime)[-1] is EventKind.BREAK_STARTED


def test_start_up_notices_wait_for_the_tray_and_never_block(qtbot, runtime) -> None:
    runtime.notices.append("settings.toml: breaks.short.every_minutes = 0 is not allowed")
    shell = Desktop(runtime, tray_wait_ms=0)
    told: list[str] = []
    shell.tell = told.append  # type: ignore[method-assign]
    shell.start()  # returns at once: nothing modal
    assert told == []
    shell._no_tray()
    assert "every_minutes = 0" in shell.status_window.hint.text()
    assert "AppIndicator" in shell.status_window.hint.text()
    shell._tray_found()
    assert told == []  # already shown in the window, not repeated
    shell.close()


class Balloons:
    """The tray icon's messages, recorded instead of shown."""

    def __init__(self, shell: Desktop) -> None:
        self.shown: list[tuple[str, QSystemTrayIcon.MessageIcon]] = []
        shell.tray.icon.showMessage = self._show  # type: ignore[method-assign]

    def _show(self, _title: str, text: str, icon: Any = None, *_: Any) -> None:
        self.shown.append((text, icon))


TWO_MISTAKES = '[breaks.short]\nevery_minutes = "often"\n[breaks.long]\nevery_minutes = 0\n'


def test_a_settings_file_edited_wrong_by_hand_is_told_in_a_balloon(
    desktop: Desktop, runtime: Runtime
) -> None:
    desktop._tray_found()
    balloons = Balloons(desktop)
    runtime.settings_path.write_text('[breaks.short]\nevery_minutes = "often"\n')
    runtime.reload_settings()  # what the file watcher does
    [(text, icon)] = balloons.shown  # was: only logged, unless the settings window was open
    assert icon is QSystemTrayIcon.MessageIcon.Warning
    assert text.startswith("Your settings file wasn't applied; Respite keeps the settings")
    assert 'every_minutes = "often"' in text and str(runtime.settings_path) not in text

    runtime.settings_path.write_text(TWO_MISTAKES)
    runtime.reload_settings()
    assert "(1 more: `respite config check` lists them all.)" in balloons.shown[-1][0]


def test_a_rejected_settings_file_is_left_to_the_open_settings_window(
    qtbot, desktop: Desktop, runtime: Runtime
) -> None:
    desktop._tray_found()
    balloons = Balloons(desktop)
    desktop.handle_intent("settings")
    window = desktop.settings_window
    assert window is not None and window.isVisible()
    runtime.settings_path.write_text(TWO_MISTAKES)
    runtime.reload_settings()
    assert balloons.shown == []
    assert "kept the settings it had" in window.banner.text()


def test_without_a_tray_a_rejected_settings_file_is_told_in_a_box(
    desktop: Desktop, runtime
) -> None:
    told: list[str] = []
    desktop.tell = told.append  # type: ignore[method-assign]
    desktop._no_tray()
    runtime.settings_path.write_text(TWO_MISTAKES)
    runtime.reload_settings()
    [message] = told
    assert message.startswith("Your settings file wasn't applied")


# ----- the settings and history windows live only while open ---------------------------

WINDOWS = ("settings", "history")
Close = Callable[[Any, QWidget], None]  # (qtbot, window)


def open_window(desktop: Desktop, name: str) -> QWidget:
    """What "Settings…" or "History…" in the tray menu does; the window it shows."""
    desktop.handle_intent(name)
    window = getattr(desktop, f"{name}_window")
    assert isinstance(window, QWidget) and window.isVisible()
    return window


def press(*keys: Qt.Key | Qt.KeyboardModifier) -> Close:
    def close(qtbot: Any, window: QWidget) -> None:
        window.activateWindow()  # the history window's shortcuts need it active
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        qtbot.keyClick(window, *keys)

    return close


def click_button(name: str) -> Close:
    def close(qtbot: Any, window: QWidget) -> None:
        qtbot.mouseClick(getattr(window, name), Qt.MouseButton.LeftButton)

    return close


def close_button(qtbot: Any, window: QWidget) -> None:
    """The title bar's close button: the window system asks the window to close."""
    handle = window.windowHandle()
    assert handle is not None
    handle.close()


CLOSINGS: dict[str, tuple[str, Close]] = {
    "settings, Cancel": ("settings", click_button("cancel_button")),
    "settings, OK": ("settings", click_button("ok_button")),
    "settings, Escape": ("settings", press(Qt.Key.Key_Escape)),
    "settings, close button": ("settings", close_button),
    "history, Escape": ("history", press(Qt.Key.Key_Escape)),
    "history, Ctrl+W": ("history", press(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)),
    "history, close button": ("history", close_button),
}


@pytest.mark.parametrize(("name", "close"), CLOSINGS.values(), ids=CLOSINGS.keys())
def test_closing_a_window_deletes_it_and_the_next_click_builds_a_new_one(
    desktop: Desktop, qtbot: Any, name: str, close: Close
) -> None:
    window = open_window(desktop, name)
    close(qtbot, window)
    assert deleted(window)
    assert getattr(desktop, f"{name}_window") is None
    again = open_window(desktop, name)
    assert again is not window and not deleted(again)


@pytest.mark.parametrize(("name", "close"), CLOSINGS.values(), ids=CLOSINGS.keys())
def test_a_window_opens_again_where_it_was_left_and_at_its_size(
    desktop: Desktop, qtbot: Any, name: str, close: Close
) -> None:
    window = open_window(desktop, name)
    first = window.geometry()
    screen = window.screen().availableGeometry()
    window.setGeometry(QRect(7, 9, min(first.width(), screen.width() - 20), first.height() + 37))
    left = window.geometry()  # as the window system allows it
    close(qtbot, window)
    assert deleted(window)
    again = open_window(desktop, name)
    assert again.height() == left.height() != first.height()
    if left.width() <= screen.width():  # else it is fitted to the screen: offscreen's is small
        assert again.width() == left.width()
    # The place, give or take the title bar the window system adds around it.
    assert (again.pos() - left.topLeft()).manhattanLength() <= 32
    other = "history" if name == "settings" else "settings"
    assert open_window(desktop, other).height() != left.height()  # each window its own


@pytest.mark.parametrize("name", WINDOWS)
def test_once_a_closed_window_is_deleted_its_memory_is_given_back(
    desktop: Desktop, qtbot: Any, name: str
) -> None:
    given: list[str] = []
    desktop.memory = MemoryGiver(trim=lambda pad: given.append("trim") or 1,
                                 collect=lambda: given.append("collect"))  # fmt: skip
    window = open_window(desktop, name)
    window.close()
    assert given == []  # not inside the window's destructor: from the event loop, after
    qtbot.waitUntil(lambda: deleted(window) and given == ["collect", "trim"])
    assert getattr(desktop, f"{name}_window") is None


@pytest.mark.parametrize("name", WINDOWS)
def test_a_second_click_brings_the_open_window_forward(desktop: Desktop, name: str) -> None:
    window = open_window(desktop, name)
    assert open_window(desktop, name) is window
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and type(w) is type(window)]
    assert shown == [window]


@pytest.mark.parametrize("name", WINDOWS)
def test_a_click_before_qt_deleted_the_closed_window_builds_a_new_one(
    desktop: Desktop, name: str
) -> None:
    window = open_window(desktop, name)
    window.close()  # deleted at the event loop's next turn: not yet
    again = open_window(desktop, name)
    assert again is not window
    assert deleted(window)
    assert getattr(desktop, f"{name}_window") is again and not deleted(again)
    assert again.isVisible()


def test_the_runtime_speaks_to_no_closed_window(
    desktop: Desktop, runtime: Runtime, caplog: pytest.LogCaptureFixture, qtlog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in WINDOWS:
        window = open_window(desktop, name)
        window.close()
        assert deleted(window)
    qt_said = len(qtlog.records)
    told: list[str] = []
    desktop.tell = told.append  # type: ignore[method-assign]
    # What the runtime says to open windows: a new status, a changed and a bad file.
    desktop.handle_intent("pause:30")
    emit(runtime.status_changed, runtime.engine.status())
    runtime.settings_path.write_text("[breaks.short]\nevery_minutes = 40\n", encoding="utf-8")
    assert runtime.reload_settings() is True
    runtime.settings_path.write_text("[breaks.short]\nevery_minutes = 0\n", encoding="utf-8")
    assert runtime.reload_settings() is False
    assert runtime.settings.breaks.short.every_minutes == 40
    assert [message.split(";")[0] for message in told] == ["Your settings file wasn't applied"]
    # Nothing raised in a slot (pytest-qt fails the test if one did), nothing said.
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.message for r in qtlog.records[qt_said:]] == []
