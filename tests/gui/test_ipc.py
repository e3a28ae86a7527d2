"""The local socket between `respite` commands and the running app.

The client blocks, so in these tests it runs on a helper thread while the server
answers on the GUI thread (qtbot keeps the event loop turning).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import logging
import os
import select
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from respite import cli, ipc, ipc_protocol, ipc_windows, paths

SRC = Path(__file__).resolve().parents[2] / "src"


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
    """Send raw bytes; return the server's answers, a line per line sent, or all it sends
    before it hangs up."""
    if sys.platform == "win32":
        pytest.skip("raw bytes over a Unix socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(name)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(payload)  # a server refusing a long request hangs up early
        answer = b""
        while answer.count(b"\n") < max(1, payload.count(b"\n")):
            chunk = sock.recv(64 * 1024)
            if not chunk:
                break
            answer += chunk
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
        if command == "long":
            return {"text": "x" * LONG_ANSWER}
        return {"echo": args, "command": command}


# Far more than a Unix socket's buffer (≈200 KiB on Linux, 8 KiB on macOS).
LONG_ANSWER = 3 * 1024 * 1024


class PipeServer:
    """Windows' listener behind the face of `ipc.Server`; on Linux Qt's QLocalServer puts
    it on a Unix socket, so the same tests and the same client reach it."""

    def __init__(
        self,
        handler: ipc.Handler,
        data_dir: Path,
        deadline: float = ipc_protocol.CONNECTION_DEADLINE_SECONDS,
    ) -> None:
        paths.ensure_private_dir(data_dir)
        self.name = ipc.server_name(data_dir)
        self.listener = ipc_windows.PipeListener(self.name, handler, deadline=deadline)

    def listen(self) -> None:
        self.listener.listen()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def data_dir() -> Path:
    return paths.data_dir()


def _serve(kind: str, data_dir: Path, deadline: float) -> Any:
    """A listening server of `kind` ("unix" or "pipe") answering with a `Recorder`."""
    recorder = Recorder()
    running: Any
    if kind == "unix":
        running = ipc.Server(recorder, data_dir=data_dir, deadline=deadline)
    else:
        running = PipeServer(recorder, data_dir, deadline)
    running.listen()
    running.recorder = recorder
    return running


@pytest.fixture(params=["unix", "pipe"])
def server(qtbot: Any, data_dir: Path, request: pytest.FixtureRequest) -> Any:
    """The server as the app runs it here, and (as "pipe") the one Windows runs."""
    running = _serve(request.param, data_dir, ipc_protocol.CONNECTION_DEADLINE_SECONDS)
    yield running
    running.close()


# Short enough for a test to see it pass, long enough for a client on a busy machine.
QUICK_DEADLINE = 0.3


@pytest.fixture(params=["unix", "pipe"])
def quick_server(qtbot: Any, data_dir: Path, request: pytest.FixtureRequest) -> Any:
    """Either server, dropping each connection QUICK_DEADLINE seconds after it came."""
    running = _serve(request.param, data_dir, QUICK_DEADLINE)
    yield running
    running.close()


def _clients(server: Any) -> dict[Any, Any]:
    """The server's per-connection state, by connection."""
    if isinstance(server, PipeServer):
        return server.listener._clients
    return server._listener._connections


def _held(server: Any) -> int:
    """The bytes the server keeps for its clients: requests read and not yet answered,
    and answers not yet sent."""
    if isinstance(server, PipeServer):
        return sum(
            int(client.bytesAvailable() + client.bytesToWrite()) + len(state.session._pending)
            for client, state in _clients(server).items()
        )
    return sum(
        len(state.outbox) + len(state.session._pending) for state in _clients(server).values()
    )


def _readable(sock: socket.socket) -> bool:
    return bool(select.select([sock], [], [], 0)[0])


@pytest.fixture
def unix_server(qtbot: Any, data_dir: Path) -> Any:
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


def test_a_request_too_long_for_the_server_gets_its_sentence(qtbot: Any, server: Any) -> None:
    text = "x" * (ipc.MAX_REQUEST_BYTES + 10)
    reply = in_thread(qtbot, lambda: ipc.request("win", {"text": text}))

    assert reply == ipc.Reply(False, error="The request is too long.")
    assert server.recorder.calls == []


