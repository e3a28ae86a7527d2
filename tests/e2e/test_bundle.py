"""The Linux PyInstaller bundle, built by packaging/linux/build.sh, on a private desktop.

Slow: the build makes its own virtualenv (a non-editable install of this checkout plus
PyInstaller) and freezes the app, about half a minute with a warm pip cache.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import respite

if __package__:
    from .desktop import Desktop
else:
    from desktop import Desktop  # type: ignore[no-redef]

REPO_ROOT = Path(__file__).resolve().parents[2]
ICON_WINDOW = re.compile(r'"respite": \("respite" "respite"\)\s+(\d+)x(\d+)\S*\s+\+(\d+)\+(\d+)')

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/ of a fresh build.sh run (its log is printed when the build fails)."""
    root = tmp_path_factory.mktemp("bundle")
    env = {
        **os.environ,
        "PYTHON": sys.executable,
        "RESPITE_BUILD_DIR": str(root / "build"),
        "RESPITE_DIST_DIR": str(root / "dist"),
    }
    started = time.monotonic()
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "packaging" / "linux" / "build.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    took = time.monotonic() - started
    assert proc.returncode == 0, f"build.sh failed after {took:.0f}s:\n{proc.stdout}\n{proc.stderr}"
    print(f"packaging/linux/build.sh took {took:.0f}s")
    return root / "dist"


def test_the_prefix_tree_holds_the_bundle_and_the_desktop_files(built: Path) -> None:
    stage = built / "linux"
    assert os.readlink(stage / "bin" / "respite") == "../lib/respite/respite"
    assert (stage / "share/applications/org.respite.Respite.desktop").is_file()
    assert (stage / "share/metainfo/org.respite.Respite.metainfo.xml").is_file()
    assert (stage / "etc/xdg/autostart/respite.desktop").is_file()
    icons = stage / "share/icons/hicolor"
    assert (icons / "scalable/apps/org.respite.Respite.svg").is_file()
    for size in (16, 22, 24, 32, 48, 64, 128, 256):
        png = (icons / f"{size}x{size}/apps/org.respite.Respite.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == size  # IHDR width
    resources = built / "respite" / "_internal" / "respite" / "resources"
    assert (resources / "sounds" / "chime.wav").is_file()
    assert (resources / "breaks.txt").is_file()
    assert not list((built / "respite").rglob("libQt6WebEngine*"))


def test_the_bundle_answers_version(built: Path) -> None:
    proc = subprocess.run([str(built / "linux" / "bin" / "respite"), "--version"],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"respite {respite.__version__}"


def test_the_smoke_test_passes(built: Path) -> None:
    """What loads on first use works frozen: packaging/pyinstaller/smoke_test.sh (calendars,
    reminders, hooks, secrets, time zones; and, with the build's Python, which has
    PyInstaller, the bundle's modules and run-time hooks)."""
    python = built.parent / "build" / "venv-linux" / "bin" / "python"
    smoke_test = REPO_ROOT / "packaging" / "pyinstaller" / "smoke_test.sh"
    proc = subprocess.run(["bash", str(smoke_test), str(built / "respite")],
                          env={**os.environ, "PYTHON": str(python)},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    assert "module list SKIPPED" not in proc.stdout, proc.stdout


def test_the_bundle_docks_in_the_tray_and_quits_from_its_menu(
    built: Path, desktop: Desktop, tmp_path: Path
) -> None:
    binary = built / "respite" / "respite"
    config, data = tmp_path / "config", tmp_path / "data"
    env = desktop.child_env({"RESPITE_CONFIG_DIR": str(config), "RESPITE_DATA_DIR": str(data)})
    process = desktop.spawn([str(binary), "-v"], name="bundle", env=env)
    try:
        desktop.wait_until(
            lambda: ICON_WINDOW.search(desktop.run(["xwininfo", "-root", "-tree"]).stdout),
            timeout=30,
            message=f"the bundle's icon in trayer; log:\n{desktop.log('bundle')}",
        )
        status = subprocess.run([str(binary), "status", "--json"], env=env,
                                capture_output=True, text=True, timeout=30)  # fmt: skip
        assert json.loads(status.stdout)["running"] is True, status.stderr
        time.sleep(0.5)  # trayer places the icon after embedding it
        match = ICON_WINDOW.search(desktop.run(["xwininfo", "-root", "-tree"]).stdout)
        assert match is not None
        width, height, x, y = map(int, match.groups())
        shot = desktop.screenshot("bundle-tray-icon.png")
        colours = desktop.run(["convert", str(shot), "-crop", f"16x16+{x + width // 2 - 8}+"
                               f"{y + height // 2 - 8}", "+repage", "-format", "%k",
                               "info:"]).stdout  # fmt: skip
        assert int(colours) > 3, "the icon area is blank: the bundle drew no icon"

        desktop.xdotool("mousemove", str(x + width // 2), str(y + height // 2), "click", "3")
        time.sleep(0.8)
        desktop.screenshot("bundle-tray-menu.png")
        desktop.xdotool("key", "q")  # "&Quit"
        assert process.wait(timeout=20) == 0, desktop.log("bundle")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    log = desktop.log("bundle")
    assert "Traceback" not in log, log
