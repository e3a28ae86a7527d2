"""The real `respite` process on a private desktop: Xvfb, trayer, dunst, a D-Bus session.

Time passes for real here (a break every minute, a one-minute snooze); libfaketime only
places the app at a chosen time of day, so no test-only switch exists in the app.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from respite.core.events import Event, EventKind
from respite.storage.db import EventLog
from tests.fakes import ALL_DAY_EVERY_DAY

if __package__:
    from .desktop import Desktop, FakeClock
else:
    from desktop import Desktop, FakeClock  # type: ignore[no-redef]

LONDON = ZoneInfo("Europe/London")
FAST_BREAKS = (
    ALL_DAY_EVERY_DAY
    + """
[breaks]
idle_after_seconds = 10
[breaks.short]
every_minutes = 1
duration_minutes = 0.5
natural_after_minutes = 0.5
[snooze]
choices_minutes = [1]
"""
)


@dataclass
class RunningApp:
    desktop: Desktop
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    data_dir: Path
    name: str

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        plain = {k: v for k, v in self.env.items() if not k.startswith(("LD_PRELOAD", "FAKE"))}
        return subprocess.run(
            [sys.executable, "-m", "respite", *args],
            env=plain,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def events(self, *kinds: EventKind) -> list[Event]:
        log, _ = EventLog.open(self.data_dir / "respite.sqlite3", now=datetime.now(UTC),
                               readonly=True)  # fmt: skip
        try:
            found = log.events(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        finally:
            log.close()
        return [e for e in found if not kinds or e.kind in kinds]

    def wait_for_event(self, kind: EventKind, timeout: float, *, count: int = 1) -> list[Event]:
        self.desktop.wait_until(
            lambda: len(self.events(kind)) >= count,
            timeout=timeout,
            message=f"{count} x {kind} in the log; app log:\n{self.desktop.log(self.name)}",
        )
        return self.events(kind)

    def keep_busy(self, seconds: float, until=None) -> None:
        """Real input through the X server, every two seconds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.desktop.xdotool("mousemove_relative", "--", "3", "2")
            if until is not None and until():
                return
            time.sleep(2)


def start_app(
    desktop: Desktop, root: Path, settings: str, *, name: str, extra: dict[str, str] | None = None
) -> RunningApp:
    config, data = root / "config", root / "data"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(settings, encoding="utf-8")
    env = desktop.child_env(
        {"RESPITE_CONFIG_DIR": str(config), "RESPITE_DATA_DIR": str(data), **(extra or {})}
    )
    process = desktop.spawn([sys.executable, "-m", "respite", "-v"], name=name, env=env)
    app = RunningApp(desktop, process, env, data, name)
    desktop.wait_until(
        lambda: (
            app.cli("status", "--json").returncode == 0
            and json.loads(app.cli("status", "--json").stdout).get("running") is True
        ),
        timeout=30,
        message=f"respite answering on its socket; log:\n{desktop.log(name)}",
    )
    return app


def stop_app(app: RunningApp) -> None:
    if app.process.poll() is None:
        app.process.send_signal(signal.SIGTERM)
        assert app.process.wait(timeout=20) == 0, app.desktop.log(app.name)
    assert EventKind.APP_STOPPED in {e.kind for e in app.events()}


