"""Packaging files: desktop entries, AppStream metadata, the wheel's resources.

The validators (desktop-file-validate, appstreamcli) are skipped when missing, unless
RESPITE_E2E_REQUIRED=1 (CI), where a missing tool fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import respite
from respite.cli import APP_ARGV0
from respite.platform import autostart
from tests.e2e.desktop import MissingPrerequisite, require, skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
LINUX = REPO_ROOT / "packaging" / "linux"
DESKTOP_FILE = LINUX / "org.respite.Respite.desktop"
AUTOSTART_FILE = LINUX / "respite-autostart.desktop"
METAINFO = LINUX / "org.respite.Respite.metainfo.xml"
APP_ID = "org.respite.Respite"


def tool(name: str) -> str:
    try:
        return require(name)
    except MissingPrerequisite as exc:
        skip_or_fail(exc)


def entry(path: Path) -> dict[str, str]:
    return autostart.read_desktop_entry(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [DESKTOP_FILE, AUTOSTART_FILE], ids=lambda p: p.name)
def test_desktop_files_pass_desktop_file_validate(path: Path) -> None:
    proc = subprocess.run([tool("desktop-file-validate"), str(path)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not re.search(r"error:|warning:", proc.stdout), proc.stdout


def test_metainfo_passes_appstreamcli_validate() -> None:
    proc = subprocess.run([tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Only infos are tolerated (e.g. <developer>, which AppStream < 1.0 does not know).
    assert not re.search(r"^[EW]: ", proc.stdout, re.MULTILINE), proc.stdout


def test_the_desktop_entry_launches_the_installed_command_and_matches_the_window() -> None:
    values = entry(DESKTOP_FILE)
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert values["Exec"] in scripts
    assert values["StartupWMClass"] == APP_ARGV0 == "respite"
    assert values["Icon"] == APP_ID
    assert values["Categories"] == "Utility;"


def test_the_metainfo_names_the_desktop_entry_binary_and_this_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    assert root.findtext("provides/binary") == entry(DESKTOP_FILE)["Exec"]
    assert root.find("content_rating") is not None
    releases = root.findall("releases/release")
    assert releases[0].get("version") == respite.__version__


def test_the_packaged_autostart_entry_is_the_one_the_app_writes() -> None:
    """Installed as $XDG_CONFIG_DIRS/autostart/respite.desktop, so the app's own switch
    (XdgAutostart) sees it as the system-wide entry and can override it."""
    packaged = entry(AUTOSTART_FILE)
    written = autostart.read_desktop_entry(autostart.desktop_entry(["respite"]))
    assert packaged["Icon"] == APP_ID
    assert packaged == written
    assert packaged["X-GNOME-Autostart-enabled"] == "true"


def test_the_app_can_switch_off_the_packaged_autostart_entry(tmp_path: Path) -> None:
    system = tmp_path / "etc" / "xdg"
    (system / "autostart").mkdir(parents=True)
    (system / "autostart" / autostart.DESKTOP_FILE_NAME).write_bytes(AUTOSTART_FILE.read_bytes())
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
           "XDG_CONFIG_DIRS": str(system)}  # fmt: skip
    adapter = autostart.XdgAutostart(env)
    assert adapter.is_enabled()
    adapter.disable()
    assert not adapter.is_enabled()
    assert (system / "autostart" / autostart.DESKTOP_FILE_NAME).exists()


def test_the_inno_setup_script_uses_the_apps_run_value_and_data_folder() -> None:
    iss = (REPO_ROOT / "packaging" / "windows" / "respite.iss").read_text(encoding="utf-8")
    registry = f'Root: HKCU; Subkey: "{autostart.RUN_KEY}"; ValueType: string; ValueName: "Respite"'
    assert registry in iss
    assert f"RegDeleteValue(HKEY_CURRENT_USER, RunKey, '{autostart.RUN_VALUE}')" in iss
    assert f"RunKey = '{autostart.RUN_KEY}';" in iss
    assert autostart.RUN_VALUE == "Respite"
    assert "{localappdata}\\respite" in iss


def test_source_code_reads_no_files_from_the_source_tree() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for path in sorted((REPO_ROOT / "src" / "respite").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "__file__" in line or "resources/" in line
    ]
    assert offenders == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO_ROOT), "--no-deps", "-q", "-w", str(out)],
        check=True,
        timeout=300,
    )
    (built,) = out.glob("respite-*.whl")
    return built


def test_the_wheel_carries_the_resources(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    icons = {f"respite/resources/icons/{p.name}" for p in (REPO_ROOT / "resources/icons").iterdir()}
    assert "respite/resources/icons/respite.svg" in icons
    assert icons <= names
    assert {"respite/resources/breaks.txt", "respite/resources/sounds/chime.wav"} <= names


CHECK_RESOURCES = """
import sys
from importlib.resources import as_file, files
from pathlib import Path

import respite
from respite.core.break_ideas import load_ideas

resources = files("respite.resources")
svg = resources.joinpath("icons", "respite.svg").read_bytes()
assert svg.lstrip().startswith(b"<svg"), svg[:40]
assert len(list(resources.joinpath("icons").iterdir())) >= 16
assert len(load_ideas()) >= 5
with as_file(resources.joinpath("sounds", "chime.wav")) as wav:
    assert Path(wav).read_bytes()[:4] == b"RIFF"
# A real file: the sound player (respite.platform.sound) reads it in place, no copy.
chime = resources.joinpath("sounds", "chime.wav")
assert isinstance(chime, Path) and chime.is_file(), repr(chime)
print(Path(respite.__file__).resolve())
"""


def test_an_installed_wheel_loads_its_resources_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        check=True,
        timeout=300,
    )  # fmt: skip
    proc = subprocess.run(
        [str(python), "-I", "-c", CHECK_RESOURCES],  # -I: no cwd, no PYTHON* variables
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    location = Path(proc.stdout.strip())
    assert env_dir.resolve() in location.parents
    assert REPO_ROOT not in location.parents
