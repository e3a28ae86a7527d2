"""Privacy of the real app: private files, a socket only its user can open, no network,
and no secret in any file Respite writes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import sys
from pathlib import Path

import pytest

from .headless import REPO, Headless, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux", reason="POSIX modes and /proc"),
]
SECRET = "s3cr3t-planted-7f1d9c2b-do-not-leak"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_data_folder_and_every_file_in_it_are_private(tmp_path: Path) -> None:
    os.umask(0o022)
    app = Headless(tmp_path).start()
    try:
        assert app.cli("win", "a private win").returncode == 0
        assert mode(app.data) == 0o700
        files = [p for p in app.data.rglob("*") if p.is_file() or p.is_socket()]
        names = {p.name for p in files}
        for wanted in ("respite.sqlite3", "respite.sqlite3-wal", "respite.sqlite3-shm"):
            assert wanted in names, names
        assert "respite.log" in names, names
        for path in files:
            if path.name == "respite.lock":
                continue  # see test_the_instance_lock_file_is_private
            allowed = 0o700 if path.is_socket() else 0o600
            assert mode(path) & ~allowed == 0, f"{path} is {oct(mode(path))}"
        for folder in [p for p in app.data.rglob("*") if p.is_dir()]:
            assert mode(folder) == 0o700, f"{folder} is {oct(mode(folder))}"
    finally:
        assert app.stop() == 0


def test_the_instance_lock_file_is_private(tmp_path: Path) -> None:
    os.umask(0o022)
    app = Headless(tmp_path).start()
    try:
        assert mode(app.data / "respite.lock") == 0o600
    finally:
        assert app.stop() == 0


def test_an_old_world_readable_log_file_is_tightened(tmp_path: Path) -> None:
    app = Headless(tmp_path)
    app.log_file.parent.mkdir(parents=True)
    app.log_file.write_text("an older Respite's log\n")
    app.log_file.chmod(0o644)
    app.start()
    assert app.stop() == 0
    assert mode(app.log_file) == 0o600
    assert app.log_file.read_text().startswith("an older Respite's log\n")


def _connect_as_nobody(path: Path) -> int:
    """0: connected; 13: refused (EACCES); other: something else went wrong."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.connect(str(path))
            code = 0
        except PermissionError:
            code = 13
        except BaseException:
            code = 98
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_the_socket_refuses_another_user(tmp_path: Path) -> None:
    app = Headless(tmp_path).start()
    try:
        sockets = [p for p in app.data.rglob("*") if p.is_socket()]
        assert len(sockets) == 1, sockets
        path = sockets[0]
        assert mode(path) & 0o077 == 0, oct(mode(path))
        assert mode(path.parent) == 0o700
        if os.geteuid() == 0:
            # root may connect anyway; another user must not
            assert _connect_as_nobody(path) == 13
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as own:
            own.connect(str(path))  # its own user still can
    finally:
        assert app.stop() == 0


def _inet_inodes() -> set[str]:
    inodes = set()
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6"):
        path = Path("/proc/net") / table
        if path.exists():
            for line in path.read_text().splitlines()[1:]:
                inodes.add(line.split()[9])
    return inodes


def test_no_network_socket_is_ever_opened(tmp_path: Path) -> None:
    app = Headless(tmp_path)
    strace = shutil.which("strace")
    trace = tmp_path / "strace.log"
    # strace from exec, threads and children included; without it, /proc alone
    prefix = [strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace)] if strace else []
    app.start(wait=False, prefix=prefix)
    assert app.process is not None
    pid = app.process.pid
    try:
        wait_until(app.running, 30, "respite answering")
        for args in (("win", "no network please"), ("status",), ("snooze", "1m"), ("pause",)):
            app.cli(*args)
        if strace:  # the traced child is the app
            pid = int(Path(f"/proc/{pid}/task/{pid}/children").read_text().split()[0])
        fds = Path(f"/proc/{pid}/fd")
        own = {os.readlink(fd)[len("socket:[") : -1] for fd in fds.iterdir()
               if os.readlink(fd).startswith("socket:")}  # fmt: skip
        assert own, "the app holds no socket at all (its IPC server?)"
        assert own.isdisjoint(_inet_inodes()), "an internet socket is open"
    finally:
        os.kill(pid, signal.SIGTERM)  # the app itself; strace ends with it, same status
        assert app.process.wait(timeout=20) == 0, app.stderr()
    if strace:
        calls = trace.read_text().splitlines()
        assert any("AF_UNIX" in line for line in calls), "strace saw no socket traffic"
        families = {
            line.split("socket(", 1)[1].split(",", 1)[0] for line in calls if "socket(" in line
        }
        assert families <= {"AF_UNIX", "AF_LOCAL", "AF_NETLINK"}, families
        assert not [line for line in calls if "connect(" in line and "AF_INET" in line]


def test_a_secret_never_reaches_any_file_respite_writes(tmp_path: Path) -> None:
    """Plants a secret through `respite secret set` (a file keyring outside Respite's
    folders), runs the app, and scans every file under HOME, config, data and runtime."""
    store = tmp_path / "keyring-store" / "secrets.json"
    store.parent.mkdir()
    app = Headless(
        tmp_path / "app",
        extra_env={
            "PYTHON_KEYRING_BACKEND": "tests.reliability._keyring_backend.FileKeyring",
            "RESPITE_TEST_KEYRING": str(store),
            "PYTHONPATH": str(REPO),
        },
    )
    result = app.cli("secret", "set", "calendar-work", input=SECRET + "\n")
    assert result.returncode == 0, result.stderr
    assert SECRET in store.read_text(), "the test keyring did not get the secret"
    app.start()
    try:
        for args in (("win", "with a secret around"), ("status", "--json"), ("history",)):
            assert SECRET not in app.cli(*args).stdout
    finally:
        assert app.stop() == 0
    scanned = 0
    for folder in (app.root, Path(os.environ["HOME"])):
        for path in folder.rglob("*"):
            if path.is_file() and path != store:
                scanned += 1
                assert SECRET.encode() not in path.read_bytes(), f"the secret is in {path}"
    assert scanned >= 3
    assert SECRET not in app.stderr()
