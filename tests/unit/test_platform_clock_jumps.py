"""Clock-jump and sleep detection from successive clock readings."""

from __future__ import annotations

import time

import pytest

from respite.platform.clock_jumps import (
    ClockEvent,
    ClockEventKind,
    ClockJumpDetector,
    ClockReading,
    read_clocks,
)

START = 1_800_000_000.0


def reading(wall: float, monotonic: float, boottime: float | None = None) -> ClockReading:
    return ClockReading(
        START + wall, 1000.0 + monotonic, None if boottime is None else 5000.0 + boottime
    )


def run(detector: ClockJumpDetector, *readings: ClockReading) -> list[list[ClockEvent]]:
    return [detector.update(r) for r in readings]


def test_first_reading_is_only_a_baseline() -> None:
    assert ClockJumpDetector().update(reading(0, 0, 0)) == []


def test_steady_clocks_report_nothing() -> None:
    detector = ClockJumpDetector(threshold=5)
    steps = [reading(15 * i + 0.01 * i, 15 * i, 15 * i) for i in range(10)]
    assert all(events == [] for events in run(detector, *steps))


def test_suspend_is_reported_as_sleep_not_as_a_clock_change() -> None:
    # 15 s awake, then 1 h suspended: monotonic +15, boottime and wall +3615.
    detector = ClockJumpDetector(threshold=5)
    _, events = run(detector, reading(0, 0, 0), reading(3615, 15, 3615))
    assert events == [ClockEvent(ClockEventKind.SLEPT, 3600.0, START, START + 3615)]


def test_wall_clock_set_forward_and_back() -> None:
    detector = ClockJumpDetector(threshold=5)
    _, forward, back = run(
        detector, reading(0, 0, 0), reading(615, 15, 15), reading(630 - 7200, 30, 30)
    )
    assert forward == [ClockEvent(ClockEventKind.CLOCK_CHANGED, 600.0, START, START + 615)]
    assert [(e.kind, e.seconds) for e in back] == [(ClockEventKind.CLOCK_CHANGED, -7200.0)]


def test_sleep_and_clock_change_in_one_step() -> None:
    # Slept 100 s and, meanwhile, the clock was set back an hour.
    detector = ClockJumpDetector(threshold=5)
    _, events = run(detector, reading(0, 0, 0), reading(110 - 3600, 10, 110))
    assert [(e.kind, e.seconds) for e in events] == [
        (ClockEventKind.SLEPT, 100.0),
        (ClockEventKind.CLOCK_CHANGED, -3600.0),
    ]


def test_threshold_is_exclusive() -> None:
    detector = ClockJumpDetector(threshold=5)
    assert run(detector, reading(0, 0, 0), reading(20, 15, 15))[1] == []
    assert run(detector, reading(30.5, 20, 20))[0][0].seconds == pytest.approx(5.5)


def test_without_boottime_a_suspend_looks_like_a_forward_jump() -> None:
    # macOS: the monotonic clock stops while asleep, and there is no CLOCK_BOOTTIME.
    detector = ClockJumpDetector(threshold=5)
    _, events = run(detector, reading(0, 0), reading(3615, 15))
    assert [(e.kind, e.seconds) for e in events] == [(ClockEventKind.CLOCK_CHANGED, 3600.0)]


def test_a_monotonic_step_back_rebases_quietly() -> None:
    detector = ClockJumpDetector(threshold=5)
    assert run(detector, reading(0, 100, 100), reading(10, 5, 5), reading(25, 20, 20)) == [
        [],
        [],
        [],
    ]


def test_reset_forgets_the_baseline() -> None:
    detector = ClockJumpDetector(threshold=5)
    detector.update(reading(0, 0, 0))
    detector.reset()
    assert detector.update(reading(9999, 1, 1)) == []


def test_threshold_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        ClockJumpDetector(threshold=0)


def test_read_clocks_reads_the_real_clocks() -> None:
    now = read_clocks()
    assert abs(now.wall - time.time()) < 5
    if hasattr(time, "CLOCK_BOOTTIME"):
        assert now.boottime is not None
        assert now.boottime >= now.monotonic - 1  # boottime counts suspends too
    else:
        assert now.boottime is None
