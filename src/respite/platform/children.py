"""The environment of the programs Respite starts: hooks' commands and the sound player.

A PyInstaller bundle points its own environment into the bundle so that its copies of
libraries and Qt plugins are found first: the bootloader prepends the bundle to
LD_LIBRARY_PATH (keeping the value it found in LD_LIBRARY_PATH_ORIG), run-time hooks may
add bundle folders to PATH, DYLD_LIBRARY_PATH, QT_PLUGIN_PATH or QML2_IMPORT_PATH, and
PyInstaller keeps its own state in _PYI_* variables. A system program started with all
that (curl, notify-send, paplay) could load the bundle's libraries instead of its own,
and a program that is itself a PyInstaller bundle would misread the _PYI_* state.
PyInstaller's documentation ("Launching External Programs from the Frozen Application")
asks for exactly this clean-up. Outside a bundle the environment passes on as it is.

Not covered: on Windows the bootloader also calls SetDllDirectoryW for the whole
process, which its children inherit; undoing it would also change where the app itself
finds DLLs it loads later.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import PurePath

PATH_LISTS = ("PATH", "DYLD_LIBRARY_PATH", "QT_PLUGIN_PATH", "QML2_IMPORT_PATH")


def external_environment(
    environ: Mapping[str, str] | None = None, bundle: str | None = None
) -> dict[str, str]:
    """A copy of `environ` (the process's) for a program that is not part of Respite.

    `bundle` is the PyInstaller bundle's folder; by default `sys._MEIPASS`, which only a
    bundle has.
    """
    env = dict(os.environ if environ is None else environ)
    bundle = bundle or getattr(sys, "_MEIPASS", None)
    if bundle is None:
        return env
    original = env.pop("LD_LIBRARY_PATH_ORIG", None)
    if original is not None:
        env["LD_LIBRARY_PATH"] = original
    else:  # the bootloader made it: there was none before
        env.pop("LD_LIBRARY_PATH", None)
    for name in PATH_LISTS:
        if name in env:
            kept = [part for part in env[name].split(os.pathsep) if not _inside(part, bundle)]
            if any(kept):
                env[name] = os.pathsep.join(kept)
            else:
                del env[name]
    for name in [name for name in env if name.startswith("_PYI_")]:
        del env[name]
    return env


def _inside(path: str, folder: str) -> bool:
    return bool(path) and PurePath(path).is_relative_to(folder)
