"""Boundary hooks against a real HTTP server on 127.0.0.1 and real local commands:
the documented body, the bearer token from the keyring, bounded retries with backoff,
timeouts, and the runtime firing hooks without waiting for them."""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.events import Event, EventKind
from respite.core.settings import Hook
from respite.hooks import MAX_ATTEMPTS, HookRunner, hook_event_for
from respite.runtime import Runtime
from tests.loopback import Loopback, Route, loopback_server  # noqa: F401  (the loopback fixture)

LONDON = ZoneInfo("Europe/London")
AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SECRETS = {"hook-token": "tok-s3cret", "hook-url": ""}


def runner(**kwargs: Any) -> HookRunner:
    return HookRunner(get_secret=SECRETS.get, backoff=0.01, **kwargs)


@pytest.fixture(autouse=True)
def no_collection_off_the_gui_thread() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def test_the_webhook_gets_the_documented_body_and_the_bearer_token(loopback: Loopback) -> None:
    loopback.routes["/hook"] = Route(status=204)
    hooks = runner()
    hooks.configure(
        (Hook("Team", on=("break_start",), url=loopback.url("/hook"), token_secret="hook-token"),)
    )
    assert hooks.fire("break_start", AT, LONDON, {"kind": "short", "source": "menu"}) == 1
    assert hooks.fire("pause", AT, LONDON, {}) == 0  # not on this event
    assert hooks.wait()
    (seen,) = loopback.requests_to("/hook")
    assert seen.method == "POST"
    assert seen.headers["Authorization"] == "Bearer tok-s3cret"
    assert seen.headers["Content-Type"].startswith("application/json")
    assert json.loads(seen.body) == {
        "app": "respite",
        "version": json.loads(seen.body)["version"],
        "hook": "Team",
        "event": "break_start",
        "at": "2026-11-23T09:30:00+00:00",
        "local_time": "2026-11-23T09:30:00+00:00",
        "data": {"kind": "short"},  # only the documented keys
    }
    outcome = hooks.outcomes()["Team"]
    assert outcome.ok and outcome.attempts == 1
    hooks.close()


def test_a_failing_webhook_is_retried_a_bounded_number_of_times(
    loopback: Loopback, caplog: pytest.LogCaptureFixture
) -> None:
    loopback.routes["/hook"] = Route(status=503)
    hooks = runner()
    hooks.configure((Hook("Team", on=("pause",), url=loopback.url("/hook")),))
    hooks.fire("pause", AT, LONDON, {"until": "2026-11-23T10:00:00+00:00"})
    assert hooks.wait()
    assert len(loopback.requests_to("/hook")) == MAX_ATTEMPTS
    outcome = hooks.outcomes()["Team"]
    assert not outcome.ok and "503" in outcome.detail and outcome.attempts == MAX_ATTEMPTS
    assert any("hook 'Team' failed" in r.getMessage() for r in caplog.records)
    assert all("127.0.0.1" not in r.getMessage() for r in caplog.records)
    hooks.close()


def test_a_client_error_is_not_retried(loopback: Loopback) -> None:
    loopback.routes["/hook"] = Route(status=401)
    hooks = runner()
    hooks.configure((Hook("Team", on=("pause",), url=loopback.url("/hook")),))
    hooks.fire("pause", AT, LONDON, {})
    assert hooks.wait()
    assert len(loopback.requests_to("/hook")) == 1
    assert "401" in hooks.outcomes()["Team"].detail
    hooks.close()


def test_a_slow_webhook_times_out_and_recovers(loopback: Loopback) -> None:
    loopback.routes["/hook"] = Route(status=200, delay=1.5)
    hooks = runner()
    hooks.configure((Hook("Slow", on=("resume",), url=loopback.url("/hook"), timeout_seconds=1),))
    hooks.fire("resume", AT, LONDON, {})
    assert hooks.wait(timeout=15)
    assert "no answer within 1 s" in hooks.outcomes()["Slow"].detail
    loopback.routes["/hook"] = Route(status=200)
    hooks.fire("resume", AT, LONDON, {})
    assert hooks.wait()
    assert hooks.outcomes()["Slow"].ok
    hooks.close()


