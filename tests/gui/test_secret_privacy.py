"""No secret reaches any file Respite writes, its log, or `respite status/config/export`.

A calendar whose private URL (with a token in it) lives in the keyring, and a webhook
with a bearer token, both used for real against a loopback server; then every file
under the test's folders and every log record is searched for the secrets."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import keyring
import pytest

from respite import cli, paths
from respite.core.clock import FakeClock
from respite.runtime import Runtime
from tests.loopback import Loopback, Route, loopback_server  # noqa: F401  (the loopback fixture)
from tests.unit.test_secrets import MemoryKeyring

LONDON = ZoneInfo("Europe/London")
TOKEN = "tok-9f8e7d6c5b4a"
CAL_PATH = "/private/cal-3a1b2c4d5e6f.ics"

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART:20261123T093000Z\r\nDTEND:20261123T100000Z\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    gc.collect()
    gc.disable()
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    gc.enable()


def test_no_secret_reaches_any_file_or_output(
    qtbot: Any,
    tmp_path: Path,
    loopback: Loopback,
    memory_keyring: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="respite")
    url = loopback.url(CAL_PATH)
    loopback.routes[CAL_PATH] = Route(body=ICS, etag='"e1"')
    loopback.routes["/hook"] = Route(status=500)  # failures get logged: still no secret
    memory_keyring.set_password("respite", "calendar-work", url)
    memory_keyring.set_password("respite", "hook-token", TOKEN)
    settings = paths.settings_path()
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        '[[calendars]]\nname = "Work"\nsecret = "calendar-work"\n\n'
        '[[hooks]]\nname = "Team"\non = ["pause", "resume"]\n'
        f'url = "{loopback.url("/hook")}"\ntoken_secret = "hook-token"\n',
        encoding="utf-8",
    )
    runtime = Runtime(
        clock=FakeClock(datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)), zone=lambda: LONDON
    )
    runtime.start()
    try:
        runtime.hooks.backoff = 0.01
        qtbot.waitUntil(lambda: bool(runtime.calendar_events), timeout=10_000)
        runtime.perform("pause", minutes=10)
        runtime.perform("resume")
        assert runtime.hooks.wait(timeout=15)
        seen = loopback.requests_to("/hook")
        assert seen and seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
        status_reply = str(runtime.perform("status"))
    finally:
        runtime.stop()
        runtime.calendar_sync.wait(10)

    assert cli.main(["export", "--format", "json"]) == cli.EXIT_OK
    assert cli.main(["config", "check"]) in (cli.EXIT_OK, cli.EXIT_FAILED)
    assert cli.main(["status"]) == cli.EXIT_OK
    printed = capsys.readouterr()

    secrets = [TOKEN, CAL_PATH, "cal-3a1b2c4d5e6f", url]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".ics" for p in written)  # the cache was written...
    assert any(p.suffix == ".sqlite3" for p in written)
    for path in written:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path, secret)  # ...but holds no secret
    texts = [status_reply, printed.out, printed.err]
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        for secret in secrets:
            assert secret not in text
