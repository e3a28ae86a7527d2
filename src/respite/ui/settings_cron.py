"""When a reminder's cron expression fires next: the settings window's live preview
(and the plain words for a moment that the hooks list uses too).

APScheduler is imported on first use only, as the engine and `settings_parse.cron_error`
do: most users never set a reminder, and the cron trigger costs start-up time.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

from respite.core.settings_parse import cron_error

__all__ = ["moment_text", "next_fire_times", "preview_text"]


@lru_cache(maxsize=64)
def _trigger(expression: str, zone: tzinfo) -> Any:
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(expression, timezone=zone)


def next_fire_times(
    expression: str, zone: tzinfo, after: datetime, count: int = 3
) -> list[datetime]:
    """The next `count` times (in `zone`) at or after `after`; fewer if it stops firing.

    Raises ValueError when APScheduler cannot read the expression.
    """
    error = cron_error(expression)
    if error is not None:
        raise ValueError(error)
    trigger = _trigger(expression, zone)
    times: list[datetime] = []
    moment = after.astimezone(zone)
    previous: datetime | None = None
    while len(times) < count:
        fire: datetime | None = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire.astimezone(zone))
        previous = fire
        moment = fire + timedelta(seconds=1)
    return times


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def moment_text(moment: datetime, today: datetime) -> str:
    """`moment` in a few words: "today 12:30", "yesterday 17:00", "Fri 27 Nov 16:00"."""
    days = (moment.date() - today.date()).days
    clock = f"{moment:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if days == -1:
        return f"yesterday {clock}"
    # Fixed English names: strftime would follow the C locale Qt sets from the
    # environment, and the rest of the window is English.
    day = f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"
    if moment.year != today.year:
        day += f" {moment.year}"
    return f"{day} {clock}"


def preview_text(expression: str, zone: tzinfo, now: datetime) -> tuple[str, bool]:
    """(text, readable): the next three times in plain words, or why there are none.

    `readable` is False when APScheduler can't read the expression; the settings window
    then shows the validation problem instead of this text.
    """
    try:
        times = next_fire_times(expression.strip(), zone, now)
    except ValueError as error:
        return f"Can't read this schedule: {error}", False
    if not times:
        return "This schedule never fires: is the date impossible, like 31 February?", True
    local_now = now.astimezone(zone)
    shown = " · ".join(moment_text(moment, local_now) for moment in times)
    return f"Next: {shown}  ({getattr(zone, 'key', None) or zone})", True
