"""respite.qt: the workarounds every Qt-facing module relies on."""

from __future__ import annotations

import gc
import linecache
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QObject, Qt, QTimer, Signal

from respite import qt
from respite.qt import GuiThreadGarbageCollector, emit, make_precise


class _Pinger(QObject):
    ping = Signal(int)


def test_emit_keeps_true_alive_over_many_signals() -> None:
    pinger = _Pinger()
    seen: list[int] = []
    pinger.ping.connect(seen.append)
    before = sys.getrefcount(True)
    for value in range(2000):
        emit(pinger.ping, value)
    assert seen == list(range(2000))
    assert sys.getrefcount(True) >= before


VOID_CALLS = """
from PySide6.QtCore import QObject

import respite.qt  # noqa: F401  (its workarounds apply on import)

probe = QObject()
for _ in range(200_000):
    probe.setObjectName("x")  # returns nothing: PySide6 6.12 releases None each time
print("alive")
"""


def test_none_outlives_many_qt_calls_that_return_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-c", VOID_CALLS], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["alive"]


@pytest.fixture
def fresh_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    source = tmp_path / "respite_probe_module.py"
    source.write_text("VALUE = 1  # imported after Qt\n" + "# padding\n" * 200)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield source
    sys.modules.pop("respite_probe_module", None)


def test_modules_imported_after_pyside_keep_no_source_in_memory(fresh_module) -> None:
    assert qt.stop_keeping_module_sources()
    import respite_probe_module  # noqa: F401  (an import statement: PySide6 hooks __import__)

    assert str(fresh_module) not in linecache.cache
    # PySide6 still got its answer for the module (it mentions no PySide6: "ignore it").
    assert shibokensupport_feature().pyside_feature_dict["respite_probe_module"] == -1


def test_sources_kept_before_the_switch_are_dropped(tmp_path: Path) -> None:
    # What PySide6's check kept while PySide6 itself was imported (enum.py and its own
    # packages, in the real app) is dropped while little has been allocated after it.
    kept_earlier = tmp_path / "imported_before_the_switch.py"
    kept_earlier.write_text("VALUE = 1\n" * 50)
    assert linecache.getlines(str(kept_earlier))

    assert qt.stop_keeping_module_sources()

    assert str(kept_earlier) not in linecache.cache


def test_the_replacement_check_answers_as_pyside_does(tmp_path: Path) -> None:
    def module(name: str, text: str | None) -> ModuleType:
        made = ModuleType(name)
        if text is not None:
            made.__file__ = str(tmp_path / f"{name}.py")
            (tmp_path / f"{name}.py").write_text(text)
        return made

    assert qt._mentions_pyside(module("uses", "from PySide6.QtCore import QObject\n"))
    assert not qt._mentions_pyside(module("plain", "import os\n"))
    assert not qt._mentions_pyside(module("builtin_like", None))  # no file: getsource fails
    gone = module("gone", "import PySide6\n")
    Path(gone.__file__).unlink()
    assert not qt._mentions_pyside(gone)


def test_an_extension_module_is_never_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # As PyInstaller's inspect hook answers for an extension module in a bundle.
    binary = tmp_path / "_sqlite3.so"
    binary.write_bytes(b"\x7fELF PySide6")
    monkeypatch.setattr(qt.inspect, "getsourcefile", lambda module: str(binary))
    opened: list[object] = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a[0]) or real_open(*a, **k))
    assert not qt._mentions_pyside(ModuleType("_sqlite3"))
    assert opened == []


def shibokensupport_feature() -> ModuleType:
    return sys.modules["shibokensupport.feature"]


def test_the_collector_turns_automatic_collection_off_and_collects_when_due(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collector = GuiThreadGarbageCollector(interval_ms=60_000)
    thresholds = gc.get_threshold()
    collector.start()
    try:
        assert not gc.isenabled()  # no collection on whichever thread allocates
        asked: list[int] = []
        monkeypatch.setattr(gc, "collect", lambda generation=2: asked.append(generation) or 7)
        monkeypatch.setattr(gc, "get_count", lambda: (thresholds[0] - 1, 0, 0))
        assert collector.collect() == 0 and asked == []  # nothing due yet
        monkeypatch.setattr(gc, "get_count", lambda: (thresholds[0] + 1, thresholds[1] + 1, 0))
        assert collector.collect() == 7 and asked == [1]  # the oldest generation due
    finally:
        collector.stop()
    assert gc.isenabled()


def test_at_exit_the_collector_collects_once_and_leaves_collection_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collector = GuiThreadGarbageCollector(interval_ms=60_000)
    collector.start()
    asked: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: asked.append(generation) or 0)
    try:
        collector.finish()
        assert asked == [2] and not gc.isenabled()
    finally:
        gc.enable()


def test_make_precise_sets_the_precise_timer_type() -> None:
    timer = QTimer()
    assert timer.timerType() is Qt.TimerType.CoarseTimer  # Qt's default
    make_precise(timer)
    assert timer.timerType() is Qt.TimerType.PreciseTimer
