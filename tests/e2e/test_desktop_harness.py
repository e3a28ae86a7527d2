"""Tests of the end-to-end harness itself: is the desktop in a box what it claims to be?"""

from __future__ import annotations

import datetime as dt
import sys
import time

import pytest
from jeepney import DBusAddress, HeaderFields, MatchRule, Message, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

if __package__:
    from .desktop import (
        Desktop,
        FakeClock,
        MissingPrerequisite,
        png_size,
        require,
        skip_or_fail,
        x_idle_ms,
    )
else:
    from desktop import (  # type: ignore[no-redef]
        Desktop,
        FakeClock,
        MissingPrerequisite,
        png_size,
        require,
        skip_or_fail,
        x_idle_ms,
    )

pytestmark = pytest.mark.e2e

NOTIFICATIONS = DBusAddress(
    "/org/freedesktop/Notifications",
    bus_name="org.freedesktop.Notifications",
    interface="org.freedesktop.Notifications",
)


def notify(conn: DBusConnection, summary: str, body: str, actions: list[str]) -> int:
    """Send a Notify as the app will (jeepney, signature susssasa{sv}i); return its id."""
    call = new_method_call(
        NOTIFICATIONS,
        "Notify",
        "susssasa{sv}i",
        ("respite-harness-test", 0, "", summary, body, actions, {}, -1),
    )
    reply = conn.send_and_get_reply(call, timeout=10)
    return int(reply.body[0])


def test_tray_host_is_running(desktop: Desktop) -> None:
    assert desktop.tray_available()
    panels = desktop.window_ids("--class", "trayer")
    assert panels, "no trayer window on the display"
    geometries = [desktop.window_geometry(window) for window in panels]
    # The panel sits at the top right corner, 200x32.
    assert (1280 - 200, 0, 200, 32) in geometries, geometries


def test_notification_reaches_dunst_and_history(desktop: Desktop) -> None:
    before = desktop.notification_count("history")
    with open_dbus_connection(bus=desktop.bus_address) as conn:
        nid = notify(conn, "Harness check", "history test", ["default", "Open", "later", "Later"])
    desktop.wait_until(lambda: desktop.notification_count("displayed") >= 1, 5, message="shown")
    desktop.close_notifications()
    desktop.wait_until(
        lambda: desktop.notification_count("history") > before, 5, message="history to grow"
    )
    newest = desktop.notification_history()[0]
    assert newest["id"] == nid
    assert newest["summary"] == "Harness check"
    assert newest["body"] == "history test"
    assert newest["appname"] == "respite-harness-test"


def test_choosing_an_action_emits_action_invoked(desktop: Desktop) -> None:
    rule = MatchRule(
        type="signal",
        interface="org.freedesktop.Notifications",
        path="/org/freedesktop/Notifications",
    )
    # ActionInvoked goes only to the connection that sent the notification.
    with open_dbus_connection(bus=desktop.bus_address) as conn:
        conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=10)
        actions = ["default", "Open", "snooze", "Snooze 5 min", "skip", "Skip break"]
        nid = notify(conn, "Break time", "Stand up and stretch", actions)
        desktop.wait_until(lambda: desktop.notification_count("displayed") >= 1, 5, message="shown")
        desktop.screenshot("harness/notification.png")
        with conn.filter(rule) as signals:
            chosen = desktop.choose_dunst_action("Snooze 5 min")
            assert chosen.startswith("#Snooze 5 min (Break time)")
            deadline = time.monotonic() + 10
            invoked: Message | None = None
            while invoked is None:
                message = conn.recv_until_filtered(signals, timeout=deadline - time.monotonic())
                if message.header.fields.get(HeaderFields.member) == "ActionInvoked":
                    invoked = message
        assert invoked.body == (nid, "snooze")
        with pytest.raises(AssertionError, match="no notification action labelled 'Nope'"):
            desktop.choose_dunst_action("Nope")
        # dunst keeps the popup after a context action; the app is to close it.
        conn.send_and_get_reply(new_method_call(NOTIFICATIONS, "CloseNotification", "u", (nid,)))
    desktop.wait_until(lambda: desktop.notification_count("displayed") == 0, 5, message="closed")
    with pytest.raises(AssertionError, match="dunst displays no notification"):
        desktop.choose_dunst_action("Snooze 5 min")


def test_idle_time_grows_and_resets_on_input(desktop: Desktop) -> None:
    desktop.xdotool("mousemove_relative", "--", "5", "5")
    first = desktop.idle_ms()
    desktop.wait_until(lambda: desktop.idle_ms() >= first + 600, 5, message="idle time to grow")
    desktop.xdotool("mousemove_relative", "--", "5", "5")
    assert desktop.idle_ms() < 500


def test_idle_time_via_xscreensaver_matches_xprintidle(desktop: Desktop) -> None:
    try:
        require("xprintidle")
    except MissingPrerequisite as exc:
        skip_or_fail(exc)
    from_ctypes = x_idle_ms(desktop.display)
    from_tool = int(desktop.run(["xprintidle"]).stdout)
    assert abs(from_tool - from_ctypes) < 1000


def test_screenshot_is_a_full_screen_png(desktop: Desktop) -> None:
    path = desktop.screenshot("harness/screen.png")
    assert path.is_file()
    assert png_size(path) == (1280, 800)


def test_libfaketime_moves_a_child_wall_clock(desktop: Desktop, fake_clock: FakeClock) -> None:
    target = dt.datetime(2026, 11, 23, 16, 59, 50, tzinfo=dt.UTC)
    fake_clock.set(target)
    faked = int(desktop.run(["date", "+%s"], env=fake_clock.env).stdout)
    assert abs(faked - target.timestamp()) < 5
    # Rewriting the file moves a running clock too, and the real clock is untouched.
    fake_clock.set_offset(-86400)
    faked = int(desktop.run(["date", "+%s"], env=fake_clock.env).stdout)
    assert abs(faked - (time.time() - 86400)) < 5
    assert abs(int(desktop.run(["date", "+%s"]).stdout) - time.time()) < 5


def test_keyring_runs_on_the_private_bus(desktop: Desktop) -> None:
    try:
        require("secret-tool")
        desktop.start_keyring()
    except MissingPrerequisite as exc:
        skip_or_fail(exc)
    script = (
        "import keyring\n"
        "keyring.set_password('respite-harness', 'me', 's3cret')\n"
        "backend = type(keyring.get_keyring()).__module__\n"
        "print(backend, keyring.get_password('respite-harness', 'me'))\n"
    )
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
    out = desktop.run([sys.executable, "-c", script], env=env).stdout.split()
    assert out == ["keyring.backends.SecretService", "s3cret"]
    looked_up = desktop.run(["secret-tool", "lookup", "service", "respite-harness"])
    assert looked_up.stdout.strip() == "s3cret"
