"""What the engine makes of a log it can't take at its word: rows whose data it can't
use, and state dated "in the future" by a clock that ran fast and was then set right."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.engine import Engine, Phase
from respite.core.events import Event, EventKind, iso
from respite.core.history import summarize_day
from respite.core.schedule import WorkSchedule
from respite.core.settings import Settings
from tests.fakes import MemorySink, Simulation

LONDON = ZoneInfo("Europe/London")  # GMT in November: local time is UTC
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(1)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def always(_: datetime) -> bool:
    return True


def never(_: datetime) -> bool:
    return False


def restart(sim: Simulation) -> Engine:
    """Respite started again on the simulation's log, as the runtime does."""
    sim.engine.flush()
    sim.engine = Engine(
        sim.settings, sim.clock, sim.sink, zone=lambda: LONDON,
        past_events=list(sim.sink.events), past_spans=sim.sink.spans,
    )  # fmt: skip
    return sim.engine


def logged(sim: Simulation, kind: EventKind) -> list[tuple[datetime, dict[str, Any]]]:
    return [(e.at, e.data) for e in sim.sink.events if e.kind is kind]


# ----- rows whose data can't be used ---------------------------------------------------

BAD_AT = at(MONDAY, "09:15")
IN_A_BIT = iso(at(MONDAY, "10:00"))
# Shapes a damaged or hand-edited row really takes; each one stopped every start before.
BAD_ROWS = [
    pytest.param(EventKind.BREAK_STARTED, {}, id="break-with-no-data"),
    pytest.param(
        EventKind.BREAK_STARTED, {"kind": "short", "planned_seconds": "2 min"}, id="not-a-number"
    ),
    pytest.param(
        EventKind.BREAK_STARTED, {"kind": "long", "planned_seconds": 1e300}, id="huge-seconds"
    ),
    pytest.param(EventKind.BREAK_SNOOZED, {"kind": "short", "minutes": 10**12}, id="huge-minutes"),
    pytest.param(EventKind.BREAK_SNOOZED, {"kind": "short", "minutes": None}, id="null-minutes"),
    pytest.param(EventKind.PAUSED, {"until": "tomorrow morning"}, id="date-that-doesnt-parse"),
    pytest.param(EventKind.PAUSED, {"until": "2026-11-23T10:00:00"}, id="date-without-zone"),
    pytest.param(EventKind.PAUSED, {"until": 1764000000}, id="date-as-a-number"),
    pytest.param(
        EventKind.DONE_FOR_TODAY, {"until": IN_A_BIT, "work_day": "Monday"}, id="bad-work-day"
    ),
    pytest.param(
        EventKind.DONE_FOR_TODAY, {"until": IN_A_BIT, "work_day": "9999-12-31"}, id="far-work-day"
    ),
    pytest.param(EventKind.NUDGE, {"kind": "short_break"}, id="nudge-without-level"),
    pytest.param(EventKind.NUDGE, {"kind": "coffee_break", "level": 0}, id="unknown-nudge"),
    pytest.param(
        EventKind.NUDGE,
        {"kind": "after_hours", "period": IN_A_BIT, "active_seconds": "NaN"},
        id="not-a-finite-number",
    ),
    pytest.param(
        EventKind.NUDGE,
        {"kind": "reminder", "name": "Water", "scheduled": "9999-12-31T23:59:59+00:00"},
        id="far-reminder-time",
    ),
    pytest.param(
        EventKind.NATURAL_BREAK, {"kind": "short", "start": IN_A_BIT, "end": 42}, id="natural"
    ),
    pytest.param(EventKind.SLEEP, {"start": "yesterday", "end": IN_A_BIT}, id="sleep"),
    pytest.param(EventKind.CALENDAR_DAY_OFF, {"day": "Christmas", "off": True}, id="day-off"),
    pytest.param(EventKind.OVERTIME, {"minutes": 30}, id="overtime-without-until"),
    pytest.param(EventKind.RESUMED, {"supersedes": "the pause"}, id="bad-supersedes"),
]
# Good events around the bad one: a long break 09:00-09:10, then a pause 09:20-09:50.
GOOD_BEFORE = [
    Event(EventKind.BREAK_STARTED, at(MONDAY, "09:00"), {"kind": "long", "planned_seconds": 600}),
    Event(
        EventKind.BREAK_FINISHED,
        at(MONDAY, "09:10"),
        {"kind": "long", "seconds": 600, "completed": True},
    ),
]
GOOD_AFTER = [Event(EventKind.PAUSED, at(MONDAY, "09:20"), {"until": iso(at(MONDAY, "09:50"))})]


