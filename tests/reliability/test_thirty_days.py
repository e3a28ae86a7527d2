"""Thirty simulated days of use with the fake clock, through the real SQLite log.

A London office worker (Mon–Fri, 09:00–12:30 and 13:15–17:30, every break taken, "done
for today" at the end-of-day nudge, a lunch reminder) through the spring DST change, a
suspend, a week in New York and a wall-clock jump backwards. Checkpoints: each plain
workday shows exactly the same nudges at the same local times, weekends show none, no
nudge while suspended, and the log holds exactly what was shown. Python memory
(tracemalloc) stays flat from day 2 to day 30.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from respite.core.engine import Engine
from respite.core.events import EventKind
from respite.core.nudges import Nudge, NudgeKind
from respite.core.settings import Reminder, Settings
from respite.storage.db import EventLog
from tests.fakes import Simulation, active_between

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
START = date(2027, 3, 15)  # a Monday; UK clocks go forward on Sunday 28 March
DAYS = 30
SUSPEND_DAY = date(2027, 3, 19)  # Friday: the laptop sleeps 14:00–15:30
NEW_YORK_DAYS = {date(2027, 3, 30), date(2027, 3, 31), date(2027, 4, 1)}
JUMP_BACK_DAY = date(2027, 4, 6)  # Tuesday: at 11:00 the wall clock is set back 20 min
SPANS = [("09:00", "12:30"), ("13:15", "17:30")]
MEMORY_GROWTH_LIMIT = 200 * 1024


def local(day: date, hhmm: str, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)


def shape(sim: Simulation, day: date) -> list[str]:
    return [
        f"{s.at.astimezone(sim.zone):%H:%M} {s.nudge.kind.value}"
        for s in sim.shown
        if s.at.astimezone(sim.zone).date() == day
    ]


def respond(sim: Simulation) -> Callable[[Engine, Nudge], None]:
    def answer(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind.is_break:
            engine.start_break()
            sim.away_until = engine.status().break_ends_at
        elif nudge.kind is NudgeKind.END_OF_DAY:
            engine.done_for_today()

    return answer


def live_python_bytes(skip: tuple[str, ...]) -> int:
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, pattern) for pattern in skip]
    )
    return sum(stat.size for stat in snapshot.statistics("filename"))


PLAIN_DAY = [
    "09:30 short_break", "10:02 short_break", "10:34 short_break", "11:06 long_break",
    "11:46 short_break", "12:18 short_break", "12:30 reminder", "13:45 short_break",
    "14:17 short_break", "14:49 short_break", "15:21 long_break", "16:01 short_break",
    "16:33 short_break", "17:05 short_break", "17:15 wind_down", "17:30 end_of_day",
]  # fmt: skip
# 90 minutes asleep count as the long break: the next short one is 30 active minutes on.
SUSPEND_DAY_SHAPE = [*PLAIN_DAY[:8], "16:00 short_break", "16:32 short_break",
                     "17:04 short_break", "17:15 wind_down", "17:30 end_of_day"]  # fmt: skip
BACK_FROM_NEW_YORK = date(2027, 4, 2)


@dataclass
class Month:
    shapes: dict[date, list[str]]
    memory: dict[int, int]
    nudge_events: list[tuple[str, datetime]]


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    tmp_path = tmp_path_factory.mktemp("month")
    settings = Settings(reminders=(Reminder("Lunch", "30 12 * * mon-fri", "Eat something."),))
    sim = Simulation(settings, local(START, "07:00", LONDON))
    event_log, notices = EventLog.open(
        tmp_path / "respite.sqlite3", now=sim.clock.now(), zone=lambda: sim.zone
    )
    assert notices == []
    sim.engine = Engine(settings, sim.clock, event_log, zone=lambda: sim.zone)
    answer = respond(sim)
    shapes: dict[date, list[str]] = {}
    memory: dict[int, int] = {}
    skip = (__file__, "*/tests/fakes.py", tracemalloc.__file__)
    tracemalloc.start()
    try:
        for index in range(DAYS):
            day = START + timedelta(index)
            sim.zone = NEW_YORK if day in NEW_YORK_DAYS else LONDON
            if day == min(NEW_YORK_DAYS):  # the flight: the machine is off, then 07:00 NY
                sim.sleep_until(local(day, "07:00", NEW_YORK))
            weekday = day.weekday() < 5
            active = active_between(sim.zone, SPANS if weekday else [], day)
            end = local(day + timedelta(1), "07:00", sim.zone)
            if day == SUSPEND_DAY:
                sim.run_until(local(day, "14:00", sim.zone), active, answer)
                sim.sleep_until(local(day, "15:30", sim.zone))
            if day == JUMP_BACK_DAY:
                sim.run_until(local(day, "11:00", sim.zone), active, answer)
                sim.clock.set(local(day, "10:40", sim.zone))
            if day in NEW_YORK_DAYS:  # stop at 23:00 there; the next day's zone takes over
                end = local(day, "23:00", sim.zone)
            sim.run_until(end, active, answer)
            shapes[day] = shape(sim, day)
            sim.shown.clear()
            if index in (1, DAYS - 1):
                memory[index] = live_python_bytes(skip)
    finally:
        tracemalloc.stop()
        events, _ = event_log.recent(datetime(2000, 1, 1, tzinfo=UTC))
        event_log.close()
    nudges = [(str(e.data["kind"]), e.at) for e in events if e.kind is EventKind.NUDGE]
    return Month(shapes, memory, nudges)


pytestmark = pytest.mark.slow


def test_every_plain_workday_is_the_same_day_dst_new_york_and_clock_jump_included(
    month: Month,
) -> None:
    plain = [
        d for d in month.shapes if d.weekday() < 5 and d not in {SUSPEND_DAY, BACK_FROM_NEW_YORK}
    ]
    assert len(plain) == 20
    assert date(2027, 3, 29) in plain  # the first workday in summer time
    assert set(plain) >= NEW_YORK_DAYS  # local times in New York
    assert JUMP_BACK_DAY in plain  # 11:00 set back to 10:40: nothing twice
    for day in plain:
        assert month.shapes[day] == PLAIN_DAY, day


def test_weekends_are_quiet_and_a_suspend_counts_as_the_long_break(month: Month) -> None:
    for day, shown in month.shapes.items():
        if day.weekday() >= 5:
            assert shown == [], day
    assert month.shapes[SUSPEND_DAY] == SUSPEND_DAY_SHAPE


def test_the_log_holds_exactly_what_was_shown(month: Month) -> None:
    assert len(month.nudge_events) == sum(len(s) for s in month.shapes.values())
    assert len(set(month.nudge_events)) == len(month.nudge_events), "a nudge recorded twice"


def test_python_memory_is_flat_from_day_2_to_day_30(month: Month) -> None:
    growth = month.memory[DAYS - 1] - month.memory[1]
    assert growth < MEMORY_GROWTH_LIMIT, f"{growth / 1024:.0f} KiB"


def test_the_first_day_back_from_new_york_is_a_plain_day(month: Month) -> None:
    assert month.shapes[BACK_FROM_NEW_YORK] == PLAIN_DAY
