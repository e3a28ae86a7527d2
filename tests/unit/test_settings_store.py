"""The settings file on disk (respite.storage.settings_store)."""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
import sys
import time
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from respite import paths
from respite.core.settings import BreakRule, Interface, Reminder, Settings, Snooze, WorkHours
from respite.core.settings_parse import parse_window, settings_to_document
from respite.storage import settings_save
from respite.storage.settings_save import SettingsWriteError, save_settings
from respite.storage.settings_store import (
    SettingsLoad,
    check_settings_file,
    load_settings,
    read_settings,
    secret_names_in_file,
)

NOW = datetime(2024, 5, 6, 14, 30, 15, tzinfo=UTC)  # 16:30:15 in Berlin (summer time)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@pytest.fixture
def berlin_local_time() -> Iterator[None]:
    """Make the process's local time zone Europe/Berlin for the test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


@pytest.fixture
def settings_file(folder: Path) -> Path:
    return folder / "settings.toml"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------- loading


def test_missing_file_gives_defaults_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "settings.toml"
    assert load_settings(path, NOW) == SettingsLoad(Settings())
    assert not path.parent.exists()


def test_empty_file_gives_defaults(settings_file: Path) -> None:
    settings_file.write_bytes(b"")
    assert load_settings(settings_file, NOW) == SettingsLoad(Settings())
    assert settings_file.read_bytes() == b""


def test_valid_file_is_read(settings_file: Path) -> None:
    settings_file.write_text(
        '\ufeffwhy = "rest"\n[snooze]\ndaily_limit = 2\n'  # a byte-order mark is fine
        '[[reminders]]\nname = "Tea"\ncron = "0 16 * * *"\n',
        encoding="utf-8",
    )
    loaded = load_settings(settings_file, NOW)
    assert loaded.problems == []
    assert loaded.notices == []
    assert loaded.settings == Settings(
        why="rest", snooze=Snooze(daily_limit=2), reminders=(Reminder("Tea", "0 16 * * *"),)
    )


@pytest.mark.usefixtures("berlin_local_time")
def test_garbage_is_moved_aside_byte_for_byte(settings_file: Path, folder: Path) -> None:
    garbage = b'why = "fine"\n[breaks]\nrenudge_max = = 3\n\xe2\x9c\x93 trailing\n'
    settings_file.write_bytes(garbage)

    loaded = load_settings(settings_file, NOW)

    aside = folder / "settings.toml.bad-20240506-163015"
    assert loaded.moved_aside == aside
    assert loaded.settings == Settings()
    assert loaded.problems == []
    assert aside.read_bytes() == garbage
    assert not settings_file.exists()
    assert names(folder) == [aside.name]
    [notice] = loaded.notices
    assert str(settings_file) in notice
    assert str(aside) in notice
    assert "line 3" in notice  # the TOML error and where it is
    assert "default settings" in notice


@pytest.mark.usefixtures("berlin_local_time")
def test_moving_aside_never_overwrites_an_earlier_bad_file(
    settings_file: Path, folder: Path
) -> None:
    earlier = folder / "settings.toml.bad-20240506-163015"
    earlier.write_bytes(b"first")
    (folder / "settings.toml.bad-20240506-163015-2").write_bytes(b"second")
    settings_file.write_bytes(b"[[[")

    loaded = load_settings(settings_file, NOW)

    assert loaded.moved_aside == folder / "settings.toml.bad-20240506-163015-3"
    assert loaded.moved_aside.read_bytes() == b"[[["
    assert earlier.read_bytes() == b"first"


def test_not_utf8_is_moved_aside(settings_file: Path) -> None:
    settings_file.write_bytes(b'why = "caf\xe9"\n')
    loaded = load_settings(settings_file, NOW)
    assert loaded.moved_aside is not None
    assert loaded.moved_aside.read_bytes() == b'why = "caf\xe9"\n'
    assert "UTF-8" in loaded.notices[0]
    assert loaded.settings == Settings()


def test_garbage_that_cannot_be_moved_is_left_alone(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_bytes(b"[[[")

    def refuse(self: Path, target: Path) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "rename", refuse)
    loaded = load_settings(settings_file, NOW)
    assert loaded.moved_aside is None
    assert loaded.settings == Settings()
    assert settings_file.read_bytes() == b"[[["
    assert "left as it is" in loaded.notices[0]


def test_unreadable_file_is_left_alone_with_advice(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests may run as root, where chmod 000 does not stop reads: simulate the refusal.
    settings_file.write_text("why = 'mine'\n")
    real_read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == settings_file:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    loaded = load_settings(settings_file, NOW)

    assert loaded.settings == Settings()
    assert loaded.moved_aside is None
    [notice] = loaded.notices
    assert str(settings_file) in notice
    assert "permission denied" in notice
    if sys.platform != "win32":
        assert f"chmod u+rw {settings_file}" in notice
    monkeypatch.undo()
    assert settings_file.read_text() == "why = 'mine'\n"


def test_a_folder_where_the_file_should_be(settings_file: Path) -> None:
    settings_file.mkdir()
    loaded = load_settings(settings_file, NOW)
    assert loaded.settings == Settings()
    assert loaded.moved_aside is None
    assert "is a folder" in loaded.notices[0]
    assert settings_file.is_dir()


def test_other_read_errors_say_what_happened(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text("")

    def broken(self: Path) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Path, "read_bytes", broken)
    loaded = load_settings(settings_file, NOW)
    assert loaded.settings == Settings()
    assert "Input/output error" in loaded.notices[0]


def test_bad_values_keep_defaults_and_leave_the_file_alone(settings_file: Path) -> None:
    text = "# mine\n[breaks]\nrenudge_max = 99\nrenudge_minutes = 7\n[snooze]\ndaily_limt = 1\n"
    settings_file.write_text(text)
    before = settings_file.stat()

    loaded = load_settings(settings_file, NOW)

    assert [p.key for p in loaded.problems] == ["breaks.renudge_max", "snooze.daily_limt"]
    assert all(p.source == str(settings_file) for p in loaded.problems)
    assert loaded.settings.breaks.renudge_max == 2
    assert loaded.settings.breaks.renudge_minutes == 7
    assert loaded.notices == []
    assert loaded.moved_aside is None
    assert settings_file.read_text() == text
    assert settings_file.stat().st_mtime_ns == before.st_mtime_ns


# --------------------------------------------------------------------------- saving


def changed(settings: Settings) -> Settings:
    return dataclasses.replace(
        settings,
        why="Evenings are for the garden.",
        interface=Interface(sound=False),
        reminders=(Reminder("Lunch", "30 12 * * mon-fri", "Time to eat something good."),),
    )


@posix_only
def test_fresh_file_is_private_commented_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "settings.toml"
    wanted = changed(Settings())

    save_settings(path, wanted)

    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Respite settings.")
    assert "docs/configuration.md" in text.splitlines()[1]
    assert tomllib.loads(text) == settings_to_document(wanted)
    assert load_settings(path, NOW) == SettingsLoad(wanted)
    assert names(path.parent) == ["settings.toml"]


def test_fresh_file_without_reminders_shows_a_commented_example(settings_file: Path) -> None:
    save_settings(settings_file, Settings())
    text = settings_file.read_text()
    assert "# [[reminders]]" in text
    assert '# cron = "30 12 * * mon-fri"' in text
    assert "reminders" not in tomllib.loads(text)
    assert "[breaks.short]" in text
    assert load_settings(settings_file, NOW).settings == Settings()


USER_FILE = """\
# My Respite settings -- hand written.
why = "rest"  # because I matter

