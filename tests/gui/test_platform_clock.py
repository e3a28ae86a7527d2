"""ClockJumpWatcher turns clock readings into Qt signals."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from respite.platform.sleep import ClockEventKind, ClockJumpWatcher, ClockReading


class ScriptedClocks:
    def __init__(self) -> None:
        self.now = ClockReading(1_800_000_000.0, 100.0, 200.0)

    def __call__(self) -> ClockReading:
        return self.now

    def step(self, wall: float, monotonic: float, boottime: float) -> None:
        n = self.now
        self.now = ClockReading(n.wall + wall, n.monotonic + monotonic, n.boottime + boottime)  # type: ignore[operator]


def test_watcher_emits_slept_and_clock_changed(qtbot: QtBot) -> None:
    clocks = ScriptedClocks()
    watcher = ClockJumpWatcher(interval_ms=60_000, threshold=5, read=clocks)
    slept: list[float] = []
    changed: list[float] = []
    watcher.slept.connect(slept.append)
    watcher.clock_changed.connect(changed.append)
    watcher.start()
    clocks.step(15, 15, 15)
    assert watcher.check() == []
    clocks.step(1815, 15, 1815)  # suspended for 30 minutes
    assert [e.kind for e in watcher.check()] == [ClockEventKind.SLEPT]
    clocks.step(-3585, 15, 15)  # clock set back an hour
    watcher.check()
    assert slept == [1800.0]
    assert changed == [-3600.0]
    watcher.stop()


def test_watcher_timer_runs_the_check(qtbot: QtBot) -> None:
    clocks = ScriptedClocks()
    watcher = ClockJumpWatcher(interval_ms=10, threshold=5, read=clocks)
    watcher.start()
    clocks.step(600, 0, 0)
    with qtbot.waitSignal(watcher.clock_changed, timeout=2000) as blocker:
        pass
    assert blocker.args == [600.0]
    watcher.stop()
