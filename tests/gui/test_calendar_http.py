"""Fetching calendars over HTTP from a real server on 127.0.0.1: conditional requests,
a slow server, errors, malformed and oversized answers, the private cache, backoff, and
the rule that only https (or http to loopback) is fetched."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from respite.calendar_sync import CalendarFetcher, check_url
from respite.core.calendar import CalendarError
from respite.core.settings import CalendarSource
from tests.loopback import Loopback, Route, loopback_server  # noqa: F401  (the loopback fixture)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SOURCE = CalendarSource("Work", secret="calendar-work")

GOOD = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART:20261123T100000Z\r\nDTEND:20261123T110000Z\r\nSUMMARY:Sync\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


class Mono:
    def __init__(self) -> None:
        self.value = 0.0

    def __call__(self) -> float:
        return self.value


def fetcher_for(url: str, tmp_path: Path, **kwargs: object) -> tuple[CalendarFetcher, Mono]:
    mono = Mono()
    fetcher = CalendarFetcher(
        cache_dir=tmp_path / "cache",
        get_secret=lambda name: url if name == "calendar-work" else None,
        monotonic=mono,
        **kwargs,  # type: ignore[arg-type]
    )
    fetcher.configure((SOURCE,), refresh_minutes=15)
    return fetcher, mono


def test_etag_makes_the_next_fetch_conditional_and_the_cache_private(
    loopback: Loopback, tmp_path: Path
) -> None:
    loopback.routes["/cal.ics"] = Route(body=GOOD, etag='"v1"')
    fetcher, mono = fetcher_for(loopback.url("/cal.ics"), tmp_path)
    result = fetcher.sync(NOW, LONDON)
    assert [e.summary for e in result.events["Work"]] == ["Sync"]
    assert result.problems == {}

    mono.value += 60  # not due yet: no request
    fetcher.sync(NOW, LONDON)
    assert len(loopback.requests_to("/cal.ics")) == 1

    mono.value += 15 * 60
    result = fetcher.sync(NOW, LONDON)
    second = loopback.requests_to("/cal.ics")[1]
    assert second.headers.get("If-None-Match") == '"v1"'
    assert [e.summary for e in result.events["Work"]] == ["Sync"]  # the 304 used the cache

    cache = tmp_path / "cache"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    for file in cache.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert b"/cal.ics" not in file.read_bytes()  # the URL is a secret
        assert b"127.0.0.1" not in file.read_bytes()


def test_a_new_process_uses_the_cached_copy_while_offline(
    loopback: Loopback, tmp_path: Path
) -> None:
    loopback.routes["/cal.ics"] = Route(body=GOOD, etag='"v1"')
    url = loopback.url("/cal.ics")
    first, _ = fetcher_for(url, tmp_path)
    first.sync(NOW, LONDON)
    loopback.routes["/cal.ics"] = Route(status=500, body=b"oops")
    second, _ = fetcher_for(url, tmp_path)
    result = second.sync(NOW, LONDON)
    assert [e.summary for e in result.events["Work"]] == ["Sync"]
    assert "500" in result.problems["Work"]
    assert "last good copy" in result.problems["Work"]


@pytest.mark.parametrize(
    ("route", "words"),
    [
        (Route(status=500, body=b"oops"), "answered 500"),
        (Route(body=b"<html>login</html>"), "not an iCalendar file"),
        (Route(body=b"BEGIN:VCALENDAR\r\nbroken line\r\n"), "could not be read"),
        (Route(body=GOOD + b"X" * 5000), "larger than"),
        (Route(body=GOOD, delay=1.5), "did not answer|could not reach"),
    ],
)
def test_bad_answers_keep_the_last_good_events(
    loopback: Loopback, tmp_path: Path, route: Route, words: str
) -> None:
    loopback.routes["/cal.ics"] = Route(body=GOOD)
    fetcher, mono = fetcher_for(
        loopback.url("/cal.ics"), tmp_path, timeout=0.5, max_bytes=len(GOOD) + 100
    )
    fetcher.sync(NOW, LONDON)
    loopback.routes["/cal.ics"] = route
    mono.value += 15 * 60
    result = fetcher.sync(NOW, LONDON)
    assert [e.summary for e in result.events["Work"]] == ["Sync"]
    import re

    assert re.search(words, result.problems["Work"]), result.problems["Work"]
    assert "127.0.0.1" not in result.problems["Work"]


def test_failures_back_off_and_recover(loopback: Loopback, tmp_path: Path) -> None:
    loopback.routes["/cal.ics"] = Route(status=503)
    fetcher, mono = fetcher_for(loopback.url("/cal.ics"), tmp_path)
    first = fetcher.sync(NOW, LONDON)  # fails: next try after 1 min
    # Never read and nothing cached: no "last good copy" to promise.
    assert first.events["Work"] == [] and first.with_copy == frozenset()  # unknown, not empty
    assert first.problems["Work"].endswith("Nothing from it is used until it can be read.")
    mono.value += 30
    fetcher.sync(NOW, LONDON)
    assert len(loopback.requests_to("/cal.ics")) == 1
    mono.value += 31
    fetcher.sync(NOW, LONDON)  # fails again: next try after 2 min
    mono.value += 90
    fetcher.sync(NOW, LONDON)
    assert len(loopback.requests_to("/cal.ics")) == 2
    loopback.routes["/cal.ics"] = Route(body=GOOD)
    mono.value += 31
    result = fetcher.sync(NOW, LONDON)
    assert result.problems == {} and result.with_copy == {"Work"}
    assert [e.summary for e in result.events["Work"]] == ["Sync"]


def test_a_missing_secret_says_how_to_store_it(tmp_path: Path) -> None:
    fetcher = CalendarFetcher(cache_dir=tmp_path / "c", get_secret=lambda _: None)
    fetcher.configure((SOURCE,), 15)
    result = fetcher.sync(NOW, LONDON)
    assert "respite secret set calendar-work" in result.problems["Work"]


def test_no_keyring_disables_the_calendar_with_the_reason(tmp_path: Path) -> None:
    from respite.storage.secrets import SecretsUnavailable

    def unavailable(_: str) -> str | None:
        raise SecretsUnavailable("No usable system keyring was found.")

    fetcher = CalendarFetcher(cache_dir=tmp_path / "c", get_secret=unavailable)
    fetcher.configure((SOURCE,), 15)
    assert "No usable system keyring" in fetcher.sync(NOW, LONDON).problems["Work"]
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "url",
    ["http://example.org/cal.ics", "ftp://example.org/x", "file:///etc/passwd", "https://"],
)
def test_only_https_or_loopback_http_is_fetched(url: str) -> None:
    with pytest.raises(CalendarError, match="https://"):
        check_url(url)


def test_allowed_urls() -> None:
    assert check_url("https://example.org/c.ics") == "https://example.org/c.ics"
    assert check_url("webcal://example.org/c.ics") == "https://example.org/c.ics"
    assert check_url("http://127.0.0.1:8080/c.ics").startswith("http://127.0.0.1")
    assert check_url("http://localhost/c.ics").startswith("http://localhost")


def test_a_local_file_source(tmp_path: Path) -> None:
    path = tmp_path / "cal.ics"
    path.write_bytes(GOOD)
    fetcher = CalendarFetcher(cache_dir=tmp_path / "c")
    fetcher.configure((CalendarSource("Home", path=str(path)),), 15)
    assert [e.summary for e in fetcher.sync(NOW, LONDON).events["Home"]] == ["Sync"]
    os.remove(path)
    result = fetcher.sync(NOW, LONDON, force=True)
    assert "does not exist" in result.problems["Home"]
    assert [e.summary for e in result.events["Home"]] == ["Sync"]


FLOATING = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART:20261123T100000\r\nDTEND:20261123T110000\r\nSUMMARY:Wall clock\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)
NEW_YORK = ZoneInfo("America/New_York")


def test_a_local_file_is_read_again_in_a_new_zone(tmp_path: Path) -> None:
    """A time with no zone is the user's wall clock: 10:00 in London, then in New York."""
    path = tmp_path / "cal.ics"
    path.write_bytes(FLOATING)
    fetcher = CalendarFetcher(cache_dir=tmp_path / "c")
    fetcher.configure((CalendarSource("Home", path=str(path)),), 15)
    (event,) = fetcher.sync(NOW, LONDON).events["Home"]
    assert event.start == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    (event,) = fetcher.sync(NOW, NEW_YORK, force=True).events["Home"]
    assert event.start == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_a_cached_copy_is_read_again_in_a_new_zone_while_offline(
    loopback: Loopback, tmp_path: Path
) -> None:
    loopback.routes["/cal.ics"] = Route(body=FLOATING)
    fetcher, _ = fetcher_for(loopback.url("/cal.ics"), tmp_path)
    fetcher.sync(NOW, LONDON)
    (event,) = fetcher.sync(NOW, LONDON, force=True).events["Work"]  # the cache is in use
    assert event.start == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    loopback.routes["/cal.ics"] = Route(status=503)
    result = fetcher.sync(NOW, NEW_YORK, force=True)
    assert "503" in result.problems["Work"]
    (event,) = result.events["Work"]
    assert event.start == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
