"""A throw-away Linux desktop for end-to-end tests.

``Desktop.start(root)`` brings up, all private to the test run:

* a D-Bus session bus (``dbus-daemon --session``),
* an X server on a free display (``Xvfb -displayfd``, 1280x800x24, screen saver off),
* an XEmbed tray host (``trayer``, top right, 200x32 pixels),
* a notification server (``dunst``) whose context menu is answered by a small script
  instead of dmenu, so a test can pick a notification action by its label.

Child processes get ``Desktop.env``: that display and bus, ``QT_QPA_PLATFORM=xcb`` and a
private HOME / XDG / Respite config and data tree, so nothing touches the real session.
See /work/shared/INTEGRATION.md for the facts this is built on.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import datetime as dt
import glob
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
SCREEN_WIDTH, SCREEN_HEIGHT = 1280, 800
TRAY_WIDTH, TRAY_HEIGHT = 200, 32

# Which Debian package provides each tool, for the "missing prerequisite" message.
APT_PACKAGE = {
    "Xvfb": "xvfb",
    "xdpyinfo": "x11-utils",
    "xwininfo": "x11-utils",
    "xset": "x11-xserver-utils",
    "xdotool": "xdotool",
    "trayer": "trayer",
    "dunst": "dunst",
    "dunstctl": "dunst",
    "dbus-daemon": "dbus-daemon",
    "gdbus": "libglib2.0-bin",
    "import": "imagemagick",
    "gnome-keyring-daemon": "gnome-keyring",
    "secret-tool": "libsecret-tools",
    "xprintidle": "xprintidle",
    "libfaketimeMT.so.1": "libfaketime",
    "libXss.so.1": "libxss1",
}
DESKTOP_BINARIES = (
    "Xvfb",
    "xdpyinfo",
    "xset",
    "xdotool",
    "trayer",
    "dunst",
    "dunstctl",
    "dbus-daemon",
    "gdbus",
    "import",
)

T = TypeVar("T")


class MissingPrerequisite(RuntimeError):
    """A tool the end-to-end harness needs is not installed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.package = APT_PACKAGE.get(name, name)
        super().__init__(
            f"end-to-end prerequisite {name!r} not found; install the Debian package "
            f"{self.package!r} (bash scripts/test.sh installs everything when run as root)"
        )


class DesktopError(AssertionError):
    """A harness command failed, or something did not happen in time."""


def e2e_required() -> bool:
    """True when a missing prerequisite must fail the run (RESPITE_E2E_REQUIRED=1 or CI)."""
    return os.environ.get("RESPITE_E2E_REQUIRED") == "1" or os.environ.get("CI") == "true"


def skip_or_fail(exc: MissingPrerequisite) -> NoReturn:
    """Skip the current test for a missing tool, or fail it when e2e_required()."""
    import pytest

    if e2e_required():
        pytest.fail(f"{exc} [RESPITE_E2E_REQUIRED=1: not skipping]", pytrace=False)
    pytest.skip(str(exc))


def require(binary: str) -> str:
    """Absolute path of ``binary``, or raise MissingPrerequisite."""
    path = shutil.which(binary)
    if path is None:
        raise MissingPrerequisite(binary)
    return path


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition",
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that.

    Exceptions of the types in ``ignore`` count as "not yet". After ``timeout`` seconds
    raise DesktopError naming ``message`` and the last value (or exception) seen.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = predicate()
        except ignore as exc:
            last = exc
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise DesktopError(
                f"timed out after {timeout:.1f}s waiting for {message} (last: {last!r})"
            )
        time.sleep(interval)


def _command_error(cmd: Sequence[str], proc: subprocess.CompletedProcess[str]) -> DesktopError:
    return DesktopError(
        f"command {' '.join(cmd)!r} exited with {proc.returncode}\n"
        f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}"
    )


