"""Settings document parsing and validation (respite.core.settings_parse)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from respite.core.settings import (
    WEEKDAYS,
    AfterHours,
    Boundaries,
    BreakRule,
    Breaks,
    BreakWindowStyle,
    CalendarOptions,
    CalendarSource,
    Hook,
    Interface,
    Reminder,
    Settings,
    Snooze,
    TimeWindow,
    WorkHours,
)
from respite.core.settings_parse import (
    KNOWN_KEYS,
    MISSING,
    Problem,
    cron_error,
    format_duration,
    parse_clock_time,
    parse_day,
    parse_duration,
    parse_settings,
    parse_window,
    settings_to_document,
)

SOURCE = "settings.toml"
SRC = Path(__file__).resolve().parents[2] / "src"

# Property tests here take no fixtures of their own; the suite's autouse fixture only
# points environment variables at a temporary tree, which is harmless to share.
hypothesis_settings = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def parse(doc: dict[str, Any]) -> tuple[Settings, list[Problem]]:
    return parse_settings(doc, SOURCE)


def nest(dotted: str, value: object) -> dict[str, Any]:
    """{"a": {"b": value}} for "a.b"."""
    doc: dict[str, Any] = {}
    inner = doc
    *tables, last = dotted.split(".")
    for name in tables:
        inner[name] = {}
        inner = inner[name]
    inner[last] = value
    return doc


def lookup(doc: dict[str, Any], dotted: str) -> object:
    value: Any = doc
    for name in dotted.split("."):
        value = value[name]
    return value


def one_problem(doc: dict[str, Any]) -> tuple[Settings, Problem]:
    result, problems = parse(doc)
    assert len(problems) == 1, [str(p) for p in problems]
    assert problems[0].source == SOURCE
    return result, problems[0]


def w(text: str) -> TimeWindow:
    return parse_window(text)


# --------------------------------------------------------------------------- defaults, layout

DOCUMENTED_EXAMPLE = """
why = ""
timezone = ""
[work_hours]
monday = ["09:00-12:30", "13:15-17:30"]
tuesday = ["09:00-12:30", "13:15-17:30"]
wednesday = ["09:00-12:30", "13:15-17:30"]
thursday = ["09:00-12:30", "13:15-17:30"]
friday = ["09:00-12:30", "13:15-17:30"]
saturday = []
sunday = []
[boundaries]
wind_down_minutes = 15
end_of_day_nudge = true
on_time_grace_minutes = 15
overtime_choices = [15, 30]
[after_hours]
enabled = true
first_nudge_after_minutes = 10
repeat_every_minutes = 30
max_nudges = 3
[breaks]
idle_after_seconds = 60
renudge_minutes = 5
renudge_max = 2
lock_counts_as_break = true
long_enabled = true
[breaks.short]
every_minutes = 30
duration_minutes = 2
natural_after_minutes = 2
[breaks.long]
every_minutes = 120
duration_minutes = 10
natural_after_minutes = 10
[snooze]
choices_minutes = [5, 10, 20]
daily_limit = 6
[interface]
autostart = false
sound = true
break_window = "window"
[[reminders]]
name = "Lunch"
cron = "30 12 * * mon-fri"
message = "Time to eat something good."
"""


def test_empty_document_gives_defaults_and_no_problems() -> None:
    assert parse({}) == (Settings(), [])


def test_default_document_has_the_documented_layout() -> None:
    expected = tomllib.loads(DOCUMENTED_EXAMPLE)
    del expected["reminders"]
    document = settings_to_document(Settings())
    assert document == expected
    # Same order as the documented file, so fresh files read the same way.
    assert list(document) == list(expected)
    assert list(document["breaks"]) == list(expected["breaks"])


def test_documented_example_parses_cleanly() -> None:
    result, problems = parse(tomllib.loads(DOCUMENTED_EXAMPLE))
    assert problems == []
    assert result.reminders == (
        Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),
    )
    assert result == Settings(reminders=result.reminders)


def custom_settings() -> Settings:
    """Every field away from its default."""
    return Settings(
        work_hours=WorkHours(
            days=(
                (w("08:00-12:00"), w("12:30-16:00")),
                (w("10:00-18:00"),),
                (),
                (w("07:15-11:45"), w("22:00-02:00")),
                (w("03:00-09:00"),),
                (w("10:00-11:00"),),
                (w("23:30-06:00"),),
            )
        ),
        boundaries=Boundaries(
            wind_down_minutes=0,
            end_of_day_nudge=False,
            on_time_grace_minutes=240,
            overtime_choices=(10, 20, 45, 240),
        ),
        after_hours=AfterHours(
            enabled=False, first_nudge_after_minutes=0, repeat_every_minutes=480, max_nudges=20
        ),
        breaks=Breaks(
            short=BreakRule(every_minutes=25, duration_minutes=0.25, natural_after_minutes=0.5),
            long=BreakRule(every_minutes=480, duration_minutes=120, natural_after_minutes=240),
            long_enabled=False,
            idle_after_seconds=1800,
            renudge_minutes=120,
            renudge_max=10,
            lock_counts_as_break=False,
        ),
        snooze=Snooze(choices_minutes=(1, 2, 3, 4, 240), daily_limit=50),
        why="So I can still play with my kids at 6 — and mean it.",
        reminders=(
            Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),
            Reminder("Stretch", "*/45 9-17 * * *"),
        ),
        timezone="Europe/Berlin",
        interface=Interface(autostart=True, sound=False, break_window=BreakWindowStyle.STRICT),
        calendar=CalendarOptions(hold_breaks=False, days_off_words=("Urlaub",), refresh_minutes=60),
        calendars=(
            CalendarSource("Work", secret="calendar-work"),
            CalendarSource("Home", path="~/home.ics"),
        ),
        hooks=(
            Hook(
                "Status",
                on=("start_of_day", "end_of_day"),
                url="https://hooks.example.org/r",
                token_secret="hook-token",
                command=("notify-send", "Respite"),
                timeout_seconds=30,
            ),
            Hook("Private", on=("pause",), url_secret="hook-url"),
        ),
    )


def test_full_round_trip_of_non_default_settings() -> None:
    original = custom_settings()
    assert parse(settings_to_document(original)) == (original, [])


def test_round_trip_survives_real_toml_text() -> None:
    import tomlkit

    original = custom_settings()
    text = tomlkit.dumps(settings_to_document(original))
    assert parse(tomllib.loads(text)) == (original, [])


def test_whole_minute_floats_are_written_as_ints() -> None:
    rules = Breaks(
        short=BreakRule(every_minutes=30, duration_minutes=3.0, natural_after_minutes=2.5),
    )
    document = settings_to_document(Settings(breaks=rules))
    short = document["breaks"]["short"]
    assert short["duration_minutes"] == 3
    assert type(short["duration_minutes"]) is int
    assert short["natural_after_minutes"] == 2.5
    assert type(short["natural_after_minutes"]) is float


def test_numbers_read_as_floats_for_float_fields() -> None:
    result, problems = parse(nest("breaks.short.duration_minutes", 3))
    assert problems == []
    assert result.breaks.short.duration_minutes == 3.0
    assert isinstance(result.breaks.short.duration_minutes, float)


def test_empty_reminder_message_is_left_out_of_the_document() -> None:
    document = settings_to_document(Settings(reminders=(Reminder("Tea", "0 16 * * *"),)))
    assert document["reminders"] == [{"name": "Tea", "cron": "0 16 * * *"}]
    assert "reminders" not in settings_to_document(Settings())


# --------------------------------------------------------------------------- problems render


def test_problem_is_one_actionable_line() -> None:
    _, problem = one_problem(nest("breaks.short.every_minutes", 0))
    assert str(problem) == (
        "settings.toml: breaks.short.every_minutes = 0 is not allowed: "
        "a whole number of minutes from 1 to 480"
    )
    assert "\n" not in str(problem)


def test_problem_shows_values_the_way_toml_writes_them() -> None:
    assert str(Problem("f", "k", True, "x")) == "f: k = true is not allowed: x"
    assert str(Problem("f", "k", "a b", "x")) == 'f: k = "a b" is not allowed: x'
    assert str(Problem("f", "k", [1, "a"], "x")) == 'f: k = [1, "a"] is not allowed: x'
    assert str(Problem("f", "k", {"a": 1}, "x")) == "f: k = { a = 1 } is not allowed: x"
    assert str(Problem("f", "k", MISSING, "a name")) == "f: k is missing: a name"


def test_long_values_are_cut_short_in_problems() -> None:
    line = str(Problem("f", "why", "x" * 500, "short text"))
    assert len(line) < 120
    assert "..." in line


def test_problem_for_multi_line_value_stays_on_one_line() -> None:
    _, problem = one_problem({"why": "first\nsecond"})
    assert problem.key == "why"
    assert "\n" not in str(problem)
    assert "one line" in problem.allowed


# --------------------------------------------------------------------------- numeric rules

NUMERIC_LIMITS = [
    # dotted key, lowest allowed, highest allowed, bad values
    # (short breaks must also come more often than long ones: 120 minutes by default)
    ("breaks.short.every_minutes", 1, 119, [0, 481, -5]),
    ("breaks.long.every_minutes", 31, 480, [481]),
    ("breaks.short.duration_minutes", 0.25, 120, [0.2, 120.5, 0]),
    ("breaks.long.duration_minutes", 0.25, 120, [121]),
    ("breaks.short.natural_after_minutes", 0.5, 240, [0.4, 241]),
    ("breaks.long.natural_after_minutes", 0.5, 240, [0, 240.01]),
    ("breaks.idle_after_seconds", 10, 1800, [9, 1801]),
    ("breaks.renudge_minutes", 1, 120, [0, 121]),
    ("breaks.renudge_max", 0, 10, [-1, 11]),
    ("boundaries.wind_down_minutes", 0, 240, [-1, 241]),
    ("boundaries.on_time_grace_minutes", 0, 240, [-1, 241]),
    ("after_hours.first_nudge_after_minutes", 0, 240, [-1, 241]),
    ("after_hours.repeat_every_minutes", 1, 480, [0, 481]),
    ("after_hours.max_nudges", 0, 20, [-1, 21]),
    ("snooze.daily_limit", 0, 50, [-1, 51]),
]


@pytest.mark.parametrize(("key", "low", "high", "bad"), NUMERIC_LIMITS)
def test_numeric_limits_are_inclusive(key: str, low: float, high: float, bad: list[float]) -> None:
    for value in (low, high):
        result, problems = parse(nest(key, value))
        assert problems == [], [str(p) for p in problems]
        assert lookup(settings_to_document(result), key) == value


@pytest.mark.parametrize(("key", "low", "high", "bad"), NUMERIC_LIMITS)
def test_numeric_values_out_of_range_fall_back_to_default(
    key: str, low: float, high: float, bad: list[float]
) -> None:
    for value in bad:
        result, problem = one_problem(nest(key, value))
        assert problem.key == key
        assert problem.value == value
        assert result == Settings()


@pytest.mark.parametrize(
    ("key", "allowed"),
    [
        ("breaks.short.every_minutes", "a whole number of minutes from 1 to 480"),
        ("breaks.short.duration_minutes", "a number of minutes from 0.25 to 120"),
        ("breaks.long.natural_after_minutes", "a number of minutes from 0.5 to 240"),
        ("breaks.idle_after_seconds", "a whole number of seconds from 10 to 1800"),
        ("breaks.renudge_minutes", "a whole number of minutes from 1 to 120"),
        ("breaks.renudge_max", "a whole number from 0 to 10"),
        ("boundaries.on_time_grace_minutes", "a whole number of minutes from 0 to 240"),
        ("after_hours.repeat_every_minutes", "a whole number of minutes from 1 to 480"),
        ("after_hours.max_nudges", "a whole number from 0 to 20"),
        ("snooze.daily_limit", "a whole number from 0 to 50"),
    ],
)
def test_allowed_text_states_the_range(key: str, allowed: str) -> None:
    _, problem = one_problem(nest(key, 100_000))
    assert problem.allowed == allowed


def test_wind_down_problem_says_zero_turns_it_off() -> None:
    _, problem = one_problem(nest("boundaries.wind_down_minutes", 241))
    assert problem.allowed.startswith("a whole number of minutes from 0 to 240")
    assert "0 turns" in problem.allowed


def test_other_keys_still_apply_next_to_a_bad_one() -> None:
    doc = {"breaks": {"renudge_max": 99, "renudge_minutes": 7}, "why": "rest"}
    result, problem = one_problem(doc)
    assert problem.key == "breaks.renudge_max"
    assert result.breaks.renudge_max == Breaks().renudge_max
    assert result.breaks.renudge_minutes == 7
    assert result.why == "rest"


# --------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("breaks.short.every_minutes", "30"),  # a string where a number belongs
        ("breaks.short.every_minutes", True),  # bool is an int subclass, still wrong
        ("breaks.short.every_minutes", 30.0),  # whole number means a TOML integer
        ("breaks.short.every_minutes", 30.5),
        ("breaks.short.duration_minutes", "2"),
        ("breaks.short.duration_minutes", False),
        ("breaks.short.duration_minutes", float("nan")),
        ("breaks.short.duration_minutes", float("inf")),
        ("breaks.renudge_max", [1]),
        ("breaks.long_enabled", 1),  # booleans must be real TOML booleans
        ("breaks.long_enabled", "true"),
        ("interface.sound", "yes"),
        ("interface.autostart", 0),
        ("after_hours.enabled", None),
        ("boundaries.end_of_day_nudge", "false"),
        ("breaks.lock_counts_as_break", 1.0),
        ("why", 5),
        ("timezone", 0),
        ("interface.break_window", True),
    ],
)
def test_wrong_types_are_problems_and_keep_defaults(key: str, value: object) -> None:
    result, problem = one_problem(nest(key, value))
    assert problem.key == key
    assert problem.value is value
    assert result == Settings()


def test_quoted_numbers_and_booleans_get_a_without_quotes_hint() -> None:
    _, problem = one_problem(nest("breaks.short.every_minutes", "30"))
    assert problem.allowed.endswith(", without quotes")
    _, problem = one_problem(nest("interface.sound", "false"))
    assert problem.allowed == "true or false, without quotes"
    _, problem = one_problem(nest("interface.sound", 1))
    assert problem.allowed == "true or false"


@pytest.mark.parametrize(
    "table", ["work_hours", "boundaries", "after_hours", "breaks", "snooze", "interface"]
)
def test_a_section_that_is_not_a_table_keeps_its_defaults(table: str) -> None:
    result, problem = one_problem({table: [1, 2], "why": "still read"})
    assert problem.key == table
    assert f"[{table}]" in problem.allowed
    assert result == Settings(why="still read")


@pytest.mark.parametrize("rule", ["short", "long"])
def test_a_break_rule_that_is_not_a_table_keeps_its_defaults(rule: str) -> None:
    result, problem = one_problem({"breaks": {rule: 5, "renudge_max": 3}})
    assert problem.key == f"breaks.{rule}"
    assert result.breaks == Breaks(renudge_max=3)


# --------------------------------------------------------------------------- lists of minutes


@pytest.mark.parametrize(
    ("key", "value", "problem_keys"),
    [
        ("boundaries.overtime_choices", [], ["boundaries.overtime_choices"]),
        ("boundaries.overtime_choices", [5, 10, 15, 20, 25], ["boundaries.overtime_choices"]),
        ("boundaries.overtime_choices", [15, 0], ["boundaries.overtime_choices[1]"]),
        ("boundaries.overtime_choices", [241], ["boundaries.overtime_choices[0]"]),
        ("boundaries.overtime_choices", 15, ["boundaries.overtime_choices"]),
        ("boundaries.overtime_choices", ["15"], ["boundaries.overtime_choices[0]"]),
        ("snooze.choices_minutes", [], ["snooze.choices_minutes"]),
        ("snooze.choices_minutes", [1, 2, 3, 4, 5, 6], ["snooze.choices_minutes"]),
        (
            "snooze.choices_minutes",
            [0, 10, 500],
            ["snooze.choices_minutes[0]", "snooze.choices_minutes[2]"],
        ),
        ("snooze.choices_minutes", [5, True], ["snooze.choices_minutes[1]"]),
    ],
)
def test_minute_lists_are_checked_as_a_whole_and_by_entry(
    key: str, value: object, problem_keys: list[str]
) -> None:
    result, problems = parse(nest(key, value))
    assert [p.key for p in problems] == problem_keys
    assert result == Settings()


def test_minute_list_length_problem_says_how_many() -> None:
    _, problem = one_problem(nest("boundaries.overtime_choices", []))
    assert problem.allowed == (
        "a list of 1 to 4 whole numbers of minutes, each from 1 to 240, e.g. [15, 30]"
    )
    _, problem = one_problem(nest("snooze.choices_minutes", []))
    assert "1 to 5 whole numbers" in problem.allowed


def test_minute_lists_at_their_limits_are_fine() -> None:
    doc = {
        "boundaries": {"overtime_choices": [1, 240, 30, 60]},
        "snooze": {"choices_minutes": [240, 1, 5, 10, 20]},
    }
    result, problems = parse(doc)
    assert problems == []
    assert result.boundaries.overtime_choices == (1, 240, 30, 60)
    assert result.snooze.choices_minutes == (240, 1, 5, 10, 20)
    assert result.snooze.default_minutes == 240


# --------------------------------------------------------------------------- short and long


def test_short_breaks_must_come_more_often_than_long_ones() -> None:
    result, problem = one_problem(
        {"breaks": {"short": {"every_minutes": 60}, "long": {"every_minutes": 60}}}
    )
    assert problem.key == "breaks.long.every_minutes"
    assert "(60)" in problem.allowed
    assert "long_enabled = false" in problem.allowed
    assert result.breaks.short.every_minutes == 60
    assert result.breaks.long.every_minutes == Breaks().long.every_minutes


def test_when_the_long_default_does_not_help_both_fall_back() -> None:
    doc = {"breaks": {"short": {"every_minutes": 200}, "long": {"every_minutes": 150}}}
    result, problems = parse(doc)
    assert [p.key for p in problems] == ["breaks.long.every_minutes", "breaks.short.every_minutes"]
    assert result.breaks == Breaks()


def test_short_breaks_may_be_480_minutes_apart_without_long_breaks() -> None:
    result, problems = parse({"breaks": {"long_enabled": False, "short": {"every_minutes": 480}}})
    assert problems == []
    assert result.breaks.short.every_minutes == 480


def test_short_against_long_is_not_checked_when_long_breaks_are_off() -> None:
    doc = {
        "breaks": {
            "long_enabled": False,
            "short": {"every_minutes": 200},
            "long": {"every_minutes": 150},
        }
    }
    result, problems = parse(doc)
    assert problems == []
    assert (result.breaks.short.every_minutes, result.breaks.long.every_minutes) == (200, 150)


# --------------------------------------------------------------------------- text settings


def test_why_up_to_200_characters_on_one_line() -> None:
    result, problems = parse({"why": "x" * 200})
    assert problems == []
    assert result.why == "x" * 200
    for bad in ("x" * 201, "two\nlines", "carriage\rreturn", "sep\u2028arator"):
        result, problem = one_problem({"why": bad})
        assert problem.key == "why"
        assert result.why == ""


@pytest.mark.parametrize("zone", ["", "UTC", "Europe/Berlin", "America/New_York"])
def test_valid_timezones(zone: str) -> None:
    result, problems = parse({"timezone": zone})
    assert problems == []
    assert result.timezone == zone


@pytest.mark.parametrize(
    "zone",
    ["Mars/Olympus", "Europe/", "../etc/passwd", "/etc/localtime", "zone.tab", "\x00", " UTC"],
)
def test_invalid_timezones(zone: str) -> None:
    result, problem = one_problem({"timezone": zone})
    assert problem.key == "timezone"
    assert "IANA" in problem.allowed
    assert result.timezone == ""


@pytest.mark.parametrize("style", ["window", "strict"])
def test_break_window_styles(style: str) -> None:
    result, problems = parse({"interface": {"break_window": style}})
    assert problems == []
    assert result.interface.break_window == BreakWindowStyle(style)


@pytest.mark.parametrize("style", ["Window", "full", ""])
def test_unknown_break_window_style(style: str) -> None:
    _, problem = one_problem({"interface": {"break_window": style}})
    assert problem.key == "interface.break_window"
    assert problem.allowed == '"window" or "strict"'


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize(
    ("doc", "key", "suggestion"),
    [
        ({"breks": {}}, "breks", "breaks"),
        ({"wy": "x"}, "wy", "why"),
        ({"breaks": {"shrot": {}}}, "breaks.shrot", "breaks.short"),
        (
            {"breaks": {"short": {"every_minute": 30}}},
            "breaks.short.every_minute",
            "breaks.short.every_minutes",
        ),
        ({"work_hours": {"wednsday": []}}, "work_hours.wednsday", "work_hours.wednesday"),
        ({"snooze": {"daily_limt": 3}}, "snooze.daily_limt", "snooze.daily_limit"),
        # The right key in the wrong table.
        ({"idle_after_seconds": 60}, "idle_after_seconds", "breaks.idle_after_seconds"),
        (
            {"reminders": [{"name": "a", "cron": "0 9 * * *", "mesage": "hi"}]},
            "reminders[0].mesage",
            "reminders[N].message",
        ),
    ],
)
def test_unknown_keys_are_problems_with_a_suggestion(
    doc: dict[str, Any], key: str, suggestion: str
) -> None:
    _, problem = one_problem(doc)
    assert problem.key == key
    assert problem.allowed == f"no such setting (did you mean {suggestion}?)"


def test_unknown_key_without_a_close_match_has_no_suggestion() -> None:
    result, problem = one_problem({"zzzzqqq": 1, "why": "kept"})
    assert problem.key == "zzzzqqq"
    assert problem.allowed == "no such setting"
    assert result.why == "kept"


def test_odd_key_names_are_quoted_like_toml_does() -> None:
    _, problem = one_problem({"breaks": {"short break": 1}})
    assert problem.key == 'breaks."short break"'


def test_every_model_field_has_a_known_key() -> None:
    document = settings_to_document(custom_settings())
    assert set(document) == KNOWN_KEYS[""]
    for table in ("work_hours", "boundaries", "after_hours", "breaks", "snooze", "interface"):
        assert set(document[table]) == KNOWN_KEYS[table]
    assert set(document["breaks"]["short"]) == KNOWN_KEYS["breaks.short"]
    assert set(document["reminders"][0]) == KNOWN_KEYS["reminders[]"]
    assert set(document["calendar"]) == KNOWN_KEYS["calendar"]
    assert set(document["hooks"][0]) | set(document["hooks"][1]) == KNOWN_KEYS["hooks[]"]
    assert (
        set(document["calendars"][0]) | set(document["calendars"][1]) == KNOWN_KEYS["calendars[]"]
    )


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"name": "A"}, "calendars[0]"),
        ({"name": "A", "path": "x.ics", "secret": "s"}, "calendars[0]"),
        ({"name": "A", "secret": "has space"}, "calendars[0].secret"),
        ({"name": "", "path": "x.ics"}, "calendars[0].name"),
        ({"name": "A", "url": "https://x", "path": "x.ics"}, "calendars[0].url"),
    ],
)
def test_bad_calendar_entries_are_named(entry: dict[str, Any], key: str) -> None:
    result, problems = parse({"calendars": [entry]})
    assert key in [p.key for p in problems]
    if key != "calendars[0].url":
        assert result.calendars == ()


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"name": "H", "on": ["lunch"], "command": ["true"]}, "hooks[0].on"),
        ({"name": "H", "on": [], "command": ["true"]}, "hooks[0].on"),
        ({"name": "H", "on": ["pause"]}, "hooks[0]"),
        ({"name": "H", "on": ["pause"], "url": "http://example.org/x"}, "hooks[0].url"),
        ({"name": "H", "on": ["pause"], "command": "rm -rf ~"}, "hooks[0].command"),
        ({"name": "H", "on": ["pause"], "command": [""]}, "hooks[0].command"),
        (
            {"name": "H", "on": ["pause"], "command": ["x"], "timeout_seconds": 0},
            "hooks[0].timeout_seconds",
        ),
        (
            {"name": "H", "on": ["pause"], "url": "https://a", "url_secret": "b"},
            "hooks[0].url_secret",
        ),
        (
            {"name": "H", "on": ["pause"], "command": ["x"], "token_secret": "a b"},
            "hooks[0].token_secret",
        ),
    ],
)
def test_bad_hooks_are_named(entry: dict[str, Any], key: str) -> None:
    _, problems = parse({"hooks": [entry]})
    assert key in [p.key for p in problems]


def test_http_hooks_only_on_loopback() -> None:
    result, problems = parse(
        {"hooks": [{"name": "T", "on": ["resume"], "url": "http://127.0.0.1:9/x"}]}
    )
    assert problems == []
    assert result.hooks[0].url == "http://127.0.0.1:9/x"


def test_a_calendar_url_is_never_a_setting() -> None:
    _, problems = parse({"calendars": [{"name": "W", "url": "https://secret.example/x.ics"}]})
    assert any(p.key == "calendars[0].url" for p in problems)


# --------------------------------------------------------------------------- work hours


def test_day_forms() -> None:
    doc = {
        "work_hours": {
            "monday": "09:00-17:00",
            "tuesday": "off",
            "wednesday": [],
            "thursday": ["8:00-12:00", "13:00-16:30"],
            "friday": "OFF",
        }
    }
    result, problems = parse(doc)
    assert problems == []
    days = result.work_hours.days
    assert days[0] == (w("09:00-17:00"),)
    assert days[1] == ()
    assert days[2] == ()
    assert days[3] == (TimeWindow(time(8), time(12)), TimeWindow(time(13), time(16, 30)))
    assert days[4] == ()
    # Missing weekdays keep their defaults.
    assert days[5:] == WorkHours().days[5:]


@pytest.mark.parametrize(
    ("monday", "key", "allowed_part"),
    [
        (["9-17"], "work_hours.monday[0]", '"HH:MM-HH:MM"'),
        (["09:00-12:00", "13:00-25:00"], "work_hours.monday[1]", '"HH:MM-HH:MM"'),
        (["09:00-09:00"], "work_hours.monday[0]", "start and end differ"),
        (
            ["13:00-24:00"],
            "work_hours.monday[0]",
            '00:00 for midnight (there is no 24:00), e.g. "13:00-00:00"',
        ),
        (
            "24:00-02:00",
            "work_hours.monday",
            '00:00 for midnight (there is no 24:00), e.g. "00:00-02:00"',
        ),
        ("09:00-09:00", "work_hours.monday", "start and end differ"),
        ("9 to 5", "work_hours.monday", '"off"'),
        ([900], "work_hours.monday[0]", '"HH:MM-HH:MM"'),
        (["off"], "work_hours.monday[0]", '"HH:MM-HH:MM"'),
        (5, "work_hours.monday", "a list of"),
        ({"start": "09:00"}, "work_hours.monday", "a list of"),
        (True, "work_hours.monday", "a list of"),
        # Overlapping, touching the wrong way round, and out of order.
        (["09:00-13:00", "12:00-17:00"], "work_hours.monday[1]", "do not overlap"),
        (["13:00-17:00", "09:00-12:00"], "work_hours.monday[1]", "order of start time"),
        (["09:00-17:00", "09:00-10:00"], "work_hours.monday[1]", "do not overlap"),
        # A window past midnight must be the day's last.
        (["22:00-02:00", "23:00-23:30"], "work_hours.monday[0]", "only as the last window"),
    ],
)
def test_bad_days_fall_back_to_that_days_default(
    monday: object, key: str, allowed_part: str
) -> None:
    result, problem = one_problem({"work_hours": {"monday": monday, "tuesday": "off"}})
    assert problem.key == key
    assert allowed_part in problem.allowed
    assert result.work_hours.days[0] == WorkHours().days[0]
    assert result.work_hours.days[1] == ()  # the rest of the table still applies


def test_touching_windows_are_fine() -> None:
    result, problems = parse({"work_hours": {"monday": ["09:00-12:00", "12:00-17:00"]}})
    assert problems == []
    assert len(result.work_hours.days[0]) == 2


def test_window_past_midnight_may_end_exactly_at_next_days_start() -> None:
    doc = {"work_hours": {"monday": ["18:00-09:00"], "tuesday": ["09:00-12:00"]}}
    result, problems = parse(doc)
    assert problems == []
    assert result.work_hours.days[0] == (TimeWindow(time(18), time(9)),)
    assert result.work_hours.days[0][0].crosses_midnight


def test_window_past_midnight_before_a_day_off_can_be_long() -> None:
    doc = {"work_hours": {"friday": ["20:00-11:00"], "saturday": []}}
    result, problems = parse(doc)
    assert problems == []
    assert result.work_hours.days[4] == (w("20:00-11:00"),)


def test_window_past_midnight_must_end_before_the_next_days_first_window() -> None:
    doc = {"work_hours": {"monday": ["09:00-12:00", "20:00-10:00"]}}  # tuesday starts 09:00
    result, problem = one_problem(doc)
    assert problem.key == "work_hours.monday[1]"
    assert problem.value == "20:00-10:00"
    assert "tuesday's first start (09:00)" in problem.allowed
    assert result.work_hours == WorkHours()


def test_single_string_day_past_midnight_is_reported_on_the_day() -> None:
    doc = {"work_hours": {"wednesday": "22:00-10:00"}}
    _, problem = one_problem(doc)
    assert problem.key == "work_hours.wednesday"


def test_sunday_wraps_around_to_monday() -> None:
    doc = {"work_hours": {"sunday": ["22:00-10:00"]}}  # monday starts at 09:00
    result, problem = one_problem(doc)
    assert problem.key == "work_hours.sunday[0]"
    assert "monday's first start (09:00)" in problem.allowed
    assert result.work_hours.days[6] == ()
    ok, problems = parse({"work_hours": {"sunday": ["22:00-09:00"]}})
    assert problems == []
    assert ok.work_hours.days[6] == (w("22:00-09:00"),)


def test_putting_a_day_back_rechecks_the_day_before() -> None:
    # Tuesday's late shift runs into Wednesday, so Tuesday goes back to its default
    # (09:00 start), which Monday's late shift now runs into as well.
    doc = {
        "work_hours": {
            "monday": ["20:00-11:00"],
            "tuesday": ["12:00-13:00", "20:00-10:00"],
            "wednesday": ["09:00-12:00"],
        }
    }
    result, problems = parse(doc)
    assert [p.key for p in problems] == ["work_hours.tuesday[1]", "work_hours.monday[0]"]
    assert result.work_hours.days[:2] == WorkHours().days[:2]
    assert result.work_hours.days[2] == (w("09:00-12:00"),)


def test_parse_day_reports_the_window() -> None:
    assert parse_day(["09:00-12:00", "13:00-17:00"]) == (w("09:00-12:00"), w("13:00-17:00"))
    assert parse_day("off") == ()
    with pytest.raises(ValueError, match="window 2"):
        parse_day(["13:00-17:00", "09:00-12:00"])
    with pytest.raises(ValueError, match="a list of"):
        parse_day(42)


# --------------------------------------------------------------------------- reminders


def reminder(**fields: object) -> dict[str, Any]:
    return {"reminders": [{"name": "Tea", "cron": "0 16 * * *", **fields}]}


def test_reminders_are_read_in_order() -> None:
    doc = {
        "reminders": [
            {"name": "Lunch", "cron": "30 12 * * mon-fri", "message": "Eat."},
            {"name": "Stretch", "cron": "*/45 9-17 * * *"},
        ]
    }
    result, problems = parse(doc)
    assert problems == []
    assert result.reminders == (
        Reminder("Lunch", "30 12 * * mon-fri", "Eat."),
        Reminder("Stretch", "*/45 9-17 * * *", ""),
    )


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"name": ""}, "reminders[0].name"),
        ({"name": "x" * 61}, "reminders[0].name"),
        ({"name": "two\nlines"}, "reminders[0].name"),
        ({"name": 5}, "reminders[0].name"),
        ({"cron": "61 * * * *"}, "reminders[0].cron"),
        ({"cron": "* * *"}, "reminders[0].cron"),
        ({"cron": "0 9 * * funday"}, "reminders[0].cron"),
        ({"cron": 5}, "reminders[0].cron"),
    ],
)
def test_a_reminder_without_a_usable_name_or_cron_is_dropped(
    fields: dict[str, object], key: str
) -> None:
    doc = reminder(**fields)
    doc["reminders"].append({"name": "Kept", "cron": "0 9 * * *"})
    result, problem = one_problem(doc)
    assert problem.key == key
    assert result.reminders == (Reminder("Kept", "0 9 * * *"),)


def test_missing_name_and_cron_are_both_reported() -> None:
    result, problems = parse({"reminders": [{"message": "hi"}]})
    assert [(p.key, p.value) for p in problems] == [
        ("reminders[0].name", MISSING),
        ("reminders[0].cron", MISSING),
    ]
    assert str(problems[0]).startswith("settings.toml: reminders[0].name is missing: ")
    assert result.reminders == ()


def test_cron_problem_carries_apschedulers_words() -> None:
    _, problem = one_problem(reminder(cron="61 * * * *"))
    assert "the last value (61) is higher than the maximum value (59)" in problem.allowed
    assert cron_error("61 * * * *") is not None
    assert cron_error("30 12 * * mon-fri") is None


def test_reminder_name_may_be_60_characters() -> None:
    result, problems = parse(reminder(name="x" * 60))
    assert problems == []
    assert result.reminders[0].name == "x" * 60


def test_a_bad_message_is_dropped_but_the_reminder_kept() -> None:
    result, problem = one_problem(reminder(message="x" * 201))
    assert problem.key == "reminders[0].message"
    assert result.reminders == (Reminder("Tea", "0 16 * * *", ""),)
    result, problem = one_problem(reminder(message=["not", "text"]))
    assert problem.key == "reminders[0].message"
    result, problems = parse(reminder(message="two\nlines are fine in a message"))
    assert problems == []


@pytest.mark.parametrize("value", [{"name": "x"}, "30 12 * * *", 3])
def test_reminders_must_be_a_list_of_tables(value: object) -> None:
    result, problem = one_problem({"reminders": value})
    assert problem.key == "reminders"
    assert result.reminders == ()


def test_a_reminder_that_is_not_a_table() -> None:
    result, problem = one_problem(
        {"reminders": ["30 12 * * *", {"name": "A", "cron": "0 9 * * *"}]}
    )
    assert problem.key == "reminders[0]"
    assert result.reminders == (Reminder("A", "0 9 * * *"),)


def test_apscheduler_and_qt_are_not_imported_with_the_parser() -> None:
    code = (
        "import sys, respite.core.settings_parse as p;"
        "p.parse_settings({}, 'x');"
        "heavy = ('apscheduler', 'PySide6', 'tomlkit');"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------------------- small parsers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00", time(9)),
        ("9:00", time(9)),
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        (" 17:30 ", time(17, 30)),
    ],
)
def test_parse_clock_time(text: str, expected: time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "24:00",
        "9.00",
        "9",
        "09:60",
        "25:00",
        "",
        "ab:cd",
        "009:00",
        "09:00:00",
        "-1:00",
        "٠٩:٠٠",
        "9:5",
    ],
)
def test_parse_clock_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="not a time of day"):
        parse_clock_time(text)


def test_midnight_hint() -> None:
    with pytest.raises(ValueError, match="use 00:00 for midnight"):
        parse_clock_time("24:00")


def test_parse_window() -> None:
    assert parse_window("09:00-12:30") == TimeWindow(time(9), time(12, 30))
    assert parse_window("9:00 - 17:00") == TimeWindow(time(9), time(17))
    late = parse_window("22:00-06:00")
    assert late.crosses_midnight
    assert str(late) == "22:00-06:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00-09:00", "same time"),
        ("09:00", "not a time window"),
        ("09:00-12:00-13:00", "not a time window"),
        ("", "not a time window"),
        ("9-17", "not a time of day"),
        ("09:00-24:00", "00:00 for midnight"),
    ],
)
def test_parse_window_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_window(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("45", timedelta(minutes=45)),
        ("2h 15m", timedelta(hours=2, minutes=15)),
        ("2H15M", timedelta(hours=2, minutes=15)),
        ("1 h 30 min", timedelta(hours=1, minutes=30)),
        ("10 minutes", timedelta(minutes=10)),
        ("1 hour 1 second", timedelta(hours=1, seconds=1)),
        ("7d", timedelta(days=7)),
        (" 5m ", timedelta(minutes=5)),
        ("0h5m", timedelta(minutes=5)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "a duration is needed"),
        ("   ", "a duration is needed"),
        ("-5m", "negative"),
        ("-5", "negative"),
        ("0", "longer than zero"),
        ("0m 0s", "longer than zero"),
        ("8d", "at most 7 days"),
        ("7d 1s", "at most 7 days"),
        ("10081", "at most 7 days"),
        ("9" * 5000 + "h", "at most 7 days"),
        ("1.5h", "not a duration"),
        ("abc", "not a duration"),
        ("5 parsecs", "not a duration"),
        ("30m 1h", "not a duration"),
        ("1h1h", "not a duration"),
        ("m", "not a duration"),
        ("١٢m", "not a duration"),
    ],
)
def test_parse_duration_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(hours=1, minutes=30), "1 h 30 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(seconds=30), "30 s"),
        (timedelta(hours=2), "2 h"),
        (timedelta(days=1, seconds=61), "1 d 1 min 1 s"),
        (timedelta(0), "0 s"),
        (timedelta(seconds=29.6), "30 s"),
        (timedelta(minutes=-5), "-5 min"),
    ],
)
def test_format_duration(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text


# --------------------------------------------------------------------------- properties


@hypothesis_settings
@given(st.integers(min_value=1, max_value=7 * 86400))
def test_formatted_durations_parse_back(seconds: int) -> None:
    duration = timedelta(seconds=seconds)
    assert parse_duration(format_duration(duration)) == duration


@hypothesis_settings
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A-?[0-9]{0,3} ?[dhms]?[a-z]{0,3} ?[0-9]{0,3} ?[hmsD]?\Z"),
    )
)
def test_parse_duration_only_ever_raises_value_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert timedelta(0) < duration <= timedelta(days=7)


@hypothesis_settings
@given(
    st.one_of(
        st.text(),
        st.from_regex(r"\A[0-9]{1,3}:[0-9]{1,3} ?-? ?[0-9]{0,3}:?[0-9]{0,3}\Z"),
    )
)
def test_parse_window_only_ever_raises_value_error(text: str) -> None:
    try:
        window = parse_window(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert window.start != window.end
        assert parse_window(str(window)) == window


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["09:00-17:00", "off", "22:00-02:00", "0 9 * * mon", "window", "UTC"]),
)
json_like = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=15,
)
leaf_names = sorted({name for names in KNOWN_KEYS.values() for name in names})
shaped_tables = st.dictionaries(
    st.sampled_from(leaf_names) | st.text(max_size=10),
    json_like
    | st.dictionaries(st.sampled_from(leaf_names) | st.text(max_size=5), json_like, max_size=4),
    max_size=6,
)
shaped_documents = st.dictionaries(
    st.sampled_from(sorted(KNOWN_KEYS[""])) | st.text(max_size=10),
    json_like | shaped_tables | st.lists(shaped_tables, max_size=3),
    max_size=8,
)


@hypothesis_settings
@given(shaped_documents)
def test_parse_settings_never_raises_and_always_gives_valid_settings(doc: dict[str, Any]) -> None:
    result, problems = parse(doc)
    assert isinstance(result, Settings)
    for problem in problems:
        assert problem.source == SOURCE
        line = str(problem)
        assert line.startswith(f"{SOURCE}: ")
        assert "\n" not in line
    # Whatever fell back, the result itself is valid and round-trips.
    assert parse(settings_to_document(result)) == (result, [])


def minutes_to_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


@st.composite
def normal_days(draw: st.DrawFn) -> list[TimeWindow]:
    points = sorted(draw(st.lists(st.integers(0, 1439), unique=True, max_size=6)))
    if len(points) % 2:
        points.pop()
    return [
        TimeWindow(minutes_to_time(points[i]), minutes_to_time(points[i + 1]))
        for i in range(0, len(points), 2)
    ]


def to_minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


@st.composite
def valid_work_hours(draw: st.DrawFn) -> WorkHours:
    days = [draw(normal_days()) for _ in WEEKDAYS]
    blocked = [False] * 7  # a day off after a late shift keeps no late shift of its own
    for index in range(7):
        if blocked[index] or not draw(st.booleans()):
            continue
        following = (index + 1) % 7
        if days[following]:
            bound = to_minutes(days[following][0].start)
        else:
            bound = 1439
            if following > index:
                blocked[following] = True
        earliest = max(to_minutes(days[index][-1].end) if days[index] else 0, 1)
        start = draw(st.integers(earliest, 1439))
        end = draw(st.integers(0, min(start - 1, bound)))
        days[index].append(TimeWindow(minutes_to_time(start), minutes_to_time(end)))
    return WorkHours(days=tuple(tuple(day) for day in days))


one_line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=200
)


@st.composite
def valid_settings(draw: st.DrawFn) -> Settings:
    long_enabled = draw(st.booleans())
    short_every = draw(st.integers(1, 479 if long_enabled else 480))
    long_every = draw(st.integers(short_every + 1 if long_enabled else 1, 480))

    def rule(every: int) -> BreakRule:
        return BreakRule(
            every_minutes=every,
            duration_minutes=draw(st.floats(0.25, 120)),
            natural_after_minutes=draw(st.floats(0.5, 240)),
        )

    minutes = st.integers(1, 240)
    return Settings(
        work_hours=draw(valid_work_hours()),
        boundaries=Boundaries(
            wind_down_minutes=draw(st.integers(0, 240)),
            end_of_day_nudge=draw(st.booleans()),
            on_time_grace_minutes=draw(st.integers(0, 240)),
            overtime_choices=tuple(draw(st.lists(minutes, min_size=1, max_size=4))),
        ),
        after_hours=AfterHours(
            enabled=draw(st.booleans()),
            first_nudge_after_minutes=draw(st.integers(0, 240)),
            repeat_every_minutes=draw(st.integers(1, 480)),
            max_nudges=draw(st.integers(0, 20)),
        ),
        breaks=Breaks(
            short=rule(short_every),
            long=rule(long_every),
            long_enabled=long_enabled,
            idle_after_seconds=draw(st.integers(10, 1800)),
            renudge_minutes=draw(st.integers(1, 120)),
            renudge_max=draw(st.integers(0, 10)),
            lock_counts_as_break=draw(st.booleans()),
        ),
        snooze=Snooze(
            choices_minutes=tuple(draw(st.lists(minutes, min_size=1, max_size=5))),
            daily_limit=draw(st.integers(0, 50)),
        ),
        why=draw(one_line_text),
        reminders=tuple(
            draw(
                st.lists(
                    st.builds(
                        Reminder,
                        name=st.text(
                            alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                            min_size=1,
                            max_size=60,
                        ),
                        cron=st.sampled_from(
                            ["30 12 * * mon-fri", "*/20 9-17 * * *", "0 0 1 * *", "15 8 * jan sun"]
                        ),
                        message=st.text(
                            alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200
                        ),
                    ),
                    max_size=3,
                )
            )
        ),
        timezone=draw(st.sampled_from(["", "UTC", "Europe/Berlin", "Asia/Kolkata"])),
        interface=Interface(
            autostart=draw(st.booleans()),
            sound=draw(st.booleans()),
            break_window=draw(st.sampled_from(list(BreakWindowStyle))),
        ),
    )


@hypothesis_settings
@given(valid_settings())
def test_valid_settings_round_trip_through_the_document(original: Settings) -> None:
    assert parse(settings_to_document(original)) == (original, [])


# --------------------------------------------------------------------------- the docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_documented_full_example_is_valid() -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("## A complete example", 1)[1].split("```toml\n", 1)[1].split("```")[0]
    result, problems = parse(tomllib.loads(example))
    assert problems == []
    assert result.reminders == (
        Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),
    )
    assert result.work_hours == WorkHours()


def test_every_key_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for table, keys in KNOWN_KEYS.items():
        for key in keys:
            forms = [f"`{key}`", f"`[{key}]`", f"`[[{key}]]`", f"`[{table}.{key}]`"]
            assert any(form in text for form in forms), (table, key)


def test_reminders_without_apscheduler_are_a_problem_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "apscheduler.triggers.cron", None)  # import fails
    settings, problems = parse_settings(
        {"reminders": [{"name": "Lunch", "cron": "30 12 * * mon-fri"}]}, "settings.toml"
    )
    assert settings.reminders == ()
    assert any("APScheduler, which is missing" in str(p) for p in problems)
