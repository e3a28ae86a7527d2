"""The local socket between `respite` commands and the running app.

The client blocks, so in these tests it runs on a helper thread while the server
answers on the GUI thread (qtbot keeps the event loop turning).
"""

from __future__ import annotations

import gc
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtNetwork import QLocalSocket

from respite import cli, ipc, paths


def in_thread(qtbot: Any, work: Callable[[], Any], timeout: int = 5000) -> Any:
    """Run blocking `work` on a helper thread while the GUI thread serves requests."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as error:  # handed to the test thread below
            box["error"] = error

    # Collect garbage here and not on the helper thread: a QObject left over from an
    # earlier test must be destroyed on the thread it lives in, or memory is corrupted.
    gc.collect()
    gc.disable()
    try:
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        qtbot.waitUntil(lambda: not thread.is_alive(), timeout=timeout)
    finally:
        gc.enable()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def raw_exchange(name: str, payload: bytes) -> bytes:
    """Send raw bytes and return everything the server answers before it goes quiet."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    assert sock.waitForConnected(1000)
    sock.write(payload)
    sock.waitForBytesWritten(1000)
    answer = b""
    deadline = time.monotonic() + 5
    while answer.count(b"\n") < max(1, payload.count(b"\n")) and time.monotonic() < deadline:
        # Short waits: PySide6 holds the GIL while it waits (see ipc._read_line).
        if sock.waitForReadyRead(20):
            answer += bytes(sock.readAll().data())
        else:
            time.sleep(0.001)
    sock.abort()
    return answer


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, command: str, args: dict[str, Any]) -> Any:
        self.calls.append((command, args))
        if command == "refuse":
            raise ipc.CommandError("You're not on a break right now.")
        if command == "explode":
            raise RuntimeError("a bug")
        if command == "unjsonable":
            return {"when": object()}
        return {"echo": args, "command": command}


@pytest.fixture
def data_dir() -> Path:
    return paths.data_dir()


@pytest.fixture
def server(qtbot: Any, data_dir: Path) -> Any:
    recorder = Recorder()
    running = ipc.Server(recorder, data_dir=data_dir)
    running.listen()
    running.recorder = recorder  # type: ignore[attr-defined]
    yield running
    running.close()


def test_a_request_round_trips(qtbot: Any, server: Any) -> None:
    reply = in_thread(qtbot, lambda: ipc.request("pause", {"minutes": 30}))

    assert reply == ipc.Reply(True, {"echo": {"minutes": 30}, "command": "pause"})
    assert server.recorder.calls == [("pause", {"minutes": 30})]


def test_a_refused_command_comes_back_as_its_sentence(qtbot: Any, server: Any) -> None:
    reply = in_thread(qtbot, lambda: ipc.request("refuse"))

    assert reply == ipc.Reply(False, error="You're not on a break right now.")


def test_a_bug_in_the_handler_is_an_error_reply_not_a_crash(
    qtbot: Any, server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    reply = in_thread(qtbot, lambda: ipc.request("explode"))
    after = in_thread(qtbot, lambda: ipc.request("status"))

    assert reply == ipc.Reply(
        False, error="Respite ran into an unexpected problem; the details are in its log."
    )
    assert "command 'explode' failed" in caplog.text
    assert after is not None and after.ok


def test_a_result_that_is_not_json_is_an_error_reply(qtbot: Any, server: Any) -> None:
    reply = in_thread(qtbot, lambda: ipc.request("unjsonable"))

    assert reply is not None and not reply.ok


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (b"not json\n", "The request was not a line of JSON."),
        (b"\xff\xfe\n", "The request was not a line of JSON."),
        (b"[1, 2]\n", 'The request must be a JSON object like {"command": "status"}.'),
        (b'{"args": {}}\n', 'The request needs a "command", such as "status".'),
        (b'{"command": 5}\n', 'The request needs a "command", such as "status".'),
        (b'{"command": "x", "args": [1]}\n', 'The request\'s "args" must be a JSON object.'),
    ],
)
def test_a_malformed_request_gets_a_clear_error(
    qtbot: Any, server: Any, payload: bytes, error: str
) -> None:
    answer = in_thread(qtbot, lambda: raw_exchange(server.name, payload))

    assert json.loads(answer) == {"ok": False, "error": error}
    assert server.recorder.calls == []
    # The server is still there for the next request.
    assert in_thread(qtbot, lambda: ipc.request("status")) is not None


