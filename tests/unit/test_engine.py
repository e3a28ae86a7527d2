"""The break and boundary engine, stepped through time with a fake clock."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.engine import ActionError, Engine, Phase
from respite.core.events import Event, EventKind, iso
from respite.core.nudges import Nudge, NudgeKind
from respite.core.settings import (
    AfterHours,
    Breaks,
    Reminder,
    Settings,
    Snooze,
    TimeWindow,
    WorkHours,
)
from respite.core.status_text import status_line
from tests.fakes import MemorySink, Simulation, active_between

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)


def at(day: date, hhmm: str, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=zone)


def always(_: datetime) -> bool:
    return True


def never(_: datetime) -> bool:
    return False


def take_break(sim: Simulation):
    def respond(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind.is_break:
            engine.start_break()
            sim.away_until = engine.status().break_ends_at

    return respond


def every_day(*windows: str) -> WorkHours:
    parsed = tuple(
        TimeWindow(time.fromisoformat(w.split("-")[0]), time.fromisoformat(w.split("-")[1]))
        for w in windows
    )
    return WorkHours(days=(parsed,) * 7)


# ----- a realistic week ---------------------------------------------------------------


def run_week() -> Simulation:
    """Mon–Sun of a realistic user in London (GMT in November, so local = UTC)."""
    settings = Settings(
        why="Dinner with Sam at seven.",
        reminders=(Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),),
    )
    sim = Simulation(settings, at(MONDAY, "08:00"))
    day = MONDAY
    takes = take_break(sim)

    # Monday: takes every break, says "done for today" at the end-of-day nudge.
    def monday(engine: Engine, nudge: Nudge) -> None:
        takes(engine, nudge)
        if nudge.kind is NudgeKind.END_OF_DAY:
            engine.done_for_today()

    sim.run_until(
        at(day + timedelta(1), "08:00"),
        active_between(LONDON, [("08:55", "12:40"), ("13:20", "17:40")], day),
        monday,
    )

    # Tuesday: snoozes the first break once, then takes them; a late evening.
    day += timedelta(1)
    snoozed: list[bool] = []

    def tuesday(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind.is_break and not snoozed:
            snoozed.append(True)
            engine.snooze(5)
        else:
            takes(engine, nudge)

    sim.run_until(
        at(day + timedelta(1), "08:00"),
        active_between(LONDON, [("09:00", "12:30"), ("13:15", "17:30"), ("20:00", "22:30")], day),
        tuesday,
    )

    # Wednesday: skips every break, works through lunch; the laptop sleeps at 16:00.
    day += timedelta(1)

    def skips(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind.is_break:
            engine.skip_break()

    sim.run_until(at(day, "16:00"), active_between(LONDON, [("09:00", "16:00")], day), skips)
    sim.sleep_until(at(day + timedelta(1), "08:50"))

    # Thursday: logs a win at the wind-down nudge and leaves at 17:20.
    day += timedelta(1)

    def thursday(engine: Engine, nudge: Nudge) -> None:
        takes(engine, nudge)
        if nudge.kind is NudgeKind.WIND_DOWN:
            engine.log_win("Fixed the flaky build")

    sim.run_until(
        at(day + timedelta(1), "08:00"),
        active_between(LONDON, [("08:50", "12:30"), ("13:30", "17:20")], day),
        thursday,
    )

    # Friday: done for today at 15:00, keeps going, asks for 30 more minutes.
    day += timedelta(1)

    def friday(engine: Engine, nudge: Nudge) -> None:
        takes(engine, nudge)
        if nudge.kind is NudgeKind.AFTER_HOURS:
            engine.perform("overtime:30")

    friday_activity = active_between(LONDON, [("09:00", "15:20")], day)
    sim.run_until(at(day, "15:00"), friday_activity, friday)
    sim.engine.done_for_today()
    sim.run_until(at(day + timedelta(1), "08:00"), friday_activity, friday)

    # Saturday: a little work on a day off. Sunday: nothing.
    day += timedelta(1)
    sim.run_until(
        at(day + timedelta(2), "08:00"), active_between(LONDON, [("10:00", "10:45")], day)
    )
    return sim


WEEK_NUDGES = [
    # Monday: 30 min of active time between short breaks, a long one every 2 h of
    # active time (breaks themselves don't count), lunch 12:40-13:20 is a natural break.
    "Mon 09:25 short_break", "Mon 09:57 short_break", "Mon 10:29 short_break",
    "Mon 11:01 long_break", "Mon 11:41 short_break", "Mon 12:13 short_break",
    "Mon 12:30 reminder",
    "Mon 13:50 short_break", "Mon 14:22 short_break", "Mon 14:54 short_break",
    "Mon 15:26 long_break", "Mon 16:06 short_break", "Mon 16:38 short_break",
    "Mon 17:10 short_break", "Mon 17:15 wind_down", "Mon 17:30 end_of_day",
    # Tuesday: the snoozed break comes back 5 min later; three after-hours nudges at
    # most (10 min into the evening's activity, then every 30 min of activity).
    "Tue 09:30 short_break", "Tue 09:35 short_break", "Tue 10:07 short_break",
    "Tue 10:39 short_break", "Tue 11:06 long_break", "Tue 11:46 short_break",
    "Tue 12:18 short_break", "Tue 12:30 reminder",
    "Tue 13:45 short_break", "Tue 14:17 short_break", "Tue 14:49 short_break",
    "Tue 15:21 long_break", "Tue 16:01 short_break", "Tue 16:33 short_break",
    "Tue 17:05 short_break", "Tue 17:15 wind_down", "Tue 17:30 end_of_day",
    "Tue 20:10 after_hours", "Tue 20:40 after_hours", "Tue 21:10 after_hours",
    # Wednesday: skipped breaks reset the count; working through lunch still gets
    # breaks; asleep at the end of the day, so no end-of-day nudge, ever.
    "Wed 09:30 short_break", "Wed 10:00 short_break", "Wed 10:30 short_break",
    "Wed 11:00 long_break", "Wed 11:30 short_break", "Wed 12:00 short_break",
    "Wed 12:30 reminder", "Wed 12:30 short_break", "Wed 13:00 long_break",
    "Wed 13:30 short_break", "Wed 14:00 short_break", "Wed 14:30 short_break",
    "Wed 15:00 long_break", "Wed 15:30 short_break",
    # Thursday: gone at 17:20, so no end-of-day nudge to an empty chair.
    "Thu 09:20 short_break", "Thu 09:52 short_break", "Thu 10:24 short_break",
    "Thu 10:56 long_break", "Thu 11:36 short_break", "Thu 12:08 short_break",
    "Thu 12:30 reminder",
    "Thu 14:00 short_break", "Thu 14:32 short_break", "Thu 15:04 short_break",
    "Thu 15:36 long_break", "Thu 16:16 short_break", "Thu 16:48 short_break",
    "Thu 17:15 wind_down",
    # Friday: after "done" at 15:00 the next 10 active minutes earn one gentle nudge;
    # the 30 minutes asked for cover the rest.
    "Fri 09:30 short_break", "Fri 10:02 short_break", "Fri 10:34 short_break",
    "Fri 11:06 long_break", "Fri 11:46 short_break", "Fri 12:18 short_break",
    "Fri 12:30 reminder", "Fri 12:50 short_break", "Fri 13:22 long_break",
    "Fri 14:02 short_break", "Fri 14:34 short_break", "Fri 15:10 after_hours",
    # Saturday: day off; 10 active minutes, then 30 more.
    "Sat 10:10 day_off", "Sat 10:40 day_off",
]  # fmt: skip


def test_a_simulated_week_gives_the_exact_nudges() -> None:
    sim = run_week()
    assert sim.shown_local() == WEEK_NUDGES


def test_a_simulated_week_leaves_the_exact_log() -> None:
    sim = run_week()
    counts = Counter(e.kind for e in sim.sink.events)
    breaks_nudged = sum(1 for line in WEEK_NUDGES if "_break" in line)
    assert counts[EventKind.NUDGE] == len(WEEK_NUDGES)
    assert counts[EventKind.BREAK_SKIPPED] == 13  # every Wednesday break
    assert counts[EventKind.BREAK_SNOOZED] == 1
    assert counts[EventKind.BREAK_STARTED] == counts[EventKind.BREAK_FINISHED]
    # Every break nudge was answered: taken, snoozed or skipped.
    assert breaks_nudged == counts[EventKind.BREAK_STARTED] + 1 + 13
    assert counts[EventKind.WIN] == 1
    assert counts[EventKind.DONE_FOR_TODAY] == 2
    assert counts[EventKind.OVERTIME] == 1
    assert counts[EventKind.BREAK_MISSED] == 0

    local = [
        (e.at.astimezone(LONDON).strftime("%a %H:%M"), e.data.get("kind"))
        for e in sim.sink.events
        if e.kind is EventKind.NATURAL_BREAK
    ]
    # Lunches and nights; the suspended night too.
    assert local == [
        ("Mon 13:20", "long"), ("Tue 09:00", "long"), ("Tue 13:15", "long"),
        ("Tue 20:00", "long"), ("Wed 09:00", "long"), ("Thu 08:50", "long"),
        ("Thu 13:30", "long"), ("Fri 09:00", "long"), ("Sat 10:00", "long"),
    ]  # fmt: skip
    sleep = [e for e in sim.sink.events if e.kind is EventKind.SLEEP]
    assert len(sleep) == 1
    assert sleep[0].data["start"] == "2026-11-25T15:59:30+00:00"
    assert sleep[0].data["end"] == "2026-11-26T08:50:00+00:00"
    done = [e.data["until"] for e in sim.sink.events if e.kind is EventKind.DONE_FOR_TODAY]
    # Done on Friday lasts until Monday's first window.
    assert done == ["2026-11-24T09:00:00+00:00", "2026-11-30T09:00:00+00:00"]
    # Every event carries London's offset (zero in November).
    assert {e.utc_offset_minutes for e in sim.sink.events} == {0}
    # The clock never ran ahead, so no event names state said "in the future" it ended.
    assert not any("supersedes" in e.data for e in sim.sink.events)


def test_replaying_the_log_rebuilds_the_same_state() -> None:
    sim = run_week()
    sim.engine.flush()
    rebuilt = Engine(
        sim.settings,
        sim.clock,
        MemorySink(),
        zone=lambda: LONDON,
        past_events=sim.sink.events,
        past_spans=sim.sink.spans,
    )
    rebuilt.state.prune(sim.clock.now())
    sim.engine.state.prune(sim.clock.now())
    assert rebuilt.state == sim.engine.state
    assert rebuilt.status() == sim.engine.status()


# ----- restarts, sleep and stale nudges ----------------------------------------------


def test_a_restart_mid_day_neither_repeats_nor_forgets() -> None:
    sim = Simulation(Settings(), at(MONDAY, "16:00"))
    activity = active_between(LONDON, [("16:00", "18:00")], MONDAY)
    sim.run_until(at(MONDAY, "17:20"), activity)
    assert sim.shown_local()[-2:] == ["Mon 17:15 wind_down", "Mon 17:15 short_break"]
    sim.engine.flush()
    # The app is restarted from its log at 17:20.
    restarted = Engine(
        sim.settings, sim.clock, sim.sink, zone=lambda: LONDON,
        past_events=list(sim.sink.events), past_spans=sim.sink.spans,
    )  # fmt: skip
    sim.engine = restarted
    sim.run_until(at(MONDAY, "17:45"), activity)
    assert sim.shown_local() == [
        "Mon 16:30 short_break",
        "Mon 16:35 short_break L1",
        "Mon 16:40 short_break L2",
        # 16:45: still unanswered, so logged as ignored and counted afresh.
        "Mon 17:15 wind_down",
        "Mon 17:15 short_break",
        # Restarted at 17:20: the nudge comes back at the next level, not from scratch.
        "Mon 17:20 short_break L1",
        "Mon 17:25 short_break L2",
        "Mon 17:30 end_of_day",
        "Mon 17:40 after_hours",
    ]
    missed = [e.data for e in sim.sink.events if e.kind is EventKind.BREAK_MISSED]
    assert missed == [{"kind": "short", "reason": "ignored"}]


def test_waking_hours_after_the_end_of_day_shows_nothing_stale() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "16:00"), always, take_break(sim))
    shown_before = len(sim.shown)
    sim.sleep_until(at(MONDAY, "21:00"))
    sim.run_until(at(MONDAY, "21:05"), always)
    new = sim.shown_local()[shown_before:]
    assert new == []  # no wind-down, no end of day, not yet 10 after-hours minutes
    assert sim.sink.kinds().count(EventKind.SLEEP) == 1
    assert sim.engine.status().phase is Phase.OFF_HOURS


def test_waking_just_after_the_end_of_day_still_says_goodbye() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "17:00"), always, take_break(sim))
    sim.sleep_until(at(MONDAY, "17:40"))
    sim.run_until(at(MONDAY, "17:41"), always)
    assert sim.shown_local()[-1] == "Mon 17:40 end_of_day"
    assert "wind_down" not in sim.shown_local()[-2]  # 17:15 was missed for good


def test_the_end_of_day_nudge_waits_for_a_brief_absence() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    activity = active_between(LONDON, [("09:00", "17:25"), ("17:33", "17:35")], MONDAY)
    sim.run_until(at(MONDAY, "17:36"), activity, take_break(sim))
    assert sim.shown_local()[-1] == "Mon 17:33 end_of_day"


# ----- breaks --------------------------------------------------------------------------


def test_an_idle_spell_as_long_as_a_break_counts_as_a_natural_break() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    activity = active_between(LONDON, [("09:00", "09:20"), ("09:23", "09:50")], MONDAY)
    sim.run_until(at(MONDAY, "09:50"), activity)
    natural = [e.data for e in sim.sink.events if e.kind is EventKind.NATURAL_BREAK]
    assert natural == [
        {
            "kind": "short",
            "start": "2026-11-23T09:19:30+00:00",
            "end": "2026-11-23T09:23:00+00:00",
            "seconds": 210,
        }
    ]
    # The 20 minutes before it no longer count: the next break is due at 09:53.
    assert sim.shown == []
    assert sim.engine.status().next_break_in == pytest.approx(30 * 60 - (27 * 60 - 30), abs=1)


def test_a_short_idle_spell_is_not_a_break_and_not_active_time() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    activity = active_between(LONDON, [("09:00", "09:10"), ("09:11", "09:31")], MONDAY)
    sim.run_until(at(MONDAY, "09:31"), activity)
    assert EventKind.NATURAL_BREAK not in sim.sink.kinds()
    # 9.5 + 19.5 minutes of input (a span ends at the last input seen): not yet due.
    assert sim.shown == []
    assert sim.engine.status().next_break_in == 60
    sim.run_until(at(MONDAY, "09:35"), always)
    assert [s.at for s in sim.shown] == [at(MONDAY, "09:31:30")]


def test_snoozing_past_the_daily_limit_stops_asking_and_just_logs() -> None:
    settings = Settings(snooze=Snooze(choices_minutes=(5,), daily_limit=2))
    sim = Simulation(settings, at(MONDAY, "09:00"))

    def snooze(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind.is_break:
            engine.snooze()

    sim.run_until(at(MONDAY, "10:15"), always, snooze)
    assert sim.shown_local() == ["Mon 09:30 short_break", "Mon 09:35 short_break"]
    missed = [
        (e.at.astimezone(LONDON).strftime("%H:%M"), e.data)
        for e in sim.sink.events
        if e.kind is EventKind.BREAK_MISSED
    ]
    assert missed == [
        ("09:40", {"kind": "short", "reason": "snooze_limit"}),
        ("10:10", {"kind": "short", "reason": "snooze_limit"}),
    ]
    assert sim.engine.status().snoozes_left == 0


def test_a_snooze_limit_of_zero_means_no_limit() -> None:
    settings = Settings(snooze=Snooze(choices_minutes=(5,), daily_limit=0))
    sim = Simulation(settings, at(MONDAY, "09:00"))

    def snooze(engine: Engine, nudge: Nudge) -> None:
        engine.snooze()

    sim.run_until(at(MONDAY, "10:00"), always, snooze)
    assert len(sim.shown) == 6  # 09:30, then every 5 minutes until 09:55
    assert EventKind.BREAK_MISSED not in sim.sink.kinds()
    assert sim.engine.status().snoozes_left is None


def test_no_break_nudge_while_paused_and_a_pause_ends_by_itself() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.pause(60)
    sim.run_until(at(MONDAY, "10:00"), always)
    assert sim.shown == []
    assert sim.engine.status().phase is Phase.PAUSED
    sim.run_until(at(MONDAY, "10:01"), always)
    assert sim.shown_local() == ["Mon 10:00 short_break"]  # activity counted while paused
    resumed = [e.data for e in sim.sink.events if e.kind is EventKind.RESUMED]
    assert resumed == [{"auto": True}]


def test_pause_until_tomorrow_lasts_until_the_next_shift() -> None:
    sim = Simulation(Settings(), at(MONDAY, "11:00"))
    until = sim.engine.pause(until_tomorrow=True)
    assert until == at(MONDAY + timedelta(1), "09:00")
    sim.run_until(at(MONDAY, "23:00"), always)
    assert sim.shown == []  # no breaks, no boundaries, no after-hours while paused
    sim.engine.resume()
    with pytest.raises(ActionError):
        sim.engine.resume()


def test_a_hold_delays_a_break_until_it_is_released() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.set_hold("fullscreen", "fullscreen")
    sim.run_until(at(MONDAY, "09:45"), always)
    assert sim.shown == []
    assert sim.engine.status().held_because == "fullscreen"
    sim.engine.set_hold("fullscreen", None)
    sim.run_until(at(MONDAY, "09:46"), always)
    assert sim.shown_local() == ["Mon 09:45 short_break"]


def test_a_break_ends_by_itself_and_counts_as_taken() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "09:31"), always, take_break(sim))
    assert sim.engine.status().phase is Phase.ON_BREAK
    sim.run_until(at(MONDAY, "09:33"), always)
    finished = [e.data for e in sim.sink.events if e.kind is EventKind.BREAK_FINISHED]
    assert finished == [{"kind": "short", "seconds": 120, "completed": True}]
    assert sim.engine.status().phase is Phase.WORKING


def test_ending_a_break_early_is_logged_as_such() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.start_break("long")
    sim.clock.advance(90)
    sim.engine.finish_break()
    finished = [e.data for e in sim.sink.events if e.kind is EventKind.BREAK_FINISHED]
    assert finished == [{"kind": "long", "seconds": 90, "completed": False}]
    with pytest.raises(ActionError, match="not on a break"):
        sim.engine.finish_break()


# ----- boundaries ----------------------------------------------------------------------


def test_overtime_is_logged_and_ends_with_a_kind_nudge() -> None:
    sim = Simulation(Settings(why="Be there for bedtime stories."), at(MONDAY, "17:00"))

    def extend(engine: Engine, nudge: Nudge) -> None:
        if nudge.kind is NudgeKind.END_OF_DAY:
            engine.perform(nudge.choices[1].key)  # "15 more minutes"

    sim.run_until(at(MONDAY, "18:00"), active_between(LONDON, [("17:00", "18:00")], MONDAY), extend)
    assert sim.shown_local() == [
        "Mon 17:15 wind_down", "Mon 17:30 end_of_day", "Mon 17:45 overtime_over",
        "Mon 17:55 after_hours",
    ]  # fmt: skip
    over = sim.shown[2].nudge
    assert over.title == "Your extra 15 min are up"
    assert over.body == "“Be there for bedtime stories.”"
    overtime = [e.data for e in sim.sink.events if e.kind is EventKind.OVERTIME]
    assert overtime == [{"minutes": 15.0, "until": "2026-11-23T17:45:00+00:00"}]


def test_after_hours_nudges_stop_at_the_limit_per_evening() -> None:
    settings = Settings(
        after_hours=AfterHours(first_nudge_after_minutes=5, repeat_every_minutes=10, max_nudges=2)
    )
    sim = Simulation(settings, at(MONDAY, "19:00"))
    sim.run_until(at(MONDAY + timedelta(1), "03:00"), always)
    assert sim.shown_local() == ["Mon 19:05 after_hours", "Mon 19:15 after_hours"]
    # Early next morning, before work, is another stretch of time off.
    sim.run_until(at(MONDAY + timedelta(1), "04:20"), always)
    assert sim.shown_local()[2:] == ["Tue 04:05 after_hours", "Tue 04:15 after_hours"]


def test_a_day_with_no_hours_gets_day_off_nudges_and_no_breaks() -> None:
    sunday = MONDAY - timedelta(1)
    sim = Simulation(Settings(), at(sunday, "10:00"))
    sim.run_until(at(sunday, "14:00"), always)
    kinds = {s.nudge.kind for s in sim.shown}
    assert kinds == {NudgeKind.DAY_OFF}
    assert len(sim.shown) == 3
    assert sim.shown[0].nudge.title == "It's your day off"


def test_done_for_today_silences_breaks_and_boundaries_until_tomorrow() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "15:00"), always, take_break(sim))
    before = len(sim.shown)
    sim.engine.done_for_today()

    def stopping(engine: Engine, nudge: Nudge) -> None:
        engine.perform("done_for_today")

    sim.run_until(
        at(MONDAY, "15:30"), active_between(LONDON, [("15:00", "15:30")], MONDAY), stopping
    )
    assert sim.shown_local()[before:] == ["Mon 15:10 after_hours"]
    assert sim.engine.status().phase is Phase.OFF_HOURS
    assert sim.engine.status().work_left == 0


def test_saying_im_stopping_brings_no_fresh_round_of_evening_nudges() -> None:
    sim = Simulation(Settings(), at(MONDAY, "18:00"))
    sim.run_until(at(MONDAY, "19:30"), always)
    sim.engine.perform("done_for_today")  # "I'm stopping", then one last thing
    sim.run_until(at(MONDAY, "21:00"), always)
    evening = [n for n in sim.shown_local() if n.endswith("after_hours")]
    assert len(evening) == AfterHours().max_nudges


def test_a_spell_away_long_enough_for_a_break_counts_under_a_longer_idle_setting() -> None:
    # Away after 5 minutes without input, but 2 minutes away counts as a short break.
    settings = Settings(breaks=Breaks(idle_after_seconds=300))
    sim = Simulation(settings, at(MONDAY, "09:00"))
    sim.run_until(
        at(MONDAY, "09:20"),
        active_between(LONDON, [("09:00", "09:10"), ("09:14", "09:20")], MONDAY),
    )
    assert EventKind.NATURAL_BREAK in sim.sink.kinds()
    assert sim.engine.status().next_break_in > 20 * 60  # the 10 minutes before it reset


def test_done_for_today_in_the_morning_says_see_you_tomorrow_not_after_lunch() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))  # the default hours break for lunch
    sim.run_until(at(MONDAY, "10:00"), always)
    sim.engine.done_for_today()

    assert sim.engine.status().next_work_start == at(MONDAY + timedelta(1), "09:00")
    sim.run_until(at(MONDAY, "13:20"), never)
    assert sim.engine.status().next_work_start == at(MONDAY + timedelta(1), "09:00")


# ----- clocks and zones ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "day", "hours"),
    [
        ("Europe/London", date(2026, 3, 29), 7),  # 22:00-06:00 across spring forward
        ("Europe/London", date(2026, 10, 25), 9),  # ... and across fall back
        ("America/New_York", date(2026, 3, 8), 7),
        ("America/New_York", date(2026, 11, 1), 9),
    ],
)
def test_a_night_shift_across_a_dst_change_ends_on_the_local_hour(
    zone_name: str, day: date, hours: int
) -> None:
    zone = ZoneInfo(zone_name)
    settings = Settings(work_hours=every_day("22:00-06:00"))
    eve = day - timedelta(1)
    sim = Simulation(settings, at(eve, "21:00", zone), zone_name=zone_name)
    shift = sim.engine.schedule.shift_on(eve)
    assert shift is not None
    assert shift.seconds == hours * 3600
    sim.run_until(at(day, "06:20", zone), always, take_break(sim))
    ends = [s for s in sim.shown if s.nudge.kind is NudgeKind.END_OF_DAY]
    assert [s.at.astimezone(zone).strftime("%H:%M") for s in ends] == ["06:00"]
    winds = [s for s in sim.shown if s.nudge.kind is NudgeKind.WIND_DOWN]
    assert [s.at.astimezone(zone).strftime("%H:%M") for s in winds] == ["05:45"]
    # Active time is real time: breaks are 32 real minutes apart across the change.
    starts = [s.at for s in sim.shown if s.nudge.kind.is_break]
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(starts)}
    assert gaps <= {32 * 60.0, 40 * 60.0}  # 2-min short breaks, 10-min long ones


@pytest.mark.parametrize(
    ("zone_name", "day"),
    [("Europe/London", date(2026, 3, 30)), ("America/New_York", date(2026, 11, 2))],
)
def test_office_hours_the_day_after_a_dst_change(zone_name: str, day: date) -> None:
    zone = ZoneInfo(zone_name)
    sim = Simulation(Settings(), at(day, "08:00", zone), zone_name=zone_name)
    sim.run_until(at(day, "17:40", zone), always, take_break(sim))
    ends = [s.at.astimezone(zone) for s in sim.shown if s.nudge.kind is NudgeKind.END_OF_DAY]
    assert [e.strftime("%H:%M") for e in ends] == ["17:30"]


def test_a_window_that_ends_at_midnight_belongs_to_its_day() -> None:
    settings = Settings(work_hours=every_day("18:00-00:00"))
    sim = Simulation(settings, at(MONDAY, "17:00"))
    sim.run_until(at(MONDAY + timedelta(1), "00:20"), always, take_break(sim))
    ends = [s for s in sim.shown if s.nudge.kind is NudgeKind.END_OF_DAY]
    assert [s.at for s in ends] == [datetime(2026, 11, 24, 0, 0, tzinfo=UTC)]
    assert sim.engine.schedule.workday_at(at(MONDAY, "23:59")) == MONDAY


def test_a_time_zone_change_moves_the_working_day() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "12:00"), always, take_break(sim))
    # The user flies to New York; it is 07:00 there, before the day starts again.
    sim.zone = ZoneInfo("America/New_York")
    before = len(sim.shown)
    sim.run_until(datetime(2026, 11, 23, 23, 0, tzinfo=UTC), always, take_break(sim))
    new = [
        (s.at.astimezone(sim.zone).strftime("%H:%M"), s.nudge.kind.value)
        for s in sim.shown[before:]
        if not s.nudge.kind.is_break
    ]
    # The day's end-of-day nudge moved to 17:30 New York time, and only once.
    # 07:00-09:00 there is before hours: three nudges at most; London's morning of
    # work is not counted as after-hours work in New York.
    assert new == [
        ("07:10", "after_hours"), ("07:40", "after_hours"), ("08:10", "after_hours"),
        ("17:15", "wind_down"), ("17:30", "end_of_day"), ("17:40", "after_hours"),
    ]  # fmt: skip
    assert {e.utc_offset_minutes for e in sim.sink.events[-3:]} == {-300}


# "Done for today" is done for that local work day: it ends at the next shift's start
# in the zone the user is in by then, which is the recorded `until` while the zone stays.
NEW_YORK = ZoneInfo("America/New_York")
NIGHTS = every_day("22:00-06:00")
SPRING_FORWARD = date(2026, 3, 29)  # London: 01:00 GMT becomes 02:00 BST


def said_then_move(
    say: Callable[[Engine], datetime],
    hours: WorkHours,
    said: datetime,
    zone: ZoneInfo,
    then: ZoneInfo,
):
    """Say something at `said` in `zone` (`say`: "done for today", a pause), then move to
    `then`; the engine, its clock and the end `say` returned."""
    clock = FakeClock(said)
    where = [zone]
    engine = Engine(Settings(work_hours=hours), clock, MemorySink(), zone=lambda: where[0])
    until = say(engine)
    where[0] = then
    return engine, clock, until


def is_done(engine: Engine) -> bool:
    return engine.status().done_for_today


def is_paused(engine: Engine) -> bool:
    return engine.status().phase is Phase.PAUSED


def holds_around(
    engine: Engine, clock: FakeClock, end: datetime, holds: Callable[[Engine], bool]
) -> tuple[bool, bool]:
    """Whether `holds` a second before `end`, and at `end`."""
    answers = []
    for moment in (end - timedelta(seconds=1), end):
        clock.set(moment)
        engine.reconcile()  # picks up the zone
        answers.append(holds(engine))
    return answers[0], answers[1]


TUESDAY, THURSDAY, FRIDAY, SATURDAY = (MONDAY + timedelta(n) for n in (1, 3, 4, 5))
NEXT_MONDAY = MONDAY + timedelta(7)


@pytest.mark.parametrize(
    ("hours", "said", "zone", "then", "ends"),
    [
        pytest.param(
            None, at(THURSDAY, "17:30", NEW_YORK), NEW_YORK, LONDON, at(FRIDAY, "09:00"),
            id="at the end of the day in New York, home to London: London's morning",
        ),
        pytest.param(
            None, at(MONDAY, "17:30"), LONDON, NEW_YORK, at(TUESDAY, "09:00", NEW_YORK),
            id="at the end of the day in London, off to New York: New York's morning",
        ),
        pytest.param(
            None, at(THURSDAY, "15:00", NEW_YORK), NEW_YORK, LONDON, at(FRIDAY, "09:00"),
            id="mid-afternoon: still done for that day only",
        ),
        pytest.param(
            None, at(SATURDAY, "11:00", NEW_YORK), NEW_YORK, LONDON, at(NEXT_MONDAY, "09:00"),
            id="on a day off: the next work day's morning",
        ),
        pytest.param(
            NIGHTS, at(SPRING_FORWARD, "00:30"), LONDON, NEW_YORK,
            at(SPRING_FORWARD, "22:00", NEW_YORK),
            id="in a night shift as London springs forward: the next night in New York",
        ),
    ],
)  # fmt: skip
def test_done_for_today_ends_at_the_next_shift_in_the_zone_you_moved_to(
    hours: WorkHours | None, said: datetime, zone: ZoneInfo, then: ZoneInfo, ends: datetime
) -> None:
    engine, clock, until = said_then_move(
        Engine.done_for_today, hours or WorkHours(), said, zone, then
    )
    assert until != ends  # what was recorded is the old zone's morning
    assert holds_around(engine, clock, ends, is_done) == (True, False)


@pytest.mark.parametrize(
    ("hours", "said", "ends"),
    [
        pytest.param(None, at(MONDAY, "15:00"), at(TUESDAY, "09:00"), id="in the shift"),
        pytest.param(None, at(MONDAY, "20:00"), at(TUESDAY, "09:00"), id="in the evening"),
        pytest.param(None, at(MONDAY, "07:00"), at(MONDAY, "09:00"), id="before work"),
        pytest.param(None, at(SATURDAY, "11:00"), at(NEXT_MONDAY, "09:00"), id="on a day off"),
        pytest.param(
            None, at(SPRING_FORWARD - timedelta(2), "17:30"),
            at(SPRING_FORWARD + timedelta(1), "09:00"),
            id="on the Friday before spring forward: Monday 09:00 summer time",
        ),
        pytest.param(
            NIGHTS, at(SPRING_FORWARD, "03:00"), at(SPRING_FORWARD, "22:00"),
            id="in a night shift, after midnight: the next night's start",
        ),
        pytest.param(
            WorkHours(days=((),) * 7), at(MONDAY, "15:00"), at(TUESDAY, "00:00"),
            id="with no hours at all: midnight",
        ),
    ],
)  # fmt: skip
def test_done_for_today_in_an_unchanged_zone_ends_at_what_it_recorded(
    hours: WorkHours | None, said: datetime, ends: datetime
) -> None:
    engine, clock, until = said_then_move(
        Engine.done_for_today, hours or WorkHours(), said, LONDON, LONDON
    )
    assert until == ends
    assert holds_around(engine, clock, ends, is_done) == (True, False)


def test_done_said_in_new_york_leaves_a_plain_first_day_back_in_london() -> None:
    sim = Simulation(Settings(), at(THURSDAY, "17:25", NEW_YORK), zone_name="America/New_York")
    sim.run_until(at(THURSDAY, "17:30", NEW_YORK), always)
    assert sim.engine.done_for_today() == at(FRIDAY, "09:00", NEW_YORK)  # 14:00 in London
    sim.engine.flush()  # as the app does before sleep
    sim.zone = LONDON  # flown home overnight; the laptop wakes at 07:00
    sim.sleep_until(at(FRIDAY, "07:00"))
    sim.run_until(at(FRIDAY, "07:05"), never)
    # The log alone, replayed in London, rebuilds the same state and status.
    rebuilt = Engine(
        sim.settings, sim.clock, MemorySink(), zone=lambda: LONDON,
        past_events=sim.sink.events, past_spans=sim.sink.spans,
    )  # fmt: skip
    assert rebuilt.state == sim.engine.state
    assert rebuilt.status() == sim.engine.status()
    assert sim.engine.status().done_for_today
    sim.run_until(
        at(FRIDAY, "18:00"),
        active_between(LONDON, [("09:00", "12:30"), ("13:15", "17:30")], FRIDAY),
        take_break(sim),
    )
    # A plain day: breaks from 09:30 (not after-hours nudges until 14:00) and the end of
    # the day at 17:30 London time.
    assert sim.shown_local() == [
        "Fri 09:30 short_break", "Fri 10:02 short_break",
        "Fri 10:34 short_break", "Fri 11:06 long_break", "Fri 11:46 short_break",
        "Fri 12:18 short_break", "Fri 13:45 short_break", "Fri 14:17 short_break",
        "Fri 14:49 short_break", "Fri 15:21 long_break", "Fri 16:01 short_break",
        "Fri 16:33 short_break", "Fri 17:05 short_break", "Fri 17:15 wind_down",
        "Fri 17:30 end_of_day",
    ]  # fmt: skip


def test_a_logged_done_for_today_without_its_work_day_keeps_its_recorded_end() -> None:
    # Logged by an older Respite in New York: only `until` (09:00 there, 14:00 London).
    old = Event(
        EventKind.DONE_FOR_TODAY,
        at(THURSDAY, "17:30", NEW_YORK),
        {"until": "2026-11-27T14:00:00+00:00"},
        -300,
    )
    clock = FakeClock(at(FRIDAY, "08:00"))
    engine = Engine(Settings(), clock, MemorySink(), zone=lambda: LONDON, past_events=[old])
    assert holds_around(engine, clock, at(FRIDAY, "14:00"), is_done) == (True, False)


# A pause "until tomorrow" lasts until the next shift, as "done for today" does: placed in
# the zone the user is in by then, which is the recorded `until` while the zone stays. A
# timed pause ends when it said, wherever the user is.
TOKYO = ZoneInfo("Asia/Tokyo")
FALL_BACK = date(2026, 10, 25)  # London: 02:00 BST becomes 01:00 GMT


def pause_until_tomorrow(engine: Engine) -> datetime:
    return engine.pause(until_tomorrow=True)


@pytest.mark.parametrize(
    ("hours", "said", "zone", "then", "ends"),
    [
        pytest.param(
            None, at(MONDAY, "17:00"), LONDON, NEW_YORK, at(TUESDAY, "09:00", NEW_YORK),
            id="late in the London day, off to New York: New York's morning",
        ),
        pytest.param(
            None, at(MONDAY, "17:00"), LONDON, TOKYO, at(TUESDAY, "09:00", TOKYO),
            id="late in the London day, off to Tokyo: Tokyo's morning, which comes sooner",
        ),
        pytest.param(
            None, at(MONDAY, "20:00"), LONDON, TOKYO, at(TUESDAY, "09:00", TOKYO),
            id="in the London evening, off to Tokyo: Tokyo's morning",
        ),
        pytest.param(
            None, at(THURSDAY, "15:00", NEW_YORK), NEW_YORK, LONDON, at(FRIDAY, "09:00"),
            id="in the New York afternoon, home to London: London's morning",
        ),
        pytest.param(
            None, at(SATURDAY, "11:00", TOKYO), TOKYO, LONDON, at(NEXT_MONDAY, "09:00"),
            id="on a day off in Tokyo, home to London: London's Monday morning",
        ),
        pytest.param(
            NIGHTS, at(SPRING_FORWARD, "00:30"), LONDON, NEW_YORK,
            at(SPRING_FORWARD, "22:00", NEW_YORK),
            id="in a night shift as London springs forward: the next night in New York",
        ),
    ],
)  # fmt: skip
def test_a_pause_until_tomorrow_ends_at_the_next_shift_in_the_zone_you_moved_to(
    hours: WorkHours | None, said: datetime, zone: ZoneInfo, then: ZoneInfo, ends: datetime
) -> None:
    engine, clock, until = said_then_move(
        pause_until_tomorrow, hours or WorkHours(), said, zone, then
    )
    assert until != ends  # what was recorded is the old zone's morning
    clock.set(said + timedelta(minutes=1))
    engine.reconcile()  # picks up the zone
    assert engine.status().paused_until == ends  # what the tray and the CLI show
    assert holds_around(engine, clock, ends, is_paused) == (True, False)


def test_a_pause_until_tomorrow_says_when_in_the_zone_you_moved_to() -> None:
    engine, clock, _ = said_then_move(
        pause_until_tomorrow, WorkHours(), at(MONDAY, "20:00"), LONDON, TOKYO
    )
    clock.set(at(MONDAY, "20:01"))  # 05:01 on Tuesday in Tokyo
    engine.reconcile()
    assert status_line(engine.status(), TOKYO) == "Paused until 09:00"


@pytest.mark.parametrize(
    ("hours", "said", "ends"),
    [
        pytest.param(None, at(MONDAY, "11:00"), at(TUESDAY, "09:00"), id="in the shift"),
        pytest.param(None, at(MONDAY, "20:00"), at(TUESDAY, "09:00"), id="in the evening"),
        pytest.param(None, at(MONDAY, "07:00"), at(MONDAY, "09:00"), id="before work"),
        pytest.param(None, at(SATURDAY, "11:00"), at(NEXT_MONDAY, "09:00"), id="on a day off"),
        pytest.param(
            None, at(SPRING_FORWARD - timedelta(2), "17:00"),
            at(SPRING_FORWARD + timedelta(1), "09:00"),
            id="on the Friday before spring forward: Monday 09:00 summer time",
        ),
        pytest.param(
            NIGHTS, at(SPRING_FORWARD, "03:00"), at(SPRING_FORWARD, "22:00"),
            id="in a night shift, the night London springs forward",
        ),
        pytest.param(
            NIGHTS, at(FALL_BACK, "01:30"), at(FALL_BACK, "22:00"),
            id="in a night shift, in the hour London's clocks repeat",
        ),
        pytest.param(
            WorkHours(days=((),) * 7), at(MONDAY, "15:00"), at(TUESDAY, "00:00"),
            id="with no hours at all: midnight",
        ),
    ],
)  # fmt: skip
def test_a_pause_until_tomorrow_in_an_unchanged_zone_ends_at_what_it_recorded(
    hours: WorkHours | None, said: datetime, ends: datetime
) -> None:
    engine, clock, until = said_then_move(
        pause_until_tomorrow, hours or WorkHours(), said, LONDON, LONDON
    )
    assert until == ends
    assert engine.status().paused_until == ends
    assert holds_around(engine, clock, ends, is_paused) == (True, False)


def test_a_timed_pause_ends_when_it_said_wherever_you_go() -> None:
    engine, clock, until = said_then_move(
        lambda engine: engine.pause(30), WorkHours(), at(MONDAY, "10:00"), LONDON, TOKYO
    )
    assert until == at(MONDAY, "10:30")
    assert holds_around(engine, clock, until, is_paused) == (True, False)


@pytest.mark.parametrize(
    ("zone", "ends"),
    [
        pytest.param(LONDON, at(TUESDAY, "09:00"), id="in London: the recorded end"),
        pytest.param(NEW_YORK, at(TUESDAY, "09:00", NEW_YORK), id="in New York"),
        pytest.param(TOKYO, at(TUESDAY, "09:00", TOKYO), id="in Tokyo"),
    ],
)
def test_a_pause_until_tomorrow_restored_from_the_log_ends_in_the_zone_in_force(
    zone: ZoneInfo, ends: datetime
) -> None:
    sim = Simulation(Settings(), at(MONDAY, "16:55"))
    sim.run_until(at(MONDAY, "17:00"), always)
    sim.engine.pause(until_tomorrow=True)
    assert sim.sink.events[-1].data == {
        "until": iso(at(TUESDAY, "09:00")),
        "work_day": "2026-11-23",
    }
    sim.engine.flush()
    sim.clock.set(at(MONDAY, "21:00"))  # restarted, after a flight or not
    restarted = Engine(
        sim.settings, sim.clock, MemorySink(), zone=lambda: zone,
        past_events=sim.sink.events, past_spans=sim.sink.spans,
    )  # fmt: skip
    assert restarted.status().paused_until == ends
    assert holds_around(restarted, sim.clock, ends, is_paused) == (True, False)


def test_a_logged_pause_without_its_work_day_keeps_its_recorded_end() -> None:
    # Logged by an older Respite in New York: only `until` (09:00 there, 14:00 London).
    old = Event(
        EventKind.PAUSED,
        at(THURSDAY, "17:00", NEW_YORK),
        {"until": "2026-11-27T14:00:00+00:00"},
        -300,
    )
    clock = FakeClock(at(FRIDAY, "08:00"))
    engine = Engine(Settings(), clock, MemorySink(), zone=lambda: LONDON, past_events=[old])
    assert engine.status().paused_until == at(FRIDAY, "14:00")
    assert holds_around(engine, clock, at(FRIDAY, "14:00"), is_paused) == (True, False)


# A pause ends when it ends, whether or not Respite was running then: the automatic
# RESUMED is logged at that moment, with that moment's offset, and only once.


def resumes(sink: MemorySink) -> list[tuple[datetime, dict[str, object], int]]:
    return [
        (e.at, e.data, e.utc_offset_minutes) for e in sink.events if e.kind is EventKind.RESUMED
    ]


def test_a_pause_that_ends_while_running_is_resumed_at_its_end_even_after_a_sleep() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.pause(60)
    sim.sleep_until(at(MONDAY, "11:00"))
    sim.engine.reconcile()
    assert resumes(sim.sink) == [(at(MONDAY, "10:00"), {"auto": True}, 0)]


def test_a_pause_that_ran_out_before_a_restart_is_resumed_at_its_end_once() -> None:
    said = at(FALL_BACK - timedelta(1), "10:00")  # a Saturday in summer time (+01:00)
    paused = Event(EventKind.PAUSED, said, {"until": iso(said + timedelta(hours=1))}, 60)
    clock = FakeClock(at(FALL_BACK + timedelta(1), "10:00"))  # Monday, in winter time
    sink = MemorySink()
    engine = Engine(Settings(), clock, sink, zone=lambda: LONDON, past_events=[paused])
    engine.reconcile()
    assert resumes(sink) == [(said + timedelta(hours=1), {"auto": True}, 60)]
    assert engine.status().phase is not Phase.PAUSED

    again = MemorySink()
    restored = Engine(
        Settings(), clock, again, zone=lambda: LONDON, past_events=[paused, *sink.events]
    )
    restored.reconcile()
    assert resumes(again) == []
    assert restored.status().paused_until is None


def test_a_pause_whose_end_now_falls_before_it_began_is_resumed_where_it_began() -> None:
    # Said on Tuesday at 10:00 in Monday's night shift; under the office hours in force
    # Monday's shift ends at 17:30, and the next one starts on Tuesday at 09:00.
    said = at(TUESDAY, "10:00")
    data = {"until": iso(at(TUESDAY, "20:00")), "work_day": MONDAY.isoformat()}
    paused = Event(EventKind.PAUSED, said, data, 0)
    clock = FakeClock(at(TUESDAY, "10:30"))
    sink = MemorySink()
    Engine(Settings(), clock, sink, zone=lambda: LONDON, past_events=[paused]).reconcile()
    assert resumes(sink) == [(said, {"auto": True}, 0)]  # not before the PAUSED it ends

    again = MemorySink()
    restored = Engine(
        Settings(), clock, again, zone=lambda: LONDON, past_events=[paused, *sink.events]
    )
    restored.reconcile()
    assert resumes(again) == []


# Likewise a break that runs its course ends at its planned end, whether or not Respite
# was running then: BREAK_FINISHED is logged at that moment, with that moment's offset,
# and only once.

LONG_BREAK_DONE = {"kind": "long", "seconds": 600, "completed": True}


def finishes(sink: MemorySink) -> list[tuple[datetime, dict[str, object], int]]:
    return [
        (e.at, e.data, e.utc_offset_minutes)
        for e in sink.events
        if e.kind is EventKind.BREAK_FINISHED
    ]


def test_a_break_that_ends_while_running_finishes_at_its_end_even_after_a_sleep() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.observe(0)
    sim.engine.start_break("long")
    sim.sleep_until(at(MONDAY, "11:00"))
    sim.engine.observe(0)
    assert finishes(sim.sink) == [(at(MONDAY, "09:10"), LONG_BREAK_DONE, 0)]
    # Logged before the sleep it ended in, so the log stays in time order.
    assert sim.sink.kinds() == [EventKind.BREAK_STARTED, EventKind.BREAK_FINISHED, EventKind.SLEEP]


def test_a_break_that_ran_out_before_a_restart_finishes_at_its_end_once() -> None:
    began = at(FALL_BACK - timedelta(1), "23:55")  # a Saturday night in summer time (+01:00)
    started = Event(EventKind.BREAK_STARTED, began, {"kind": "long", "planned_seconds": 600}, 60)
    clock = FakeClock(at(FALL_BACK, "09:00"))  # the next morning, in winter time
    sink = MemorySink()
    engine = Engine(Settings(), clock, sink, zone=lambda: LONDON, past_events=[started])
    engine.reconcile()
    assert finishes(sink) == [(began + timedelta(minutes=10), LONG_BREAK_DONE, 60)]
    assert engine.status().phase is not Phase.ON_BREAK

    again = MemorySink()
    restored = Engine(
        Settings(), clock, again, zone=lambda: LONDON, past_events=[started, *sink.events]
    )
    restored.reconcile()
    assert finishes(again) == []
    assert restored.status().break_ends_at is None


@pytest.mark.parametrize(
    ("kind", "natural"),
    [
        pytest.param("long", [], id="long-covers-the-night"),
        pytest.param("short", ["long"], id="short-leaves-the-night-a-long-one"),
    ],
)
def test_a_break_that_ran_out_overnight_is_counted_once_and_work_starts_afresh(
    kind: str, natural: list[str]
) -> None:
    sim = Simulation(Settings(), at(MONDAY, "16:45"))
    sim.run_until(at(MONDAY, "17:00"), always)
    sim.engine.start_break(kind)
    sim.run_until(at(MONDAY, "17:01"), always)  # the mouse moves as the break begins
    sim.engine.flush()
    # Closed on the break; started again the next morning, from the log.
    sim.clock.set(at(TUESDAY, "09:00"))
    sim.engine = Engine(
        sim.settings, sim.clock, sim.sink, zone=lambda: LONDON,
        past_events=list(sim.sink.events), past_spans=sim.sink.spans,
    )  # fmt: skip
    sim.run_until(at(TUESDAY, "09:31"), always)

    planned = 600 if kind == "long" else 120
    ended = at(MONDAY, "17:00") + timedelta(seconds=planned)
    assert finishes(sim.sink) == [(ended, {"kind": kind, "seconds": planned, "completed": True}, 0)]
    # The break taken covers the night that began with it; a short one doesn't make the
    # night a long break, so the night still counts as one.
    assert [e.data["kind"] for e in sim.sink.events if e.kind is EventKind.NATURAL_BREAK] == natural
    # Neither Monday's work nor the night counts towards the next break: 30 active minutes.
    assert sim.shown_local() == ["Tue 09:30 short_break"]


def test_the_wall_clock_jumping_back_keeps_counting_from_the_new_time() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "09:20"), always)
    stored = sim.sink.spans
    sim.clock.set(at(MONDAY, "08:50"))  # an hour-long clock correction, say
    sim.run_until(at(MONDAY, "09:00"), always)
    # Activity "from the future" is set aside in memory (the log keeps it) and input
    # after the jump is counted at once; no span runs backwards.
    assert stored[0] in sim.sink.spans
    assert [(s.start, s.end) for s in sim.engine.state.spans] == [
        (at(MONDAY, "08:50"), at(MONDAY, "08:59:30"))
    ]
    sim.run_until(at(MONDAY, "09:21"), always)
    assert sim.shown_local() == ["Mon 09:20 short_break"]


# ----- reminders -----------------------------------------------------------------------


def test_reminders_follow_their_cron_expression_and_never_arrive_stale() -> None:
    settings = Settings(reminders=(Reminder("Stand up", "0 11 * * mon-fri", "Stretch!"),))
    sim = Simulation(settings, at(MONDAY, "10:00"))
    sim.run_until(at(MONDAY, "11:01"), never)
    assert [(s.nudge.title, s.nudge.body) for s in sim.shown] == [("Stand up", "Stretch!")]
    # Asleep through Tuesday's 11:00: not shown at 12:00.
    sim.sleep_until(at(MONDAY + timedelta(1), "12:00"))
    sim.run_until(at(MONDAY + timedelta(1), "12:05"), never)
    assert len(sim.shown) == 1
    # Saturday: the expression says weekdays only.
    sim.sleep_until(at(MONDAY + timedelta(5), "10:59"))
    sim.run_until(at(MONDAY + timedelta(5), "11:05"), never)
    assert len(sim.shown) == 1


def test_a_reminder_shown_before_a_restart_is_not_shown_again() -> None:
    settings = Settings(reminders=(Reminder("Water", "*/20 * * * *"),))
    sim = Simulation(settings, at(MONDAY, "10:00"))
    sim.run_until(at(MONDAY, "10:05"), never)
    assert len(sim.shown) == 1
    sim.engine = Engine(
        settings, sim.clock, sim.sink, zone=lambda: LONDON, past_events=list(sim.sink.events)
    )
    sim.run_until(at(MONDAY, "10:21"), never)
    assert [s.at.astimezone(LONDON).strftime("%H:%M") for s in sim.shown] == ["10:00", "10:20"]


# ----- actions, status, wakeups --------------------------------------------------------


def test_every_choice_key_on_a_nudge_is_an_action() -> None:
    sim = Simulation(Settings(), at(MONDAY, "17:00"))
    sim.run_until(at(MONDAY, "17:31"), always)
    end_of_day = next(s.nudge for s in sim.shown if s.nudge.kind is NudgeKind.END_OF_DAY)
    assert [c.label for c in end_of_day.choices] == [
        "Done for today", "15 more minutes", "Log a small win",
    ]  # fmt: skip
    sim.engine.perform("win", "Closed three tickets")
    sim.engine.perform("overtime:15")
    sim.engine.perform("done_for_today")
    kinds = sim.sink.kinds()[-3:]
    assert kinds == [EventKind.WIN, EventKind.OVERTIME, EventKind.DONE_FOR_TODAY]
    with pytest.raises(ActionError, match="Unknown choice"):
        sim.engine.perform("dance")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda e: e.log_win("   "), "needs a few words"),
        (lambda e: e.log_win("x" * 501), "under 500"),
        (lambda e: e.snooze(0), "between 1 minute"),
        (lambda e: e.pause(), "Pause for between"),
        (lambda e: e.overtime(-5), "between 1 minute"),
        (lambda e: e.start_break("medium"), "'short' or 'long'"),
    ],
)
def test_actions_that_do_not_fit_say_why(call, message: str) -> None:
    engine = Engine(Settings(), FakeClock(at(MONDAY, "10:00")), MemorySink(), zone=lambda: LONDON)
    with pytest.raises(ActionError, match=message):
        call(engine)


def test_a_shell_that_sleeps_until_next_wakeup_is_never_late() -> None:
    """Drive the engine like the app: wake at next_wakeup() or at the next idle sample,
    whichever is first. Samples come every 47 s, out of step with the due times, so
    only next_wakeup() can land a nudge on its due second."""
    clock = FakeClock(at(MONDAY, "09:00"))
    engine = Engine(Settings(), clock, MemorySink(), zone=lambda: LONDON)
    shown: list[tuple[str, NudgeKind]] = []
    next_sample = clock.now()
    while clock.now() < at(MONDAY, "12:00"):
        for nudge in engine.observe(0):
            shown.append((nudge.at.strftime("%H:%M:%S"), nudge.kind))
            engine.skip_break()
        if clock.now() >= next_sample:
            next_sample = clock.now() + timedelta(seconds=47)
        clock.set(min(engine.next_wakeup(), next_sample))
    short, long = NudgeKind.SHORT_BREAK, NudgeKind.LONG_BREAK
    assert shown == [
        ("09:30:00", short), ("10:00:00", short), ("10:30:00", short),
        ("11:00:00", long), ("11:30:00", short),
    ]  # fmt: skip


def test_a_due_break_that_has_to_wait_wakes_nothing_every_second() -> None:
    """Held by a meeting, then snoozed: the break stays due for a while. The app must
    sleep until something can change (a sample, the snooze's end), not tick each second."""
    clock = FakeClock(at(MONDAY, "09:00"))
    engine = Engine(Settings(), clock, MemorySink(), zone=lambda: LONDON)
    engine.set_hold("calendar", "meeting")
    wakes: list[datetime] = []
    shown: list[NudgeKind] = []
    while clock.now() < at(MONDAY, "09:50"):
        if clock.now() >= at(MONDAY, "09:40"):
            engine.set_hold("calendar", None)  # the meeting is over
        for nudge in engine.observe(0):
            shown.append(nudge.kind)
            engine.snooze(5)
        wakes.append(clock.now())
        clock.set(min(engine.next_wakeup(), clock.now() + timedelta(seconds=30)))
    waiting = [w for w in wakes if at(MONDAY, "09:30") <= w < at(MONDAY, "09:40")]
    assert len(waiting) <= 21  # the 30 s samples (and a wake at 09:30), not ~600
    assert shown == [NudgeKind.SHORT_BREAK, NudgeKind.SHORT_BREAK]  # 09:40, snooze end
    assert at(MONDAY, "09:45") in wakes  # the snooze's end is its own wake-up


def test_status_reports_what_is_next() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "09:10"), always)
    status = sim.engine.status()
    assert status.phase is Phase.WORKING
    assert status.next_break == "short"
    assert status.next_break_in == pytest.approx(20 * 60 + 30)
    assert status.work_left == pytest.approx((3 * 60 + 20 + 4 * 60 + 15) * 60)
    assert status.held_because is None
    sim.run_until(at(MONDAY, "09:15"), never)
    assert sim.engine.status().held_because == "idle"


