"""How fast the history window opens, and `respite history` answers, on a big log.

Run by hand (not a test):

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_history.py [--rounds 5]

For each size (1 week, 2 years, 5 years of synthetic log) it writes a fresh database in
a temporary folder, then measures

* window: from constructing `HistoryWindow` (showing this week) to the first paint of
  its last day row, caught with an event filter — ROUNDS fresh windows, median (min–max);
  the first round also pays for fonts and first-use caches, so it is reported on its own;
* load: `history_data.load_week` alone (the queries and the maths), same rounds;
* cli: wall time of `respite history --format json --week <that week>` as a
  subprocess (a cold Python start, imports included), same rounds.

The synthetic log is what the app writes on a realistic working life (seeded, so every
run builds the same one): workdays with a late-ish start, active spans of 15–50 minutes
split by short idle gaps, a lunch, short and long break nudges answered in all the ways
(taken, snoozed, skipped, missed, natural), the wind-down and end-of-day nudges, some
evenings worked with after-hours nudges and overtime, a few weekend sessions, holidays,
and a small win every few days.

    .venv/bin/python bench/bench_history.py screenshots DIR

saves DIR/history-light.png and DIR/history-dark.png of a realistic week (run it under
Xvfb with QT_QPA_PLATFORM=xcb for real fonts and a window manager-free screen).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from respite.core.events import EventKind, iso  # noqa: E402
from respite.storage import db  # noqa: E402

ZONE = ZoneInfo("Europe/London")
# "Now" for every measurement: a Friday afternoon, so this week is mostly filled in.
NOW = datetime(2026, 11, 27, 16, 40, tzinfo=ZONE)
# (name, days of log, whether both streaks run unbroken through the whole log: the
# worst case for the streak look-back)
SIZES = (
    ("1 week", 7, False),
    ("2 years", 730, False),
    ("5 years", 1826, False),
    ("2 years, unbroken streaks", 730, True),
)
SETTINGS_TOML = 'timezone = "Europe/London"\n'


# ----- the synthetic log ---------------------------------------------------------------


@dataclass
class _Log:
    events: list[tuple[int, int, str, str]]
    spans: list[tuple[int, int, int]]

    def event(self, what: EventKind, moment: datetime, /, **data: Any) -> None:
        offset = int((moment.utcoffset() or timedelta(0)).total_seconds() // 60)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        self.events.append((db.to_ms(moment), offset, what.value, text))

    def span(self, start: datetime, end: datetime) -> None:
        offset = int((start.utcoffset() or timedelta(0)).total_seconds() // 60)
        self.spans.append((db.to_ms(start), db.to_ms(end), offset))


WINS = (
    "Fixed the flaky build",
    "Finished the quarterly report",
    "Helped a colleague debug",
    "Inbox zero before lunch",
    "Shipped the release",
    "Good talk with the team",
    "Wrote the tests first",
)


def _local(day: date, minutes: float) -> datetime:
    """`minutes` after local midnight of `day`, as an aware local time."""
    base = datetime(day.year, day.month, day.day, tzinfo=ZONE)
    return (base.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(ZONE)


def _session(log: _Log, rng: random.Random, start: datetime, end: datetime, state: dict) -> None:
    """Active spans from `start` to `end` with idle gaps, and the break nudges they earn."""
    moment = start
    while moment < end:
        length = timedelta(minutes=rng.uniform(15, 50))
        span_end = min(end, moment + length)
        log.span(moment, span_end)
        state["active"] += (span_end - moment).total_seconds()
        if state["active"] >= 30 * 60 and span_end < end:
            state["active"] = 0.0
            state["count"] += 1
            kind = "long_break" if state["count"] % 4 == 0 else "short_break"
            short = "long" if kind == "long_break" else "short"
            nudge_at = span_end - timedelta(seconds=30)
            log.event(EventKind.NUDGE, nudge_at, kind=kind, level=0, active_seconds=1800)
            roll = rng.random()
            if state["perfect"] and 0.72 <= roll < 0.88:
                roll = 0.0  # taken, never skipped or missed
            if roll < 0.55:
                log.event(EventKind.BREAK_STARTED, span_end, kind=short, planned_seconds=120)
                finish = span_end + timedelta(minutes=2 if short == "short" else 10)
                log.event(EventKind.BREAK_FINISHED, finish, kind=short, seconds=120, completed=True)
                gap = finish - span_end + timedelta(seconds=20)
            elif roll < 0.72:
                log.event(EventKind.BREAK_SNOOZED, span_end, kind=short, minutes=5)
                log.event(EventKind.NUDGE, span_end + timedelta(minutes=5), kind=kind, level=1)
                taken = span_end + timedelta(minutes=5, seconds=20)
                log.event(EventKind.BREAK_STARTED, taken, kind=short, planned_seconds=120)
                gap = timedelta(minutes=1)
            elif roll < 0.82:
                log.event(EventKind.BREAK_SKIPPED, span_end, kind=short)
                gap = timedelta(seconds=40)
            elif roll < 0.88:
                log.event(EventKind.BREAK_MISSED, span_end, kind=short, reason="ignored")
                gap = timedelta(seconds=40)
            else:
                idle = timedelta(minutes=rng.uniform(2.5, 6))
                log.event(
                    EventKind.NATURAL_BREAK,
                    span_end + idle,
                    kind=short,
                    start=iso(span_end),
                    end=iso(span_end + idle),
                    seconds=idle.total_seconds(),
                )
                gap = idle
        else:
            gap = timedelta(minutes=rng.choice((0.5, 1, 1.5, 3, 4)))
        moment = span_end + gap


def synthetic_log(last_day: date, days: int, *, perfect: bool = False, seed: int = 7) -> _Log:
    """`days` days of log up to `last_day` (its afternoon for the last day); `perfect`:
    every due break taken and every workday ended on time."""
    rng = random.Random(seed)
    log = _Log([], [])
    for index in range(days):
        day = last_day - timedelta(days=days - 1 - index)
        state: dict[str, Any] = {"active": 0.0, "count": 0, "perfect": perfect}
        weekday = day.weekday() < 5
        if weekday and rng.random() < 0.05 and day != last_day:
            continue  # a holiday
        if not weekday:
            if rng.random() < 0.12:  # a little weekend session
                start = _local(day, rng.uniform(600, 840))
                end = start + timedelta(minutes=rng.uniform(30, 90))
                log.event(EventKind.APP_STARTED, start, version="0.1.0")
                _session(log, rng, start, end, state)
                log.event(
                    EventKind.NUDGE,
                    start + timedelta(minutes=10),
                    kind="day_off",
                    period=iso(_local(day, 0)),
                    active_seconds=600,
                )
            continue
        start = _local(day, rng.uniform(525, 565))  # 08:45 – 09:25
        lunch = _local(day, rng.uniform(745, 775))  # 12:25 – 12:55
        back = lunch + timedelta(minutes=rng.uniform(35, 55))
        # Most days end by 17:40 (on time with the 15-minute grace); some run late.
        late = rng.random() < 0.25 and not perfect
        end = _local(day, rng.uniform(1070, 1110) if late else rng.uniform(1015, 1060))
        is_last = day == last_day
        if is_last:
            end = min(end, NOW)
        log.event(EventKind.APP_STARTED, start, version="0.1.0")
        _session(log, rng, start, min(lunch, end), state)
        if back < end:
            _session(log, rng, back, end, state)
        if rng.random() < 0.4:
            log.event(EventKind.WIN, end - timedelta(minutes=20), text=rng.choice(WINS))
        if is_last:
            continue
        log.event(EventKind.NUDGE, _local(day, 1035), kind="wind_down", key=f"wind_down:{day}")
        log.event(EventKind.NUDGE, _local(day, 1050), kind="end_of_day", key=f"end_of_day:{day}")
        if late:
            log.event(EventKind.OVERTIME, _local(day, 1052), minutes=30, until=iso(end))
        else:
            log.event(EventKind.DONE_FOR_TODAY, end, until=iso(_local(day + timedelta(1), 540)))
        if rng.random() < 0.15 and not perfect:  # an evening
            evening = _local(day, rng.uniform(1200, 1290))
            finish = evening + timedelta(minutes=rng.uniform(20, 70))
            _session(log, rng, evening, finish, state)
            nudge_at = evening + timedelta(minutes=10)
            log.event(
                EventKind.NUDGE,
                nudge_at,
                kind="after_hours",
                period=iso(_local(day, 1050)),
                active_seconds=600,
            )
        log.event(EventKind.APP_STOPPED, _local(day, 1380))
    return log


def write_database(path: Path, log: _Log) -> None:
    """A real, migrated log (EventLog creates it), then bulk inserts with its own SQL."""
    event_log, _ = db.EventLog.open(path, now=datetime.now(UTC), zone=lambda: ZONE)
    event_log.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(db._INSERT_EVENT, log.events)
        conn.executemany(db._UPSERT_SPAN, log.spans)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()


# ----- measuring -----------------------------------------------------------------------


@dataclass
class Folders:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def database(self) -> Path:
        return self.data / "respite.sqlite3"

    @property
    def settings(self) -> Path:
        return self.config / "settings.toml"


def prepare(root: Path, days: int, perfect: bool = False) -> tuple[Folders, int, int]:
    folders = Folders(root)
    for folder in (folders.config, folders.data, root / "runtime"):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
    folders.settings.write_text(SETTINGS_TOML, encoding="utf-8")
    log = synthetic_log(NOW.date(), days, perfect=perfect)
    write_database(folders.database, log)
    return folders, len(log.events), len(log.spans)


def _runtime(folders: Folders) -> Any:
    from respite.core.clock import FakeClock
    from respite.runtime import Runtime

    runtime = Runtime(
        config_path=folders.settings,
        database_path=folders.database,
        clock=FakeClock(NOW),
        monotonic=time.monotonic,
        zone=lambda: ZONE,
    )
    runtime.start()
    return runtime


def measure_window(folders: Folders, rounds: int) -> tuple[list[float], list[float], str]:
    """(window to first paint, load_week alone) in milliseconds, one per round, and the
    streaks the window showed."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from respite.ui.history_data import load_week
    from respite.ui.history_window import HistoryWindow

    app = QApplication.instance() or QApplication([])
    runtime = _runtime(folders)

    class FirstPaint(QObject):
        at: float | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.at is None:
                self.at = time.perf_counter()
            return False

    window_ms, load_ms = [], []
    shown = ""
    try:
        for _ in range(rounds):
            hook = FirstPaint()
            started = time.perf_counter()
            window = HistoryWindow(runtime)
            window.chart.rows[-1].installEventFilter(hook)
            window.show()
            while hook.at is None:
                app.processEvents()
            window_ms.append((hook.at - started) * 1000)
            shown = " / ".join(
                window.fields[key].text() for key in ("streak_on_time", "streak_breaks")
            )
            window.close()
            window.deleteLater()
            app.processEvents()

            started = time.perf_counter()
            load_week(runtime.event_log, runtime.settings, ZONE, window.week_start, NOW)
            load_ms.append((time.perf_counter() - started) * 1000)
    finally:
        runtime.stop()
    return window_ms, load_ms, shown


