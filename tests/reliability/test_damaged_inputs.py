"""The whole app on damaged inputs: a clear message, the old file kept aside, no crash.

tests/unit/test_db.py and test_settings_store.py check the storage layer file by file;
here the real `respite --no-tray` process (or the CLI's `main`) meets the damage.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from respite import cli
from respite.core.events import Event, EventKind
from respite.storage.db import EventLog

from .headless import Headless, integrity

pytestmark = pytest.mark.slow


def filled_log(path: Path, events: int = 400) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    log, _ = EventLog.open(path, now=datetime.now(UTC))
    try:
        for index in range(events):
            log.record(Event(EventKind.WIN, datetime.now(UTC), {"text": f"old win {index}"}))
    finally:
        log.close()


def asides(app: Headless) -> list[Path]:
    return [
        p
        for p in app.data.glob("respite.sqlite3.*")
        if not p.name.endswith(("-wal", "-shm", "-journal"))
    ]


def damage_truncated(path: Path) -> None:
    filled_log(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])


def damage_garbage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database\n" + bytes(range(256)) * 40)


def damage_newer(path: Path) -> None:
    filled_log(path, events=3)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()


def damage_header(path: Path) -> None:
    filled_log(path)
    with path.open("r+b") as handle:  # scribble over the b-tree pages, keep the header
        handle.seek(4096 + 17)
        handle.write(os.urandom(8192))


@pytest.mark.parametrize(
    "damage",
    [damage_truncated, damage_garbage, damage_newer, damage_header],
    ids=lambda f: f.__name__,
)
def test_the_app_starts_on_a_damaged_log_and_keeps_it_aside(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    app = Headless(tmp_path)
    damage(app.db)
    original = app.db.read_bytes()
    app.start()
    try:
        kept = asides(app)
        assert len(kept) == 1, sorted(p.name for p in app.data.iterdir())
        assert kept[0].read_bytes() == original, "the damaged file was changed"
        assert str(kept[0]) in app.stderr(), app.stderr()
        assert "a fresh one was started" in app.stderr()
        assert app.cli("win", "after the damage").returncode == 0
    finally:
        assert app.stop() == 0, app.stderr()
    assert integrity(app.db) == "ok"
    assert "Traceback" not in app.stderr()
    assert [e.data["text"] for e in app.events(EventKind.WIN)] == ["after the damage"]


def test_an_empty_log_file_is_just_a_new_log(tmp_path: Path) -> None:
    app = Headless(tmp_path)
    app.data.mkdir(parents=True)
    app.db.write_bytes(b"")
    app.start()
    assert app.stop() == 0
    assert asides(app) == []
    assert EventKind.APP_STARTED in {e.kind for e in app.events()}


# ----- settings ------------------------------------------------------------------------

MISTAKES = """
[work_hours]
monday = ["09:00-25:00"]
tuesday = "all day"
wednesday = ["17:00-09:00"]
thursday = [9]
funday = ["09:00-17:00"]
[breaks]
idle_after_seconds = -5
[breaks.short]
every_minutes = "often"
duration_minutes = 1e9
[breaks.long]
every_minutes = nan
[snooze]
choices_minutes = [0, 1000, "x"]
[interface]
break_window = "sideways"
[unknown_section]
key = 1
"""


def test_settings_with_every_kind_of_mistake_start_the_app_and_stay_untouched(
    tmp_path: Path,
) -> None:
    app = Headless(tmp_path, settings=MISTAKES)
    app.start()
    try:
        assert app.cli("status").returncode == 0
    finally:
        assert app.stop() == 0
    err = app.stderr()
    for key in ("monday", "tuesday", "funday", "idle_after_seconds", "every_minutes"):
        assert key in err, f"{key} not named in:\n{err}"
    assert "Traceback" not in err
    assert app.settings_file.read_text(encoding="utf-8") == MISTAKES
    assert not list(app.config.glob("settings.toml.bad-*"))


def test_settings_that_are_not_toml_are_kept_aside(tmp_path: Path) -> None:
    garbage = "[work_hours\nmonday = = \x00\xff"
    app = Headless(tmp_path, settings=garbage)
    app.start()
    assert app.stop() == 0
    bad = list(app.config.glob("settings.toml.bad-*"))
    assert len(bad) == 1
    assert bad[0].read_text(encoding="utf-8") == garbage
    assert str(bad[0]) in app.stderr()
    assert "Traceback" not in app.stderr()


KEYS = [
    "work_hours.monday",
    "work_hours.saturday",
    "breaks.idle_after_seconds",
    "breaks.short.every_minutes",
    "breaks.short.duration_minutes",
    "breaks.long.every_minutes",
    "snooze.choices_minutes",
    "snooze.daily_limit",
    "interface.break_window",
    "boundaries.wind_down_minutes",
    "after_hours.max_nudges",
    "nonsense.key",
]
TOML_VALUES = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str),
    st.floats(allow_nan=True).map(lambda f: repr(f).replace("inf", "inf").replace("nan", "nan")),
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.booleans().map(lambda b: str(b).lower()),
    st.lists(st.sampled_from(['"09:00-17:00"', '"25:00-26:00"', "1", '"x"']), max_size=3).map(
        lambda items: "[" + ", ".join(items) + "]"
    ),
    st.just("2026-11-23T09:00:00"),
    st.just("{ a = 1 }"),
)


@st.composite
def toml_documents(draw: st.DrawFn) -> str:
    lines = []
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=6, unique=True)):
        table, _, name = key.rpartition(".")
        lines.append(f"[{table}]\n{name} = {draw(TOML_VALUES)}")
    if draw(st.booleans()):
        lines.append(draw(st.text(max_size=30)))  # maybe garbage at the end
    return "\n".join(lines)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=toml_documents())
def test_any_settings_file_gives_a_clear_answer_never_a_crash(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "hyp"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    path = folder / "settings.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    raw = path.read_bytes()
    code = cli.main(["--config", str(path), "config", "check"])
    out, err = capsys.readouterr()
    assert code in (cli.EXIT_OK, cli.EXIT_FAILED), (code, out, err)
    assert "Traceback" not in out + err
    assert (out + err).strip(), "no answer at all"
    # status reads the settings too (offline): it must cope with the same file
    assert cli.main(["--config", str(path), "status"]) in (cli.EXIT_OK, cli.EXIT_FAILED)
    capsys.readouterr()
    kept = [path, *folder.glob("settings.toml.bad-*")]
    assert raw in [p.read_bytes() for p in kept if p.exists()], "the file's content was lost"


# ----- unreadable files and a full disk --------------------------------------------------

SITE_HOOK = """
import builtins, errno, os, pathlib, sqlite3
_target = os.environ["RESPITE_TEST_DENY"]
_read_bytes = pathlib.Path.read_bytes
def read_bytes(self):
    if str(self) == _target:
        raise PermissionError(errno.EACCES, "Permission denied", str(self))
    return _read_bytes(self)
