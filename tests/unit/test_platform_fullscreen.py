"""Fullscreen probes: decoding the EWMH hints and Windows' notification state."""

from __future__ import annotations

import ctypes
import struct
from typing import Any

import pytest

from respite.platform import _xlib
from respite.platform.fullscreen import (
    QUNS_ACCEPTS_NOTIFICATIONS,
    QUNS_APP,
    QUNS_BUSY,
    QUNS_NOT_PRESENT,
    QUNS_PRESENTATION_MODE,
    QUNS_QUIET_TIME,
    QUNS_RUNNING_D3D_FULL_SCREEN,
    NullFullscreenProbe,
    WindowsFullscreenProbe,
    ewmh_fullscreen,
    fullscreen_probe_for,
    quns_fullscreen,
)

FULLSCREEN = 301
ABOVE = 302


def test_ewmh_active_window_in_fullscreen() -> None:
    assert ewmh_fullscreen([0x400007], [ABOVE, FULLSCREEN], FULLSCREEN) is True


def test_ewmh_active_window_not_fullscreen() -> None:
    assert ewmh_fullscreen([0x400007], [ABOVE], FULLSCREEN) is False
    assert ewmh_fullscreen([0x400007], [], FULLSCREEN) is False
    assert ewmh_fullscreen([0x400007], None, FULLSCREEN) is False  # no _NET_WM_STATE


def test_ewmh_nothing_focused_is_not_fullscreen() -> None:
    assert ewmh_fullscreen([0], None, FULLSCREEN) is False


def test_ewmh_without_an_ewmh_window_manager_is_unknown() -> None:
    assert ewmh_fullscreen(None, None, FULLSCREEN) is None
    assert ewmh_fullscreen([], None, FULLSCREEN) is None


def test_format32_data_comes_as_c_longs() -> None:
    size = ctypes.sizeof(ctypes.c_long)
    code = {4: "I", 8: "Q"}[size]
    raw = struct.pack(f"={code}{code}", 301, 0xFFFFFFFF)
    assert _xlib.decode_format32(raw, 2) == [301, 0xFFFFFFFF]
    assert _xlib.decode_format32(b"", 0) == []
    with pytest.raises(ValueError, match="cannot hold"):
        _xlib.decode_format32(raw[:size], 2)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (QUNS_NOT_PRESENT, False),
        (QUNS_BUSY, True),
        (QUNS_RUNNING_D3D_FULL_SCREEN, True),
        (QUNS_PRESENTATION_MODE, True),
        (QUNS_ACCEPTS_NOTIFICATIONS, False),
        (QUNS_QUIET_TIME, False),
        (QUNS_APP, False),
        (99, None),
    ],
)
def test_quns_mapping(state: int, expected: bool | None) -> None:
    assert quns_fullscreen(state) is expected
    assert (QUNS_BUSY, QUNS_RUNNING_D3D_FULL_SCREEN, QUNS_PRESENTATION_MODE) == (2, 3, 4)


class FakeShell32:
    def __init__(self, state: int, hresult: int = 0) -> None:
        self.state = state
        self.hresult = hresult

    def SHQueryUserNotificationState(self, pointer: Any) -> int:
        pointer._obj.value = self.state
        return self.hresult


def test_windows_probe() -> None:
    assert WindowsFullscreenProbe(FakeShell32(QUNS_BUSY)).is_fullscreen_active() is True
    probe = WindowsFullscreenProbe(FakeShell32(QUNS_ACCEPTS_NOTIFICATIONS))
    assert probe.is_fullscreen_active() is False
    e_fail = -0x7FFFBFFB  # 0x80004005 as a signed HRESULT
    assert WindowsFullscreenProbe(FakeShell32(2, e_fail)).is_fullscreen_active() is None


@pytest.mark.parametrize(
    ("env", "platform", "reason"),
    [
        ({"DISPLAY": ":0"}, "darwin", "macOS"),
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "linux", "Wayland"),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", "Wayland"),
        ({}, "linux", "no X display"),
    ],
)
def test_probe_choice_says_why_it_cannot_tell(
    env: dict[str, str], platform: str, reason: str
) -> None:
    probe = fullscreen_probe_for(env, platform)
    assert isinstance(probe, NullFullscreenProbe)
    assert reason in probe.reason
    assert probe.is_fullscreen_active() is None


def test_probe_choice_with_an_unreachable_x_display() -> None:
    probe = fullscreen_probe_for({"DISPLAY": ":4242"}, "linux")
    assert isinstance(probe, NullFullscreenProbe)
    assert ":4242" in probe.reason
