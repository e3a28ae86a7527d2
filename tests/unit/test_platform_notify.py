"""Notification content: what goes into a freedesktop Notify call for a nudge."""

from __future__ import annotations

from datetime import UTC, datetime

from jeepney import DBusAddress, new_method_call

from respite.core import messages
from respite.core.nudges import Choice, Nudge, NudgeKind
from respite.platform.notify import (
    URGENCY_LOW,
    URGENCY_NORMAL,
    notify_arguments,
    nudge_id_of,
    urgency_for,
)

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
BREAK = Nudge(
    NudgeKind.SHORT_BREAK,
    AT,
    "Time for a short break",
    "Look away from the screen & <breathe>.",
    messages.break_choices(5),
)


def test_notify_arguments_for_a_first_break_nudge() -> None:
    app, replaces, icon, summary, body, actions, hints, timeout = notify_arguments(
        BREAK, icon="respite", expire_timeout_ms=30_000
    )
    assert (app, replaces, icon, summary, timeout) == (
        "Respite",
        0,
        "respite",
        "Time for a short break",
        30_000,
    )
    assert body == "Look away from the screen & <breathe>."
    assert actions == ["start_break", "Start break", "snooze:5", "Snooze 5 min", "skip", "Skip"]
    assert hints == {
        "urgency": ("y", URGENCY_LOW),
        "desktop-entry": ("s", "respite"),
        "category": ("s", "x-respite.nudge.short_break"),
    }


def test_body_is_escaped_when_the_server_reads_markup() -> None:
    body = notify_arguments(BREAK, markup=True)[4]
    assert body == "Look away from the screen &amp; &lt;breathe&gt;."


def test_no_actions_for_a_server_without_them() -> None:
    assert notify_arguments(BREAK, actions=False)[5] == []


def test_gentle_escalation() -> None:
    assert urgency_for(BREAK) == URGENCY_LOW
    again = Nudge(NudgeKind.SHORT_BREAK, AT, "t", "b", BREAK.choices, level=1)
    assert urgency_for(again) == URGENCY_NORMAL
    assert urgency_for(Nudge(NudgeKind.SHORT_BREAK, AT, "t", "b", level=5)) == URGENCY_NORMAL


def test_arguments_serialise_with_the_notify_signature() -> None:
    address = DBusAddress("/org/freedesktop/Notifications", "org.freedesktop.Notifications")
    nudge = Nudge(NudgeKind.REMINDER, AT, "Water", "Drink", (Choice("ok", "OK"),))
    arguments = notify_arguments(nudge, replaces_id=2**32 - 1)
    message = new_method_call(address, "Notify", "susssasa{sv}i", arguments)
    assert message.serialise(serial=1)  # an unsigned replaces_id and typed hints encode cleanly


def test_nudge_id_of_is_stable_and_distinguishes_kind_and_time() -> None:
    assert nudge_id_of(BREAK) == "short_break@2026-03-02T10:30:00+00:00"
    copy = Nudge(BREAK.kind, BREAK.at, "other", "text", (), level=2, data={"x": 1})
    assert nudge_id_of(copy) == nudge_id_of(BREAK)
    assert nudge_id_of(Nudge(NudgeKind.LONG_BREAK, AT, "", "")) != nudge_id_of(BREAK)
