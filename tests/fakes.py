"""Test doubles shared by the unit tests: an in-memory event sink and a scripted user."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from respite.core.clock import FakeClock
from respite.core.engine import OBSERVE_EVERY, Engine
from respite.core.events import ActiveSpan, Event, EventKind
from respite.core.nudges import Nudge
from respite.core.settings import WEEKDAYS, Settings

# A settings-file fragment for tests of the real app: working hours all day, every day.
ALL_DAY_EVERY_DAY = "[work_hours]\n" + "".join(f'{day} = ["00:00-23:59"]\n' for day in WEEKDAYS)


class MemorySink:
    """Keeps what the engine records, as the real log would (spans keyed by start)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.span_by_start: dict[datetime, ActiveSpan] = {}

    def record(self, event: Event) -> None:
        self.events.append(event)

    def record_span(self, span: ActiveSpan) -> None:
        stored = self.span_by_start.get(span.start)
        if stored is None or span.end > stored.end:
            self.span_by_start[span.start] = span

    @property
    def spans(self) -> list[ActiveSpan]:
        return sorted(self.span_by_start.values(), key=lambda s: s.start)

    def kinds(self) -> list[EventKind]:
        return [e.kind for e in self.events]


@dataclass
class Shown:
    at: datetime
    nudge: Nudge


@dataclass
class Simulation:
    """Steps an engine through time like the shell does: one idle sample every
    OBSERVE_EVERY seconds, the user active whenever `is_active` says so."""

    settings: Settings
    start: datetime
    zone_name: str = "Europe/London"
    clock: FakeClock = field(init=False)
    sink: MemorySink = field(init=False)
    engine: Engine = field(init=False)
    shown: list[Shown] = field(default_factory=list)
    last_input: datetime | None = None
    away_until: datetime | None = None  # the user stepped away (e.g. took a break)

    def __post_init__(self) -> None:
        self.clock = FakeClock(self.start)
        self.sink = MemorySink()
        self.zone = ZoneInfo(self.zone_name)
        self.engine = Engine(self.settings, self.clock, self.sink, zone=lambda: self.zone)

    def local(self, day: date, hhmm: str) -> datetime:
        hour, minute = map(int, hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def run_until(
        self,
        until: datetime,
        is_active: Callable[[datetime], bool],
        respond: Callable[[Engine, Nudge], None] | None = None,
        step: float = OBSERVE_EVERY,
    ) -> None:
        while self.clock.now() < until:
            now = self.clock.now()
            away = self.away_until is not None and now < self.away_until
            if is_active(now) and not away:
                self.last_input = now
            idle = 1e9 if self.last_input is None else (now - self.last_input).total_seconds()
            for nudge in self.engine.observe(idle):
                self.shown.append(Shown(now, nudge))
                if respond is not None:
                    respond(self.engine, nudge)
            self.clock.advance(step)

    def sleep_until(self, until: datetime) -> None:
        """The machine is suspended: no samples at all until `until`."""
        self.clock.set(until)

    def shown_local(self) -> list[str]:
        return [
            f"{s.at.astimezone(self.zone):%a %H:%M} {s.nudge.kind.value}"
            + (f" L{s.nudge.level}" if s.nudge.level else "")
            for s in self.shown
        ]


def active_between(zone: ZoneInfo, spans: Iterable[tuple[str, str]], day: date):
    """An `is_active` predicate for local "HH:MM" ranges on one day."""
    ranges = [
        (
            datetime.combine(day, time.fromisoformat(a), tzinfo=zone),
            datetime.combine(day, time.fromisoformat(b), tzinfo=zone),
        )
        for a, b in spans
    ]

    def is_active(now: datetime) -> bool:
        return any(a <= now < b for a, b in ranges)

    return is_active


def days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]
