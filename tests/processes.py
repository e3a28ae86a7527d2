"""Helpers for tests that watch real child processes (Linux: they read /proc)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], what: str, timeout: float = 10.0) -> T:
    """Polls `condition` until it answers (bounded); returns the answer."""
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
    return answer


def proc_state(pid: int) -> str | None:
    """The state letter in /proc/PID/stat ("Z" for a zombie); None once the pid is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return text.rpartition(")")[2].split()[0]
