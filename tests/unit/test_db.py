"""The SQLite event log: round trips, migrations, damage, permissions and concurrency."""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import stat
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from respite.core.clock import FakeClock
from respite.core.engine import LASTING_REACH, MEMORY, Engine
from respite.core.events import ActiveSpan, Event, EventKind, iso
from respite.core.history import summarize_day
from respite.core.schedule import WorkSchedule
from respite.core.settings import Settings
from respite.storage import db
from respite.storage.db import EventLog, StorageError, to_ms
from tests.fakes import Simulation, active_between

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
POSIX = sys.platform != "win32"
ROOT = POSIX and os.geteuid() == 0


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "respite.sqlite3"


@pytest.fixture
def event_log(db_path: Path) -> Iterator[EventLog]:
    log, notices = EventLog.open(db_path, now=NOW, zone=lambda: LONDON)
    assert notices == []
    yield log
    log.close()


def open_log(path: Path, **options: object) -> tuple[EventLog, list[str]]:
    return EventLog.open(path, now=NOW, **options)  # type: ignore[arg-type]


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def query(path: Path, sql: str, *parameters: object) -> list[tuple[object, ...]]:
    conn = raw(path)
    try:
        return conn.execute(sql, parameters).fetchall()
    finally:
        conn.close()


def write_real_db(path: Path, events: int = 1500) -> None:
    log, _ = open_log(path)
    with log:
        for i in range(events):
            log.record(Event(EventKind.WIN, T0 + timedelta(seconds=i), {"text": "x" * 40}))
            if i % 10 == 0:
                log.record_span(ActiveSpan(T0 + minutes(i), T0 + minutes(i + 5)))


def aside_files(path: Path, kind: str) -> list[Path]:
    """Databases set aside (not their -wal/-shm companions)."""
    found = path.parent.glob(f"{path.name}.{kind}-*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm")))


# ----- round trips -----------------------------------------------------------------


def test_events_round_trip_keeps_time_offset_kind_and_json(event_log: EventLog) -> None:
    written = [
        Event(EventKind.APP_STARTED, T0, {}, 60),
        Event(EventKind.WIN, T0 + minutes(1), {"text": "café ☕ 日本語 — done"}, 60),
        Event(
            EventKind.NUDGE,
            T0 + minutes(2),
            {"kind": "short_break", "level": 0, "nested": {"a": [1, 2.5, None, True]}},
            -300,
        ),
        # Given in another zone: stored and read back as the same instant in UTC.
        Event(
            EventKind.OVERTIME,
            datetime(2026, 6, 1, 14, 3, tzinfo=ZoneInfo("America/New_York")),
            {"minutes": 15, "until": "2026-06-01T18:18:00+00:00"},
            -240,
        ),
    ]
    for event in written:
        event_log.record(event)

    read = event_log.events(T0, T0 + timedelta(days=1))

    assert read == sorted(written, key=lambda e: e.at)
    assert all(e.at.tzinfo is UTC for e in read)
    assert read[-1].at == datetime(2026, 6, 1, 18, 3, tzinfo=UTC)
    assert [e.utc_offset_minutes for e in read] == [60, 60, -300, -240]
    stored = query(event_log.path, "SELECT at, utc_offset, data FROM events WHERE kind = 'win'")
    at_ms = int((T0 + minutes(1)).timestamp() * 1000)
    assert stored == [(at_ms, 60, '{"text": "café ☕ 日本語 — done"}')]


def test_event_times_keep_milliseconds(event_log: EventLog) -> None:
    moment = T0 + timedelta(microseconds=123_456)
    event_log.record(Event(EventKind.RESUMED, moment))

    [read] = event_log.events(T0, T0 + minutes(1))

    assert read.at == T0 + timedelta(microseconds=123_000)


def test_events_range_is_half_open_and_ordered_by_time_then_recording(
    event_log: EventLog,
) -> None:
    for text, offset in [("end", 10), ("b", 5), ("start", 0), ("c", 5), ("before", -1)]:
        event_log.record(Event(EventKind.WIN, T0 + minutes(offset), {"text": text}))

    read = event_log.events(T0, T0 + minutes(10))

    assert [e.data["text"] for e in read] == ["start", "b", "c"]


