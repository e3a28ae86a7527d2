"""Start-at-login adapters: the files and registry values they write."""

from __future__ import annotations

import plistlib
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from respite.platform.autostart import (
    LAUNCH_AGENT_LABEL,
    RUN_KEY,
    MacAutostart,
    WindowsAutostart,
    XdgAutostart,
    autostart_for,
    desktop_entry,
    exec_value,
    launch_command,
    parse_exec_value,
    quote_exec_argument,
    read_desktop_entry,
    xdg_config_home,
)


# --------------------------------------------------------------------------- Exec quoting
@pytest.mark.parametrize(
    ("argument", "quoted"),
    [
        ("/usr/bin/python3", "/usr/bin/python3"),
        ("-m", "-m"),
        ("", '""'),
        ("/home/me/My Apps/python3", '"/home/me/My Apps/python3"'),
        ("it's", '"it\'s"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("$HOME", '"\\$HOME"'),
        ("`cmd`", '"\\`cmd\\`"'),
        ("a\\b", '"a\\\\b"'),
        ("50%", "50%%"),
        ("~/x", '"~/x"'),
        ("a;b", '"a;b"'),
    ],
)
def test_quote_exec_argument(argument: str, quoted: str) -> None:
    assert quote_exec_argument(argument) == quoted


def test_exec_value_applies_the_string_escapes_after_quoting() -> None:
    # Desktop Entry spec: a literal backslash in a quoted argument is four backslashes
    # in the file, a literal dollar sign is \\$.
    assert exec_value(["/opt/r/bin", "C:\\x"]) == '/opt/r/bin "C:\\\\\\\\x"'
    assert exec_value(["/opt/r/bin", "$x"]) == '/opt/r/bin "\\\\$x"'
    assert exec_value(["/opt/r/bin", "two\nlines"]) == '/opt/r/bin "two\\nlines"'


def test_exec_value_refuses_what_exec_cannot_carry() -> None:
    with pytest.raises(ValueError, match="empty"):
        exec_value([])
    with pytest.raises(ValueError, match="contains '='"):
        exec_value(["/opt/a=b/respite"])
    with pytest.raises(ValueError, match="NUL"):
        exec_value(["/bin/respite", "a\0b"])


program = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="=\0"),
    min_size=1,
)
argument = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\0"))


@given(program=program, arguments=st.lists(argument, max_size=5))
def test_exec_value_round_trips(program: str, arguments: list[str]) -> None:
    command = [program, *arguments]
    value = exec_value(command)
    assert "\n" not in value and "\r" not in value
    assert parse_exec_value(value) == command


# --------------------------------------------------------------------------- XDG
COMMAND = ["/home/me/.venv/bin/python3", "-m", "respite"]


def test_desktop_entry_content() -> None:
    text = desktop_entry(COMMAND)
    values = read_desktop_entry(text)
    assert text.startswith("[Desktop Entry]\n")
    assert values["Type"] == "Application"
    assert values["Name"] == "Respite"
    assert values["Exec"] == "/home/me/.venv/bin/python3 -m respite"
    assert values["X-GNOME-Autostart-enabled"] == "true"
    assert values["Terminal"] == "false"


