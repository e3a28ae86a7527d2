"""Is the user in a fullscreen app (a presentation, a video call, a game)? Then a nudge
should wait. `is_fullscreen_active()` answers True, False, or None for "can't tell".

* X11: the EWMH hints. The root window's `_NET_ACTIVE_WINDOW` names the focused client
  window; its `_NET_WM_STATE` lists `_NET_WM_STATE_FULLSCREEN` while it is fullscreen.
  Without a window manager that sets `_NET_ACTIVE_WINDOW` the answer is None. Windows
  that cover the screen without the hint are not guessed at.
* Wayland: no protocol tells a client about other clients' windows: None.
* Windows: shell32!SHQueryUserNotificationState; QUNS_BUSY (a fullscreen app),
  QUNS_RUNNING_D3D_FULL_SCREEN and QUNS_PRESENTATION_MODE mean True.
* macOS: None. No public API reports another app's fullscreen state: Spaces are
  private (CGS*), and CGWindowListCopyWindowInfo only gives window bounds, which cannot
  tell a fullscreen Space from a large window without guessing.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping
from typing import Any, Protocol

from respite.platform import _xlib


class FullscreenProbe(Protocol):
    def is_fullscreen_active(self) -> bool | None: ...

    def close(self) -> None: ...


class FullscreenUnavailable(OSError):
    """The probe cannot work here; the message says why."""


class NullFullscreenProbe:
    """Always "can't tell", with the reason for the log."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def is_fullscreen_active(self) -> bool | None:
        return None

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- X11
def ewmh_fullscreen(
    active_window: list[int] | None, wm_state: list[int] | None, fullscreen_atom: int
) -> bool | None:
    """Decode the two properties: `active_window` is the root's _NET_ACTIVE_WINDOW
    (None if unset: no EWMH window manager), `wm_state` that window's _NET_WM_STATE."""
    if not active_window:
        return None
    if active_window[0] == 0:  # nothing has focus, e.g. the desktop
        return False
    return fullscreen_atom in (wm_state or [])


class X11FullscreenProbe:
    """Reads the EWMH properties over an Xlib display connection opened once."""

    ATOMS = ("_NET_ACTIVE_WINDOW", "_NET_WM_STATE", "_NET_WM_STATE_FULLSCREEN")

    def __init__(self, display: str | None = None) -> None:
        self._display: int | None = None
        try:
            self._xlib, self._display = _xlib.open_display(display)
        except _xlib.XlibUnavailable as exc:
            raise FullscreenUnavailable(str(exc)) from None
        self._root = int(self._xlib.XDefaultRootWindow(self._display))
        self._atoms = _xlib.intern_atoms(self._xlib, self._display, self.ATOMS)

    def is_fullscreen_active(self) -> bool | None:
        display = self._display
        if display is None:
            return None
        try:
            active = _xlib.get_property32(
                self._xlib, display, self._root, self._atoms["_NET_ACTIVE_WINDOW"]
            )
            state = None
            if active and active[0]:
                state = _xlib.get_property32(
                    self._xlib, display, active[0], self._atoms["_NET_WM_STATE"]
                )
        except _xlib.XError:
            return None  # e.g. the active window vanished between the two reads
        return ewmh_fullscreen(active, state, self._atoms["_NET_WM_STATE_FULLSCREEN"])

    def close(self) -> None:
        if self._display is not None:
            _xlib.close_display(self._xlib, self._display)
        self._display = None


# --------------------------------------------------------------------------- Windows
# shellapi.h: typedef enum QUERY_USER_NOTIFICATION_STATE
QUNS_NOT_PRESENT = 1  # screen saver running, machine locked, or a fast user switch
QUNS_BUSY = 2  # a fullscreen application is running (or Presentation Settings apply)
QUNS_RUNNING_D3D_FULL_SCREEN = 3  # a fullscreen (exclusive mode) Direct3D app
QUNS_PRESENTATION_MODE = 4  # the user turned on presentation mode
QUNS_ACCEPTS_NOTIFICATIONS = 5  # none of the above
QUNS_QUIET_TIME = 6  # Windows 7+: the first hour after a user's first login
QUNS_APP = 7  # Windows 8+: a Windows Store app is running (not necessarily fullscreen)

_QUNS_FULLSCREEN = {QUNS_BUSY, QUNS_RUNNING_D3D_FULL_SCREEN, QUNS_PRESENTATION_MODE}


def quns_fullscreen(state: int) -> bool | None:
    """Map a QUERY_USER_NOTIFICATION_STATE to fullscreen-or-not (None if unknown)."""
    if state in _QUNS_FULLSCREEN:
        return True
    if state in (QUNS_NOT_PRESENT, QUNS_ACCEPTS_NOTIFICATIONS, QUNS_QUIET_TIME, QUNS_APP):
        return False
    return None


class WindowsFullscreenProbe:
    """HRESULT SHQueryUserNotificationState(QUERY_USER_NOTIFICATION_STATE *pquns)."""

    def __init__(self, shell32: Any = None) -> None:
        if shell32 is None:
            windll = getattr(ctypes, "WinDLL", None)
            if windll is None:
                raise FullscreenUnavailable("not Windows")
            shell32 = windll("shell32")
            shell32.SHQueryUserNotificationState.argtypes = [ctypes.POINTER(ctypes.c_int)]
            shell32.SHQueryUserNotificationState.restype = ctypes.c_long  # HRESULT
        self._shell32 = shell32

    def is_fullscreen_active(self) -> bool | None:
        state = ctypes.c_int(0)
        result = int(self._shell32.SHQueryUserNotificationState(ctypes.byref(state)))
        if result < 0:  # FAILED(hr)
            return None
        return quns_fullscreen(state.value)

    def close(self) -> None:
        pass


def fullscreen_probe_for(
    env: Mapping[str, str] | None = None, platform: str | None = None
) -> FullscreenProbe:
    """The probe for this desktop; a NullFullscreenProbe (with its reason) if none works."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "win32":
        try:
            return WindowsFullscreenProbe()
        except OSError as exc:
            return NullFullscreenProbe(f"SHQueryUserNotificationState unavailable: {exc}")
    if platform == "darwin":
        return NullFullscreenProbe("macOS offers no public API for other apps' fullscreen state")
    if env.get("WAYLAND_DISPLAY") or env.get("XDG_SESSION_TYPE", "").lower() == "wayland":
        return NullFullscreenProbe("Wayland does not tell clients about other windows")
    if not env.get("DISPLAY"):
        return NullFullscreenProbe("no X display")
    try:
        return X11FullscreenProbe(env["DISPLAY"])
    except OSError as exc:
        return NullFullscreenProbe(str(exc))
