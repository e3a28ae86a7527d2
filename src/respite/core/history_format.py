"""How a week of history reads: the table, JSON and CSV of `respite history`, and the
summary lines, day descriptions and Markdown-friendly text of the history window.

Pure functions over `WeekSummary` / `DaySummary` (no Qt, no storage), shared by the CLI
and the history window so the two never disagree. Times are shown in the zone passed in.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from respite.core import messages
from respite.core.history import BreakMark, DaySummary, Streaks, WeekSummary
from respite.core.schedule import Interval

__all__ = [
    "MONTH_ABBR",
    "WEEKDAY_ABBR",
    "StreakView",
    "SummaryField",
    "clock_text",
    "day_description",
    "day_label",
    "day_record",
    "duration_text",
    "iso_week",
    "meetings_text",
    "summary_fields",
    "summary_markdown",
    "verdict_text",
    "week_csv",
    "week_json",
    "week_name",
    "week_table",
    "week_title",
    "windows_text",
]

WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ----- small pieces ------------------------------------------------------------------


def iso_week(day: date) -> str:
    """The ISO week `day` is in, e.g. "2026-W48"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_name(week_start: date) -> str:
    """The ISO week most of the seven days from `week_start` fall in: the week itself
    for a Monday start, and the ISO week of Monday..Saturday for a Sunday start."""
    return iso_week(week_start + timedelta(days=3))


def day_label(day: date) -> str:
    """Like "Mon 23 Nov"."""
    return f"{WEEKDAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month - 1]}"


def duration_text(seconds: float) -> str:
    """Like "45 min", "7 h 45 min" or "2 h"."""
    return messages.minutes_text(max(0.0, seconds) / 60)


def clock_text(moment: datetime | None, zone: tzinfo) -> str:
    """Local "HH:MM" of `moment`, or "" for None."""
    return "" if moment is None else f"{moment.astimezone(zone):%H:%M}"


def verdict_text(day: DaySummary) -> str:
    """The ended-on-time verdict as "yes" or "no"; "" when there is none."""
    return {True: "yes", False: "no", None: ""}[day.ended_on_time]


def windows_text(windows: Sequence[Interval], zone: tzinfo) -> str:
    """Like "09:00–12:30 and 13:15–17:30"."""
    parts = [f"{clock_text(w.start, zone)}–{clock_text(w.end, zone)}" for w in windows]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def week_title(week: WeekSummary) -> str:
    """Like "Week 2026-W48 (Mon 23 Nov – Sun 29 Nov)"."""
    first, last = week.days[0].day, week.days[-1].day
    return f"Week {week_name(first)} ({day_label(first)} – {day_label(last)})"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# ----- `respite history` -------------------------------------------------------------


