"""The local activity log: Respite's events and activity spans in one SQLite file.

`EventLog` is the engine's `EventSink` and the history's source. The file is opened in
WAL mode with a busy timeout, so the app writing and a CLI reading at the same time
never see "database is locked"; every record is its own short transaction, so a hard
kill loses at most what was not recorded yet.

Times are stored as unix milliseconds (UTC) next to the local UTC offset in minutes.
The schema is versioned with `PRAGMA user_version`; `MIGRATIONS` lists the steps in
order and each pending step runs in its own transaction. A file that is damaged, not a
database at all, or written by a newer Respite is renamed aside (never deleted) and a
fresh log is started; the notices returned by `EventLog.open` tell the user where the
old file is.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from respite import paths
from respite.core.engine import LASTING
from respite.core.events import ActiveSpan, Event, EventKind

__all__ = [
    "MIGRATIONS",
    "EventLog",
    "StorageError",
    "schema_version",
]

log = logging.getLogger(__name__)

# How long a statement waits for another connection's lock before giving up.
BUSY_TIMEOUT_SECONDS = 5.0
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
# Result codes (the low byte of an extended code) that mean "this file is damaged".
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_NOTADB = 26

Migration = Callable[[sqlite3.Connection], None]


class StorageError(Exception):
    """The log can't be opened or written; the message is one actionable sentence."""


# ----- schema ------------------------------------------------------------------------


def _v1_initial_schema(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,          -- unix ms, UTC
            utc_offset INTEGER NOT NULL,  -- minutes east of UTC, local time then
            kind TEXT NOT NULL,
            data TEXT NOT NULL            -- JSON object
        )
        """
    )
    conn.execute("CREATE INDEX events_at ON events (at)")
    conn.execute("CREATE INDEX events_kind_at ON events (kind, at)")
    conn.execute(
        """
        CREATE TABLE spans (
            start INTEGER PRIMARY KEY,    -- unix ms, UTC
            "end" INTEGER NOT NULL,       -- unix ms, UTC
            utc_offset INTEGER NOT NULL   -- minutes east of UTC at the start
        )
        """
    )
    conn.execute('CREATE INDEX spans_end ON spans ("end")')


# Step i takes the schema from user_version i to i + 1. Append only; never edit a step
# that has shipped.
MIGRATIONS: list[Migration] = [_v1_initial_schema]


def schema_version() -> int:
    """The schema version this code writes (the number of migrations)."""
    return len(MIGRATIONS)


# ----- queries -----------------------------------------------------------------------

_INSERT_EVENT = "INSERT INTO events (at, utc_offset, kind, data) VALUES (?, ?, ?, ?)"
# A span is keyed by its start; recording it again with a later end extends it.
_UPSERT_SPAN = (
    'INSERT INTO spans (start, "end", utc_offset) VALUES (?, ?, ?) '
    'ON CONFLICT (start) DO UPDATE SET "end" = max("end", excluded."end")'
)
_EVENT_COLUMNS = "SELECT id, at, utc_offset, kind, data FROM events"
EVENTS_BETWEEN = f"{_EVENT_COLUMNS} WHERE at >= ? AND at < ? ORDER BY at, id"
EVENTS_SINCE = f"{_EVENT_COLUMNS} WHERE at >= ? ORDER BY at, id"
# The latest event of one kind in a range: one step back along the (kind, at) index.
LATEST_OF_KIND = (
    f"{_EVENT_COLUMNS} WHERE kind = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1"
)
# Spans are read through their end index: history and restore ask about recent
# ranges, where "spans ending after the range starts" is the small set (the primary
# key, "spans starting before the range ends", would walk the whole past). Without
# INDEXED BY the planner prefers a full scan in start order to skip the sort.
SPANS_OVERLAPPING = (
    'SELECT start, "end" FROM spans INDEXED BY spans_end '
    'WHERE "end" > ? AND start < ? ORDER BY start'
)
SPANS_SINCE = 'SELECT start, "end" FROM spans INDEXED BY spans_end WHERE "end" >= ? ORDER BY start'


def events_of_kinds_between(count: int) -> str:
    """The range query for `count` kinds (served by the (kind, at) index)."""
    marks = ", ".join("?" * count)
    return f"{_EVENT_COLUMNS} WHERE kind IN ({marks}) AND at >= ? AND at < ? ORDER BY at, id"


# ----- conversions -------------------------------------------------------------------


def to_ms(moment: datetime) -> int:
    """Unix milliseconds of an aware moment (sub-millisecond digits are dropped)."""
    if moment.tzinfo is None:
        raise ValueError(f"the log stores aware times only, not {moment!r}")
    return (moment - EPOCH) // _MILLISECOND


def from_ms(value: int) -> datetime:
    return EPOCH + timedelta(milliseconds=value)


def _offset_minutes(moment: datetime, zone: tzinfo | None) -> int:
    local = moment.astimezone(zone) if zone is not None else moment.astimezone()
    offset = local.utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


# ----- opening -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Damage:
    reason: str  # how it reads in the notice: "it is not a database", …
    suffix: str  # "corrupt" or "newer"


class _DamagedError(Exception):
    def __init__(self, damage: _Damage) -> None:
        super().__init__(damage.reason)
        self.damage = damage


def _is_damage(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and (code & 0xFF) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def _damage_of(error: sqlite3.Error) -> _Damage:
    code = getattr(error, "sqlite_errorcode", 0)
    if isinstance(code, int) and code & 0xFF == _SQLITE_NOTADB:
        return _Damage("it is not a database", "corrupt")
    return _Damage(f"it is damaged ({error})", "corrupt")


def _sidecars(path: Path) -> list[Path]:
    """The write-ahead log and shared-memory files that belong to database `path`."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _connect(target: str, *, uri: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_SECONDS,
        isolation_level=None,  # autocommit: each statement is its own transaction
        check_same_thread=False,  # EventLog serialises use with its own lock
        uri=uri,
    )
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return conn


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return _connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _user_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def _check(conn: sqlite3.Connection) -> _Damage | None:
    """What is wrong with an open database, or None. Raises only non-damage errors."""
    try:
        version = _user_version(conn)
        if version > schema_version():
            return _Damage(
                f"it was written by a newer version of Respite (schema {version}; "
                f"this version knows up to {schema_version()})",
                "newer",
            )
        rows = conn.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.Error as error:
        if _is_damage(error):
            return _damage_of(error)
        raise
    findings = [str(row[0]) for row in rows]
    if findings != ["ok"]:
        summary = "; ".join(" ".join(finding.split()) for finding in findings)
        return _Damage(f"it is damaged (integrity check: {summary[:200]})", "corrupt")
    return None


