"""Kill -9 the real app at random moments while it logs: the log always survives.

Headless, every sample counts as activity, and the CLI adds small wins, snoozes and
skips in a loop, so the app is writing when it dies. After each kill the database must
open, pass `PRAGMA integrity_check`, hold every win the CLI was told was stored, lose at
most the last minute of activity, and the settings file must be untouched.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from respite.core.engine import SPAN_WRITE_EVERY
from respite.core.events import EventKind
from respite.storage.db import EventLog

from .headless import FAST_BREAKS, Headless, integrity

RUNS = 15
SLACK = timedelta(seconds=2)  # clock reads and process start-up


@pytest.mark.slow
def test_kill_9_during_heavy_logging_never_damages_the_log(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    app = Headless(tmp_path)
    settings_bytes = app.settings_file.read_bytes()
    acknowledged: list[str] = []
    for run in range(RUNS):
        app.start()
        started = datetime.now(UTC)
        busy_until = time.monotonic() + rng.uniform(0.2, 2.5)
        step = 0
        while time.monotonic() < busy_until:
            step += 1
            choice = rng.random()
            if choice < 0.7:
                text = f"win {run}-{step}"
                if app.cli("win", text).returncode == 0:
                    acknowledged.append(text)
            elif choice < 0.85:
                app.cli("snooze", "1m")
            else:
                app.cli("break", "skip")
        time.sleep(rng.uniform(0, 0.3))
        killed = datetime.now(UTC)
        app.kill()

        assert integrity(app.db) == "ok", f"run {run}"
        log, notices = EventLog.open(app.db, now=datetime.now(UTC))
        log.close()
        assert notices == [], f"run {run}: {notices}"
        events, spans = app.read_log()
        wins = [e.data.get("text") for e in events if e.kind is EventKind.WIN]
        missing = [text for text in acknowledged if text not in wins]
        assert missing == [], f"run {run}: acknowledged wins lost: {missing}"
        assert len(wins) == len(set(wins)), f"run {run}: duplicated wins"
        if killed - started > SPAN_WRITE_EVERY + SLACK:  # pragma: no cover - short runs
            assert spans and spans[-1].end >= killed - SPAN_WRITE_EVERY - SLACK
        assert app.settings_file.read_bytes() == settings_bytes
        assert not list(app.config.glob("settings.toml.*")), "a temp or bad settings file"
    assert len(acknowledged) > RUNS  # the loop really wrote


@pytest.mark.slow
def test_kill_9_after_a_minute_loses_at_most_the_last_minute(tmp_path: Path) -> None:
    """The activity span is written once a minute: a kill loses less than that."""
    app = Headless(tmp_path, settings=FAST_BREAKS).start()
    time.sleep(SPAN_WRITE_EVERY.total_seconds() + 8)
    killed = datetime.now(UTC)
    app.kill()
    assert integrity(app.db) == "ok"
    _, spans = app.read_log()
    assert spans, "no activity span was written in over a minute"
    lost = killed - spans[-1].end
    assert timedelta(0) <= lost <= SPAN_WRITE_EVERY + SLACK, lost
