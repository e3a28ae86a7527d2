"""Memory of the real `respite` process over simulated hours of use, next to the floor.

Run by hand (results and method in docs/performance.md):

    .venv/bin/python bench/bench_memory_use.py [--rounds 3] [--hours 2] [--speed 10]
    .venv/bin/python bench/bench_memory_use.py --tracemalloc   # where Python memory grows

**Time runs fast.** Each round brings up a fresh private desktop (tests/e2e/desktop.py:
Xvfb, a private D-Bus session, trayer, dunst, a fresh HOME) in which *every* process
(the X server, dunst, trayer, the D-Bus daemon, Respite and the floor) runs under
libfaketime at ``--speed`` times real time, the monotonic clock faked too
(``FAKETIME="@2026-11-23 09:00:00 x10"``, ``FAKETIME_DONT_FAKE_MONOTONIC=0``). Respite
and the floor (bench/floor_tray.py) start side by side at 09:00 on a Monday, and
``--hours`` simulated hours later (12 real minutes for the default 2 h at x10) both are
measured and stopped. Why this works, and what was checked:

* libfaketime scales the timeouts of poll/ppoll/select/epoll and clock_nanosleep by the
  speed, so Qt's timers (the 30 s idle sample, the precise wake-up timer, the break
  window's 1 s tick, the 4 s "welcome back") fire at their simulated times: a simulated
  hour holds exactly the timer work of a real hour (120 idle samples, one span written a
  minute, every nudge at its due time). Wall, monotonic and boot-time clocks move
  together, so Respite's clock-jump detector sees no jump.
* The X server runs fast too, so the idle time Respite reads (XScreenSaver) is in
  simulated milliseconds: a mouse move every 0.5 real seconds is "input every 5 s", and
  18 real seconds without input is a 3-minute spell away from the desk (a natural break).
* Not faked: this script, xdotool's input, and the ``respite`` CLI commands (run without
  LD_PRELOAD, like tests/e2e/test_app.py does; they send durations, never clock times,
  and ``history`` gets the simulated week by ``--week``). Python's ``Lock.acquire`` with a
  timeout (sem_clockwait, which libfaketime 0.9.10 does not intercept) waits far too long
  under a faked monotonic clock; nothing in the running app waits on such a timeout in
  normal operation (a D-Bus reply wakes it first), and the run checks that every CLI
  command got its answer and that Respite stops cleanly (exit 0, ``app_stopped`` logged).

**A busy simulated hour.** The settings triple the default break rhythm (a short break
every 10 active minutes, a long one every 50) and keep everything else at its default
(office hours, sound on, nudges as dunst notifications with buttons). While time runs:

* input: a mouse move every 0.5 real s (5 simulated s), a Shift press every 5 real s;
* each break nudge is answered in turn, in this cycle: "Start break" in the
  notification (the break window runs to the end, "welcome back", the chime); ``respite
  snooze``; ``respite break skip``; "Take a break now" from the tray menu, then ``respite
  break done`` halfway; ignored (the nudge comes back twice, 5 minutes apart); "Skip" in the
  notification; ``respite break start`` (runs to the end). A long-break nudge is taken
  from its notification and runs its 5 minutes;
* at fixed minutes of every hour: ``respite status`` (4x), the History window opened
  from the tray menu, Alt+Left / Alt+Home pressed, closed with Escape (3x), the Settings
  window opened from the tray menu, Ctrl+Tab twice, closed with Escape (3x), ``respite
  win "..."`` (3x), ``respite history --format json`` (2x), ``respite export --format
  json`` (1x), ``respite pause 10m`` and 4 minutes later ``respite resume``, and one
  3-minute spell without input.

What happened is counted from Respite's event log and dunst, so the report says what an
hour contained. ``Rss`` and ``Anonymous`` (/proc/PID/smaps_rollup), the peak resident size
(VmHWM), threads and open file descriptors of both processes are sampled at 30 simulated
seconds, every simulated minute and at the end. Growth is reported per simulated hour:
the first hour (from 30 s) includes one-time costs (first History and Settings windows,
the chime's QtMultimedia); the second is the steady state, also as a least-squares slope
over its per-minute samples. Where resident memory moves by more than 1 MiB from one
sample to the next, the step is printed with what the user did just before and which
mappings of /proc/PID/smaps grew (a library, the malloc heap, anonymous mappings, the
X server's shared-memory images); the same comparison is printed from 30 s to the end.
The settings file must be byte-identical at the end (no key press changed a setting),
and Respite must exit 0 on SIGTERM: a crash at exit (e.g. Python's "deallocating None"
from a reference-count bug in an extension) shows as a non-zero exit with the log tail.

The script prints the whole-round samples every 10 minutes, the steps, a summary table
(median and min–max over the rounds) and what each round contained; ``--json`` keeps every
sample. About 12.5 real minutes per round at the defaults, so 3 rounds take ≈40 minutes.

``--tracemalloc`` runs one round with a sitecustomize in Respite that starts tracemalloc
(``--frames`` deep) and, on SIGUSR1, collects garbage and dumps a snapshot; snapshots are
taken at 1 minute, 1 hour and the end, and the largest differences are printed by line
and by traceback. tracemalloc slows the app and adds its own memory, so the memory
numbers of that round are not comparable; it only says where Python memory grows.

Installed apps run from compiled bytecode, so the script first runs ``compileall`` over
src/respite (this sandbox sets PYTHONDONTWRITEBYTECODE=1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from desktop import Desktop, DesktopError, find_libfaketime  # type: ignore[import-not-found]  # noqa: E402

from respite.core.events import Event, EventKind  # noqa: E402
from respite.storage.db import EventLog  # noqa: E402

MiB = 1024 * 1024
START = datetime(2026, 11, 23, 9, 0)  # a Monday, 09:00 London time: work starts
ZONE = "Europe/London"
SETTINGS = """\
# A busy hour: three times the default break rhythm; everything else as installed.
[breaks.short]
every_minutes = 10
duration_minutes = 1

