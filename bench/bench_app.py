"""Start-up and idle costs of the real `respite` process next to other tray apps.

Run by hand (results and method in docs/performance.md):

    .venv/bin/python bench/bench_app.py [--rounds 3] [--idle 60] [--settle 30] [--imports]

Each round brings up a fresh private desktop (tests/e2e/desktop.py: Xvfb, a private
D-Bus session, trayer, dunst; a fresh HOME) and starts, one after the other:

* ``respite`` — the real app (``python -m respite``);
* ``floor`` — bench/floor_tray.py, a bare PySide6 tray icon with a 3-item menu;
* ``workrave`` and ``safeeyes`` — Debian's packages, if installed;
* with ``--imports``, two variants of the floor that first import what Respite's start-up
  imports (bench/floor_with_imports.py; the list comes from a brief run of the app on
  the same desktop, in its own HOME): ``floor+packages`` the stdlib and third-party
  modules only, ``floor+imports`` Respite's own modules too.

For each it measures the time from exec to its icon docked in trayer's panel (polling
``xwininfo -root -tree`` for a new window under the panel), then, after ``--settle``
seconds, ``Rss`` and ``Anonymous`` from /proc/PID/smaps_rollup, and over the next
``--idle`` seconds the CPU time (utime + stime of all threads, /proc/PID/stat, in 10 ms
ticks; and, finer, nanoseconds on CPU from /proc/PID/task/*/schedstat) and
voluntary context switches (summed over /proc/PID/task/*/status). The apps run side by
side, so they share one idle period; none of them is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO))

from desktop import Desktop  # type: ignore[import-not-found]  # noqa: E402

from tests.fakes import ALL_DAY_EVERY_DAY  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1024 * 1024
LINE = re.compile(r"^(\s*)(0x[0-9a-f]+) ")

SETTINGS = ALL_DAY_EVERY_DAY


def tray_windows(desktop: Desktop) -> set[str]:
    """Ids of every window inside trayer's panel (docked icons and their children)."""
    tree = desktop.run(["xwininfo", "-root", "-tree"], check=False).stdout.splitlines()
    inside: set[str] = set()
    panel_indent: int | None = None
    for line in tree:
        match = LINE.match(line)
        if match is None:
            continue
        indent = len(match.group(1))
        if panel_indent is not None and indent <= panel_indent:
            panel_indent = None
        if panel_indent is not None:
            inside.add(match.group(2))
        elif '"trayer"' in line or '"panel"' in line:
            panel_indent = indent
    return inside


