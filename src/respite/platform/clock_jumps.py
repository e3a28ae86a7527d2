"""Wall-clock jumps and sleeps, told apart (pure logic, every OS).

`ClockJumpDetector` compares successive readings of the wall clock, the monotonic clock
and (Linux) CLOCK_BOOTTIME. CLOCK_BOOTTIME keeps counting while the machine is
suspended and CLOCK_MONOTONIC does not, so their difference growing means "slept"; the
wall clock moving more than real time did means someone (NTP, the user, a time zone
tool) set the clock. Without CLOCK_BOOTTIME (macOS, whose monotonic clock stops in
sleep; Windows, whose monotonic clock keeps counting through it) a suspend shows up as
a forward clock change, or not at all. The runtime feeds it on every idle sample.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClockReading:
    wall: float  # time.time()
    monotonic: float  # time.monotonic()
    boottime: float | None = None  # CLOCK_BOOTTIME where the OS has it


class ClockEventKind(enum.StrEnum):
    SLEPT = "slept"
    CLOCK_CHANGED = "clock_changed"


@dataclass(frozen=True, slots=True)
class ClockEvent:
    kind: ClockEventKind
    seconds: float  # SLEPT: time suspended; CLOCK_CHANGED: the jump (negative = back)
    wall_before: float
    wall_after: float


def read_clocks() -> ClockReading:
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    return ClockReading(
        wall=time.time(),
        monotonic=time.monotonic(),
        boottime=time.clock_gettime(boottime) if boottime is not None else None,
    )


class ClockJumpDetector:
    """Feed it readings; it reports what happened between each and the one before.

    A difference of more than `threshold` seconds counts; the first reading only sets
    the baseline. Both kinds can come from one step (a suspend, and the clock set).
    """

    def __init__(self, threshold: float = 5.0) -> None:
        if threshold <= 0:
            raise ValueError("threshold must be positive")
        self.threshold = threshold
        self._last: ClockReading | None = None

    def reset(self) -> None:
        self._last = None

    def update(self, reading: ClockReading) -> list[ClockEvent]:
        last, self._last = self._last, reading
        if last is None:
            return []
        monotonic = reading.monotonic - last.monotonic
        if monotonic < 0:  # not a monotonic clock after all (or a different boot): rebase
            return []
        wall = reading.wall - last.wall
        events: list[ClockEvent] = []
        elapsed = monotonic
        if reading.boottime is not None and last.boottime is not None:
            elapsed = reading.boottime - last.boottime
            suspended = elapsed - monotonic
            if suspended > self.threshold:
                events.append(ClockEvent(ClockEventKind.SLEPT, suspended, last.wall, reading.wall))
        jump = wall - elapsed
        if abs(jump) > self.threshold:
            events.append(ClockEvent(ClockEventKind.CLOCK_CHANGED, jump, last.wall, reading.wall))
        return events
