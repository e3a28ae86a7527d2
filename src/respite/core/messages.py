"""What Respite says. Kind and short; never guilt. Shell and CLI both use these."""

from __future__ import annotations

from collections.abc import Sequence

from respite.core.nudges import Choice, NudgeKind

START_BREAK = "start_break"
SKIP = "skip"
SNOOZE = "snooze"  # "snooze:<minutes>"
DONE_FOR_TODAY = "done_for_today"
OVERTIME = "overtime"  # "overtime:<minutes>"
WIN = "win"


def break_choices(snooze_minutes: int) -> tuple[Choice, ...]:
    return (
        Choice(START_BREAK, "Start break"),
        Choice(f"{SNOOZE}:{snooze_minutes}", f"Snooze {snooze_minutes} min"),
        Choice(SKIP, "Skip"),
    )


def end_of_day_choices(overtime_minutes: int) -> tuple[Choice, ...]:
    return (
        Choice(DONE_FOR_TODAY, "Done for today"),
        Choice(f"{OVERTIME}:{overtime_minutes}", f"{overtime_minutes} more minutes"),
        Choice(WIN, "Log a small win"),
    )


def after_hours_choices(overtime_minutes: int) -> tuple[Choice, ...]:
    return (
        Choice(DONE_FOR_TODAY, "I'm stopping"),
        Choice(f"{OVERTIME}:{overtime_minutes}", f"Need {overtime_minutes} min"),
    )


def minutes_text(minutes: float) -> str:
    whole = round(minutes)
    if whole < 60:
        return f"{whole} min"
    hours, rest = divmod(whole, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def break_text(kind: NudgeKind, level: int, active_minutes: float) -> tuple[str, str]:
    if level > 0:
        label = "short" if kind is NudgeKind.SHORT_BREAK else "longer"
        return "Still here when you're ready", f"A {label} break is waiting for you."
    if kind is NudgeKind.SHORT_BREAK:
        return (
            "Time for a short break",
            f"{minutes_text(active_minutes)} of focus. Look away, roll your shoulders, breathe.",
        )
    return (
        "Time for a proper break",
        f"{minutes_text(active_minutes)} of good work. A few minutes away makes the next "
        "stretch easier.",
    )


def wind_down_text(minutes_left: int) -> tuple[str, str]:
    return (
        "Winding down",
        f"{minutes_text(minutes_left)} left today. A good moment to note where to pick up "
        "tomorrow.",
    )


def end_of_day_text(why: str) -> tuple[str, str]:
    body = f"“{why}”" if why else "The rest will still be here tomorrow. Your evening is yours."
    return "That's a wrap for today", body


def overtime_over_text(minutes: int, why: str) -> tuple[str, str]:
    body = f"“{why}”" if why else "Time to let the rest wait until tomorrow."
    return f"Your extra {minutes_text(minutes)} are up", body


def after_hours_text(why: str) -> tuple[str, str]:
    body = why or "Whatever is left can wait. You chose to keep your evenings."
    return "Still working?", body


def day_off_text(why: str) -> tuple[str, str]:
    body = why or "If this can wait, let it. Rest is part of the work."
    return "It's your day off", body


def meeting_heads_up_text(times: Sequence[str], *, day_off: bool) -> tuple[str, str]:
    """A gentle heads-up about today's meetings outside work hours (`times`: "HH:MM",
    earliest first)."""
    many = len(times) > 1
    if many:
        what = f"{len(times)} meetings today (the first at {times[0]})"
    else:
        what = f"A meeting at {times[0]} today"
    if day_off:
        verb = "fall" if many else "falls"
        return (
            "Heads up",
            f"{what} {verb} on your day off. If it can't move, let the rest of the day be yours.",
        )
    verb, them = ("are", "them") if many else ("is", "it")
    return (
        "Heads up",
        f"{what} {verb} outside your hours. Maybe finish earlier to make room for {them}?",
    )


def win_thanks(text: str) -> str:
    return f"Noted: {text} — nice one."
