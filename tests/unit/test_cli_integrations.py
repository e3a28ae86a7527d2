"""`respite status` lines for calendars and hooks (from the running app's summary)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from respite import cli

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_calendar_lines() -> None:
    lines = cli._calendar_lines(
        {
            "meeting_now_ends": "2026-11-23T10:10:00+00:00",
            "last_meeting_today_ends": "2026-11-23T19:00:00+00:00",
            "after_hours_meetings_today": [
                {"start": "2026-11-23T18:00:00+00:00", "end": "2026-11-23T19:00:00+00:00"}
            ],
            "days_off": ["2026-11-27"],
            "problems": ["Calendar 'Work': the server answered 500. Using the last good copy."],
        },
        NOW,
        LONDON,
    )
    assert lines == [
        "In a meeting until 10:10",  # when the last one ends is in the status line
        "Outside your hours today: 1 meeting (18:00-19:00)",
        "Days off in your calendar: 2026-11-27",
        "Calendar problem: Calendar 'Work': the server answered 500. Using the last good copy.",
    ]


def test_hook_lines() -> None:
    assert cli._hook_lines(
        [
            {"name": "A", "ok": None},
            {"name": "B", "ok": True, "last_event": "pause"},
            {
                "name": "C",
                "ok": False,
                "last_event": "resume",
                "detail": "the webhook answered 503",
            },
        ]
    ) == [
        "Hook 'A': not run yet",
        "Hook 'B': ran for pause",
        "Hook 'C' failed for resume: the webhook answered 503",
    ]
