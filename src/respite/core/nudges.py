"""Nudges: what the engine asks the shell to show, with the choices a user can click."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class NudgeKind(enum.StrEnum):
    SHORT_BREAK = "short_break"
    LONG_BREAK = "long_break"
    WIND_DOWN = "wind_down"
    END_OF_DAY = "end_of_day"
    OVERTIME_OVER = "overtime_over"
    AFTER_HOURS = "after_hours"
    DAY_OFF = "day_off"
    REMINDER = "reminder"
    MEETING_HEADS_UP = "meeting_heads_up"  # today has meetings outside the user's hours

    @property
    def is_break(self) -> bool:
        return self in (NudgeKind.SHORT_BREAK, NudgeKind.LONG_BREAK)


@dataclass(frozen=True, slots=True)
class Choice:
    key: str  # what the engine's perform() takes, e.g. "snooze:5"
    label: str


@dataclass(frozen=True, slots=True)
class Nudge:
    kind: NudgeKind
    at: datetime
    title: str
    body: str
    choices: tuple[Choice, ...] = ()
    level: int = 0  # 0 first time; higher when an unanswered nudge comes back
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """A stable name for this nudge (nudges hold a dict, so they are not hashable)."""
        return f"{self.kind.value}@{self.at.isoformat()}"
