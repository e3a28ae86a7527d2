"""The break window: the strict style's look, and the chime at the end of a break (played
by the platform's player, else the beep)."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPushButton

from respite.core.break_ideas import BreakIdea
from respite.core.clock import FakeClock
from respite.ui import break_window as break_window_module
from respite.ui.break_window import BACKDROP_COLOUR, STRICT_CONTENT_WIDTH, BreakWindow
from tests.processes import proc_state, wait_for

START = datetime.fromisoformat("2026-11-23T10:00:00+00:00")
BUNDLED_CHIME = files("respite.resources") / "sounds" / "chime.wav"


class FakePlayer:
    def __init__(self, works: bool = True) -> None:
        self.works = works
        self.played: list[Path] = []
        self.reaped = 0

    def play(self, path: Path) -> bool:
        self.played.append(path)
        return self.works

    def reap(self) -> bool:
        self.reaped += 1
        return self.reaped < self.playing_until_reap

    playing_until_reap = 1  # reaps until the chime's player has ended


@pytest.fixture
def beeps(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    heard: list[None] = []
    monkeypatch.setattr(QApplication, "beep", lambda: heard.append(None))
    return heard


def break_to_its_end(qtbot, **options) -> BreakWindow:
    clock = FakeClock(START)
    window = BreakWindow(clock=clock.now, **options)
    qtbot.addWidget(window)
    window.start("short", clock.now() + timedelta(minutes=1), BreakIdea("look", "Look away."))
    clock.advance(timedelta(minutes=1))
    window._update()  # the tick that reaches zero: "welcome back" and the chime
    assert window.heading.text() == "Welcome back"
    return window


def test_the_end_of_a_break_plays_the_bundled_chime(qtbot, beeps: list[None]) -> None:
    player = FakePlayer()
    break_to_its_end(qtbot, player=player)
    (path,) = player.played
    assert path.is_file()
    assert path.read_bytes() == BUNDLED_CHIME.read_bytes()
    assert beeps == []
    assert "PySide6.QtMultimedia" not in sys.modules  # no audio stack in the app


def test_the_chime_file_is_resolved_once_and_kept(qtbot, beeps: list[None]) -> None:
    player = FakePlayer()
    window = break_to_its_end(qtbot, player=player)
    window.welcome_back()
    assert len(player.played) == 2
    assert player.played[0] is player.played[1]


def test_no_player_means_the_system_beep(qtbot, beeps: list[None]) -> None:
    player = FakePlayer(works=False)
    break_to_its_end(qtbot, player=player)
    assert len(player.played) == 1
    assert beeps == [None]


def test_a_missing_chime_file_means_the_system_beep(
    qtbot, beeps: list[None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("respite.ui.break_window.files", lambda _package: tmp_path / "gone")
    player = FakePlayer()
    break_to_its_end(qtbot, player=player)
    assert player.played == []
    assert beeps == [None]


def test_sound_off_is_silent(qtbot, beeps: list[None]) -> None:
    player = FakePlayer()
    break_to_its_end(qtbot, player=player, sound=False)
    assert player.played == []
    assert beeps == []


def test_closing_the_window_reaps_the_player(qtbot, beeps: list[None]) -> None:
    player = FakePlayer()
    window = break_to_its_end(qtbot, player=player)
    assert player.reaped == 0
    window.finish()
    assert player.reaped == 1


# ----- the strict style ------------------------------------------------------------------


def contrast(first: QColor, second: QColor) -> float:
    """WCAG's contrast ratio of two colours."""

    def luminance(colour: QColor) -> float:
        channels = [colour.redF(), colour.greenF(), colour.blueF()]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def strict_break(qtbot) -> BreakWindow:
    clock = FakeClock(START)
    window = BreakWindow(strict=True, sound=False, clock=clock.now)
    qtbot.addWidget(window)
    window.start("short", clock.now() + timedelta(minutes=2), BreakIdea("eyes", "Look far."))
    return window