def test_events_filter_by_kind(event_log: EventLog) -> None:
    event_log.record(Event(EventKind.BREAK_STARTED, T0, {"kind": "short"}))
    event_log.record(Event(EventKind.WIN, T0 + minutes(1), {"text": "w"}))
    event_log.record(Event(EventKind.BREAK_SKIPPED, T0 + minutes(2), {"kind": "long"}))
    end = T0 + minutes(5)

    chosen = event_log.events(T0, end, kinds={EventKind.BREAK_SKIPPED, EventKind.BREAK_STARTED})

    assert [e.kind for e in chosen] == [EventKind.BREAK_STARTED, EventKind.BREAK_SKIPPED]
    assert event_log.events(T0, end, kinds=[EventKind.WIN])[0].data == {"text": "w"}
    assert event_log.events(T0, end, kinds=()) == []


def test_span_upsert_extends_and_never_shrinks(event_log: EventLog) -> None:
    start = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    event_log.record_span(ActiveSpan(start, start + minutes(5)))
    event_log.record_span(ActiveSpan(start, start + minutes(20)))
    event_log.record_span(ActiveSpan(start, start + minutes(10)))  # a stale write
    event_log.record_span(ActiveSpan(start + minutes(30), start + minutes(31)))

    spans = event_log.spans(start, start + timedelta(hours=1))

    assert spans == [
        ActiveSpan(start, start + minutes(20)),
        ActiveSpan(start + minutes(30), start + minutes(31)),
    ]
    # The offset is the local one at the start (London is on BST in June).
    assert query(event_log.path, "SELECT utc_offset FROM spans") == [(60,), (60,)]


def test_spans_are_those_overlapping_the_range(event_log: EventLog) -> None:
    for a, b in [(0, 10), (50, 70), (80, 90), (95, 200), (200, 210), (40, 300)]:
        event_log.record_span(ActiveSpan(T0 + minutes(a), T0 + minutes(b)))

    spans = event_log.spans(T0 + minutes(60), T0 + minutes(200))

    assert [(s.start - T0, s.end - T0) for s in spans] == [
        (minutes(40), minutes(300)),
        (minutes(50), minutes(70)),
        (minutes(80), minutes(90)),
        (minutes(95), minutes(200)),
    ]


def test_recent_and_count(event_log: EventLog) -> None:
    for i in range(5):
        event_log.record(Event(EventKind.WIN, T0 + timedelta(hours=i), {"text": str(i)}))
    event_log.record_span(ActiveSpan(T0, T0 + timedelta(hours=1)))
    event_log.record_span(ActiveSpan(T0 + timedelta(hours=2), T0 + timedelta(hours=4)))

    events, spans = event_log.recent(T0 + timedelta(hours=3))

    assert [e.data["text"] for e in events] == ["3", "4"]
    assert spans == [ActiveSpan(T0 + timedelta(hours=2), T0 + timedelta(hours=4))]
    assert event_log.count_events() == 5


def test_recent_also_brings_the_latest_lasting_events_from_before_it(
    event_log: EventLog,
) -> None:
    # A pause or "done for today" can stay in force for longer than the engine keeps
    # in memory: the latest of each kind comes too, however far before `since` it was.
    before = [
        (EventKind.PAUSED, 12),
        (EventKind.RESUMED, 11),
        (EventKind.PAUSED, 4),
        (EventKind.DONE_FOR_TODAY, 3),
        (EventKind.DONE_FOR_TODAY, 2),
        (EventKind.WIN, 1),
    ]
    for kind, days in before:
        event_log.record(Event(kind, T0 - timedelta(days=days), {"until": iso(T0)}))
    event_log.record(Event(EventKind.WIN, T0 + minutes(5), {"text": "after"}))

    events, _ = event_log.recent(T0)

    assert [(e.kind, T0 - e.at) for e in events] == [
        (EventKind.RESUMED, timedelta(days=11)),
        (EventKind.PAUSED, timedelta(days=4)),
        (EventKind.DONE_FOR_TODAY, timedelta(days=2)),
        (EventKind.WIN, -minutes(5)),
    ]


