"""The sound adapter: which player plays, how it is started and reaped, the resource file."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from respite.platform.children import external_environment
from respite.platform.sound import (
    LINUX_PLAYERS,
    PLAYER_TIME_LIMIT,
    RETRY_FAILED_AFTER,
    CommandPlayer,
    WindowsPlayer,
    sound_player,
)
from tests.processes import proc_state, wait_for

CHIME = Path("/somewhere/chime.wav")


def found(*names: str) -> Callable[[str], str | None]:
    """A `shutil.which` that knows only these programs, in /usr/bin."""
    return lambda name: f"/usr/bin/{name}" if name in names else None


class FakeChild:
    def __init__(self, args: list[str], **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs
        self.returncode: int | None = None  # None: still playing
        self.polls = 0

    def poll(self) -> int | None:
        self.polls += 1
        return self.returncode

    def kill(self) -> None:
        self.killed = True
        self.returncode = -9  # as Popen reports SIGKILL once collected

    killed = False


class FakePopen:
    def __init__(self, error: OSError | None = None) -> None:
        self.error = error
        self.started: list[FakeChild] = []

    def __call__(self, args: list[str], **kwargs: Any) -> FakeChild:
        if self.error is not None:
            raise self.error
        child = FakeChild(args, **kwargs)
        self.started.append(child)
        return child


def told(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "respite.platform.sound"]


# ----- which player ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "kind", "names"),
    [
        ("linux", CommandPlayer, ("pw-play", "paplay", "aplay")),
        ("freebsd14", CommandPlayer, ("pw-play", "paplay", "aplay")),
        ("darwin", CommandPlayer, ("afplay",)),
        ("win32", WindowsPlayer, None),
    ],
)
def test_each_platform_gets_its_player(platform: str, kind: type, names: Any) -> None:
    player = sound_player(platform)
    assert type(player) is kind
    if names is not None:
        assert isinstance(player, CommandPlayer) and player.names == names


@pytest.mark.parametrize(
    ("on_path", "chosen"),
    [
        (("pw-play", "paplay", "aplay"), "/usr/bin/pw-play"),
        (("paplay", "aplay"), "/usr/bin/paplay"),
        (("aplay", "pw-play"), "/usr/bin/pw-play"),  # the order is the player's, not PATH's
        (("aplay",), "/usr/bin/aplay"),
    ],
)
def test_the_first_linux_player_on_path_plays(on_path: tuple[str, ...], chosen: str) -> None:
    popen = FakePopen()
    player = CommandPlayer(LINUX_PLAYERS, which=found(*on_path), popen=popen)
    assert player.play(CHIME) is True
    assert [child.args for child in popen.started] == [[chosen, str(CHIME)]]


def test_a_player_is_started_detached_without_a_shell_or_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/respite/_internal", raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/respite/_internal")  # a bundle's, as frozen
    popen = FakePopen()
    CommandPlayer(("afplay",), which=found("afplay"), popen=popen).play(CHIME)
    (child,) = popen.started
    assert child.args == ["/usr/bin/afplay", str(CHIME)]  # a list: no shell parses it
    assert child.kwargs == {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
        "env": external_environment(),  # the system's library paths, not the bundle's
        "start_new_session": True,
    }


def test_no_player_means_false_and_one_line_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    popen = FakePopen()
    player = CommandPlayer(LINUX_PLAYERS, which=found(), popen=popen)
    assert player.play(CHIME) is False
    assert player.play(CHIME) is False
    assert popen.started == []
    assert told(caplog) == ["no sound: no sound player found (pw-play, paplay, aplay)"]


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory"),  # gone since it was found
        PermissionError(13, "Permission denied"),
    ],
)
def test_a_player_that_fails_to_start_means_false(
    error: OSError, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    player = CommandPlayer(LINUX_PLAYERS, which=found("paplay"), popen=FakePopen(error))
    assert player.play(CHIME) is False
    assert player.play(CHIME) is False
    assert told(caplog) == [f"no sound: could not start /usr/bin/paplay: {error}"]


# ----- reaping --------------------------------------------------------------------------


def test_finished_children_are_reaped_and_playing_ones_kept() -> None:
    popen = FakePopen()
    player = CommandPlayer(LINUX_PLAYERS, which=found("aplay"), popen=popen)
    player.play(CHIME)
    first = popen.started[0]
    player.reap()  # still playing: kept, asked again later
    assert first.polls == 1
    player.play(CHIME)  # the next play looks at it first
    assert first.polls == 2
    first.returncode = 0
    player.reap()
    assert first.polls == 3  # poll() is what collects the finished child's status
    player.reap()
    assert first.polls == 3  # collected once, then forgotten
    second = popen.started[1]
    assert second.polls == 2  # still playing: asked at each reap since it started


def test_a_player_that_ends_with_an_error_is_passed_over_for_the_next(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    popen = FakePopen()
    player = CommandPlayer(LINUX_PLAYERS, which=found("pw-play", "paplay"), popen=popen)
    assert player.play(CHIME)
    popen.started[-1].returncode = 1  # e.g. pw-play with no PipeWire server
    assert player.play(CHIME)  # reaps the failure first, then tries the next player
    assert [child.args[0] for child in popen.started] == ["/usr/bin/pw-play", "/usr/bin/paplay"]
    popen.started[-1].returncode = 0
    assert player.play(CHIME)  # a player that worked stays chosen
    assert popen.started[-1].args[0] == "/usr/bin/paplay"
    assert told(caplog) == ["no sound: /usr/bin/pw-play ended with exit status 1"]


class Seconds:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_player_still_going_after_the_time_limit_is_ended_and_passed_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    popen, seconds = FakePopen(), Seconds()
    player = CommandPlayer(
        LINUX_PLAYERS, which=found("pw-play", "aplay"), popen=popen, monotonic=seconds
    )
    player.play(CHIME)
    hung = popen.started[0]
    seconds.now += PLAYER_TIME_LIMIT - 1
    assert player.reap() and not hung.killed  # a slow chime is left to play

    seconds.now += 2
    assert player.reap() and hung.killed  # ended; collected at the next look
    assert not player.reap()
    assert player.play(CHIME) and popen.started[-1].args[0] == "/usr/bin/aplay"
    assert told(caplog) == ["no sound: /usr/bin/pw-play was still playing after 10 s"]


def test_a_failed_player_is_tried_again_after_a_while() -> None:
    popen, seconds = FakePopen(), Seconds()
    player = CommandPlayer(LINUX_PLAYERS, which=found("pw-play"), popen=popen, monotonic=seconds)
    player.play(CHIME)
    popen.started[-1].returncode = 1  # its sound server was restarting, say
    seconds.now += 30 * 60
    assert not player.play(CHIME)  # half an hour later: still passed over

    seconds.now += RETRY_FAILED_AFTER
    assert player.play(CHIME)
    assert len(popen.started) == 2


def test_when_every_player_failed_there_is_no_sound_and_one_line_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    popen = FakePopen()
    player = CommandPlayer(LINUX_PLAYERS, which=found("aplay"), popen=popen)
    assert player.play(CHIME)
    popen.started[-1].returncode = 1
    assert not player.play(CHIME)
    assert not player.play(CHIME)
    assert len(popen.started) == 1
    assert told(caplog) == [
        "no sound: /usr/bin/aplay ended with exit status 1",
        "no sound: every sound player failed (/usr/bin/aplay)",
    ]


def fake_player_script(folder: Path, name: str, out: Path, hold: Path | None = None) -> None:
    """A `name` on PATH that writes its pid, arguments, session and stdin to `out`, the
    last line "end"; with `hold` (a FIFO) it then waits for a line from it, then exits.
    Shell built-ins only: PATH holds nothing else."""
    script = folder / name
    script.write_text(
        f"""#!/bin/sh
{{
  echo "$$"
  for argument in "$@"; do echo "arg=$argument"; done
  read -r stat < /proc/$$/stat
  set -- ${{stat##*") "}}
  echo "session=$4"
  if [ /proc/$$/fd/0 -ef /dev/null ]; then echo "stdin=null"; else echo "stdin=other"; fi
  echo end
}} > "{out}"
{f'read -r _ < "{hold}"' if hold else ""}
"""
    )
    script.chmod(0o755)


def report(out: Path) -> dict[str, list[str]] | None:
    """What the fake player wrote, once it has written all of it."""
    if not out.exists() or not out.read_text().endswith("\nend\n"):
        return None
    pid, *lines, _ = out.read_text().splitlines()
    facts: dict[str, list[str]] = {"pid": [pid]}
    for line in lines:
        key, _, value = line.partition("=")
        facts.setdefault(key, []).append(value)
    return facts


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_real_player_runs_detached_and_is_reaped_on_the_next_play(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    out = tmp_path / "played"
    hold = tmp_path / "hold"
    os.mkfifo(hold)
    fake_player_script(bin_dir, "paplay", out, hold)
    monkeypatch.setenv("PATH", str(bin_dir))  # no real player can be picked instead
    chime = tmp_path / "chime.wav"
    chime.write_bytes(b"RIFF")
    player = CommandPlayer(LINUX_PLAYERS)
    held = os.open(hold, os.O_RDWR | os.O_NONBLOCK)  # a writer that never blocks on open
    # Should play() wait for its player, this lets the player go after 10 s (the test
    # then fails below, as the player has ended) instead of hanging for ever.
    watchdog = threading.Timer(10, os.write, (held, b"go\n"))
    watchdog.daemon = True
    watchdog.start()
    try:
        assert player.play(chime) is True
        facts = wait_for(lambda: report(out), "the player's report")
        pid = int(facts["pid"][0])
        assert proc_state(pid) not in (None, "Z")  # play() returned while it plays
        assert facts["arg"] == [str(chime)]
        assert facts["session"] == [str(pid)] != [str(os.getsid(0))]  # its own session
        assert facts["stdin"] == ["null"]

        player.reap()  # never waits for a player still playing
        assert proc_state(pid) not in (None, "Z")
        watchdog.cancel()
        os.write(held, b"go\n")
    finally:
        watchdog.cancel()
        os.close(held)
    wait_for(lambda: proc_state(pid) == "Z", "the player to end")  # a zombie until reaped

    out.unlink()
    fake_player_script(bin_dir, "paplay", out)  # the next one does not wait
    assert player.play(chime) is True
    assert proc_state(pid) is None  # the next play reaped the first
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # nothing left to collect
    second = int(wait_for(lambda: report(out), "the second player's report")["pid"][0])
    wait_for(lambda: proc_state(second) == "Z", "the second player to end")
    player.reap()
    assert proc_state(second) is None


# ----- Windows --------------------------------------------------------------------------


def fake_winsound(error: RuntimeError | None = None) -> SimpleNamespace:
    """The winsound module with Windows' own flag values (playsoundapi.h)."""
    calls: list[tuple[str | None, int]] = []

    def play_sound(sound: str | None, flags: int, /) -> None:
        calls.append((sound, flags))
        if error is not None:
            raise error

    return SimpleNamespace(
        SND_ASYNC=0x0001,
        SND_NODEFAULT=0x0002,
        SND_FILENAME=0x00020000,
        SND_MEMORY=0x0004,
        SND_LOOP=0x0008,
        PlaySound=play_sound,
        calls=calls,
    )


def test_windows_plays_the_file_asynchronously_with_no_default_sound() -> None:
    winsound = fake_winsound()
    player = WindowsPlayer(winsound)
    path = Path("C:/Program Files/Respite/_internal/respite/resources/sounds/chime.wav")
    assert player.play(path) is True
    assert winsound.calls == [(str(path), 0x00020003)]  # FILENAME | ASYNC | NODEFAULT
    player.reap()  # nothing to collect
    assert len(winsound.calls) == 1


def test_windows_failure_means_false_and_one_line_in_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    player = WindowsPlayer(fake_winsound(RuntimeError("Failed to play sound")))
    assert player.play(CHIME) is False
    assert player.play(CHIME) is False
    assert told(caplog) == [f"no sound: PlaySound failed for {CHIME}: Failed to play sound"]


def test_windows_refuses_a_path_playsound_cannot_hold() -> None:
    winsound = fake_winsound()
    player = WindowsPlayer(winsound)
    assert player.play(Path("C:/" + "x" * 249 + ".wav")) is False  # 256 characters
    assert winsound.calls == []
    assert player.play(Path("C:/" + "x" * 248 + ".wav")) is True  # 255 and the NUL
    assert len(winsound.calls) == 1


@pytest.mark.skipif(sys.platform != "win32", reason="the real winsound module")
def test_the_real_winsound_has_the_flags_used() -> None:
    import winsound

    flags = winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT
    assert flags == 0x00020003
