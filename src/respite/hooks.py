"""Boundary hooks: a webhook POST and/or a local command when a boundary event happens.

`hook_event_for` maps what the engine records to the documented hook events. A
`HookRunner` delivers on a small pool of worker threads — the GUI thread only queues —
with a timeout, and retries a failed delivery `MAX_ATTEMPTS` times in all, waiting
`backoff`, then twice that, between tries. Every failure is logged (never the address
or the token) and kept as the hook's last outcome, which `respite status` shows.

The webhook body (JSON, UTF-8), documented in docs/configuration.md:

    {"app": "respite", "version": "0.4.0", "hook": "Slack status",
     "event": "break_start", "at": "2026-11-23T09:30:00+00:00",
     "local_time": "2026-11-23T09:30:00+00:00", "data": {"kind": "short"}}

`data` holds only "kind" (of a break) and "until" (of a pause or done for today).
A command gets the same facts in its environment: RESPITE_EVENT, RESPITE_AT,
RESPITE_HOOK and RESPITE_DATA (the data as JSON); its stdin is empty.
"""

from __future__ import annotations

import functools
import json
import logging
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from respite import __version__
from respite.core.events import Event, EventKind
from respite.core.settings import Hook
from respite.core.settings_parse import url_problem
from respite.platform.children import external_environment

