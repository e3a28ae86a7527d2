"""Engine invariants under random weeks: hours, zones, activity and answers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from respite.core.engine import ActionError, Engine
from respite.core.events import EventKind
from respite.core.nudges import Nudge, NudgeKind
from respite.core.settings import AfterHours, Settings, TimeWindow, WorkHours
from tests.fakes import MemorySink, Simulation

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
RESPONSES = ["ignore", "start_break", "snooze", "skip", "done", "overtime", "pause", "win"]


@st.composite
def work_hours(draw: st.DrawFn) -> WorkHours:
    def window(start_h: int, length_h: int) -> TimeWindow:
        return TimeWindow(time(start_h), time((start_h + length_h) % 24))

    day = st.one_of(
        st.just(()),
        st.builds(lambda s, n: (window(s, n),), st.integers(0, 23), st.integers(1, 9)),
        st.just((window(9, 3), window(13, 4))),
    )
    days = draw(st.lists(day, min_size=7, max_size=7))
    # A window past midnight must end before the next day's first window starts.
    for index, windows in enumerate(days):
        following = days[(index + 1) % 7]
        last = windows[-1] if windows else None
        if last and last.crosses_midnight and following and following[0].start < last.end:
            days[index] = ()
    return WorkHours(days=tuple(days))


@st.composite
def scenarios(draw: st.DrawFn):
    zone = draw(st.sampled_from(ZONES))
    start = draw(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20)))
    # Alternating active and idle stretches, in minutes; idle spells may be sleeps.
    pattern = draw(
        st.lists(
            st.tuples(st.integers(1, 150), st.integers(0, 200), st.booleans()),
            min_size=1,
            max_size=12,
        )
    )
    answers = draw(st.lists(st.sampled_from(RESPONSES), min_size=1, max_size=30))
    policy = AfterHours(
        first_nudge_after_minutes=draw(st.integers(0, 30)),
        repeat_every_minutes=draw(st.integers(1, 60)),
        max_nudges=draw(st.integers(0, 4)),
    )
    return (
        zone,
        start,
        pattern,
        answers,
        Settings(work_hours=draw(work_hours()), after_hours=policy),
    )


def simulate(zone_name: str, start: datetime, pattern, answers, settings_: Settings):
    zone = ZoneInfo(zone_name)
    sim = Simulation(settings_, start.replace(tzinfo=zone), zone_name=zone_name)
    queue = list(answers)

    def respond(engine: Engine, nudge: Nudge) -> None:
        answer = queue.pop(0) if queue else "ignore"
        queue.append(answer)
        try:
            match answer:
                case "start_break" if nudge.kind.is_break:
                    engine.start_break()
                case "snooze":
                    engine.snooze(5)
                case "skip":
                    engine.skip_break()
                case "done":
                    engine.done_for_today()
                case "overtime":
                    engine.overtime(15)
                case "pause":
                    engine.pause(20)
                case "win":
                    engine.log_win("did a thing")
        except ActionError:
            pass  # e.g. snoozing while on a break: the engine refuses, nothing is logged

    for active, idle, sleeps in pattern:
        end = sim.clock.now() + timedelta(minutes=active)
        sim.run_until(end, lambda _: True, respond, step=60)
        if sleeps:
            sim.sleep_until(sim.clock.now() + timedelta(minutes=idle))
        else:
            sim.run_until(sim.clock.now() + timedelta(minutes=idle), lambda _: False, respond, 60)
    return sim


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_engine_invariants(scenario) -> None:
    zone_name, start, pattern, answers, settings_ = scenario
    sim = simulate(zone_name, start, pattern, answers, settings_)
    schedule = sim.engine.schedule
    events = sim.sink.events

    # Never a break nudge outside the shift, while paused or while on a break. A break
    # that ran its course ended at its planned end, one cut short before it.
    paused_until: datetime | None = None
    break_ends: datetime | None = None
    for event in events:
        if event.kind is EventKind.PAUSED:
            paused_until = datetime.fromisoformat(event.data["until"])
        elif event.kind is EventKind.RESUMED:
            assert not event.data["auto"] or event.at == paused_until, event  # when it ended
            paused_until = None
        elif event.kind is EventKind.BREAK_STARTED:
            break_ends = event.at + timedelta(seconds=event.data["planned_seconds"])
        elif event.kind is EventKind.BREAK_FINISHED:
            assert break_ends is not None, event
            completed = event.data["completed"]
            assert event.at == break_ends if completed else event.at < break_ends, event
            break_ends = None
        elif event.kind is EventKind.NUDGE and NudgeKind(event.data["kind"]).is_break:
            assert schedule.workday_at(event.at) is not None, event
            assert paused_until is None or event.at >= paused_until, event
            assert break_ends is None, event

    # Never more after-hours nudges in one evening (or day off) than allowed.
    per_period = Counter(
        e.data["period"]
        for e in events
        if e.kind is EventKind.NUDGE
        and e.data["kind"] in (NudgeKind.AFTER_HOURS, NudgeKind.DAY_OFF)
    )
    assert all(count <= settings_.after_hours.max_nudges for count in per_period.values())

    # Every nudge shown is logged exactly once, and nothing else is logged as one.
    logged = [(e.at, e.data["kind"], e.data.get("level", 0)) for e in events if e.kind == "nudge"]
    shown = [(s.nudge.at, s.nudge.kind.value, s.nudge.level) for s in sim.shown]
    assert logged == shown

    # Nothing runs backwards: events are logged in time order, but a pause that ran out
    # while the machine slept is logged as resumed when it ended.
    assert all(span.end >= span.start for span in sim.sink.spans)
    moments = [e.at for e in events if not (e.kind is EventKind.RESUMED and e.data["auto"])]
    assert moments == sorted(moments)

    # The log alone rebuilds the engine's state.
    sim.engine.flush()
    rebuilt = Engine(
        settings_,
        sim.clock,
        MemorySink(),
        zone=lambda: ZoneInfo(zone_name),
        past_events=events,
        past_spans=sim.sink.spans,
    )
    now = sim.clock.now()
    rebuilt.state.prune(now)
    sim.engine.state.prune(now)
    assert rebuilt.state == sim.engine.state