def test_desktop_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate (desktop-file-utils) is not installed")
    path = tmp_path / "respite.desktop"
    path.write_text(desktop_entry(["/opt/My Apps/respite", "--flag=$x", "50%"]), "utf-8")
    result = subprocess.run([validator, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_xdg_config_home_rules(tmp_path: Path) -> None:
    assert xdg_config_home({"XDG_CONFIG_HOME": "/cfg", "HOME": "/h"}) == Path("/cfg")
    # The spec ignores a relative XDG_CONFIG_HOME.
    assert xdg_config_home({"XDG_CONFIG_HOME": "rel", "HOME": "/h"}) == Path("/h/.config")
    assert xdg_config_home({"HOME": "/h"}) == Path("/h/.config")


def test_xdg_enable_writes_the_file_atomically_with_mode_0644(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CONFIG_DIRS": str(tmp_path / "sys")}
    autostart = XdgAutostart(env)
    assert autostart.path == tmp_path / "cfg" / "autostart" / "respite.desktop"
    assert not autostart.is_enabled()
    autostart.enable(COMMAND)
    assert autostart.is_enabled()
    assert stat.S_IMODE(autostart.path.stat().st_mode) == 0o644
    assert autostart.path.read_text("utf-8") == desktop_entry(COMMAND)
    assert autostart.command() == COMMAND
    assert [p.name for p in autostart.path.parent.iterdir()] == ["respite.desktop"]  # no temp
    autostart.enable(["/usr/bin/respite"])  # replaces
    assert autostart.command() == ["/usr/bin/respite"]
    autostart.disable()
    assert not autostart.path.exists()
    assert not autostart.is_enabled()
    autostart.disable()  # twice is fine


@pytest.mark.parametrize(
    "line", ["Hidden=true", "X-GNOME-Autostart-enabled=false", "X-GNOME-Autostart-enabled=FALSE"]
)
def test_xdg_entry_switched_off_by_the_desktop_is_not_enabled(tmp_path: Path, line: str) -> None:
    autostart = XdgAutostart({"XDG_CONFIG_HOME": str(tmp_path), "XDG_CONFIG_DIRS": "/nonexistent"})
    autostart.enable(COMMAND)
    text = autostart.path.read_text("utf-8").replace("X-GNOME-Autostart-enabled=true\n", "")
    autostart.path.write_text(text + line + "\n", "utf-8")
    assert not autostart.is_enabled()


def test_xdg_disable_hides_a_system_wide_entry(tmp_path: Path) -> None:
    system = tmp_path / "etc-xdg"
    (system / "autostart").mkdir(parents=True)
    (system / "autostart" / "respite.desktop").write_text(desktop_entry(["/usr/bin/respite"]))
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_CONFIG_DIRS": f"relative:{system}"}
    autostart = XdgAutostart(env)
    assert autostart.is_enabled()  # from the system entry
    autostart.disable()
    assert read_desktop_entry(autostart.path.read_text("utf-8"))["Hidden"] == "true"
    assert not autostart.is_enabled()
    autostart.enable(COMMAND)
    assert autostart.is_enabled()


# --------------------------------------------------------------------------- Windows
class FakeKey:
    def __init__(self, registry: FakeWinreg, path: str) -> None:
        self.registry = registry
        self.path = path

    def __enter__(self) -> FakeKey:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeWinreg:
    """The corner of the winreg module the adapter uses, over a dict."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_QUERY_VALUE = 1
    KEY_SET_VALUE = 2
    REG_SZ = 1
    REG_EXPAND_SZ = 2
    REG_DWORD = 4

    def __init__(self) -> None:
        self.keys: dict[str, dict[str, tuple[Any, int]]] = {}
        self.calls: list[tuple[Any, ...]] = []

    def OpenKey(self, root: str, path: str, reserved: int, access: int) -> FakeKey:
        self.calls.append(("OpenKey", root, path, access))
        if f"{root}\\{path}" not in self.keys:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return FakeKey(self, f"{root}\\{path}")

    def CreateKeyEx(self, root: str, path: str, reserved: int, access: int) -> FakeKey:
        self.calls.append(("CreateKeyEx", root, path, access))
        self.keys.setdefault(f"{root}\\{path}", {})
        return FakeKey(self, f"{root}\\{path}")

    def QueryValueEx(self, key: FakeKey, name: str) -> tuple[Any, int]:
        try:
            return self.keys[key.path][name]
        except KeyError:
            raise FileNotFoundError(2, "The system cannot find the file specified") from None

    def SetValueEx(self, key: FakeKey, name: str, reserved: int, kind: int, value: Any) -> None:
        self.keys[key.path][name] = (value, kind)

    def DeleteValue(self, key: FakeKey, name: str) -> None:
        try:
            del self.keys[key.path][name]
        except KeyError:
            raise FileNotFoundError(2, "The system cannot find the file specified") from None


def test_windows_run_key_value() -> None:
    winreg = FakeWinreg()
    autostart = WindowsAutostart(winreg=winreg)
    assert not autostart.is_enabled()
    command = [r"C:\Program Files\Respite\pythonw.exe", "-m", "respite", 'say "hi"']
    autostart.enable(command)
    run = winreg.keys["HKCU\\" + RUN_KEY]
    assert RUN_KEY == r"Software\Microsoft\Windows\CurrentVersion\Run"
    assert run["Respite"] == (
        r'"C:\Program Files\Respite\pythonw.exe" -m respite "say \"hi\""',
        FakeWinreg.REG_SZ,
    )
    assert subprocess.list2cmdline(command) == run["Respite"][0]
    assert autostart.is_enabled()
    assert ("CreateKeyEx", "HKCU", RUN_KEY, FakeWinreg.KEY_SET_VALUE) in winreg.calls
    autostart.disable()
    assert "Respite" not in run
    assert not autostart.is_enabled()
    autostart.disable()  # no value: fine


def test_windows_ignores_a_value_of_the_wrong_type() -> None:
    winreg = FakeWinreg()
    winreg.keys["HKCU\\" + RUN_KEY] = {"Respite": (1, FakeWinreg.REG_DWORD)}
    assert not WindowsAutostart(winreg=winreg).is_enabled()


def test_windows_disable_without_a_run_key() -> None:
    winreg = FakeWinreg()
    autostart = WindowsAutostart(winreg=winreg)
    autostart.disable()  # nothing to remove: no error, and nothing created
    assert not autostart.is_enabled()
    assert not any(values for values in winreg.keys.values())


# --------------------------------------------------------------------------- macOS
def test_mac_launch_agent_plist_round_trip(tmp_path: Path) -> None:
    autostart = MacAutostart(home=tmp_path)
    assert autostart.path == tmp_path / "Library/LaunchAgents/org.respite.Respite.plist"
    assert not autostart.is_enabled()
    command = ["/Applications/Respite.app/Contents/MacOS/Respite", "--minimized"]
    autostart.enable(command)
    raw = autostart.path.read_bytes()
    assert raw.startswith(b"<?xml")
    assert plistlib.loads(raw) == {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": command,
        "RunAtLoad": True,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }
    assert stat.S_IMODE(autostart.path.stat().st_mode) == 0o644
    assert autostart.is_enabled()
    autostart.disable()
    assert not autostart.path.exists()
    assert not autostart.is_enabled()


def test_mac_disabled_or_broken_plist_is_not_enabled(tmp_path: Path) -> None:
    autostart = MacAutostart(home=tmp_path)
    autostart.enable(["/bin/respite"])
    agent = plistlib.loads(autostart.path.read_bytes())
    autostart.path.write_bytes(plistlib.dumps({**agent, "Disabled": True}))
    assert not autostart.is_enabled()
    autostart.path.write_bytes(b"not a plist")
    assert not autostart.is_enabled()


# --------------------------------------------------------------------------- choosing
def test_autostart_for_each_platform(tmp_path: Path) -> None:
    assert isinstance(autostart_for("linux", {"XDG_CONFIG_HOME": str(tmp_path)}), XdgAutostart)
    assert isinstance(autostart_for("freebsd14"), XdgAutostart)
    mac = autostart_for("darwin", {"HOME": str(tmp_path)})
    assert isinstance(mac, MacAutostart)
    assert mac.path.is_relative_to(tmp_path)


def test_launch_command_variants(tmp_path: Path) -> None:
    assert launch_command(executable="/v/bin/python3", frozen=False, env={}, platform="linux") == [
        "/v/bin/python3",
        "-m",
        "respite",
    ]
    assert launch_command(executable="/opt/Respite", frozen=True, env={}) == ["/opt/Respite"]
    appimage = {"APPIMAGE": "/home/me/Respite.AppImage"}
    assert launch_command(executable="/tmp/.mount/python3", env=appimage) == [
        "/home/me/Respite.AppImage"
    ]
    (tmp_path / "python.exe").write_text("")
    (tmp_path / "pythonw.exe").write_text("")
    assert launch_command(
        executable=str(tmp_path / "python.exe"), frozen=False, env={}, platform="win32"
    ) == [str(tmp_path / "pythonw.exe"), "-m", "respite"]
