"""The running service without any UI: settings, the event log, the engine and its timers.

`Runtime` owns one `Engine` and drives it the way the engine expects: an idle sample
every `OBSERVE_EVERY` seconds, plus one precise single-shot timer set to
`engine.next_wakeup()` after every evaluation, so something due between two samples is
shown on time and nothing wakes the process when nothing can be due (no 1-second tick).
Each sample compares wall-clock progress with `time.monotonic()`: a difference means
the clock was changed or the machine slept, and the timer (which follows the monotonic
clock) is re-armed from the engine's fresh answer. `before_sample`, when set, is called at
the start of every sample, whichever timer (or event) took it: the desktop app asks its
fullscreen probe there, so a hold is in place before the engine decides, with no timer
of its own.

APScheduler is not used here: the engine computes reminder times itself (lazily, with
APScheduler's CronTrigger) and reports them through `next_wakeup()`, so one QTimer
covers every kind of deadline. A scheduler would keep a second copy of the same truth
that has to be rebuilt on every settings change and clock jump, and its Qt scheduler
is broken under PySide6 (see INTEGRATION.md).

The tray UI sits on top of this object: it listens to `nudged` and `status_changed`
and calls `perform()` — the same door the CLI uses over the local socket.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import (
    SIGNAL,
    QFileSystemWatcher,
    QObject,
    QTimer,
    Signal,
)

from respite import __version__, paths
from respite.core import calendar as calendar_logic
from respite.core import engine as engine_module
from respite.core.clock import Clock, SystemClock
from respite.core.engine import OBSERVE_EVERY, ActionError, Engine, Status
from respite.core.errors import UserFacingError
from respite.core.events import Event, EventKind, from_iso, iso
from respite.core.nudges import Nudge
from respite.core.schedule import resolve_zone
from respite.core.settings import Settings
from respite.core.status_wire import local_iso, status_to_dict
from respite.platform.clock_jumps import ClockEventKind, ClockJumpDetector, ClockReading
from respite.qt import emit, make_precise
from respite.storage.db import EventLog, StorageError
from respite.storage.settings_store import load_settings, read_settings

__all__ = [
    "JUMP_TOLERANCE",
    "IdleSource",
    "NoIdleSource",
    "Runtime",
    "emit",
]

log = logging.getLogger(__name__)

# Wall clock and monotonic clock disagreeing by more than this between two samples
# means the clock was changed or the machine slept.
JUMP_TOLERANCE = 5.0
# Editors write a file in several steps; wait this long after the last change.
RELOAD_DELAY_MS = 300
# "start_of_day" hooks fire when Respite starts this soon after the day's hours begin.
START_OF_DAY_GRACE = timedelta(minutes=15)
# The day start waits this long at most for the calendars' first answer (a slow network,
# a keyring asking for its password); then it goes by what is known (the days off logged).
CALENDAR_WAIT = timedelta(minutes=2)
_NOT_YET = object()  # no work day seen yet since start
# The precise timer is never set further out than this (samples re-arm it anyway).
MAX_WAKE_MS = 6 * 60 * 60 * 1000
# The end of "all the log" for range queries.
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class IdleSource(Protocol):
    def idle_seconds(self) -> float | None:
        """Seconds since the user's last input, or None when that can't be known."""
        ...


def _boottime_clock() -> Callable[[], float] | None:
    boottime = getattr(time, "CLOCK_BOOTTIME", None)  # Linux only
    return None if boottime is None else (lambda: time.clock_gettime(boottime))


class NoIdleSource:
    """No idle detection: every sample counts as activity, so breaks go by time alone.

    Used headless and where no adapter in `respite.platform.idle` works.
    """

    def idle_seconds(self) -> float | None:
        return None


def _status_key(status: Status) -> tuple[Any, ...]:
    """What a status shows, to the minute: equal keys need no new `status_changed`."""

    def minutes(seconds: float | None) -> int | None:
        return None if seconds is None else math.ceil(seconds / 60)

    return (
        status.phase,
        status.next_break,
        minutes(status.next_break_in),
        status.held_because,
        minutes(status.work_left),
        status.paused_until,
        status.snoozed_until,
        status.break_ends_at,
        status.next_work_start,
        status.done_for_today,
        status.snoozes_left,
        status.day_off_reason,
        status.last_meeting_ends,
    )


class _TeeSink:
    """The event log, also telling the runtime what was recorded (for hooks).

    It holds the callback weakly: a runtime that is no longer used is freed at once,
    not at the next cycle collection (its windows and timers with it).
    """

    def __init__(self, log: EventLog, recorded: Callable[[Event], None]) -> None:
        self._log = log
        self._recorded = weakref.WeakMethod(recorded)  # type: ignore[arg-type]

    def record(self, event: Event) -> None:
        self._log.record(event)
        recorded = self._recorded()
        if recorded is not None:
            recorded(event)

    def record_span(self, span: Any) -> None:
        self._log.record_span(span)


class _CommandError(UserFacingError):
    """A request with missing or wrong arguments (the message is for the user)."""


def _number(args: dict[str, Any], name: str, *, required: bool = False) -> float | None:
    value = args.get(name)
    if value is None:
        if required:
            raise _CommandError(f"Say how many {name}, e.g. {{{name!r}: 30}}.")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _CommandError(f"{name} must be a number.")
    return float(value)


def _only(args: dict[str, Any], *allowed: str) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise _CommandError(f"Unexpected argument {unknown[0]!r}.")


# ----- the runtime -------------------------------------------------------------------


class Runtime(QObject):
    """The headless service. `start()` it once, `stop()` it on quit."""

    nudged = Signal(object)  # a Nudge to show
    status_changed = Signal(object)  # a Status, when anything it shows changed
    settings_applied = Signal(object)  # the new Settings after the file changed
    settings_rejected = Signal(object)  # list[str]: why the changed file was not used
    show_requested = Signal()  # someone ran `respite` again: bring the UI forward
    notice_posted = Signal(str)  # something to tell the user (a calendar or hook problem)

    def __init__(
        self,
        *,
        config_path: Path | None = None,
        database_path: Path | None = None,
        clock: Clock | None = None,
        idle: IdleSource | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        zone: Callable[[], tzinfo] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings_path = paths.settings_path(config_path)
        self.database_path = database_path or paths.database_path()
        self.clock: Clock = clock or SystemClock()
        self._idle: IdleSource = idle or NoIdleSource()
        self._monotonic = monotonic
        self._jumps = ClockJumpDetector(JUMP_TOLERANCE)
        # CLOCK_BOOTTIME only pairs with the real monotonic clock (tests inject their own).
        self._boottime = _boottime_clock() if monotonic is time.monotonic else None
        self._zone_override = zone
        # Things to tell the user (settings problems, a log set aside); the UI shows them.
        self.notices: list[str] = []
        self.wakeup_at: datetime | None = None
        self._engine: Engine | None = None
        self._log: EventLog | None = None
        self._settings = Settings()
        self._last_status_key: tuple[Any, ...] | None = None
        self._settings_bytes: bytes | None = None  # the file as last applied
        self._unreadable_told: str | None = None  # why the file can't be read, once said
        self._idle_failed = False
        self._before_sample_failed = False
        # Called before every sample's observe() (the desktop app's fullscreen check).
        self.before_sample: Callable[[], object] | None = None
        self._running = False
        # Calendars and hooks: built only once one is configured (their modules cost
        # memory that most users would pay for nothing).
        self.calendar_sync: Any = None
        self.calendar_events: list[calendar_logic.CalEvent] = []
        self.calendar_problems: dict[str, str] = {}
        self._calendar_read = False  # a sync result came since calendars were configured
        self._calendar_asked_at: datetime | None = None  # when the calendars were configured
        self._calendar_wait_over = False  # the day start stopped waiting for their answer
        # Configured calendars with nothing read since start (no good copy): they say
        # nothing, so the days off already logged stand while there is one.
        self._calendars_unknown: frozenset[str] = frozenset()
        self._calendar_zone: tzinfo | None = None  # the zone last seen: a change reads them again
        self.hooks: Any = None
        self._workday: Any = _NOT_YET
        self._started_at: datetime | None = None  # when start() ran, by self.clock
        # While starting, when start() ran: what the engine dates before it (a pause that
        # ran out while Respite was closed) happened while Respite was not running.
        self._closed_until: datetime | None = None
        self._days_started: set[date] = set()  # from the log: restarts don't fire again
        # Starts of meetings outside hours already in the log (read on first use).
        self._meetings_recorded: set[datetime] | None = None
        self._next_meeting_check: datetime | None = None  # None: check at the next settle

        self.wake_timer = QTimer(self)
        self.wake_timer.setSingleShot(True)
        make_precise(self.wake_timer)
        self.wake_timer.timeout.connect(self.sample)
        self.observe_timer = QTimer(self)
        self.observe_timer.setInterval(round(OBSERVE_EVERY * 1000))
        self.observe_timer.timeout.connect(self.sample)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload_settings)
        self._watcher = QFileSystemWatcher(self)
        self._watcher.fileChanged.connect(self._file_changed)
        self._watcher.directoryChanged.connect(self._folder_changed)

    # ----- lifetime ------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the runtime has not been started")
        return self._engine

    @property
    def event_log(self) -> EventLog:
        if self._log is None:
            raise RuntimeError("the runtime has not been started")
        return self._log

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def running(self) -> bool:
        return self._running

    def zone(self) -> tzinfo:
        if self._zone_override is not None:
            return self._zone_override()
        if self._engine is not None:
            return self._engine.schedule.zone
        return resolve_zone(self._settings.timezone)

    def start(self) -> None:
        """Load settings, open the log, restore the engine and take the first sample.

        Raises StorageError (one sentence for the user) when the log can't be opened or
        read; one that can't be written is only a notice (`notices`).
        """
        if self._running:
            return
        now = self.clock.now()
        self._started_at = self._closed_until = now
        loaded = load_settings(self.settings_path, now)
        self._settings = loaded.settings
        self.notices += loaded.notices + [str(problem) for problem in loaded.problems]
        with contextlib.suppress(OSError):  # load_settings has told why it can't be read
            self._settings_bytes = self._file_bytes()

        event_log, notices = EventLog.open(self.database_path, now=now, zone=self.zone)
        for notice in notices:
            log.warning("%s", notice)
        self.notices += notices
        self._log = event_log
        try:
            past_events, past_spans = event_log.recent(now - engine_module.MEMORY)
            self._engine = Engine(
                self._settings,
                self.clock,
                _TeeSink(event_log, self._event_recorded),
                zone=self._zone_override,
                past_events=past_events,
                past_spans=past_spans,
            )
            try:
                self._record(EventKind.APP_STARTED, {"version": __version__, "pid": os.getpid()})
            except StorageError as error:
                # A full disk or a locked log: Respite runs on, as when that happens
                # later (each write is tried as it comes), and the user is told.
                log.error("%s", error)
                self.notices.append(str(error))
            self._days_started = self._logged_days_started(now)
        except BaseException:
            event_log.close()
            self._log = None
            self._engine = None
            raise
        self._running = True
        log.info(
            "Respite %s started (settings %s, log %s)",
            __version__,
            self.settings_path,
            self.database_path,
        )
        self._watch_settings()
        self._configure_hooks()
        self._configure_calendars()
        self.observe_timer.start()
        try:
            self.sample()
        finally:
            self._closed_until = None

    def stop(self) -> None:
        """Write the open activity span, note the stop and close the log. Idempotent."""
        if not self._running:
            return
        self._running = False
        self.wake_timer.stop()
        self.observe_timer.stop()
        self._reload_timer.stop()
        if self.calendar_sync is not None:
            self.calendar_sync.stop()
        if self.hooks is not None:
            self.hooks.close()
        watched = self._watcher.files() + self._watcher.directories()
        if watched:
            self._watcher.removePaths(watched)
        try:
            self.engine.flush()
            self._record(EventKind.APP_STOPPED, {})
        except StorageError as error:
            log.error("%s", error)
        finally:
            self.event_log.close()
        log.info("Respite stopped")

    def _record(self, kind: EventKind, data: dict[str, Any], at: datetime | None = None) -> None:
        moment = self.clock.now() if at is None else at
        offset = moment.astimezone(self.zone()).utcoffset() or timedelta(0)
        self.event_log.record(Event(kind, moment, data, int(offset.total_seconds() // 60)))

    # ----- sampling and the timer ----------------------------------------------------

    def _idle_seconds(self) -> float:
        try:
            idle = self._idle.idle_seconds()
        except Exception:  # an OS adapter failing must not stop the breaks
            if not self._idle_failed:
                log.exception("idle time could not be read; counting all time as active")
            self._idle_failed = True
            return 0.0
        if idle is None or not math.isfinite(idle):
            return 0.0  # unknown: treat as active (breaks by time alone)
        return max(0.0, idle)

    def _note_clock(self) -> bool:
        """Compare wall-clock and monotonic progress; True when the wall clock jumped or
        the machine slept (CLOCK_BOOTTIME tells the two apart where the OS has it)."""
        reading = ClockReading(
            wall=self.clock.now().timestamp(),
            monotonic=self._monotonic(),
            boottime=self._boottime() if self._boottime is not None else None,
        )
        events = self._jumps.update(reading)
        for event in events:
            if event.kind is ClockEventKind.SLEPT:
                log.info("the machine slept for %.0f s", event.seconds)
            else:
                log.info("the wall clock moved by %+.0f s", event.seconds)
        return bool(events)

    def sample(self) -> list[Nudge]:
        """Take an idle sample now, show what is due and re-arm the timer.

        A wall-clock jump needs no separate `engine.reconcile()`: `observe()` reconciles
        (it notes the gap, handles a backwards clock and re-evaluates everything), and
        calling both would record the same gap twice. The jump is why the timer is
        re-armed from scratch below rather than trusted.
        """
        if not self._running:
            return []
        self._note_clock()
        self._apply_calendar()
        self._call_before_sample()
        try:
            nudges = self.engine.observe(self._idle_seconds())
        except StorageError as error:
            log.error("%s", error)
            nudges = []
        for nudge in nudges:
            log.info("nudge: %s — %s", nudge.title, nudge.body)
            emit(self.nudged, nudge)
        self._settle()
        return nudges

    def _call_before_sample(self) -> None:
        if self.before_sample is None:
            return
        try:
            self.before_sample()
        except Exception:  # an OS adapter failing must not stop the breaks
            if not self._before_sample_failed:
                log.exception("the check before a sample failed; sampling all the same")
            self._before_sample_failed = True

    def _settle(self) -> None:
        """After any change: re-arm the precise timer and report a changed status."""
        self._note_zone()
        try:
            self._note_start_of_day()
            self._record_meetings()
        except StorageError as error:
            log.error("%s", error)
        self._arm()
        status = self.engine.status()
        key = _status_key(status)
        if key != self._last_status_key:
            self._last_status_key = key
            emit(self.status_changed, status)

    def _arm(self) -> None:
        target = self.engine.next_wakeup()
        edge = self._next_calendar_edge()
        if edge is not None and edge < target:
            target = edge  # a meeting ends (or starts): deliver the held break on time
        delay = (target - self.clock.now()).total_seconds()
        self.wakeup_at = target
        self.wake_timer.start(max(0, min(MAX_WAKE_MS, math.ceil(delay * 1000))))
        log.debug("next wakeup at %s (in %.1f s)", target, delay)

    # ----- settings ------------------------------------------------------------------

    def _file_bytes(self) -> bytes | None:
        """The settings file's bytes; None when there is none. Raises OSError when it is
        there but can't be read (no permission, a folder Respite may not enter)."""
        # Kept whole rather than hashed: a few KiB, and hashlib would load OpenSSL (≈3 MiB).
        try:
            return self.settings_path.read_bytes()
        except FileNotFoundError:
            return None

    def _watch_settings(self, *, renew: bool = False) -> bool | None:
        """Watch the file while it exists, else its folder (to see it appear); return
        whether it exists (None: that can't be known).

        An editor's atomic save replaces the file: the watch on the old file is then
        useless, so `renew` drops it and watches the new file. Only the file is watched
        when it exists, so a --config file in a busy folder costs nothing extra.
        """
        file, folder = str(self.settings_path), str(self.settings_path.parent)
        files, folders = set(self._watcher.files()), set(self._watcher.directories())
        exists = self._settings_file_exists()
        if exists:
            if renew and file in files:
                self._watcher.removePath(file)
                files.discard(file)
            if file not in files:
                self._watcher.addPath(file)
            if folder in folders:
                self._watcher.removePath(folder)
        else:
            # Unknown: a watch the file has stays; the folder's shows the file come back.
            if exists is not None and file in files:
                self._watcher.removePath(file)
            if folder not in folders and self._is_folder(self.settings_path.parent):
                self._watcher.addPath(folder)
        return exists

    def _settings_file_exists(self) -> bool | None:
        """Whether the settings file is there; None when that can't be known.

        Path.exists() lets PermissionError through (a folder on the way Respite may not
        enter). That is logged and the settings in use stay; at start, load_settings has
        already told the user it could not read the file.
        """
        try:
            return self.settings_path.exists()
        except OSError as error:
            log.warning(
                "can't tell whether %s is there, to watch it: %s", self.settings_path, error
            )
            return None

    def _is_folder(self, path: Path) -> bool:
        try:
            return path.is_dir()
        except OSError as error:
            log.warning("can't watch %s for a settings file: %s", path, error)
            return False

    def _file_changed(self, _path: str) -> None:
        if self._running:
            self._watch_settings(renew=True)
            self._reload_timer.start()

    def _folder_changed(self, _path: str) -> None:
        if self._running and self._watch_settings():
            self._reload_timer.start()

    def reload_settings(self) -> bool:
        """Apply the settings file if it changed and is good; True when applied.

        A bad file changes nothing: the current settings stay and `settings_rejected`
        says why. A deleted file also keeps the current settings.
        """
        if not self._running:
            return False
        self._watch_settings()
        try:
            content = self._file_bytes()
        except OSError as error:
            self._reject_unreadable(error)
            return False
        self._unreadable_told = None
        if content is None or content == self._settings_bytes:
            if content is None and self._settings_bytes is not None:
                log.info("%s is gone; keeping the current settings", self.settings_path)
            self._settings_bytes = content
            return False
        self._settings_bytes = content
        settings, problems = read_settings(self.settings_path)
        if settings is None or problems:
            problems = problems or [f"{self.settings_path} could not be read."]
            log.warning(
                "the changed settings file was not applied; keeping the current settings: %s",
                "; ".join(problems),
            )
            emit(self.settings_rejected, problems)
            return False
        old = self._settings
        self._settings = settings
        self.engine.set_settings(settings)
        log.info("settings reloaded from %s", self.settings_path)
        self._configure_hooks()
        if (old.calendars, old.calendar) != (settings.calendars, settings.calendar):
            self._configure_calendars()
        self._apply_calendar()
        self._next_meeting_check = None  # other hours: other meetings are outside them
        emit(self.settings_applied, settings)
        self._settle()
        return True

    def _reject_unreadable(self, error: OSError) -> None:
        """A settings file Respite may not read is not a deleted one: the user changed
        something (its permissions, its folder's) and hears why nothing was applied —
        once, not at every change the watcher reports while it stays unreadable."""
        reason = error.strerror or str(error)
        if reason == self._unreadable_told:
            return
        self._unreadable_told = reason
        problem = (
            f"Respite can't read {self.settings_path} ({reason.lower()}), so it keeps the "
            "settings it has until the file can be read again."
        )
        log.warning("%s", problem)
        emit(self.settings_rejected, [problem])

    # ----- actions -------------------------------------------------------------------

    def handle_request(self, command: str, args: dict[str, Any]) -> Any:
        """The IPC server's handler. A storage failure (a full disk, say) is the user's
        to fix, so it goes back as its own clear sentence; the app keeps running."""
        try:
            return self.perform(command, **args)
        except StorageError as error:
            log.error("%s", error)
            raise _CommandError(str(error)) from None

    def perform(self, action: str, /, **args: Any) -> dict[str, Any]:
        """Carry out one command (from the CLI over IPC, or from the UI).

        Returns a JSON-ready dict that always holds the new "status". Raises a
        UserFacingError (ActionError or a command error) whose message is one sentence
        for the user.
        """
        if not self._running:
            raise ActionError("Respite is shutting down.")
        engine = self.engine
        result: dict[str, Any] = {}
        match action:
            case "status" | "ping":
                _only(args)
            case "version":
                _only(args)
                result["version"] = __version__
            case "show":
                _only(args)
                result["shown"] = self.receivers(SIGNAL("show_requested()")) > 0
                if not result["shown"]:
                    log.info("asked to show Respite, but it runs without a window")
                emit(self.show_requested)
            case "pause":
                _only(args, "minutes", "until_tomorrow")
                if args.get("until_tomorrow"):
                    until = engine.pause(until_tomorrow=True)
                else:
                    until = engine.pause(_number(args, "minutes", required=True))
                result["until"] = self._iso(until)
            case "resume":
                _only(args)
                engine.resume()
            case "break":
                _only(args, "what", "kind")
                what = args.get("what", "start")
                kind = args.get("kind")
                if kind is not None and not isinstance(kind, str):
                    raise _CommandError("kind must be 'short' or 'long'.")
                if what == "start":
                    engine.start_break(kind)
                elif what == "done":
                    engine.finish_break()
                elif what == "skip":
                    engine.skip_break()
                else:
                    raise _CommandError(f"A break can start, be done or be skipped, not {what!r}.")
            case "snooze":
                _only(args, "minutes")
                engine.snooze(_number(args, "minutes"))
            case "win":
                _only(args, "text")
                text = args.get("text")
                if not isinstance(text, str):
                    raise _CommandError("A small win needs some text.")
                engine.log_win(text)
            case "done_for_today":
                _only(args)
                result["until"] = self._iso(engine.done_for_today())
            case "overtime":
                _only(args, "minutes")
                minutes = _number(args, "minutes", required=True)
                assert minutes is not None
                result["until"] = self._iso(engine.overtime(minutes))
            case "choice":
                _only(args, "key", "text")
                key, text = args.get("key"), args.get("text")
                if not isinstance(key, str) or (text is not None and not isinstance(text, str)):
                    raise _CommandError("A choice needs its key, e.g. 'snooze:5'.")
                try:
                    engine.perform(key, text)
                except ValueError as error:  # float() of a bad argument in the key
                    if isinstance(error, UserFacingError):
                        raise
                    raise _CommandError(f"Unknown choice {key!r}.") from error
            case "flush":
                _only(args)
                engine.flush()
            case "reload_settings":
                _only(args)
                result["applied"] = self.reload_settings()
            case _:
                raise _CommandError(f"Respite doesn't know the command {action!r}.")
        if action not in ("status", "ping", "version", "show", "flush"):
            shown = {k: v for k, v in args.items() if k != "text"}  # a win's text is private
            log.info("did %s%s", action, f" {shown}" if shown else "")
            self._settle()
        result["status"] = status_to_dict(engine.status(), self.zone())
        if action == "status" and self._settings.calendars:
            result["calendar"] = self.calendar_summary()
        if action == "status" and self._settings.hooks:
            result["hooks"] = self.hook_summary()
        return result

    # ----- hooks ---------------------------------------------------------------------

    def _event_recorded(self, event: Event) -> None:
        """Fire the hooks on what the engine recorded. They announce what happens while
        Respite runs: a break or pause that ran out while it was closed, found at
        start-up, is logged as ended when it ended and announced to no one."""
        if self.hooks is None or not self._settings.hooks:
            return
        if self._closed_until is not None and event.at < self._closed_until:
            log.info("%s at %s, before this start: no hooks", event.kind, event.at)
            return
        from respite.hooks import hook_event_for

        name = hook_event_for(event)
        if name is not None:
            self.hooks.fire(name, event.at, self.zone(), event.data)

    def _logged_days_started(self, now: datetime) -> set[date]:
        days = set()
        for event in self.event_log.events(now - timedelta(days=2), now, {EventKind.DAY_STARTED}):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                days.add(date.fromisoformat(str(event.data["day"])))
        return days

    def _note_start_of_day(self) -> None:
        """Start a work day once (logged as DAY_STARTED, so a restart doesn't start it
        again) and fire "start_of_day": when its hours begin while Respite runs, or when
        Respite started in the first START_OF_DAY_GRACE of them.

        It first waits for the calendars' first answer (is today a day off?), at most
        CALENDAR_WAIT; the day then counts as begun while Respite ran if Respite had
        started by then, however long that answer took."""
        if self._engine is None or self._waiting_for_calendar():
            return
        now = self.clock.now()
        day = self._engine.schedule.workday_at(now)
        previous, self._workday = self._workday, day
        if day is None or day == previous or day in self._days_started:
            return
        shift = self._engine.schedule.shift_on(day)
        started = min(now, self._started_at or now)
        fresh = shift is not None and started - shift.start <= START_OF_DAY_GRACE
        if previous is _NOT_YET and not fresh:
            return
        try:
            self._record(EventKind.DAY_STARTED, {"day": day.isoformat()})
        except StorageError:
            self._workday = previous  # not started yet: tried again at the next sample
            raise
        self._days_started.add(day)
        if self.hooks is not None and self._settings.hooks and shift is not None:
            self.hooks.fire("start_of_day", shift.start, self.zone(), {})

    def _waiting_for_calendar(self) -> bool:
        """Whether the day start still waits for the calendars' first answer."""
        if not self._settings.calendars or self._calendar_read:
            return False
        asked = self._calendar_asked_at
        if asked is None or timedelta(0) <= self.clock.now() - asked < CALENDAR_WAIT:
            return True
        if not self._calendar_wait_over:
            self._calendar_wait_over = True
            log.info("the calendars have not answered yet; going by the days off logged")
        return False

    def hook_summary(self) -> list[dict[str, Any]]:
        """Each hook's last outcome, JSON-ready (for `respite status`)."""
        outcomes = self.hooks.outcomes() if self.hooks is not None else {}
        summary = []
        for hook in self._settings.hooks:
            outcome = outcomes.get(hook.name)
            summary.append(
                {
                    "name": hook.name,
                    "last_event": outcome.event if outcome else None,
                    "last_at": local_iso(outcome.at, self.zone()) if outcome else None,
                    "ok": outcome.ok if outcome else None,
                    "detail": outcome.detail if outcome else None,
                }
            )
        return summary

    # ----- calendars -----------------------------------------------------------------

    def _configure_hooks(self) -> None:
        """Build the hook runner once a hook is configured (never before: it loads the
        network stack and a thread pool) and give it the current hooks."""
        if self._settings.hooks and self.hooks is None:
            from respite.hooks import HookRunner

            self.hooks = HookRunner()
        if self.hooks is not None:
            self.hooks.configure(self._settings.hooks)

    def _configure_calendars(self) -> None:
        """Build the calendar sync once a calendar is configured (never before, as for
        hooks) and give it the current calendars; it reports back in `_calendar_updated`."""
        if self._settings.calendars and self.calendar_sync is None:
            from respite.calendar_sync import CalendarFetcher, CalendarSync

            me = weakref.ref(self)  # no reference cycle back to the runtime

            def zone() -> tzinfo:
                runtime = me()
                return runtime.zone() if runtime is not None else UTC

            self.calendar_sync = CalendarSync(CalendarFetcher(), self.clock.now, zone, parent=self)
            self.calendar_sync.updated.connect(self._calendar_updated)
        if self.calendar_sync is None:
            return
        self._calendar_read, self._calendar_wait_over = False, False
        self._calendar_asked_at = self.clock.now()
        options = self._settings.calendar
        self.calendar_sync.configure(self._settings.calendars, options.refresh_minutes)

    def _calendar_updated(self, result: Any) -> None:
        if not self._running:
            return
        events: list[calendar_logic.CalEvent] = []
        for name_events in result.events.values():
            events.extend(name_events)
        events.sort(key=lambda e: (e.start, e.end))
        unknown = frozenset(s.name for s in self._settings.calendars) - result.with_copy
        unchanged = (
            events == self.calendar_events
            and result.problems == self.calendar_problems
            and unknown == self._calendars_unknown
        )
        if unchanged and self._calendar_read:
            return
        self._calendar_read = True
        self._calendars_unknown = unknown
        self.calendar_events = events
        for name, problem in result.problems.items():
            if self.calendar_problems.get(name) != problem:
                emit(self.notice_posted, problem)
        self.calendar_problems = dict(result.problems)
        self._next_meeting_check = None
        self._apply_calendar()
        self._settle()

    def _apply_calendar(self) -> None:
        """Tell the engine what the calendar says: hold break nudges while a busy event
        is on (released right after), its days off, and its meetings (for the heads-up).
        Until a configured calendar has been read, the days off in the log stand; while
        one can't be read at all (a missing file, a locked keyring: no good copy), they
        stand beside those the readable ones give."""
        if self._engine is None:
            return
        calendars = self._settings.calendars
        reason = None
        if self._settings.calendar.hold_breaks and calendars:
            reason = calendar_logic.meeting_hold(self.calendar_events, self.clock.now())
        self._engine.set_hold("calendar", reason)
        if calendars and not self._calendar_read:
            return
        events = self.calendar_events if calendars else []
        words = self._settings.calendar.days_off_words
        days = calendar_logic.days_off_words(events, words)
        if calendars and self._calendars_unknown:
            days = {**self._engine.logged_days_off(), **days}
        self._engine.set_days_off(days)
        self._engine.set_meetings(events)

    def _record_meetings(self) -> None:
        """Log each meeting outside work hours once it has begun (see
        `calendar.meetings_to_record`), at its start, for the weekly history. Checked
        when the calendar or the settings change and when the next meeting begins."""
        if self._engine is None or not self.calendar_events:
            return
        now = self.clock.now()
        if self._next_meeting_check is not None and now < self._next_meeting_check:
            return
        schedule = self._engine.schedule
        if self._meetings_recorded is None:
            since = now - timedelta(days=calendar_logic.RECORD_DAYS + 2)
            logged = self.event_log.events(since, FAR_FUTURE, {EventKind.MEETING_OUTSIDE_HOURS})
            self._meetings_recorded = set()
            for event in logged:
                with contextlib.suppress(KeyError, ValueError):
                    self._meetings_recorded.add(from_iso(str(event.data["start"])))
        recorded = self._meetings_recorded
        for meeting in calendar_logic.meetings_to_record(
            self.calendar_events, schedule, now, recorded
        ):
            data = {
                "start": iso(meeting.start),
                "end": iso(meeting.end),
                "day": schedule.local_date(meeting.start).isoformat(),
            }
            self._record(EventKind.MEETING_OUTSIDE_HOURS, data, at=meeting.start)
            recorded.add(meeting.start)
        upcoming = [e.start for e in self.calendar_events if e.is_meeting and e.start > now]
        self._next_meeting_check = min(upcoming, default=now + timedelta(days=1))

    def _note_zone(self) -> None:
        """After a change of time zone (travel, or the setting), read the calendars again
        at once: floating times are the user's wall clock, so they move with the zone,
        and other hours put other meetings outside them."""
        zone = self.zone()
        previous, self._calendar_zone = self._calendar_zone, zone
        if previous is None or previous == zone or self.calendar_sync is None:
            return
        self._next_meeting_check = None
        if self._settings.calendars:
            log.info("the time zone changed: reading the calendars again")
            self.calendar_sync.refresh(force=True)

    def _next_calendar_edge(self) -> datetime | None:
        if not self._settings.calendar.hold_breaks or not self.calendar_events:
            return None
        now = self.clock.now()
        edges = [
            moment
            for event in self.calendar_events
            if event.is_meeting
            for moment in (event.start, event.end)
            if moment > now
        ]
        return min(edges) if edges else None

    def calendar_summary(self) -> dict[str, Any]:
        """What the calendar says about today, JSON-ready (for `respite status`)."""
        zone = self.zone()
        now = self.clock.now()
        today = now.astimezone(zone).date()
        events = self.calendar_events
        current = calendar_logic.busy_at(events, now)
        last = calendar_logic.last_meeting_on(events, today, zone)
        outside = calendar_logic.after_hours_meetings(events, self.engine.schedule, today)
        days_off = calendar_logic.days_off(events, self._settings.calendar.days_off_words)
        return {
            "meeting_now_ends": local_iso(current.end, zone) if current else None,
            "last_meeting_today_ends": local_iso(last.end, zone) if last else None,
            "after_hours_meetings_today": [
                {"start": local_iso(e.start, zone), "end": local_iso(e.end, zone)} for e in outside
            ],
            "days_off": sorted(d.isoformat() for d in days_off if d >= today),
            "problems": sorted(self.calendar_problems.values()),
        }

    def _iso(self, moment: datetime) -> str | None:
        return local_iso(moment, self.zone())