def _unwrap_dbus_json(value: Any) -> Any:
    """dunstctl prints GVariants as {"type": ..., "data": ...}; keep only the data."""
    if isinstance(value, dict) and set(value) == {"type", "data"}:
        return _unwrap_dbus_json(value["data"])
    if isinstance(value, dict):
        return {key: _unwrap_dbus_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unwrap_dbus_json(item) for item in value]
    return value


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; raise ValueError if it is not a PNG."""
    head = Path(path).read_bytes()[:24]
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


# --------------------------------------------------------------------------- X idle time
class _XScreenSaverInfo(ctypes.Structure):
    _fields_ = [
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("event_mask", ctypes.c_ulong),
    ]


def _load_library(soname: str, short: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(short)
        if found is None:
            raise MissingPrerequisite(soname) from None
        return ctypes.CDLL(found)


def x_idle_ms(display: str) -> int:
    """Milliseconds since the last input on ``display`` (XScreenSaverQueryInfo)."""
    xlib = _load_library("libX11.so.6", "X11")
    xss = _load_library("libXss.so.1", "Xss")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    xss.XScreenSaverAllocInfo.restype = ctypes.POINTER(_XScreenSaverInfo)
    xss.XScreenSaverQueryInfo.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.POINTER(_XScreenSaverInfo),
    ]
    dpy = xlib.XOpenDisplay(display.encode())
    if not dpy:
        raise DesktopError(f"cannot open X display {display}")
    try:
        info = xss.XScreenSaverAllocInfo()
        try:
            if not xss.XScreenSaverQueryInfo(dpy, xlib.XDefaultRootWindow(dpy), info):
                raise DesktopError(f"XScreenSaverQueryInfo failed on {display}")
            return int(info.contents.idle)
        finally:
            xlib.XFree(info)
    finally:
        xlib.XCloseDisplay(dpy)


def x_selection_owner(display: str, selection: str) -> int:
    """Window id owning an X selection (0 if none), e.g. ``_NET_SYSTEM_TRAY_S0``."""
    xlib = _load_library("libX11.so.6", "X11")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XGetSelectionOwner.restype = ctypes.c_ulong
    xlib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = xlib.XOpenDisplay(display.encode())
    if not dpy:
        raise DesktopError(f"cannot open X display {display}")
    try:
        atom = xlib.XInternAtom(dpy, selection.encode(), 0)
        return int(xlib.XGetSelectionOwner(dpy, atom))
    finally:
        xlib.XCloseDisplay(dpy)


# --------------------------------------------------------------------------- libfaketime
def find_libfaketime() -> Path:
    """Path of libfaketimeMT.so.1 (any architecture), or raise MissingPrerequisite."""
    candidates = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    candidates += [
        "/usr/lib/faketime/libfaketimeMT.so.1",
        "/usr/local/lib/faketime/libfaketimeMT.so.1",
    ]
    if shutil.which("dpkg"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            listing = subprocess.run(
                ["dpkg", "-L", "libfaketime"], capture_output=True, text=True, timeout=10
            ).stdout
            candidates += [
                line for line in listing.splitlines() if line.endswith("/libfaketimeMT.so.1")
            ]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return Path(candidate)
    raise MissingPrerequisite("libfaketimeMT.so.1")


class FakeClock:
    """Moves the wall clock of child processes started with ``clock.env``.

    libfaketime re-reads ``timestamp_file`` on every time call (FAKETIME_NO_CACHE=1), so
    ``set(...)`` takes effect at once in running processes. The monotonic clock is left
    alone (FAKETIME_DONT_FAKE_MONOTONIC=1), like a real wall-clock jump, so Qt timers
    keep their pace.

    Caveat (libfaketime 0.9.10): with the monotonic clock left alone, Python's
    ``time.sleep()`` in the child fails with EINVAL (clock_nanosleep TIMER_ABSTIME on
    CLOCK_MONOTONIC is mangled); ``threading.Event.wait``, ``select`` and Qt's event loop
    work. Pass ``fake_monotonic=True`` to move the monotonic clock too.
    """

    def __init__(self, directory: Path, *, fake_monotonic: bool = False) -> None:
        self.library = find_libfaketime()
        directory.mkdir(parents=True, exist_ok=True)
        self.timestamp_file = directory / "faketime.rc"
        self.timestamp_file.write_text("+0\n", encoding="utf-8")
        dont = "0" if fake_monotonic else "1"
        self.env = {
            "LD_PRELOAD": str(self.library),
            "FAKETIME_TIMESTAMP_FILE": str(self.timestamp_file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": dont,  # the name libfaketime >= 0.9.7 reads
            "DONT_FAKE_MONOTONIC": dont,  # older releases
        }

    def set(self, when: dt.datetime | float) -> None:
        """Make the children's clock read ``when`` now and tick on from there.

        ``when`` is a datetime (naive = this process's local time) or a Unix timestamp.
        Written as an offset from the real clock ("+N" seconds), which, unlike
        "@YYYY-MM-DD hh:mm:ss", does not depend on when each process re-reads the file.
        """
        target = when.timestamp() if isinstance(when, dt.datetime) else float(when)
        self.set_offset(target - time.time())

    def set_offset(self, seconds: float) -> None:
        """Make the children's clock run ``seconds`` ahead of (negative: behind) real time."""
        self.write_spec(f"{seconds:+.6f}")

    def write_spec(self, spec: str) -> None:
        """Write a raw libfaketime spec: "+3600", "-1d", "@2026-11-23 16:59:50", ..."""
        tmp = self.timestamp_file.with_suffix(".tmp")
        tmp.write_text(spec + "\n", encoding="utf-8")
        tmp.replace(self.timestamp_file)  # atomic: a reader never sees an empty file

    def reset(self) -> None:
        self.set_offset(0.0)


# --------------------------------------------------------------------------- the desktop
_DMENU_SCRIPT = """\
#!{python}
# Stands in for dmenu in dunst's context menu: prints the menu line for the label in
# {choice}; records the menu and the answer in {result}.
import contextlib, json, os, pathlib, sys
menu = [line.rstrip("\\n") for line in sys.stdin]
label = pathlib.Path({choice!r}).read_text(encoding="utf-8").strip()
exact = [line for line in menu if line.startswith("#" + label + " (")]
loose = [line for line in menu if label and label in line]
chosen = (exact or loose or [""])[0]
tmp = pathlib.Path({result!r} + ".tmp")
tmp.write_text(json.dumps({{"menu": menu, "label": label, "chosen": chosen}}), encoding="utf-8")
tmp.replace({result!r})
# dunst reads once and closes the pipe: the answer must go out in one write.
with contextlib.suppress(BrokenPipeError):
    if chosen:
        os.write(1, (chosen + "\\n").encode())
"""


class Desktop:
    """A running private desktop. Build with ``Desktop.start(root)``; end with ``stop()``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.logs = root / "logs"
        self.display = ""
        self.bus_address = ""
        self.env: dict[str, str] = {}
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self._log_files: list[IO[bytes]] = []
        self._choice_file = root / "dunst" / "dmenu-choice"
        self._result_file = root / "dunst" / "dmenu-result.json"

    # ----------------------------------------------------------------- life cycle
    @classmethod
    def start(cls, root: Path) -> Desktop:
        for binary in DESKTOP_BINARIES:
            require(binary)
        desktop = cls(root)
        try:
            desktop._start()
        except BaseException:
            desktop.stop()
            raise
        return desktop

    def _start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = self._base_env()
        self._start_xvfb()
        self._start_dbus()
        self.run(["xset", "s", "off"])
        self.run(["xset", "s", "noblank"])
        self.spawn(
            [
                "trayer",
                "--edge", "top",
                "--align", "right",
                "--widthtype", "pixel",
                "--width", str(TRAY_WIDTH),
                "--heighttype", "pixel",
                "--height", str(TRAY_HEIGHT),
                "--transparent", "false",
                "--expand", "false",
            ],
            name="trayer",
        )  # fmt: skip
        self._start_dunst()
        wait_until(self.tray_available, 10, message="trayer to own _NET_SYSTEM_TRAY_S0")

    def _base_env(self) -> dict[str, str]:
        home = self.root / "home"
        dirs = {
            "HOME": home,
            "XDG_CONFIG_HOME": home / ".config",
            "XDG_DATA_HOME": home / ".local" / "share",
            "XDG_STATE_HOME": home / ".local" / "state",
            "XDG_CACHE_HOME": home / ".cache",
            "XDG_RUNTIME_DIR": self.root / "run",
            "RESPITE_CONFIG_DIR": self.root / "respite-config",
            "RESPITE_DATA_DIR": self.root / "respite-data",
        }
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"WAYLAND_DISPLAY", "SESSION_MANAGER", "DBUS_SYSTEM_BUS_ADDRESS"}
            and not key.startswith(("XDG_SESSION", "XDG_CURRENT", "GNOME_", "KDE_", "QT_"))
            and not key.startswith("PYTEST_")
        }
        for key, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[key] = str(path)
        dirs["XDG_RUNTIME_DIR"].chmod(0o700)
        env.update(
            QT_QPA_PLATFORM="xcb",
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
            PYTHONUNBUFFERED="1",
            NO_AT_BRIDGE="1",
        )
        return env

    def _start_xvfb(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            self.spawn(
                [
                    "Xvfb",
                    "-displayfd", str(write_fd),
                    "-screen", "0", f"{SCREEN_WIDTH}x{SCREEN_HEIGHT}x24",
                    "-nolisten", "tcp",
                    "-noreset",
                ],
                name="xvfb",
                pass_fds=(write_fd,),
            )  # fmt: skip
            os.close(write_fd)
            write_fd = -1
            number = b""
            deadline = time.monotonic() + 20
            while not number.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                ready, _, _ = select.select([read_fd], [], [], max(remaining, 0))
                chunk = os.read(read_fd, 16) if ready else b""
                if not chunk:
                    raise DesktopError(
                        f"Xvfb did not report a display; see {self.logs / 'xvfb.log'}"
                    )
                number += chunk
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        self.display = f":{int(number)}"
        self.env["DISPLAY"] = self.display
        wait_until(
            lambda: self.run(["xdpyinfo"], check=False, timeout=5).returncode == 0,
            15,
            message=f"Xvfb on {self.display}",
        )

    def _start_dbus(self) -> None:
        # --nofork keeps the daemon our child, so it is reaped and cannot outlive stop().
        # It starts with DISPLAY set: a service the bus auto-activates can reach the X server.
        proc = self.spawn(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            name="dbus",
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        address = proc.stdout.readline().decode().strip() if ready else ""
        proc.stdout.close()
        if not address:
            raise DesktopError(f"dbus-daemon printed no address; see {self.logs / 'dbus.log'}")
        self.bus_address = address
        self.env["DBUS_SESSION_BUS_ADDRESS"] = address

    def _start_dunst(self) -> None:
        config_dir = self.root / "dunst"
        config_dir.mkdir(parents=True, exist_ok=True)
        dmenu = config_dir / "dmenu"
        dmenu.write_text(
            _DMENU_SCRIPT.format(
                python=sys.executable, choice=str(self._choice_file), result=str(self._result_file)
            ),
            encoding="utf-8",
        )
        dmenu.chmod(0o755)
        self._choice_file.write_text("", encoding="utf-8")
        config = config_dir / "dunstrc"
        config.write_text(self._dunstrc(dmenu), encoding="utf-8")
        self.spawn(["dunst", "-config", str(config)], name="dunst")
        # Ask the bus, never org.freedesktop.Notifications itself: a call to that name
        # before dunst owns it makes the bus auto-start a second dunst.
        wait_until(
            lambda: self.name_has_owner("org.freedesktop.Notifications"),
            15,
            message="dunst to own org.freedesktop.Notifications",
        )

    @staticmethod
    def _dunstrc(dmenu: Path) -> str:
        try:
            base = Path("/etc/xdg/dunst/dunstrc").read_text(encoding="utf-8")
        except OSError:
            base = "[global]\n    dmenu = /usr/bin/dmenu -p dunst:\n"
        lines = []
        for line in base.splitlines():
            key = line.strip().split("=", 1)[0].strip()
            if key == "dmenu":
                line = f"    dmenu = {dmenu}"
            elif key == "timeout":
                # Notifications stay until closed: no test races dunst's 10 s timeout.
                # Notify's expire_timeout, when the app sets one, still wins.
                line = "    timeout = 0"
            lines.append(line)
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        """Terminate everything this desktop started, newest first."""
        # Each child leads its own process group (start_new_session): signal the group,
        # so whatever it started goes too.
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for _name, proc in reversed(self._procs):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            if proc.stdout is not None:
                proc.stdout.close()
        self._procs.clear()
        for log in self._log_files:
            log.close()
        self._log_files.clear()

    def __enter__(self) -> Desktop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- processes
    def child_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(self.env)
        if extra:
            env.update(extra)
        return env

    def run(
        self,
        cmd: Sequence[str],
        *,
        check: bool = True,
        timeout: float = 30,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in this desktop (``env`` adds to ``self.env``); capture text output."""
        proc = subprocess.run(
            list(cmd),
            env=self.child_env(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise _command_error(cmd, proc)
        return proc

    def spawn(
        self,
        cmd: Sequence[str],
        *,
        name: str,
        env: Mapping[str, str] | None = None,
        stdout: int | None = None,
        pass_fds: Iterable[int] = (),
        cwd: Path | None = None,
        stdin: bytes | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a background process; output goes to ``logs/<name>.log`` (see ``log``).

        ``stdin`` bytes are written to the process and its stdin closed. The desktop
        terminates the process in ``stop()``; a test may end it earlier itself.
        """
        log = (self.logs / f"{name}.log").open("ab")
        self._log_files.append(log)
        proc = subprocess.Popen(
            list(cmd),
            env=self.child_env(env),
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=log if stdout is None else stdout,
            stderr=log,
            pass_fds=tuple(pass_fds),
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest only
        )
        self._procs.append((name, proc))
        if proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(stdin or b"")
            proc.stdin.close()
        return proc

    def log(self, name: str) -> str:
        """What a process started with ``spawn(name=...)`` has printed so far."""
        path = self.logs / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def xdotool(self, *args: str) -> str:
        return self.run(["xdotool", *args]).stdout.strip()

    def dunstctl(self, *args: str) -> str:
        return self.run(["dunstctl", *args]).stdout.strip()

    def gdbus_call(self, dest: str, path: str, method: str, *args: str) -> str:
        cmd = ["gdbus", "call", "--session", "--dest", dest, "--object-path", path]
        return self.run([*cmd, "--method", method, *args]).stdout.strip()

    def name_has_owner(self, name: str) -> bool:
        reply = self.gdbus_call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            name,
        )
        return reply == "(true,)"

    # ----------------------------------------------------------------- looking
    def wait_until(
        self,
        predicate: Callable[[], T],
        timeout: float = 10.0,
        interval: float = 0.05,
        message: str = "condition",
        ignore: tuple[type[BaseException], ...] = (),
    ) -> T:
        return wait_until(predicate, timeout, interval, message, ignore)

    def screenshot(self, path: str | Path) -> Path:
        """Save the whole screen as PNG; a relative path goes under test-artifacts/."""
        target = Path(path)
        if not target.is_absolute():
            target = ARTIFACTS_DIR / target
        if target.suffix.lower() != ".png":
            target = target.with_name(target.name + ".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.run(["import", "-window", "root", str(target)])
        return target

    def idle_ms(self) -> int:
        """Milliseconds since the last keyboard or mouse input on this display."""
        if shutil.which("xprintidle"):
            return int(self.run(["xprintidle"]).stdout.strip())
        return x_idle_ms(self.display)

    def tray_available(self) -> bool:
        """True while a system tray (trayer) owns the _NET_SYSTEM_TRAY_S0 selection."""
        return x_selection_owner(self.display, "_NET_SYSTEM_TRAY_S0") != 0

    def window_ids(self, *search: str) -> list[str]:
        """``xdotool search`` (e.g. ``"--name", "Respite"``); [] when nothing matches."""
        proc = self.run(["xdotool", "search", *search], check=False)
        return proc.stdout.split()

    def window_geometry(self, window_id: str) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window, in root coordinates."""
        values: dict[str, int] = {}
        for line in self.xdotool("getwindowgeometry", "--shell", window_id).splitlines():
            key, _, value = line.partition("=")
            if value.lstrip("-").isdigit():
                values[key] = int(value)
        return values["X"], values["Y"], values["WIDTH"], values["HEIGHT"]

    # ----------------------------------------------------------------- notifications
    def notification_history(self) -> list[dict[str, Any]]:
        """Closed notifications dunst keeps (newest first): summary, body, appname, id, ..."""
        data = _unwrap_dbus_json(json.loads(self.dunstctl("history")))
        return [item for group in data for item in group]

    def notification_count(self, which: str = "displayed") -> int:
        """``dunstctl count displayed|history|waiting``."""
        return int(self.dunstctl("count", which))

    def close_notifications(self) -> None:
        """Close every shown notification (they move to the history)."""
        self.dunstctl("close-all")

    def choose_dunst_action(self, label: str, timeout: float = 5.0) -> str:
        """Invoke the action labelled ``label`` through dunst's context menu.

        dunst then emits ActionInvoked to the client that sent the notification (and
        keeps the popup open). Returns the menu line chosen, e.g.
        ``"#Snooze 5 min (Break time) [2,snooze]"``. Only displayed notifications offer
        their actions.
        """
        if self.notification_count("displayed") == 0:
            raise DesktopError(f"cannot choose {label!r}: dunst displays no notification")
        self._result_file.unlink(missing_ok=True)
        self._choice_file.write_text(label, encoding="utf-8")
        self.dunstctl("context")
        wait_until(
            self._result_file.exists,
            timeout,
            message="dunst to open its context menu (does a displayed notification have actions?)",
        )
        result = json.loads(self._result_file.read_text(encoding="utf-8"))
        if not result["chosen"]:
            raise DesktopError(f"no notification action labelled {label!r}; menu: {result['menu']}")
        return str(result["chosen"])

    # ----------------------------------------------------------------- keyring
    def start_keyring(self, password: str = "respite-test") -> None:
        """Run an unlocked gnome-keyring (Secret Service) on this desktop's bus.

        Children then need ``PYTHON_KEYRING_BACKEND`` unset or set to
        ``keyring.backends.SecretService.Keyring`` (``self.env`` sets the null backend).
        """
        require("gnome-keyring-daemon")
        if self.name_has_owner("org.freedesktop.secrets"):
            return
        self.spawn(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            name="gnome-keyring",
            stdin=password.encode(),  # --unlock reads the password from stdin
        )
        wait_until(
            lambda: self.name_has_owner("org.freedesktop.secrets"),
            15,
            message="gnome-keyring-daemon to own org.freedesktop.secrets",
        )