def smaps(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        values[key.strip()] = int(rest.split()[0]) * 1024
    return values


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime (all threads)


def cpu_ns(pid: int) -> int:
    """Nanoseconds on a CPU, summed over the threads alive now (/proc/*/schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
            total += int((task / "schedstat").read_text().split()[0])
    return total


def voluntary_switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass  # a thread that just ended
    return total


def threads(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def startup_modules(desktop: Desktop, root: Path) -> Path:
    """What a brief run of the app on `desktop` imports, one module name per line."""
    from tests.gui.test_startup_imports import RUN_AND_LIST

    home = root / "listing-home"
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "RESPITE_CONFIG_DIR": str(home / "respite-config"),
        "RESPITE_DATA_DIR": str(home / "respite-data"),
    }
    listed = desktop.run([sys.executable, "-c", RUN_AND_LIST], env=env, timeout=120)
    modules = json.loads(listed.stdout.strip().splitlines()[-1])["modules"]
    listing = root / "startup-modules.txt"
    listing.write_text("\n".join(modules), encoding="utf-8")
    return listing


def commands(desktop: Desktop, root: Path, *, imports: bool) -> dict[str, list[str]]:
    found = {
        "respite": [sys.executable, "-m", "respite"],
        "floor": [sys.executable, str(REPO / "bench" / "floor_tray.py")],
    }
    if imports:
        variant = [sys.executable, str(REPO / "bench" / "floor_with_imports.py")]
        listing = str(startup_modules(desktop, root))
        found["floor+packages"] = [*variant, listing, "--packages-only"]
        found["floor+imports"] = [*variant, listing]
    if shutil.which("workrave"):
        found["workrave"] = ["workrave"]
    if shutil.which("safeeyes"):
        found["safeeyes"] = ["safeeyes"]
    return found


def one_round(
    index: int, settle: float, idle: float, *, imports: bool
) -> dict[str, dict[str, object]]:
    root = Path(tempfile.mkdtemp(prefix=f"respite-bench-{index}-"))
    desktop = Desktop.start(root)
    results: dict[str, dict[str, object]] = {}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        config = Path(desktop.env["RESPITE_CONFIG_DIR"])
        (config / "settings.toml").write_text(SETTINGS, encoding="utf-8")
        for name, cmd in commands(desktop, root, imports=imports).items():
            before = tray_windows(desktop)
            started = time.perf_counter()
            proc = desktop.spawn(cmd, name=name)
            docked: float | None = None
            while time.perf_counter() - started < 15 and proc.poll() is None:
                if tray_windows(desktop) - before:
                    docked = time.perf_counter() - started
                    break
                time.sleep(0.01)
            procs[name] = proc
            results[name] = {
                "icon_s": docked,
                "alive": proc.poll() is None,
                "exit": proc.poll(),
            }
            time.sleep(2)  # let its start-up burst end before the next one starts
        time.sleep(settle)
        start: dict[str, tuple[float, int, int]] = {}
        for name, proc in procs.items():
            if proc.poll() is None:
                memory = smaps(proc.pid)
                results[name].update(rss=memory["Rss"], anon=memory["Anonymous"])
                start[name] = (
                    cpu_seconds(proc.pid),
                    voluntary_switches(proc.pid),
                    cpu_ns(proc.pid),
                )
        time.sleep(idle)
        for name, (cpu0, ctx0, ns0) in start.items():
            proc = procs[name]
            if proc.poll() is None:
                results[name].update(
                    cpu_ms_per_min=(cpu_seconds(proc.pid) - cpu0) * 1000 * 60 / idle,
                    sched_ms_per_min=(cpu_ns(proc.pid) - ns0) / 1e6 * 60 / idle,
                    ctx_per_s=(voluntary_switches(proc.pid) - ctx0) / idle,
                    threads=threads(proc.pid),
                )
            results[name]["alive"] = proc.poll() is None
        for name in procs:
            if not results[name]["alive"]:
                results[name]["log_tail"] = desktop.log(name)[-600:]
    finally:
        desktop.stop()
        shutil.rmtree(root, ignore_errors=True)
    return results


def summary(values: list[float], fmt: str) -> str:
    if not values:
        return "—"
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}–{fmt.format(max(values))})"
    )


def compile_respite() -> None:
    """Write Respite's bytecode first, as an installed copy has it: with
    PYTHONDONTWRITEBYTECODE set (some shells and CI images set it) the app would compile
    every module from source at each start, which costs start-up time and ≈0.7 MiB of
    heap a real install never pays."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(REPO / "src" / "respite")],
        env=env,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settle", type=float, default=30)
    parser.add_argument("--idle", type=float, default=60)
    parser.add_argument("--json", type=Path, help="also write every round's raw numbers here")
    parser.add_argument(
        "--imports", action="store_true", help="also run the floor after Respite's imports"
    )
    args = parser.parse_args()
    compile_respite()
    rounds = []
    for index in range(args.rounds):
        rounds.append(one_round(index, args.settle, args.idle, imports=args.imports))
        print(f"round {index + 1}: {json.dumps(rounds[-1])}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rounds, indent=1), encoding="utf-8")
    names = list(rounds[0])
    print("\n| app | exec→icon | RSS after 30 s | anonymous | idle CPU per min | "
          "(schedstat) | voluntary ctx/s | threads |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name in names:

        def col(key: str, scale: float = 1.0, n: str = name) -> list[float]:
            got = [r[n].get(key) for r in rounds if n in r]
            return [float(v) / scale for v in got if isinstance(v, (int, float))]

        icons = col("icon_s")
        docked = f"{len(icons)}/{len(rounds)} docked"
        print(
            f"| {name} | {summary([v * 1000 for v in icons], '{:.0f} ms')}"
            f"{'' if len(icons) == len(rounds) else f' ({docked})'} "
            f"| {summary(col('rss', MiB), '{:.1f} MiB')} "
            f"| {summary(col('anon', MiB), '{:.1f} MiB')} "
            f"| {summary(col('cpu_ms_per_min'), '{:.0f} ms')} "
            f"| {summary(col('sched_ms_per_min'), '{:.1f} ms')} "
            f"| {summary(col('ctx_per_s'), '{:.2f}')} "
            f"| {summary(col('threads'), '{:.0f}')} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
