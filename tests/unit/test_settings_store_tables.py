"""Saving keeps what the user wrote in [[calendars]], [[hooks]] and [[reminders]]: each
table is updated on its own, so one edit never costs another table its comments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from respite.core.settings import CalendarSource, Hook, Reminder, Settings
from respite.storage.settings_save import save_settings
from respite.storage.settings_store import load_settings

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

HAND_WRITTEN = """\
# top comment
why = "x"  # why comment

# my calendars
[[calendars]]
# the work one
name = "Work"  # inline
secret = "calendar-work"

[[calendars]]
name = "Family"
path = "~/family.ics"  # family path

# hooks below
[[hooks]]
name = "Team"  # team hook
on = ["pause"]
command = ["true"]

[interface]
sound = false  # quiet
"""

COMMENTS = (
    "# top comment",
    "# why comment",
    "# my calendars",
    "# the work one",
    "# inline",
    "# family path",
    "# hooks below",
    "# team hook",
    "# quiet",
)


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def loaded(path: Path) -> Settings:
    result = load_settings(path, NOW)
    assert result.problems == [] and result.notices == []
    return result.settings


def save(path: Path, settings: Settings) -> str:
    save_settings(path, settings, now=NOW)
    assert loaded(path) == settings
    return path.read_text(encoding="utf-8")


def test_editing_one_calendar_changes_only_its_value(settings_file: Path) -> None:
    settings = loaded(settings_file)
    work, family = settings.calendars
    text = save(settings_file, replace(settings, calendars=(work, replace(family, path="~/f.ics"))))
    assert text == HAND_WRITTEN.replace("~/family.ics", "~/f.ics")


def test_editing_a_hook_keeps_its_comments_and_leaves_defaults_out(settings_file: Path) -> None:
    settings = loaded(settings_file)
    (team,) = settings.hooks
    text = save(settings_file, replace(settings, hooks=(replace(team, on=("pause", "resume")),)))
    assert text == HAND_WRITTEN.replace('on = ["pause"]', 'on = ["pause", "resume"]')
    assert "timeout_seconds" not in text  # still the default, still left out


def test_adding_tables_keeps_every_comment_and_the_layout(settings_file: Path) -> None:
    settings = loaded(settings_file)
    text = save(
        settings_file,
        replace(
            settings,
            calendars=(*settings.calendars, CalendarSource("Third", path="/x.ics")),
            hooks=(*settings.hooks, Hook("Lamp", ("break_start",), command=("lamp", "on"))),
        ),
    )
    for comment in COMMENTS:
        assert comment in text
    # The new calendar comes after Family, and the comment about the hooks still sits
    # right above them; every table is set apart by a blank line.
    assert (
        'path = "~/family.ics"  # family path\n\n[[calendars]]\nname = "Third"\n'
        'path = "/x.ics"\n\n# hooks below\n[[hooks]]\nname = "Team"  # team hook\n'
    ) in text
    assert 'command = ["true"]\n\n[[hooks]]\nname = "Lamp"\n' in text
    assert "\n\n[interface]\nsound = false  # quiet\n" in text
    assert "[calendar]" not in text  # [calendar] holds only defaults: left out


def test_removing_a_calendar_keeps_the_others_comments(settings_file: Path) -> None:
    settings = loaded(settings_file)
    text = save(settings_file, replace(settings, calendars=settings.calendars[1:]))
    assert "Work" not in text and "# the work one" not in text
    for comment in set(COMMENTS) - {"# the work one", "# inline"}:
        assert comment in text
    assert '# my calendars\n[[calendars]]\nname = "Family"\n' in text


def test_removing_the_last_calendar_keeps_what_followed_it(settings_file: Path) -> None:
    settings = loaded(settings_file)
    text = save(settings_file, replace(settings, calendars=settings.calendars[:1]))
    assert "Family" not in text and "# family path" not in text
    assert 'secret = "calendar-work"\n\n# hooks below\n[[hooks]]' in text


def test_removing_every_calendar_removes_the_array(settings_file: Path) -> None:
    settings = loaded(settings_file)
    text = save(settings_file, replace(settings, calendars=()))
    assert "[[calendars]]" not in text
    assert "# team hook" in text and "# quiet" in text
    assert '\n\n# hooks below\n[[hooks]]\nname = "Team"' in text


@pytest.mark.parametrize(
    ("following", "after"),
    [
        ("[after_hours]\nmax_nudges = 5\n", "[after_hours]"),
        ("[breaks.short]\nevery_minutes = 25\n", "[breaks.short]"),  # no [breaks] header
        ("[[hooks]]\nname = 'Lamp'\non = ['pause']\ncommand = ['true']\n", "[[hooks]]"),
        ("", ""),  # the end of the file
    ],
)
def test_removing_the_last_reminder_keeps_the_comment_about_what_follows(
    tmp_path: Path, following: str, after: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'why = "rest"\n\n[[reminders]]\nname = "Lunch"\ncron = "30 12 * * mon-fri"\n\n'
        "# Evenings: leave the laptop closed.\n" + following,
        encoding="utf-8",
    )

    text = save(path, replace(loaded(path), reminders=()))

    assert "Lunch" not in text
    assert f"\n# Evenings: leave the laptop closed.\n{after}" in text


def test_a_renamed_calendar_keeps_its_comments(settings_file: Path) -> None:
    settings = loaded(settings_file)
    work, family = settings.calendars
    text = save(settings_file, replace(settings, calendars=(replace(work, name="Job"), family)))
    assert text == HAND_WRITTEN.replace('name = "Work"', 'name = "Job"')


def test_reordering_moves_each_table_with_its_comments(settings_file: Path) -> None:
    settings = loaded(settings_file)
    work, family = settings.calendars
    text = save(settings_file, replace(settings, calendars=(family, work)))
    assert text.index('name = "Family"') < text.index("# the work one") < text.index("# inline")
    assert text.index('secret = "calendar-work"') < text.index("# hooks below")
    for comment in COMMENTS:
        assert comment in text


def test_equal_reminders_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[[reminders]]\nname = "Water"  # first\ncron = "0 * * * *"\n\n'
        '[[reminders]]\nname = "Water"  # second\ncron = "0 * * * *"\n',
        encoding="utf-8",
    )
    settings = loaded(path)
    text = save(
        path, replace(settings, reminders=(*settings.reminders, Reminder("Tea", "0 16 * * *")))
    )
    assert text.index("# first") < text.index("# second") < text.index('name = "Tea"')


EVERY_ARRAY = Settings(
    reminders=(Reminder("Tea", "0 16 * * *", "Kettle on."),),
    calendars=(CalendarSource("Work", secret="calendar-work"), CalendarSource("Family", "~/f.ics")),
    hooks=(Hook("Lamp", ("break_start", "break_end"), command=("lamp", "toggle")),),
)


@pytest.mark.parametrize("before", [None, b"why = [not toml\n"], ids=["no file", "not TOML"])
def test_a_fresh_file_holds_every_array_of_tables(tmp_path: Path, before: bytes | None) -> None:
    path = tmp_path / "settings.toml"
    if before is not None:
        path.write_bytes(before)  # moved aside, then a fresh file is written
    text = save(path, EVERY_ARRAY)
    assert text.startswith("# Respite settings.")
    headers = [line for line in text.splitlines() if line.startswith("[[")]
    assert headers == ["[[reminders]]", "[[calendars]]", "[[calendars]]", "[[hooks]]"]


WITH_UNUSABLE = """\
[interface]
sound = true

