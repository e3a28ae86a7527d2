"""The real keyring path: `respite secret set/delete` against gnome-keyring's Secret
Service on the private session bus, a calendar fetched with the URL read back from it,
and a clear failure (nothing stored anywhere) when no keyring backend is usable."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.loopback import Loopback, Route, loopback_server  # noqa: F401  (the loopback fixture)

if __package__:
    from .desktop import Desktop, MissingPrerequisite, require, skip_or_fail
else:
    from desktop import (  # type: ignore[no-redef]
        Desktop,
        MissingPrerequisite,
        require,
        skip_or_fail,
    )

pytestmark = pytest.mark.e2e

SECRET_SERVICE = {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART:20261123T093000Z\r\nDTEND:20261123T100000Z\r\nSUMMARY:Keyring sync\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def dirs(tmp_path: Path) -> dict[str, str]:
    return {
        "RESPITE_CONFIG_DIR": str(tmp_path / "config"),
        "RESPITE_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.fixture
def keyring_desktop(desktop: Desktop) -> Desktop:
    try:
        require("secret-tool")
        desktop.start_keyring()
    except MissingPrerequisite as exc:
        skip_or_fail(exc)
    return desktop


def respite(desktop: Desktop, *args: str, env: dict[str, str], input: str | None = None):  # type: ignore[no-untyped-def]
    return desktop.run([sys.executable, "-m", "respite", *args], env=env, input=input, check=False)


def test_secret_set_and_delete_use_the_secret_service(
    keyring_desktop: Desktop, tmp_path: Path, loopback: Loopback
) -> None:
    desktop = keyring_desktop
    env = {**SECRET_SERVICE, **dirs(tmp_path)}
    url = loopback.url("/private-e2e.ics")
    loopback.routes["/private-e2e.ics"] = Route(body=ICS)

    done = respite(desktop, "secret", "set", "calendar-e2e", env=env, input=url + "\n")
    assert done.returncode == 0, done.stderr
    assert "Stored the secret 'calendar-e2e'" in done.stdout
    looked_up = desktop.run(
        ["secret-tool", "lookup", "service", "respite", "username", "calendar-e2e"]
    )
    assert looked_up.stdout.strip() == url

    script = (
        "from datetime import datetime, timezone\n"
        "from zoneinfo import ZoneInfo\n"
        "from respite.calendar_sync import CalendarFetcher\n"
        "from respite.core.settings import CalendarSource\n"
        "f = CalendarFetcher()\n"
        "f.configure((CalendarSource('Work', secret='calendar-e2e'),), 15)\n"
        "r = f.sync(datetime(2026, 11, 23, 9, tzinfo=timezone.utc), ZoneInfo('UTC'))\n"
        "print([e.summary for e in r.events['Work']], r.problems)\n"
    )
    fetched = desktop.run([sys.executable, "-c", script], env=env)
    assert fetched.stdout.strip() == "['Keyring sync'] {}"

    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"private-e2e" not in path.read_bytes(), path

    gone = respite(desktop, "secret", "delete", "calendar-e2e", env=env)
    assert gone.returncode == 0 and "Deleted" in gone.stdout
    after = desktop.run(
        ["secret-tool", "lookup", "service", "respite", "username", "calendar-e2e"], check=False
    )
    assert after.stdout.strip() == ""


def test_without_a_keyring_nothing_is_stored_and_the_message_says_why(
    desktop: Desktop, tmp_path: Path
) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", **dirs(tmp_path)}
    done = respite(desktop, "secret", "set", "token", env=env, input="s3cret-e2e\n")
    assert done.returncode == 1
    assert "No usable system keyring" in done.stderr
    assert "gnome-keyring" in done.stderr
    assert "s3cret-e2e" not in done.stdout + done.stderr
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"s3cret-e2e" not in path.read_bytes(), path
