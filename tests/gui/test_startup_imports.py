"""What the real app imports at start-up: only what every user needs.

Memory is a benchmark (bench/bench_app.py, docs/performance.md), never a timed or sized
assertion; this test guards the decisions behind it. Each module below costs the running
app memory for a feature most users never touch at start (saving settings, the history,
calendars, hooks, reminders' cron maths, secrets, OpenSSL), so it must load on first use;
the same goes for the enums of Qt's `Qt` namespace.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

# Runs `respite` (the desktop path) in-process with an event loop that quits as soon as
# the start-up's own queued work is done, then lists what was imported.
RUN_AND_LIST = """
import json, sys
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication

original = QCoreApplication.exec

def brief(*_args):
    QTimer.singleShot(0, QCoreApplication.quit)
    return original()

QCoreApplication.exec = brief
QApplication.exec = brief
from respite import cli

code = cli.main(sys.argv[1:])
import enum, gc
qt_enums = [
    kind.__qualname__
    for kind in gc.get_objects()
    if isinstance(kind, enum.EnumMeta) and kind.__qualname__.startswith("Qt.")
]
print(json.dumps({"modules": sorted(sys.modules), "qt_enums": qt_enums}))
sys.exit(code)
"""

LOADED_ON_FIRST_USE = (
    "tomlkit",  # saving settings (the settings window)
    "respite.storage.settings_save",
    "respite.core.history",  # the history window and `respite history`
    "respite.core.history_format",
    "respite.ui.history_window",
    "respite.ui.settings_window",
    "respite.calendar_sync",  # only with a [[calendars]] entry
    "icalendar",
    "respite.hooks",  # only with a [[hooks]] entry
    "apscheduler",  # only with a [[reminders]] entry
    "keyring",  # only when a secret is used
    "urllib.request",  # only to fetch a calendar or call a webhook
    "ssl",
    "hashlib",  # would load OpenSSL (≈3 MiB resident)
    "html",
    "csv",
    "difflib",
    "logging.handlers",
    "pickle",
    "ctypes.util",
    "subprocess",
    "locale",  # argparse's translations: `respite` alone builds no parser
    "PySide6.QtNetwork",  # Linux and macOS talk over Python's own Unix socket
    "PySide6.QtSvg",  # icons are drawn by Qt's SVG icon engine plugin
)


@pytest.mark.skipif(sys.platform == "win32", reason="the Linux desktop path")
def test_the_app_starts_without_what_only_some_users_need(tmp_path: Path) -> None:
    env = dict(os.environ)  # the autouse fixture's private config and data folders
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # popups instead of a notification server
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    listed = json.loads(result.stdout.strip().splitlines()[-1])
    modules = set(listed["modules"])
    # It did start the desktop: the shell and its adapters are there.
    assert {"respite.ui.shell", "respite.platform.notify", "respite.runtime"} <= modules
    loaded = sorted(
        name
        for name in modules
        if any(name == lazy or name.startswith(lazy + ".") for lazy in LOADED_ON_FIRST_USE)
    )
    assert loaded == []
    # Nothing named `QtCore.Qt`: PySide6 would build all its enums for good (respite.qt).
    assert listed["qt_enums"] == []
