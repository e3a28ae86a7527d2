"""The CLI writing and reading while the real app logs: nothing lost, nothing twice,
and "database is locked" never reaches the user."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest

from respite.core.events import EventKind

from .headless import Headless, integrity

pytestmark = pytest.mark.slow
WRITERS = 4
WINS_EACH = 12


def test_cli_writers_and_readers_against_the_logging_app(tmp_path: Path) -> None:
    app = Headless(tmp_path).start()
    outputs: list[tuple[tuple[str, ...], int, str]] = []
    lock = threading.Lock()

    def run(*args: str) -> int:
        result = app.cli(*args)
        with lock:
            outputs.append((args, result.returncode, result.stdout + result.stderr))
        return result.returncode

    def writer(number: int) -> None:
        rng = random.Random(number)
        for index in range(WINS_EACH):
            run("win", f"writer {number} win {index}")
            extra = rng.choice(
                [("snooze", "1m"), ("break", "start"), ("break", "skip"), ("break", "done"),
                 ("pause", "30m"), ("resume",)]
            )  # fmt: skip
            run(*extra)

    def reader() -> None:
        for _ in range(WINS_EACH):
            run("history", "--format", "json")
            run("export", "--format", "csv")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    threads.append(threading.Thread(target=reader))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=170)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        assert app.stop() == 0, app.stderr()

    for args, _code, text in outputs:
        assert "locked" not in text.lower(), (args, text)
        assert "Traceback" not in text, (args, text)
        assert "unexpected problem" not in text, (args, text)
    win_codes = [code for args, code, _ in outputs if args[0] == "win"]
    assert win_codes == [0] * (WRITERS * WINS_EACH)
    # Actions the engine may refuse (no break to skip, ...) say so and exit 1, never worse.
    assert {code for _, code, _ in outputs} <= {0, 1}
    wins = [e.data["text"] for e in app.events(EventKind.WIN)]
    expected = {f"writer {n} win {i}" for n in range(WRITERS) for i in range(WINS_EACH)}
    assert sorted(wins) == sorted(expected), "lost or duplicated wins"
    assert "locked" not in app.stderr().lower()
    assert integrity(app.db) == "ok"
