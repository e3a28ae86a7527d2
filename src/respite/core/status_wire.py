"""The engine's status as JSON-ready data, and back: what the app sends over the local
socket and what `respite status --json` prints.

Times travel as ISO text in the user's zone (with the offset). Kept apart from the
runtime so the CLI can read the app's answers without loading Qt.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from respite.core.engine import Phase, Status
from respite.core.events import from_iso

__all__ = ["local_iso", "status_from_dict", "status_to_dict"]


def local_iso(moment: datetime | None, zone: tzinfo) -> str | None:
    """ISO text of `moment` in `zone`, to the second; None stays None."""
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def status_to_dict(status: Status, zone: tzinfo) -> dict[str, Any]:
    """A JSON-ready status; times are ISO text in the user's zone (with the offset), and
    "zone" names that zone (an IANA name, or null for a fixed offset)."""
    return {
        "phase": status.phase.value,
        "zone": getattr(zone, "key", None),
        "now": local_iso(status.now, zone),
        "next_break": status.next_break,
        "next_break_in": None if status.next_break_in is None else round(status.next_break_in),
        "held_because": status.held_because,
        "work_left": None if status.work_left is None else round(status.work_left),
        "paused_until": local_iso(status.paused_until, zone),
        "snoozed_until": local_iso(status.snoozed_until, zone),
        "break_ends_at": local_iso(status.break_ends_at, zone),
        "next_work_start": local_iso(status.next_work_start, zone),
        "done_for_today": status.done_for_today,
        "snoozes_left": status.snoozes_left,
        "day_off_reason": status.day_off_reason,
        "last_meeting_ends": local_iso(status.last_meeting_ends, zone),
    }


def _moment(value: Any) -> datetime | None:
    return None if value is None else from_iso(str(value))


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value)


def status_from_dict(data: dict[str, Any]) -> tuple[Status, tzinfo]:
    """The inverse of `status_to_dict` (for the CLI): the status and its zone.

    Raises ValueError (or KeyError) for a dict that isn't a status.
    """
    now = datetime.fromisoformat(str(data["now"]))
    zone: tzinfo | None = None
    name = data.get("zone")
    if isinstance(name, str) and name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(name)
    if zone is None:
        zone = timezone(now.utcoffset() or timedelta(0))
    snoozes_left = data.get("snoozes_left")
    status = Status(
        phase=Phase(data["phase"]),
        now=now.astimezone(UTC),
        next_break=data.get("next_break"),
        next_break_in=_seconds(data.get("next_break_in")),
        held_because=data.get("held_because"),
        work_left=_seconds(data.get("work_left")),
        paused_until=_moment(data.get("paused_until")),
        snoozed_until=_moment(data.get("snoozed_until")),
        break_ends_at=_moment(data.get("break_ends_at")),
        next_work_start=_moment(data.get("next_work_start")),
        done_for_today=bool(data.get("done_for_today")),
        snoozes_left=None if snoozes_left is None else int(snoozes_left),
        day_off_reason=data.get("day_off_reason"),
        last_meeting_ends=_moment(data.get("last_meeting_ends")),
    )
    return status, zone
