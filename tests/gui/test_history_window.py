"""The weekly history window shows the exact numbers of a seeded log, and its buttons work.

The log is a real `EventLog` (through a real, started `Runtime` with a fake clock) in
tmp_path, in Europe/London. The locale is forced per test, so the first day of the
week is known: Monday for the United Kingdom, Sunday for the United States.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from respite.core.clock import FakeClock
from respite.core.errors import UNEXPECTED
from respite.core.events import ActiveSpan, Event, EventKind, iso
from respite.core.history_format import week_csv, week_json
from respite.qt import emit
from respite.runtime import Runtime
from respite.storage.db import StorageError
from respite.ui.history_window import TITLE, HistoryWindow, fit_on_screen
from respite.ui.shell import Desktop
from tests.gui.test_shell import deleted, open_window

LONDON = ZoneInfo("Europe/London")
UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
# The seeded week: Mon 1 – Sun 7 June 2026 (BST). "Now" is the Monday after, at noon.
SEEDED_MONDAY = date(2026, 6, 1)
NOW = datetime(2026, 6, 8, 12, 0, tzinfo=LONDON)
OFFICE = "Planned 09:00–12:30 and 13:15–17:30 (7 h 45 min)."


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def d(offset: int) -> date:
    return SEEDED_MONDAY + timedelta(days=offset)


def ev(what: EventKind, moment: datetime, /, **data: Any) -> Event:
    offset = moment.utcoffset() or timedelta(0)
    return Event(what, moment, data, int(offset.total_seconds() // 60))


def nudge(moment: datetime, level: int = 0) -> Event:
    return ev(EventKind.NUDGE, moment, kind="short_break", level=level, active_seconds=1800)


MON, TUE, WED, THU, FRI, SAT, SUN = (d(i) for i in range(7))
SEEDED_SPANS = [
    # Mon: 90 + 115 + 255 = 460 min, all in hours; last 17:30 → on time.
    (at(MON, "09:00"), at(MON, "10:30")),
    (at(MON, "10:35"), at(MON, "12:30")),
    (at(MON, "13:15"), at(MON, "17:30")),
    # Tue: 08:30-12:30 (210 in, 30 out), 13:15-18:30 (255 in, 60 out) → late.
    (at(TUE, "08:30"), at(TUE, "12:30")),
    (at(TUE, "13:15"), at(TUE, "18:30")),
    # Wed: 40 + 135 = 175 min in hours, a natural break between.
    (at(WED, "09:00"), at(WED, "09:40")),
    (at(WED, "09:45"), at(WED, "12:00")),
    # Thu: a holiday. Fri: 30 + 175 + 255 = 460 in, and 21:00-21:40 out → late.
    (at(FRI, "09:00"), at(FRI, "09:30")),
    (at(FRI, "09:35"), at(FRI, "12:30")),
    (at(FRI, "13:15"), at(FRI, "17:30")),
    (at(FRI, "21:00"), at(FRI, "21:40")),
    # Sat (a day off): 30 min.
    (at(SAT, "10:00"), at(SAT, "10:30")),
]
SEEDED_EVENTS = [
    nudge(at(MON, "10:29")),
    ev(EventKind.BREAK_STARTED, at(MON, "10:30"), kind="short", planned_seconds=120),
    ev(EventKind.BREAK_FINISHED, at(MON, "10:32"), kind="short", seconds=120, completed=True),
    ev(EventKind.WIN, at(MON, "16:00"), text="Fixed the flaky build"),
    nudge(at(TUE, "10:00")),
    ev(EventKind.BREAK_SNOOZED, at(TUE, "10:01"), kind="short", minutes=5),
    nudge(at(TUE, "10:06"), level=1),
    ev(EventKind.BREAK_SKIPPED, at(TUE, "10:07"), kind="short"),
    nudge(at(WED, "09:38")),
    ev(
        EventKind.NATURAL_BREAK,
        at(WED, "09:45"),
        kind="short",
        start=iso(at(WED, "09:40")),
        end=iso(at(WED, "09:45")),
        seconds=300,
    ),
    ev(EventKind.BREAK_MISSED, at(WED, "11:00"), kind="short", reason="snooze_limit"),
    nudge(at(FRI, "09:29")),
    ev(EventKind.BREAK_STARTED, at(FRI, "09:30"), kind="short", planned_seconds=120),
    ev(EventKind.WIN, at(FRI, "17:00"), text="Shipped the release"),
    ev(
        EventKind.NUDGE,
        at(FRI, "21:10"),
        kind="after_hours",
        period=iso(at(FRI, "17:30")),
        active_seconds=600,
    ),
]

SEEDED_SUMMARY = {
    "worked": "28 h 40 min of 38 h 45 min planned",  # 460 + 555 + 175 + 460+40 + 30
    "after_hours": "2 h 40 min",  # Tue 90 + Fri 40 + Sat 30
    "breaks": "took 3 of 5 due (60%)",
    "longest_stretch": "5 h 15 min without a break",  # Tue 13:15-18:30
    "on_time": "2 of 4 days",  # Mon ✓, Tue late, Wed ✓, Fri late
    "streak_on_time": "a fresh start",  # Friday ended late
    "streak_breaks": "1 workday",  # Friday kept its breaks; Wednesday missed one
    "comparison": "You ended on time on more days than last week — nice going.",
}
SEEDED_DAYS = [
    "Mon 1 Jun. " + OFFICE + " Active 7 h 40 min, all in work hours. "
    "First activity 09:00, last 17:30. Breaks: 1 taken (10:30). Due breaks taken: 1 of 1. "
    "Longest stretch 4 h 15 min. Ended on time. 1 small win.",
    "Tue 2 Jun. " + OFFICE + " Active 9 h 15 min: 7 h 45 min in work hours, 1 h 30 min "
    "outside. First activity 08:30, last 18:30. Breaks: 1 snoozed (10:01), 1 skipped "
    "(10:07). Due breaks taken: 0 of 1. Longest stretch 5 h 15 min. Ended late.",
    "Wed 3 Jun. " + OFFICE + " Active 2 h 55 min, all in work hours. "
    "First activity 09:00, last 12:00. Breaks: 1 natural (09:40), 1 missed (11:00). "
    "Due breaks taken: 1 of 2. Longest stretch 2 h 15 min. Ended on time.",
    "Thu 4 Jun. " + OFFICE + " No activity.",
    "Fri 5 Jun. " + OFFICE + " Active 8 h 20 min: 7 h 40 min in work hours, 40 min "
    "outside. First activity 09:00, last 21:40. Breaks: 1 taken (09:30). Due breaks taken: "
    "1 of 1. Longest stretch 4 h 15 min. Ended late. 1 small win.",
    "Sat 6 Jun. Day off. Active 30 min, all outside work hours. First activity 10:00, "
    "last 10:30. No breaks. Longest stretch 30 min.",
    "Sun 7 Jun. Day off. No activity.",
]
SEEDED_MARKDOWN = """\
## Week 2026-W23 (Mon 1 Jun – Sun 7 Jun)