def week_table(week: WeekSummary, zone: tzinfo) -> str:
    """The plain-text table `respite history` prints."""
    lines = [week_title(week), ""]
    header = ("Day", "Hours", "Worked", "After hours", "Breaks", "Ended on time")
    rows = [header]
    for day in week.days:
        breaks = f"{day.breaks_due_taken}/{day.breaks_due}" if day.breaks_due else ""
        rows.append(
            (
                day_label(day.day),
                duration_text(day.planned_seconds) if day.planned_seconds else "off",
                duration_text(day.active_seconds) if day.has_activity else "",
                duration_text(day.active_outside_hours) if day.active_outside_hours >= 60 else "",
                breaks,
                verdict_text(day),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        lines.append(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    lines.append("")
    worked = duration_text(week.worked_seconds)
    lines.append(f"Worked {worked} of {duration_text(week.planned_seconds)} planned.")
    if week.breaks_due:
        lines.append(
            f"Breaks: took {week.breaks_due_taken} of {week.breaks_due} due "
            f"({week.break_percentage}%)."
        )
    if week.days_with_verdict:
        lines.append(f"Ended on time on {week.days_on_time} of {week.days_with_verdict} days.")
    if week.after_hours_minutes >= 1:
        lines.append(f"After hours: {messages.minutes_text(week.after_hours_minutes)}.")
    meetings = meetings_text(week)
    if meetings is not None:
        lines.append(f"After-hours meetings: {meetings}.")
    for won_on, text in week.wins:
        lines.append(f"Win ({day_label(won_on)}): {text}")
    if week.comparison is not None:
        lines.append(week.comparison.text)
    return "\n".join(lines) + "\n"


def day_record(day: DaySummary, zone: tzinfo) -> dict[str, Any]:
    """One day as JSON-ready data (whole minutes; local "HH:MM" times)."""
    return {
        "date": day.day.isoformat(),
        "planned_minutes": round(day.planned_seconds / 60),
        "worked_minutes": round(day.active_seconds / 60),
        "in_hours_minutes": round(day.active_in_hours / 60),
        "after_hours_minutes": round(day.active_outside_hours / 60),
        "first_activity": clock_text(day.first_activity, zone) or None,
        "last_activity": clock_text(day.last_activity, zone) or None,
        "breaks_due": day.breaks_due,
        "breaks_due_taken": day.breaks_due_taken,
        "breaks_taken": day.breaks_taken,
        "breaks_natural": day.breaks_natural,
        "breaks_snoozed": day.breaks_snoozed,
        "breaks_skipped": day.breaks_skipped,
        "breaks_missed": day.breaks_missed,
        "longest_stretch_minutes": round(day.longest_stretch_seconds / 60),
        "ended_on_time": day.ended_on_time,
        "after_hours_nudges": day.after_hours_nudges,
        "overtime_minutes": round(day.overtime_minutes),
        "after_hours_meetings": day.after_hours_meetings,
        "wins": list(day.wins),
    }


def week_json(week: WeekSummary, zone: tzinfo) -> str:
    """The week and its days as indented JSON (what `respite history --format json` prints)."""
    data = {
        "week": week_name(week.week_start),
        "week_start": week.week_start.isoformat(),
        "planned_minutes": round(week.planned_seconds / 60),
        "worked_minutes": round(week.worked_seconds / 60),
        "after_hours_minutes": round(week.after_hours_minutes),
        "breaks_due": week.breaks_due,
        "breaks_due_taken": week.breaks_due_taken,
        "breaks_taken": week.breaks_taken,
        "breaks_natural": week.breaks_natural,
        "break_percentage": week.break_percentage,
        "longest_stretch_minutes": round(week.longest_stretch_seconds / 60),
        "days_on_time": week.days_on_time,
        "days_with_verdict": week.days_with_verdict,
        "after_hours_meetings": week.after_hours_meetings,
        "after_hours_meetings_last_week": _meetings_last_week(week),
        "comparison": week.comparison.text if week.comparison is not None else None,
        # True while the week is in progress: last week counts only up to the same
        # weekday and time (the meetings "last week" above too).
        "compared_so_far": week.comparison.so_far if week.comparison is not None else None,
        "days": [day_record(day, zone) for day in week.days],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def week_csv(week: WeekSummary, zone: tzinfo) -> str:
    """One CSV row per day (what `respite history --format csv` prints)."""
    rows = [day_record(day, zone) for day in week.days]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        ended = row["ended_on_time"]
        row["ended_on_time"] = "" if ended is None else ("yes" if ended else "no")
        row["wins"] = " | ".join(row["wins"])
        for key in ("first_activity", "last_activity"):
            row[key] = row[key] or ""
        writer.writerow(row)
    return buffer.getvalue()


# ----- the history window ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreakView:
    """Streaks as shown: `Streaks` plus whether each reached the look-back limit while
    still going (then the true streak is at least that long)."""

    streaks: Streaks
    on_time_capped: bool = False
    kept_capped: bool = False


@dataclass(frozen=True, slots=True)
class SummaryField:
    key: str  # stable, for code and tests: "worked", "after_hours", …
    label: str  # "Worked"
    value: str  # "31 h 20 min of 38 h 45 min planned"


def _meetings_last_week(week: WeekSummary) -> int | None:
    if week.comparison is None:
        return None
    return week.after_hours_meetings - week.comparison.after_hours_meetings_delta


def meetings_text(week: WeekSummary) -> str | None:
    """Calendar meetings outside work hours this week, like "2 (last week: 1)"; None when
    neither week had one (nothing to say, and no calendar may be set up). A week in
    progress is set against last week by the same time: "2 (by this time last week: 1)"."""
    last_week = _meetings_last_week(week)
    if not week.after_hours_meetings and not last_week:
        return None
    count = str(week.after_hours_meetings) if week.after_hours_meetings else "none"
    if last_week is None or week.comparison is None:
        return count
    when = "by this time last week" if week.comparison.so_far else "last week"
    return f"{count} ({when}: {last_week})"


def _streak_text(count: int, capped: bool) -> str:
    if count == 0:
        return "a fresh start"  # never a reproach
    return f"{count}{'+' if capped else ''} {'workday' if count == 1 else 'workdays'}"


def summary_fields(week: WeekSummary, streaks: StreakView | None = None) -> list[SummaryField]:
    """The week's numbers as (label, value) lines, for the window's labels and the copied
    summary. Streaks are left out when None (a week that hasn't started)."""
    if week.planned_seconds:
        worked = (
            f"{duration_text(week.worked_seconds)} of {duration_text(week.planned_seconds)} planned"
        )
    else:
        worked = f"{duration_text(week.worked_seconds)} (no hours planned)"
    after_hours = "none"
    if round(week.after_hours_minutes) > 0:
        after_hours = messages.minutes_text(week.after_hours_minutes)
    if week.breaks_due:
        breaks = f"took {week.breaks_due_taken} of {week.breaks_due} due ({week.break_percentage}%)"
    else:
        breaks = "none were due"
    stretch = (
        f"{duration_text(week.longest_stretch_seconds)} without a break"
        if week.longest_stretch_seconds
        else "none"
    )
    if week.days_with_verdict:
        on_time = f"{week.days_on_time} of {_plural(week.days_with_verdict, 'day')}"
    else:
        on_time = "no workdays to count yet"
    fields = [
        SummaryField("worked", "Worked", worked),
        SummaryField("after_hours", "After hours", after_hours),
    ]
    meetings = meetings_text(week)
    if meetings is not None:
        fields.append(SummaryField("after_hours_meetings", "After-hours meetings", meetings))
    fields += [
        SummaryField("breaks", "Breaks", breaks),
        SummaryField("longest_stretch", "Longest stretch", stretch),
        SummaryField("on_time", "Ended on time", on_time),
    ]
    if streaks is not None:
        current = streaks.streaks
        fields += [
            SummaryField(
                "streak_on_time",
                "On-time streak",
                _streak_text(current.ended_on_time, streaks.on_time_capped),
            ),
            SummaryField(
                "streak_breaks",
                "Breaks-kept streak",
                _streak_text(current.breaks_kept, streaks.kept_capped),
            ),
        ]
    if week.comparison is not None:
        fields.append(SummaryField("comparison", "Compared with last week", week.comparison.text))
    return fields


def summary_markdown(week: WeekSummary, streaks: StreakView | None = None) -> str:
    """The week as plain text that also reads well as Markdown, for pasting to an
    accountability partner: a heading, one bullet per number, the wins, the comparison."""
    lines = [f"## {week_title(week)}", ""]
    comparison = None
    for item in summary_fields(week, streaks):
        if item.key == "comparison":
            comparison = item.value
        else:
            lines.append(f"- {item.label}: {item.value}")
    if week.wins:
        lines += ["", "Small wins:"]
        lines += [f"- {day_label(won_on)}: {text}" for won_on, text in week.wins]
    if comparison is not None:
        lines += ["", comparison]
    return "\n".join(lines) + "\n"


def _breaks_text(day: DaySummary, zone: tzinfo) -> str:
    """Each kind of break mark with its count and times, then the due breaks taken."""
    parts = []
    for mark in BreakMark:
        times = [clock_text(moment, zone) for moment, kind in day.break_marks if kind is mark]
        if times:
            parts.append(f"{len(times)} {mark.value} ({', '.join(times)})")
    text = "Breaks: " + ", ".join(parts) + "." if parts else "No breaks."
    if day.breaks_due:
        text += f" Due breaks taken: {day.breaks_due_taken} of {day.breaks_due}."
    return text


def _active_text(day: DaySummary) -> str:
    total = duration_text(day.active_seconds)
    if round(day.active_outside_hours / 60) == 0:
        return f"Active {total}, all in work hours."
    if round(day.active_in_hours / 60) == 0:
        return f"Active {total}, all outside work hours."
    return (
        f"Active {total}: {duration_text(day.active_in_hours)} in work hours, "
        f"{duration_text(day.active_outside_hours)} outside."
    )


def day_description(day: DaySummary, zone: tzinfo) -> str:
    """Every number a day's chart row shows, as sentences (its accessible description)."""
    sentences = [f"{day_label(day.day)}."]
    if day.is_workday:
        sentences.append(
            f"Planned {windows_text(day.windows, zone)} ({duration_text(day.planned_seconds)})."
        )
    else:
        sentences.append("Day off.")
    if not day.has_activity:
        sentences.append("No activity.")
    else:
        sentences.append(_active_text(day))
        last = clock_text(day.last_activity, zone)
        if day.last_activity is not None and day.last_activity.astimezone(zone).date() > day.day:
            last = "24:00"  # the activity ran on past midnight
        sentences.append(f"First activity {clock_text(day.first_activity, zone)}, last {last}.")
        sentences.append(_breaks_text(day, zone))
        if day.longest_stretch_seconds:
            sentences.append(f"Longest stretch {duration_text(day.longest_stretch_seconds)}.")
    if day.ended_on_time is True:
        sentences.append("Ended on time.")
    elif day.ended_on_time is False:
        sentences.append("Ended late.")
    if day.after_hours_meetings:
        meetings = _plural(day.after_hours_meetings, "meeting")
        sentences.append(f"{meetings} outside work hours.")
    if day.wins:
        sentences.append(f"{_plural(len(day.wins), 'small win')}.")
    return " ".join(sentences)