@pytest.fixture
def app(desktop: Desktop, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[RunningApp]:
    desktop.close_notifications()
    running = start_app(desktop, tmp_path, FAST_BREAKS, name=request.node.name)
    yield running
    stop_app(running)
    desktop.close_notifications()


ICON_WINDOW = r'"respite": \("respite" "respite"\)\s+(\d+)x(\d+)\S*\s+\+(\d+)\+(\d+)'


def tray_icon_center(desktop: Desktop) -> tuple[int, int]:
    """Where trayer docked Respite's icon, from the X window tree."""
    tree = desktop.run(["xwininfo", "-root", "-tree"]).stdout
    for line in tree.splitlines():
        match = re.search(
            r'"respite": \("respite" "respite"\)\s+(\d+)x(\d+)\S*\s+\+(\d+)\+(\d+)', line
        )
        if match:
            width, height, x, y = map(int, match.groups())
            return x + width // 2, y + height // 2
    raise AssertionError(f"no Respite icon in the tray:\n{tree}")


def test_the_icon_docks_in_the_tray_and_its_menu_starts_a_break(
    app: RunningApp, desktop: Desktop
) -> None:
    desktop.wait_until(lambda: '"respite": ("respite" "respite")' in
                       desktop.run(["xwininfo", "-root", "-tree"]).stdout,
                       timeout=15, message="icon embedded in trayer")  # fmt: skip
    time.sleep(0.5)  # trayer places the icon after embedding it
    x, y = tray_icon_center(desktop)
    shot = desktop.screenshot("app-tray-icon.png")
    crop = desktop.run(["convert", str(shot), "-crop", f"16x16+{x - 8}+{y - 8}", "+repage",
                        "-format", "%k", "info:"]).stdout  # fmt: skip
    assert int(crop) > 3, "the icon area is blank: nothing was drawn"

    desktop.xdotool("mousemove", str(x), str(y), "click", "3")
    time.sleep(0.8)
    desktop.screenshot("app-tray-menu.png")
    desktop.xdotool("key", "t")  # "&Take a break now"
    started = app.wait_for_event(EventKind.BREAK_STARTED, timeout=10)
    assert started[0].data == {"kind": "short", "planned_seconds": 30.0}
    desktop.wait_until(lambda: desktop.window_ids("--name", "Respite — break"), timeout=10,
                       message="the break window")  # fmt: skip
    desktop.screenshot("app-break-window.png")
    assert "On a break" in app.cli("status").stdout
    assert app.cli("break", "done").returncode == 0
    finished = app.wait_for_event(EventKind.BREAK_FINISHED, timeout=10)
    assert finished[0].data["completed"] is False


def test_a_break_nudge_in_dunst_can_be_snoozed_and_comes_back(
    app: RunningApp, desktop: Desktop
) -> None:
    app.keep_busy(100, until=lambda: desktop.notification_count() > 0)
    assert desktop.notification_count() == 1, desktop.log(app.name)
    desktop.screenshot("app-break-nudge.png")
    chosen = desktop.choose_dunst_action("Snooze 1 min")
    assert "snooze:1" in chosen
    snoozed = app.wait_for_event(EventKind.BREAK_SNOOZED, timeout=10)
    assert snoozed[0].data["minutes"] == 1
    desktop.wait_until(lambda: desktop.notification_count() == 0, timeout=10,
                       message="the notification closed after the action")  # fmt: skip
    # After the snooze, with the user still at it, the nudge comes back.
    app.keep_busy(90, until=lambda: desktop.notification_count() > 0)
    nudges = [e for e in app.events(EventKind.NUDGE) if e.data["kind"] == "short_break"]
    assert len(nudges) == 2
    assert nudges[1].at - snoozed[0].at >= timedelta(seconds=59)


def test_real_idleness_is_a_natural_break_and_input_is_activity(
    app: RunningApp, desktop: Desktop
) -> None:
    app.keep_busy(6)
    # No input at all: the X server's idle time grows past the 30 s natural break.
    desktop.wait_until(lambda: desktop.idle_ms() > 33_000, timeout=45, interval=1,
                       message="X idle time growing")  # fmt: skip
    app.keep_busy(4)
    natural = app.wait_for_event(EventKind.NATURAL_BREAK, timeout=40)
    assert natural[0].data["kind"] == "short"
    assert natural[0].data["seconds"] >= 30
    exported = app.cli("export", "--format", "json")  # asks the app to write its span
    assert exported.returncode == 0 and "natural_break" in exported.stdout
    log, _ = EventLog.open(app.data_dir / "respite.sqlite3", now=datetime.now(UTC),
                           readonly=True)  # fmt: skip
    try:
        spans = log.spans(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    finally:
        log.close()
    assert len(spans) >= 2  # activity before and after the idle spell
    assert spans[-1].start - spans[-2].end >= timedelta(seconds=30)


def test_the_end_of_day_nudge_arrives_on_time_and_done_is_logged(
    desktop: Desktop, tmp_path: Path, fake_clock: FakeClock
) -> None:
    desktop.close_notifications()
    monday_evening = datetime(2026, 11, 23, 17, 29, 40, tzinfo=LONDON)
    fake_clock.set(monday_evening.timestamp())
    extra = {**fake_clock.env, "TZ": "Europe/London"}
    settings = 'why = "Dinner with Sam at seven."\n'
    running = start_app(desktop, tmp_path, settings, name="end-of-day", extra=extra)
    try:
        running.keep_busy(40, until=lambda: desktop.notification_count() > 0)
        desktop.screenshot("app-end-of-day.png")
        nudges = running.events(EventKind.NUDGE)
        assert [e.data["kind"] for e in nudges] == ["end_of_day"]  # 17:15 wind-down: stale
        local = nudges[0].at.astimezone(LONDON)
        assert (local.hour, local.minute) == (17, 30)
        chosen = desktop.choose_dunst_action("Done for today")
        assert "done_for_today" in chosen
        done = running.wait_for_event(EventKind.DONE_FOR_TODAY, timeout=10)
        assert done[0].data["until"] == "2026-11-24T09:00:00+00:00"
        assert "Done for today — see you tomorrow 09:00" in running.cli("status").stdout
    finally:
        stop_app(running)
        desktop.close_notifications()