[breaks.long]
every_minutes = 50
duration_minutes = 5
"""
ICON = re.compile(r'"respite": \("respite" "respite"\)\s+(\d+)x(\d+)\S*\s+\+(\d+)\+(\d+)')
HISTORY_TITLE = "Respite — History"
SETTINGS_TITLE = "Respite settings"
BREAK_TITLE = "Respite — break"
# How each short-break nudge is answered, in turn (see the docstring).
ANSWERS = (
    "notification:start",
    "cli:snooze",
    "cli:skip",
    "menu:start+done",
    "ignore",
    "notification:skip",
    "cli:start",
)
# (minute of every simulated hour, action)
HOURLY = (
    (3, "status"),
    (8, "history_window"),
    (12, "win"),
    (15, "history_cli"),
    (18, "settings_window"),
    (20, "status"),
    (22, "pause"),
    (26, "resume"),
    (28, "history_window"),
    (32, "win"),
    (35, "status"),
    (38, "settings_window"),
    (40, "away"),
    (45, "history_cli"),
    (48, "history_window"),
    (50, "status"),
    (52, "win"),
    (55, "export"),
    (58, "settings_window"),
)
AWAY_MINUTES = 3.0
WINS = ("Finished the report draft", "Fixed the flaky test", "Helped Sam with the deploy")
SITECUSTOMIZE = """\
import gc, os, signal, tracemalloc
tracemalloc.start(int(os.environ["BENCH_TM_FRAMES"]))
_count = [0]
def _dump(_signum, _frame):
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    _count[0] += 1
    target = os.path.join(os.environ["BENCH_TM_DIR"], f"snapshot-{_count[0]}")
    snapshot.dump(target + ".tmp")
    os.replace(target + ".tmp", target)
