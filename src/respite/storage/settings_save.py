"""Saving the settings file: atomically, privately, keeping the user's comments and order.

tomlkit does the comment-keeping edit; it is imported here only, so reading the settings
(`respite.storage.settings_store`) never loads it.
"""

from __future__ import annotations

import contextlib
import logging
import operator
import os
import sys
import tempfile
import tomllib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
import tomlkit.items

from respite import paths
from respite.core.settings import CalendarOptions, Hook, Settings
from respite.core.settings_parse import KNOWN_KEYS, parse_day, parse_settings, settings_to_document
from respite.storage.settings_store import DOCS_HINT, move_aside, read_file

__all__ = ["SettingsWriteError", "save_settings"]

log = logging.getLogger(__name__)


class SettingsWriteError(Exception):
    """The settings could not be saved; the file on disk is as it was before."""


def save_settings(path: Path, settings: Settings, *, now: datetime | None = None) -> None:
    """Write `settings` to `path` atomically, keeping the user's comments and key order.

    An existing valid file is updated in place: only values that changed are rewritten.
    Otherwise a fresh commented file is written; an existing file that is not TOML is
    first renamed to `<name>.bad-<local time of now>` so nothing the user wrote is lost.
    Whatever text is made is read back first and written only if it means `settings`.
    Raises ValueError for settings that would not pass validation, and
    SettingsWriteError (with the file unchanged) when the file cannot be written.
    """
    wanted = settings_to_document(settings)
    _, problems = parse_settings(wanted, str(path))
    if problems:
        raise ValueError(
            "refusing to save invalid settings: "
            + "; ".join(f"{p.key} must be {p.allowed}" for p in problems)
        )
    # os.path.islink, unlike Path.is_symlink, doesn't raise in a folder that may not be
    # entered: the read below then says what is wrong, in a SettingsWriteError.
    target = Path(os.path.realpath(path)) if os.path.islink(path) else path
    text, not_toml = _new_text(target, settings, wanted)
    _check_meaning(target, text, settings)

    def set_aside() -> Path:
        try:
            moved = move_aside(target, now or datetime.now().astimezone())
        except OSError as exc:
            raise SettingsWriteError(
                f"{target} is not a valid settings file and could not be moved aside "
                f"({exc.strerror or exc}); your changes were not saved."
            ) from exc
        log.warning("%s was not valid TOML; it was renamed to %s", target, moved)
        return moved

    _write_atomic(target, text.encode("utf-8"), set_aside=set_aside if not_toml else None)


def _meaning(text: str, target: Path) -> Settings:
    """The settings `text` gives when Respite reads it back as the file `target`."""
    settings, _ = parse_settings(tomllib.loads(text), str(target))
    return settings


def _check_meaning(target: Path, text: str, settings: Settings) -> None:
    """Raise SettingsWriteError unless `text` reads back as exactly `settings`: a file
    that says less than the window showed as saved is worse than no save at all."""
    try:
        meant = _meaning(text, target)
    except tomllib.TOMLDecodeError as exc:
        log.error("the settings text made for %s is not TOML: %s", target, exc)
        differs = ["the whole file"]
    else:
        differs = [
            name
            for name in Settings.__dataclass_fields__
            if getattr(meant, name) != getattr(settings, name)
        ]
    if differs:
        log.error("the settings text made for %s would not read back: %s", target, differs)
        raise SettingsWriteError(
            f"Respite made settings text that would not read back as what you chose "
            f"({', '.join(differs)} would differ), so your changes were not saved and "
            f"{target} was not changed. This is a bug in Respite; please report it."
        )


