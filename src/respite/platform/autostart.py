"""Start Respite at login: one adapter per OS behind the `Autostart` protocol.

* Linux and other freedesktop desktops: an XDG autostart entry,
  `$XDG_CONFIG_HOME/autostart/respite.desktop` (Desktop Application Autostart
  Specification; the Exec line quoted per the Desktop Entry Specification).
* Windows: the value "Respite" under HKCU `Software\\Microsoft\\Windows\\CurrentVersion\\Run`
  (the per-user Run key; `winreg` is imported only there).
* macOS: a launchd agent, `~/Library/LaunchAgents/org.respite.Respite.plist`, which launchd
  loads at the next login (RunAtLoad). Enabling does not start a second copy now.

`launch_command()` says how to start this installation of Respite again.
"""

from __future__ import annotations

import contextlib
import os
import plistlib
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

APP_NAME = "Respite"
DESKTOP_FILE_NAME = "respite.desktop"
LAUNCH_AGENT_LABEL = "org.respite.Respite"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Respite"


class Autostart(Protocol):
    def is_enabled(self) -> bool: ...

    def enable(self, command: list[str]) -> None: ...

    def disable(self) -> None: ...


def launch_command(
    *,
    executable: str | None = None,
    frozen: bool | None = None,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> list[str]:
    """The command line that starts this Respite: the AppImage or frozen executable
    itself, else this interpreter with `-m respite` (pythonw.exe on Windows, so no
    console window opens at login)."""
    env = os.environ if env is None else env
    executable = sys.executable if executable is None else executable
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    platform = sys.platform if platform is None else platform
    if env.get("APPIMAGE"):
        return [env["APPIMAGE"]]
    if frozen:
        return [executable]
    if platform == "win32":
        path = Path(executable)
        if path.name.lower() == "python.exe" and path.with_name("pythonw.exe").exists():
            executable = str(path.with_name("pythonw.exe"))
    return [executable, "-m", "respite"]


def _write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)  # mkstemp makes 0600
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# --------------------------------------------------------------------------- XDG
# Desktop Entry Specification 1.5, "The Exec key": an argument containing any of these
# must be quoted; inside double quotes, " ` $ and \ are escaped with a backslash.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_QUOTED_ESCAPES = {'"', "`", "$", "\\"}
# ... and the Exec value is a string, whose own escapes (\s \n \t \r \\) apply first
# when reading, so they are applied last when writing.
_STRING_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_exec_argument(argument: str) -> str:
    """One argument quoted for an Exec line (before the string-value escaping)."""
    argument = argument.replace("%", "%%")  # a literal % is written %%
    if argument and not any(char in _RESERVED for char in argument):
        return argument
    escaped = "".join("\\" + char if char in _QUOTED_ESCAPES else char for char in argument)
    return f'"{escaped}"'


def exec_value(command: Sequence[str]) -> str:
    """The Exec= value for `command`, ready to write into the desktop file."""
    if not command:
        raise ValueError("the autostart command is empty")
    if "=" in command[0]:
        raise ValueError(f"the program path {command[0]!r} contains '=', which Exec forbids")
    if any("\0" in argument for argument in command):
        raise ValueError("the autostart command contains a NUL character")
    line = " ".join(quote_exec_argument(argument) for argument in command)
    return "".join(_STRING_ESCAPES.get(char, char) for char in line)


