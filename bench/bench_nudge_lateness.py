"""How late a break nudge arrives against its due time, in the real `respite` process.

Run by hand (results and method in docs/performance.md):

    .venv/bin/python bench/bench_nudge_lateness.py [--instances 4] [--minutes 8]

Starts ``--instances`` headless apps side by side (``python -m respite --no-tray -v``,
each with its own config, data and socket), a short break every minute and work hours
all day. Headless there is no idle source, so every sample counts as activity and a
break falls due exactly one active minute after the last one ended. Whenever a nudge
appears in an app's event log the script answers ``respite break skip``, which starts
the next minute.

The due time of each nudge is what the runtime itself planned: its debug log says
"next wakeup at <time>" every time it re-arms its precise timer, and the nudge is due at
the latest planned wakeup not after it. As a cross-check, the due time is also computed
from the schedule: the skip before it plus one minute (this one includes the CLI's
round trip, so it is an upper bound).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from respite.core.events import Event, EventKind
from respite.storage.db import EventLog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakes import ALL_DAY_EVERY_DAY

SETTINGS = (
    ALL_DAY_EVERY_DAY
    + """[breaks.short]
every_minutes = 1
duration_minutes = 0.25
[breaks.long]
every_minutes = 480
"""
)
WAKEUP = re.compile(r"next wakeup at (\S+ \S+) \(in")


def env_for(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "DISPLAY"))}
    for name in ("config", "data", "run"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "run").chmod(0o700)
    (root / "config" / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    env.update(
        RESPITE_CONFIG_DIR=str(root / "config"),
        RESPITE_DATA_DIR=str(root / "data"),
        XDG_RUNTIME_DIR=str(root / "run"),
        QT_QPA_PLATFORM="offscreen",
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    return env


def events(data: Path) -> list[Event]:
    db = data / "respite.sqlite3"
    if not db.exists():
        return []
    log, _ = EventLog.open(db, now=datetime.now(UTC), readonly=True)
    try:
        return log.events(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    finally:
        log.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=4)
    parser.add_argument("--minutes", type=float, default=8)
    args = parser.parse_args()
    top = Path(tempfile.mkdtemp(prefix="respite-lateness-"))
    apps: list[tuple[Path, dict[str, str], subprocess.Popen[bytes], set[datetime]]] = []
    for index in range(args.instances):
        root = top / str(index)
        env = env_for(root)
        out = (root / "stderr.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "respite", "--no-tray", "-v"],
            env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        apps.append((root, env, proc, set()))
    deadline = time.monotonic() + args.minutes * 60
    try:
        while time.monotonic() < deadline:
            for root, env, _proc, answered in apps:
                for event in events(root / "data"):
                    if event.kind is EventKind.NUDGE and event.at not in answered:
                        answered.add(event.at)
                        subprocess.run(
                            [sys.executable, "-m", "respite", "break", "skip"],
                            env=env, capture_output=True, timeout=30,
                        )  # fmt: skip
            time.sleep(0.5)
    finally:
        for _root, _env, proc, _ in apps:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    planned_late: list[float] = []
    schedule_late: list[float] = []
    for root, _env, _proc, _ in apps:
        text = (root / "data" / "logs" / "respite.log").read_text(encoding="utf-8")
        wakeups = sorted(datetime.fromisoformat(m) for m in WAKEUP.findall(text))
        found = events(root / "data")
        last_skip = None
        for event in found:
            if event.kind is EventKind.BREAK_SKIPPED:
                last_skip = event.at
            if event.kind is not EventKind.NUDGE or event.data.get("kind") != "short_break":
                continue
            before = [w for w in wakeups if w <= event.at]
            if before:
                planned_late.append((event.at - before[-1]).total_seconds())
            if last_skip is not None:
                due = last_skip + timedelta(minutes=1)
                schedule_late.append((event.at - due).total_seconds())
    shutil.rmtree(top, ignore_errors=True)
    for label, values in (("planned wakeup", planned_late), ("skip + 1 min", schedule_late)):
        if values:
            print(
                f"{label}: n={len(values)} p50={statistics.median(values) * 1000:.0f} ms "
                f"p99={percentile(values, 0.99) * 1000:.0f} ms max={max(values) * 1000:.0f} ms "
                f"min={min(values) * 1000:.0f} ms"
            )
        else:
            print(f"{label}: no nudges")
    return 0


if __name__ == "__main__":
    sys.exit(main())