def _inspect(path: Path) -> _Damage | None:
    """Check an existing, non-empty file without writing to it."""
    conn = _connect_readonly(path)
    try:
        return _check(conn)
    finally:
        conn.close()


def _aside_name(path: Path, suffix: str, now: datetime) -> Path:
    stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{suffix}-{stamp}")
    counter = 1
    while os.path.lexists(candidate) or any(os.path.lexists(p) for p in _sidecars(candidate)):
        counter += 1
        candidate = path.with_name(f"{path.name}.{suffix}-{stamp}-{counter}")
    return candidate


def _move_aside(path: Path, damage: _Damage, now: datetime) -> str:
    """Rename the file (and its -wal/-shm) aside; return the notice for the user."""
    target = _aside_name(path, damage.suffix, now)
    try:
        path.rename(target)
        for sidecar, moved in zip(_sidecars(path), _sidecars(target), strict=True):
            if sidecar.exists():
                sidecar.rename(moved)
    except OSError as error:
        raise StorageError(
            f"Respite's activity log {path} can't be used because {damage.reason}, and it "
            f"could not be moved aside ({error.strerror or error}); move or rename it "
            "yourself and start Respite again."
        ) from error
    log.warning("activity log %s set aside as %s: %s", path, target, damage.reason)
    return (
        f"Respite's activity log could not be used because {damage.reason}, so a fresh "
        f"one was started. The old file was kept, unchanged, at {target}."
    )