__all__ = ["MAX_ATTEMPTS", "HookOutcome", "HookRunner", "hook_event_for"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
BODY_DATA_KEYS = ("kind", "until")

_NUDGE_EVENTS = {"wind_down": "wind_down", "end_of_day": "end_of_day"}
_EVENT_KINDS = {
    EventKind.BREAK_STARTED: "break_start",
    EventKind.BREAK_FINISHED: "break_end",
    EventKind.DONE_FOR_TODAY: "done_for_today",
    EventKind.PAUSED: "pause",
    EventKind.RESUMED: "resume",
}


def hook_event_for(event: Event) -> str | None:
    """The hook event an engine event stands for, or None."""
    if event.kind is EventKind.NUDGE:
        return _NUDGE_EVENTS.get(str(event.data.get("kind")))
    return _EVENT_KINDS.get(event.kind)


@dataclass(frozen=True)
class HookOutcome:
    event: str
    at: datetime
    ok: bool
    detail: str  # "delivered" or what went wrong (no address, no token)
    attempts: int


class _Permanent(Exception):
    """A failure that another try won't fix (a 4xx, a missing program)."""


SecretGetter = Callable[[str], str | None]


def _default_secret(name: str) -> str | None:
    from respite.storage.secrets import get_secret

    return get_secret(name)


class HookRunner:
    def __init__(
        self,
        *,
        get_secret: SecretGetter = _default_secret,
        backoff: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        workers: int = 2,
    ) -> None:
        self.hooks: tuple[Hook, ...] = ()
        self._get_secret = get_secret
        self.backoff = backoff
        self._sleep = sleep
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="respite-hook")
        self._lock = threading.Lock()
        self._outcomes: dict[str, HookOutcome] = {}
        self._pending: set[Future[None]] = set()
        self._closed = False

    def configure(self, hooks: tuple[Hook, ...]) -> None:
        self.hooks = hooks
        with self._lock:
            names = {h.name for h in hooks}
            self._outcomes = {n: o for n, o in self._outcomes.items() if n in names}

    def outcomes(self) -> dict[str, HookOutcome]:
        with self._lock:
            return dict(self._outcomes)

    def fire(self, name: str, at: datetime, zone: tzinfo, data: dict[str, Any]) -> int:
        """Queue every hook that is on `name`; returns how many. Never blocks or raises."""
        if self._closed:
            return 0
        small = {k: data[k] for k in BODY_DATA_KEYS if k in data and data[k] is not None}
        count = 0
        for hook in self.hooks:
            if name not in hook.on:
                continue
            try:
                future = self._pool.submit(self._deliver, hook, name, at, zone, small)
            except RuntimeError:  # shut down meanwhile
                return count
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)
            count += 1
        return count

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until every queued delivery is over (tests, shutdown); True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """Drop deliveries not yet started; running ones end by their own timeout."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ----- on a worker thread --------------------------------------------------------

    def _deliver(
        self, hook: Hook, name: str, at: datetime, zone: tzinfo, data: dict[str, Any]
    ) -> None:
        attempts, detail, ok = 0, "", False
        delay = self.backoff
        while attempts < MAX_ATTEMPTS and not self._closed:
            attempts += 1
            try:
                self._attempt(hook, name, at, zone, data)
            except _Permanent as error:
                detail = str(error)
                break
            except Exception as error:  # anything else: try again after a while
                detail = str(error) if isinstance(error, _Failure) else type(error).__name__
                if attempts < MAX_ATTEMPTS:
                    self._sleep(delay)
                    delay *= 2
                continue
            ok, detail = True, "delivered"
            break
        outcome = HookOutcome(name, at, ok, detail, attempts)
        with self._lock:
            self._outcomes[hook.name] = outcome
        if ok:
            log.info("hook %r ran for %s", hook.name, name)
        else:
            log.warning(
                "hook %r failed for %s after %d attempt(s): %s", hook.name, name, attempts, detail
            )

    def _attempt(
        self, hook: Hook, name: str, at: datetime, zone: tzinfo, data: dict[str, Any]
    ) -> None:
        body = {
            "app": "respite",
            "version": __version__,
            "hook": hook.name,
            "event": name,
            "at": at.astimezone(UTC).isoformat(timespec="seconds"),
            "local_time": at.astimezone(zone).isoformat(timespec="seconds"),
            "data": data,
        }
        if hook.url or hook.url_secret:
            self._post(hook, body)
        if hook.command:
            self._run(hook, body)

    def _secret(self, name: str, what: str) -> str:
        from respite.storage.secrets import SecretError

        try:
            value = self._get_secret(name)
        except SecretError as error:
            raise _Permanent(str(error)) from None
        if not value:
            raise _Permanent(
                f"no secret {name!r} ({what}) in the keyring; store it with: "
                f"respite secret set {name}"
            )
        return value

    def _post(self, hook: Hook, body: dict[str, Any]) -> None:
        url = hook.url or self._secret(hook.url_secret, "the webhook address")
        if url_problem(url) is not None:
            raise _Permanent("the webhook address must be https:// (http:// only for loopback)")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"Respite/{__version__}",
        }
        if hook.token_secret:
            headers["Authorization"] = "Bearer " + self._secret(hook.token_secret, "the token")
        import urllib.error
        import urllib.request

        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
        try:
            with _opener().open(request, timeout=hook.timeout_seconds) as response:
                response.read(4096)
        except urllib.error.HTTPError as error:
            message = f"the webhook answered {error.code} {error.reason}"
            if 400 <= error.code < 500 and error.code not in (408, 425, 429):
                raise _Permanent(message) from None
            raise _Failure(message) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise _Failure(f"no answer within {hook.timeout_seconds} s") from None
            raise _Failure(f"could not reach the webhook ({reason})") from None
        except TimeoutError:
            raise _Failure(f"no answer within {hook.timeout_seconds} s") from None

    def _run(self, hook: Hook, body: dict[str, Any]) -> None:
        env = external_environment()
        env.update(
            RESPITE_EVENT=str(body["event"]),
            RESPITE_AT=str(body["at"]),
            RESPITE_HOOK=hook.name,
            RESPITE_DATA=json.dumps(body["data"], ensure_ascii=False),
        )
        try:
            finished = subprocess.run(  # an argument list, no shell
                list(hook.command),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                timeout=hook.timeout_seconds,
                check=False,
                shell=False,
            )
        except FileNotFoundError:
            raise _Permanent(f"the program {hook.command[0]!r} was not found") from None
        except PermissionError:
            raise _Permanent(f"the program {hook.command[0]!r} can't be run") from None
        except subprocess.TimeoutExpired:
            raise _Failure(
                f"the command did not finish within {hook.timeout_seconds} s (stopped)"
            ) from None
        if finished.returncode != 0:
            tail = finished.stderr[-200:].decode("utf-8", "replace").strip()
            extra = f": {tail}" if tail else ""
            raise _Failure(f"the command exited with {finished.returncode}{extra}")


class _Failure(Exception):
    """A failure worth another try (a 5xx, no network, a timeout, a non-zero exit)."""


@functools.cache
def _opener() -> Any:
    """urllib, built on first use: importing it loads ssl (about 4 MiB) for everyone."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        """A POST is not followed elsewhere: a redirect is reported as a failure."""

        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)
