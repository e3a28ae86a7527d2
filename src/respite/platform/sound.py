"""Play a short sound file with what the system already has: nothing loaded while idle.

The chime plays once per break. An audio stack inside the app (QtMultimedia with its
FFmpeg backend cost ≈16 MiB resident for as long as the app ran) is too dear for that,
so each platform's own player plays it and is gone afterwards:

* Linux and the BSDs: the first of `pw-play` (PipeWire), `paplay` (PulseAudio) and
  `aplay` (ALSA) found on PATH, as a child process.
* macOS: `afplay`, which ships with the system, as a child process.
* Windows: `winsound.PlaySound` (the standard library over winmm), asynchronous.

Players differ in volume options (aplay has none), so the sound file itself carries the
loudness and every player plays it at full volume.

`play()` never waits. A child runs in its own session with no terminal streams; finished
children are reaped by `reap()` (also at the start of each `play()`), which never waits
for one still playing, ends one still going after PLAYER_TIME_LIMIT (a chime lasts about
a second: that player hangs) and says whether any is left to reap later. A player that
ended with an error (say `pw-play` installed on a system that runs PulseAudio, or caught
while its sound server restarts) is passed over for the next one on PATH for
RETRY_FAILED_AFTER. When nothing can play, `play()` returns False and logs why, once per
reason; the caller falls back to the system beep.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, cast

from respite.platform.children import external_environment

log = logging.getLogger(__name__)

LINUX_PLAYERS = ("pw-play", "paplay", "aplay")
MACOS_PLAYERS = ("afplay",)
PLAYSOUND_MAX_PATH = 255  # PlaySound's pszSound holds at most 256 characters with the NUL
PLAYER_TIME_LIMIT = 10.0  # seconds
RETRY_FAILED_AFTER = 3600.0  # seconds


class SoundPlayer(Protocol):
    def play(self, path: Path) -> bool:
        """Start playing the file at `path`; True if a player started. Never waits."""
        ...

    def reap(self) -> bool:
        """Collect players that have finished, never waiting for one still playing; True
        while some are left to collect later."""
        ...


class _Child(Protocol):
    """What is used of a `subprocess.Popen`."""

    args: Any

    def poll(self) -> int | None: ...

    def kill(self) -> None: ...


class _Reasons:
    """Logs each reason why no sound played once, at info level."""

    def __init__(self) -> None:
        self._told: set[str] = set()

    def tell(self, reason: str) -> None:
        if reason not in self._told:
            self._told.add(reason)
            log.info("no sound: %s", reason)


class CommandPlayer:
    """Plays a file with the first of `names` found on PATH, as a detached child."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        which: Callable[[str], str | None] = shutil.which,
        popen: Callable[..., _Child] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.names = tuple(names)
        self._which = which
        self._popen = popen  # None: subprocess.Popen, imported when a sound plays
        self._monotonic = monotonic
        self._children: list[tuple[_Child, float]] = []  # with when each started
        self._failed: dict[str, float] = {}  # player → when it last ended with an error
        self._ended: list[_Child] = []  # players this ended, still to be collected
        self._reasons = _Reasons()

    def play(self, path: Path) -> bool:
        self.reap()
        programs = [program for program in map(self._which, self.names) if program]
        if not programs:
            self._reasons.tell(f"no sound player found ({', '.join(self.names)})")
            return False
        now = self._monotonic()
        program = next(
            (
                p
                for p in programs
                if now - self._failed.get(p, -RETRY_FAILED_AFTER) >= RETRY_FAILED_AFTER
            ),
            None,
        )
        if program is None:
            self._reasons.tell(f"every sound player failed ({', '.join(programs)})")
            return False
        import subprocess  # only when a sound plays: start-up never loads it

        popen = self._popen or subprocess.Popen
        try:
            child = popen(
                [program, str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=external_environment(),  # not a bundle's library paths
                start_new_session=True,  # no signal from our terminal or process group
            )
        except OSError as error:
            self._reasons.tell(f"could not start {program}: {error}")
            return False
        self._children.append((child, now))
        return True

    def reap(self) -> bool:
        playing: list[tuple[_Child, float]] = []
        now = self._monotonic()
        for child, started in self._children:
            status = child.poll()  # collects a finished child: no zombie left behind
            if status is None:
                if now - started > PLAYER_TIME_LIMIT and child not in self._ended:
                    self._give_up_on(child)
                playing.append((child, started))  # collected once it has ended
            elif child in self._ended:
                self._ended.remove(child)
            elif status != 0:
                self._failed[child.args[0]] = now
                self._reasons.tell(f"{child.args[0]} ended with exit status {status}")
        self._children = playing
        return bool(playing)

    def _give_up_on(self, child: _Child) -> None:
        """A player that hangs: ended, and passed over like one that failed."""
        program = child.args[0]
        self._reasons.tell(f"{program} was still playing after {PLAYER_TIME_LIMIT:g} s")
        self._failed[program] = self._monotonic()
        self._ended.append(child)
        with contextlib.suppress(OSError):  # it ended meanwhile
            child.kill()


class _Winsound(Protocol):
    SND_FILENAME: int
    SND_ASYNC: int
    SND_NODEFAULT: int

    def PlaySound(self, sound: str | None, flags: int, /) -> None: ...


class WindowsPlayer:
    """winsound.PlaySound: the file name, returning at once, never the default sound.

    SND_ASYNC returns as soon as the sound starts; SND_NODEFAULT keeps Windows from
    playing its default sound instead when the file cannot be found or played (PlaySound
    then reports failure, which winsound raises as RuntimeError).
    """

    def __init__(self, winsound: _Winsound | None = None) -> None:
        self._winsound = winsound  # None: the real module, imported when a sound plays
        self._reasons = _Reasons()

    def play(self, path: Path) -> bool:
        name = str(path)
        if len(name) > PLAYSOUND_MAX_PATH:
            self._reasons.tell(f"the sound's path is too long for PlaySound: {name}")
            return False
        if self._winsound is None:
            import winsound

            self._winsound = cast(_Winsound, winsound)
        flags = self._winsound.SND_FILENAME | self._winsound.SND_ASYNC
        try:
            self._winsound.PlaySound(name, flags | self._winsound.SND_NODEFAULT)
        except RuntimeError as error:
            self._reasons.tell(f"PlaySound failed for {name}: {error}")
            return False
        return True

    def reap(self) -> bool:
        """Nothing to collect: PlaySound plays inside this process."""
        return False


def sound_player(platform: str = sys.platform) -> SoundPlayer:
    """The player for `platform` (a `sys.platform` value)."""
    if platform == "win32":
        return WindowsPlayer()
    if platform == "darwin":
        return CommandPlayer(MACOS_PLAYERS)
    return CommandPlayer(LINUX_PLAYERS)