def _new_text(target: Path, settings: Settings, wanted: dict[str, Any]) -> tuple[str, bool]:
    """The text to write, and whether the existing file must be moved aside first
    (it is not TOML)."""
    data, notice = read_file(target)
    if notice is not None:
        raise SettingsWriteError(f"{notice} Your changes were not saved.")
    if data is None:
        return _fresh_text(settings), False
    try:
        document = tomlkit.parse(data.decode("utf-8-sig"))
        tomllib.loads(document.as_string())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, tomlkit.exceptions.TOMLKitError):
        return _fresh_text(settings), True

    # WORKAROUND: tomlkit cannot edit every legal layout in place; whatever the update
    # gives is read back, and if it does not mean `settings` a fresh file is written
    # rather than something wrong.
    try:
        _merge(document, wanted, _defaults(), "")
        merged = document.as_string()
        check: Settings | None = _meaning(merged, target)
    except Exception:  # tomlkit raises assorted types for layouts it cannot edit
        log.warning("could not update %s in place", target, exc_info=True)
        check = None
    if check != settings:
        log.warning("writing a fresh settings file to %s; its comments are lost", target)
        return _fresh_text(settings), False
    return merged, False


def _plain(value: Any) -> Any:
    return value.unwrap() if isinstance(value, tomlkit.items.Item) else value


def _same(key: str, old: Any, new: Any) -> bool:
    """Whether the file's `old` value already means `new` (so it is left as written)."""
    if key.startswith("work_hours."):
        try:
            return parse_day(old) == parse_day(new)
        except ValueError:
            return False
    return _plain_equal(old, new)


def _plain_equal(old: Any, new: Any) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return old == new  # "2.0" in the file is fine for 2
    if isinstance(old, str) and isinstance(new, str):
        return old == new
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(map(_plain_equal, old, new))
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(_plain_equal(old[k], new[k]) for k in old)
    return False


def _merge(
    old: MutableMapping[str, Any], new: Mapping[str, Any], defaults: Mapping[str, Any], table: str
) -> None:
    """Update the tomlkit container `old` to hold `new`, touching only what differs.

    A key the file leaves out means its default, so it is only added when the new value
    differs from that default: a short file stays short.
    """
    for key, value in new.items():
        dotted = f"{table}.{key}" if table else key
        default = defaults.get(key, _ABSENT)
        if key not in old:
            addition = _differences(dotted, value, default)
            if addition is not _ABSENT:
                old[key] = _new_item(addition)
        elif table == "" and key in _ITEM_DEFAULTS:
            _merge_tables(old, key, value)
        elif isinstance(value, Mapping) and isinstance(old[key], MutableMapping):
            _merge(old[key], value, default if isinstance(default, Mapping) else {}, dotted)
        elif isinstance(value, Mapping):  # the file has a plain value where a table belongs
            del old[key]
            addition = _differences(dotted, value, default)
            if addition is not _ABSENT:
                old[key] = _new_item(addition)
        elif not _same(dotted, _plain(old[key]), value):
            old[key] = value
    # Keys Respite writes only when needed (reminders, a reminder's message) go when
    # unneeded; keys Respite does not know stay for the user to see in `config check`.
    for key in [k for k in old if k in KNOWN_KEYS.get(table, frozenset()) and k not in new]:
        if table == "" and key in _ITEM_DEFAULTS:
            _merge_tables(old, key, [])  # keeps the tables Respite could not use
        else:
            del old[key]


_ABSENT: Any = object()
# What a key left out of one [[reminders]], [[calendars]] or [[hooks]] table means.
_ITEM_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "reminders": {"message": ""},
    "calendars": {"path": "", "secret": ""},
    "hooks": {
        "url": "",
        "url_secret": "",
        "token_secret": "",
        "command": [],
        "timeout_seconds": Hook("", ()).timeout_seconds,
    },
}


