"""The Qt-free half of the local socket: one connection's requests, and the client."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from respite import ipc_protocol, paths
from respite.core.engine import ActionError
from respite.ipc_protocol import (
    CONNECTION_DEADLINE_SECONDS,
    MAX_REQUEST_BYTES,
    REPLY_TIMEOUT_SECONDS,
    IpcError,
    Session,
    request,
    server_name,
)
from respite.storage.db import BUSY_TIMEOUT_SECONDS


def echo(command: str, args: dict[str, Any]) -> Any:
    return {"command": command, **args}


def answers(data: bytes) -> list[Any]:
    return [json.loads(line) for line in data.splitlines()]


def replies(session: Session) -> list[Any]:
    """Every answer the session has for what it received so far, one at a time."""
    lines = []
    while reply := session.next_reply():
        assert reply.count(b"\n") == 1 and reply.endswith(b"\n")
        lines.append(json.loads(reply))
    return lines


TOO_LONG = {"ok": False, "error": "The request is too long."}


@pytest.mark.parametrize(
    "result", [{"minutes": float("nan")}, {"when": object()}], ids=["nan", "object"]
)
def test_a_result_json_cannot_hold_is_an_unexpected_problem_not_its_raw_text(
    result: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    reply = json.loads(ipc_protocol.answer(lambda command, args: result, b'{"command": "x"}\n'))

    assert reply == {"ok": False, "error": ipc_protocol.UNEXPECTED}
    assert "command 'x' gave a result that can't be sent" in caplog.text


def refuse(error: Exception) -> ipc_protocol.Handler:
    def handler(command: str, args: dict[str, Any]) -> Any:
        raise error

    return handler


@pytest.mark.parametrize(
    "refusal",
    [
        ipc_protocol.CommandError("A small win needs some text."),
        ActionError("You're not on a break right now."),
    ],
    ids=["command", "action"],
)
def test_a_refusal_is_answered_with_its_own_sentence(refusal: Exception) -> None:
    reply = json.loads(ipc_protocol.answer(refuse(refusal), b'{"command": "x"}\n'))

    assert reply == {"ok": False, "error": str(refusal)}


def test_a_value_error_from_a_bug_is_an_unexpected_problem_not_its_raw_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bug = ValueError("invalid literal for int() with base 10: 'x'")
    reply = json.loads(ipc_protocol.answer(refuse(bug), b'{"command": "x"}\n'))

    assert reply == {"ok": False, "error": ipc_protocol.UNEXPECTED}  # was: the raw text
    assert "command 'x' failed" in caplog.text and "invalid literal" in caplog.text


def test_a_request_is_answered_once_its_line_is_complete() -> None:
    session = Session(echo)

    session.receive(b'{"command": "pa')
    assert session.next_reply() == b""
    session.receive(b'use", "args": {"minutes": 5}}\n')
    assert replies(session) == [{"ok": True, "result": {"command": "pause", "minutes": 5}}]


def test_requests_in_one_read_are_answered_in_order() -> None:
    session = Session(echo)

    session.receive(b'{"command": "a"}\n{"command": "b"}\n{"command": "c')

    assert [reply["result"]["command"] for reply in replies(session)] == ["a", "b"]
    session.receive(b'"}\n')
    assert replies(session) == [{"ok": True, "result": {"command": "c"}}]


def test_a_request_is_carried_out_only_when_its_answer_is_asked_for() -> None:
    # A client that sends requests and never reads the answers: the transport asks for
    # the next answer only once the last one has gone out, so they don't pile up.
    calls: list[str] = []

    def record(command: str, args: dict[str, Any]) -> Any:
        calls.append(command)
        return command

    session = Session(record)
    session.receive(b'{"command": "a"}\n{"command": "b"}\n{"command": "c"}\n')

    assert answers(session.next_reply()) == [{"ok": True, "result": "a"}]
    assert calls == ["a"]


def _line(length: int) -> bytes:
    """A request line of exactly `length` bytes, its newline included."""
    head, tail = b'{"command": "a", "args": {"pad": "', b'"}}\n'
    return head + b"x" * (length - len(head) - len(tail)) + tail


def test_a_line_at_the_limit_is_answered_and_one_byte_more_ends_the_session() -> None:
    session = Session(echo)
    session.receive(_line(MAX_REQUEST_BYTES))
    assert replies(session)[0]["ok"] is True

    session.receive(b'{"command": "b"}\n' + _line(MAX_REQUEST_BYTES + 1) + b"{}\n")

    assert replies(session) == [{"ok": True, "result": {"command": "b"}}, TOO_LONG]
    assert session.finished
    session.receive(b'{"command": "c"}\n')
    assert session.next_reply() == b""


def test_endless_bytes_without_a_newline_end_the_session() -> None:
    session = Session(echo)

    session.receive(b"x" * MAX_REQUEST_BYTES)
    assert session.next_reply() == b""
    session.receive(b"x")
    assert replies(session) == [TOO_LONG]
    assert session.finished


def test_the_end_of_the_requests_ends_a_last_line_left_without_its_newline() -> None:
    # `printf '{"command": "status"}' | nc -U respite.sock`: no newline, then EOF.
    session = Session(echo)
    session.receive(b'{"command": "a"}\n{"command": "b"}')
    assert len(replies(session)) == 1

    session.end()

    assert replies(session) == [{"ok": True, "result": {"command": "b"}}]


def test_the_end_of_the_requests_after_a_whole_line_asks_nothing_more() -> None:
    session = Session(echo)
    session.receive(b'{"command": "a"}\n')
    session.end()

    assert replies(session) == [{"ok": True, "result": {"command": "a"}}]


def test_a_last_line_ended_by_the_end_of_the_requests_keeps_the_limit() -> None:
    # The end stands for the newline, which counts towards the limit as it does on a line.
    at_the_limit, over = Session(echo), Session(echo)
    at_the_limit.receive(_line(MAX_REQUEST_BYTES)[:-1])
    over.receive(_line(MAX_REQUEST_BYTES + 1)[:-1])
    assert at_the_limit.next_reply() == over.next_reply() == b""

    at_the_limit.end()
    over.end()

    assert replies(at_the_limit)[0]["ok"] is True
    assert replies(over) == [TOO_LONG]


def test_the_client_outwaits_a_write_and_the_server_outwaits_the_client() -> None:
    # A command may write to the event log, which can wait BUSY_TIMEOUT_SECONDS for
    # SQLite's lock (`respite history` and `export` ask the app to flush): the client
    # waits longer than that, and the server drops a connection only after the client
    # would have given up, so it never cuts an exchange the client still waits for.
    assert BUSY_TIMEOUT_SECONDS < REPLY_TIMEOUT_SECONDS < CONNECTION_DEADLINE_SECONDS


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_a_socket_served_by_another_user_is_sent_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    name = server_name()
    paths.ensure_private_dir(Path(name).parent)
    # Another account's process at the other end (the folder swapped after the check).
    monkeypatch.setattr(ipc_protocol, "peer_uid", lambda sock: os.geteuid() + 1)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(name)
        listening.listen(1)

        with pytest.raises(IpcError) as refused:
            request("win", {"text": "a private thought"}, timeout=0.5)
        caller, _ = listening.accept()
        with caller:
            caller.settimeout(1)
            sent = caller.recv(4096)

    assert str(refused.value) == ipc_protocol.NOT_YOUR_SERVER
    assert sent == b""  # the caller hung up without a word


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_an_app_too_busy_to_take_the_call_is_running_not_gone() -> None:
    name = server_name()
    paths.ensure_private_dir(Path(name).parent)
    with contextlib.ExitStack() as stack:
        listening = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        listening.bind(name)
        listening.listen(0)  # its GUI thread busy: callers queue, none is taken
        for _ in range(3):  # until the queue is full
            waiting = stack.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
            waiting.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                waiting.connect(name)

        with pytest.raises(IpcError, match="running but busy"):
            request("status", timeout=0.2)


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_an_app_that_never_answers_is_an_error_after_the_timeout() -> None:
    name = server_name()
    paths.ensure_private_dir(Path(name).parent)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(name)
        listening.listen(1)  # connections wait there, never accepted nor answered

        with pytest.raises(IpcError, match="did not answer in time"):
            request("status", timeout=0.2)


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_no_answer_from_a_folder_others_can_enter(tmp_path: Path) -> None:
    open_folder = tmp_path / "open"
    open_folder.mkdir(mode=0o755)
    open_folder.chmod(0o755)
    name = str(open_folder / "respite.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listening:
        listening.bind(name)
        listening.listen(1)

        assert request("status", name=name, timeout=0.2) is None