[[hooks]]
name = "Team"
on = ["start_of_day", "lunch"]   # typo'd event: fix later
url = "https://hooks.example.org/x"

[[calendars]]
name = "Work"
path = "~/work.ics"

# half done: both a path and a secret
[[calendars]]
name = "Club"
path = "~/club.ics"
secret = "calendar-club"

[[calendars]]
name = "Family"
path = "~/family.ics"
"""


def read_with_problems(path: Path) -> tuple[Settings, list[str]]:
    result = load_settings(path, NOW)
    assert result.notices == []
    return result.settings, [problem.key for problem in result.problems]


def test_tables_respite_cannot_use_stay_as_written(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(WITH_UNUSABLE, encoding="utf-8")
    settings, problems = read_with_problems(path)
    assert problems == ["calendars[1]", "hooks[0].on"]
    assert [c.name for c in settings.calendars] == ["Work", "Family"] and settings.hooks == ()

    quiet = replace(settings, interface=replace(settings.interface, sound=False))
    save_settings(path, quiet, now=NOW)

    assert path.read_text(encoding="utf-8") == WITH_UNUSABLE.replace("true", "false", 1)
    assert read_with_problems(path) == (quiet, problems)


def test_removing_a_table_keeps_an_unusable_one_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(WITH_UNUSABLE, encoding="utf-8")
    settings, _ = read_with_problems(path)
    work, _family = settings.calendars
    fewer = replace(settings, calendars=(work,), hooks=(Hook("Lamp", ("pause",), command=("x",)),))
    save_settings(path, fewer, now=NOW)

    text = path.read_text(encoding="utf-8")
    assert "Family" not in text  # removed in the window: removed from the file
    assert (
        'path = "~/work.ics"\n\n# half done: both a path and a secret\n[[calendars]]\n'
        'name = "Club"\npath = "~/club.ics"\nsecret = "calendar-club"\n'
    ) in text
    assert '# typo\'d event: fix later\nurl = "https://hooks.example.org/x"\n\n[[hooks]]\n' in text
    assert read_with_problems(path) == (fewer, ["calendars[1]", "hooks[0].on"])


def test_a_repeated_calendar_name_never_comes_into_use_unasked(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        '[[calendars]]\nname = "Work"\npath = "~/a.ics"\n\n'
        '[[calendars]]\nname = "Work"  # a copy\npath = "~/b.ics"\n',
        encoding="utf-8",
    )
    settings, problems = read_with_problems(path)
    assert problems == ["calendars[1].name"]
    (work,) = settings.calendars
    # Renamed, the first no longer hides the copy; keeping the copy would add a calendar
    # nobody chose, so it goes (as every unusable table did before).
    renamed = replace(settings, calendars=(replace(work, name="Job"),))
    save_settings(path, renamed, now=NOW)
    assert read_with_problems(path) == (renamed, [])
    assert path.read_text(encoding="utf-8").startswith('[[calendars]]\nname = "Job"\n')


def test_an_unusable_inline_table_stays_when_the_array_grows(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'hooks = [{name = "A", on = ["pause"], command = ["a"]},'
        ' {name = "Bad", on = ["lunch"], command = ["b"]}]\n',
        encoding="utf-8",
    )
    settings, problems = read_with_problems(path)
    assert problems == ["hooks[1].on"]
    more = replace(settings, hooks=(*settings.hooks, Hook("C", ("resume",), command=("c",))))
    save_settings(path, more, now=NOW)
    assert read_with_problems(path) == (more, problems)
    assert '[[hooks]]\nname = "Bad"\non = ["lunch"]\ncommand = ["b"]\n' in path.read_text()