def measure_import() -> float:
    """Milliseconds to import the history window in an app that already runs (Qt widgets
    and the runtime loaded): what the first click on "History…" pays once."""
    code = (
        "import time, PySide6.QtWidgets, respite.runtime, respite.ui.shell\n"
        "t = time.perf_counter()\n"
        "import respite.ui.history_window\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    times = []
    for _ in range(5):
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(result.stdout.strip()))
    return statistics.median(times)


def measure_cli_baseline(rounds: int) -> list[float]:
    """Wall time of `respite --version`: the interpreter and argument parsing alone."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "respite", "--version"], check=True, capture_output=True
        )
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_cli(folders: Folders, rounds: int) -> list[float]:
    env = dict(os.environ)
    env.update(
        RESPITE_CONFIG_DIR=str(folders.config),
        RESPITE_DATA_DIR=str(folders.data),
        XDG_RUNTIME_DIR=str(folders.root / "runtime"),
    )
    year, week, _ = NOW.date().isocalendar()
    command = [sys.executable, "-m", "respite", "history", "--format", "json"]
    command += ["--week", f"{year}-W{week:02d}"]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        times.append((time.perf_counter() - started) * 1000)
        assert json.loads(result.stdout)["days"], result.stderr
    return times


def _stats(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ms ({min(values):.0f}–{max(values):.0f})"


def run(rounds: int) -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {rounds} rounds each\n")
    header = "| Log | events / spans | DB size | window: first round | window: median (min–max)"
    header += " | load_week | `respite history --format json` | streaks shown |"
    print(header)
    print("|---|---|---|---|---|---|---|---|")
    for name, days, perfect in SIZES:
        with tempfile.TemporaryDirectory(prefix="respite-bench-") as tmp:
            folders, events, spans = prepare(Path(tmp), days, perfect)
            size_mb = folders.database.stat().st_size / 1e6
            window, load, shown = measure_window(folders, rounds + 1)
            cli = measure_cli(folders, rounds)
            print(
                f"| {name} | {events:,} / {spans:,} | {size_mb:.1f} MB | {window[0]:.0f} ms "
                f"| {_stats(window[1:])} | {_stats(load[1:])} | {_stats(cli)} | {shown} |",
                flush=True,
            )
    print(
        f"\n`respite --version` (interpreter start alone): {_stats(measure_cli_baseline(rounds))}"
    )
    print(f"importing respite.ui.history_window in a running app: {measure_import():.0f} ms")


# ----- screenshots ---------------------------------------------------------------------


def _dark_palette() -> Any:
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    role = QPalette.ColorRole
    colors = {
        role.Window: "#2b2b2e",
        role.WindowText: "#e6e6e6",
        role.Base: "#1f1f22",
        role.AlternateBase: "#27272b",
        role.ToolTipBase: "#1f1f22",
        role.ToolTipText: "#e6e6e6",
        role.PlaceholderText: "#9a9aa0",
        role.Text: "#e6e6e6",
        role.Button: "#36363a",
        role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff6b6b",
        role.Highlight: "#4a8fe0",
        role.HighlightedText: "#ffffff",
        role.Link: "#6fb0ff",
        role.Mid: "#4a4a50",
        role.Dark: "#19191b",
        role.Light: "#505056",
    }
    for which, value in colors.items():
        palette.setColor(which, QColor(value))
    for which in (role.Text, role.WindowText, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, which, QColor("#7a7a80"))
    return palette


def screenshots(target: Path) -> None:
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from respite.ui.history_window import HistoryWindow

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="respite-shots-") as tmp:
        folders, _, _ = prepare(Path(tmp), 60)
        runtime = _runtime(folders)
        try:
            for name, palette in (("light", app.style().standardPalette()), ("dark", None)):
                app.setPalette(palette if palette is not None else _dark_palette())
                window = HistoryWindow(runtime)
                window.show()
                for _ in range(20):
                    app.processEvents()
                    time.sleep(0.02)
                path = target / f"history-{name}.png"
                window.grab().save(str(path), "PNG")
                print(f"saved {path} ({window.width()}x{window.height()})")
                window.close()
                window.deleteLater()
                app.processEvents()
        finally:
            runtime.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", nargs="?", choices=("bench", "screenshots"), default="bench")
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.what == "screenshots":
        screenshots(args.folder)
    else:
        run(args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
