"""Suite-wide isolation: no test reads or writes the real home, config or keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Before any test module imports Qt: without a display Qt would abort on the xcb plugin.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME, the XDG dirs and Respite's own dirs at a fresh temporary tree."""
    home = tmp_path / "home"
    dirs = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CACHE_HOME": home / ".cache",
        "RESPITE_CONFIG_DIR": tmp_path / "respite-config",
        "RESPITE_DATA_DIR": tmp_path / "respite-data",
        "XDG_RUNTIME_DIR": tmp_path / "runtime",
    }
    for name, path in dirs.items():
        path.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(path))
    dirs["XDG_RUNTIME_DIR"].chmod(0o700)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("QT_QPA_PLATFORM") or "offscreen")
    return home