pathlib.Path.read_bytes = read_bytes
_connect = sqlite3.connect
def connect(database, *args, **kwargs):
    if str(database).endswith(_target) or str(database) == "file:" + _target + "?mode=ro":
        raise sqlite3.OperationalError("unable to open database file")
    return _connect(database, *args, **kwargs)
sqlite3.connect = connect
"""


def denying(tmp_path: Path, target: Path) -> dict[str, str]:
    """Root ignores chmod: a sitecustomize in the child raises PermissionError instead."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITE_HOOK, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    return {"PYTHONPATH": f"{hook}{os.pathsep}{root}", "RESPITE_TEST_DENY": str(target)}


def test_an_unreadable_settings_file_is_named_left_alone_and_defaults_used(
    tmp_path: Path,
) -> None:
    app = Headless(tmp_path / "app")
    app.extra_env.update(denying(tmp_path, app.settings_file))
    app.env.update(app.extra_env)
    before = app.settings_file.read_bytes()
    app.start()
    assert app.stop() == 0
    assert f"Could not read {app.settings_file}: permission denied" in app.stderr()
    assert app.settings_file.read_bytes() == before
    assert not list(app.config.glob("settings.toml.bad-*"))
    assert "Traceback" not in app.stderr()


def test_an_unopenable_log_is_a_clear_failure_and_nothing_is_moved(tmp_path: Path) -> None:
    app = Headless(tmp_path / "app")
    filled_log(app.db, events=5)
    before = app.db.read_bytes()
    app.env.update(denying(tmp_path, app.db))
    app.start(wait=False)
    assert app.process is not None
    code = app.process.wait(timeout=30)
    err = app.stderr()
    assert code != 0
    assert str(app.db) in err, err
    assert "Traceback" not in err
    assert app.db.read_bytes() == before
    assert asides(app) == []


@contextlib.contextmanager
def tiny_tmpfs(where: Path, size: str = "400k") -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a tmpfs here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    for chunk in (65536, 512):  # fill it, then whatever is left
        with contextlib.suppress(OSError), filler.open("ab", buffering=0) as handle:
            while True:
                handle.write(b"\0" * chunk)
    return filler


def full_disk_run(tmp_path: Path) -> list[str]:
    """Wins logged before, while and after the app's disk is full; the CLI's complaints."""
    app = Headless(tmp_path / "app")
    with tiny_tmpfs(app.data):
        app.start()
        try:
            assert app.cli("win", "before the disk filled").returncode == 0
            filler = fill(app.data)
            failures = []
            for index in range(40):
                result = app.cli("win", f"while full {index} " + "x" * 200)
                if result.returncode != 0:
                    failures.append(result.stderr)
            assert failures, "a full disk went unnoticed"
            assert app.process is not None and app.process.poll() is None, "the app died"
            filler.unlink()
            assert app.cli("win", "after space came back").returncode == 0
        finally:
            code = app.stop()
        assert code == 0, app.stderr()
        assert integrity(app.db) == "ok"
        wins = [e.data["text"] for e in app.events(EventKind.WIN)]
        assert wins[0] == "before the disk filled"
        assert wins[-1] == "after space came back"
    assert all("Traceback" not in message for message in failures)
    return failures


NEEDS_ROOT = pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="needs root to mount a tmpfs"
)


@NEEDS_ROOT
def test_a_full_disk_keeps_the_app_running_and_loses_nothing_stored(tmp_path: Path) -> None:
    # full_disk_run checks the app survived, the log is intact and the wins before and
    # after are there; here: the CLI did report the full disk, as plain sentences.
    complaints = full_disk_run(tmp_path)
    assert complaints and all("Traceback" not in message for message in complaints)


@NEEDS_ROOT
def test_a_full_disk_is_named_to_the_user(tmp_path: Path) -> None:
    for message in full_disk_run(tmp_path):
        assert "disk is not full" in message, message
