"""X11 adapters against a real X server (Xvfb): idle time and the fullscreen hint."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator

import pytest

from respite.platform import _xlib
from respite.platform.fullscreen import X11FullscreenProbe, fullscreen_probe_for
from respite.platform.idle import (
    IdleSourceUnavailable,
    X11IdleSource,
    choose_idle_source,
)

if __package__:
    from .desktop import Desktop
else:  # rootdir-style import
    from desktop import Desktop  # type: ignore[no-redef]

pytestmark = pytest.mark.e2e


@pytest.fixture
def idle_source(desktop: Desktop) -> Iterator[X11IdleSource]:
    source = X11IdleSource(desktop.display)
    yield source
    source.close()


def test_x11_idle_grows_without_input_and_drops_after_a_mouse_move(
    desktop: Desktop, idle_source: X11IdleSource
) -> None:
    desktop.xdotool("mousemove_relative", "--", "5", "5")
    first = idle_source.idle_seconds()
    assert first is not None and first < 1.0
    desktop.wait_until(
        lambda: (idle_source.idle_seconds() or 0) >= first + 0.6, 5, message="idle to grow"
    )
    grown = idle_source.idle_seconds()
    desktop.xdotool("mousemove_relative", "--", "5", "5")
    after = idle_source.idle_seconds()
    assert grown is not None and after is not None
    assert after < 0.5 < grown
    # Agrees with an independent reading of the same counter.
    assert abs(desktop.idle_ms() / 1000 - (idle_source.idle_seconds() or 0)) < 1.0


def test_x11_idle_drops_after_a_key_press(desktop: Desktop, idle_source: X11IdleSource) -> None:
    desktop.wait_until(lambda: (idle_source.idle_seconds() or 0) >= 0.3, 5, message="idle")
    desktop.xdotool("key", "shift")
    assert (idle_source.idle_seconds() or 1.0) < 0.3


def test_closed_source_answers_none(desktop: Desktop) -> None:
    source = X11IdleSource(desktop.display)
    source.close()
    assert source.idle_seconds() is None
    source.close()  # twice is fine


def test_x11_idle_on_a_missing_display_is_unavailable() -> None:
    with pytest.raises(IdleSourceUnavailable, match="cannot open X display"):
        X11IdleSource(":4242")


def test_choose_picks_xscreensaver_on_x11(desktop: Desktop) -> None:
    env = {"DISPLAY": desktop.display, "XDG_SESSION_TYPE": "x11"}
    source, explanation = choose_idle_source(env, "linux")
    try:
        assert isinstance(source, X11IdleSource)
        assert explanation == (
            "Idle time comes from the X server's screen saver extension (XScreenSaver)."
        )
    finally:
        if source is not None:
            source.close()


# --------------------------------------------------------------------------- fullscreen
class FakeWindowManager:
    """Plays the EWMH window manager Xvfb lacks: makes a bare window, sets
    _NET_ACTIVE_WINDOW on the root and _NET_WM_STATE on the window (XChangeProperty)."""

    def __init__(self, display_name: str) -> None:
        self.xlib, self.display = _xlib.open_display(display_name)
        c = ctypes
        create = self.xlib.XCreateSimpleWindow
        create.restype = c.c_ulong
        create.argtypes = [c.c_void_p, c.c_ulong, c.c_int, c.c_int]
        create.argtypes += [c.c_uint] * 3 + [c.c_ulong] * 2
        self.xlib.XDestroyWindow.argtypes = [c.c_void_p, c.c_ulong]
        self.xlib.XDeleteProperty.argtypes = [c.c_void_p, c.c_ulong, c.c_ulong]
        self.xlib.XChangeProperty.argtypes = [c.c_void_p, c.c_ulong, c.c_ulong, c.c_ulong]
        self.xlib.XChangeProperty.argtypes += [c.c_int, c.c_int, c.c_void_p, c.c_int]
        self.root = int(self.xlib.XDefaultRootWindow(self.display))
        self.window = int(create(self.display, self.root, 0, 0, 1280, 800, 0, 0, 0))
        self.xlib.XSync(self.display, 0)

    def atom(self, name: str) -> int:
        return _xlib.intern_atoms(self.xlib, self.display, [name])[name]

    def _set32(self, window: int, prop: str, kind: int, values: list[int]) -> None:
        data = (ctypes.c_ulong * len(values))(*values)  # format 32 goes as C longs
        self.xlib.XChangeProperty(
            self.display, window, self.atom(prop), kind, 32, _xlib.PROP_MODE_REPLACE,
            data, len(values),
        )  # fmt: skip
        self.xlib.XSync(self.display, 0)

    def set_active(self, window: int) -> None:
        self._set32(self.root, "_NET_ACTIVE_WINDOW", _xlib.XA_WINDOW, [window])

    def clear_active(self) -> None:
        self.xlib.XDeleteProperty(self.display, self.root, self.atom("_NET_ACTIVE_WINDOW"))
        self.xlib.XSync(self.display, 0)

    def set_state(self, *atoms: str) -> None:
        values = [self.atom(name) for name in atoms]
        self._set32(self.window, "_NET_WM_STATE", _xlib.XA_ATOM, values)

    def destroy_window(self) -> None:
        self.xlib.XDestroyWindow(self.display, self.window)
        self.xlib.XSync(self.display, 0)

    def close(self) -> None:
        self.clear_active()
        _xlib.close_display(self.xlib, self.display)


@pytest.fixture
def wm(desktop: Desktop) -> Iterator[FakeWindowManager]:
    manager = FakeWindowManager(desktop.display)
    yield manager
    manager.close()


def test_fullscreen_follows_the_active_windows_ewmh_state(
    desktop: Desktop, wm: FakeWindowManager
) -> None:
    probe = fullscreen_probe_for({"DISPLAY": desktop.display}, "linux")
    assert isinstance(probe, X11FullscreenProbe)
    try:
        wm.clear_active()
        assert probe.is_fullscreen_active() is None  # no EWMH window manager: can't tell
        wm.set_active(wm.window)
        assert probe.is_fullscreen_active() is False  # no _NET_WM_STATE yet
        wm.set_state("_NET_WM_STATE_ABOVE", "_NET_WM_STATE_FULLSCREEN")
        assert probe.is_fullscreen_active() is True
        wm.set_state("_NET_WM_STATE_ABOVE")
        assert probe.is_fullscreen_active() is False
        wm.set_state("_NET_WM_STATE_MAXIMIZED_VERT", "_NET_WM_STATE_FULLSCREEN")
        assert probe.is_fullscreen_active() is True
        wm.set_active(0)
        assert probe.is_fullscreen_active() is False  # nothing focused
    finally:
        probe.close()
    assert probe.is_fullscreen_active() is None


def test_a_vanished_active_window_is_unknown_not_a_crash(
    desktop: Desktop, wm: FakeWindowManager
) -> None:
    # Xlib's default error handler would print and exit the process on this BadWindow.
    probe = X11FullscreenProbe(desktop.display)
    try:
        wm.set_active(wm.window)
        wm.set_state("_NET_WM_STATE_FULLSCREEN")
        assert probe.is_fullscreen_active() is True
        wm.destroy_window()
        assert probe.is_fullscreen_active() is None
        wm.set_active(0)
        assert probe.is_fullscreen_active() is False  # and the probe still works
    finally:
        probe.close()