[breaks]  # the important bit
idle_after_seconds = 90
# keep nudging me
renudge_max = 3

[breaks.short]
every_minutes = 25  # pomodoro-ish
duration_minutes = 5.0

[work_hours]
monday = "08:00-16:00"  # early start
tuesday = "off"
wednesday = [
  "09:00-12:00",  # morning
  "13:00-17:00",
]
holiday = "2024-12-24"  # not a Respite key: stays where it is

[[reminders]]
name = "Tea"  # the best reminder
cron = "0 16 * * *"
message = "Kettle on."

[[reminders]]
name = "Stretch"
cron = "0 11 * * *"
"""


def test_save_changes_only_what_changed_and_keeps_comments(settings_file: Path) -> None:
    settings_file.write_text(USER_FILE)
    loaded = load_settings(settings_file, NOW)
    assert [p.key for p in loaded.problems] == ["work_hours.holiday"]
    days = list(loaded.settings.work_hours.days)
    days[2] = (parse_window("10:00-12:00"), parse_window("13:00-18:00"))
    wanted = dataclasses.replace(
        loaded.settings,
        why="rest more",
        breaks=dataclasses.replace(
            loaded.settings.breaks,
            short=BreakRule(every_minutes=20, duration_minutes=5, natural_after_minutes=2),
        ),
        work_hours=WorkHours(days=tuple(days)),
        reminders=(
            Reminder("Tea", "30 16 * * *", "Kettle on."),
            Reminder("Stretch", "0 11 * * *", "Up you get."),
        ),
    )

    save_settings(settings_file, wanted)

    text = settings_file.read_text()
    assert load_settings(settings_file, NOW).settings == wanted
    # Changed values were rewritten in place, comments next to them kept.
    assert 'why = "rest more"  # because I matter' in text
    assert "every_minutes = 20  # pomodoro-ish" in text
    assert 'cron = "30 16 * * *"' in text
    assert 'message = "Up you get."' in text
    assert 'wednesday = ["10:00-12:00", "13:00-18:00"]' in text
    # Untouched values stay exactly as the user wrote them.
    for line in (
        "# My Respite settings -- hand written.",
        "[breaks]  # the important bit",
        "# keep nudging me",
        "duration_minutes = 5.0",
        'monday = "08:00-16:00"  # early start',
        'tuesday = "off"',
        'holiday = "2024-12-24"  # not a Respite key: stays where it is',
        'name = "Tea"  # the best reminder',
    ):
        assert line in text
    # Key order is the user's.
    order = ["why =", "[breaks]", "idle_after_seconds", "[breaks.short]", "[work_hours]", "Tea"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
    # Defaults the user left out stay left out.
    assert "renudge_minutes" not in text
    assert "[snooze]" not in text


def test_saving_unchanged_settings_keeps_the_file_byte_for_byte(settings_file: Path) -> None:
    settings_file.write_text(USER_FILE)
    save_settings(settings_file, load_settings(settings_file, NOW).settings)
    assert settings_file.read_text() == USER_FILE


def test_a_short_file_stays_short(settings_file: Path) -> None:
    settings_file.write_text("[snooze]\ndaily_limit = 3\n")
    wanted = dataclasses.replace(
        load_settings(settings_file, NOW).settings, interface=Interface(sound=False)
    )

    save_settings(settings_file, wanted)

    document = tomllib.loads(settings_file.read_text())
    assert document == {"snooze": {"daily_limit": 3}, "interface": {"sound": False}}
    assert load_settings(settings_file, NOW).settings == wanted


def test_reminders_can_be_added_and_removed(settings_file: Path) -> None:
    settings_file.write_text("# only a comment\n")
    with_reminders = Settings(
        reminders=(Reminder("A", "0 9 * * mon-fri"), Reminder("B", "0 15 * * *", "Hello."))
    )
    save_settings(settings_file, with_reminders)
    assert settings_file.read_text().startswith("# only a comment\n")
    assert tomllib.loads(settings_file.read_text())["reminders"] == [
        {"name": "A", "cron": "0 9 * * mon-fri"},
        {"name": "B", "cron": "0 15 * * *", "message": "Hello."},
    ]
    assert load_settings(settings_file, NOW).settings == with_reminders

    one = Settings(reminders=(Reminder("B", "0 15 * * *"),))
    save_settings(settings_file, one)
    assert load_settings(settings_file, NOW).settings == one
    assert "message" not in settings_file.read_text()

    save_settings(settings_file, Settings())
    assert "reminders" not in tomllib.loads(settings_file.read_text())
    assert settings_file.read_text().startswith("# only a comment\n")


def test_odd_but_legal_layouts_are_updated_in_place(settings_file: Path) -> None:
    settings_file.write_text(
        "# dotted and inline\n"
        "breaks.short.every_minutes = 20\n"
        "[snooze]\n"
        "choices = 1  # unknown\n"
        "[interface]\n"
        "sound = true\n"
    )
    wanted = Settings(
        breaks=dataclasses.replace(Settings().breaks, short=BreakRule(25, 2, 2)),
        interface=Interface(sound=False),
    )
    save_settings(settings_file, wanted)
    text = settings_file.read_text()
    assert "breaks.short.every_minutes = 25" in text
    assert "choices = 1  # unknown" in text
    assert text.startswith("# dotted and inline\n")
    assert load_settings(settings_file, NOW).settings == wanted


def test_a_plain_value_where_a_table_belongs_is_replaced(settings_file: Path) -> None:
    settings_file.write_text('why = "x"\nbreaks = 5\n')
    wanted = Settings(why="x", breaks=dataclasses.replace(Settings().breaks, renudge_max=4))
    save_settings(settings_file, wanted)
    loaded = load_settings(settings_file, NOW)
    assert loaded.problems == []
    assert loaded.settings == wanted


def no_update(*args: object) -> None:
    """An in-place update that silently changes nothing."""


def failing_update(*args: object) -> None:
    raise TypeError("tomlkit could not do it")


@pytest.mark.parametrize("merge", [no_update, failing_update])
def test_when_an_in_place_update_goes_wrong_a_fresh_file_is_written(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch, merge: object
) -> None:
    settings_file.write_text("# mine\n[snooze]\ndaily_limit = 3\n")
    monkeypatch.setattr(settings_save, "_merge", merge)
    wanted = Settings(snooze=Snooze(daily_limit=9))
    save_settings(settings_file, wanted)
    text = settings_file.read_text()
    assert text.startswith("# Respite settings.")
    assert load_settings(settings_file, NOW).settings == wanted


@pytest.mark.usefixtures("berlin_local_time")
def test_saving_over_a_broken_file_moves_it_aside_first(settings_file: Path, folder: Path) -> None:
    settings_file.write_bytes(b"why = [broken\n")
    save_settings(settings_file, changed(Settings()), now=NOW)
    aside = folder / "settings.toml.bad-20240506-163015"
    assert aside.read_bytes() == b"why = [broken\n"
    assert load_settings(settings_file, NOW).settings == changed(Settings())


@posix_only
def test_save_makes_an_existing_file_private(settings_file: Path) -> None:
    settings_file.write_text("why = 'x'\n")
    settings_file.chmod(0o644)
    save_settings(settings_file, Settings(why="y"))
    assert mode(settings_file) == 0o600
    assert load_settings(settings_file, NOW).settings.why == "y"


@posix_only
def test_save_tightens_respites_own_config_folder(tmp_path: Path) -> None:
    config = paths.config_dir()
    config.mkdir(parents=True, exist_ok=True)
    config.chmod(0o755)
    save_settings(paths.settings_path(), Settings())
    assert mode(config) == 0o700


@posix_only
def test_save_leaves_a_folder_given_with_config_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    save_settings(shared / "respite.toml", Settings())
    assert mode(shared) == 0o755
    assert mode(shared / "respite.toml") == 0o600


@posix_only
def test_save_through_a_symlink_keeps_the_link(folder: Path) -> None:
    real = folder / "dotfiles" / "respite.toml"
    real.parent.mkdir()
    real.write_text("# tracked in git\n")
    link = folder / "settings.toml"
    link.symlink_to(real)

    save_settings(link, Settings(why="linked"))

    assert link.is_symlink()
    assert real.read_text().startswith("# tracked in git\n")
    assert load_settings(link, NOW).settings.why == "linked"
    assert names(real.parent) == ["respite.toml"]


def test_save_refuses_invalid_settings(settings_file: Path) -> None:
    settings_file.write_text("# untouched\n")
    bad = Settings(snooze=Snooze(choices_minutes=()))
    with pytest.raises(ValueError, match=r"snooze\.choices_minutes must be a list of 1 to 5"):
        save_settings(settings_file, bad)
    assert settings_file.read_text() == "# untouched\n"


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EROFS, "Read-only file system"),
    ],
)
def test_a_failed_replace_leaves_the_original_and_no_temp_file(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, failure: OSError
) -> None:
    settings_file.write_text(USER_FILE)

    def fail(src: object, dst: object) -> None:
        raise failure

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(SettingsWriteError) as caught:
        save_settings(settings_file, changed(Settings()))

    assert str(settings_file) in str(caught.value)
    assert failure.strerror is not None
    assert failure.strerror in str(caught.value)
    assert "not changed" in str(caught.value)
    assert settings_file.read_text() == USER_FILE
    assert names(folder) == ["settings.toml"]


def test_a_failed_write_leaves_the_original_and_no_temp_file(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text(USER_FILE)

    def fail(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(SettingsWriteError, match="No space left on device"):
        save_settings(settings_file, changed(Settings()))
    assert settings_file.read_text() == USER_FILE
    assert names(folder) == ["settings.toml"]


@pytest.mark.usefixtures("berlin_local_time")
@pytest.mark.parametrize("failing", ["write", "replace"])
def test_a_broken_file_stays_where_it_is_when_the_save_fails(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    settings_file.write_bytes(b'why = "mine"\n[breaks\n')
    real_replace = os.replace

    def full_disk(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def replace(src: Any, dst: Any) -> None:
        if Path(src).name.endswith(".tmp"):  # the new file, not the old one put back
            full_disk()
        real_replace(src, dst)

    if failing == "write":
        monkeypatch.setattr(os, "fsync", full_disk)
    else:
        monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(SettingsWriteError, match=r"No space left on device.*not changed"):
        save_settings(settings_file, changed(Settings()), now=NOW)
    assert names(folder) == ["settings.toml"]
    assert settings_file.read_bytes() == b'why = "mine"\n[breaks\n'


@pytest.mark.usefixtures("berlin_local_time")
def test_a_broken_file_that_cant_be_put_back_is_named(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_bytes(b"[breaks\n")

    def full_disk(src: object, dst: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(SettingsWriteError) as caught:
        save_settings(settings_file, changed(Settings()), now=NOW)
    aside = folder / "settings.toml.bad-20240506-163015"
    assert f"your old file is now {aside}: rename it back to settings.toml" in str(caught.value)
    assert aside.read_bytes() == b"[breaks\n"


def test_an_interrupted_write_removes_its_temp_file(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text(USER_FILE)

    def interrupt(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_settings(settings_file, changed(Settings()))
    assert settings_file.read_text() == USER_FILE
    assert names(folder) == ["settings.toml"]


def test_a_folder_that_cannot_be_written(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: object) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(settings_save.tempfile, "mkstemp", refuse)
    with pytest.raises(SettingsWriteError, match="Permission denied"):
        save_settings(settings_file, Settings())
    assert not settings_file.exists()


def test_an_unreadable_existing_file_is_not_overwritten(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text("# precious\n")

    def refuse(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(SettingsWriteError, match="not saved"):
        save_settings(settings_file, Settings(why="new"))
    monkeypatch.undo()
    assert settings_file.read_text() == "# precious\n"


def test_a_folder_that_may_not_be_entered_is_a_write_error_with_advice(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text("# precious\n")
    real_stat, real_lstat, real_read_bytes = os.stat, os.lstat, Path.read_bytes

    def refused(real: Any) -> Any:
        # Root ignores chmod 000 on the folder: refuse as the kernel would for a user.
        def call(where: Any, *args: Any, **kwargs: Any) -> Any:
            if Path(where).parent == folder:
                raise PermissionError(errno.EACCES, "Permission denied", str(where))
            return real(where, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "stat", refused(real_stat))
    monkeypatch.setattr(os, "lstat", refused(real_lstat))
    monkeypatch.setattr(Path, "read_bytes", refused(real_read_bytes))
    with pytest.raises(SettingsWriteError, match=r"permission denied.*chmod.*not saved"):
        save_settings(settings_file, Settings(why="new"))
    monkeypatch.undo()
    assert settings_file.read_text() == "# precious\n"


# --------------------------------------------------------------------------- checking


def test_check_missing_and_valid_files_are_fine(settings_file: Path) -> None:
    assert check_settings_file(settings_file) == []
    save_settings(settings_file, changed(Settings()))
    assert check_settings_file(settings_file) == []


def test_check_lists_each_problem_on_its_own_line(settings_file: Path) -> None:
    settings_file.write_text("[breaks.short]\nevery_minutes = 0\n[interface]\nsond = true\n")
    assert check_settings_file(settings_file) == [
        f"{settings_file}: breaks.short.every_minutes = 0 is not allowed: "
        "a whole number of minutes from 1 to 480",
        f"{settings_file}: interface.sond = true is not allowed: "
        "no such setting (did you mean interface.sound?)",
    ]


def test_check_reports_a_broken_file_without_moving_it(settings_file: Path, folder: Path) -> None:
    settings_file.write_bytes(b"\n\nwhy = = 1\n")
    [line] = check_settings_file(settings_file)
    assert str(settings_file) in line
    assert "line 3" in line
    assert settings_file.read_bytes() == b"\n\nwhy = = 1\n"
    assert names(folder) == ["settings.toml"]


def test_check_reports_an_unreadable_file(settings_file: Path) -> None:
    settings_file.mkdir()
    [line] = check_settings_file(settings_file)
    assert "is a folder" in line


def test_read_settings_never_moves_a_broken_file(settings_file: Path, folder: Path) -> None:
    assert read_settings(settings_file) == (None, [])

    settings_file.write_bytes(b"[breaks.short\nevery_minutes = 10\n")
    settings, problems = read_settings(settings_file)
    assert settings is None and len(problems) == 1
    assert names(folder) == ["settings.toml"]

    settings_file.write_bytes(b'[breaks.short]\nevery_minutes = "often"\n')
    settings, problems = read_settings(settings_file)
    assert settings == Settings() and len(problems) == 1


@pytest.mark.parametrize(
    "before", [None, b"why = [not toml\n", b"# mine\n[snooze]\ndaily_limit = 3\n"]
)
def test_text_that_would_not_mean_the_settings_is_never_written(
    settings_file: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, before: bytes | None
) -> None:
    if before is not None:
        settings_file.write_bytes(before)
    monkeypatch.setattr(settings_save, "_merge", no_update)  # so a fresh file is made
    monkeypatch.setattr(settings_save, "_fresh_text", lambda settings: "# forgot the rest\n")
    with pytest.raises(SettingsWriteError, match=r"snooze.*not saved"):
        save_settings(settings_file, Settings(snooze=Snooze(daily_limit=9)), now=NOW)
    assert names(folder) == ([] if before is None else ["settings.toml"])  # none moved aside
    if before is not None:
        assert settings_file.read_bytes() == before


def test_secret_names_in_file_include_tables_respite_cannot_use(settings_file: Path) -> None:
    assert secret_names_in_file(settings_file) == frozenset()  # no file yet
    settings_file.write_text(
        '[[calendars]]\nname = "Work"\nsecret = "calendar-work"\n\n'
        '[[calendars]]\nname = "Half done"\npath = "~/x.ics"\nsecret = "calendar-x"\n\n'
        '[[hooks]]\nname = "Team"\non = ["lunch"]\nurl_secret = "hook-url"\n'
        'token_secret = "hook-token"\n'
    )
    assert secret_names_in_file(settings_file) == {
        "calendar-work",
        "calendar-x",
        "hook-url",
        "hook-token",
    }
    settings_file.write_text("why = [broken\n")
    assert secret_names_in_file(settings_file) is None  # nothing known to be unused
