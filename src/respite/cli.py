"""The `respite` command: start the app, or talk to the running one.

    respite [--no-tray]                 start Respite in the tray (or headless)
    respite status [--json]             what's happening now
    respite pause [30m|1h|until-tomorrow]
    respite resume
    respite break [start|done|skip]
    respite snooze [10m]
    respite win "shipped the release"
    respite history [--week 2026-W48] [--format table|json|csv]
    respite export [--format csv|json] [--from DATE] [--to DATE]
    respite config path|check

Commands reach the running app over the local socket (`respite.ipc`). When it isn't
running, the read-only commands read the log and settings themselves (writing nothing)
and the others say how to start it. A user mistake prints one line on stderr and exits
2; an action that doesn't fit the moment ("you're not on a break") exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, NoReturn, TextIO

from respite import __version__, paths
from respite.core import messages
from respite.core.clock import Clock, SystemClock
from respite.core.engine import MEMORY, Engine, Phase, Status
from respite.core.events import ActiveSpan, Event
from respite.core.schedule import WorkSchedule, resolve_zone
from respite.core.settings import Settings
from respite.core.settings_parse import parse_duration
from respite.core.status_text import status_line, when_text

__all__ = ["main"]

log = logging.getLogger(__name__)

# What the offline commands take as "now" (tests put a FakeClock here).
clock: Clock = SystemClock()

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

DEFAULT_PAUSE = "30m"
UNTIL_TOMORROW = "until-tomorrow"
NOT_RUNNING = "Respite is not running. Start it with: respite"
ALREADY_RUNNING = "Respite is already running; showing it."
# How long a second start waits for an instance that holds the lock but isn't answering
# yet (it is still starting up).
STARTING_GRACE_SECONDS = 5.0
LOG_FILE_NAME = "respite.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
MAX_SNOOZE = timedelta(hours=24)


class UsageError(Exception):
    """A mistake in the command line: one line for stderr, exit 2."""


class Failure(Exception):
    """The command could not be done: one line for stderr, exit 1."""


# ----- argument parsing --------------------------------------------------------------

_INVALID_CHOICE = re.compile(
    r"argument (?P<name>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)$"
)


def _tidy(message: str) -> str:
    """argparse's message as one clear line."""
    match = _INVALID_CHOICE.match(message)
    if match is None:
        return message
    value = match["value"].strip("'\"")
    choices = ", ".join(choice.strip(" '\"") for choice in match["choices"].split(","))
    if match["name"] == "COMMAND":
        return f"'{value}' is not a command; the commands are {choices}"
    return f"'{value}' is not one of {choices}"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {_tidy(message)} (see '{self.prog} --help').")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="use this settings file instead of the usual one",
        **default,
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say more (debug logging)",
        **({"default": argparse.SUPPRESS} if suppress else {"default": False}),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="respite",
        description="A gentle companion that nudges breaks and guards your work hours. "
        "Without a command, starts Respite.",
        epilog="Durations look like 30m, 1h, 1h30m or 90 (minutes). "
        "Times are shown in your time zone.",
    )
    parser.add_argument("--version", action="version", version=f"respite {__version__}")
    _global_options(parser, suppress=False)
    parser.add_argument(
        "--no-tray",
        action="store_true",
        help="run without a tray icon or windows; nudges go to the log",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        return sub

    status = command("status", "show what Respite is doing: phase, next break, hours left")
    status.add_argument("--json", action="store_true", help="print JSON")

    pause = command("pause", f"pause breaks and nudges (default {DEFAULT_PAUSE})")
    pause.add_argument(
        "duration",
        nargs="?",
        default=DEFAULT_PAUSE,
        metavar="DURATION",
        help=f"how long, e.g. 30m or 1h, or {UNTIL_TOMORROW} (the next working hours)",
    )

    command("resume", "end a pause")

    brk = command("break", "start, finish or skip a break (default start)")
    brk.add_argument("what", nargs="?", default="start", choices=("start", "done", "skip"))

    snooze = command("snooze", "put the due break off for a while")
    snooze.add_argument(
        "duration",
        nargs="?",
        metavar="DURATION",
        help="how long, e.g. 10m (default: your first snooze choice)",
    )

    win = command("win", "note a small win")
    win.add_argument("text", nargs="+", help="what went well")

    history = command("history", "summarize a week")
    history.add_argument("--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W48")
    history.add_argument("--format", choices=("table", "json", "csv"), default="table")

    export = command("export", "print every event, as CSV or JSON")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--from", dest="start", metavar="DATE", help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", metavar="DATE", help="last day, YYYY-MM-DD")

    config = command("config", "show where the settings file is, or check it")
    config.add_argument("what", choices=("path", "check"), metavar="path|check")

    secret = command("secret", "store or forget a secret (a calendar URL, a token) in the keyring")
    secret.add_argument("what", choices=("set", "delete"), metavar="set|delete")
    secret.add_argument("name", metavar="NAME", help='the name settings use, e.g. "calendar-work"')
    return parser