def test_the_strict_style_centres_the_small_break_on_the_dark_backdrop(qtbot) -> None:
    window = strict_break(qtbot)
    assert window.isFullScreen()
    image = window.grab().toImage()
    backdrop = QColor(BACKDROP_COLOUR)
    corners = [(5, 5), (image.width() - 5, image.height() - 5)]
    assert all(image.pixelColor(x, y) == backdrop for x, y in corners)  # as the other screens

    # The window's own content, its own size, in the middle: not spread over the screen.
    content = window.content.geometry()
    assert window.progress.width() <= STRICT_CONTENT_WIDTH < window.width()
    assert content.width() <= STRICT_CONTENT_WIDTH
    assert abs(content.center().x() - window.rect().center().x()) <= 1
    assert abs(content.center().y() - window.rect().center().y()) <= 1
    for button in (window.skip_button, window.done_button):
        assert content.contains(button.mapTo(window, button.rect().center()))

    for label in (window.heading, window.idea, window.countdown):  # readable on the dark
        text = label.palette().color(label.foregroundRole())
        assert contrast(text, backdrop) >= 4.5, label.text()


def test_the_strict_style_keeps_the_keyboard_and_the_buttons(qtbot) -> None:
    window = strict_break(qtbot)
    qtbot.waitUntil(lambda: window.focusWidget() is not None)  # once the window is active
    focused = window.focusWidget()
    assert focused in (window.skip_button, window.done_button)  # as in the small window
    with qtbot.waitSignal(window.skip_clicked):
        qtbot.keyClick(focused, Qt.Key.Key_Escape)  # from the focused button up to the window
    assert isinstance(focused, QPushButton)
    with qtbot.waitSignal(focused.clicked):
        qtbot.keyClick(focused, Qt.Key.Key_Space)
    with qtbot.waitSignal(window.skip_clicked):
        window.skip_button.click()
    with qtbot.waitSignal(window.done_clicked):
        window.done_button.click()


def test_the_window_style_after_a_strict_break_is_the_small_light_window_again(qtbot) -> None:
    window = strict_break(qtbot)
    window.finish()
    window.strict = False  # the settings changed meanwhile
    window.start("short", START + timedelta(minutes=2), BreakIdea("eyes", "Look far."))
    never_strict = BreakWindow(sound=False, clock=lambda: START)
    qtbot.addWidget(never_strict)
    never_strict.start("short", START + timedelta(minutes=2), BreakIdea("eyes", "Look far."))
    assert not window.isFullScreen()
    assert window.size() == never_strict.size()
    assert window.content.geometry() == window.rect()
    colour = window.palette().color(QPalette.ColorRole.Window)
    assert colour == QApplication.palette().color(QPalette.ColorRole.Window)
    assert colour != QColor(BACKDROP_COLOUR)


# ----- with a real child process --------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_chime_plays_through_pw_play_and_leaves_no_zombie(
    qtbot, beeps: list[None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "played"
    fake = bin_dir / "pw-play"
    fake.write_text(f'#!/bin/sh\n{{ echo "$$"; printf "%s\\n" "$@"; echo end; }} > "{out}"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))  # only the fake: no real player is picked

    window = break_to_its_end(qtbot)  # the platform's own player
    text = wait_for(
        lambda: out.exists() and out.read_text().endswith("\nend\n") and out.read_text(),
        "pw-play to be started",
    )
    pid, *arguments, _ = text.splitlines()
    (chime,) = arguments
    assert Path(chime).is_file()  # still there after play() returned: the player reads it
    assert Path(chime).read_bytes() == BUNDLED_CHIME.read_bytes()
    assert beeps == []
    wait_for(lambda: proc_state(int(pid)) == "Z", "pw-play to end")  # a zombie until reaped

    window.finish()  # the window closes (also on quit)
    assert proc_state(int(pid)) is None
    with pytest.raises(ChildProcessError):
        os.waitpid(int(pid), os.WNOHANG)  # nothing left to collect


def test_a_player_still_playing_when_the_window_closes_is_collected_later(
    qtbot, beeps: list[None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(break_window_module, "REAP_AGAIN_MS", 10)
    player = FakePlayer()
    player.playing_until_reap = 3  # still playing at the first two reaps
    window = break_to_its_end(qtbot, player=player)

    window.finish()

    qtbot.waitUntil(lambda: player.reaped == 3, timeout=2000)
    qtbot.wait(50)
    assert player.reaped == 3  # no more asking once it has been collected