def _migrate(conn: sqlite3.Connection) -> None:
    """Run every pending migration, each in its own transaction."""
    steps = list(MIGRATIONS)
    while _user_version(conn) < len(steps):
        # IMMEDIATE takes the write lock first, so two processes opening a new file
        # at once can't both run the same step.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = _user_version(conn)  # another process may have moved it on
            if version < len(steps):
                steps[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
                log.info("activity log schema migrated to version %d", version + 1)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # some errors (disk full, I/O) end it already
                conn.execute("ROLLBACK")
            raise
    version = _user_version(conn)
    if version > len(steps):
        raise _DamagedError(
            _Damage(f"it was written by a newer version of Respite (schema {version})", "newer")
        )


def _make_private(path: Path) -> None:
    for candidate in [path, *_sidecars(path)]:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(candidate, paths.private_file_mode)


def _open_writable(path: Path) -> sqlite3.Connection:
    # Created 0600 by us, whatever the umask, before SQLite ever sees it. SQLite gives
    # the -wal and -shm files the database file's mode.
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, paths.private_file_mode)
    os.close(descriptor)
    _make_private(path)
    conn = _connect(str(path))
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn)
    except sqlite3.Error as error:
        conn.close()
        if _is_damage(error):
            raise _DamagedError(_damage_of(error)) from error
        raise
    except BaseException:
        conn.close()
        raise
    _make_private(path)
    return conn


def _memory_log() -> sqlite3.Connection:
    """An empty log in memory (what a read-only open of a missing file reads)."""
    conn = _connect(":memory:")
    _migrate(conn)
    return conn