def test_recent_finds_the_latest_break_and_its_end_however_old(event_log: EventLog) -> None:
    # A break still running when Respite stopped needs its end logged at the next start.
    long_ago = T0 - timedelta(days=400)
    started = {"kind": "long", "planned_seconds": 600}
    event_log.record(Event(EventKind.BREAK_STARTED, long_ago - timedelta(days=1), started))
    event_log.record(Event(EventKind.BREAK_FINISHED, long_ago - timedelta(days=1), {}))
    event_log.record(Event(EventKind.BREAK_STARTED, long_ago, started))

    events, _ = event_log.recent(T0)

    assert [(e.kind, e.at) for e in events] == [
        (EventKind.BREAK_FINISHED, long_ago - timedelta(days=1)),
        (EventKind.BREAK_STARTED, long_ago),
    ]


def test_recent_leaves_out_lasting_events_older_than_any_can_last(event_log: EventLog) -> None:
    too_old = T0 - LASTING_REACH - minutes(1)
    for kind in (EventKind.PAUSED, EventKind.DONE_FOR_TODAY):
        event_log.record(Event(kind, too_old, {"until": iso(T0)}))

    assert event_log.recent(T0) == ([], [])


def test_unreadable_rows_are_skipped_not_fatal(event_log: EventLog) -> None:
    event_log.record(Event(EventKind.WIN, T0, {"text": "kept"}))
    conn = raw(event_log.path)
    with conn:
        conn.execute(
            "INSERT INTO events (at, utc_offset, kind, data) VALUES (?, 0, ?, '{}')",
            (int(T0.timestamp() * 1000) + 1, "from_the_future"),
        )
        conn.execute(
            "INSERT INTO events (at, utc_offset, kind, data) VALUES (?, 0, 'win', ?)",
            (int(T0.timestamp() * 1000) + 2, "{not json"),
        )
    conn.close()

    assert [e.data for e in event_log.events(T0, T0 + minutes(1))] == [{"text": "kept"}]


def test_rows_with_a_time_out_of_range_or_not_a_number_are_skipped_not_fatal(
    event_log: EventLog,
) -> None:
    event_log.record(Event(EventKind.WIN, T0, {"text": "kept"}))
    conn = raw(event_log.path)
    with conn:
        for at, offset in ((10**17, 0), ("soon", 0), (to_ms(T0) + 1, "east")):
            conn.execute(
                "INSERT INTO events (at, utc_offset, kind, data) VALUES (?, ?, 'win', '{}')",
                (at, offset),
            )
    conn.close()

    events, _ = event_log.recent(T0)
    assert [e.data for e in events] == [{"text": "kept"}]


def test_a_row_the_engine_cant_use_neither_stops_a_restart_nor_leaves_the_log(
    db_path: Path,
) -> None:
    # Readable rows with data the engine can't use, between good ones: the good ones
    # are restored, the bad ones stay in the log as they were.
    clock = FakeClock(T0)
    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        Engine(Settings(), clock, log, zone=lambda: LONDON).pause(30)
        conn = raw(db_path)
        with conn:
            for n, kind, data in (
                (1, "break_started", "{}"),
                (2, "break_snoozed", '{"kind": "short", "minutes": 1e999}'),
                (3, "paused", '{"until": "in a bit"}'),
            ):
                conn.execute(
                    "INSERT INTO events (at, utc_offset, kind, data) VALUES (?, 60, ?, ?)",
                    (to_ms(T0 + minutes(n)), kind, data),
                )
        conn.close()
        stored = log.count_events()

    clock.set(T0 + minutes(5))
    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        events, spans = log.recent(clock.now() - MEMORY)
        assert len(events) == stored
        engine = Engine(
            Settings(), clock, log, zone=lambda: LONDON, past_events=events, past_spans=spans
        )
        assert engine.status().paused_until == T0 + minutes(30)
        assert engine.status().snoozed_until is None
        clock.set(T0 + minutes(31))
        engine.reconcile()
        assert engine.status().paused_until is None
    assert query(db_path, "SELECT data FROM events WHERE kind = 'paused' ORDER BY at") == [
        (f'{{"until": "{iso(T0 + minutes(30))}"}}',),
        ('{"until": "in a bit"}',),
    ]