def test_an_answer_longer_than_the_socket_buffer_arrives_whole(qtbot: Any, server: Any) -> None:
    reply = in_thread(qtbot, lambda: ipc.request("long"))

    assert reply == ipc.Reply(True, {"text": "x" * LONG_ANSWER})


def send_and_stop(name: str, payload: bytes) -> bytes:
    """Send `payload`, shut the sending side down (SHUT_WR) as `nc -U` does at the end of
    its input, and read all the server sends until it hangs up."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(name)
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(64 * 1024):
            answer += chunk
        return answer


def test_a_client_that_stops_sending_still_gets_its_whole_answer(
    qtbot: Any, unix_server: Any
) -> None:
    # `printf '{"command": "long"}\n' | nc -U respite.sock` sends its line, then shuts
    # its side down (SHUT_WR) and reads: the end of its requests is not a hang-up.
    answer = in_thread(qtbot, lambda: send_and_stop(unix_server.name, b'{"command": "long"}\n'))

    assert json.loads(answer) == {"ok": True, "result": {"text": "x" * LONG_ANSWER}}


def test_a_last_request_without_its_newline_is_answered(qtbot: Any, unix_server: Any) -> None:
    # `printf '{"command": "status"}' | nc -U respite.sock`: the end of the input ends
    # the line. (A named pipe has no half-close: a client that stops sending is gone.)
    answer = in_thread(
        qtbot, lambda: send_and_stop(unix_server.name, b'{"command": "a"}\n{"command": "b"}')
    )

    assert [json.loads(line)["result"]["command"] for line in answer.splitlines()] == ["a", "b"]


def test_a_client_that_never_finishes_its_line_holds_up_no_one(qtbot: Any, server: Any) -> None:
    if sys.platform == "win32":
        pytest.skip("raw bytes over a Unix socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
        silent.connect(server.name)
        silent.sendall(b'{"command": "hal')  # and then nothing, for as long as it likes

        reply = in_thread(qtbot, lambda: ipc.request("status"))

    assert reply is not None and reply.ok
    assert server.recorder.calls == [("status", {})]


@pytest.mark.skipif(sys.platform == "win32", reason="raw bytes over a Unix socket")
@pytest.mark.parametrize("sent", [b"", b'{"command": "hal'], ids=["nothing", "half a line"])
def test_a_connection_not_done_by_its_deadline_is_dropped(
    qtbot: Any, quick_server: Any, sent: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="respite")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as idle:
        idle.connect(quick_server.name)
        idle.sendall(sent)
        qtbot.waitUntil(lambda: _readable(idle), timeout=5000)

        assert idle.recv(64 * 1024) == b""  # hung up without a word

    assert _clients(quick_server) == {}
    assert "dropped a command connection" in caplog.text
    assert quick_server.recorder.calls == []
    # Connections that come in time are served as before.
    assert in_thread(qtbot, lambda: ipc.request("status")) is not None


@pytest.mark.skipif(sys.platform == "win32", reason="raw bytes over a Unix socket")
def test_the_next_request_waits_until_the_last_answer_has_gone_out(qtbot: Any, server: Any) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(server.name)
        sock.sendall(b'{"command": "long"}\n' * 3)  # and reads nothing, for now
        qtbot.waitUntil(lambda: bool(server.recorder.calls), timeout=5000)

        # The first answer is far larger than the socket takes: the other requests wait.
        assert len(server.recorder.calls) == 1
        assert _held(server) <= LONG_ANSWER + ipc.MAX_REQUEST_BYTES

        def read_three() -> list[Any]:
            sock.settimeout(5)
            answer = b""
            while answer.count(b"\n") < 3:
                chunk = sock.recv(1024 * 1024)
                assert chunk, "the server hung up"
                answer += chunk
            return [json.loads(line) for line in answer.splitlines()]

        answers = in_thread(qtbot, read_three)

    assert answers == [{"ok": True, "result": {"text": "x" * LONG_ANSWER}}] * 3


@pytest.mark.skipif(sys.platform == "win32", reason="raw bytes over a Unix socket")
def test_a_client_that_never_reads_makes_the_server_wait_not_grow(qtbot: Any, server: Any) -> None:
    request_line = b'{"command": "a"}\n'
    payload = request_line * 250_000  # ≈4 MiB: far more than both sockets' buffers
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as greedy:
        greedy.connect(server.name)

        def flood() -> int:
            """Send until the server stops taking requests; how many bytes went."""
            greedy.settimeout(0.5)
            sent = 0
            with contextlib.suppress(TimeoutError):
                while sent < len(payload):
                    sent += greedy.send(payload[sent : sent + 64 * 1024])
            return sent

        sent = in_thread(qtbot, flood)

        assert sent < len(payload)
        # What a read or two brings (the pipe has Qt's read buffer too) and one answer:
        # not the megabytes sent.
        assert _held(server) <= 3 * ipc_protocol.READ_CHUNK
        requests = payload[:sent].count(b"\n")

        def read_all() -> bytes:
            greedy.settimeout(5)
            answer = b""
            while answer.count(b"\n") < requests:
                chunk = greedy.recv(1024 * 1024)
                assert chunk, "the server hung up"
                answer += chunk
            return answer

        answer = in_thread(qtbot, read_all)

    # Once the client reads, every request it sent is answered.
    assert answer.count(b"\n") == len(server.recorder.calls) == requests
    assert set(answer.splitlines()) == {b'{"ok": true, "result": {"echo": {}, "command": "a"}}'}


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_out_of_descriptors_the_server_rests_instead_of_spinning(
    qtbot: Any, unix_server: Any
) -> None:
    # accept() failing with EMFILE leaves the connection queued and the listening socket
    # readable: retrying at every turn of the loop would keep the GUI thread at 100 %.
    listener = unix_server._listener
    real = listener._socket

    class Exhausted:
        attempts = 0

        def accept(self) -> Any:
            Exhausted.attempts += 1
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    listener._socket = Exhausted()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as waiting:
            waiting.connect(unix_server.name)  # queued; it can't be accepted yet
            qtbot.wait(300)
            assert Exhausted.attempts == 1  # then a rest, not a retry at once
            listener._socket = real  # descriptors free again
            waiting.sendall(b'{"command": "status"}\n')
            qtbot.waitUntil(lambda: bool(select.select([waiting], [], [], 0)[0]), timeout=5000)
            answer = waiting.recv(64 * 1024)
    finally:
        listener._socket = real

    assert json.loads(answer)["ok"] is True


def _left_behind(server: Any) -> tuple[int, int, int]:
    """Open descriptors, live per-connection Python objects and Qt wrappers, and Qt
    objects under the server, once Qt has deleted what it was asked to delete later."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qt_root = server.listener if isinstance(server, PipeServer) else server
    # First: listing the children gives each a wrapper, which PySide keeps.
    children = len(qt_root.findChildren(QObject))
    kinds = (ipc_protocol.Session, ipc._Connection, ipc_windows._Client, QObject)
    return (
        len(os.listdir("/proc/self/fd")),
        sum(isinstance(thing, kinds) for thing in gc.get_objects()),
        children,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/fd")
def test_fifty_requests_leave_nothing_behind(qtbot: Any, server: Any) -> None:
    """The leak of docs/performance.md ("every request on the local socket leaves ≈1 KiB
    behind"): each connection's socket, objects and notifiers must go with it."""
    before = _left_behind(server)

    replies = in_thread(qtbot, lambda: [ipc.request("status") for _ in range(50)])

    assert all(reply is not None and reply.ok for reply in replies)
    assert len(server.recorder.calls) == 50

    def all_gone() -> None:  # the last hang-ups reach the server through its event loop
        assert _left_behind(server) == before

    qtbot.waitUntil(all_gone, timeout=5000)


def test_the_windows_client_round_trips_with_the_windows_server(qtbot: Any, data_dir: Path) -> None:
    recorder = Recorder()
    running = PipeServer(recorder, data_dir)
    running.listen()
    try:
        answer = in_thread(
            qtbot,
            lambda: ipc_windows.pipe_exchange(running.name, b'{"command": "snooze"}\n', 5.0),
        )
        nobody = ipc_windows.pipe_exchange(running.name + "-none", b"{}\n", 5.0)
    finally:
        running.close()

    assert json.loads(answer) == {"ok": True, "result": {"echo": {}, "command": "snooze"}}
    assert nobody is None


class Accounts:
    """Windows' answers about a pipe's server, as a test chooses them."""

    def __init__(self, server: bytes | OSError, me: bytes | OSError = b"S-1-5-21-me") -> None:
        self.users: dict[int | None, bytes | OSError] = {4321: server, None: me}
        self.asked: list[int] = []

    def server_process_id(self, pipe: int) -> int:
        self.asked.append(pipe)
        return 4321

    def user_of(self, process_id: int | None) -> bytes:
        user = self.users[process_id]
        if isinstance(user, OSError):
            raise user
        return user


def test_a_pipe_served_as_the_same_user_may_be_used() -> None:
    accounts = Accounts(server=b"S-1-5-21-me")

    assert ipc_windows.foreign_owner(77, accounts) is None
    assert accounts.asked == [77]


@pytest.mark.parametrize(
    "accounts",
    [
        pytest.param(Accounts(server=b"S-1-5-21-someone-else"), id="another-user"),
        pytest.param(Accounts(server=PermissionError(5, "Access is denied")), id="wont-say"),
        pytest.param(Accounts(server=b"S-1-5-21-me", me=OSError(1, "?")), id="own-unknown"),
    ],
)
def test_a_pipe_served_by_anyone_else_is_refused(accounts: Accounts) -> None:
    refusal = ipc_windows.foreign_owner(77, accounts)

    assert refusal == ipc_protocol.NOT_YOUR_SERVER


def test_the_windows_client_sends_nothing_to_a_pipe_it_does_not_trust(
    qtbot: Any, data_dir: Path
) -> None:
    recorder = Recorder()
    running = PipeServer(recorder, data_dir)
    running.listen()
    pipes: list[int] = []

    def squatted(pipe: int) -> str:
        pipes.append(pipe)
        return "not yours"

    try:
        with pytest.raises(ipc.IpcError, match="not yours"):
            ipc_windows.pipe_exchange(running.name, b'{"command": "win"}\n', 5.0, squatted)
        # A request that gets through after it: the server has seen both connections.
        trusted = in_thread(
            qtbot,
            lambda: ipc_windows.pipe_exchange(running.name, b'{"command": "status"}\n', 5.0),
        )
    finally:
        running.close()

    assert len(pipes) == 1 and pipes[0] > 0  # the connected pipe's handle was checked
    assert json.loads(trusted)["ok"] is True
    assert [command for command, _ in recorder.calls] == ["status"]


@pytest.mark.skipif(sys.platform != "win32", reason="Win32 calls")
def test_windows_names_this_process_as_the_server_of_its_own_pipe(
    qtbot: Any, data_dir: Path
) -> None:
    running = PipeServer(Recorder(), data_dir)
    running.listen()
    seen: list[int | None] = []

    def check(pipe: int) -> str | None:
        windows = ipc_windows._Win32()
        seen.append(windows.server_process_id(pipe))
        return ipc_windows.foreign_owner(pipe, windows)

    try:
        answer = in_thread(
            qtbot,
            lambda: ipc_windows.pipe_exchange(running.name, b'{"command": "x"}\n', 5.0, check),
        )
    finally:
        running.close()

    assert seen == [os.getpid()]
    assert json.loads(answer)["ok"] is True


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


@pytest.mark.skipif(sys.platform == "win32", reason="socket files")
def test_a_second_server_on_the_same_socket_is_refused_and_the_first_answers_on(
    qtbot: Any, unix_server: Any, data_dir: Path
) -> None:
    second = ipc.Server(Recorder(), data_dir=data_dir)

    with pytest.raises(ipc.IpcError) as refused:
        second.listen()

    assert str(refused.value) == (
        f"Another Respite is already answering commands on {unix_server.name}; "
        "only one can run at a time."
    )
    assert in_thread(qtbot, lambda: ipc.request("status")) is not None
    assert unix_server.recorder.calls == [("status", {})]


@pytest.mark.skipif(sys.platform == "win32", reason="socket files")
def test_a_file_in_the_way_of_the_socket_is_left_alone(data_dir: Path) -> None:
    paths.ensure_private_dir(data_dir)
    name = Path(ipc.server_name(data_dir))
    name.write_text("not a socket")
    server = ipc.Server(Recorder(), data_dir=data_dir)

    with pytest.raises(ipc.IpcError, match="is in the way"):
        server.listen()

    assert name.read_text() == "not a socket"


@pytest.mark.skipif(sys.platform == "win32", reason="socket folders")
def test_a_socket_folder_that_cannot_be_made_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A data folder too deep for a socket path, no runtime folder: the socket goes to
    # <temp>/respite-UID, where something else already is (another user can put it in /tmp).
    deep = tmp_path.joinpath(*["deeper"] * 12)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    in_the_way = ipc_protocol.temp_folder()
    in_the_way.write_text("not a folder")
    server = ipc.Server(Recorder(), data_dir=deep)

    with pytest.raises(ipc.IpcError) as refused:
        server.listen()

    assert str(refused.value).startswith(
        f"Respite can't make the folder for its command socket, {in_the_way} ("
    )


def _connect_as_nobody(path: str) -> bytes:
    """What the server answers a process of user 65534 that connects to `path`."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(5)
                client.connect(path)
                with contextlib.suppress(OSError):
                    client.sendall(b'{"command": "status"}\n')
                os.write(writer, client.recv(4096))
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return answer


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="becoming another user needs root"
)
def test_another_user_who_reaches_the_socket_is_refused(qtbot: Any, data_dir: Path) -> None:
    # Folder and file opened up after listening, so only the peer credentials stand in
    # the way (normally the private folder already does).
    folder = Path(tempfile.mkdtemp(prefix="respite-peer-", dir="/tmp"))
    recorder = Recorder()
    server = ipc.Server(recorder, data_dir=data_dir, name=str(folder / "respite.sock"))
    server.listen()
    try:
        folder.chmod(0o711)
        os.chmod(server.name, 0o666)
        answer = in_thread(qtbot, lambda: _connect_as_nobody(server.name))
        folder.chmod(0o700)  # the client only talks into a private folder
        own = in_thread(qtbot, lambda: ipc.request("status", name=server.name))
    finally:
        server.close()
        folder.rmdir()

    assert json.loads(answer) == {"ok": False, "error": ipc.NOT_YOURS}
    assert own is not None and own.ok
    assert recorder.calls == [("status", {})]


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_the_peer_of_a_socket_pair_is_this_user() -> None:
    first, second = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with first, second:
        assert ipc_protocol.peer_uid(first) == os.geteuid()


def test_a_struct_xucred_gives_the_peers_user() -> None:
    # struct xucred as Apple's <sys/ucred.h> lays it out, in this machine's byte order:
    # u_int cr_version; uid_t cr_uid; short cr_ngroups; gid_t cr_groups[16].
    layout = struct.Struct("@IIh16I")
    assert layout.size == ipc_protocol._XUCRED_SIZE
    data = layout.pack(0, 501, 2, 20, 12, *[0] * 14)

    assert ipc_protocol.xucred_uid(data) == 501
    assert (
        ipc_protocol.xucred_uid(data + bytes(8)) == 501
    )  # FreeBSD's is longer; the head is the same
    with pytest.raises(ValueError, match="version 1"):
        ipc_protocol.xucred_uid(layout.pack(1, 501, 2, 20, 12, *[0] * 14))
    with pytest.raises(ValueError, match="too short"):
        ipc_protocol.xucred_uid(data[:7])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_only_the_user_can_open_the_socket(unix_server: Any, data_dir: Path) -> None:
    name = Path(unix_server.name)
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


def test_a_command_reaches_the_app_without_loading_qt(qtbot: Any, unix_server: Any) -> None:
    script = (
        "import sys\n"
        "from respite import cli\n"
        "code = cli.main(['win', 'no Qt here'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n"
        "sys.exit(code)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))

    result = in_thread(
        qtbot,
        lambda: subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
        ),
        timeout=60_000,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["Noted: no Qt here — nice one.", "[]"]
    assert unix_server.recorder.calls == [("win", {"text": "no Qt here"})]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="/proc/PID/maps")
def test_the_running_app_loads_no_qtnetwork(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(SRC))
    errors = tmp_path / "app.err"
    with errors.open("wb") as err:
        app = subprocess.Popen(
            [sys.executable, "-m", "respite", "--no-tray"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while ipc.request("ping") is None:
            assert app.poll() is None, errors.read_text()
            assert time.monotonic() < deadline, errors.read_text()
            time.sleep(0.05)
        libraries = Path(f"/proc/{app.pid}/maps").read_text()
    finally:
        app.terminate()
        assert app.wait(timeout=30) == 0, errors.read_text()

    assert "libQt6Core" in libraries  # Qt's libraries show there
    assert "libQt6Network" not in libraries


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
