"""Where Respite keeps its files: the one place paths come from (tests redirect it).

`RESPITE_CONFIG_DIR` and `RESPITE_DATA_DIR` override platformdirs' user config and
data directories; the CLI's `--config FILE` overrides the settings file itself.
"""

from __future__ import annotations

import os
import stat
import sys
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
