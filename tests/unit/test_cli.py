"""The `respite` command with the app NOT running: offline reads and clear errors.

The autouse fixture in tests/conftest.py points RESPITE_CONFIG_DIR / RESPITE_DATA_DIR at
fresh temporary folders; the log is seeded through the real EventLog. The commands that
talk to a running app are covered by tests/gui/test_headless_app.py.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import logging
import stat
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from respite import __version__, cli, paths
from respite.core.clock import FakeClock
from respite.core.events import ActiveSpan, Event, EventKind, iso
from respite.storage.db import EventLog

LONDON = ZoneInfo("Europe/London")


def at(hhmm: str, day: int = 23) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)  # Monday 23 Nov, GMT


NOW = at("10:30")
NOT_RUNNING = "Respite is not running. Start it with: respite\n"


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "clock", FakeClock(NOW))
    config = paths.ensure_private_dir(paths.config_dir())
    (config / "settings.toml").write_text('timezone = "Europe/London"\n', encoding="utf-8")


def event(what: EventKind, when: datetime, /, **data: Any) -> Event:
    return Event(what, when, data, 0)


def seed(events: list[Event], spans: list[tuple[datetime, datetime]] = ()) -> None:  # type: ignore[assignment]
    log, _ = EventLog.open(paths.database_path(), now=NOW, zone=lambda: LONDON)
    with log:
        for item in events:
            log.record(item)
        for start, end in spans:
            log.record_span(ActiveSpan(start, end))


def a_morning() -> None:
    seed(
        [
            event(EventKind.APP_STARTED, at("09:00"), version="0.1.0"),
            event(EventKind.NUDGE, at("09:30"), kind="short_break", level=0, active_seconds=1800),
            event(EventKind.BREAK_STARTED, at("09:31"), kind="short", planned_seconds=120),
            event(EventKind.BREAK_FINISHED, at("09:33"), kind="short", seconds=120, completed=True),
            event(EventKind.WIN, at("10:00"), text="shipped it"),
            event(EventKind.PAUSED, at("10:20"), until=iso(at("11:00"))),
        ],
        [(at("09:00"), at("09:31")), (at("09:33"), at("10:00"))],
    )


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def count_events() -> int:
    log, _ = EventLog.open(paths.database_path(), now=NOW, readonly=True)
    with log:
        return log.count_events()


# ----- basics --------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"respite {__version__}\n", "")


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--help")

    assert code == 0 and err == ""
    for name in ("status", "pause", "resume", "break", "snooze", "win", "history", "export"):
        assert name in out


def test_respite_alone_starts_the_app_with_what_the_parser_would_give() -> None:
    assert cli.parse_arguments([]) == cli.build_parser().parse_args([])
    assert cli.parse_arguments([]).command is None


def test_a_command_has_its_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "pause", "--help")

    assert code == 0
    assert "until-tomorrow" in out


# ----- status --------------------------------------------------------------------------


def test_status_without_the_app_reads_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()
    before = count_events()

    code, out, err = run(capsys, "status")

    assert (code, err) == (0, "")
    assert out == (
        "Paused until 11:00\n"
        "Phase: paused\n"
        "Next break: short, after 3 min more of activity\n"
        "Left in today's hours: 6 h 15 min\n"
        "Paused: until 11:00\n"
        "(Respite isn't running; this comes from its log.)\n"
    )
    assert count_events() == before  # nothing was written


def test_status_json(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()

    code, out, err = run(capsys, "status", "--json")

    assert (code, err) == (0, "")
    data = json.loads(out)
    assert data["running"] is False
    assert data["phase"] == "paused"
    assert data["zone"] == "Europe/London"
    assert data["now"] == "2026-11-23T10:30:00+00:00"
    assert data["paused_until"] == "2026-11-23T11:00:00+00:00"
    assert data["next_break"] == "short"
    assert data["next_break_in"] == 180
    assert data["work_left"] == 6 * 3600 + 15 * 60


def test_status_applies_what_ended_meanwhile_in_memory_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_morning()
    monkeypatch.setattr(cli, "clock", FakeClock(at("11:10")))  # the pause is over

    code, out, _ = run(capsys, "status")

    assert code == 0
    assert "Paused: no" in out
    assert count_events() == 6


def test_status_with_no_log_at_all_creates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "status")

    assert (code, err) == (0, "")
    # No activity known: the break timer rests, as it does while the user is away.
    assert out.startswith("Break timer resting while you're away · 6 h 15 min of work left\n")
    assert "Phase: working\n" in out
    assert not paths.database_path().exists()


def test_status_off_hours(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "clock", FakeClock(at("20:00")))

    code, out, _ = run(capsys, "status")

    assert code == 0
    assert out.splitlines()[:2] == ["Off hours — see you tomorrow 09:00", "Phase: off hours"]
    assert "Working hours start: tomorrow 09:00" in out


# ----- commands that need the app --------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["pause"],
        ["pause", "1h"],
        ["pause", "until-tomorrow"],
        ["resume"],
        ["break"],
        ["break", "done"],
        ["break", "skip"],
        ["snooze"],
        ["snooze", "10m"],
        ["win", "shipped it"],
        ["win", "two", "words"],
    ],
)
def test_actions_need_the_running_app(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert run(capsys, *argv) == (1, "", NOT_RUNNING)


# ----- user mistakes: one line, exit 2 ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pause", "5x"], 'respite pause: "5x" is not a duration; use e.g. 30m'),
        (["pause", "0m"], "respite pause: 0m is no time at all"),
        (["pause", "8d"], "respite pause: 8d is too long; a duration can be at most 7 days."),
        (["pause", "-5m"], "respite: unrecognized arguments: -5m"),
        (["snooze", "soon"], 'respite snooze: "soon" is not a duration'),
        (["snooze", "25h"], "respite snooze: snooze for at most 24 hours."),
        (
            ["win", "   "],
            'respite win: a small win needs a few words, e.g. respite win "shipped it".',
        ),
        (["win"], "respite win: the following arguments are required: text"),
        (
            ["win", "-5", "kg", "-lighter", "bike"],
            'respite win: "-lighter" looks like an option; to start a win with "-", put -- '
            'before it: respite win -- "-lighter …"',
        ),
        (["break", "later"], "respite break: 'later' is not one of start, done, skip"),
        (["dance"], "respite: 'dance' is not a command; the commands are status, pause,"),
        (["--frobnicate"], "respite: unrecognized arguments: --frobnicate"),
        (["status", "--yaml"], "respite: unrecognized arguments: --yaml"),
        (["history", "--week", "2026-W60"], "respite history: '2026-W60' is not an ISO week"),
        (["history", "--week", "last"], "respite history: 'last' is not an ISO week"),
        (["history", "--week", "9999-W52"], "respite history: '9999-W52' is too near the edge"),
        (["history", "--week", "0001-W01"], "respite history: '0001-W01' is too near the edge"),
        (["history", "--format", "xml"], "respite history: 'xml' is not one of table, json, csv"),
        (["export", "--from", "yesterday"], "respite export: --from 'yesterday' is not a date"),
        (["export", "--to", "2026-13-01"], "respite export: --to '2026-13-01' is not a date"),
        (
            ["export", "--from", "2026-12-01", "--to", "2026-11-01"],
            "respite export: --from 2026-12-01 is after --to 2026-11-01.",
        ),
        (["config"], "respite config: the following arguments are required: path|check"),
        (["config", "edit"], "respite config: 'edit' is not one of path, check"),
    ],
)
def test_a_user_mistake_is_one_clear_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, *argv)

    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err


def test_an_unreadable_config_file_is_a_user_mistake(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.toml"

    assert run(capsys, "--config", str(missing), "status") == (
        2,
        "",
        f"respite: --config {missing}: there is no such file.\n",
    )
    assert run(capsys, "--config", str(tmp_path), "status") == (
        2,
        "",
        f"respite: --config {tmp_path}: that is a folder, not a file.\n",
    )


# ----- config --------------------------------------------------------------------------


def test_config_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "config", "path") == (0, f"{paths.settings_path()}\n", "")

    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    # --config works before or after the command.
    assert run(capsys, "--config", str(other), "config", "path") == (0, f"{other}\n", "")
    assert run(capsys, "config", "path", "--config", str(other)) == (0, f"{other}\n", "")


def test_config_check(capsys: pytest.CaptureFixture[str]) -> None:
    path = paths.settings_path()
    assert run(capsys, "config", "check") == (0, f"{path} looks good.\n", "")

    path.write_text('[breaks.short]\nevery_minutes = "often"\n', encoding="utf-8")
    code, out, err = run(capsys, "config", "check")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f'{path}: breaks.short.every_minutes = "often" is not allowed')
    assert lines[1] == "1 problem found; Respite uses the default for each key named above."

    path.unlink()
    assert run(capsys, "config", "check") == (
        0,
        f"There is no settings file at {path}; Respite uses its defaults.\n",
        "",
    )


def test_config_check_in_a_settings_folder_it_may_not_read(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = paths.settings_path().parent
    real_exists, real_read_bytes = Path.exists, Path.read_bytes

    def refused(real: Any) -> Any:
        # Root ignores chmod 000 on the folder: refuse as the kernel would for a user.
        def call(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self.parent == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        return call

    monkeypatch.setattr(Path, "exists", refused(real_exists))
    monkeypatch.setattr(Path, "read_bytes", refused(real_read_bytes))

    code, out, err = run(capsys, "config", "check")

    assert (code, err) == (1, "")
    [line] = out.splitlines()
    assert line.startswith(f"Could not read {paths.settings_path()}: permission denied.")


def test_config_check_leaves_a_broken_file_where_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    path = paths.settings_path()
    path.write_text("[breaks\n", encoding="utf-8")

    code, out, _ = run(capsys, "config", "check")

    assert code == 1
    assert "it is not valid TOML" in out
    assert path.read_text(encoding="utf-8") == "[breaks\n"


# ----- export --------------------------------------------------------------------------


def test_export_csv_has_every_event_in_local_time(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()

    code, out, err = run(capsys, "export")

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "time,kind,details",
        '2026-11-23T09:00:00+00:00,app_started,"{""version"": ""0.1.0""}"',
        "2026-11-23T09:30:00+00:00,nudge,"
        '"{""active_seconds"": 1800, ""kind"": ""short_break"", ""level"": 0}"',
        '2026-11-23T09:31:00+00:00,break_started,"{""kind"": ""short"", ""planned_seconds"": 120}"',
        "2026-11-23T09:33:00+00:00,break_finished,"
        '"{""completed"": true, ""kind"": ""short"", ""seconds"": 120}"',
        '2026-11-23T10:00:00+00:00,win,"{""text"": ""shipped it""}"',
        '2026-11-23T10:20:00+00:00,paused,"{""until"": ""2026-11-23T11:00:00+00:00""}"',
    ]
    rows = list(csv.reader(io.StringIO(out)))
    assert json.loads(rows[5][2]) == {"text": "shipped it"}


def test_export_uses_the_offset_each_event_was_recorded_with(
    capsys: pytest.CaptureFixture[str],
) -> None:
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=LONDON)
    seed([Event(EventKind.WIN, summer, {"text": "sunny"}, 60)])

    code, out, _ = run(capsys, "export", "--format", "json")

    assert code == 0
    assert json.loads(out) == [
        {"time": "2026-07-01T09:00:00+01:00", "kind": "win", "details": {"text": "sunny"}}
    ]


def test_export_range_is_whole_local_days(capsys: pytest.CaptureFixture[str]) -> None:
    seed(
        [
            event(EventKind.WIN, at("23:59", day=21), text="saturday"),
            event(EventKind.WIN, at("00:00", day=22), text="sunday"),
            event(EventKind.WIN, at("23:59", day=22), text="sunday late"),
            event(EventKind.WIN, at("00:00", day=23), text="monday"),
        ]
    )

    code, out, _ = run(
        capsys, "export", "--format", "json", "--from", "2026-11-22", "--to", "2026-11-22"
    )

    assert code == 0
    assert [e["details"]["text"] for e in json.loads(out)] == ["sunday", "sunday late"]
    code, out, _ = run(capsys, "export", "--format", "json", "--from", "2026-11-23")
    assert [e["details"]["text"] for e in json.loads(out)] == ["monday"]
    code, out, _ = run(capsys, "export", "--format", "json", "--to", "2026-11-21")
    assert [e["details"]["text"] for e in json.loads(out)] == ["saturday"]


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles"])
def test_export_from_and_to_the_ends_of_the_calendar_is_everything(
    capsys: pytest.CaptureFixture[str], zone: str
) -> None:
    paths.settings_path().write_text(f'timezone = "{zone}"\n', encoding="utf-8")
    a_morning()
    _, everything, _ = run(capsys, "export")

    code, out, err = run(capsys, "export", "--from", "0001-01-01", "--to", "9999-12-31")

    assert (code, out, err) == (0, everything, "")
    assert out.count("\n") == 7


def test_export_of_an_empty_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "export") == (0, "time,kind,details\n", "")
    assert run(capsys, "export", "--format", "json") == (0, "[]\n", "")
    assert not paths.database_path().exists()


class _Cp1252Stdout(io.TextIOWrapper):
    """stdout as on Windows with a redirect: cp1252, which has no emoji."""

    def __init__(self, *, terminal: bool = False) -> None:
        super().__init__(io.BytesIO(), encoding="cp1252")
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal

    def written(self) -> bytes:
        self.flush()
        assert isinstance(self.buffer, io.BytesIO)
        return self.buffer.getvalue()


@pytest.mark.parametrize("argv", [["export"], ["export", "--format", "json"], ["history"]])
def test_a_win_with_an_emoji_never_cuts_the_output_short(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    seed([event(EventKind.WIN, at("10:00"), text="shipped it 🎉"), event(EventKind.RESUMED, NOW)])
    to_a_file = _Cp1252Stdout()
    monkeypatch.setattr("sys.stdout", to_a_file)

    assert cli.main(argv) == 0

    assert capsys.readouterr().err == ""
    text = to_a_file.written().decode("utf-8")  # a file gets UTF-8 whatever the locale
    assert "shipped it 🎉" in text
    assert "resumed" in text or argv == ["history"]  # the event after the win is there


def test_a_terminal_that_cant_show_an_emoji_shows_a_question_mark(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed([event(EventKind.WIN, at("10:00"), text="shipped it 🎉")])
    terminal = _Cp1252Stdout(terminal=True)
    monkeypatch.setattr("sys.stdout", terminal)

    assert cli.main(["export"]) == 0

    assert "shipped it ?" in terminal.written().decode("cp1252")


def test_a_full_disk_under_the_output_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a_morning()
    monkeypatch.setattr("sys.stdout", _FullDisk())

    assert cli.main(["export", "--format", "json"]) == 1

    err = capsys.readouterr().err
    assert err == "respite: could not write the output (No space left on device).\n"


def test_a_file_a_command_cannot_use_is_named_not_taken_for_the_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_config: Path | None) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/somewhere/settings.toml")

    monkeypatch.setattr(cli, "_local", unreadable)

    assert cli.main(["history"]) == 1

    err = capsys.readouterr().err
    assert err == "respite: could not use /somewhere/settings.toml (Permission denied).\n"


# ----- history -------------------------------------------------------------------------


def test_history_table_of_this_week(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()

    code, out, err = run(capsys, "history")

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Week 2026-W48 (Mon 23 Nov – Sun 29 Nov)",
        "",
        "Day         Hours       Worked  After hours  Breaks  Ended on time",
        "Mon 23 Nov  7 h 45 min  58 min               1/1",
        "Tue 24 Nov  7 h 45 min",
        "Wed 25 Nov  7 h 45 min",
        "Thu 26 Nov  7 h 45 min",
        "Fri 27 Nov  7 h 45 min",
        "Sat 28 Nov  off",
        "Sun 29 Nov  off",
        "",
        "Worked 58 min of 38 h 45 min planned.",
        "Breaks: took 1 of 1 due (100%).",
        "Win (Mon 23 Nov): shipped it",
        "Much like this time last week. Steady is good.",
    ]


def test_this_weeks_history_is_compared_with_last_week_by_the_same_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Last Monday: the same morning, then an afternoon this Monday has not reached yet.
    seed([], [(at("09:00", 16), at("09:58", 16)), (at("13:00", 16), at("17:00", 16))])
    a_morning()

    code, out, err = run(capsys, "history")

    assert (code, err) == (0, "")
    # Was: "Worked 4 h less than last week", Monday morning against all of last week.
    assert out.splitlines()[-1] == "Much like this time last week. Steady is good."
    code, out, err = run(capsys, "history", "--week", "2026-W47")
    assert out.splitlines()[-1] != "Much like this time last week. Steady is good."
    code, out, err = run(capsys, "history", "--week", "2026-W47", "--format", "json")
    assert json.loads(out)["compared_so_far"] is False  # a past week: whole weeks


def test_history_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()

    code, out, _ = run(capsys, "history", "--week", "2026-W48", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["week"] == "2026-W48"
    assert data["week_start"] == "2026-11-23"
    assert data["worked_minutes"] == 58
    assert (data["breaks_due"], data["breaks_due_taken"], data["break_percentage"]) == (1, 1, 100)
    assert data["compared_so_far"] is True  # this week: last week up to Monday 10:30
    monday = data["days"][0]
    assert monday["date"] == "2026-11-23"
    assert monday["first_activity"] == "09:00"
    assert monday["last_activity"] == "10:00"
    assert monday["wins"] == ["shipped it"]
    assert len(data["days"]) == 7

    code, out, _ = run(capsys, "history", "--week", "2026W48", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["date"] for row in rows] == [f"2026-11-{d}" for d in range(23, 30)]
    assert rows[0]["worked_minutes"] == "58"
    assert rows[0]["wins"] == "shipped it"
    assert rows[5]["planned_minutes"] == "0"


def meeting_outside(start: datetime, end: datetime) -> Event:
    day = start.astimezone(LONDON).date().isoformat()
    return event(EventKind.MEETING_OUTSIDE_HOURS, start, start=iso(start), end=iso(end), day=day)


def test_history_counts_calendar_days_off_and_meetings_outside_hours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Friday was a holiday by the calendar; two meetings took place outside hours.
    seed(
        [
            event(EventKind.CALENDAR_DAY_OFF, at("00:00", day=27), day="2026-11-27", off=True),
            meeting_outside(at("18:00", day=23), at("19:00", day=23)),
            meeting_outside(at("07:30", day=25), at("08:00", day=25)),
        ]
    )

    code, out, _ = run(capsys, "history", "--week", "2026-W48")
    assert code == 0
    assert "Fri 27 Nov  off" in out
    assert "Worked 0 min of 31 h planned." in out
    assert "After-hours meetings: 2 (by this time last week: 0)." in out
    code, out, _ = run(capsys, "history", "--week", "2026-W48", "--format", "json")
    data = json.loads(out)
    assert data["after_hours_meetings"] == 2
    assert [d["after_hours_meetings"] for d in data["days"]] == [1, 0, 1, 0, 0, 0, 0]
    assert data["days"][4]["planned_minutes"] == 0


def test_history_keeps_the_hours_of_a_day_said_off_after_work_began(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The calendar said at 10:10 that Monday was a holiday, after a morning's work: as
    # the engine counted it, that work was in hours (not after hours).
    a_morning()
    seed([event(EventKind.CALENDAR_DAY_OFF, at("10:10"), day="2026-11-23", off=True)])

    code, out, _ = run(capsys, "history", "--week", "2026-W48", "--format", "json")
    assert code == 0
    monday = json.loads(out)["days"][0]
    assert (monday["planned_minutes"], monday["in_hours_minutes"]) == (465, 58)
    assert monday["after_hours_minutes"] == 0


def test_history_of_another_week_is_empty_but_fine(capsys: pytest.CaptureFixture[str]) -> None:
    a_morning()

    code, out, _ = run(capsys, "history", "--week", "2026-W40")

    assert code == 0
    assert out.splitlines()[0] == "Week 2026-W40 (Mon 28 Sep – Sun 4 Oct)"
    assert "Worked 0 min of 38 h 45 min planned." in out


def test_history_with_no_log(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "history", "--format", "json")

    assert (code, err) == (0, "")
    assert json.loads(out)["worked_minutes"] == 0
    assert not paths.database_path().exists()


def test_the_week_default_follows_the_users_zone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sunday 23:30 in London is already Monday in Tokyo.
    monkeypatch.setattr(cli, "clock", FakeClock(at("23:30", day=22)))
    paths.settings_path().write_text('timezone = "Asia/Tokyo"\n', encoding="utf-8")

    code, out, _ = run(capsys, "history", "--format", "json")

    assert code == 0
    assert json.loads(out)["week"] == "2026-W48"
    paths.settings_path().write_text('timezone = "Europe/London"\n', encoding="utf-8")
    code, out, _ = run(capsys, "history", "--format", "json")
    assert json.loads(out)["week"] == "2026-W47"


@pytest.mark.parametrize("argv", [["export"], ["history"]])
def test_a_damaged_log_is_a_failure_not_an_empty_export(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    database = paths.database_path()
    paths.ensure_private_dir(database.parent)
    database.write_bytes(b"this is not a database" * 100)

    code, out, err = run(capsys, *argv)

    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"respite: Respite's activity log at {database} can't be read")
    assert database.read_bytes().startswith(b"this is not a database")  # left alone


def test_status_of_a_damaged_log_says_so_and_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    database = paths.database_path()
    paths.ensure_private_dir(database.parent)
    database.write_bytes(b"this is not a database" * 100)

    code, out, err = run(capsys, "status")

    assert code == 0
    assert "Phase:" in out
    assert err.startswith("respite: Respite's activity log at")


def test_problems_in_the_settings_file_still_let_reads_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths.settings_path().write_text("[breaks\n", encoding="utf-8")

    code, out, err = run(capsys, "status")

    assert code == 0
    assert "Phase:" in out
    assert paths.settings_path().exists()  # not moved aside
    [line] = err.splitlines()
    assert line.startswith(f"respite: {paths.settings_path()} could not be used: it is not valid")


@pytest.mark.parametrize("argv", [["status"], ["history"], ["export"]])
def test_reads_say_once_that_the_settings_file_has_problems(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    a_morning()
    _, as_usual, _ = run(capsys, *argv)
    paths.settings_path().write_text(
        'timezone = "Europe/London"\n[breaks.short]\nevery_minutes = 0\n[interface]\nsond = 1\n',
        encoding="utf-8",
    )

    code, out, err = run(capsys, *argv)

    assert (code, out) == (0, as_usual)
    assert err == (
        "respite: your settings file has 2 problems; using the defaults for those "
        "(see: respite config check).\n"
    )


def test_a_pause_duration_in_minutes_only(capsys: pytest.CaptureFixture[str]) -> None:
    # "90" means minutes; the duration is checked before the app is looked for.
    assert run(capsys, "pause", "90") == (1, "", NOT_RUNNING)
    assert run(capsys, "pause", "1h30m") == (1, "", NOT_RUNNING)


def test_status_duration_text_for_a_break_due_now(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed([], [(at("09:00"), at("09:45"))])
    monkeypatch.setattr(cli, "clock", FakeClock(at("09:45") + timedelta(seconds=20)))

    code, out, _ = run(capsys, "status")

    assert code == 0
    assert "Next break: short, due now" in out


def test_the_log_file_rolls_over_and_stays_private(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    path = logs / "respite.log"
    path.write_text("left by an older version\n")
    path.chmod(0o644)
    handler = cli.PrivateLogFile(path, max_bytes=1000, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("respite.test-log-file")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for number in range(100):
            logger.warning("line %03d %s", number, "x" * 40)
    finally:
        logger.removeHandler(handler)
        handler.close()
    names = sorted(p.name for p in logs.iterdir())
    assert names == ["respite.log", "respite.log.1", "respite.log.2"]  # the oldest dropped
    for name in names:
        assert stat.S_IMODE((logs / name).stat().st_mode) == 0o600
        assert (logs / name).stat().st_size <= 1000 + 60  # rolled after passing the limit
    kept = [
        int(line.split()[1])
        for name in ("respite.log.2", "respite.log.1", "respite.log")
        for line in (logs / name).read_text().splitlines()
    ]
    # The newest lines, oldest first, none missing in between; the rest were dropped.
    assert kept == list(range(kept[0], 100))
    assert 0 < kept[0] < 100 - 2 * (1000 // 60)


class _FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def tell(self) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_never_breaks_the_code_that_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging, "raiseExceptions", False)  # no report on stderr here
    handler = cli.PrivateLogFile(tmp_path / "respite.log", max_bytes=1000, backups=2)
    logger = logging.getLogger("respite.test-full-disk")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        handler.stream.close()
        handler.stream = _FullDisk()
        logger.error("while the disk is full")  # must not raise
        handler.stream = None  # as a failed roll-over leaves it: the reopen fails too
        monkeypatch.setattr(handler, "_open", _FullDisk().flush)
        logger.error("still full")
        monkeypatch.undo()  # space again: the next line reopens the file and lands
        logger.error("space again")
    finally:
        logger.removeHandler(handler)
        handler.close()
    assert (tmp_path / "respite.log").read_text().splitlines() == ["space again"]
