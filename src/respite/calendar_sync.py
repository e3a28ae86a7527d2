"""Reading the configured calendars in the background.

`CalendarFetcher` is plain Python (testable without Qt): one `sync()` pass reads every
source that is due — a local file, or an https URL taken from the keyring — with
conditional requests (ETag / Last-Modified), a timeout, a size limit and a growing wait
after failures. The last good copy of each URL calendar is kept in a private cache
(folder 0700, files 0600) in the data folder, so an offline start still knows today's
meetings. A source that fails keeps its last good events.

`CalendarSync` runs those passes on a worker thread and hands the results to the GUI
thread through a queued signal; the GUI thread never waits on the network.

Nothing here logs or stores a calendar URL: it is a secret. Cache files are named by a
hash of the calendar's name, and the URL's own hash only tells whether it changed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from respite import __version__, paths
from respite.core.calendar import MAX_CALENDAR_BYTES, CalendarError, CalEvent, parse_ics
from respite.core.settings import CalendarSource
from respite.qt import emit

__all__ = [
    "FETCH_TIMEOUT",
    "CalendarFetcher",
    "CalendarSync",
    "SyncResult",
    "check_url",
]

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 20.0
# After a failure, wait 1, 2, 4 … minutes, at most this long, before the next try.
BACKOFF_MAX = 60 * 60.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_url(url: str) -> str:
    """The URL to fetch; raises CalendarError unless it is https (or http on loopback).

    webcal:// (what calendar apps hand out) means https://.
    """
    url = url.strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url  # plain http only for this machine (the tests use it)
    raise CalendarError(
        "the calendar address must start with https:// (http:// is allowed only for "
        "127.0.0.1 and localhost)"
    )


@functools.cache
def _opener() -> Any:
    """urllib, built on first use: importing it loads ssl (about 4 MiB) for everyone."""
    import urllib.request

    class SafeRedirect(urllib.request.HTTPRedirectHandler):
        """Follow redirects only to addresses `check_url` allows (never https → http)."""

        def redirect_request(  # type: ignore[no-untyped-def]
            self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str
        ):
            check_url(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(SafeRedirect)


def _private_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable only by the owner."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


@dataclass
class _SourceState:
    events: list[CalEvent] = field(default_factory=list)
    next_try: float = 0.0  # monotonic
    failures: int = 0
    problem: str | None = None
    file_stamp: tuple[int, int] | None = None  # a local file's (mtime_ns, size)
    cache_loaded: bool = False
    has_copy: bool = False  # good events were read (or the cache was) since start
    parsed_on: date | None = None  # recurrences are expanded around that day
    parsed_in: tzinfo | None = None  # floating times were read as this zone's


@dataclass(frozen=True)
class SyncResult:
    events: dict[str, list[CalEvent]]  # by calendar name: the last good events
    problems: dict[str, str]  # by calendar name: what went wrong on the last try
    # The calendars read (or whose cached copy was) since start. Any other's events are
    # [] because nothing is known, not because it is empty: its days off still stand.
    with_copy: frozenset[str] = frozenset()


SecretGetter = Callable[[str], str | None]


def _default_secret(name: str) -> str | None:
    from respite.storage.secrets import get_secret

    return get_secret(name)


class CalendarFetcher:
    """One sync pass at a time over the configured sources (not thread-safe by itself)."""

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        get_secret: SecretGetter = _default_secret,
        monotonic: Callable[[], float] = time.monotonic,
        timeout: float = FETCH_TIMEOUT,
        max_bytes: int = MAX_CALENDAR_BYTES,
    ) -> None:
        self.cache_dir = cache_dir or paths.data_dir() / "calendar-cache"
        self._get_secret = get_secret
        self._monotonic = monotonic
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.refresh_seconds = 15 * 60.0
        self.sources: tuple[CalendarSource, ...] = ()
        self._state: dict[str, _SourceState] = {}
        self.requests = 0  # network requests made (for tests)

    def configure(self, sources: tuple[CalendarSource, ...], refresh_minutes: int) -> None:
        self.sources = sources
        self.refresh_seconds = refresh_minutes * 60.0
        names = {s.name for s in sources}
        for gone in set(self._state) - names:
            del self._state[gone]
        for state in self._state.values():
            state.next_try = 0.0  # a changed source list: look again now

    # ----- the cache -----------------------------------------------------------------

    def _cache_paths(self, name: str) -> tuple[Path, Path]:
        stem = hashlib.sha256(name.encode("utf-8")).hexdigest()[:24]
        return self.cache_dir / f"{stem}.ics", self.cache_dir / f"{stem}.json"

    def _read_cache(self, name: str, url: str) -> tuple[bytes | None, dict[str, Any]]:
        data_path, meta_path = self._cache_paths(name)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("url_sha256") != _url_hash(url):
                return None, {}
            return data_path.read_bytes(), meta
        except (OSError, ValueError):
            return None, {}

    def _write_cache(self, name: str, url: str, data: bytes, headers: Mapping[str, str]) -> None:
        data_path, meta_path = self._cache_paths(name)
        meta = {
            "url_sha256": _url_hash(url),
            "etag": headers.get("ETag"),
            "last_modified": headers.get("Last-Modified"),
        }
        try:
            paths.ensure_private_dir(self.cache_dir)
            _private_write(data_path, data)
            _private_write(meta_path, json.dumps(meta).encode("utf-8"))
        except OSError as error:
            log.warning("could not cache the calendar %r: %s", name, error)

    # ----- one pass ------------------------------------------------------------------

    def sync(self, now: datetime, zone: tzinfo, *, force: bool = False) -> SyncResult:
        """Read every source that is due; never raises for a bad source."""
        for source in self.sources:
            state = self._state.setdefault(source.name, _SourceState())
            if not force and self._monotonic() < state.next_try:
                continue
            if state.parsed_in is not None and state.parsed_in != zone:
                # Another zone: floating times move. A URL calendar's cached copy is read
                # again first, so even offline its meetings are at the new wall-clock times.
                state.cache_loaded = False
            try:
                events = self._read(source, state, now, zone)
            except (CalendarError, OSError) as error:
                message = _calendar_message(source, error, has_copy=state.has_copy)
                if message != state.problem:
                    log.warning("%s", message)
                state.problem = message
                state.failures += 1
                delay = min(BACKOFF_MAX, 60.0 * 2 ** (state.failures - 1), self.refresh_seconds)
                state.next_try = self._monotonic() + delay
                continue
            except Exception:  # a bug in a parser must not stop the others
                log.exception("calendar %r could not be read", source.name)
                state.problem = f"Calendar {source.name!r} could not be read (see the log)."
                state.failures += 1
                state.next_try = self._monotonic() + self.refresh_seconds
                continue
            if events is not None:
                state.events, state.has_copy, state.parsed_in = events, True, zone
            if state.problem is not None:
                log.info("calendar %r is readable again", source.name)
            state.problem, state.failures = None, 0
            state.next_try = self._monotonic() + self.refresh_seconds
        return self.result()

    def result(self) -> SyncResult:
        names = [s.name for s in self.sources]
        return SyncResult(
            events={n: list(self._state[n].events) for n in names if n in self._state},
            problems={n: p for n in names if n in self._state and (p := self._state[n].problem)},
            with_copy=frozenset(n for n in names if n in self._state and self._state[n].has_copy),
        )

    def _read(
        self, source: CalendarSource, state: _SourceState, now: datetime, zone: tzinfo
    ) -> list[CalEvent] | None:
        """New events for `source`, None when nothing changed; raises on failure."""
        if source.path:
            return self._read_file(source, state, now, zone)
        return self._read_url(source, state, now, zone)

    def _read_file(
        self, source: CalendarSource, state: _SourceState, now: datetime, zone: tzinfo
    ) -> list[CalEvent] | None:
        path = Path(source.path).expanduser()
        info = path.stat()
        stamp = (info.st_mtime_ns, info.st_size)
        unchanged = stamp == state.file_stamp and state.problem is None
        if unchanged and state.parsed_on == now.date() and state.parsed_in == zone:
            return None
        if info.st_size > self.max_bytes:
            raise CalendarError(f"{path} is too large ({info.st_size // 1024} KiB)")
        with path.open("rb") as file:
            data = file.read(self.max_bytes + 1)
        events = parse_ics(data, now=now, zone=zone, source=str(path))
        state.file_stamp, state.parsed_on = stamp, now.date()
        return events

    def _read_url(
        self, source: CalendarSource, state: _SourceState, now: datetime, zone: tzinfo
    ) -> list[CalEvent] | None:
        from respite.storage.secrets import SecretError

        try:
            secret = self._get_secret(source.secret)
        except SecretError as error:
            raise CalendarError(str(error)) from None
        if not secret:
            raise CalendarError(
                f"there is no secret {source.secret!r} in the keyring; store the "
                f"calendar's address with: respite secret set {source.secret}"
            )
        url = check_url(secret)
        cached, meta = self._read_cache(source.name, url)
        if cached is not None and not state.cache_loaded:
            # First pass since start: the last good copy first, in case we're offline.
            with contextlib.suppress(CalendarError):
                state.events = parse_ics(cached, now=now, zone=zone, source="the cached copy")
                state.has_copy, state.parsed_in = True, zone
            state.cache_loaded = True
        headers = {"User-Agent": f"Respite/{__version__}", "Accept": "text/calendar"}
        if cached is not None:
            if meta.get("etag"):
                headers["If-None-Match"] = str(meta["etag"])
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = str(meta["last_modified"])
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, headers=headers)
        self.requests += 1
        try:
            with _opener().open(request, timeout=self.timeout) as response:
                data = response.read(self.max_bytes + 1)
                response_headers = {k: v for k, v in response.headers.items()}
        except urllib.error.HTTPError as error:
            if error.code == 304 and cached is not None:
                # Re-expanded around today: recurrences move on even when the file doesn't.
                return parse_ics(cached, now=now, zone=zone, source="the cached copy")
            raise CalendarError(f"the server answered {error.code} {error.reason}") from None
        except urllib.error.URLError as error:
            raise CalendarError(f"could not reach the server ({error.reason})") from None
        except TimeoutError:
            raise CalendarError(f"the server did not answer within {self.timeout:g} s") from None
        if len(data) > self.max_bytes:
            raise CalendarError(
                f"the calendar is larger than {self.max_bytes // (1024 * 1024)} MiB"
            )
        events = parse_ics(data, now=now, zone=zone, source="the calendar")
        self._write_cache(source.name, url, data, response_headers)
        return events


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _calendar_message(source: CalendarSource, error: Exception, *, has_copy: bool) -> str:
    if isinstance(error, FileNotFoundError):
        reason = f"{error.filename} does not exist"
    elif isinstance(error, OSError):
        reason = f"{error.strerror or type(error).__name__}"
    else:
        reason = str(error).rstrip(".")
    if has_copy:
        return f"Calendar {source.name!r}: {reason}. Using the last good copy."
    return f"Calendar {source.name!r}: {reason}. Nothing from it is used until it can be read."


class CalendarSync(QObject):
    """Runs `CalendarFetcher.sync` on a worker thread every minute (each source keeps
    its own refresh time and backoff) and emits `updated(SyncResult)` on the GUI thread."""

    updated = Signal(object)  # SyncResult
    _finished = Signal(object)

    def __init__(
        self,
        fetcher: CalendarFetcher,
        now: Callable[[], datetime],
        zone: Callable[[], tzinfo],
        *,
        tick_ms: int = 60_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.fetcher = fetcher
        self._now = now
        self._zone = zone
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._force = False
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.refresh)
        self._finished.connect(self._deliver)

    def configure(self, sources: tuple[CalendarSource, ...], refresh_minutes: int) -> None:
        with self._lock:
            self.fetcher.configure(sources, refresh_minutes)
        if sources:
            self._timer.start()
            self.refresh(force=True)
        else:
            self._timer.stop()
            emit(self.updated, SyncResult({}, {}))

    def stop(self) -> None:
        self._timer.stop()

    def busy(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a running pass (tests and shutdown); True when none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def refresh(self, force: bool = False) -> None:
        """Start a pass on a worker thread unless one is running (then one follows)."""
        if self.busy():
            self._again = True
            self._force = self._force or force
            return
        now, zone = self._now(), self._zone()
        self._thread = threading.Thread(
            target=self._work, args=(now, zone, force), name="respite-calendar", daemon=True
        )
        self._thread.start()

    def _work(self, now: datetime, zone: tzinfo, force: bool) -> None:
        try:
            with self._lock:
                result = self.fetcher.sync(now, zone, force=force)
        except Exception:
            log.exception("the calendar pass failed")
            return
        emit(self._finished, result)

    def _deliver(self, result: SyncResult) -> None:
        emit(self.updated, result)
        if self._again:
            self._again, force = False, self._force
            self._force = False
            self.refresh(force=force)
