"""Where Respite keeps its files: the one place paths come from (tests redirect it).

`RESPITE_CONFIG_DIR` and `RESPITE_DATA_DIR` override platformdirs' user config and
data directories; the CLI's `--config FILE` overrides the settings file itself.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from importlib.resources.abc import Traversable
from pathlib import Path

import platformdirs

APP_NAME = "respite"
SETTINGS_FILE_NAME = "settings.toml"
DATABASE_FILE_NAME = "respite.sqlite3"

private_dir_mode = 0o700
private_file_mode = 0o600


def _from_env(variable: str) -> Path | None:
    value = os.environ.get(variable, "")
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """The settings folder: $RESPITE_CONFIG_DIR, else platformdirs' user config dir."""
    return _from_env("RESPITE_CONFIG_DIR") or Path(
        platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )


def data_dir() -> Path:
    """The database folder: $RESPITE_DATA_DIR, else platformdirs' user data dir."""
    return _from_env("RESPITE_DATA_DIR") or Path(
        platformdirs.user_data_dir(APP_NAME, appauthor=False)
    )


def settings_path(override: Path | None = None) -> Path:
    """The settings file: `override` (from `--config FILE`) or config_dir()/settings.toml."""
    if override is not None:
        return override.expanduser()
    return config_dir() / SETTINGS_FILE_NAME


def database_path() -> Path:
    return data_dir() / DATABASE_FILE_NAME


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed; make it 0700 when we own it. Returns `path`.

    Only `path` itself is tightened: parents such as ~/.config keep their modes. On
    Windows, where POSIX modes do not apply, this only creates the folder.
    """
    path.mkdir(mode=private_dir_mode, parents=True, exist_ok=True)
    if sys.platform != "win32":
        info = path.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) != private_dir_mode:
            path.chmod(private_dir_mode)
    return path


def resource_file(resource: Traversable) -> Path:
    """A real file with `resource`'s contents, there for as long as the app runs.

    What reads it may do so later (a sound player in another process, after `play()`
    returned; Qt's icon engine, at each size asked for), so `importlib.resources.as_file()`
    will not do: its temporary copy is gone when the `with` block ends. An installed
    package, and the PyInstaller bundle, hold the resource as a real file, which is used
    as it is; otherwise (a zip import) it is copied to the app's cache folder (0600, the
    folder 0700), replaced whole so that nothing reads a half-written file. Raises OSError
    if the resource cannot be read or copied.
    """
    if isinstance(resource, Path) and resource.is_file():
        return resource
    data = resource.read_bytes()
    folder = ensure_private_dir(Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)))
    target = folder / resource.name
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{resource.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:  # mkstemp made it 0600
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
