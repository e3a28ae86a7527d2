"""The real `respite --no-tray` process, started and driven from a test.

Headless there is no idle source: every sample counts as activity, so the app logs
continuously — good for kill and concurrency tests. Each app gets its own config, data
and runtime folders (the IPC socket lives in the data folder).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from respite.core.events import ActiveSpan, Event, EventKind
from respite.storage.db import EventLog
from tests.fakes import ALL_DAY_EVERY_DAY

REPO = Path(__file__).resolve().parents[2]
DB_NAME = "respite.sqlite3"

FAST_BREAKS = (
    ALL_DAY_EVERY_DAY
    + """
[breaks]
idle_after_seconds = 10
[breaks.short]
every_minutes = 1
duration_minutes = 0.25
natural_after_minutes = 0.5
[snooze]
choices_minutes = [1]
daily_limit = 50
"""
)


def wait_until(check: Callable[[], object], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


@dataclass
class Headless:
    root: Path
    settings: str | None = FAST_BREAKS
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.config = self.root / "config"
        self.data = self.root / "data"
        self.run_dir = self.root / "run"
        self.config.mkdir(parents=True, exist_ok=True)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o700)
        if self.settings is not None and not self.settings_file.exists():
            self.settings_file.write_text(self.settings, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISPLAY", "PYTEST_"))}
        env.update(
            RESPITE_CONFIG_DIR=str(self.config),
            RESPITE_DATA_DIR=str(self.data),
            XDG_RUNTIME_DIR=str(self.run_dir),
            QT_QPA_PLATFORM="offscreen",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(REPO),
        )
        env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        env.update(self.extra_env)
        self.env = env
        self.stderr_path = self.root / "app-stderr.log"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def db(self) -> Path:
        return self.data / DB_NAME

    @property
    def log_file(self) -> Path:
        return self.data / "logs" / "respite.log"

    # ----- the app ---------------------------------------------------------------
    def start(
        self, *, wait: bool = True, verbose: bool = True, prefix: Sequence[str] = ()
    ) -> Headless:
        with self.stderr_path.open("ab") as err:
            self.process = subprocess.Popen(
                [
                    *prefix,
                    sys.executable,
                    "-m",
                    "respite",
                    "--no-tray",
                    *(["-v"] if verbose else []),
                ],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        if wait:
            wait_until(self.running, 30, f"respite answering; stderr:\n{self.stderr()}")
        return self

    def running(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"respite exited {self.process.returncode}:\n{self.stderr()}")
        result = self.cli("status", "--json")
        return result.returncode == 0 and json.loads(result.stdout).get("running") is True

    def stop(self, timeout: float = 20) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def stderr(self) -> str:
        if not self.stderr_path.exists():
            return ""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    # ----- the CLI ---------------------------------------------------------------
    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "respite", *args],
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    # ----- the log -----------------------------------------------------------------
    def read_log(self) -> tuple[list[Event], list[ActiveSpan]]:
        log, _ = EventLog.open(self.db, now=datetime.now(UTC), readonly=True)
        try:
            start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
            return log.events(start, end), log.spans(start, end)
        finally:
            log.close()

    def events(self, *kinds: EventKind) -> list[Event]:
        return [e for e in self.read_log()[0] if not kinds or e.kind in kinds]


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()
