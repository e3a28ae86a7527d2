"""What the programs Respite starts see of its environment, in a bundle and out of one."""

from __future__ import annotations

import os
import sys

import pytest

from respite.platform.children import external_environment

BUNDLE = "/opt/respite/_internal"
USER = {"HOME": "/home/me", "LANG": "en_GB.UTF-8", "PATH": "/usr/local/bin:/usr/bin"}


def test_outside_a_bundle_everything_passes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    env = {**USER, "LD_LIBRARY_PATH": "/home/me/lib", "QT_PLUGIN_PATH": "/usr/lib/qt6"}
    assert external_environment(env) == env
    assert external_environment() == dict(os.environ)


def test_the_bundles_library_path_goes_and_the_users_own_comes_back() -> None:
    env = {
        **USER,
        "LD_LIBRARY_PATH": f"{BUNDLE}:/home/me/lib",
        "LD_LIBRARY_PATH_ORIG": "/home/me/lib",
    }
    assert external_environment(env, BUNDLE) == {**USER, "LD_LIBRARY_PATH": "/home/me/lib"}


def test_a_library_path_only_the_bootloader_set_goes() -> None:
    assert external_environment({**USER, "LD_LIBRARY_PATH": BUNDLE}, BUNDLE) == USER


def test_bundle_folders_leave_the_path_lists_and_the_users_stay() -> None:
    env = {
        **USER,
        "PATH": f"{BUNDLE}:/usr/local/bin:{BUNDLE}/bin:/usr/bin",
        "QT_PLUGIN_PATH": f"{BUNDLE}/PySide6/Qt/plugins",
        "QML2_IMPORT_PATH": f"{BUNDLE}/PySide6/Qt/qml",
        "DYLD_LIBRARY_PATH": f"/opt/homebrew/lib:{BUNDLE}",
    }
    assert external_environment(env, BUNDLE) == {
        **USER,
        "PATH": "/usr/local/bin:/usr/bin",
        "DYLD_LIBRARY_PATH": "/opt/homebrew/lib",
    }


def test_a_folder_that_only_starts_like_the_bundle_stays() -> None:
    env = {**USER, "PATH": f"{BUNDLE}-tools:/usr/bin"}
    assert external_environment(env, BUNDLE)["PATH"] == f"{BUNDLE}-tools:/usr/bin"


def test_pyinstallers_own_state_stays_behind() -> None:
    env = {**USER, "_PYI_APPLICATION_HOME_DIR": BUNDLE, "_PYI_PARENT_PROCESS_LEVEL": "1"}
    assert external_environment(env, BUNDLE) == USER


def test_in_a_bundle_the_process_environment_is_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", BUNDLE, raising=False)
    monkeypatch.setenv("LD_LIBRARY_PATH", BUNDLE)
    monkeypatch.delenv("LD_LIBRARY_PATH_ORIG", raising=False)
    assert "LD_LIBRARY_PATH" not in external_environment()
    assert os.environ["LD_LIBRARY_PATH"] == BUNDLE  # the app's own stays as it is
