"""Where Respite keeps its files (respite.paths)."""

from __future__ import annotations

import os
import stat
import sys
import zipfile
from pathlib import Path

import platformdirs
import pytest

from respite import paths

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_environment_overrides_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPITE_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("RESPITE_DATA_DIR", str(tmp_path / "data"))
    assert paths.config_dir() == tmp_path / "conf"
    assert paths.data_dir() == tmp_path / "data"
    assert paths.settings_path() == tmp_path / "conf" / "settings.toml"
    assert paths.database_path() == tmp_path / "data" / "respite.sqlite3"


def test_overrides_expand_the_home_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPITE_CONFIG_DIR", "~/respite-conf")
    assert paths.config_dir() == Path.home() / "respite-conf"


def test_without_overrides_platformdirs_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESPITE_CONFIG_DIR")
    monkeypatch.setenv("RESPITE_DATA_DIR", "")  # empty counts as unset
    assert paths.config_dir() == Path(platformdirs.user_config_dir("respite", appauthor=False))
    assert paths.data_dir() == Path(platformdirs.user_data_dir("respite", appauthor=False))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders")
def test_linux_folders_follow_xdg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESPITE_CONFIG_DIR")
    monkeypatch.delenv("RESPITE_DATA_DIR")
    assert paths.settings_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "respite/settings.toml"
    assert paths.database_path() == Path(os.environ["XDG_DATA_HOME"]) / "respite/respite.sqlite3"


def test_asking_for_paths_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESPITE_CONFIG_DIR", str(tmp_path / "conf"))
    monkeypatch.setenv("RESPITE_DATA_DIR", str(tmp_path / "data"))
    paths.settings_path()
    paths.database_path()
    assert not (tmp_path / "conf").exists()
    assert not (tmp_path / "data").exists()


def test_config_option_overrides_the_settings_file(tmp_path: Path) -> None:
    chosen = tmp_path / "elsewhere.toml"
    assert paths.settings_path(chosen) == chosen
    assert paths.settings_path(Path("~/x.toml")) == Path.home() / "x.toml"


@posix_only
def test_ensure_private_dir_creates_0700(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    assert paths.ensure_private_dir(target) == target
    assert target.is_dir()
    assert mode(target) == 0o700
    assert paths.ensure_private_dir(target) == target  # and again is fine
    assert mode(target) == 0o700


@posix_only
def test_ensure_private_dir_tightens_our_own_folder_only(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    parent.chmod(0o755)
    target = parent / "respite"
    target.mkdir()
    target.chmod(0o775)
    paths.ensure_private_dir(target)
    assert mode(target) == 0o700
    assert mode(parent) == 0o755


@posix_only
def test_ensure_private_dir_leaves_other_peoples_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    monkeypatch.setattr(os, "getuid", lambda: shared.stat().st_uid + 1)
    paths.ensure_private_dir(shared)
    assert mode(shared) == 0o755


def test_private_file_mode() -> None:
    assert paths.private_file_mode == 0o600


# ----- resources as real files ----------------------------------------------------------


def test_a_resource_that_is_a_real_file_is_used_where_it_is(tmp_path: Path) -> None:
    resource = tmp_path / "package" / "chime.wav"
    resource.parent.mkdir()
    resource.write_bytes(b"RIFF....WAVE")
    assert paths.resource_file(resource) == resource
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "respite").exists()  # nothing copied


def test_a_resource_in_a_zip_is_copied_once_to_a_private_cache_file(tmp_path: Path) -> None:
    archive = tmp_path / "respite.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("respite/resources/sounds/chime.wav", b"RIFF....WAVE chime")
    resource = zipfile.Path(archive, "respite/resources/sounds/chime.wav")

    path = paths.resource_file(resource)
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "respite"
    assert path == cache / "chime.wav"
    assert path.read_bytes() == b"RIFF....WAVE chime"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert paths.resource_file(resource) == path  # again: the same file, whole
    assert path.read_bytes() == b"RIFF....WAVE chime"
    assert sorted(p.name for p in cache.iterdir()) == ["chime.wav"]  # no temporary left


def test_a_missing_resource_raises_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        paths.resource_file(tmp_path / "gone.wav")
    archive = tmp_path / "respite.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("other.txt", b"")
    with pytest.raises(OSError):
        paths.resource_file(zipfile.Path(archive, "chime.wav"))