def _unescape_string(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append(
                {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(
                    following, "\\" + following
                )
            )
        else:
            out.append(char)
    return "".join(out)


def parse_exec_value(value: str) -> list[str]:
    """Undo `exec_value`: the argument list an Exec= value stands for (no field codes)."""
    line = _unescape_string(value)
    arguments: list[str] = []
    current: list[str] | None = None
    index = 0
    while index < len(line):
        char = line[index]
        if char == " ":
            if current is not None:
                arguments.append("".join(current))
                current = None
        elif char == '"':
            current = current if current is not None else []
            index += 1
            while index < len(line) and line[index] != '"':
                if line[index] == "\\" and index + 1 < len(line):
                    index += 1
                current.append(line[index])
                index += 1
            if index >= len(line):
                raise ValueError(f"unterminated quote in Exec value {value!r}")
        else:
            current = current if current is not None else []
            current.append(char)
        index += 1
    if current is not None:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments]


def desktop_entry(command: Sequence[str]) -> str:
    """The text of Respite's autostart .desktop file."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Gentle break reminders and work-hour boundaries\n"
        f"Exec={exec_value(command)}\n"
        "Icon=org.respite.Respite\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def read_desktop_entry(text: str) -> dict[str, str]:
    """Keys of the [Desktop Entry] group (values unescaped only by parse_exec_value)."""
    values: dict[str, str] = {}
    in_group = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            in_group = line == "[Desktop Entry]"
            continue
        if in_group and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _entry_enabled(values: Mapping[str, str]) -> bool:
    # Autostart spec: Hidden=true means "deleted"; GNOME's own switch is
    # X-GNOME-Autostart-enabled (GNOME Tweaks writes false there).
    if values.get("Hidden", "false").lower() == "true":
        return False
    return values.get("X-GNOME-Autostart-enabled", "true").lower() != "false"


def xdg_config_home(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME if it is an absolute path (the spec ignores relative ones), else
    ~/.config."""
    value = env.get("XDG_CONFIG_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".config"


def xdg_config_dirs(env: Mapping[str, str]) -> list[Path]:
    value = env.get("XDG_CONFIG_DIRS", "") or "/etc/xdg"
    return [Path(part) for part in value.split(":") if part and os.path.isabs(part)]


class XdgAutostart:
    """~/.config/autostart/respite.desktop. A system-wide entry of the same name (in
    $XDG_CONFIG_DIRS/autostart, e.g. from a distribution package) is overridden by a
    user file with Hidden=true when disabling."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if env is None else env)

    @property
    def path(self) -> Path:
        return xdg_config_home(self._env) / "autostart" / DESKTOP_FILE_NAME

    def _system_entry(self) -> Path | None:
        for directory in xdg_config_dirs(self._env):
            candidate = directory / "autostart" / DESKTOP_FILE_NAME
            if candidate.is_file():
                return candidate
        return None

    def _read(self, path: Path) -> dict[str, str] | None:
        try:
            return read_desktop_entry(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None

    def is_enabled(self) -> bool:
        if self.path.exists():  # the user's file wins over any system-wide one
            values = self._read(self.path)
            return values is not None and _entry_enabled(values)
        system = self._system_entry()
        values = self._read(system) if system else None
        return values is not None and _entry_enabled(values)

    def command(self) -> list[str] | None:
        """The command the user's entry runs, if there is one."""
        values = self._read(self.path) if self.path.exists() else None
        if not values or "Exec" not in values:
            return None
        return parse_exec_value(values["Exec"])

    def enable(self, command: list[str]) -> None:
        _write_atomically(self.path, desktop_entry(command).encode("utf-8"))

    def disable(self) -> None:
        if self._system_entry() is not None:
            override = f"[Desktop Entry]\nType=Application\nName={APP_NAME}\nHidden=true\n"
            _write_atomically(self.path, override.encode("utf-8"))
        else:
            self.path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- Windows
class WindowsAutostart:
    """HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run, value
    "Respite" (REG_SZ): the command line, quoted the way the C runtime parses it
    (`subprocess.list2cmdline`). Uses winreg's OpenKey / CreateKeyEx, QueryValueEx,
    SetValueEx and DeleteValue. (Task Manager's own on/off switch lives under the
    undocumented Explorer\\StartupApproved key and is left alone.)"""

    def __init__(self, winreg: Any = None) -> None:
        if winreg is None:
            import winreg  # type: ignore[import-not-found,no-redef,unused-ignore]
        self._winreg = winreg

    def command_line(self) -> str | None:
        reg = self._winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_QUERY_VALUE) as key:
                value, kind = reg.QueryValueEx(key, RUN_VALUE)
        except FileNotFoundError:
            return None
        if kind not in (reg.REG_SZ, reg.REG_EXPAND_SZ) or not isinstance(value, str):
            return None
        return value

    def is_enabled(self) -> bool:
        return bool(self.command_line())

    def enable(self, command: list[str]) -> None:
        if not command:
            raise ValueError("the autostart command is empty")
        reg = self._winreg
        with reg.CreateKeyEx(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
            reg.SetValueEx(key, RUN_VALUE, 0, reg.REG_SZ, subprocess.list2cmdline(command))

    def disable(self) -> None:
        reg = self._winreg
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, RUN_KEY, 0, reg.KEY_SET_VALUE) as key:
                reg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass


# --------------------------------------------------------------------------- macOS
def launch_agent(command: Sequence[str]) -> dict[str, Any]:
    """launchd.plist(5) keys for a per-user agent that starts Respite at login in the
    GUI (Aqua) session."""
    if not command:
        raise ValueError("the autostart command is empty")
    return {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


class MacAutostart:
    """~/Library/LaunchAgents/org.respite.Respite.plist (XML plist, 0644)."""

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    @property
    def path(self) -> Path:
        home = self._home if self._home is not None else Path.home()
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"

    def is_enabled(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                agent = plistlib.load(handle)
        except (OSError, plistlib.InvalidFileException, ValueError):
            return False
        return (
            isinstance(agent, dict)
            and agent.get("RunAtLoad") is True
            and agent.get("Disabled") is not True
        )

    def enable(self, command: list[str]) -> None:
        data = plistlib.dumps(launch_agent(command), fmt=plistlib.FMT_XML)
        _write_atomically(self.path, data)

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


def autostart_for(platform: str | None = None, env: Mapping[str, str] | None = None) -> Autostart:
    """The adapter for `platform` (default: this system)."""
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        return WindowsAutostart()
    if platform == "darwin":
        home = (env or os.environ).get("HOME")
        return MacAutostart(Path(home) if home else None)
    return XdgAutostart(env)
