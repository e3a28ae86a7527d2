"""respite.qt: the workarounds every Qt-facing module relies on."""

from __future__ import annotations

import gc
import linecache
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal

from respite.qt import GuiThreadGarbageCollector, emit


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


@pytest.fixture
def fresh_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    source = tmp_path / "respite_probe_module.py"
    source.write_text("VALUE = 1  # imported after PySide6\n" + "# padding\n" * 200)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield source
    sys.modules.pop("respite_probe_module", None)


def test_the_collector_forgets_the_sources_pyside_read_at_import(qtbot, fresh_module) -> None:
    import respite_probe_module  # noqa: F401  (an import statement: PySide6 hooks __import__)

    # PySide6 6.12's __feature__ check read the whole file into linecache on import.
    assert str(fresh_module) in linecache.cache
    collector = GuiThreadGarbageCollector(interval_ms=60_000)
    collector.start()
    try:
        # The first round runs as soon as the event loop does, not a whole interval later.
        qtbot.waitUntil(lambda: str(fresh_module) not in linecache.cache, timeout=1000)
        assert not gc.isenabled()  # collection happens on this (GUI) thread only
    finally:
        collector.stop()
    assert gc.isenabled()
    # A traceback still gets its lines: linecache reads the file again when asked.
    assert linecache.getline(str(fresh_module), 1).startswith("VALUE = 1")
