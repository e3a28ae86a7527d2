"""Idle-time adapters: the pure parts, and how one is chosen."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from respite.platform.idle import (
    K_CG_ANY_INPUT_EVENT_TYPE,
    K_CG_EVENT_SOURCE_STATE_HID_SYSTEM_STATE,
    LASTINPUTINFO,
    NO_IDLE_SOURCE,
    IdleSourceUnavailable,
    MacIdleSource,
    WindowsIdleSource,
    candidates,
    choose_idle_source,
    session_type,
    ticks_since,
)


# --------------------------------------------------------------------------- Windows
def test_ticks_since_without_wrap() -> None:
    assert ticks_since(10_000, 4_000) == 6_000


def test_ticks_since_across_the_49_7_day_wrap() -> None:
    # Input 1 s before GetTickCount wrapped, asked 2 s after it wrapped: 3 s idle.
    assert ticks_since(2_000, 2**32 - 1_000) == 3_000


@given(
    last=st.integers(min_value=0, max_value=2**32 - 1),
    gap=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_ticks_since_recovers_any_gap_under_the_wrap(last: int, gap: int) -> None:
    now = (last + gap) % 2**32
    assert ticks_since(now, last) == gap


class FakeUser32:
    def __init__(self, last_input: int, ok: bool = True) -> None:
        self.last_input = last_input
        self.ok = ok
        self.sizes: list[int] = []

    def GetLastInputInfo(self, pointer: Any) -> int:
        info = pointer._obj  # what ctypes.byref() wraps
        assert isinstance(info, LASTINPUTINFO)
        self.sizes.append(info.cbSize)
        info.dwTime = self.last_input
        return 1 if self.ok else 0


class FakeKernel32:
    def __init__(self, now: int) -> None:
        self.now = now

    def GetTickCount(self) -> int:
        return self.now


def test_windows_idle_seconds_from_last_input_and_tick_count() -> None:
    user32 = FakeUser32(last_input=2**32 - 500)
    source = WindowsIdleSource(user32=user32, kernel32=FakeKernel32(now=1_000))
    assert source.idle_seconds() == 1.5
    assert user32.sizes == [ctypes.sizeof(LASTINPUTINFO)] == [8]  # UINT + DWORD


def test_windows_idle_unknown_when_get_last_input_info_fails() -> None:
    source = WindowsIdleSource(user32=FakeUser32(0, ok=False), kernel32=FakeKernel32(5))
    assert source.idle_seconds() is None


@pytest.mark.skipif(hasattr(ctypes, "WinDLL"), reason="checks the non-Windows path")
def test_windows_source_refuses_elsewhere() -> None:
    with pytest.raises(IdleSourceUnavailable, match="not Windows"):
        WindowsIdleSource()


# --------------------------------------------------------------------------- macOS
class FakeCoreGraphics:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: list[tuple[int, int]] = []

    def CGEventSourceSecondsSinceLastEventType(self, state: int, kind: int) -> float:
        self.calls.append((state, kind))
        return self.seconds


def test_mac_idle_asks_the_hid_state_for_any_input_event() -> None:
    library = FakeCoreGraphics(42.25)
    assert MacIdleSource(library=library).idle_seconds() == 42.25
    # kCGEventSourceStateHIDSystemState = 1; kCGAnyInputEventType = (CGEventType)~0
    assert library.calls == [(1, 0xFFFFFFFF)]
    assert K_CG_EVENT_SOURCE_STATE_HID_SYSTEM_STATE == 1
    assert ctypes.c_uint32(~0).value == K_CG_ANY_INPUT_EVENT_TYPE


def test_mac_idle_negative_answer_is_unknown() -> None:
    assert MacIdleSource(library=FakeCoreGraphics(-1.0)).idle_seconds() is None


@pytest.mark.skipif(sys.platform == "darwin", reason="checks the non-macOS path")
def test_mac_source_refuses_elsewhere() -> None:
    with pytest.raises(IdleSourceUnavailable, match="CoreGraphics not found"):
        MacIdleSource()


# --------------------------------------------------------------------------- choosing
@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, "wayland"),
        ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}, "wayland"),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, "x11"),
        ({"DISPLAY": ":1"}, "x11"),
        ({"XDG_SESSION_TYPE": "tty"}, ""),
        ({}, ""),
    ],
)
def test_session_type(env: dict[str, str], expected: str) -> None:
    assert session_type(env) == expected


def labels(env: dict[str, str], platform: str = "linux") -> list[str]:
    return [label for label, _factory in candidates(env, platform)]


def test_wayland_never_uses_xscreensaver() -> None:
    # XWayland's XScreenSaver sees only X11 clients' input.
    assert labels({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}) == [
        "GNOME Mutter",
        "ScreenSaver D-Bus",
    ]


def test_x11_prefers_xscreensaver_then_dbus() -> None:
    assert labels({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}) == [
        "XScreenSaver",
        "ScreenSaver D-Bus",
    ]


def test_no_display_only_tries_dbus() -> None:
    assert labels({}) == ["ScreenSaver D-Bus"]


def test_windows_and_macos_candidates() -> None:
    assert labels({"DISPLAY": ":0"}, "win32") == ["Windows"]
    assert labels({"DISPLAY": ":0"}, "darwin") == ["macOS"]


class FakeSource:
    def __init__(self, name: str, answer: float | None) -> None:
        self.name = name
        self.answer = answer
        self.closed = False
        self.asked = 0

    def idle_seconds(self) -> float | None:
        self.asked += 1
        return self.answer

    def close(self) -> None:
        self.closed = True


def test_choose_takes_the_first_source_that_answers_and_closes_the_others() -> None:
    silent = FakeSource("silent", None)
    working = FakeSource("the working one", 3.0)
    spare = FakeSource("spare", 1.0)

    def broken() -> FakeSource:
        raise IdleSourceUnavailable("libXss.so.1 not found")

    source, explanation = choose_idle_source(
        {},
        "linux",
        options=[
            ("Broken", broken),
            ("Silent", lambda: silent),
            ("Working", lambda: working),
            ("Spare", lambda: spare),
        ],
    )
    assert source is working
    assert (silent.closed, working.closed, spare.asked) == (True, False, 0)
    assert working.asked == 1  # probed exactly once
    assert explanation == (
        "Idle time comes from the working one "
        "(Broken: libXss.so.1 not found; Silent: gave no idle time)."
    )
    assert "\n" not in explanation


def test_choose_without_any_source_says_breaks_follow_the_clock() -> None:
    def raising() -> FakeSource:
        raise OSError("no bus")

    class Exploding(FakeSource):
        def idle_seconds(self) -> float | None:
            raise RuntimeError("boom")

    exploding = Exploding("exploding", None)
    source, explanation = choose_idle_source(
        {}, "linux", options=[("A", raising), ("B", lambda: exploding)]
    )
    assert source is None
    assert exploding.closed
    assert explanation == NO_IDLE_SOURCE
    assert explanation == (
        "Respite can't see keyboard or mouse activity here, so breaks are timed by the clock alone."
    )


def test_choose_on_a_headless_linux_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # No DISPLAY and no session bus: nothing to ask, and no exception.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert choose_idle_source({}, "linux") == (None, NO_IDLE_SOURCE)