def test_closed_log_refuses_politely(db_path: Path) -> None:
    log, _ = open_log(db_path)
    log.close()
    log.close()  # twice is fine

    with pytest.raises(StorageError, match="closed"):
        log.record(Event(EventKind.RESUMED, T0))


# ----- schema and migrations -------------------------------------------------------


def test_new_file_gets_the_schema_and_reopening_is_idempotent(db_path: Path) -> None:
    log, notices = open_log(db_path)
    with log:
        log.record(Event(EventKind.WIN, T0, {"text": "first"}))
    assert notices == []

    again, notices = open_log(db_path)
    with again:
        assert notices == []
        assert again.count_events() == 1

    assert query(db_path, "PRAGMA user_version") == [(db.schema_version(),)]
    assert query(db_path, "PRAGMA journal_mode") == [("wal",)]
    names = {row[0] for row in query(db_path, "SELECT name FROM sqlite_master")}
    assert {"events", "spans", "events_at", "events_kind_at", "spans_end"} <= names


def test_empty_file_is_just_a_new_database(db_path: Path) -> None:
    db_path.parent.mkdir()
    db_path.touch()

    log, notices = open_log(db_path)
    log.close()

    assert notices == []
    assert aside_files(db_path, "corrupt") == []
    assert query(db_path, "PRAGMA user_version") == [(1,)]


def test_pending_migrations_run_in_order_once_each(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_log(db_path)[0].close()  # at version 1
    ran: list[int] = []

    def v2(conn: sqlite3.Connection) -> None:
        ran.append(2)
        conn.execute("ALTER TABLE events ADD COLUMN note TEXT")

    def v3(conn: sqlite3.Connection) -> None:
        ran.append(3)
        conn.execute("UPDATE events SET note = 'migrated'")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, v2, v3])
    log, _ = open_log(db_path)
    log.record(Event(EventKind.WIN, T0, {"text": "after"}))
    log.close()
    open_log(db_path)[0].close()

    assert ran == [2, 3]
    assert query(db_path, "PRAGMA user_version") == [(3,)]
    assert query(db_path, "SELECT note FROM events") == [(None,)]


