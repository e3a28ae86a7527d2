"""One-line answers to "what's next?" for the tray tooltip, the menu and the CLI."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from respite.core.engine import Phase, Status
from respite.core.messages import minutes_text

HELD_TEXT = {
    "idle": "Break timer resting while you're away",
    "fullscreen": "Break held back while a window is fullscreen",
    "meeting": "Break held back until your meeting ends",
    "snoozed": "Break snoozed",
}


def when_text(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """'14:30', 'tomorrow 09:00', 'Monday 09:00' or '2 Dec 09:00' in the user's zone."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local:%H:%M}"
    days = (local.date() - today).days
    if days == 0:
        return clock
    if days == 1:
        return f"tomorrow {clock}"
    if 1 < days < 7:
        return f"{local:%A} {clock}"
    return f"{local.day} {local:%b} {clock}"


def _left(seconds: float) -> str:
    return minutes_text(max(1.0, seconds / 60))


def status_line(status: Status, zone: tzinfo) -> str:
    now = status.now
    if status.phase is Phase.ON_BREAK and status.break_ends_at is not None:
        return f"On a break until {when_text(status.break_ends_at, now, zone)}. Enjoy it."
    if status.phase is Phase.PAUSED and status.paused_until is not None:
        return f"Paused until {when_text(status.paused_until, now, zone)}"
    meeting = ""
    if status.last_meeting_ends is not None:
        meeting = f" · last meeting ends {when_text(status.last_meeting_ends, now, zone)}"
    if status.phase is Phase.OFF_HOURS:
        if status.done_for_today:
            opening = "Done for today"
        elif status.day_off_reason:
            opening = f"Day off (calendar: {status.day_off_reason})"
        else:
            opening = "Off hours"
        if status.next_work_start is None:
            return f"{opening} — no working hours set{meeting}"
        return f"{opening} — see you {when_text(status.next_work_start, now, zone)}{meeting}"
    work_left = ""
    if status.work_left:
        work_left = f" · {_left(status.work_left)} of work left"
    work_left += meeting
    if status.phase is Phase.BREAK_DUE:
        return f"Time for a {status.next_break} break{work_left}"
    if status.held_because == "snoozed" and status.snoozed_until is not None:
        until = when_text(status.snoozed_until, now, zone)
        return f"Break snoozed until {until}{work_left}"
    if status.held_because in HELD_TEXT:
        return HELD_TEXT[status.held_because] + work_left
    if status.held_because is not None:
        return f"Break held back ({status.held_because}){work_left}"
    kind = "Long" if status.next_break == "long" else "Short"
    due = status.next_break_in or 0.0
    return f"{kind} break in {_left(due)}{work_left}"


def tooltip(status: Status, zone: tzinfo) -> str:
    return f"Respite — {status_line(status, zone)}"


def duration_text(delta: timedelta) -> str:
    return minutes_text(delta.total_seconds() / 60)
