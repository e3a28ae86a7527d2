"""The settings file on disk, read forgivingly.

Parsing and validation are pure and live in `respite.core.settings_parse`; this module
only adds files. Saving lives in `respite.storage.settings_save`, so the running app
loads tomlkit (≈1.6 MiB) only when the settings window saves.
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from respite.core.settings import Settings
from respite.core.settings_parse import (
    Problem,
    parse_settings,
)

__all__ = [
    "SettingsLoad",
    "check_settings_file",
    "load_settings",
    "move_aside",
    "read_file",
    "read_settings",
    "secret_names_in_file",
]

log = logging.getLogger(__name__)

DOCS_HINT = "docs/configuration.md"


@dataclass(frozen=True)
class SettingsLoad:
    """What loading the file gave: settings to use and what to tell the user."""

    settings: Settings
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # file-level trouble, in plain words
    moved_aside: Path | None = None  # where an unreadable-as-TOML file was renamed to


# --------------------------------------------------------------------------- reading


def read_file(path: Path) -> tuple[bytes | None, str | None]:
    """(content, None); (None, None) when there is no file; (None, notice) when unreadable."""
    try:
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, None
    except IsADirectoryError:
        return None, (
            f"{path} is a folder, not a settings file. Respite is using default settings; "
            "move that folder somewhere else to use a settings file there."
        )
    except PermissionError:
        fix = (
            "check the file's permissions"
            if sys.platform == "win32"
            else f"make it readable, e.g. `chmod u+rw {path}`"
        )
        return None, (
            f"Could not read {path}: permission denied. Respite is using default settings "
            f"until it can read the file; {fix}."
        )
    except OSError as exc:
        return None, (
            f"Could not read {path}: {exc.strerror or exc}. Respite is using default settings "
            "until it can read the file."
        )


def _decode(data: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The TOML document, or None and why the bytes are not one (with the line)."""
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark from an old editor is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, f"it is not UTF-8 text (byte {exc.start}, line {line})"
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as exc:
        return None, f"it is not valid TOML: {exc}"


def _aside_name(path: Path, now: datetime) -> Path:
    stamp = now.astimezone().strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while os.path.lexists(candidate):
        counter += 1
        candidate = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
    return candidate


def move_aside(path: Path, now: datetime) -> Path:
    target = _aside_name(path, now)
    path.rename(target)
    return target


def load_settings(path: Path, now: datetime) -> SettingsLoad:
    """Settings from `path`; never raises for a missing, unreadable or broken file.

    A file that is not TOML is renamed to `<name>.bad-YYYYmmdd-HHMMSS` (local time of
    `now`) so the user keeps it; a file with bad values stays untouched and the bad keys
    keep their defaults (see `SettingsLoad.problems`).
    """
    data, notice = read_file(path)
    if notice is not None:
        log.warning("%s", notice)
        return SettingsLoad(Settings(), notices=[notice])
    if data is None:
        return SettingsLoad(Settings())
    document, error = _decode(data)
    if document is None:
        try:
            moved = move_aside(path, now)
        except OSError as exc:
            notice = (
                f"{path} could not be used: {error}. Respite could not move it aside "
                f"({exc.strerror or exc}), so it was left as it is; Respite is using default "
                "settings until it is fixed."
            )
            log.warning("%s", notice)
            return SettingsLoad(Settings(), notices=[notice])
        notice = (
            f"{path} could not be used: {error}. It was renamed to {moved} and Respite is "
            f"using default settings; fix that file and rename it back to {path.name}, "
            "or delete it."
        )
        log.warning("%s", notice)
        return SettingsLoad(Settings(), notices=[notice], moved_aside=moved)
    settings, problems = parse_settings(document, str(path))
    for problem in problems:
        log.warning("%s", problem)
    return SettingsLoad(settings, problems=problems)


def check_settings_file(path: Path) -> list[str]:
    """What is wrong with the file, one line each; [] when it is fine (or absent).

    Read-only: unlike `load_settings` it never moves a broken file aside.
    """
    data, notice = read_file(path)
    if notice is not None:
        return [notice]
    if data is None:
        return []
    document, error = _decode(data)
    if document is None:
        return [
            f"{path} could not be used: {error}. Respite would rename it to "
            f"{path.name}.bad-<date> and use default settings."
        ]
    _, problems = parse_settings(document, str(path))
    return [str(problem) for problem in problems]


def read_settings(path: Path) -> tuple[Settings | None, list[str]]:
    """Settings from `path` with no side effects: unlike `load_settings`, a broken file is
    never moved aside. Returns (None, []) when there is no file, (None, problems) when it
    can't be used at all, and (settings, problems) otherwise — a bad key keeps its default
    and is named in `problems`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, []
    except OSError as error:
        return None, check_settings_file(path) or [f"Could not read {path}: {error}."]
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return None, check_settings_file(path) or [f"{path} could not be used: {error}."]
    settings, problems = parse_settings(document, str(path))
    return settings, [str(problem) for problem in problems]


# The keys of a [[calendars]] or [[hooks]] table that name a secret in the keyring.
_SECRET_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "calendars": ("secret",),
    "hooks": ("url_secret", "token_secret"),
}


def secret_names_in_file(path: Path) -> frozenset[str] | None:
    """Every keyring name the file's [[calendars]] and [[hooks]] tables give, those Respite
    can't use included; empty when there is no file, None when it can't be read as TOML
    (then no secret can be known to be unused)."""
    data, notice = read_file(path)
    if notice is not None:
        return None
    if data is None:
        return frozenset()
    document, _ = _decode(data)
    if document is None:
        return None
    names: set[str] = set()
    for key, fields in _SECRET_KEYS.items():
        tables = document.get(key)
        for table in tables if isinstance(tables, list) else ():
            if isinstance(table, Mapping):
                names.update(v for f in fields if isinstance(v := table.get(f), str) and v)
    return frozenset(names)