def test_settings_can_change_while_running() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "09:20"), always)
    faster = dataclasses.replace(
        sim.settings,
        breaks=dataclasses.replace(
            Breaks(), short=dataclasses.replace(Breaks().short, every_minutes=15)
        ),
    )
    sim.engine.set_settings(faster)
    sim.run_until(at(MONDAY, "09:21"), always)
    assert sim.shown_local() == ["Mon 09:20 short_break"]


def test_a_gap_is_noted_once_whether_reconcile_or_observe_sees_it_first() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "09:10"), always)
    sim.clock.set(at(MONDAY, "11:00"))
    sim.engine.reconcile()
    sim.engine.observe(0)
    assert sim.sink.kinds().count(EventKind.SLEEP) == 1


@pytest.mark.parametrize(
    ("start", "expected"),
    [("17:10", "15 min left"), ("17:20", "10 min left"), ("17:23", None), ("17:29", None)],
)
def test_a_late_wind_down_says_what_is_left_or_stays_quiet(start: str, expected: str | None):
    sim = Simulation(Settings(), at(MONDAY, start))
    sim.run_until(at(MONDAY, "17:29:30"), always)
    winds = [s.nudge for s in sim.shown if s.nudge.kind is NudgeKind.WIND_DOWN]
    if expected is None:
        assert winds == []
    else:
        assert len(winds) == 1 and winds[0].body.startswith(expected)


def test_the_open_activity_span_reaches_the_log_at_least_once_a_minute() -> None:
    """A hard kill loses at most the last minute of activity."""
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    worst = timedelta(0)
    while sim.clock.now() < at(MONDAY, "10:00"):
        sim.run_until(sim.clock.now() + timedelta(seconds=30), always)
        stored = sim.sink.spans[-1]
        worst = max(worst, sim.engine.state.spans[-1].end - stored.end)
    assert timedelta(seconds=30) <= worst <= timedelta(seconds=60)
    sim.engine.flush()
    assert sim.sink.spans[-1] == sim.engine.state.spans[-1]