def _defaults() -> dict[str, Any]:
    """What each key means when the file leaves it out; settings_to_document writes
    [calendar] only beside [[calendars]], so its defaults are added here."""
    defaults = settings_to_document(Settings())
    options = asdict(CalendarOptions())
    defaults.setdefault(
        "calendar", {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    )
    return defaults


def _differences(key: str, value: Any, default: Any) -> Any:
    """The part of `value` that differs from `default` (tables key by key), or _ABSENT."""
    if isinstance(value, Mapping):
        defaults = default if isinstance(default, Mapping) else {}
        table = {}
        for name, child in value.items():
            difference = _differences(f"{key}.{name}", child, defaults.get(name, _ABSENT))
            if difference is not _ABSENT:
                table[name] = difference
        return table or _ABSENT
    if default is not _ABSENT and _same(key, default, value):
        return _ABSENT
    return value


def _merge_tables(document: MutableMapping[str, Any], key: str, wanted: list[Any]) -> None:
    """Update an array of tables item by item, so each table the user wrote keeps its
    comments: a table is matched by its name, and only added, removed or reordered
    tables change the array itself.

    A table Respite leaves out when it reads the file (it fails validation) is in no
    Settings, so nothing in `wanted` comes from it: it stays as the user wrote it, after
    the table it followed, for them to fix; removing it is theirs to do.
    """
    current = document[key]
    defaults, table = _ITEM_DEFAULTS[key], f"{key}[]"
    if not isinstance(current, list):  # a plain value where the array belongs
        if wanted:
            del document[key]
            document[key] = _tables_item(wanted)
        return  # else it stays, meaning nothing, as the user wrote it
    old = list(current)
    unused = _unused(key, old)
    if not isinstance(current, tomlkit.items.AoT):  # e.g. inline tables in an array
        usable = [item for item, left_out in zip(old, unused, strict=True) if not left_out]
        if len(usable) == len(wanted) and all(isinstance(i, MutableMapping) for i in usable):
            for item, values in zip(usable, wanted, strict=True):
                _merge(item, values, defaults, table)
            return
        # Tables added or removed: written as [[key]] tables from now on.
        if any(not isinstance(item, Mapping) for item in old):
            log.warning("dropping a value in %s that is not a table", key)
        old = [_table(_plain(item)) for item in old if isinstance(item, Mapping)]
        unused = _unused(key, old)
    usable = [t for t, left_out in zip(old, unused, strict=True) if not left_out]
    matches: list[Any] = []
    for values in wanted:
        name = values.get("name")
        found = (t for t in usable if _plain(t.get("name")) == name and not _among(t, matches))
        matches.append(next(found, None))
    for index, match in enumerate(matches):  # a renamed table is the one in its place
        if match is None and index < len(usable) and not _among(usable[index], matches):
            matches[index] = usable[index]
    tables: list[tomlkit.items.Table] = []
    for values, match in zip(wanted, matches, strict=True):
        if match is None:
            tables.append(_table(values))
        else:
            _merge(match, values, defaults, table)
            tables.append(match)
    tables = _with_unused(key, old, unused, tables)
    if isinstance(current, tomlkit.items.AoT):
        if not tables:
            _keep_what_ends_the_array(document, current)
            del document[key]
        elif len(tables) != len(old) or not all(map(operator.is_, tables, old)):
            _replace_tables(current, tables)
    else:
        del document[key]  # added again at the end, where it can't swallow plain keys
        if tables:
            document[key] = _tables_item(tables)


def _unused(key: str, tables: list[Any]) -> list[bool]:
    """Which items of the array `key` Respite leaves out when it reads them. Each is read
    after those before it, as the file is: a calendar whose name an earlier one has is
    left out too."""
    items = [_plain(t) for t in tables]
    flags: list[bool] = []
    used = 0
    for end in range(1, len(items) + 1):
        read, _ = parse_settings({key: items[:end]}, "")
        now_used = len(getattr(read, key))
        flags.append(now_used == used)
        used = now_used
    return flags


def _with_unused(
    key: str, old: list[Any], unused: list[bool], tables: list[tomlkit.items.Table]
) -> list[tomlkit.items.Table]:
    """`tables` with the old tables Respite left out put back, each after the table it
    followed (or first). One that the new neighbours would bring into use (a repeated
    calendar name whose first holder went) is dropped instead: nobody chose it."""
    kept = [t for t, left_out in zip(old, unused, strict=True) if left_out]
    while True:
        leading: list[Any] = []
        following: dict[int, list[Any]] = {}
        previous: Any = None
        for t in old:
            if _among(t, kept):
                (leading if previous is None else following[id(previous)]).append(t)
            elif _among(t, tables):
                previous = t
                following[id(t)] = []
        result = leading + [x for t in tables for x in (t, *following.get(id(t), []))]
        read = _unused(key, result)
        brought_in = [t for t, left_out in zip(result, read, strict=True) if not left_out]
        dropped = [t for t in kept if _among(t, brought_in)]
        if not dropped:
            return result
        log.info("dropping %d [[%s]] table(s) that would now come into use", len(dropped), key)
        kept = [t for t in kept if not _among(t, dropped)]


def _among(table: Any, tables: list[Any]) -> bool:
    """Whether this very table is in `tables` (tables with equal values are not the same)."""
    return any(table is other for other in tables)


def _trailing(table: tomlkit.items.Table) -> list[Any]:
    """Take the comments and blank lines that end `table`: tomlkit files there what the
    user wrote above the next table, so they are often about what follows."""
    body = table.value.body
    trailing: list[Any] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop()[1])
    return trailing