signal.signal(signal.SIGUSR1, _dump)
"""


# --------------------------------------------------------------------------- measuring
def memory(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        values[key.strip()] = int(rest.split()[0]) * 1024
    status = Path(f"/proc/{pid}/status").read_text()
    hwm = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    threads = re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE)
    return {
        "rss": values["Rss"],
        "anon": values["Anonymous"],
        "hwm": int(hwm.group(1)) * 1024 if hwm else 0,
        "threads": int(threads.group(1)) if threads else 0,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
    }


def mappings(pid: int) -> dict[str, list[int]]:
    """[Rss, Anonymous] summed per mapped file (anonymous mappings: "[anon]", "[heap]")."""
    found: dict[str, list[int]] = {}
    current = [0, 0]
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(maxsplit=5)
        if len(head) >= 5 and "-" in head[0] and ":" not in head[0]:
            name = head[5].strip() if len(head) == 6 else "[anon]"
            current = found.setdefault(Path(name).name if name.startswith("/") else name, [0, 0])
        elif line.startswith("Rss:"):
            current[0] += int(line.split()[1]) * 1024
        elif line.startswith("Anonymous:"):
            current[1] += int(line.split()[1]) * 1024
    return found


def mapping_growth(before: dict[str, list[int]], after: dict[str, list[int]]) -> list[Any]:
    """The mappings whose resident size changed most, as [name, Rss delta, anon delta]."""
    names = set(before) | set(after)
    rows = [
        [n, after.get(n, [0, 0])[0] - before.get(n, [0, 0])[0],
         after.get(n, [0, 0])[1] - before.get(n, [0, 0])[1]]
        for n in names
    ]  # fmt: skip
    rows.sort(key=lambda r: -abs(r[1]))
    return [r for r in rows[:20] if r[1] or r[2]]


def slope_per_hour(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (minute, bytes) points, in bytes per hour."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var * 60


# --------------------------------------------------------------------------- the desktop
class AcceleratedDesktop(Desktop):
    """The e2e desktop with every child process under the same fast libfaketime."""

    faketime: ClassVar[dict[str, str]] = {}

    def _base_env(self) -> dict[str, str]:
        env = super()._base_env()
        env.update(self.faketime)
        return env


def faketime_env(speed: float) -> dict[str, str]:
    return {
        "LD_PRELOAD": str(find_libfaketime()),
        "FAKETIME": f"@{START:%Y-%m-%d %H:%M:%S} x{speed:g}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "0",
        "DONT_FAKE_MONOTONIC": "0",  # libfaketime < 0.9.7
        "TZ": ZONE,
    }


@dataclass
class SimClock:
    """Simulated time of the app, from when it was launched (its libfaketime started)."""

    speed: float
    launched: float = field(default_factory=time.monotonic)

    def minutes(self) -> float:
        return (time.monotonic() - self.launched) * self.speed / 60

    def real_at(self, minute: float) -> float:
        """time.monotonic() at which the app's clock reads START + ``minute``."""
        return self.launched + minute * 60 / self.speed

    def now(self) -> datetime:
        return START + timedelta(minutes=self.minutes())