- Worked: 28 h 40 min of 38 h 45 min planned
- After hours: 2 h 40 min
- Breaks: took 3 of 5 due (60%)
- Longest stretch: 5 h 15 min without a break
- Ended on time: 2 of 4 days
- On-time streak: a fresh start
- Breaks-kept streak: 1 workday

Small wins:
- Mon 1 Jun: Fixed the flaky build
- Fri 5 Jun: Shipped the release

You ended on time on more days than last week — nice going.
"""


# ----- fixtures ------------------------------------------------------------------------


@pytest.fixture
def uk_locale() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(UK)
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def runtime(qtbot, tmp_path: Path, clock: FakeClock) -> Iterator[Runtime]:
    rt = Runtime(
        config_path=tmp_path / "settings.toml",
        database_path=tmp_path / "data" / "respite.sqlite3",
        clock=clock,
        monotonic=lambda: clock.now().timestamp(),
        zone=lambda: LONDON,
    )
    rt.start()
    yield rt
    rt.stop()


def seed(runtime: Runtime, events: list[Event], spans: list[tuple[datetime, datetime]]) -> None:
    for event in events:
        runtime.event_log.record(event)
    for start, end in spans:
        runtime.event_log.record_span(ActiveSpan(start, end))


@pytest.fixture
def seeded(runtime: Runtime) -> Runtime:
    seed(runtime, SEEDED_EVENTS, SEEDED_SPANS)
    return runtime


class Paths:
    """A stand-in for the save dialog: hands out the paths a test queues."""

    def __init__(self) -> None:
        self.queue: list[str | None] = []
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, parent: Any, caption: str, suggested: str, name_filter: str) -> str | None:
        self.asked.append((caption, suggested, name_filter))
        return self.queue.pop(0)


@pytest.fixture
def paths() -> Paths:
    return Paths()


@pytest.fixture
def make_window(qtbot, paths: Paths) -> Iterator[Callable[[Runtime], HistoryWindow]]:
    """Builds history windows; those still there are closed after the test (closing
    deletes a window, and some tests close theirs)."""
    made: list[HistoryWindow] = []

    def make(runtime: Runtime) -> HistoryWindow:
        window = HistoryWindow(runtime, choose_path=paths)
        made.append(window)
        return window

    yield make
    for window in made:
        if shiboken6.isValid(window):
            window.close()
            assert deleted(window)


@pytest.fixture
def window(
    uk_locale: None, seeded: Runtime, make_window: Callable[[Runtime], HistoryWindow]
) -> HistoryWindow:
    return make_window(seeded)


def summary(window: HistoryWindow) -> dict[str, str]:
    """The summary lines that are shown, by key."""
    return {
        key: label.text()
        for key, label in window.fields.items()
        if window.summary_form.isRowVisible(label)
    }


def descriptions(window: HistoryWindow) -> list[str]:
    return [row.accessibleDescription() for row in window.chart.rows]


def wins(window: HistoryWindow) -> list[str]:
    return [window.wins_list.item(i).text() for i in range(window.wins_list.count())]


def show_seeded_week(window: HistoryWindow) -> None:
    window.show_week(SEEDED_MONDAY)
    assert window.chart.title.text() == "Week 2026-W23 (Mon 1 Jun – Sun 7 Jun)"


# ----- the numbers -------------------------------------------------------------------


def test_the_window_is_titled_and_starts_on_this_week(window: HistoryWindow) -> None:
    assert window.windowTitle() == TITLE == "Respite — History"
    assert not window.isModal()
    assert window.week_start == date(2026, 6, 8)
    assert window.chart.title.text() == "Week 2026-W24 (Mon 8 Jun – Sun 14 Jun)"
    assert window.chart.rows[0].accessibleName() == "Mon 8 Jun, today"
    assert not window.next_button.isEnabled()
    assert not window.this_week_button.isEnabled()


def test_a_seeded_week_shows_its_exact_numbers(window: HistoryWindow) -> None:
    show_seeded_week(window)

    assert summary(window) == SEEDED_SUMMARY
    assert descriptions(window) == SEEDED_DAYS
    assert [row.accessibleName() for row in window.chart.rows] == [
        "Mon 1 Jun",
        "Tue 2 Jun",
        "Wed 3 Jun",
        "Thu 4 Jun",
        "Fri 5 Jun",
        "Sat 6 Jun",
        "Sun 7 Jun",
    ]
    assert wins(window) == ["Mon 1 Jun: Fixed the flaky build", "Fri 5 Jun: Shipped the release"]
    assert window.wins_list.isVisibleTo(window) and not window.no_wins.isVisibleTo(window)
    verdicts = [row.day.ended_on_time for row in window.chart.rows if row.day is not None]
    assert verdicts == [True, False, True, None, False, None, None]


def test_calendar_days_off_and_meetings_outside_hours_show(
    uk_locale: None, runtime: Runtime, make_window: Callable[[Runtime], HistoryWindow]
) -> None:
    def outside(start: datetime) -> Event:
        end = start + timedelta(hours=1)
        data = {"start": iso(start), "end": iso(end), "day": start.date().isoformat()}
        return ev(EventKind.MEETING_OUTSIDE_HOURS, start, **data)

    calendar = [
        # Thursday's holiday, from the calendar (logged the day it came).
        ev(EventKind.CALENDAR_DAY_OFF, at(THU, "07:00"), day=THU.isoformat(), off=True),
        outside(at(TUE, "18:00")),
        outside(at(SAT, "11:00")),
        outside(at(MON - timedelta(days=3), "19:00")),  # the Friday before
    ]
    seed(runtime, SEEDED_EVENTS + calendar, SEEDED_SPANS)
    window = make_window(runtime)
    show_seeded_week(window)

    shown = summary(window)
    assert shown["worked"] == "28 h 40 min of 31 h planned"  # no hours on Thursday
    assert shown["after_hours_meetings"] == "2 (last week: 1)"
    days = descriptions(window)
    assert days[3] == "Thu 4 Jun. Day off. No activity."
    assert days[1].endswith("Ended late. 1 meeting outside work hours.")
    window.copy_summary()
    copied = QGuiApplication.clipboard().text()
    assert "- After hours: 2 h 40 min\n- After-hours meetings: 2 (last week: 1)\n" in copied


def test_this_week_is_compared_with_last_week_by_the_same_time(
    uk_locale: None, seeded: Runtime, make_window: Callable[[Runtime], HistoryWindow]
) -> None:
    # Monday noon after two hours' work. All of last week had 2 h 40 min after hours;
    # by Monday noon it had none, and 2 h 55 min of work.
    monday = date(2026, 6, 8)
    seed(seeded, [], [(at(monday, "09:00"), at(monday, "11:00"))])
    window = make_window(seeded)

    said = "Much like this time last week. Steady is good."
    assert summary(window)["comparison"] == said
    window.copy_summary()
    assert QGuiApplication.clipboard().text().endswith(f"\n{said}\n")
    show_seeded_week(window)  # a past week is set against the whole week before it
    assert summary(window)["comparison"] == SEEDED_SUMMARY["comparison"]


def test_an_empty_week_shows_zeros_and_no_verdicts(window: HistoryWindow) -> None:
    window.show_week(date(2026, 5, 4))

    assert summary(window) == {
        "worked": "0 min of 38 h 45 min planned",
        "after_hours": "none",
        "breaks": "none were due",
        "longest_stretch": "none",
        "on_time": "no workdays to count yet",
        "streak_on_time": "a fresh start",
        "streak_breaks": "a fresh start",
        "comparison": "A quiet week. Rest is part of the work, too.",
    }
    assert descriptions(window)[0] == "Mon 4 May. " + OFFICE + " No activity."
    assert descriptions(window)[6] == "Sun 10 May. Day off. No activity."
    assert all(row.day is not None and row.day.ended_on_time is None for row in window.chart.rows)
    assert wins(window) == [] and window.no_wins.isVisibleTo(window)
    window.chart.grab()  # paints without data


def test_a_week_with_the_autumn_clock_change(
    uk_locale: None, runtime: Runtime, clock: FakeClock, make_window
) -> None:
    # Europe/London goes back an hour on Sunday 25 October 2026 (02:00 BST → 01:00 GMT).
    friday, sunday = date(2026, 10, 23), date(2026, 10, 25)
    seed(
        runtime,
        [],
        [
            (at(friday, "09:00"), at(friday, "17:00")),
            # 00:30 BST to 02:30 GMT: three hours, through the repeated hour.
            (at(sunday, "00:30"), datetime(2026, 10, 25, 2, 30, tzinfo=LONDON)),
        ],
    )
    clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=LONDON))
    window = make_window(runtime)

    window.show_week(date(2026, 10, 19))

    assert window.chart.title.text() == "Week 2026-W43 (Mon 19 Oct – Sun 25 Oct)"
    assert summary(window)["worked"] == "11 h of 38 h 45 min planned"
    assert summary(window)["after_hours"] == "3 h 45 min"  # Friday's lunch + Sunday night
    assert summary(window)["on_time"] == "1 of 1 day"
    assert descriptions(window)[4] == (
        "Fri 23 Oct. " + OFFICE + " Active 8 h: 7 h 15 min in work hours, 45 min outside. "
        "First activity 09:00, last 17:00. No breaks. Longest stretch 8 h. Ended on time."
    )
    assert descriptions(window)[6] == (
        "Sun 25 Oct. Day off. Active 3 h, all outside work hours. First activity 00:30, "
        "last 02:30. No breaks. Longest stretch 3 h."
    )
    window.chart.grab()  # the 25-hour day paints


def test_a_us_locale_starts_the_week_on_sunday(runtime: Runtime, clock: FakeClock, make_window):
    previous = QLocale()
    QLocale.setDefault(US)
    try:
        night = (at(date(2026, 10, 25), "00:30"), datetime(2026, 10, 25, 2, 30, tzinfo=LONDON))
        seed(runtime, [], [night])
        clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=LONDON))  # a Monday
        window = make_window(runtime)
        assert window.week_start == date(2026, 11, 1)  # Sunday
        window.show_week(date(2026, 10, 28))
    finally:
        QLocale.setDefault(previous)

    assert window.week_start == date(2026, 10, 25)
    assert window.chart.title.text() == "Week 2026-W44 (Sun 25 Oct – Sat 31 Oct)"
    assert [row.accessibleName() for row in window.chart.rows][:2] == ["Sun 25 Oct", "Mon 26 Oct"]
    # 00:30 BST → 02:30 GMT is three hours on the clock change night.
    assert descriptions(window)[0] == (
        "Sun 25 Oct. Day off. Active 3 h, all outside work hours. First activity 00:30, "
        "last 02:30. No breaks. Longest stretch 3 h."
    )


# ----- size -----------------------------------------------------------------------------


def test_the_window_fits_a_small_screen_and_scrolls_the_week(window: HistoryWindow) -> None:
    # 1920×1080 at 200 % leaves 960×540 (less a taskbar); 1280×720 at 125 %, 1024×576.
    small = QRect(0, 0, 960, 540)
    assert fit_on_screen(QSize(940, 625), small) == QSize(940, 492)
    assert fit_on_screen(QSize(700, 400), small) == QSize(700, 400)
    minimum = window.minimumSizeHint()
    assert minimum.width() <= 960 - 16 and minimum.height() <= 540 - 48
    # Made on the test screen, it starts within it, the week scrolling if need be.
    available = window.screen().availableGeometry()
    assert window.width() <= available.width() and window.height() <= available.height()
    assert window.scroll.widget().isAncestorOf(window.chart)


# ----- navigation ----------------------------------------------------------------------


def test_previous_next_and_this_week_buttons(window: HistoryWindow, qtbot) -> None:
    window.previous_button.click()
    assert window.week_start == SEEDED_MONDAY
    assert window.next_button.isEnabled() and window.this_week_button.isEnabled()
    window.previous_button.click()
    assert window.week_start == date(2026, 5, 25)
    window.next_button.click()
    assert window.week_start == SEEDED_MONDAY
    assert summary(window)["worked"] == SEEDED_SUMMARY["worked"]
    window.this_week_button.click()
    assert window.week_start == date(2026, 6, 8)
    window.next_button.click()  # disabled: nothing after this week
    assert window.week_start == date(2026, 6, 8)


def test_keyboard_navigation(window: HistoryWindow, qtbot) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    alt = Qt.KeyboardModifier.AltModifier

    qtbot.keyClick(window, Qt.Key.Key_Left, alt)
    assert window.week_start == SEEDED_MONDAY
    qtbot.keyClick(window, Qt.Key.Key_Left, alt)
    qtbot.keyClick(window, Qt.Key.Key_Right, alt)
    assert window.week_start == SEEDED_MONDAY
    qtbot.keyClick(window, Qt.Key.Key_Home, alt)
    assert window.week_start == date(2026, 6, 8)


CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.mark.parametrize(
    "keys",
    [(Qt.Key.Key_Escape,), (Qt.Key.Key_W, CTRL), (Qt.Key.Key_F4, CTRL)],
    ids=["Escape", "Ctrl+W", "Ctrl+F4"],
)
def test_escape_ctrl_w_and_ctrl_f4_close_the_window(
    window: HistoryWindow, qtbot, keys: tuple[Qt.Key, ...]
) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(window, *keys)
    assert deleted(window)


def test_escape_in_a_half_typed_win_keeps_it_and_a_second_escape_closes(
    window: HistoryWindow, qtbot
) -> None:
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.win_edit.setFocus()
    qtbot.keyClicks(window.win_edit, "Answered every ")

    qtbot.keyClick(window.win_edit, Qt.Key.Key_Escape)

    assert shiboken6.isValid(window) and window.isVisible()
    assert window.win_edit.text() == "Answered every " and not window.win_edit.hasFocus()
    assert window.feedback.text() == "Your win isn't added yet. Escape again closes the window."
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert deleted(window)


# ----- wins, refreshing ----------------------------------------------------------------


def test_adding_a_win_logs_it_and_lists_it(window: HistoryWindow, seeded: Runtime, qtbot):
    window.show_week(SEEDED_MONDAY)  # adding from a past week jumps to this one
    assert not window.add_win_button.isEnabled()
    qtbot.keyClicks(window.win_edit, "  Wrote the tests first ")
    assert window.add_win_button.isEnabled()

    window.add_win_button.click()

    logged = seeded.event_log.events(
        at(date(2026, 6, 8), "00:00"), NOW + timedelta(1), {EventKind.WIN}
    )
    assert [e.data["text"] for e in logged] == ["Wrote the tests first"]
    assert window.week_start == date(2026, 6, 8)
    assert wins(window) == ["Mon 8 Jun: Wrote the tests first"]
    assert window.win_edit.text() == ""
    assert window.feedback.text() == "Noted: Wrote the tests first — nice one."


def test_a_refused_win_says_why(window: HistoryWindow, qtbot) -> None:
    window.win_edit.setText("x" * 500 + " more")  # the field stops at 500 characters
    assert len(window.win_edit.text()) == 500
    window.runtime.stop()  # a runtime shutting down refuses actions
    window.add_win()
    assert window.feedback.text() == "Respite is shutting down."
    assert wins(window) == []


def test_a_win_the_log_cannot_keep_says_so_and_stays_typed(
    window: HistoryWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = "Respite could not write its log: the disk is full. Free some space."

    def record(*_args: Any, **_kwargs: Any) -> None:
        raise StorageError(full)

    monkeypatch.setattr(window.runtime.event_log, "record", record)
    window.win_edit.setText("Finished the report")

    window.add_win()  # raised out of here before, reaching sys.excepthook

    assert window.feedback.text() == full
    assert window.win_edit.text() == "Finished the report"  # to try again later


def test_a_win_that_hits_a_bug_says_so_kindly(
    window: HistoryWindow, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def perform(*_args: Any, **_kwargs: Any) -> None:
        raise ValueError("invalid literal for int()")

    monkeypatch.setattr(window.runtime, "perform", perform)
    window.win_edit.setText("Finished the report")

    with caplog.at_level("ERROR"):
        window.add_win()

    assert window.feedback.text() == UNEXPECTED
    assert "invalid literal" in caplog.text  # in the log, for whoever fixes it
    assert window.win_edit.text() == "Finished the report"


def test_status_changes_refresh_only_a_week_with_today(
    window: HistoryWindow, seeded: Runtime, qtbot
) -> None:
    window.show()
    qtbot.waitExposed(window)
    seeded.event_log.record(ev(EventKind.WIN, NOW, text="Tidied the desk"))
    before = window.load_count

    with qtbot.waitSignal(window.loaded, timeout=1000):
        emit(seeded.status_changed, seeded.engine.status())

    assert window.load_count == before + 1
    assert wins(window) == ["Mon 8 Jun: Tidied the desk"]

    window.show_week(SEEDED_MONDAY)
    before = window.load_count
    emit(seeded.status_changed, seeded.engine.status())
    assert window.load_count == before  # a past week doesn't change

    window.this_week()
    window.close()  # deleted at the event loop's next turn
    before = window.load_count
    emit(seeded.status_changed, seeded.engine.status())
    assert window.load_count == before  # nor does a closed window


def test_left_open_over_sunday_midnight_it_moves_on_to_the_new_week(
    window: HistoryWindow, seeded: Runtime, clock: FakeClock, qtbot
) -> None:
    clock.set(datetime(2026, 6, 14, 23, 50, tzinfo=LONDON))  # Sunday night
    window.this_week()
    window.show()
    qtbot.waitExposed(window)
    assert window.chart.rows[6].accessibleName() == "Sun 14 Jun, today"

    clock.set(datetime(2026, 6, 15, 0, 10, tzinfo=LONDON))
    emit(seeded.status_changed, seeded.engine.status())

    assert window.week_start == date(2026, 6, 15)
    assert window.chart.title.text() == "Week 2026-W25 (Mon 15 Jun – Sun 21 Jun)"
    assert window.chart.rows[0].accessibleName() == "Mon 15 Jun, today"
    assert not window.next_button.isEnabled() and not window.this_week_button.isEnabled()
    window.previous_button.click()
    assert window.chart.rows[6].accessibleName() == "Sun 14 Jun"
    assert window.next_button.isEnabled() and window.this_week_button.isEnabled()


# ----- sharing -------------------------------------------------------------------------


def test_export_csv(window: HistoryWindow, paths: Paths, tmp_path: Path) -> None:
    show_seeded_week(window)
    paths.queue.append(str(tmp_path / "week.csv"))

    window.export_csv_button.click()

    caption, suggested, name_filter = paths.asked[0]
    assert (caption, Path(suggested).name, name_filter) == (
        "Export the week as CSV",
        "respite-2026-W23.csv",
        "CSV files (*.csv)",
    )
    text = (tmp_path / "week.csv").read_text(encoding="utf-8")
    assert window.view is not None
    assert text == week_csv(window.view.week, LONDON)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["date"] for row in rows] == [f"2026-06-0{i}" for i in range(1, 8)]
    assert [row["worked_minutes"] for row in rows] == ["460", "555", "175", "0", "500", "30", "0"]
    assert [row["ended_on_time"] for row in rows] == ["yes", "no", "yes", "", "no", "", ""]
    assert rows[4]["wins"] == "Shipped the release"
    assert window.feedback.text() == f"Saved the week to {tmp_path / 'week.csv'}."


def test_export_json(window: HistoryWindow, paths: Paths, tmp_path: Path) -> None:
    show_seeded_week(window)
    paths.queue += [None, str(tmp_path / "week")]  # cancelled once, then no suffix

    window.export_json_button.click()
    assert not list(tmp_path.glob("week*"))
    window.export_json_button.click()

    data = json.loads((tmp_path / "week.json").read_text(encoding="utf-8"))
    assert window.view is not None
    assert data == json.loads(week_json(window.view.week, LONDON))
    assert (data["week"], data["week_start"]) == ("2026-W23", "2026-06-01")
    assert (data["worked_minutes"], data["planned_minutes"]) == (1720, 2325)
    assert (data["after_hours_minutes"], data["break_percentage"]) == (160, 60)
    assert [day["ended_on_time"] for day in data["days"]] == [
        True,
        False,
        True,
        None,
        False,
        None,
        None,
    ]
    assert data["days"][1]["first_activity"] == "08:30"
    assert data["comparison"] == SEEDED_SUMMARY["comparison"]


def test_an_export_that_cannot_be_written_says_so(
    window: HistoryWindow, paths: Paths, tmp_path: Path
) -> None:
    paths.queue.append(str(tmp_path / "missing-folder" / "week.csv"))
    window.export("csv")
    assert window.feedback.text().startswith(
        f"Could not save {tmp_path / 'missing-folder' / 'week.csv'} ("
    )


def test_copy_summary(window: HistoryWindow) -> None:
    show_seeded_week(window)

    window.copy_button.click()

    assert QGuiApplication.clipboard().text() == SEEDED_MARKDOWN


def test_save_png(window: HistoryWindow, paths: Paths, tmp_path: Path, qtbot) -> None:
    show_seeded_week(window)
    window.show()
    qtbot.waitExposed(window)
    paths.queue.append(str(tmp_path / "chart"))

    window.save_png_button.click()

    path = tmp_path / "chart.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = QImage(str(path))
    ratio = window.chart.devicePixelRatioF()
    assert (image.width(), image.height()) == (
        round(window.chart.width() * ratio),
        round(window.chart.height() * ratio),
    )
    assert window.feedback.text() == f"Saved the chart to {path}."


# ----- palettes ------------------------------------------------------------------------


def dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for which, value in {
        role.Window: "#2b2b2e",
        role.WindowText: "#e6e6e6",
        role.Base: "#1f1f22",
        role.AlternateBase: "#27272b",
        role.Text: "#e6e6e6",
        role.PlaceholderText: "#9a9aa0",
        role.Button: "#36363a",
        role.ButtonText: "#e6e6e6",
        role.Highlight: "#4a8fe0",
        role.HighlightedText: "#ffffff",
    }.items():
        palette.setColor(which, QColor(value))
    return palette


@pytest.mark.parametrize("name", ["light", "dark"])
def test_light_and_dark_palettes_render(window: HistoryWindow, name: str, qtbot) -> None:
    fusion = QStyleFactory.create("Fusion")
    light = fusion.standardPalette()
    window.setPalette(light if name == "light" else dark_palette())
    show_seeded_week(window)
    window.show()
    qtbot.waitExposed(window)

    image = window.chart.grab().toImage()

    colors = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colors) > 10  # not all one colour: bands, bars, marks, text
    row = window.chart.rows[3]  # Thursday: only background at its right edge
    corner = row.mapTo(window.chart, QPoint(row.width() - 4, 3)) * image.devicePixelRatio()
    background = QColor(image.pixel(corner))
    if name == "light":
        assert background.lightness() > 200
    else:
        assert background.lightness() < 80


# ----- the shell opens it --------------------------------------------------------------


def test_the_tray_menu_opens_the_history(uk_locale: None, seeded: Runtime, qtbot) -> None:
    desktop = Desktop(seeded, tray_wait_ms=0)
    try:
        desktop.handle_intent("history")
        window = desktop.history_window
        assert isinstance(window, HistoryWindow) and window.isVisible()
        window.show_week(SEEDED_MONDAY)
        assert open_window(desktop, "history") is window  # while open: back on this week
        assert window.week_start == date(2026, 6, 8)
        assert window.chart.title.text() == "Week 2026-W24 (Mon 8 Jun – Sun 14 Jun)"

        window.show_week(SEEDED_MONDAY)
        window.close()
        assert deleted(window) and desktop.history_window is None
        again = open_window(desktop, "history")  # a new one, on this week
        assert isinstance(again, HistoryWindow) and again is not window
        assert again.week_start == date(2026, 6, 8)
    finally:
        desktop.close()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