def _keep_what_ends_the_array(document: Any, array: tomlkit.items.AoT) -> None:
    """Before the array leaves the tomlkit `document`: the comments and blank lines that
    end its last table move to just above the next table's header, or to the end."""
    trailing = _trailing(array[-1]) if len(array) else []
    items = [item for _, item in document.body]
    after = items[next(i for i, item in enumerate(items) if item is array) + 1 :]
    following = next((h for item in after if (h := _first_header(item)) is not None), None)
    if following is None:
        for item in trailing:
            document.add(item)
    else:
        text = "".join(item.as_string() for item in trailing)
        following.trivia.indent = text + following.trivia.indent


def _first_header(item: Any) -> tomlkit.items.Table | None:
    """The table whose [header] the file shows first in `item`, if it is a table or an
    array of tables (a table known only through its [sub.tables] shows none)."""
    if isinstance(item, tomlkit.items.AoT):
        return item[0] if len(item) else None
    if not isinstance(item, tomlkit.items.Table):
        return None
    if not item.is_super_table():
        return item
    children = (_first_header(child) for _, child in item.value.body)
    return next((header for header in children if header is not None), None)


def _replace_tables(array: tomlkit.items.AoT, tables: list[tomlkit.items.Table]) -> None:
    """Put `tables` in `array`. Comments and blank lines after the old last table (often
    about what follows the array) stay at the end of the array."""
    last = array[-1] if len(array) else None
    trailing = _trailing(last) if last is not None and last is not tables[-1] else []
    del array[:]
    for table in tables:
        array.append(table)
    for table in tables[:-1]:
        body = table.value.body
        if not body or body[-1][0] is not None:
            table.add(tomlkit.nl())  # a blank line before the next [[table]]
    if trailing:
        body = tables[-1].value.body
        while body and body[-1][0] is None and isinstance(body[-1][1], tomlkit.items.Whitespace):
            body.pop()  # the old last table's blank lines take their place
    for item in trailing:
        tables[-1].add(item)


