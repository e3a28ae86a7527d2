"""The wording of a week: `respite history`'s table, JSON and CSV, and the history window's
summary lines, copied text and per-day descriptions."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite.core.events import ActiveSpan, Event, EventKind, iso
from respite.core.history import Streaks, WeekSummary, summarize_week
from respite.core.history_format import (
    StreakView,
    clock_text,
    day_description,
    day_label,
    day_record,
    duration_text,
    iso_week,
    meetings_text,
    summary_fields,
    summary_markdown,
    verdict_text,
    week_csv,
    week_json,
    week_name,
    week_table,
    week_title,
    windows_text,
)
from respite.core.schedule import Interval, WorkSchedule
from respite.core.settings import Settings, TimeWindow, WorkHours

LONDON = ZoneInfo("Europe/London")
OFFICE = Settings()  # Mon-Fri 09:00-12:30 and 13:15-17:30
MON = date(2026, 11, 23)  # GMT
TUE, WED = MON + timedelta(days=1), MON + timedelta(days=2)
AFTER = datetime(2026, 11, 30, 12, 0, tzinfo=LONDON)


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(UTC)


def ev(what: EventKind, moment: datetime, /, **data: Any) -> Event:
    return Event(what, moment, data)


EVENTS = [
    ev(EventKind.NUDGE, at(MON, "09:30"), kind="short_break", level=0),
    ev(EventKind.BREAK_STARTED, at(MON, "09:31"), kind="short", planned_seconds=120),
    ev(EventKind.WIN, at(MON, "10:00"), text="shipped it"),
    ev(EventKind.WIN, at(MON, "11:00"), text='a, b and "c"'),
    ev(EventKind.NUDGE, at(TUE, "10:00"), kind="short_break", level=0),
    ev(EventKind.BREAK_SNOOZED, at(TUE, "10:01"), kind="short", minutes=5),
    ev(EventKind.BREAK_SKIPPED, at(TUE, "10:07"), kind="short"),
    ev(
        EventKind.NATURAL_BREAK,
        at(WED, "10:05"),
        kind="short",
        start=iso(at(WED, "10:00")),
        end=iso(at(WED, "10:05")),
        seconds=300,
    ),
]
SPANS = [
    ActiveSpan(at(MON, "09:00"), at(MON, "09:31")),
    ActiveSpan(at(MON, "09:33"), at(MON, "10:00")),
    ActiveSpan(at(TUE, "09:00"), at(TUE, "12:30")),
    ActiveSpan(at(TUE, "13:15"), at(TUE, "18:00")),
    ActiveSpan(at(WED, "09:00"), at(WED, "10:00")),
    ActiveSpan(at(WED, "10:05"), at(WED, "12:00")),
    ActiveSpan(at(WED, "23:00"), at(WED + timedelta(days=1), "00:30")),
]


def week(**options: Any) -> WeekSummary:
    schedule = WorkSchedule(OFFICE.work_hours, LONDON)
    return summarize_week(MON, schedule, OFFICE, EVENTS, SPANS, AFTER, **options)


def empty_week(start: date = MON) -> WeekSummary:
    schedule = WorkSchedule(OFFICE.work_hours, LONDON)
    return summarize_week(start, schedule, OFFICE, [], [], AFTER)


# ----- small pieces ------------------------------------------------------------------


def test_small_pieces() -> None:
    assert iso_week(MON) == "2026-W48"
    assert week_name(MON) == "2026-W48"
    # A Sunday start is named for the ISO week of most of its days, not of the Sunday.
    assert (iso_week(date(2026, 11, 22)), week_name(date(2026, 11, 22))) == (
        "2026-W47",
        "2026-W48",
    )
    assert day_label(MON) == "Mon 23 Nov"
    assert day_label(date(2027, 1, 3)) == "Sun 3 Jan"
    assert [duration_text(s) for s in (-5, 0, 29, 45 * 60, 7.75 * 3600, 2 * 3600)] == [
        "0 min",
        "0 min",
        "0 min",
        "45 min",
        "7 h 45 min",
        "2 h",
    ]
    assert clock_text(None, LONDON) == ""
    assert clock_text(datetime(2026, 6, 1, 8, 5, tzinfo=UTC), LONDON) == "09:05"  # BST


def test_windows_text() -> None:
    def window(start: str, end: str) -> Interval:
        return Interval(at(MON, start), at(MON, end))

    assert windows_text([], LONDON) == ""
    assert windows_text([window("09:00", "17:00")], LONDON) == "09:00–17:00"
    assert (
        windows_text(
            [window("08:00", "10:00"), window("11:00", "12:00"), window("13:00", "17:00")],
            LONDON,
        )
        == "08:00–10:00, 11:00–12:00 and 13:00–17:00"
    )


def test_verdicts() -> None:
    days = week().days
    assert [verdict_text(day) for day in days] == ["yes", "no", "no", "", "", "", ""]


# ----- respite history ---------------------------------------------------------------


def test_week_table() -> None:
    assert week_table(week(previous=empty_week(MON - timedelta(days=7))), LONDON) == (
        "Week 2026-W48 (Mon 23 Nov – Sun 29 Nov)\n"
        "\n"
        "Day         Hours       Worked      After hours  Breaks  Ended on time\n"
        "Mon 23 Nov  7 h 45 min  58 min                   1/1     yes\n"
        "Tue 24 Nov  7 h 45 min  8 h 15 min  30 min       0/1     no\n"
        "Wed 25 Nov  7 h 45 min  3 h 55 min  1 h                  no\n"
        "Thu 26 Nov  7 h 45 min  30 min      30 min\n"
        "Fri 27 Nov  7 h 45 min\n"
        "Sat 28 Nov  off\n"
        "Sun 29 Nov  off\n"
        "\n"
        "Worked 13 h 38 min of 38 h 45 min planned.\n"
        "Breaks: took 1 of 2 due (50%).\n"
        "Ended on time on 1 of 3 days.\n"
        "After hours: 2 h.\n"
        "Win (Mon 23 Nov): shipped it\n"
        'Win (Mon 23 Nov): a, b and "c"\n'
        "You ended on time on more days than last week — nice going.\n"
    )


def test_day_record_json_and_csv() -> None:
    summary = week()
    monday = day_record(summary.days[0], LONDON)
    assert monday == {
        "date": "2026-11-23",
        "planned_minutes": 465,
        "worked_minutes": 58,
        "in_hours_minutes": 58,
        "after_hours_minutes": 0,
        "first_activity": "09:00",
        "last_activity": "10:00",
        "breaks_due": 1,
        "breaks_due_taken": 1,
        "breaks_taken": 1,
        "breaks_natural": 0,
        "breaks_snoozed": 0,
        "breaks_skipped": 0,
        "breaks_missed": 0,
        "longest_stretch_minutes": 31,
        "ended_on_time": True,
        "after_hours_nudges": 0,
        "overtime_minutes": 0,
        "after_hours_meetings": 0,
        "wins": ["shipped it", 'a, b and "c"'],
    }
    assert day_record(summary.days[4], LONDON)["first_activity"] is None

    data = json.loads(week_json(summary, LONDON))
    assert data["week"] == "2026-W48" and data["week_start"] == "2026-11-23"
    assert (data["worked_minutes"], data["after_hours_minutes"]) == (818, 120)
    assert data["comparison"] is None
    assert data["days"][0] == monday

    rows = list(csv.DictReader(io.StringIO(week_csv(summary, LONDON))))
    assert list(rows[0]) == list(monday)
    assert rows[0]["wins"] == 'shipped it | a, b and "c"'
    assert [row["ended_on_time"] for row in rows] == ["yes", "no", "no", "", "", "", ""]
    assert rows[4]["first_activity"] == "" and rows[4]["worked_minutes"] == "0"


def test_a_sunday_week_in_json() -> None:
    data = json.loads(week_json(empty_week(date(2026, 11, 22)), LONDON))
    assert (data["week"], data["week_start"]) == ("2026-W48", "2026-11-22")
    assert data["days"][0]["date"] == "2026-11-22"


# ----- the window's summary ----------------------------------------------------------


def test_summary_fields() -> None:
    summary = week(previous=empty_week(MON - timedelta(days=7)))
    streak_view = StreakView(Streaks(ended_on_time=0, breaks_kept=1))

    fields = summary_fields(summary, streak_view)

    assert [(f.key, f.label, f.value) for f in fields] == [
        ("worked", "Worked", "13 h 38 min of 38 h 45 min planned"),
        ("after_hours", "After hours", "2 h"),
        ("breaks", "Breaks", "took 1 of 2 due (50%)"),
        ("longest_stretch", "Longest stretch", "4 h 45 min without a break"),
        ("on_time", "Ended on time", "1 of 3 days"),
        ("streak_on_time", "On-time streak", "a fresh start"),
        ("streak_breaks", "Breaks-kept streak", "1 workday"),
        (
            "comparison",
            "Compared with last week",
            "You ended on time on more days than last week — nice going.",
        ),
    ]


def test_summary_fields_without_streaks_plans_or_breaks() -> None:
    free = Settings(work_hours=WorkHours(days=((),) * 7))
    schedule = WorkSchedule(free.work_hours, LONDON)
    summary = summarize_week(MON, schedule, free, [], SPANS[:1], AFTER)

    values = {f.key: f.value for f in summary_fields(summary)}

    assert values == {
        "worked": "31 min (no hours planned)",
        "after_hours": "31 min",
        "breaks": "none were due",
        "longest_stretch": "31 min without a break",
        "on_time": "no workdays to count yet",
    }


@pytest.mark.parametrize(
    ("streak_view", "on_time", "kept"),
    [
        (StreakView(Streaks(1, 2)), "1 workday", "2 workdays"),
        (StreakView(Streaks(85, 3), on_time_capped=True), "85+ workdays", "3 workdays"),
        (StreakView(Streaks(0, 0), on_time_capped=True), "a fresh start", "a fresh start"),
    ],
)
def test_streak_wording(streak_view: StreakView, on_time: str, kept: str) -> None:
    values = {f.key: f.value for f in summary_fields(empty_week(), streak_view)}
    assert (values["streak_on_time"], values["streak_breaks"]) == (on_time, kept)


def test_summary_markdown() -> None:
    summary = week(previous=empty_week(MON - timedelta(days=7)))

    text = summary_markdown(summary, StreakView(Streaks(0, 1)))

    assert text == (
        "## Week 2026-W48 (Mon 23 Nov – Sun 29 Nov)\n"
        "\n"
        "- Worked: 13 h 38 min of 38 h 45 min planned\n"
        "- After hours: 2 h\n"
        "- Breaks: took 1 of 2 due (50%)\n"
        "- Longest stretch: 4 h 45 min without a break\n"
        "- Ended on time: 1 of 3 days\n"
        "- On-time streak: a fresh start\n"
        "- Breaks-kept streak: 1 workday\n"
        "\n"
        "Small wins:\n"
        "- Mon 23 Nov: shipped it\n"
        '- Mon 23 Nov: a, b and "c"\n'
        "\n"
        "You ended on time on more days than last week — nice going.\n"
    )


def test_summary_markdown_of_an_empty_week() -> None:
    assert summary_markdown(empty_week()) == (
        "## Week 2026-W48 (Mon 23 Nov – Sun 29 Nov)\n"
        "\n"
        "- Worked: 0 min of 38 h 45 min planned\n"
        "- After hours: none\n"
        "- Breaks: none were due\n"
        "- Longest stretch: none\n"
        "- Ended on time: no workdays to count yet\n"
    )


def test_week_title() -> None:
    assert week_title(empty_week(date(2026, 12, 27))) == "Week 2026-W53 (Sun 27 Dec – Sat 2 Jan)"


# ----- day descriptions --------------------------------------------------------------


def test_day_descriptions() -> None:
    days = week().days
    office = "Planned 09:00–12:30 and 13:15–17:30 (7 h 45 min)."

    assert [day_description(day, LONDON) for day in days] == [
        f"Mon 23 Nov. {office} Active 58 min, all in work hours. First activity 09:00, "
        "last 10:00. Breaks: 1 taken (09:31). Due breaks taken: 1 of 1. "
        "Longest stretch 31 min. Ended on time. 2 small wins.",
        f"Tue 24 Nov. {office} Active 8 h 15 min: 7 h 45 min in work hours, 30 min outside. "
        "First activity 09:00, last 18:00. Breaks: 1 snoozed (10:01), 1 skipped (10:07). "
        "Due breaks taken: 0 of 1. Longest stretch 4 h 45 min. Ended late.",
        # The night runs past midnight: the day's last activity is its end, 24:00.
        f"Wed 25 Nov. {office} Active 3 h 55 min: 2 h 55 min in work hours, 1 h outside. "
        "First activity 09:00, last 24:00. Breaks: 1 natural (10:00). "
        "Longest stretch 1 h 55 min. Ended late.",
        # Wednesday's night is not Thursday's work: no verdict.
        f"Thu 26 Nov. {office} Active 30 min, all outside work hours. First activity 00:00, "
        "last 00:30. No breaks. Longest stretch 30 min.",
        f"Fri 27 Nov. {office} No activity.",
        "Sat 28 Nov. Day off. No activity.",
        "Sun 29 Nov. Day off. No activity.",
    ]


def test_a_night_shift_description() -> None:
    nights = Settings(work_hours=WorkHours(days=((TimeWindow(time(22, 0), time(6, 0)),),) * 7))
    schedule = WorkSchedule(nights.work_hours, LONDON)
    summary = summarize_week(MON, schedule, nights, [], [], AFTER)
    assert day_description(summary.days[0], LONDON) == (
        "Mon 23 Nov. Planned 22:00–06:00 (8 h). No activity."
    )


def test_a_win_only_day_is_described() -> None:
    summary = dataclasses.replace(week().days[4], wins=("one",))
    assert day_description(summary, LONDON).endswith("No activity. 1 small win.")


# ----- after-hours meetings ----------------------------------------------------------


def meeting_outside(start: datetime) -> Event:
    end = start + timedelta(hours=1)
    day = start.astimezone(LONDON).date().isoformat()
    return ev(EventKind.MEETING_OUTSIDE_HOURS, start, start=iso(start), end=iso(end), day=day)


def test_after_hours_meetings_in_the_table_json_summary_and_descriptions() -> None:
    last_monday = MON - timedelta(days=7)
    events = [
        *EVENTS,
        meeting_outside(at(MON, "18:00")),
        meeting_outside(at(WED, "07:30")),
        meeting_outside(at(last_monday, "19:00")),
    ]
    schedule = WorkSchedule(OFFICE.work_hours, LONDON)
    previous = summarize_week(last_monday, schedule, OFFICE, events, SPANS, AFTER)
    summary = summarize_week(MON, schedule, OFFICE, events, SPANS, AFTER, previous=previous)

    assert meetings_text(summary) == "2 (last week: 1)"
    assert "After-hours meetings: 2 (last week: 1).\n" in week_table(summary, LONDON)
    data = json.loads(week_json(summary, LONDON))
    assert (data["after_hours_meetings"], data["after_hours_meetings_last_week"]) == (2, 1)
    assert [d["after_hours_meetings"] for d in data["days"]] == [1, 0, 1, 0, 0, 0, 0]
    fields = {f.key: (f.label, f.value) for f in summary_fields(summary)}
    assert fields["after_hours_meetings"] == ("After-hours meetings", "2 (last week: 1)")
    assert "- After-hours meetings: 2 (last week: 1)\n" in summary_markdown(summary)
    assert day_description(summary.days[0], LONDON).endswith(
        "1 meeting outside work hours. 2 small wins."
    )
    # None this week after some last week is worth saying; none in either is not.
    quiet = summarize_week(MON, schedule, OFFICE, EVENTS, SPANS, AFTER, previous=previous)
    assert meetings_text(quiet) == "none (last week: 1)"
    so_far = dataclasses.replace(previous, as_of=AFTER)  # a week in progress's yardstick
    in_progress = summarize_week(MON, schedule, OFFICE, events, SPANS, AFTER, previous=so_far)
    assert meetings_text(in_progress) == "2 (by this time last week: 1)"
    assert meetings_text(week()) is None and meetings_text(empty_week()) is None
    assert "after_hours_meetings" not in {f.key for f in summary_fields(week())}
    assert "After-hours meetings" not in week_table(week(), LONDON)
    plain = json.loads(week_json(week(), LONDON))
    assert (plain["after_hours_meetings"], plain["after_hours_meetings_last_week"]) == (0, None)