def test_several_requests_on_one_connection_get_one_answer_each(qtbot: Any, server: Any) -> None:
    payload = b'{"command": "a"}\n{"command": "b", "args": {"n": 1}}\n'
    answer = in_thread(qtbot, lambda: raw_exchange(server.name, payload))

    lines = [json.loads(line) for line in answer.splitlines()]
    assert [line["result"]["command"] for line in lines] == ["a", "b"]


def test_an_endless_request_is_refused(qtbot: Any, server: Any) -> None:
    payload = b"x" * (ipc.MAX_REQUEST_BYTES + 10)
    answer = in_thread(qtbot, lambda: raw_exchange(server.name, payload + b"\n"))

    assert json.loads(answer.splitlines()[0]) == {"ok": False, "error": "The request is too long."}


def test_no_running_instance_means_none(data_dir: Path) -> None:
    paths.ensure_private_dir(data_dir)

    assert ipc.request("status") is None


@pytest.mark.skipif(sys.platform == "win32", reason="socket files")
def test_a_stale_socket_file_is_not_an_instance_and_is_replaced(qtbot: Any, data_dir: Path) -> None:
    paths.ensure_private_dir(data_dir)
    name = ipc.server_name(data_dir)
    leftover = socket.socket(socket.AF_UNIX)
    leftover.bind(name)  # a socket file nobody listens on, as a crash leaves it
    leftover.close()

    assert ipc.request("status") is None
    server = ipc.Server(Recorder(), data_dir=data_dir)
    server.listen()
    try:
        assert in_thread(qtbot, lambda: ipc.request("status")) is not None
    finally:
        server.close()
    assert not os.path.exists(name)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_only_the_user_can_open_the_socket(server: Any, data_dir: Path) -> None:
    name = Path(server.name)
    assert name.parent == data_dir.resolve()
    assert stat.S_ISSOCK(name.stat().st_mode)
    assert stat.S_IMODE(name.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(name.parent.stat().st_mode) == 0o700


def test_the_name_depends_on_the_data_folder(tmp_path: Path) -> None:
    first = ipc.server_name(tmp_path / "a")
    second = ipc.server_name(tmp_path / "b")

    assert first != second
    assert first == ipc.server_name(tmp_path / "a")


@pytest.mark.skipif(sys.platform == "win32", reason="socket paths")
def test_a_data_folder_too_deep_for_a_socket_path_uses_the_runtime_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path.joinpath(*["deeper"] * 12)
    runtime = Path("/tmp") / f"respite-test-rt-{os.getpid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
        name = ipc.server_name(deep)
        assert Path(name).parent == runtime
        assert len(os.fsencode(name)) <= ipc.MAX_SOCKET_PATH
        # A runtime folder others can enter is not used.
        runtime.chmod(0o755)
        fallback = ipc.server_name(deep)
        assert Path(fallback).parent.name == f"respite-{os.getuid()}"
        assert Path(fallback).name == Path(name).name
    finally:
        runtime.rmdir()


def test_a_second_start_asks_the_first_to_show_itself(
    qtbot: Any, server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    code = in_thread(qtbot, lambda: cli.main(["--no-tray"]))

    assert code == 0
    assert capsys.readouterr().out == "Respite is already running; showing it.\n"
    assert server.recorder.calls == [("show", {})]


# ----- the instance lock ---------------------------------------------------------------


def test_only_one_instance_holds_the_lock(data_dir: Path) -> None:
    first, second = ipc.InstanceLock(data_dir), ipc.InstanceLock(data_dir)

    assert first.acquire()
    try:
        assert not second.acquire()
        assert second.owner_pid() == os.getpid()
    finally:
        first.release()
    assert second.acquire()
    second.release()


def test_a_lock_left_by_a_dead_process_is_taken_over(data_dir: Path) -> None:
    paths.ensure_private_dir(data_dir)
    lock_path = data_dir / ipc.LOCK_FILE_NAME
    script = (
        "import os, sys\n"
        "from PySide6.QtCore import QLockFile\n"
        "lock = QLockFile(sys.argv[1])\n"
        "assert lock.tryLock(0)\n"
        "os._exit(0)  # dies holding the lock: the file stays behind\n"
    )
    subprocess.run([sys.executable, "-c", script, str(lock_path)], check=True, timeout=60)
    assert lock_path.exists()

    lock = ipc.InstanceLock(data_dir)
    assert lock.acquire()
    assert lock.owner_pid() == os.getpid()
    lock.release()
