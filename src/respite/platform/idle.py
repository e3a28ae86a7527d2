"""How long since the last keyboard or mouse input: one adapter per desktop.

`choose_idle_source()` picks the first adapter that answers with a number here:

* X11: the MIT-SCREEN-SAVER extension (`XScreenSaverQueryInfo`, libXss), else the
  freedesktop ScreenSaver D-Bus service.
* Wayland: GNOME's `org.gnome.Mutter.IdleMonitor`, else the freedesktop ScreenSaver
  service (KDE answers NotSupported on Wayland). Never XScreenSaver: under XWayland it
  only sees input that went to X11 clients. (KWin and wlroots offer the Wayland protocol
  ext-idle-notify-v1, which reports crossing a threshold rather than an idle time; not
  used here.)
* Windows: `GetLastInputInfo` against `GetTickCount`.
* macOS: `CGEventSourceSecondsSinceLastEventType`.

Every adapter is called on the GUI thread and never blocks for long: D-Bus calls time
out after half a second and then answer None ("unknown right now").
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from respite.platform import _xlib

log = logging.getLogger(__name__)

DBUS_TIMEOUT = 0.5  # seconds

NO_IDLE_SOURCE = (
    "Respite can't see keyboard or mouse activity here, so breaks are timed by the clock alone."
)


class IdleSource(Protocol):
    name: str

    def idle_seconds(self) -> float | None:
        """Seconds since the last user input, or None when unknown right now."""
        ...

    def close(self) -> None:
        """Release the display or bus connection; idle_seconds() then answers None."""
        ...


class IdleSourceUnavailable(OSError):
    """The adapter cannot work in this session; the message says why."""


# --------------------------------------------------------------------------- X11
class X11IdleSource:
    """XScreenSaverQueryInfo on the X display: `info.idle` is milliseconds since input."""

    name = "the X server's screen saver extension (XScreenSaver)"

    def __init__(self, display: str | None = None) -> None:
        self._display: int | None = None
        self._info: Any = None
        try:
            self._xss = _xlib.load_xss()
            self._xlib, self._display = _xlib.open_display(display)
        except _xlib.XlibUnavailable as exc:
            raise IdleSourceUnavailable(str(exc)) from None
        event_base, error_base = ctypes.c_int(), ctypes.c_int()
        if not self._xss.XScreenSaverQueryExtension(
            self._display, ctypes.byref(event_base), ctypes.byref(error_base)
        ):
            self.close()
            raise IdleSourceUnavailable("the X server lacks the MIT-SCREEN-SAVER extension")
        self._root = self._xlib.XDefaultRootWindow(self._display)
        self._info = self._xss.XScreenSaverAllocInfo()
        if not self._info:
            self.close()
            raise IdleSourceUnavailable("XScreenSaverAllocInfo failed")

    def idle_seconds(self) -> float | None:
        display = self._display
        if display is None or not self._info:
            return None
        if not self._xss.XScreenSaverQueryInfo(display, self._root, self._info):
            return None
        if _xlib.take_error(display) is not None:
            return None
        return int(self._info.contents.idle) / 1000.0

    def close(self) -> None:
        """Free the info block and close the display; idle_seconds() then answers None."""
        if self._info:
            self._xlib.XFree(self._info)
        self._info = None
        if self._display is not None:
            _xlib.close_display(self._xlib, self._display)
        self._display = None


# --------------------------------------------------------------------------- D-Bus
class _DBusIdleSource:
    """A method returning milliseconds, on a blocking jeepney session-bus connection."""

    name = ""
    bus_name = ""
    path = ""
    interface = ""
    method = ""

    def __init__(self, bus: str = "SESSION", timeout: float = DBUS_TIMEOUT) -> None:
        self._bus = bus
        self._timeout = timeout
        self._conn: Any = None
        self._closed = False
        from respite.platform import _dbus

        self._dbus = _dbus
        try:
            self._connect()
            if not self._name_has_owner():
                raise IdleSourceUnavailable(f"nothing owns {self.bus_name} on the session bus")
        except IdleSourceUnavailable:
            self.close()
            raise

    def _connect(self) -> None:
        self._dbus.socket_path(self._bus)  # no bus: DBusUnavailable (an OSError)
        try:
            # Not jeepney's open_dbus_connection: its Hello waits without a time limit,
            # and this runs on the GUI thread, again after the bus went away.
            self._conn = self._dbus.open_connection(self._bus, lambda: None, self._timeout)
        except (OSError, TimeoutError) as exc:
            raise IdleSourceUnavailable(f"cannot connect to the session bus: {exc}") from None

    def _name_has_owner(self) -> bool:
        try:
            return self._dbus.name_has_owner(self._conn, self.bus_name, self._timeout)
        except Exception as exc:
            raise IdleSourceUnavailable(f"the session bus did not answer: {exc}") from None

    def idle_seconds(self) -> float | None:
        if self._closed:
            return None
        from jeepney import DBusAddress, new_method_call
        from jeepney.wrappers import DBusErrorResponse

        address = DBusAddress(self.path, bus_name=self.bus_name, interface=self.interface)
        message = self._dbus.no_auto_start(new_method_call(address, self.method))
        try:
            if self._conn is None:
                self._connect()  # the bus went away earlier: try once per call
            value = self._dbus.call(self._conn, message, self._timeout)[0]
        except DBusErrorResponse as exc:
            log.debug("%s: %s", self.name, exc)
            return None
        except (OSError, TimeoutError, ConnectionError) as exc:
            log.debug("%s: %s", self.name, exc)
            if self._conn is not None and not isinstance(exc, TimeoutError):
                self._conn.close()
                self._conn = None
            return None
        return int(value) / 1000.0

    def close(self) -> None:
        self._closed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class MutterIdleSource(_DBusIdleSource):
    """GNOME (X11 and Wayland): org.gnome.Mutter.IdleMonitor.GetIdletime() -> t (ms)."""

    name = "GNOME's idle monitor (org.gnome.Mutter.IdleMonitor)"
    bus_name = "org.gnome.Mutter.IdleMonitor"
    path = "/org/gnome/Mutter/IdleMonitor/Core"
    interface = "org.gnome.Mutter.IdleMonitor"
    method = "GetIdletime"


class ScreenSaverIdleSource(_DBusIdleSource):
    """KDE and others: org.freedesktop.ScreenSaver.GetSessionIdleTime() -> u (ms).

    KDE answers org.freedesktop.DBus.Error.NotSupported on Wayland, which the probe in
    `choose_idle_source` sees as "not usable".
    """

    name = "the desktop's screen saver service (org.freedesktop.ScreenSaver)"
    bus_name = "org.freedesktop.ScreenSaver"
    path = "/org/freedesktop/ScreenSaver"
    interface = "org.freedesktop.ScreenSaver"
    method = "GetSessionIdleTime"


# --------------------------------------------------------------------------- Windows
TICK_MODULUS = 1 << 32  # GetTickCount and LASTINPUTINFO.dwTime are DWORDs


def ticks_since(now_tick: int, last_input_tick: int) -> int:
    """Milliseconds from `last_input_tick` to `now_tick`, across GetTickCount's wrap.

    GetTickCount wraps to 0 after 2**32 ms (49.7 days); unsigned 32-bit subtraction
    gives the right answer as long as the gap itself is under 49.7 days.
    """
    return (now_tick - last_input_tick) % TICK_MODULUS


class LASTINPUTINFO(ctypes.Structure):
    # WinUser.h: typedef struct tagLASTINPUTINFO { UINT cbSize; DWORD dwTime; }
    _fields_ = [("cbSize", ctypes.c_uint), ("dwTime", ctypes.c_uint32)]


class WindowsIdleSource:
    """user32!GetLastInputInfo (session-wide last input tick) vs kernel32!GetTickCount.

    Both count milliseconds since boot in a DWORD, so the difference is taken modulo
    2**32 (`ticks_since`). GetLastInputInfo fails (returns 0) only on a bad cbSize.
    """

    name = "Windows (GetLastInputInfo)"

    def __init__(self, user32: Any = None, kernel32: Any = None) -> None:
        if user32 is None or kernel32 is None:
            windll = getattr(ctypes, "WinDLL", None)
            if windll is None:
                raise IdleSourceUnavailable("not Windows")
            user32 = user32 or windll("user32")
            kernel32 = kernel32 or windll("kernel32")
            user32.GetLastInputInfo.argtypes = [ctypes.POINTER(LASTINPUTINFO)]
            user32.GetLastInputInfo.restype = ctypes.c_int  # BOOL
            kernel32.GetTickCount.argtypes = []
            kernel32.GetTickCount.restype = ctypes.c_uint32  # DWORD
        self._user32 = user32
        self._kernel32 = kernel32

    def idle_seconds(self) -> float | None:
        info = LASTINPUTINFO(cbSize=ctypes.sizeof(LASTINPUTINFO), dwTime=0)
        if not self._user32.GetLastInputInfo(ctypes.byref(info)):
            return None
        now = int(self._kernel32.GetTickCount()) % TICK_MODULUS
        return ticks_since(now, int(info.dwTime)) / 1000.0

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- macOS
# CGEventTypes.h / CGEventSource.h (CoreGraphics, also re-exported by ApplicationServices)
K_CG_EVENT_SOURCE_STATE_HID_SYSTEM_STATE = 1  # CGEventSourceStateID (int32_t)
K_CG_ANY_INPUT_EVENT_TYPE = 0xFFFFFFFF  # (CGEventType)(~0), a uint32_t
MAC_FRAMEWORKS = (
    "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics",
    "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices",
)


class MacIdleSource:
    """CGEventSourceSecondsSinceLastEventType(kCGEventSourceStateHIDSystemState,
    kCGAnyInputEventType): seconds (CFTimeInterval, a double) since the last hardware
    input event. Needs no accessibility permission."""

    name = "macOS (CGEventSourceSecondsSinceLastEventType)"

    def __init__(self, library: Any = None) -> None:
        if library is None:
            library = self._load()
            function = library.CGEventSourceSecondsSinceLastEventType
            function.argtypes = [ctypes.c_int32, ctypes.c_uint32]
            function.restype = ctypes.c_double
        self._library = library

    @staticmethod
    def _load() -> Any:
        errors = []
        for path in MAC_FRAMEWORKS:
            try:
                return ctypes.CDLL(path)
            except OSError as exc:
                errors.append(str(exc))
        raise IdleSourceUnavailable("CoreGraphics not found: " + "; ".join(errors))

    def idle_seconds(self) -> float | None:
        seconds = float(
            self._library.CGEventSourceSecondsSinceLastEventType(
                K_CG_EVENT_SOURCE_STATE_HID_SYSTEM_STATE, K_CG_ANY_INPUT_EVENT_TYPE
            )
        )
        return seconds if seconds >= 0 else None

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- choosing
def session_type(env: Mapping[str, str]) -> str:
    """ "wayland", "x11" or "" (neither: a text console or a headless session)."""
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "wayland":
        return "wayland"
    if env.get("DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "x11":
        return "x11"
    return ""


Candidate = tuple[str, Callable[[], IdleSource]]


def candidates(env: Mapping[str, str], platform: str) -> list[Candidate]:
    """The adapters worth trying, best first, each with a short label for messages."""
    if platform == "win32":
        return [("Windows", WindowsIdleSource)]
    if platform == "darwin":
        return [("macOS", MacIdleSource)]
    kind = session_type(env)
    screensaver: Candidate = ("ScreenSaver D-Bus", ScreenSaverIdleSource)
    if kind == "wayland":
        # GNOME first: its ScreenSaver service has no GetSessionIdleTime.
        return [("GNOME Mutter", MutterIdleSource), screensaver]
    if kind == "x11" and env.get("DISPLAY"):
        display = env["DISPLAY"]
        return [("XScreenSaver", lambda: X11IdleSource(display)), screensaver]
    return [screensaver]


def choose_idle_source(
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
    *,
    options: list[Candidate] | None = None,
) -> tuple[IdleSource | None, str]:
    """The first adapter that answers with a number, and a one-line explanation.

    Each candidate is built and asked once; one that fails or answers None is closed
    and the next one tried. `options` replaces `candidates(env, platform)` (tests).
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    tried: list[str] = []
    for label, factory in options if options is not None else candidates(env, platform):
        try:
            source = factory()
        except (OSError, ImportError) as exc:
            tried.append(f"{label}: {exc}")
            continue
        try:
            first = source.idle_seconds()
        except Exception as exc:
            first = None
            tried.append(f"{label}: {exc}")
        else:
            if first is None:
                tried.append(f"{label}: gave no idle time")
        if first is not None:
            note = f" ({'; '.join(tried)})" if tried else ""
            explanation = f"Idle time comes from {source.name}{note}."
            log.info("%s", explanation)
            return source, explanation
        source.close()
    if tried:
        log.info("no idle-time source: %s", "; ".join(tried))
    return None, NO_IDLE_SOURCE