def test_a_failing_migration_rolls_back_its_step(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_log(db_path)[0].close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("THIS IS NOT SQL")

    monkeypatch.setattr(db, "MIGRATIONS", [*db.MIGRATIONS, broken])
    with pytest.raises(StorageError, match=str(db_path)):
        open_log(db_path)

    assert query(db_path, "PRAGMA user_version") == [(1,)]
    assert query(db_path, "SELECT name FROM sqlite_master WHERE name = 'half_done'") == []
    assert aside_files(db_path, "corrupt") == []


def test_a_newer_schema_is_moved_aside_untouched(db_path: Path) -> None:
    write_real_db(db_path, events=10)
    conn = raw(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    original = db_path.read_bytes()

    log, notices = open_log(db_path)
    with log:
        assert log.count_events() == 0

    [aside] = aside_files(db_path, "newer")
    assert aside.read_bytes() == original
    assert aside.name.startswith("respite.sqlite3.newer-")
    [notice] = notices
    assert str(aside) in notice and "newer version" in notice
    assert query(db_path, "PRAGMA user_version") == [(1,)]


# ----- damage ----------------------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(7).randbytes(16384))


def _text(path: Path) -> None:
    path.write_text("these are my notes, not a database\n", encoding="utf-8")


def _truncated(path: Path) -> None:
    write_real_db(path)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2 + 100)


def _bad_pages(path: Path) -> None:
    write_real_db(path)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[page : 4 * page] = b"\xff" * (3 * page)  # pages 2-4: the header stays valid
    path.write_bytes(bytes(data))
    assert data.startswith(b"SQLite format 3\x00")


@pytest.mark.parametrize("damage", [_garbage, _text, _truncated, _bad_pages])
def test_damaged_files_are_moved_aside_byte_identical(db_path: Path, damage) -> None:
    db_path.parent.mkdir(exist_ok=True)
    damage(db_path)
    original = db_path.read_bytes()

    log, notices = open_log(db_path)
    with log:
        log.record(Event(EventKind.WIN, T0, {"text": "fresh start"}))
        assert [e.data["text"] for e in log.events(T0, T0 + minutes(1))] == ["fresh start"]

    [aside] = aside_files(db_path, "corrupt")
    assert aside.read_bytes() == original
    stamp = NOW.astimezone().strftime("%Y%m%d-%H%M%S")
    assert aside.name == f"respite.sqlite3.corrupt-{stamp}"
    [notice] = notices
    assert str(aside) in notice
    assert "fresh one" in notice


def test_sidecar_files_move_with_the_damaged_database(db_path: Path) -> None:
    db_path.parent.mkdir()
    _garbage(db_path)
    wal = db_path.with_name(db_path.name + "-wal")
    wal.write_bytes(b"old wal bytes")

    log, _ = open_log(db_path)
    log.close()

    [aside] = aside_files(db_path, "corrupt")
    assert aside.with_name(aside.name + "-wal").read_bytes() == b"old wal bytes"
    assert not wal.exists() or wal.read_bytes() != b"old wal bytes"


def test_two_damaged_files_in_one_second_both_kept(db_path: Path) -> None:
    db_path.parent.mkdir()
    _garbage(db_path)
    open_log(db_path)[0].close()
    _text(db_path)
    open_log(db_path)[0].close()

    asides = aside_files(db_path, "corrupt")

    assert len(asides) == 2
    assert asides[1].name.endswith("-2")
    assert asides[1].read_text(encoding="utf-8").startswith("these are my notes")


# ----- locations and permissions ---------------------------------------------------


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_private_modes_whatever_the_umask(db_path: Path) -> None:
    db_path.parent.mkdir(mode=0o755)
    db_path.parent.chmod(0o755)
    previous = os.umask(0)
    try:
        log, _ = open_log(db_path)
        with log:
            log.record(Event(EventKind.WIN, T0, {"text": "private"}))
            sidecars = [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm")]
            assert all(p.exists() for p in sidecars)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [db_path, *sidecars]}
    finally:
        os.umask(previous)

    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    assert set(modes.values()) == {0o600}, modes


@pytest.mark.skipif(not POSIX, reason="POSIX modes")
def test_an_existing_open_file_is_tightened(db_path: Path) -> None:
    write_real_db(db_path, events=1)
    db_path.chmod(0o644)

    open_log(db_path)[0].close()

    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_a_folder_that_is_a_file_is_a_clear_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a folder", encoding="utf-8")

    with pytest.raises(StorageError) as raised:
        open_log(blocker / "respite.sqlite3")

    message = str(raised.value)
    assert "\n" not in message and str(blocker) in message


def test_a_database_path_that_is_a_folder_is_an_error_not_damage(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    (db_path / "keep.txt").write_text("mine", encoding="utf-8")

    with pytest.raises(StorageError, match="can't open"):
        open_log(db_path)

    assert (db_path / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert aside_files(db_path, "corrupt") == []


def test_a_full_disk_at_open_says_to_free_space(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_migrate = db._migrate

    def migrate_on_a_full_disk(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA max_page_count = 1")  # no room for the tables
        real_migrate(conn)

    monkeypatch.setattr(db, "_migrate", migrate_on_a_full_disk)
    with pytest.raises(StorageError, match=r"\(database or disk is full\); free some space"):
        open_log(db_path)

    def no_space(folder: Path) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(db.paths, "ensure_private_dir", no_space)
    with pytest.raises(StorageError, match=r"\(No space left on device\); free some space"):
        open_log(db_path)


@pytest.mark.skipif(not POSIX or ROOT, reason="root ignores permissions")
def test_a_read_only_folder_is_a_clear_storage_error(tmp_path: Path) -> None:
    # The data folder itself would be made 0700 again (we own it): lock its parent.
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(StorageError, match=r"Permission denied.*writable"):
            open_log(locked / "data" / "respite.sqlite3")
    finally:
        locked.chmod(0o700)


# ----- read-only -------------------------------------------------------------------


def test_read_only_open_of_a_missing_log_creates_nothing(db_path: Path) -> None:
    db_path.parent.mkdir()

    log, notices = open_log(db_path, readonly=True)
    with log:
        assert log.events(T0, T0 + timedelta(days=7)) == []
        assert log.spans(T0, T0 + timedelta(days=7)) == []
        assert log.count_events() == 0
        with pytest.raises(StorageError, match="read-only"):
            log.record(Event(EventKind.WIN, T0, {"text": "no"}))

    assert notices == []
    assert list(db_path.parent.iterdir()) == []


def test_read_only_open_of_a_damaged_log_moves_nothing(db_path: Path) -> None:
    db_path.parent.mkdir()
    _garbage(db_path)
    original = db_path.read_bytes()

    log, notices = open_log(db_path, readonly=True)
    with log:
        assert log.count_events() == 0

    assert db_path.read_bytes() == original
    assert aside_files(db_path, "corrupt") == []
    [notice] = notices
    assert str(db_path) in notice and "next time" in notice


def test_read_only_open_of_a_newer_log_moves_nothing(db_path: Path) -> None:
    write_real_db(db_path, events=3)
    conn = raw(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()

    log, notices = open_log(db_path, readonly=True)
    log.close()

    assert aside_files(db_path, "newer") == []
    assert "newer version" in notices[0]


def test_read_only_reader_sees_a_live_writer(event_log: EventLog) -> None:
    event_log.record(Event(EventKind.WIN, T0, {"text": "one"}))
    reader, notices = open_log(event_log.path, readonly=True)
    with reader:
        event_log.record(Event(EventKind.WIN, T0 + minutes(1), {"text": "two"}))
        texts = [e.data["text"] for e in reader.events(T0, T0 + minutes(5))]

    assert notices == []
    assert texts == ["one", "two"]


# ----- robustness ------------------------------------------------------------------


def test_two_logs_in_two_threads_lose_nothing(db_path: Path) -> None:
    first, _ = open_log(db_path)
    second, _ = open_log(db_path)
    errors: list[BaseException] = []

    def write(log: EventLog, name: str) -> None:
        try:
            for i in range(500):
                at = T0 + timedelta(seconds=i)
                log.record(Event(EventKind.WIN, at, {"writer": name, "i": i}))
                log.record_span(ActiveSpan(at, at + timedelta(seconds=1)))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [
        threading.Thread(target=write, args=(first, "a")),
        threading.Thread(target=write, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        events = first.events(T0, T0 + timedelta(hours=1))
        spans = second.spans(T0, T0 + timedelta(hours=1))
    finally:
        first.close()
        second.close()

    assert errors == []
    assert len(events) == 1000
    for name in "ab":
        assert sorted(e.data["i"] for e in events if e.data["writer"] == name) == list(range(500))
    assert len(spans) == 500


def _plan(path: Path, sql: str) -> list[str]:
    parameters = [0] * sql.count("?")
    return [row[3] for row in query(path, "EXPLAIN QUERY PLAN " + sql, *parameters)]


@pytest.mark.parametrize(
    "sql",
    [
        db.EVENTS_BETWEEN,
        db.EVENTS_SINCE,
        db.LATEST_OF_KIND,
        db.events_of_kinds_between(1),
        db.events_of_kinds_between(3),
        db.SPANS_OVERLAPPING,
        db.SPANS_SINCE,
    ],
)
def test_range_queries_use_an_index(event_log: EventLog, sql: str) -> None:
    plan = _plan(event_log.path, sql)

    searches = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    assert searches, plan
    assert all(step.startswith("SEARCH") and "INDEX" in step for step in searches), plan


def test_disk_full_on_record_is_a_storage_error_and_keeps_what_was_stored(
    event_log: EventLog,
) -> None:
    for i in range(3):
        event_log.record(Event(EventKind.WIN, T0 + minutes(i), {"text": f"kept {i}"}))
    conn = event_log._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # a disk with no room left

    with pytest.raises(StorageError, match="disk is not full"):
        event_log.record(Event(EventKind.WIN, T0 + minutes(5), {"text": "x" * 100_000}))

    assert [e.data["text"] for e in event_log.events(T0, T0 + minutes(10))] == [
        "kept 0",
        "kept 1",
        "kept 2",
    ]
    conn.execute("PRAGMA max_page_count = 1073741823")
    event_log.record(Event(EventKind.WIN, T0 + minutes(6), {"text": "room again"}))
    assert event_log.count_events() == 4


class _FailingConnection:
    """Stands in for the connection: every statement fails like a dying disk."""

    def execute(self, *_: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    def close(self) -> None:
        pass


def test_io_error_on_record_span_is_a_storage_error(event_log: EventLog) -> None:
    real = event_log._conn
    event_log._conn = _FailingConnection()  # type: ignore[assignment]
    try:
        with pytest.raises(StorageError, match="disk I/O error") as raised:
            event_log.record_span(ActiveSpan(T0, T0 + minutes(1)))
    finally:
        event_log._conn = real

    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)


# ----- the engine, the log and the history together --------------------------------


def test_an_engine_day_through_the_log_summarizes_like_memory(db_path: Path) -> None:
    day = date(2026, 6, 2)
    settings = Settings()
    sim = Simulation(settings, datetime(2026, 6, 2, 8, 45, tzinfo=LONDON))
    active = active_between(LONDON, [("09:00", "12:40"), ("13:10", "17:50")], day)
    sim.run_until(datetime(2026, 6, 2, 19, 0, tzinfo=LONDON), active)
    sim.engine.flush()

    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        for event in sim.sink.events:
            log.record(event)
        for span in sim.sink.spans:
            log.record_span(span)
        start, end = datetime(2026, 6, 1, tzinfo=LONDON), datetime(2026, 6, 5, tzinfo=LONDON)
        events, spans = log.events(start, end), log.spans(start, end)

    schedule = WorkSchedule(settings.work_hours, LONDON)
    now = sim.clock.now()
    from_log = summarize_day(day, schedule, settings, events, spans, now)
    from_memory = summarize_day(day, schedule, settings, sim.sink.events, sim.sink.spans, now)

    assert len(events) == len(sim.sink.events) > 0
    assert from_log.breaks_due == from_memory.breaks_due > 0
    assert from_log.ended_on_time is from_memory.ended_on_time is False
    assert from_log.active_seconds == pytest.approx(from_memory.active_seconds, abs=0.01)
    assert from_log.active_outside_hours == pytest.approx(
        from_memory.active_outside_hours, abs=0.01
    )


def test_a_pause_until_tomorrow_restarts_from_the_log_in_the_zone_in_force(
    db_path: Path,
) -> None:
    # Paused in the London evening (outside hours: no work day), restarted in Tokyo: the
    # pause ends at 09:00 there, not at 09:00 London time; an older entry, with only the
    # end it recorded, keeps that end.
    tokyo = ZoneInfo("Asia/Tokyo")
    evening = datetime(2026, 6, 1, 20, 0, tzinfo=LONDON)
    clock = FakeClock(evening)
    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        Engine(Settings(), clock, log, zone=lambda: LONDON).pause(until_tomorrow=True)
        older = Event(EventKind.PAUSED, evening, {"until": "2026-06-02T08:00:00+00:00"}, 60)
        log.record(older)

    clock.set(evening + timedelta(hours=1))
    log, _ = open_log(db_path, zone=lambda: tokyo)
    with log:
        events, _ = log.recent(clock.now() - MEMORY)
        new, old = (
            Engine(Settings(), clock, log, zone=lambda: tokyo, past_events=[event])
            for event in events
        )
        assert new.status().paused_until == datetime(2026, 6, 2, 9, 0, tzinfo=tokyo)
        assert old.status().paused_until == datetime(2026, 6, 2, 9, 0, tzinfo=LONDON)


def test_an_older_pause_entry_outlasts_a_restart_with_the_end_it_recorded(
    db_path: Path,
) -> None:
    # Logged before pauses recorded their work day: only `until`, which stands.
    said = datetime(2026, 6, 1, 20, 0, tzinfo=LONDON)
    until = said + timedelta(days=4)
    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        log.record(Event(EventKind.PAUSED, said, {"until": iso(until)}, 60))

    clock = FakeClock(said + timedelta(days=3))
    log, _ = open_log(db_path, zone=lambda: LONDON)
    with log:
        events, spans = log.recent(clock.now() - MEMORY)
        engine = Engine(
            Settings(), clock, log, zone=lambda: LONDON, past_events=events, past_spans=spans
        )
        engine.reconcile()
        assert engine.status().paused_until == until
