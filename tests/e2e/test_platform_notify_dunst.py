"""FreedesktopNotifier against a real notification server (dunst) on a private bus."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from respite.core import messages
from respite.core.nudges import Nudge, NudgeKind
from respite.platform.notify import FreedesktopNotifier, Notifier, nudge_id_of

if __package__:
    from .desktop import Desktop
else:  # rootdir-style import
    from desktop import Desktop  # type: ignore[no-redef]

pytestmark = pytest.mark.e2e

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)


def break_nudge(minutes_later: int = 0, level: int = 0) -> Nudge:
    return Nudge(
        NudgeKind.SHORT_BREAK,
        AT + timedelta(minutes=minutes_later),
        "Time for a short break",
        "Stand up & stretch for a minute.",
        messages.break_choices(5),
        level=level,
    )


@pytest.fixture
def notifier(desktop: Desktop, qtbot: QtBot) -> Iterator[FreedesktopNotifier]:
    desktop.close_notifications()
    desktop.wait_until(lambda: desktop.notification_count() == 0, 5, message="a clear screen")
    made = FreedesktopNotifier(bus=desktop.bus_address, icon="dialog-information")
    yield made
    made.shutdown()


def record(notifier: FreedesktopNotifier) -> list[tuple[str, Nudge, str]]:
    seen: list[tuple[str, Nudge, str]] = []
    notifier.choice_made.connect(lambda nudge, key: seen.append(("choice", nudge, key)))
    notifier.dismissed.connect(lambda nudge: seen.append(("dismissed", nudge, "")))
    return seen


def settle(qtbot: QtBot) -> None:
    """Give late signals (e.g. NotificationClosed after our own close) time to arrive."""
    qtbot.wait(300)


def test_dunst_offers_actions(notifier: FreedesktopNotifier) -> None:
    as_protocol: Notifier = notifier  # mypy checks the class fits the protocol
    assert as_protocol.supports_actions
    assert {"actions", "body-markup"} <= notifier.capabilities
    assert notifier.server_name.startswith("dunst")
    assert notifier.available


def test_choosing_snooze_in_dunst_reaches_qt_and_closes_the_popup(
    desktop: Desktop, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    seen = record(notifier)
    nudge = break_nudge()
    notifier.show(nudge)
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    with qtbot.waitSignal(notifier.choice_made, timeout=5000) as blocker:
        line = desktop.choose_dunst_action("Snooze 5 min")
    assert line.startswith("#Snooze 5 min (Time for a short break)")
    assert blocker.args == [nudge, "snooze:5"]
    # dunst keeps the popup after a context-menu action; the notifier closed it.
    qtbot.waitUntil(lambda: desktop.notification_count() == 0, timeout=5000)
    settle(qtbot)
    assert seen == [("choice", nudge, "snooze:5")]  # no "dismissed" for our own close
    assert notifier.pending() == []
    shown = desktop.notification_history()[0]
    assert shown["appname"] == "Respite"
    assert shown["summary"] == "Time for a short break"
    assert shown["body"] == "Stand up &amp; stretch for a minute."  # escaped: dunst reads markup
    assert shown["category"] == "x-respite.nudge.short_break"
    assert shown["icon_path"] == "" or "dialog-information" in shown["icon_path"]


def test_each_choice_is_offered(
    desktop: Desktop, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    nudge = break_nudge()
    notifier.show(nudge)
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    with qtbot.waitSignal(notifier.choice_made, timeout=5000) as blocker:
        desktop.choose_dunst_action("Skip")
    assert blocker.args == [nudge, "skip"]


def test_closed_by_the_user_is_dismissed(
    desktop: Desktop, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    seen = record(notifier)
    nudge = break_nudge()
    notifier.show(nudge)
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    with qtbot.waitSignal(notifier.dismissed, timeout=5000) as blocker:
        desktop.dunstctl("close")
    assert blocker.args == [nudge]
    settle(qtbot)
    assert seen == [("dismissed", nudge, "")]


def test_expired_is_dismissed(notifier: FreedesktopNotifier, qtbot: QtBot) -> None:
    nudge = break_nudge()
    with qtbot.waitSignal(notifier.dismissed, timeout=5000) as blocker:
        notifier.show(nudge, expire_timeout_ms=300)
    assert blocker.args == [nudge]


def test_close_by_nudge_id_reports_nothing(
    desktop: Desktop, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    seen = record(notifier)
    nudge = break_nudge()
    notifier.show(nudge)
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    notifier.close("some-other-nudge")
    notifier.close(nudge_id_of(nudge))
    qtbot.waitUntil(lambda: desktop.notification_count() == 0, timeout=5000)
    settle(qtbot)
    assert seen == []


def test_a_returning_nudge_replaces_the_popup_of_its_kind(
    desktop: Desktop, notifier: FreedesktopNotifier, qtbot: QtBot
) -> None:
    first, again = break_nudge(), break_nudge(minutes_later=10, level=1)
    notifier.show(first)
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    notifier.show(again)
    settle(qtbot)
    assert desktop.notification_count() == 1
    assert notifier.pending() == [again]
    with qtbot.waitSignal(notifier.choice_made, timeout=5000) as blocker:
        desktop.choose_dunst_action("Start break")
    assert blocker.args == [again, "start_break"]


def test_shutdown_takes_pending_popups_away(desktop: Desktop, qtbot: QtBot) -> None:
    desktop.close_notifications()
    notifier = FreedesktopNotifier(bus=desktop.bus_address)
    notifier.show(break_nudge())
    desktop.wait_until(lambda: desktop.notification_count() == 1, 5, message="the popup")
    notifier.shutdown()
    desktop.wait_until(lambda: desktop.notification_count() == 0, 5, message="popup closed")
    notifier.shutdown()  # twice is fine
    assert not notifier.available