@dataclass
class Round:
    desktop: Desktop
    speed: float
    hours: float
    app: subprocess.Popen[bytes]
    floor: subprocess.Popen[bytes]
    clock: SimClock
    cli_env: dict[str, str]
    data: Path
    done: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    input_lock: threading.Lock = field(default_factory=threading.Lock)
    away_until: float = 0.0  # monotonic
    stop: threading.Event = field(default_factory=threading.Event)
    icon: tuple[int, int] | None = None
    timeline: list[tuple[float, str]] = field(default_factory=list)
    maps: dict[float, dict[str, list[int]]] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    last_maps: dict[str, list[int]] | None = None
    last_rss: int = 0
    last_anon: int = 0
    last_mark: float = 0.0

    def note(self, what: str) -> None:
        self.timeline.append((round(self.clock.minutes(), 2), what))

    # ----- the user ------------------------------------------------------------------
    def cli(self, *args: str) -> str:
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "respite", *args],
            env=self.cli_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.done[f"cli {args[0]}"] += 1
        if proc.returncode != 0:
            self.problems.append(
                f"respite {' '.join(args)}: exit {proc.returncode}: "
                f"{(proc.stdout + proc.stderr).strip()[-300:]}"
            )
        self.done["cli seconds (real)"] += round(time.monotonic() - started, 3)
        return proc.stdout

    def keep_typing(self) -> None:
        """Input through the X server: a mouse move every 0.5 s, a Shift press every 5 s."""
        tick = 0
        while not self.stop.wait(0.5):
            if time.monotonic() < self.away_until:
                continue
            with self.input_lock:
                step = "3" if tick % 2 else "-3"
                args = ["mousemove_relative", "--", step, "2"]
                if tick % 10 == 0:
                    args += ["key", "shift"]
                try:
                    self.desktop.xdotool(*args)
                except (DesktopError, subprocess.TimeoutExpired) as error:
                    self.problems.append(f"input: {error}")
            tick += 1

    def find_icon(self) -> tuple[int, int] | None:
        tree = self.desktop.run(["xwininfo", "-root", "-tree"], check=False).stdout
        match = ICON.search(tree)
        if match is None:
            return None
        width, height, x, y = map(int, match.groups())
        if x < 1000:  # trayer places the icon a moment after embedding it
            return None
        return x + width // 2, y + height // 2

    def tray_menu(self, key: str) -> None:
        assert self.icon is not None
        x, y = self.icon
        self.desktop.xdotool("mousemove", str(x), str(y), "click", "3")
        time.sleep(0.5)
        self.desktop.xdotool("key", key)

    def visible(self, title: str) -> list[str]:
        return self.desktop.window_ids("--onlyvisible", "--name", title)

    def use_window(self, menu_key: str, title: str, keys: tuple[str, ...]) -> None:
        with self.input_lock:
            for attempt in (1, 2):
                self.tray_menu(menu_key)
                try:
                    ids = self.desktop.wait_until(lambda: self.visible(title), 10)
                    break
                except DesktopError:
                    self.desktop.xdotool("key", "Escape")  # close a menu left open
                    if attempt == 2:
                        self.problems.append(f"{title!r} did not open from the tray menu")
                        return
            time.sleep(0.3)
            self.desktop.xdotool("windowfocus", "--sync", ids[0])
            for key in keys:
                self.desktop.xdotool("key", key)
                time.sleep(0.3)
            self.desktop.xdotool("key", "Escape")
            try:
                self.desktop.wait_until(lambda: not self.visible(title), 10)
            except DesktopError:
                self.problems.append(f"{title!r} did not close on Escape")
                return
        self.done[f"opened {title}"] += 1

    def answer(self, how: str) -> None:
        self.note(f"answer {how}")
        if how.startswith("notification:"):
            label = {"start": "Start break", "skip": "Skip"}[how.partition(":")[2]]
            try:
                self.desktop.wait_until(lambda: self.desktop.notification_count() > 0, 10)
                self.desktop.choose_dunst_action(label)
            except DesktopError as error:
                self.problems.append(f"notification {label!r}: {error}")
                return
        elif how == "cli:snooze":
            self.cli("snooze")
        elif how == "cli:skip":
            self.cli("break", "skip")
        elif how == "cli:start":
            self.cli("break", "start")
        elif how == "menu:start+done":
            with self.input_lock:
                self.tray_menu("t")  # "&Take a break now"
        self.done[f"answered {how}"] += 1

    def act(self, action: str) -> None:
        minute = self.clock.minutes()
        self.note(action)
        if action == "status":
            self.cli("status", *(["--json"] if int(minute) % 2 else []))
        elif action == "history_window":
            self.use_window("h", HISTORY_TITLE, ("alt+Left", "alt+Home"))
        elif action == "settings_window":
            self.use_window("e", SETTINGS_TITLE, ("ctrl+Tab", "ctrl+Tab"))
        elif action == "win":
            self.cli("win", WINS[self.done["cli win"] % len(WINS)])
        elif action == "history_cli":
            year, week, _ = self.clock.now().isocalendar()
            self.cli("history", "--format", "json", "--week", f"{year}-W{week:02d}")
        elif action == "export":
            self.cli("export", "--format", "json")
        elif action == "pause":
            self.cli("pause", "10m")
        elif action == "resume":
            self.cli("resume")
        elif action == "away":
            self.away_until = time.monotonic() + AWAY_MINUTES * 60 / self.speed
            self.done["spells away"] += 1
        elif action == "break_done":
            self.cli("break", "done")
        else:
            raise ValueError(action)

    # ----- watching ------------------------------------------------------------------
    def events(self) -> list[Event]:
        db = self.data / "respite.sqlite3"
        if not db.exists():
            return []
        log, _ = EventLog.open(db, now=datetime.now(UTC), readonly=True)
        try:
            return log.events(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        finally:
            log.close()

    def span_count(self) -> int:
        log, _ = EventLog.open(self.data / "respite.sqlite3", now=datetime.now(UTC), readonly=True)
        try:
            return len(
                log.spans(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
            )
        finally:
            log.close()

    def sample_at(self, marks: list[float]) -> None:
        """Sample both processes when the app's clock passes each mark (minutes)."""
        for mark in marks:
            delay = self.clock.real_at(mark) - time.monotonic()
            if delay > 0 and self.stop.wait(delay):
                return
            entry: dict[str, Any] = {"minute": mark}
            for name, proc in (("respite", self.app), ("floor", self.floor)):
                if proc.poll() is None:
                    entry[name] = memory(proc.pid)
            self.samples.append(entry)
            if "respite" in entry:
                self.note_step(mark, entry["respite"])

    def note_step(self, mark: float, now: dict[str, int]) -> None:
        """Keep the mappings at 30 s and at the end; where resident memory moved by more
        than 1 MiB since the last sample, note which mappings moved and what was done."""
        maps = mappings(self.app.pid)
        if mark in (0.5, self.hours * 60):
            self.maps[mark] = maps
        last = self.last_maps
        if last is not None and abs(now["rss"] - self.last_rss) > MiB:
            self.steps.append({
                "minute": mark,
                "rss": now["rss"] - self.last_rss,
                "anon": now["anon"] - self.last_anon,
                "did": [what for minute, what in self.timeline if self.last_mark < minute <= mark],
                "mappings": mapping_growth(last, maps)[:8],
            })  # fmt: skip
        self.last_maps = maps
        self.last_rss, self.last_anon, self.last_mark = now["rss"], now["anon"], mark

    def drive(self, tracemalloc_dir: Path | None) -> None:
        end = self.hours * 60
        plan: list[tuple[float, str]] = sorted(
            (hour * 60 + minute, action)
            for hour in range(int(self.hours) + 1)
            for minute, action in HOURLY
            if hour * 60 + minute < end - 0.5
        )
        dumps = [1.0, 60.0, end - 0.2] if tracemalloc_dir is not None else []
        answers = iter(ANSWERS * 1000)
        current: str | None = None  # how the break nudged last is being answered
        seen = 0
        break_window_wanted = False
        while self.clock.minutes() < end:
            if self.app.poll() is not None:
                self.problems.append(f"respite exited with {self.app.returncode}")
                return
            found = self.events()
            for event in found[seen:]:
                kind = event.data.get("kind")
                if event.kind is EventKind.NUDGE and kind in ("short_break", "long_break"):
                    if int(event.data.get("level", 0)) == 0 or current is None:
                        current = "notification:start" if kind == "long_break" else next(answers)
                    if current != "ignore":
                        self.answer(current)
                elif event.kind is EventKind.NUDGE:
                    self.done[f"other nudge {kind}"] += 1
                elif event.kind is EventKind.BREAK_STARTED:
                    break_window_wanted = True
                    if current == "menu:start+done":
                        half = float(event.data.get("planned_seconds", 60)) / 2 / 60
                        plan.append((self.clock.minutes() + half, "break_done"))
                        plan.sort()
                elif event.kind in (EventKind.BREAK_SKIPPED, EventKind.BREAK_MISSED):
                    current = None
            seen = len(found)
            if break_window_wanted and self.visible(BREAK_TITLE):
                self.done["break windows seen"] += 1
                break_window_wanted = False
            while plan and plan[0][0] <= self.clock.minutes():
                self.act(plan.pop(0)[1])
            while dumps and dumps[0] <= self.clock.minutes():
                dumps.pop(0)
                self.app.send_signal(signal.SIGUSR1)
            time.sleep(0.3)


# --------------------------------------------------------------------------- a round
def one_round(
    index: int, speed: float, hours: float, tracemalloc_frames: int | None
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix=f"respite-memuse-{index}-"))
    tree = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    AcceleratedDesktop.faketime = faketime_env(speed)
    desktop = AcceleratedDesktop.start(root)
    threads: list[threading.Thread] = []
    result: dict[str, Any] = {}
    try:
        config = Path(desktop.env["RESPITE_CONFIG_DIR"])
        data = Path(desktop.env["RESPITE_DATA_DIR"])
        (config / "settings.toml").write_text(SETTINGS, encoding="utf-8")
        settings_before = (config / "settings.toml").read_bytes()
        extra: dict[str, str] = {}
        tm_dir = None
        if tracemalloc_frames is not None:
            tm_dir = root / "tracemalloc"
            tm_dir.mkdir()
            (tm_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
            extra = {
                "PYTHONPATH": str(tm_dir),
                "BENCH_TM_DIR": str(tm_dir),
                "BENCH_TM_FRAMES": str(tracemalloc_frames),
            }
        cli_env = {k: v for k, v in desktop.env.items() if not k.startswith(("LD_", "FAKE"))}
        cli_env.pop("DONT_FAKE_MONOTONIC", None)
        clock = SimClock(speed)
        app = desktop.spawn([sys.executable, "-m", "respite"], name="respite", env=extra)
        floor = desktop.spawn([sys.executable, str(REPO / "bench" / "floor_tray.py")], name="floor")
        run = Round(desktop, speed, hours, app, floor, clock, cli_env, data)
        marks = [0.5, *range(1, int(hours * 60))]
        threads.append(threading.Thread(target=run.sample_at, args=(marks,), daemon=True))
        threads[-1].start()
        run.icon = desktop.wait_until(run.find_icon, 30, 0.05, "Respite's icon in the tray")
        threads.append(threading.Thread(target=run.keep_typing, daemon=True))
        threads[-1].start()
        run.drive(tm_dir)
        run.sample_at([hours * 60])  # the end, on the dot
        run.stop.set()
        for thread in threads:
            thread.join(timeout=30)
        found = run.events()
        counts = Counter(e.kind.value for e in found)
        nudges = Counter(str(e.data.get("kind")) for e in found if e.kind is EventKind.NUDGE)
        completed = sum(
            1 for e in found if e.kind is EventKind.BREAK_FINISHED and e.data.get("completed")
        )
        result = {
            "tree": tree,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "samples": run.samples,
            "events": dict(counts),
            "nudges": dict(nudges),
            "breaks_completed": completed,
            "dunst_notifications": desktop.notification_count("history")
            + desktop.notification_count("displayed"),
            "done": dict(run.done),
            "problems": run.problems,
            "timeline": run.timeline,
            "mapping_growth": mapping_growth(run.maps.get(0.5, {}), run.maps.get(hours * 60, {})),
            "steps": run.steps,
        }
        app.send_signal(signal.SIGTERM)
        result["exit"] = app.wait(timeout=60)
        result["app_stopped_logged"] = any(e.kind is EventKind.APP_STOPPED for e in run.events())
        result["spans"] = run.span_count()
        result["settings_unchanged"] = (config / "settings.toml").read_bytes() == settings_before
        stderr = desktop.log("respite")
        app_log = data / "logs" / "respite.log"
        log_file = app_log.read_text(encoding="utf-8", errors="replace") if app_log.exists() else ""
        log_text = stderr + log_file
        if result["exit"] != 0:
            result["log_tail"] = {"stderr": stderr[-2500:], "log": log_file[-1500:]}
        result["log_warnings"] = [
            line for line in log_text.splitlines() if re.search(r"WARNING|ERROR|Traceback", line)
        ][:20]
        if tm_dir is not None:
            result["tracemalloc"] = sorted(str(p) for p in tm_dir.glob("snapshot-*"))
            report_tracemalloc(tm_dir)
    finally:
        for thread in threads:
            thread.join(timeout=1)
        desktop.stop()
        if tracemalloc_frames is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"(tracemalloc snapshots kept in {root / 'tracemalloc'})")
    return result


def report_tracemalloc(directory: Path, top: int = 15) -> None:
    import tracemalloc

    paths = sorted(directory.glob("snapshot-*"), key=lambda p: int(p.name.split("-")[1]))
    if len(paths) < 2:
        print("tracemalloc: fewer than two snapshots")
        return
    ignore = [
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    snaps = [tracemalloc.Snapshot.load(str(p)).filter_traces(ignore) for p in paths]
    labels = ["1 min", "1 h", "end"][: len(snaps)]
    for (a_label, a), (b_label, b) in zip(
        zip(labels, snaps, strict=True), zip(labels[1:], snaps[1:], strict=True), strict=False
    ):
        total_a = sum(s.size for s in a.statistics("filename"))
        total_b = sum(s.size for s in b.statistics("filename"))
        print(
            f"\ntracemalloc {a_label} → {b_label}: traced Python memory "
            f"{total_a / MiB:.2f} → {total_b / MiB:.2f} MiB"
        )
        for stat in b.compare_to(a, "lineno")[:top]:
            frame = stat.traceback[0]
            print(
                f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+6d} blocks  "
                f"{frame.filename}:{frame.lineno}"
            )
        for stat in b.compare_to(a, "traceback")[:3]:
            print(f"  -- {stat.size_diff / 1024:+.1f} KiB, {stat.count_diff:+d} blocks, from:")
            for line in stat.traceback.format(limit=12):
                print(f"     {line}")


# --------------------------------------------------------------------------- summary
def at(samples: list[dict[str, Any]], name: str, key: str, minute: float) -> float | None:
    for entry in samples:
        if entry["minute"] == minute and name in entry:
            return float(entry[name][key])
    return None


def summarize(result: dict[str, Any], hours: float) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    samples = result["samples"]
    end = hours * 60
    for name in ("respite", "floor"):
        row: dict[str, float | None] = {}
        for key in ("rss", "anon"):
            first, hour, last = (at(samples, name, key, m) for m in (0.5, 60, end))
            row[f"{key}_30s"] = first
            row[f"{key}_1h"] = hour
            row[f"{key}_end"] = last
            row[f"{key}_h1"] = None if first is None or hour is None else hour - first
            row[f"{key}_h2"] = (
                None
                if hour is None or last is None or end < 120
                else (at(samples, name, key, 120) or last) - hour
            )
            points = [
                (e["minute"], e[name][key])
                for e in samples
                if name in e and e["minute"] >= min(60, end / 2)
            ]
            row[f"{key}_slope"] = slope_per_hour(points)
        row["hwm"] = max((e[name]["hwm"] for e in samples if name in e), default=None)
        row["threads"] = max((e[name]["threads"] for e in samples if name in e), default=None)
        fds = [e[name]["fds"] for e in samples if name in e]
        row["fds_first"] = fds[0] if fds else None
        row["fds_last"] = fds[-1] if fds else None
        out[name] = row
    return out


def spread(values: list[float | None], scale: float = MiB, fmt: str = "{:.1f}") -> str:
    got = [v / scale for v in values if v is not None]
    if not got:
        return "—"
    med = fmt.format(statistics.median(got))
    if len(got) == 1:
        return med
    return f"{med} ({fmt.format(min(got))}–{fmt.format(max(got))})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hours", type=float, default=2.0, help="simulated hours per round")
    parser.add_argument("--speed", type=float, default=10.0, help="simulated seconds per second")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="one round with tracemalloc in the app; print where it grows",
    )
    parser.add_argument("--frames", type=int, default=12, help="tracemalloc frames")
    parser.add_argument("--json", type=Path, help="also write every round's raw numbers here")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "respite")],
        env=env,
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    print(
        f"tree {head}; {args.hours:g} simulated h per round at x{args.speed:g} "
        f"(≈{args.hours * 60 / args.speed:.0f} real min)",
        flush=True,
    )
    rounds = []
    frames = args.frames if args.tracemalloc else None
    for index in range(1 if args.tracemalloc else args.rounds):
        result = one_round(index, args.speed, args.hours, frames)
        rounds.append(result)
        brief = {
            k: v
            for k, v in result.items()
            if k not in ("samples", "timeline", "mapping_growth", "steps")
        }
        print(f"round {index + 1}: {json.dumps(brief)}", flush=True)
        series = " ".join(
            f"{e['minute']:g}:{e['respite']['rss'] / MiB:.1f}/{e['respite']['anon'] / MiB:.1f}"
            for e in result["samples"]
            if "respite" in e and (e["minute"] % 10 == 0 or e["minute"] == 0.5)
        )
        print(f"round {index + 1} respite RSS/anon MiB by minute: {series}", flush=True)
        grown = ", ".join(
            f"{name} {rss / MiB:+.1f}/{anon / MiB:+.1f}"
            for name, rss, anon in result["mapping_growth"]
        )
        print(f"round {index + 1} respite 30 s → end, by mapping (RSS/anon MiB): {grown}")
        for step in result["steps"]:
            moved = ", ".join(
                f"{name} {rss / MiB:+.1f}/{anon / MiB:+.1f}" for name, rss, anon in step["mappings"]
            )
            print(
                f"  step at minute {step['minute']:g}: RSS {step['rss'] / MiB:+.1f} MiB, anon "
                f"{step['anon'] / MiB:+.1f} MiB after {step['did']}: {moved}"
            )
        print(f"round {index + 1} summary: {json.dumps(summarize(result, args.hours))}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=1), encoding="utf-8")
    sums = [summarize(r, args.hours) for r in rounds]
    print(
        "\n| process | RSS 30 s | RSS 1 h | RSS end | anon 30 s | anon 1 h | anon end | "
        "peak RSS | threads | fds first→last |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("respite", "floor"):

        def col(key: str, n: str = name) -> list[float | None]:
            return [s[n][key] for s in sums]

        print(
            f"| {name} | {spread(col('rss_30s'))} | {spread(col('rss_1h'))} "
            f"| {spread(col('rss_end'))} | {spread(col('anon_30s'))} | {spread(col('anon_1h'))} "
            f"| {spread(col('anon_end'))} | {spread(col('hwm'))} "
            f"| {spread(col('threads'), 1, '{:.0f}')} "
            f"| {spread(col('fds_first'), 1, '{:.0f}')}→{spread(col('fds_last'), 1, '{:.0f}')} |"
        )
    print(
        "\ngrowth, MiB per simulated hour: first hour (30 s→1 h), second hour (1 h→2 h), "
        "least-squares slope over the second half"
    )
    for name in ("respite", "floor"):
        for key in ("rss", "anon"):
            got = [s[name] for s in sums]
            print(
                f"  {name} {key}: first {spread([g[f'{key}_h1'] for g in got], fmt='{:+.2f}')}"
                f", second {spread([g[f'{key}_h2'] for g in got], fmt='{:+.2f}')}"
                f", slope {spread([g[f'{key}_slope'] for g in got], fmt='{:+.2f}')}"
            )
    print("\nper round: nudges, events, what the user did")
    for index, r in enumerate(rounds):
        print(
            f"  round {index + 1}: nudges {r['nudges']}; events {r['events']}; "
            f"completed breaks {r['breaks_completed']}; dunst notifications "
            f"{r['dunst_notifications']}; done {r['done']}; problems {r['problems']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