def _is_tables(value: Any) -> bool:
    """Whether `value` is an array of tables ([[reminders]], [[calendars]], [[hooks]])."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _new_item(value: Any) -> Any:
    if isinstance(value, Mapping):
        table = tomlkit.table()
        for key, child in value.items():
            table.add(key, _new_item(child))
        return table
    if _is_tables(value):
        return _tables_item(value)
    return value


def _table(values: Mapping[str, Any]) -> tomlkit.items.Table:
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, value)
    return table


def _tables_item(tables: Sequence[Mapping[str, Any]]) -> tomlkit.items.AoT:
    array = tomlkit.aot()
    for values in tables:
        array.append(values if isinstance(values, tomlkit.items.Table) else _table(values))
    return array


def _write_atomic(
    target: Path, data: bytes, *, set_aside: Callable[[], Path] | None = None
) -> None:
    """Replace `target` with `data` via a 0600 temp file in the same folder.

    `set_aside` moves the old file away (returning where to); it runs once the new file is
    safely written, just before the replace, and should the replace fail the old file is
    put back: a full disk never leaves the user without their file.
    """
    directory = target.parent
    try:
        if not directory.exists() or directory == paths.config_dir():
            paths.ensure_private_dir(directory)
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise SettingsWriteError(_write_failed(target, exc)) from exc
    moved: Path | None = None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, paths.private_file_mode)
        if set_aside is not None:
            moved = set_aside()
        os.replace(temp_name, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        put_back = moved is None or _put_back(moved, target)
        if not put_back and isinstance(exc, OSError):
            raise SettingsWriteError(
                f"Could not save settings to {target} ({exc.strerror or exc}); your old file "
                f"is now {moved}: rename it back to {target.name} to keep it."
            ) from exc
        if isinstance(exc, OSError):
            raise SettingsWriteError(_write_failed(target, exc)) from exc
        raise
    _fsync_directory(directory)


def _put_back(moved: Path, target: Path) -> bool:
    """Move the old file back where it was; False when that fails too."""
    try:
        os.replace(moved, target)
    except OSError:
        log.exception("could not move %s back to %s", moved, target)
        return False
    return True


def _write_failed(target: Path, exc: OSError) -> str:
    return f"Could not save settings to {target}: {exc.strerror or exc}. The file was not changed."


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); best effort."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- a fresh file

_HEADER = (
    "Respite settings. Every key, its default and its allowed values are described in",
    f"{DOCS_HINT} (in Respite's source). A key you leave out keeps its default.",
    "Respite keeps your comments and the order of keys when it saves changes.",
)

_SECTION_NOTES: dict[str, tuple[str, ...]] = {
    "why": ("One line about why breaks and boundaries matter to you.",),
    "timezone": ('An IANA time zone such as "Europe/Berlin"; "" is the system\'s.',),
    "work_hours": (
        'Work windows per day as "HH:MM-HH:MM" (24-hour); [] or "off" is a day off.',
        'A window that ends before it starts runs past midnight, e.g. "22:00-02:00".',
    ),
    "boundaries": ("Nudges around the end of your working day.",),
    "after_hours": ("Nudges when you work outside your hours or on a day off.",),
    "breaks": ("Breaks are due after this much *active* time (idle time does not count).",),
    "snooze": ("Snooze lengths offered (the first is the default), and a daily limit.",),
    "interface": ('break_window: "window" (small, stays on top) or "strict" (every screen).',),
    "reminders": (
        "Reminders on a schedule; cron fields are: minute hour day month day_of_week.",
        "Use day names (mon-fri): APScheduler counts weekday numbers from Monday = 0.",
    ),
    "calendars": (
        "Calendars: each has a name and either path (a local .ics file) or secret (the",
        "name of the keyring entry that holds its private https address).",
    ),
    "hooks": ("Hooks tell other tools about boundaries: a webhook, a command, or both.",),
}

_REMINDER_EXAMPLE = (
    "[[reminders]]",
    'name = "Lunch"',
    'cron = "30 12 * * mon-fri"',
    'message = "Time to eat something good."',
)


def _fresh_text(settings: Settings) -> str:
    """A complete commented file for `settings`: plain keys first, then each table, then
    each array of tables (TOML puts a key after a table inside that table)."""
    wanted = settings_to_document(settings)
    document = tomlkit.document()
    for line in _HEADER:
        document.add(tomlkit.comment(line))
    document.add(tomlkit.nl())
    for name, value in wanted.items():
        if not isinstance(value, Mapping) and not _is_tables(value):
            for line in _SECTION_NOTES.get(name, ()):
                document.add(tomlkit.comment(line))
            document.add(name, _new_item(value))
    for name, value in wanted.items():
        if isinstance(value, Mapping):
            table = tomlkit.table()
            for line in _SECTION_NOTES.get(name, ()):
                table.add(tomlkit.comment(line))
            for key, child in value.items():
                table.add(key, _new_item(child))
            document.add(name, table)
    for name, value in wanted.items():
        if _is_tables(value):
            array = _tables_item(value)
            # The notes go right above the first [[name]]: as comments of their own,
            # tomlkit would set a blank line between them and the table.
            notes = "".join(f"# {line}\n" for line in _SECTION_NOTES.get(name, ()))
            array[0].trivia.indent = "\n" + notes
            document.add(name, array)
    if "reminders" not in wanted:  # an example to copy instead
        document.add(tomlkit.nl())
        for line in (*_SECTION_NOTES["reminders"], *_REMINDER_EXAMPLE):
            document.add(tomlkit.comment(line))
    return document.as_string()