def test_a_missing_token_disables_the_hook_with_the_reason(loopback: Loopback) -> None:
    loopback.routes["/hook"] = Route(status=200)
    hooks = runner()
    hooks.configure(
        (Hook("T", on=("pause",), url=loopback.url("/hook"), token_secret="missing-token"),)
    )
    hooks.fire("pause", AT, LONDON, {})
    assert hooks.wait()
    assert loopback.requests_to("/hook") == []
    assert "respite secret set missing-token" in hooks.outcomes()["T"].detail
    hooks.close()


def test_a_command_runs_without_a_shell_and_gets_the_facts(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    script = (
        "import json, os, sys; "
        f"open({str(out)!r}, 'w').write(json.dumps([sys.argv[1:], os.environ['RESPITE_EVENT'],"
        " os.environ['RESPITE_DATA']]))"
    )
    hooks = runner()
    hooks.configure(
        (Hook("Cmd", on=("done_for_today",), command=(sys.executable, "-c", script, "$HOME;x")),)
    )
    hooks.fire("done_for_today", AT, LONDON, {"until": "2026-11-24T09:00:00+00:00"})
    assert hooks.wait()
    args, event, data = json.loads(out.read_text())
    assert args == ["$HOME;x"]  # no shell: nothing expanded
    assert event == "done_for_today"
    assert json.loads(data) == {"until": "2026-11-24T09:00:00+00:00"}
    assert hooks.outcomes()["Cmd"].ok
    hooks.close()


def test_from_a_bundle_a_command_gets_the_users_library_path_not_the_bundles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = str(tmp_path / "bundle")
    monkeypatch.setattr(sys, "_MEIPASS", bundle, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{bundle}:/home/me/lib")
    monkeypatch.setenv("LD_LIBRARY_PATH_ORIG", "/home/me/lib")
    monkeypatch.setenv("_PYI_APPLICATION_HOME_DIR", bundle)
    out = tmp_path / "env.json"
    script = f"import json, os; open({str(out)!r}, 'w').write(json.dumps(dict(os.environ)))"
    hooks = runner()
    hooks.configure((Hook("Cmd", on=("pause",), command=(sys.executable, "-c", script)),))
    hooks.fire("pause", AT, LONDON, {})
    assert hooks.wait()
    seen = json.loads(out.read_text())
    assert seen["LD_LIBRARY_PATH"] == "/home/me/lib"
    assert not any(name.startswith(("_PYI_", "LD_LIBRARY_PATH_ORIG")) for name in seen)
    assert seen["RESPITE_EVENT"] == "pause"
    hooks.close()


def test_command_failures_timeouts_and_missing_programs(tmp_path: Path) -> None:
    hooks = runner()
    hooks.configure(
        (
            Hook("Exit", on=("pause",), command=(sys.executable, "-c", "import sys; sys.exit(3)")),
            Hook(
                "Hang",
                on=("pause",),
                command=(sys.executable, "-c", "import time; time.sleep(30)"),
                timeout_seconds=1,
            ),
            Hook("Nope", on=("pause",), command=(str(tmp_path / "no-such-program"),)),
        )
    )
    started = time.monotonic()
    hooks.fire("pause", AT, LONDON, {})
    assert time.monotonic() - started < 0.5  # firing never waits
    assert hooks.wait(timeout=20)
    outcomes = hooks.outcomes()
    assert "exited with 3" in outcomes["Exit"].detail
    assert outcomes["Exit"].attempts == MAX_ATTEMPTS
    assert "within 1 s" in outcomes["Hang"].detail
    assert "was not found" in outcomes["Nope"].detail and outcomes["Nope"].attempts == 1
    hooks.close()


@pytest.mark.parametrize(
    ("kind", "data", "name"),
    [
        (EventKind.BREAK_STARTED, {"kind": "short"}, "break_start"),
        (EventKind.BREAK_FINISHED, {"kind": "short"}, "break_end"),
        (EventKind.PAUSED, {}, "pause"),
        (EventKind.RESUMED, {}, "resume"),
        (EventKind.DONE_FOR_TODAY, {}, "done_for_today"),
        (EventKind.NUDGE, {"kind": "wind_down"}, "wind_down"),
        (EventKind.NUDGE, {"kind": "end_of_day"}, "end_of_day"),
        (EventKind.NUDGE, {"kind": "short_break"}, None),
        (EventKind.WIN, {"text": "x"}, None),
    ],
)
def test_engine_events_map_to_hook_events(
    kind: EventKind, data: dict[str, Any], name: str | None
) -> None:
    assert hook_event_for(Event(kind, AT, data)) == name


# ----- in the runtime ----------------------------------------------------------------


class Mono:
    value = 1000.0

    def __call__(self) -> float:
        return self.value


def started_runtime(settings: Path, clock: FakeClock, mono: Mono) -> Runtime:
    runtime = Runtime(
        config_path=settings,
        database_path=settings.parent / "db.sqlite3",
        clock=clock,
        monotonic=mono,
        zone=lambda: LONDON,
    )
    runtime.start()
    return runtime


def sample_for(runtime: Runtime, clock: FakeClock, mono: Mono, minutes: int) -> None:
    for _ in range(minutes * 2):
        clock.advance(30)
        mono.value += 30
        runtime.sample()


def test_the_runtime_fires_hooks_on_boundaries_without_waiting(
    qtbot: Any, tmp_path: Path, loopback: Loopback
) -> None:
    loopback.routes["/hook"] = Route(status=200, delay=0.5)
    settings = tmp_path / "settings.toml"
    settings.write_text(
        "[[hooks]]\n"
        'name = "All"\n'
        'on = ["start_of_day", "pause", "resume", "break_start", "break_end", "end_of_day"]\n'
        f'url = "{loopback.url("/hook")}"\n'
        'token_secret = "hook-token"\n',
        encoding="utf-8",
    )
    clock = FakeClock(datetime(2026, 11, 23, 8, 59, tzinfo=LONDON))
    mono = Mono()
    runtime = started_runtime(settings, clock, mono)
    runtime.hooks.close()
    runtime.hooks = runner()
    runtime.hooks.configure(runtime.settings.hooks)
    try:
        sample_for(runtime, clock, mono, 2)  # 09:00: the day starts
        started = time.monotonic()
        runtime.perform("pause", minutes=30)
        runtime.perform("resume")
        runtime.perform("break", what="start")
        runtime.perform("break", what="done")
        assert time.monotonic() - started < 0.4  # four slow webhooks, none waited for
        assert runtime.hooks.wait(timeout=15)
        events = [json.loads(s.body)["event"] for s in loopback.requests_to("/hook")]
        assert sorted(events) == sorted(
            ["start_of_day", "pause", "resume", "break_start", "break_end"]
        )
        status = runtime.perform("status")
        assert status["hooks"][0]["name"] == "All" and status["hooks"][0]["ok"] is True
    finally:
        runtime.stop()


def test_start_of_day_fires_once_even_across_a_restart(tmp_path: Path) -> None:
    fired = tmp_path / "fired.txt"
    script = "import os, sys; open(sys.argv[1], 'a').write(os.environ['RESPITE_EVENT'] + chr(10))"
    command = json.dumps([sys.executable, "-c", script, str(fired)])
    settings = tmp_path / "settings.toml"
    settings.write_text(
        f'[[hooks]]\nname = "Log"\non = ["start_of_day"]\ncommand = {command}\n',
        encoding="utf-8",
    )
    clock = FakeClock(datetime(2026, 11, 23, 9, 2, tzinfo=LONDON))  # within the grace
    mono = Mono()

    def run_for(minutes: int) -> None:
        runtime = started_runtime(settings, clock, mono)
        try:
            sample_for(runtime, clock, mono, minutes)
            assert runtime.hooks.wait(timeout=15)
        finally:
            runtime.stop()

    run_for(2)
    run_for(2)  # restarted at 09:04, still within the first 15 minutes: not again
    assert fired.read_text(encoding="utf-8") == "start_of_day\n"
