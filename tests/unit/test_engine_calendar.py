"""The engine with what the calendar says: days off and meetings outside work hours,
stepped through time with a fake clock (as the runtime drives it)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from respite.core.calendar import CalEvent
from respite.core.engine import Engine, Phase
from respite.core.events import EventKind
from respite.core.nudges import NudgeKind
from respite.core.settings import Settings
from respite.core.status_text import status_line
from tests.fakes import MemorySink, Simulation, active_between

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 23)
FRIDAY = MONDAY + timedelta(days=4)
SATURDAY = MONDAY + timedelta(days=5)
# The default hours: 09:00-12:30 and 13:15-17:30, Monday to Friday.


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON)


def always(_: datetime) -> bool:
    return True


def meeting(day: date, start: str, end: str, summary: str = "Secret project") -> CalEvent:
    return CalEvent(at(day, start), at(day, end), summary)


def rebuilt(sim: Simulation) -> Engine:
    """A restart: a new engine from what the first one logged."""
    sim.engine.flush()
    return Engine(
        sim.settings,
        sim.clock,
        sim.sink,
        zone=lambda: LONDON,
        past_events=list(sim.sink.events),
        past_spans=sim.sink.spans,
    )


def day_off_events(sim: Simulation) -> list[dict[str, object]]:
    return [e.data for e in sim.sink.events if e.kind is EventKind.CALENDAR_DAY_OFF]


# ----- days off ----------------------------------------------------------------------


def test_a_calendar_day_off_is_quiet_like_a_weekend() -> None:
    sim = Simulation(Settings(), at(FRIDAY, "08:00"))
    sim.engine.set_days_off({FRIDAY: "Holiday"})
    sim.run_until(at(SATURDAY, "06:00"), active_between(LONDON, [("09:00", "18:00")], FRIDAY))
    # No break, wind-down or end-of-day nudge: only the gentle day-off ones, as on a
    # Saturday (after 10 active minutes, then every 30, three at most).
    assert sim.shown_local() == ["Fri 09:10 day_off", "Fri 09:40 day_off", "Fri 10:10 day_off"]
    assert day_off_events(sim) == [{"day": "2026-11-27", "off": True, "word": "Holiday"}]


def test_the_status_names_the_calendar_day_off_and_skips_it() -> None:
    sim = Simulation(Settings(), at(FRIDAY, "10:00"))
    sim.engine.set_days_off({FRIDAY: "OOO"})
    sim.run_until(at(FRIDAY, "10:01"), always)
    status = sim.engine.status()
    assert status.phase is Phase.OFF_HOURS
    assert status.held_because == "outside_hours"
    assert status.day_off_reason == "OOO"
    assert status.next_work_start == at(MONDAY + timedelta(days=7), "09:00")
    assert status_line(status, LONDON) == "Day off (calendar: OOO) — see you Monday 09:00"


def test_a_day_off_arriving_mid_day_brings_no_burst_of_nudges() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    busy = active_between(LONDON, [("09:00", "18:00")], MONDAY)
    sim.run_until(at(MONDAY, "14:00"), busy)
    worked = len(sim.shown)
    assert worked > 0  # break nudges of an ordinary morning
    # The calendar says today is a holiday after all (the user added it at lunch).
    sim.engine.set_days_off({MONDAY: "Holiday"})
    sim.run_until(at(MONDAY, "18:00"), busy)
    # Nothing at once: the morning's five hours don't count as day-off work; the first
    # gentle nudge comes after ten more active minutes, and no end-of-day nudges at all.
    assert sim.shown_local()[worked:] == [
        "Mon 14:10 day_off",
        "Mon 14:40 day_off",
        "Mon 15:10 day_off",
    ]


def test_a_restart_on_a_day_off_keeps_it_without_asking_again() -> None:
    sim = Simulation(Settings(), at(FRIDAY, "09:00"))
    busy = active_between(LONDON, [("09:00", "18:00")], FRIDAY)
    sim.engine.set_days_off({FRIDAY: "Holiday"})
    sim.run_until(at(FRIDAY, "09:45"), busy)
    assert sim.shown_local() == ["Fri 09:10 day_off", "Fri 09:40 day_off"]
    # Restarted before the calendar has been read again: the log says it's a day off.
    sim.engine = rebuilt(sim)
    assert sim.engine.status().day_off_reason == "Holiday"
    assert sim.engine.schedule.is_day_off(FRIDAY)
    sim.run_until(at(FRIDAY, "12:00"), busy)
    sim.engine.set_days_off({FRIDAY: "Holiday"})  # the calendar, read again
    sim.run_until(at(FRIDAY, "18:00"), busy)
    # One more day-off nudge (the third of three), no breaks, nothing logged twice.
    assert sim.shown_local() == ["Fri 09:10 day_off", "Fri 09:40 day_off", "Fri 10:10 day_off"]
    assert len(day_off_events(sim)) == 1


def test_the_calendar_taking_a_day_off_back_makes_it_a_workday_again() -> None:
    sim = Simulation(Settings(), at(MONDAY, "08:00"))
    sim.engine.set_days_off({MONDAY: "Holiday"})
    sim.run_until(at(MONDAY, "08:01"), always)
    sim.engine.set_days_off({})
    sim.run_until(at(MONDAY, "09:01"), always)
    assert sim.engine.status().phase is not Phase.OFF_HOURS
    assert sim.engine.schedule.workday_at(sim.clock.now()) == MONDAY
    assert sim.engine.status().day_off_reason is None
    assert [d["off"] for d in day_off_events(sim)] == [True, False]
    # And a restart believes the last word.
    assert not rebuilt(sim).schedule.is_day_off(MONDAY)


def test_days_off_survive_new_settings_and_rebuild_only_on_change() -> None:
    sim = Simulation(Settings(), at(MONDAY, "08:00"))
    sim.engine.set_days_off({FRIDAY: "Holiday"})
    schedule = sim.engine.schedule
    sim.engine.set_days_off({FRIDAY: "Holiday"})
    assert sim.engine.schedule is schedule  # the same dates: nothing rebuilt
    sim.engine.set_settings(Settings(why="Evenings are mine."))
    assert sim.engine.schedule.is_day_off(FRIDAY)
    sim.zone = ZoneInfo("America/New_York")
    sim.engine.reconcile()  # the zone changes: still a day off
    assert sim.engine.schedule.zone == sim.zone
    assert sim.engine.schedule.is_day_off(FRIDAY)
    assert not sim.engine.schedule.is_day_off(MONDAY + timedelta(days=3))


# ----- meetings ----------------------------------------------------------------------


def heads_ups(sim: Simulation) -> list[str]:
    return [
        f"{s.at.astimezone(LONDON):%a %H:%M} {s.nudge.body}"
        for s in sim.shown
        if s.nudge.kind is NudgeKind.MEETING_HEADS_UP
    ]


def test_a_meeting_outside_hours_gets_one_heads_up_when_the_user_is_about() -> None:
    sim = Simulation(Settings(), at(MONDAY, "07:00"))
    sim.engine.set_meetings([meeting(MONDAY, "10:00", "11:00"), meeting(MONDAY, "18:30", "19:30")])
    # Away until 09:05: nothing shown while nobody is there to see it.
    sim.run_until(at(MONDAY, "12:00"), active_between(LONDON, [("09:05", "12:00")], MONDAY))
    assert heads_ups(sim) == [
        "Mon 09:05 A meeting at 18:30 today is outside your hours. "
        "Maybe finish earlier to make room for it?"
    ]
    (shown,) = [s.nudge for s in sim.shown if s.nudge.kind is NudgeKind.MEETING_HEADS_UP]
    assert shown.title == "Heads up" and shown.choices == ()
    assert "Secret project" not in repr([e.data for e in sim.sink.events])  # titles stay out
    # Once a day, also across a restart.
    sim.engine = rebuilt(sim)
    sim.engine.set_meetings([meeting(MONDAY, "18:30", "19:30")])
    sim.run_until(at(MONDAY, "13:00"), always)
    assert len(heads_ups(sim)) == 1


def test_several_meetings_and_a_day_off_are_worded_for_what_they_are() -> None:
    sim = Simulation(Settings(), at(SATURDAY, "10:00"))
    sim.engine.set_meetings(
        [meeting(SATURDAY, "16:00", "16:30"), meeting(SATURDAY, "11:00", "12:00")]
    )
    sim.run_until(at(SATURDAY, "10:01"), always)
    assert heads_ups(sim) == [
        "Sat 10:00 2 meetings today (the first at 11:00) fall on your day off. "
        "If it can't move, let the rest of the day be yours."
    ]


def test_no_heads_up_for_meetings_in_hours_past_ones_or_after_done_for_today() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.set_meetings([meeting(MONDAY, "10:00", "11:00"), meeting(MONDAY, "07:30", "08:30")])
    sim.run_until(at(MONDAY, "09:30"), always)
    sim.engine.done_for_today()
    sim.engine.set_meetings([meeting(MONDAY, "19:00", "20:00")])
    sim.run_until(at(MONDAY, "18:00"), always)
    assert heads_ups(sim) == []
    # The next day, a meeting booked during the day gets its heads-up when it appears.
    tuesday = MONDAY + timedelta(days=1)
    sim.run_until(at(tuesday, "11:00"), always)
    sim.engine.set_meetings(
        [meeting(tuesday, "07:00", "07:30"), meeting(tuesday, "17:00", "18:00")]
    )
    sim.run_until(at(tuesday, "11:01"), always)
    assert [line[:9] for line in heads_ups(sim)] == ["Tue 11:00"]
    assert "at 17:00" in heads_ups(sim)[0]


def test_the_status_tells_when_the_last_meeting_ends() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.engine.set_meetings([meeting(MONDAY, "15:00", "16:30"), meeting(MONDAY, "10:00", "11:00")])
    sim.run_until(at(MONDAY, "09:01"), always)
    status = sim.engine.status()
    assert status.last_meeting_ends == at(MONDAY, "16:30")
    assert status_line(status, LONDON).endswith(" · last meeting ends 16:30")
    sim.run_until(at(MONDAY, "16:31"), lambda _: False)
    assert sim.engine.status().last_meeting_ends is None  # over: nothing to say


def test_without_a_calendar_nothing_changes() -> None:
    sim = Simulation(Settings(), at(MONDAY, "09:00"))
    sim.run_until(at(MONDAY, "10:00"), always)
    status = sim.engine.status()
    assert (status.day_off_reason, status.last_meeting_ends) == (None, None)
    assert EventKind.CALENDAR_DAY_OFF not in sim.sink.kinds()
    assert isinstance(sim.sink, MemorySink)
