"""The real `respite --no-tray` in a subprocess, driven by real `respite` commands.

Subprocess tests may poll with a deadline; nothing here waits a fixed time.
"""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from respite import ipc, paths
from respite.core.events import EventKind
from respite.storage.db import EventLog

SRC = Path(__file__).resolve().parents[2] / "src"
STARTUP_SECONDS = 30.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"),
]


def environment() -> dict[str, str]:
    env = dict(os.environ)  # the autouse fixture's temporary folders
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env


def respite(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "respite", *args],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )


class App:
    def __init__(self, tmp_path: Path) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.out = tmp_path / "app.out"
        self.err = tmp_path / "app.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "respite", "--no-tray"],
                env=environment(),
                stdout=out,
                stderr=err,
            )

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"respite exited early:\n{self.err.read_text()}")
            if ipc.request("ping") is not None:
                return
            time.sleep(0.05)
        pytest.fail(f"respite did not start listening:\n{self.err.read_text()}")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(how)
        return self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    running = App(tmp_path)
    try:
        running.wait_until_listening()
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(timeout=30)


def logged_kinds() -> list[EventKind]:
    now = datetime.now(UTC)
    log, _ = EventLog.open(paths.database_path(), now=now, readonly=True)
    with log:
        return [e.kind for e in log.events(now - timedelta(days=1), now + timedelta(days=1))]


def test_commands_reach_the_running_app_and_sigterm_stops_it_cleanly(app: App) -> None:
    win = respite("win", "x")
    assert (win.returncode, win.stdout, win.stderr) == (0, "Noted: x — nice one.\n", "")

    status = respite("status")
    assert status.returncode == 0, status.stderr
    assert "Phase: " in status.stdout
    assert "isn't running" not in status.stdout

    pause = respite("pause", "30m")
    assert pause.returncode == 0, pause.stderr
    assert pause.stdout.startswith("Paused until ")
    assert pause.stdout.endswith(". Resume any time with: respite resume\n")

    status = respite("status", "--json")
    assert '"running": true' in status.stdout
    assert '"phase": "paused"' in status.stdout

    refused = respite("break", "done")
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "You're not on a break right now.\n"

    second = respite("--no-tray")
    assert (second.returncode, second.stdout) == (0, "Respite is already running; showing it.\n")

    exported = respite("export")
    assert exported.returncode == 0
    assert ",win," in exported.stdout

    assert app.stop(signal.SIGTERM) == 0
    kinds = logged_kinds()
    assert kinds[0] is EventKind.APP_STARTED
    assert EventKind.WIN in kinds
    assert EventKind.PAUSED in kinds
    assert kinds[-1] is EventKind.APP_STOPPED
    assert not Path(ipc.server_name()).exists()
    log_file = paths.data_dir() / "logs" / "respite.log"
    assert "Respite 0.1.0 started" in log_file.read_text(encoding="utf-8")
    assert "got SIGTERM; stopping" in app.log_text()
    assert "Traceback" not in app.log_text()

    # Without the app, the same commands say so, and reads still work.
    after = respite("resume")
    assert (after.returncode, after.stderr) == (
        1,
        "Respite is not running. Start it with: respite\n",
    )
    assert "this comes from its log" in respite("status").stdout


# `python -m respite ARGS…`, then a last stderr line naming every Qt module it loaded.
QT_PROBE = """\
import runpy, sys
try:
    runpy.run_module("respite", run_name="__main__")
finally:
    qt = sorted(m for m in sys.modules if m.partition(".")[0] in ("PySide6", "shiboken6"))
    print("Qt modules:", qt, file=sys.stderr)
"""


def qt_modules_loaded_by(args: str, code: int) -> list[str]:
    """The Qt modules `respite ARGS` loaded; it must exit with `code`."""
    result = subprocess.run(
        [sys.executable, "-c", QT_PROBE, *args.split()],
        env=environment(),
        input="not-a-real-secret\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    *_, last = result.stderr.splitlines() or [""]
    assert last.startswith("Qt modules: "), result.stderr
    assert result.returncode == code, f"respite {args}:\n{result.stderr}"
    return list(ast.literal_eval(last.removeprefix("Qt modules: ")))


def test_no_command_loads_qt_whether_the_app_runs_or_not(app: App) -> None:
    running = [
        ("status", 0),
        ("status --json", 0),
        ("pause 10m", 0),
        ("resume", 0),
        ("break start", 0),
        ("break done", 0),
        ("break start", 0),
        ("break skip", 0),
        ("snooze", 0),
        ("win no-Qt-here", 0),
        ("history", 0),
        ("export", 0),
        ("config check", 0),
        ("config path", 0),
        ("secret set calendar-work", 1),  # the tests' keyring stores nothing
        ("secret delete calendar-work", 1),
        ("--version", 0),
        ("--help", 0),
    ]
    loaded = [(args, qt_modules_loaded_by(args, code)) for args, code in running]
    assert app.stop() == 0
    stopped = [("status", 0), ("status --json", 0), ("history", 0), ("export", 0), ("pause", 1)]
    loaded += [
        (f"{args} (not running)", qt_modules_loaded_by(args, code)) for args, code in stopped
    ]

    assert [args for args, modules in loaded if modules] == []


def test_ctrl_c_stops_it_cleanly(app: App) -> None:
    assert app.stop(signal.SIGINT) == 0
    assert logged_kinds()[-1] is EventKind.APP_STOPPED
    assert "got SIGINT; stopping" in app.log_text()


def test_a_restart_after_a_crash_takes_over_the_lock_and_socket(tmp_path: Path) -> None:
    first = App(tmp_path / "first")
    try:
        first.wait_until_listening()
    finally:
        first.process.kill()  # SIGKILL: the lock file and socket stay behind
        first.process.wait(timeout=30)
    assert Path(ipc.server_name()).exists()

    second = App(tmp_path)
    try:
        second.wait_until_listening()
        assert second.stop() == 0
    finally:
        if second.process.poll() is None:
            second.process.kill()
            second.process.wait(timeout=30)