def restored(clock: FakeClock, events: list[Event], sink: MemorySink | None = None) -> Engine:
    sink = MemorySink() if sink is None else sink
    return Engine(Settings(), clock, sink, zone=lambda: LONDON, past_events=events)


@pytest.mark.parametrize(("kind", "data"), BAD_ROWS)
def test_a_row_whose_data_cant_be_used_is_skipped_and_the_rest_restored(
    kind: EventKind, data: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    bad = Event(kind, BAD_AT, data)
    clock = FakeClock(at(MONDAY, "09:30"))
    with caplog.at_level(logging.WARNING, logger="respite.core.engine"):
        engine = restored(clock, [*GOOD_BEFORE, bad, *GOOD_AFTER])

    # Skipped as a whole (nothing half-applied), and said so once, by kind and time.
    assert engine.state == restored(clock, [*GOOD_BEFORE, *GOOD_AFTER]).state
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert kind.value in warnings[0] and iso(BAD_AT) in warnings[0]
    # The good events around it took effect: the break reset the count, the pause holds.
    assert engine.state.long_reset_at == at(MONDAY, "09:10")
    status = engine.status()
    assert status.phase is Phase.PAUSED
    assert status.paused_until == at(MONDAY, "09:50")

    # And the engine runs on as usual: the pause ends by itself at 09:50, and the short
    # break is due 30 active minutes after the work began at 09:30.
    sim = Simulation(Settings(), clock.now())
    sim.engine = restored(sim.clock, [*GOOD_BEFORE, bad, *GOOD_AFTER], sim.sink)
    sim.run_until(at(MONDAY, "10:01"), always)
    assert sim.shown_local() == ["Mon 10:00 short_break"]
    assert logged(sim, EventKind.RESUMED) == [(at(MONDAY, "09:50"), {"auto": True})]


def test_the_warning_for_a_skipped_row_never_shows_its_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # float("my diary: …") would put the text in its message.
    bad = Event(EventKind.BREAK_STARTED, BAD_AT, {"kind": "short", "planned_seconds": "my diary"})
    with caplog.at_level(logging.DEBUG):
        restored(FakeClock(at(MONDAY, "09:30")), [bad])
    assert "skipping" in caplog.text and "my diary" not in caplog.text


def test_an_event_dated_over_a_year_ahead_is_skipped_not_trusted() -> None:
    far = datetime(9000, 1, 1, tzinfo=LONDON)
    paused = Event(EventKind.PAUSED, far, {"until": iso(far + timedelta(minutes=30))})
    engine = restored(FakeClock(at(MONDAY, "09:30")), [paused])
    assert engine.state.pause is None
    assert engine.status().phase is Phase.WORKING


def test_restoring_a_bad_row_writes_nothing() -> None:
    sink = MemorySink()
    restored(FakeClock(at(MONDAY, "09:30")), [Event(EventKind.BREAK_STARTED, BAD_AT, {})], sink)
    assert sink.events == []  # the log keeps the row; nothing is added or taken back


# ----- state said "in the future" --------------------------------------------------------
# The clock runs 3 hours fast (13:00 for 10:00), something is said, and the clock is set
# right: either before a restart (a dual-boot machine at boot) or while Respite runs.

FAST = at(MONDAY, "13:00")
RIGHT = at(MONDAY, "10:00")


def said_ahead(action: str) -> Simulation:
    """A simulation whose clock is 3 hours fast when `action` is taken, at 13:00."""
    sim = Simulation(Settings(), FAST - timedelta(minutes=1))
    sim.run_until(FAST, always)
    match action:
        case "break":
            sim.engine.start_break("short")  # 2 minutes
        case "pause":
            sim.engine.pause(30)
        case "snooze":
            sim.engine.snooze(10)
    return sim


def set_right(sim: Simulation, when: str, moment: datetime = RIGHT) -> Engine:
    """The clock is set back to `moment`, then a restart or the next sample sees it; the
    user is at the keyboard then (idle time doesn't follow the wall clock)."""
    sim.clock.set(moment)
    sim.last_input = moment
    if when == "restart":
        return restart(sim)
    sim.engine.observe(0)
    return sim.engine


WHEN = pytest.mark.parametrize("when", ["restart", "running"])


@WHEN
def test_a_break_said_ahead_lasts_its_own_length_from_now(when: str) -> None:
    sim = said_ahead("break")
    engine = set_right(sim, when)
    status = engine.status()
    assert status.phase is Phase.ON_BREAK
    assert status.break_ends_at == RIGHT + timedelta(minutes=2)  # not 13:02

    sim.run_until(RIGHT + timedelta(minutes=3), never)
    done = {"kind": "short", "seconds": 120, "completed": True}
    ended = {**done, "supersedes": {"break_started": iso(FAST)}}
    assert logged(sim, EventKind.BREAK_FINISHED) == [(RIGHT + timedelta(minutes=2), ended)]
    assert sim.engine.status().phase is Phase.WORKING

    # A restart folds the log by time, meeting the end before the start: still over.
    restart(sim).reconcile()
    assert sim.engine.status().phase is Phase.WORKING
    assert Counter(sim.sink.kinds())[EventKind.BREAK_FINISHED] == 1
    # The break resets the count from its end now, not from 13:00: the next one is due
    # after 30 active minutes, and the day's history counts the break once.
    sim.run_until(RIGHT + timedelta(minutes=34), always)
    assert sim.shown_local() == ["Mon 10:33 short_break"]
    schedule = WorkSchedule(sim.settings.work_hours, LONDON)
    day = summarize_day(
        MONDAY, schedule, sim.settings, sim.sink.events, sim.sink.spans, sim.clock.now()
    )
    assert day.breaks_taken == 1


@WHEN
def test_a_timed_pause_said_ahead_lasts_its_own_length_from_now(when: str) -> None:
    sim = said_ahead("pause")
    engine = set_right(sim, when)
    assert engine.status().phase is Phase.PAUSED
    assert engine.status().paused_until == RIGHT + timedelta(minutes=30)  # not 13:30

    sim.run_until(RIGHT + timedelta(minutes=31), never)
    resumed = {"auto": True, "supersedes": {"paused": iso(FAST)}}
    assert logged(sim, EventKind.RESUMED) == [(RIGHT + timedelta(minutes=30), resumed)]
    restart(sim).reconcile()
    assert sim.engine.status().phase is not Phase.PAUSED
    assert Counter(sim.sink.kinds())[EventKind.RESUMED] == 1


@WHEN
def test_a_pause_said_ahead_and_ended_by_hand_stays_ended(when: str) -> None:
    sim = said_ahead("pause")
    set_right(sim, when).resume()
    restart(sim).reconcile()
    assert sim.engine.status().phase is not Phase.PAUSED
    assert [data for _, data in logged(sim, EventKind.RESUMED)] == [
        {"auto": False, "supersedes": {"paused": iso(FAST)}}
    ]


@WHEN
def test_a_snooze_said_ahead_lasts_its_own_length_from_now(when: str) -> None:
    sim = said_ahead("snooze")
    engine = set_right(sim, when)
    assert engine.status().snoozed_until == RIGHT + timedelta(minutes=10)  # not 13:10
    assert engine.status().held_because == "snoozed"

    # The break comes again once 30 minutes of work since 10:00 are done; that ends the
    # snooze for a restart too, which would otherwise hold breaks for 10 more minutes.
    sim.run_until(RIGHT + timedelta(minutes=31), always)
    assert sim.shown_local()[-1] == "Mon 10:30 short_break"
    nudge = logged(sim, EventKind.NUDGE)[-1][1]
    assert nudge["supersedes"] == {"break_snoozed": iso(FAST)}
    restart(sim).reconcile()
    assert sim.engine.state.snoozed_until is None
    assert sim.engine.status().held_because is None


def test_a_snooze_said_ahead_is_ended_by_the_break_taken() -> None:
    sim = said_ahead("snooze")
    set_right(sim, "restart").start_break()
    started = logged(sim, EventKind.BREAK_STARTED)[-1][1]
    assert started["supersedes"] == {"break_snoozed": iso(FAST)}
    restart(sim)
    assert sim.engine.status().snoozed_until is None
    assert sim.engine.status().phase is Phase.ON_BREAK


@WHEN
def test_a_break_nudge_sent_ahead_doesnt_hold_the_next_one_back(when: str) -> None:
    sim = Simulation(Settings(), FAST - timedelta(minutes=30))
    sim.run_until(FAST + timedelta(seconds=30), always)
    assert sim.shown_local() == ["Mon 13:00 short_break"]
    set_right(sim, when)
    # Work "from the future" is set aside, so the break is due again after 30 minutes;
    # it comes then, as the unanswered nudge's reminder, not after 13:05.
    sim.run_until(RIGHT + timedelta(minutes=31), always)
    assert sim.shown_local()[1:] == ["Mon 10:30 short_break L1"]


@WHEN
@pytest.mark.parametrize(
    ("said", "right", "until"),
    [
        # Said at 17:00 on Monday, at 14:00 in fact: still until Tuesday's shift (not
        # "16 hours from now").
        pytest.param(at(MONDAY, "17:00"), at(MONDAY, "14:00"), at(TUESDAY, "09:00"), id="today"),
        # Said in Tuesday's shift, late on Monday in fact (a clock 10 hours fast): the
        # user's tomorrow is Tuesday, not Wednesday.
        pytest.param(
            at(TUESDAY, "09:30"), at(MONDAY, "23:30"), at(TUESDAY, "09:00"), id="another-day"
        ),
    ],
)
def test_a_pause_until_tomorrow_said_ahead_keeps_its_meaning(
    when: str, said: datetime, right: datetime, until: datetime
) -> None:
    sim = Simulation(Settings(), said)
    sim.engine.observe(0)
    sim.engine.pause(until_tomorrow=True)
    engine = set_right(sim, when, right)
    assert engine.status().phase is Phase.PAUSED
    assert engine.status().paused_until == until


@WHEN
@pytest.mark.parametrize(
    ("said", "right", "counts"),
    [
        pytest.param(at(MONDAY, "17:00"), at(MONDAY, "14:00"), True, id="today"),
        pytest.param(at(TUESDAY, "10:00"), at(MONDAY, "23:30"), False, id="another-day"),
    ],
)
def test_done_for_today_said_ahead_counts_only_for_today(
    when: str, said: datetime, right: datetime, counts: bool
) -> None:
    sim = Simulation(Settings(), said)
    sim.engine.observe(0)
    sim.engine.done_for_today()
    engine = set_right(sim, when, right)
    status = engine.status()
    assert status.done_for_today is counts
    if counts:  # from now until the next shift, as said
        assert engine.off_period(right) is not None
        assert status.phase is Phase.OFF_HOURS
    # Tuesday's shift, when it comes, is a plain working day either way.
    sim.run_until(at(TUESDAY, "09:31"), lambda now: now >= at(TUESDAY, "09:00"))
    assert sim.engine.status().done_for_today is False
    assert "Tue 09:30 short_break" in sim.shown_local()


def test_nothing_is_ahead_when_the_clock_is_right() -> None:
    # The usual restart: nothing moved, nothing extra in the log.
    sim = Simulation(Settings(), RIGHT)
    sim.run_until(RIGHT + timedelta(minutes=1), always)
    sim.engine.pause(30)
    before = sim.engine.state.pause
    restart(sim)
    assert sim.engine.state.pause == before
    sim.run_until(RIGHT + timedelta(minutes=32), always)
    assert all("supersedes" not in e.data for e in sim.sink.events)


def test_a_second_jump_back_keeps_naming_the_time_the_log_gives() -> None:
    sim = said_ahead("break")
    set_right(sim, "running", RIGHT + timedelta(minutes=1))
    set_right(sim, "running", RIGHT)
    sim.run_until(RIGHT + timedelta(minutes=3), never)
    finished = logged(sim, EventKind.BREAK_FINISHED)
    assert [data["supersedes"] for _, data in finished] == [{"break_started": iso(FAST)}]