def _is_disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno == errno.ENOSPC
    code = getattr(error, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == _SQLITE_FULL


def _cant_open(path: Path, error: BaseException) -> StorageError:
    detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    fix = (
        "free some space on that disk"
        if _is_disk_full(error)
        else "check that its folder and the file belong to you and are writable"
    )
    return StorageError(f"Respite can't open its activity log at {path} ({detail}); {fix}.")


# ----- the log -----------------------------------------------------------------------


class EventLog:
    """The event and span log. Safe to share between threads; one connection each."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        zone: Callable[[], tzinfo] | None = None,
    ) -> None:
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.Lock()
        self.path = path
        self.readonly = readonly
        self._zone = zone

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        now: datetime,
        readonly: bool = False,
        zone: Callable[[], tzinfo] | None = None,
    ) -> tuple[EventLog, list[str]]:
        """Open (creating if needed) the log at `path`; return it with notices for the user.

        `path`'s folder is Respite's data folder and is made private (0700). A damaged
        or newer file is moved aside as `<name>.corrupt-YYYYmmdd-HHMMSS` (or `.newer-…`,
        local time of `now`) and a fresh log started. `readonly` never creates, moves or
        changes the log (SQLite may add its -wal/-shm companions to read a WAL file): a
        missing log reads as empty, and a damaged one as empty with a notice. `zone`
        gives the local zone for spans' UTC offsets (default: the system's). Raises
        `StorageError` when the file or folder can't be used.
        """
        if readonly:
            return cls._open_readonly(path, zone)
        notices: list[str] = []
        try:
            paths.ensure_private_dir(path.parent)
            damage = None
            if path.exists() and path.stat().st_size > 0:
                damage = _inspect(path)
            if damage is not None:
                notices.append(_move_aside(path, damage, now))
            try:
                conn = _open_writable(path)
            except _DamagedError as error:
                # Only seen when the damage shows up while migrating: once is enough.
                notices.append(_move_aside(path, error.damage, now))
                conn = _open_writable(path)
        except (OSError, sqlite3.Error, _DamagedError) as error:
            raise _cant_open(path, error) from error
        return cls(conn, path, readonly=False, zone=zone), notices

    @classmethod
    def _open_readonly(
        cls, path: Path, zone: Callable[[], tzinfo] | None
    ) -> tuple[EventLog, list[str]]:
        try:
            if not path.exists() or path.stat().st_size == 0:
                return cls(_memory_log(), path, readonly=True, zone=zone), []
            conn = _connect_readonly(path)
            try:
                damage = _check(conn)
                version = _user_version(conn) if damage is None else 0
            except BaseException:
                conn.close()
                raise
        except (OSError, sqlite3.Error) as error:
            raise _cant_open(path, error) from error
        notice: str | None = None
        if damage is not None:
            notice = (
                f"Respite's activity log at {path} can't be read because {damage.reason}; "
                "Respite will set it aside and start a fresh one the next time it starts."
            )
        elif version == 0:  # created, never written: an empty log
            conn.close()
            return cls(_memory_log(), path, readonly=True, zone=zone), []
        elif version < schema_version():
            notice = (
                f"Respite's activity log at {path} is from an older version; start Respite "
                "once to update it."
            )
        if notice is not None:
            conn.close()
            return cls(_memory_log(), path, readonly=True, zone=zone), [notice]
        return cls(conn, path, readonly=True, zone=zone), []

    # ----- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StorageError(f"The activity log at {self.path} is closed.")
            yield self._conn

    def _write(self, sql: str, parameters: Sequence[Any]) -> None:
        if self.readonly:
            raise StorageError(f"The activity log at {self.path} was opened read-only.")
        with self._connection() as conn:
            try:
                conn.execute(sql, parameters)
            except sqlite3.Error as error:
                raise StorageError(
                    f"Respite could not save to its activity log at {self.path} ({error}); "
                    "check that the disk is not full and the file is writable."
                ) from error

    def _read(self, sql: str, parameters: Sequence[Any]) -> list[Any]:
        with self._connection() as conn:
            try:
                return conn.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise StorageError(
                    f"Respite could not read its activity log at {self.path} ({error})."
                ) from error

    # ----- EventSink -----------------------------------------------------------------

    def record(self, event: Event) -> None:
        data = json.dumps(event.data, sort_keys=True, ensure_ascii=False)
        self._write(
            _INSERT_EVENT,
            (to_ms(event.at), event.utc_offset_minutes, event.kind.value, data),
        )

    def record_span(self, span: ActiveSpan) -> None:
        """Insert a span, or extend the stored one that has the same start."""
        zone = self._zone() if self._zone is not None else None
        offset = _offset_minutes(span.start, zone)
        self._write(_UPSERT_SPAN, (to_ms(span.start), to_ms(span.end), offset))

    # ----- reads ---------------------------------------------------------------------

    def events(
        self,
        start: datetime,
        end: datetime,
        kinds: Collection[EventKind] | None = None,
    ) -> list[Event]:
        """Events with `start <= at < end`, oldest first (ties in recording order)."""
        if kinds is None:
            rows = self._read(EVENTS_BETWEEN, (to_ms(start), to_ms(end)))
        elif not kinds:
            return []
        else:
            names = sorted({EventKind(kind).value for kind in kinds})
            rows = self._read(
                events_of_kinds_between(len(names)), (*names, to_ms(start), to_ms(end))
            )
        return _events_from(rows)

    def spans(self, start: datetime, end: datetime) -> list[ActiveSpan]:
        """Spans overlapping [start, end), by start."""
        rows = self._read(SPANS_OVERLAPPING, (to_ms(start), to_ms(end)))
        return [ActiveSpan(from_ms(lo), from_ms(hi)) for lo, hi in rows]

    def recent(self, since: datetime) -> tuple[list[Event], list[ActiveSpan]]:
        """What the engine restores: events at or after `since`, spans ending then or later,
        and before `since` the latest event of each kind that can stay in force for longer
        (a pause, "done for today", a break; as far back as `LASTING` says), oldest first.
        A few indexed reads, however long the log."""
        moment = to_ms(since)
        lasting = [
            row
            for kind, reach in sorted(LASTING.items())
            for row in self._read(
                LATEST_OF_KIND, (kind.value, 0 if reach is None else to_ms(since - reach), moment)
            )
        ]
        lasting.sort(key=lambda row: (row[1], row[0]))  # by `at`, then recording order
        events = _events_from(lasting + self._read(EVENTS_SINCE, (moment,)))
        spans = [
            ActiveSpan(from_ms(lo), from_ms(hi)) for lo, hi in self._read(SPANS_SINCE, (moment,))
        ]
        return events, spans

    def count_events(self) -> int:
        return int(self._read("SELECT count(*) FROM events", ())[0][0])


def _events_from(rows: list[Any]) -> list[Event]:
    events: list[Event] = []
    for row_id, at, offset, kind, data in rows:
        try:
            decoded = json.loads(data)
            if not isinstance(decoded, dict):
                raise ValueError("data is not a JSON object")
            events.append(Event(EventKind(kind), from_ms(at), decoded, int(offset)))
        # JSONDecodeError and unknown kinds are ValueErrors; a time out of range is an
        # OverflowError, a time or offset that isn't a number a TypeError.
        except (ValueError, TypeError, OverflowError) as error:
            log.warning("skipping unreadable event %s (%s): %s", row_id, kind, error)
    return events