# ----- small parsers -----------------------------------------------------------------


def _duration(text: str, what: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as error:
        raise UsageError(f"respite {what}: {error}.") from error


_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})")
# A week's history reads the week before and a few days after, in local time: the years
# at the calendar's two ends have no room for that.
_HISTORY_YEARS = range(2, 9999)


def _week_start(text: str) -> date:
    match = _WEEK.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        start = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as error:
        raise UsageError(
            f"respite history: '{text}' is not an ISO week; use YYYY-Www such as 2026-W48."
        ) from error
    if start.isocalendar().year not in _HISTORY_YEARS:
        raise UsageError(
            f"respite history: '{text}' is too near the edge of the calendar; "
            "choose a week from 0002-W01 to 9998-W52."
        )
    return start


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise UsageError(
            f"respite export: {option} '{text}' is not a date; use YYYY-MM-DD such as 2026-11-23."
        ) from error


def _config_path(text: str | None) -> Path | None:
    """The --config file, checked: it must be a readable file."""
    if text is None:
        return None
    path = Path(text).expanduser()
    try:
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise UsageError(f"respite: --config {path}: there is no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"respite: --config {path}: that is a folder, not a file.") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise UsageError(f"respite: --config {path}: can't read it ({reason}).") from None
    return path


# ----- talking to the running app ----------------------------------------------------


def _request(command: str, args: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The running app's result for `command`, or None when it isn't running.

    Raises Failure with the app's own sentence when it refuses the command.
    """
    from respite.ipc_protocol import IpcError, request  # the client needs no Qt

    try:
        reply = request(command, args)
    except IpcError as error:
        raise Failure(str(error)) from error
    if reply is None:
        return None
    if not reply.ok:
        raise Failure(reply.error)
    return reply.result if isinstance(reply.result, dict) else {}


def _require(command: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = _request(command, args)
    if result is None:
        raise Failure(NOT_RUNNING)
    return result


def _status_of(result: dict[str, Any]) -> tuple[Status, tzinfo]:
    from respite.core.status_wire import status_from_dict

    try:
        return status_from_dict(result["status"])
    except (KeyError, TypeError, ValueError) as error:
        raise Failure("Respite's answer could not be read.") from error


# ----- reading without the app -------------------------------------------------------


@dataclass
class _Local:
    """Settings and zone as the app would use them, read without writing anything."""

    settings: Settings
    zone: tzinfo
    problems: list[str]


def _local(config: Path | None) -> _Local:
    from respite.storage.settings_store import read_settings

    settings, problems = read_settings(paths.settings_path(config))
    if settings is None and problems:  # not usable at all: what is wrong says it all
        print(f"respite: {problems[0]}", file=sys.stderr)
    elif problems:
        count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        check = f"respite --config {config} config check" if config else "respite config check"
        print(
            f"respite: your settings file has {count}; using the defaults for those "
            f"(see: {check}).",
            file=sys.stderr,
        )
    settings = settings or Settings()
    try:
        zone = resolve_zone(settings.timezone)
    except (ValueError, KeyError):
        zone = resolve_zone("")
    return _Local(settings, zone, problems)


@contextlib.contextmanager
def _open_log(*, unreadable_as_empty: bool = False) -> Iterator[Any]:
    """The log, read-only. A read-only open notes a log it can't read (damaged, or from an
    older version) and reads it as empty: `unreadable_as_empty` goes on with that after
    saying so; otherwise it is a failure, so an export never passes for a whole one."""
    from respite.storage.db import EventLog, StorageError

    try:
        event_log, notices = EventLog.open(paths.database_path(), now=clock.now(), readonly=True)
    except StorageError as error:
        raise Failure(str(error)) from error
    told = "\n".join(f"respite: {notice}" for notice in notices)
    if told and not unreadable_as_empty:
        event_log.close()
        raise Failure(told)
    if told:
        print(told, file=sys.stderr)
    try:
        yield event_log
    except StorageError as error:
        raise Failure(str(error)) from error
    finally:
        event_log.close()


class _Discard:
    """An EventSink that keeps nothing: the offline status must not write the log."""

    def record(self, event: Event) -> None:
        pass

    def record_span(self, span: ActiveSpan) -> None:
        pass


def _offline_status(config: Path | None) -> tuple[Status, tzinfo]:
    local = _local(config)
    with _open_log(unreadable_as_empty=True) as event_log:
        past_events, past_spans = event_log.recent(clock.now() - MEMORY)
    engine = Engine(
        local.settings,
        clock,
        _Discard(),
        zone=lambda: local.zone,
        past_events=past_events,
        past_spans=past_spans,
    )
    engine.reconcile()  # finish breaks and pauses that ended meanwhile, in memory only
    return engine.status(), local.zone


# ----- formatting --------------------------------------------------------------------


def _when(moment: datetime, now: datetime, zone: tzinfo) -> str:
    return when_text(moment, now, zone)


def _minutes(seconds: float) -> str:
    return messages.minutes_text(max(0.0, seconds) / 60)


_PHASE_NAMES = {
    Phase.WORKING: "working",
    Phase.BREAK_DUE: "a break is due",
    Phase.ON_BREAK: "on a break",
    Phase.PAUSED: "paused",
    Phase.OFF_HOURS: "off hours",
}


def _status_text(status: Status, zone: tzinfo, *, running: bool) -> str:
    now = status.now
    phase = _PHASE_NAMES[status.phase]
    if status.phase is Phase.OFF_HOURS and status.done_for_today:
        phase = "done for today"
    lines = [status_line(status, zone), f"Phase: {phase}"]
    if status.phase is Phase.ON_BREAK and status.break_ends_at is not None:
        lines.append(f"Break ends: {_when(status.break_ends_at, now, zone)}")
    elif status.next_break is not None and status.next_break_in is not None:
        if status.next_break_in <= 0:
            lines.append(f"Next break: {status.next_break}, due now")
        else:
            due = _minutes(status.next_break_in)
            lines.append(f"Next break: {status.next_break}, after {due} more of activity")
    if status.work_left:
        lines.append(f"Left in today's hours: {_minutes(status.work_left)}")
    elif status.next_work_start is not None:
        lines.append(f"Working hours start: {_when(status.next_work_start, now, zone)}")
    if status.paused_until is not None:
        lines.append(f"Paused: until {_when(status.paused_until, now, zone)}")
    else:
        lines.append("Paused: no")
    if not running:
        lines.append("(Respite isn't running; this comes from its log.)")
    return "\n".join(lines)


def _status_json(status: Status, zone: tzinfo, *, running: bool) -> str:
    from respite.core.status_wire import status_to_dict

    return json.dumps({"running": running, **status_to_dict(status, zone)}, indent=2)


# ----- commands ----------------------------------------------------------------------


def _cmd_status(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    result = _request("status")
    if result is not None:
        status, zone = _status_of(result)
    else:
        status, zone = _offline_status(config)
    render = _status_json if args.json else _status_text
    text = render(status, zone, running=result is not None)
    calendar = result.get("calendar") if result is not None else None
    if isinstance(calendar, dict):
        if args.json:
            data = json.loads(text)
            data["calendar"] = calendar
            text = json.dumps(data, indent=2)
        else:
            text += "".join("\n" + line for line in _calendar_lines(calendar, status.now, zone))
    hooks = result.get("hooks") if result is not None else None
    if isinstance(hooks, list):
        if args.json:
            data = json.loads(text)
            data["hooks"] = hooks
            text = json.dumps(data, indent=2)
        else:
            text += "".join("\n" + line for line in _hook_lines(hooks))
    print(text, file=out)
    return EXIT_OK


def _hook_lines(hooks: list[Any]) -> list[str]:
    """`respite status` lines about each hook's last run."""
    lines = []
    for hook in hooks:
        if not isinstance(hook, dict):
            continue
        name = hook.get("name")
        if hook.get("ok") is None:
            lines.append(f"Hook {name!r}: not run yet")
        elif hook["ok"]:
            lines.append(f"Hook {name!r}: ran for {hook.get('last_event')}")
        else:
            lines.append(f"Hook {name!r} failed for {hook.get('last_event')}: {hook.get('detail')}")
    return lines


def _calendar_lines(calendar: dict[str, Any], now: datetime, zone: tzinfo) -> list[str]:
    """`respite status` lines about the calendar (from the running app's summary)."""

    def when(text: Any) -> str:
        try:
            return _when(datetime.fromisoformat(str(text)), now, zone)
        except ValueError:
            return str(text)

    lines: list[str] = []
    if calendar.get("meeting_now_ends"):
        lines.append(f"In a meeting until {when(calendar['meeting_now_ends'])}")
    outside = calendar.get("after_hours_meetings_today") or []
    if outside:
        spans = ", ".join(f"{when(m.get('start'))}-{when(m.get('end'))}" for m in outside)
        noun = "meeting" if len(outside) == 1 else "meetings"
        lines.append(f"Outside your hours today: {len(outside)} {noun} ({spans})")
    days_off = calendar.get("days_off") or []
    if days_off:
        lines.append("Days off in your calendar: " + ", ".join(str(d) for d in days_off[:7]))
    lines.extend(f"Calendar problem: {problem}" for problem in calendar.get("problems") or [])
    return lines


def _cmd_pause(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    text = args.duration.strip()
    if text.lower().replace(" ", "-") in (UNTIL_TOMORROW, "tomorrow"):
        request_args: dict[str, Any] = {"until_tomorrow": True}
    else:
        minutes = _duration(text, "pause").total_seconds() / 60
        request_args = {"minutes": minutes}
    result = _require("pause", request_args)
    status, zone = _status_of(result)
    until = status.paused_until
    when = _when(until, status.now, zone) if until is not None else "later"
    print(f"Paused until {when}. Resume any time with: respite resume", file=out)
    return EXIT_OK


def _cmd_resume(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    _require("resume")
    print("Welcome back. Breaks and nudges are on again.", file=out)
    return EXIT_OK


def _cmd_break(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    result = _require("break", {"what": args.what})
    status, zone = _status_of(result)
    if args.what == "start":
        if status.break_ends_at is not None:
            ends = _when(status.break_ends_at, status.now, zone)
            print(f"Break started, until {ends}. Enjoy it.", file=out)
        else:
            print("Break started. Enjoy it.", file=out)
    elif args.what == "done":
        print("Break finished. Welcome back.", file=out)
    else:
        print("Break skipped. The next one will come round as usual.", file=out)
    return EXIT_OK


def _cmd_snooze(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    request_args: dict[str, Any] = {}
    if args.duration is not None:
        length = _duration(args.duration, "snooze")
        if length > MAX_SNOOZE:
            raise UsageError("respite snooze: snooze for at most 24 hours.")
        request_args["minutes"] = length.total_seconds() / 60
    result = _require("snooze", request_args)
    status, zone = _status_of(result)
    if status.snoozed_until is not None:
        print(f"Snoozed until {_when(status.snoozed_until, status.now, zone)}.", file=out)
    else:
        print("Snoozed.", file=out)
    return EXIT_OK


def _cmd_win(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    text = " ".join(" ".join(args.text).split())
    if not text:
        raise UsageError(
            'respite win: a small win needs a few words, e.g. respite win "shipped it".'
        )
    _require("win", {"text": text})
    print(messages.win_thanks(text), file=out)
    return EXIT_OK


def _flush_running_app() -> None:
    """Ask a running app to write its open activity span, so reads are up to date."""
    with contextlib.suppress(Failure):
        _request("flush")


def _cmd_history(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    # Imported here: the running app never needs them (the history window has its own).
    from respite.core import history_format
    from respite.core.history import (
        calendar_days_off,
        comparison_base,
        history_range,
        summarize_week,
    )

    local = _local(config)
    now = clock.now()
    schedule = WorkSchedule(local.settings.work_hours, local.zone)
    if args.week is not None:
        week_start = _week_start(args.week)
    else:
        today = schedule.local_date(now)
        week_start = today - timedelta(days=today.weekday())
    previous_start = week_start - timedelta(days=7)
    _flush_running_app()
    lo, hi = history_range(previous_start, week_start + timedelta(days=6), schedule)
    with _open_log() as event_log:
        events = event_log.events(lo, hi)
        spans = event_log.spans(lo, hi)
    # Days the calendar made days off count as days off, as they did on the day.
    days_off = calendar_days_off(events, schedule, lambda _start, _end: spans)
    schedule = WorkSchedule(local.settings.work_hours, local.zone, days_off)
    previous = summarize_week(previous_start, schedule, local.settings, events, spans, now)
    compared_with = comparison_base(previous, schedule, local.settings, events, spans, now)
    week = summarize_week(
        week_start, schedule, local.settings, events, spans, now, previous=compared_with
    )
    render = {
        "table": history_format.week_table,
        "json": history_format.week_json,
        "csv": history_format.week_csv,
    }[args.format]
    out.write(render(week, local.zone))
    return EXIT_OK


def _event_time(event: Event) -> str:
    offset = timezone(timedelta(minutes=event.utc_offset_minutes))
    return event.at.astimezone(offset).isoformat(timespec="seconds")


# The ends of time, as far as an export is concerned: every event lies between them.
_FIRST_MOMENT = datetime.min.replace(tzinfo=UTC)
_LAST_MOMENT = datetime.max.replace(tzinfo=UTC)


def _start_of_day(
    day: date | None, schedule: WorkSchedule, *, otherwise: datetime, days_later: int = 0
) -> datetime:
    """Where the day `days_later` after `day` begins in the user's zone; `otherwise` (an
    end of time) with no day, or when that beginning lies past the calendar's ends (the
    day after 9999-12-31; 0001-01-01 in a zone east of UTC)."""
    if day is None:
        return otherwise
    try:
        return schedule.at_local(day + timedelta(days=days_later))
    except OverflowError:
        return otherwise


def _cmd_export(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    first = _date(args.start, "--from") if args.start is not None else None
    last = _date(args.end, "--to") if args.end is not None else None
    if first is not None and last is not None and first > last:
        raise UsageError(
            f"respite export: --from {first.isoformat()} is after --to {last.isoformat()}."
        )
    local = _local(config)
    schedule = WorkSchedule(local.settings.work_hours, local.zone)
    lo = _start_of_day(first, schedule, otherwise=_FIRST_MOMENT)
    hi = _start_of_day(last, schedule, days_later=1, otherwise=_LAST_MOMENT)
    _flush_running_app()
    with _open_log() as event_log:
        events = event_log.events(lo, hi)
    if args.format == "json":
        data = [{"time": _event_time(e), "kind": e.kind.value, "details": e.data} for e in events]
        out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        import csv

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("time", "kind", "details"))
        for event in events:
            details = (
                json.dumps(event.data, sort_keys=True, ensure_ascii=False) if event.data else ""
            )
            writer.writerow((_event_time(event), event.kind.value, details))
    return EXIT_OK


def _cmd_config(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    from respite.storage.settings_store import read_settings

    path = paths.settings_path(config)
    if args.what == "path":
        print(path, file=out)
        return EXIT_OK
    # Read, not tested with exists(): that raises in a folder Respite may not read.
    settings, problems = read_settings(path)
    if settings is None and not problems:
        print(f"There is no settings file at {path}; Respite uses its defaults.", file=out)
        return EXIT_OK
    if not problems:
        print(f"{path} looks good.", file=out)
        return EXIT_OK
    for problem in problems:
        print(problem, file=out)
    if settings is None:  # not usable at all: the line above says what Respite does
        return EXIT_FAILED
    count = len(problems)
    noun = "problem" if count == 1 else "problems"
    print(f"{count} {noun} found; Respite uses the default for each key named above.", file=out)
    return EXIT_FAILED


def _read_secret_value(name: str, longest: int) -> str:
    """The secret from stdin when it is piped, else a prompt that doesn't echo; `longest`
    is the most characters a secret may have."""
    if sys.stdin is None:
        raise UsageError("respite secret: give the secret on standard input.")
    if sys.stdin.isatty():
        import getpass

        try:
            return getpass.getpass(f"Secret {name!r} (not shown): ")
        except (EOFError, KeyboardInterrupt):
            raise Failure("Nothing stored.") from None
    # Bytes, decoded here: the locale's encoding may not be the one the secret was piped
    # in. UTF-8 takes up to 4 bytes a character, plus a byte-order mark and a line end.
    limit = 4 * longest + 5
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise UsageError(
            f"respite secret: a secret can be at most {longest} characters; nothing stored."
        )
    try:
        return data.decode("utf-8-sig").strip("\r\n")
    except UnicodeDecodeError:
        raise UsageError("respite secret: the secret must be UTF-8 text; nothing stored.") from None


def _cmd_secret(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    from respite.storage import secrets

    name = args.name
    try:
        secrets.check_name(name)
    except secrets.SecretError as error:
        raise UsageError(f"respite secret: {error}") from None
    try:
        secrets.check_available()  # before asking for a secret there is nowhere to keep
        if args.what == "set":
            value = _read_secret_value(name, secrets.SECRET_MAX)
            if not value:
                raise Failure("The secret was empty; nothing stored.")
            secrets.set_secret(name, value)
            print(f"Stored the secret {name!r} in the system keyring.", file=out)
            return EXIT_OK
        if secrets.delete_secret(name):
            print(f"Deleted the secret {name!r} from the system keyring.", file=out)
        else:
            print(f"There was no secret called {name!r}.", file=out)
        return EXIT_OK
    except secrets.SecretError as error:
        raise Failure(str(error)) from None


_COMMANDS: dict[str, Callable[[argparse.Namespace, Path | None, TextIO], int]] = {
    "status": _cmd_status,
    "pause": _cmd_pause,
    "resume": _cmd_resume,
    "break": _cmd_break,
    "snooze": _cmd_snooze,
    "win": _cmd_win,
    "history": _cmd_history,
    "export": _cmd_export,
    "config": _cmd_config,
    "secret": _cmd_secret,
}


# ----- running the app ---------------------------------------------------------------


class PrivateLogFile(logging.FileHandler):
    """The app's log file, readable only by its owner (0600, the rolled-over ones too).

    Past `max_bytes` it rolls over to `.1` (older ones to `.2` … `.{backups}`, the oldest
    dropped), as logging.handlers.RotatingFileHandler does; that module is not used
    because importing it (pickle, socket handlers) costs the running app ≈0.4 MiB.
    """

    def __init__(self, path: Path, *, max_bytes: int, backups: int) -> None:
        self.max_bytes, self.backups = max_bytes, backups
        super().__init__(path, encoding="utf-8")

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.fchmod(fd, 0o600)  # a file left by an older version may be 0644
        return open(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        # Called with the handler's lock held. Whatever fails here (a full disk makes the
        # reopen after a roll-over and even tell() raise) goes to handleError, as in
        # every logging handler: the code that logged must carry on.
        try:
            super().emit(record)
            if self.stream is not None and self.stream.tell() >= self.max_bytes:
                self._roll_over()
        except Exception:
            self.handleError(record)

    def _roll_over(self) -> None:
        self.stream.close()
        self.stream = None  # if a rename fails, the next emit reopens the file
        for index in range(self.backups - 1, 0, -1):
            older = f"{self.baseFilename}.{index}"
            if os.path.exists(older):
                os.replace(older, f"{self.baseFilename}.{index + 1}")
        os.replace(self.baseFilename, f"{self.baseFilename}.1")
        self.stream = self._open()


@contextlib.contextmanager
def _logging(verbose: bool, *, log_file: Path | None = None) -> Iterator[None]:
    """Log to stderr (and to a rotating file) for the length of one `main` call."""
    root = logging.getLogger("respite")
    level = logging.DEBUG if verbose else logging.INFO if log_file else logging.WARNING
    handlers: list[logging.Handler] = []
    stream = logging.StreamHandler(sys.stderr)
    if log_file is None:
        stream.setFormatter(logging.Formatter("respite: %(message)s"))
    else:
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handlers.append(stream)
    if log_file is not None:
        try:
            paths.ensure_private_dir(log_file.parent)
            rotating = PrivateLogFile(log_file, max_bytes=LOG_MAX_BYTES, backups=LOG_BACKUPS)
            rotating.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
            )
            handlers.append(rotating)
        except OSError as error:
            print(f"respite: can't write the log file {log_file} ({error})", file=sys.stderr)
    previous_level, previous_propagate = root.level, root.propagate
    root.setLevel(level)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(previous_level)
        root.propagate = previous_propagate


@contextlib.contextmanager
def _quit_on_signals(quit_app: Callable[[], None]) -> Iterator[None]:
    """Let SIGINT / SIGTERM quit the Qt event loop cleanly.

    Python runs signal handlers only when the interpreter gets control; while Qt's loop
    waits in C++ it doesn't. `signal.set_wakeup_fd` writes a byte to a socket that a
    QSocketNotifier watches, which hands control to Python, which then runs the handler.
    """
    from PySide6.QtCore import QSocketNotifier

    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(OSError):
            while reader.recv(64):
                pass

    notifier.activated.connect(drain)

    def handle(number: int, _frame: object) -> None:
        log.info("got %s; stopping", signal.Signals(number).name)
        quit_app()

    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {number: signal.signal(number, handle) for number in wanted}
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for number, handler in previous.items():
            signal.signal(number, handler)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _wait_for_show() -> bool:
    """Ask a starting instance to show itself, for a few seconds."""
    deadline = time.monotonic() + STARTING_GRACE_SECONDS
    while time.monotonic() < deadline:
        if _request("show") is not None:
            return True
        time.sleep(0.2)
    return False


# Qt derives the X11 window class from argv[0]; "respite" however it was started
# (`python -m respite` would make it "__main__.py"), so desktop files can match it.
APP_ARGV0 = "respite"


def _serve(app: Any, config: Path | None, *, desktop: bool = False) -> int:
    """Start the runtime (and, on a desktop, the tray and its adapters), answer commands
    on the local socket, and run until asked to quit."""
    from respite import ipc
    from respite.runtime import Runtime
    from respite.storage.db import StorageError

    app.setApplicationName("respite")
    # Wayland compositors match windows to org.respite.Respite.desktop by this name.
    if hasattr(app, "setDesktopFileName"):  # QGuiApplication only, not headless
        app.setDesktopFileName("org.respite.Respite")
    idle = None
    if desktop:
        from respite.app import choose_idle

        app.setQuitOnLastWindowClosed(False)
        idle = choose_idle()
    runtime = Runtime(config_path=config, idle=idle)
    try:
        runtime.start()
    except StorageError as error:
        raise Failure(str(error)) from error
    server = ipc.Server(runtime.handle_request, data_dir=paths.data_dir())
    try:
        server.listen()
    except ipc.IpcError as error:
        runtime.stop()
        raise Failure(str(error)) from error
    shell = None
    from respite.qt import GuiThreadGarbageCollector

    # Worker threads (calendar fetches, hooks, D-Bus) must never collect Qt objects.
    collector = GuiThreadGarbageCollector(parent=runtime)
    collector.start()
    if desktop:
        from respite.app import DesktopApp, choose_notifier
        from respite.ui.shell import Desktop

        notifier, explanation = choose_notifier()
        log.info("nudges: %s", explanation)
        shell = DesktopApp(runtime, Desktop(runtime, notifier))
        shell.desktop.quit_requested.connect(app.quit)
    else:
        log.info("running without a tray; nudges appear here and in the log")
    try:
        with _quit_on_signals(app.quit):  # before anything is shown: Ctrl-C quits cleanly
            if shell is not None:
                shell.start()
            app.exec()
    finally:
        server.close()
        if shell is not None:
            shell.stop()
        runtime.stop()
        collector.finish()
    return EXIT_OK


def _run_app(args: argparse.Namespace, config: Path | None, out: TextIO) -> int:
    from respite.qt import stop_keeping_module_sources

    stop_keeping_module_sources()  # before the rest of the app is imported
    from PySide6.QtCore import QCoreApplication

    from respite import ipc

    if _request("show") is not None:
        print(ALREADY_RUNNING, file=out)
        return EXIT_OK
    data_dir = paths.data_dir()
    with _logging(args.verbose, log_file=data_dir / "logs" / LOG_FILE_NAME):
        try:
            lock = ipc.InstanceLock(data_dir)
            locked = lock.acquire()
        except (ipc.IpcError, OSError) as error:
            raise Failure(str(error)) from error
        if not locked:
            if _wait_for_show():
                print(ALREADY_RUNNING, file=out)
                return EXIT_OK
            owner = lock.owner_pid()
            who = f" (process {owner})" if owner else ""
            raise Failure(
                f"Respite is already starting{who} but not answering yet; try again in a "
                f"moment, or remove {lock.path} if no Respite is running."
            )
        try:
            if args.no_tray:
                return _serve(QCoreApplication.instance() or QCoreApplication([APP_ARGV0]), config)
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance() or QApplication([APP_ARGV0])
            return _serve(app, config, desktop=True)
        finally:
            lock.release()


# ----- main --------------------------------------------------------------------------


# What `build_parser().parse_args([])` gives (a test holds them equal).
NO_ARGUMENTS = {"command": None, "config": None, "verbose": False, "no_tray": False}


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The command line's arguments; raises UsageError, or SystemExit for --help/--version.

    `respite` alone, the way the app starts every day, builds no parser: argparse looks
    up its translations while building one, which loads `locale` and its tables (≈0.15
    MiB that the running app would keep for nothing).
    """
    if not argv:
        return argparse.Namespace(**NO_ARGUMENTS)
    parser = build_parser()
    args, unknown = parser.parse_known_args(list(argv))
    if unknown and args.command == "win":
        # `respite win -5 kg on the bike`: argparse takes a leading dash for an option.
        raise UsageError(
            f'respite win: "{unknown[0]}" looks like an option; to start a win with "-", '
            f'put -- before it: respite win -- "{unknown[0]} …"'
        )
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _never_fail_on_text(stream: TextIO | None) -> None:
    """Let any text (a win's emoji) be written to `stream` whatever the locale says: a
    file or pipe gets UTF-8, a terminal shows what it can't draw as "?". Otherwise an
    export to a cp1252 stdout would stop halfway with a traceback."""
    reconfigure = getattr(stream, "reconfigure", None)
    if stream is None or reconfigure is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if stream.isatty():
            reconfigure(errors="replace")
        else:
            reconfigure(encoding="utf-8", errors="backslashreplace")


def _discard_output() -> None:
    """Point stdout at the null device, so the interpreter's last flush at exit can't
    fail again on output that can't be written."""
    with contextlib.suppress(OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """The `respite` command. Returns the exit status."""
    out = sys.stdout
    try:
        try:
            args = parse_arguments(sys.argv[1:] if argv is None else argv)
        except SystemExit as exit_:  # --help and --version
            return exit_.code if isinstance(exit_.code, int) else EXIT_OK
        config = _config_path(args.config)
        if args.command is None:
            return _run_app(args, config, out)
        _never_fail_on_text(out)
        with _logging(args.verbose):
            code = _COMMANDS[args.command](args, config, out)
        if out is not None:
            out.flush()  # a full disk is told here, not lost at exit
        return code
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except Failure as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `respite export | head`: the reader went away; that's fine.
        _discard_output()
        return EXIT_OK
    except OSError as error:
        reason = error.strerror or str(error)
        if error.filename is not None:  # a file a command used, not the output
            print(f"respite: could not use {error.filename} ({reason}).", file=sys.stderr)
            return EXIT_FAILED
        # Writing the output failed (a full disk): what was written is incomplete.
        print(f"respite: could not write the output ({reason}).", file=sys.stderr)
        _discard_output()
        return EXIT_FAILED
