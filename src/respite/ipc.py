"""Commands from the `respite` CLI to the running instance, over a local socket.

The running app listens on a `QLocalServer` that only the same user can open: the
socket gets user-only permissions, and on Linux and macOS it is a full path inside a
private (0700) folder — Respite's data folder when the path is short enough, else
$XDG_RUNTIME_DIR, else a private folder in the temp dir — so the folder's permissions
guard it too. Its name is derived from the data folder, so two Respites with different
RESPITE_DATA_DIR (tests) never meet.

The protocol is one JSON object per line each way:

    request:  {"command": "pause", "args": {"minutes": 30}}
    response: {"ok": true, "result": ...}  or  {"ok": false, "error": "One clear sentence."}

`request()` is a small blocking client that needs no running event loop. `InstanceLock`
(a `QLockFile` in the data folder) keeps two instances from starting at once.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import logging
import os
import stat
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QLockFile, QObject, QSysInfo
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from respite import paths

__all__ = [
    "MAX_REQUEST_BYTES",
    "CommandError",
    "Handler",
    "InstanceLock",
    "IpcError",
    "Reply",
    "Server",
    "request",
    "server_name",
]

log = logging.getLogger(__name__)

SOCKET_FILE_NAME = "respite.sock"
LOCK_FILE_NAME = "respite.lock"
# A request line longer than this is refused (commands are tiny).
MAX_REQUEST_BYTES = 64 * 1024
# sun_path holds 108 bytes on Linux and 104 on macOS, with the terminating NUL.
MAX_SOCKET_PATH = 100
CONNECT_TIMEOUT_MS = 1000
REPLY_TIMEOUT_SECONDS = 5.0
POLL_MS = 20
MAX_REPLY_BYTES = 16 * 1024 * 1024

# What a handler gets: the command name and its arguments; it returns a JSON-able result
# or raises CommandError / ValueError with a sentence for the user.
Handler = Callable[[str, dict[str, Any]], Any]


class IpcError(Exception):
    """The socket can't be used; the message is one sentence for the user."""


class CommandError(ValueError):
    """A request the running app refuses; the message goes back to the client as is."""


# ----- naming --------------------------------------------------------------------------


def _user_name() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME / USER
        name = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name) or "user"


def _digest(folder: Path) -> str:
    # A checksum, not a hash: it only tells data folders apart, and hashlib would load
    # OpenSSL (≈3 MiB resident) into the running app for it.
    resolved = folder.expanduser().resolve()
    return f"{zlib.crc32(os.fsencode(resolved)):08x}"


def _fits(path: Path) -> bool:
    return len(os.fsencode(path)) <= MAX_SOCKET_PATH


def _is_private_dir(folder: Path) -> bool:
    """An existing folder that is ours and closed to everyone else."""
    try:
        info = folder.stat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and stat.S_IMODE(info.st_mode) & 0o077 == 0
    )


def _temp_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"respite-{os.getuid()}"


def server_name(data_dir: Path | None = None) -> str:
    """The name the running instance listens on (a full socket path on POSIX).

    Pure: it creates nothing. `Server.listen` makes the chosen folder private first.
    """
    folder = data_dir if data_dir is not None else paths.data_dir()
    digest = _digest(folder)
    if sys.platform == "win32":
        # A named pipe; UserAccessOption restricts it to this user.
        return f"respite-{_user_name()}-{digest}"
    candidate = folder.expanduser().resolve() / SOCKET_FILE_NAME
    if _fits(candidate):
        return str(candidate)
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime:
        candidate = Path(runtime) / f"respite-{digest}.sock"
        if _fits(candidate) and _is_private_dir(Path(runtime)):
            return str(candidate)
    return str(_temp_folder() / f"respite-{digest}.sock")


def _prepare_folder(name: str, data_dir: Path) -> None:
    """Make sure the socket's folder exists and only we can enter it."""
    if sys.platform == "win32":
        return
    folder = Path(name).parent
    if folder == data_dir.expanduser().resolve() or folder == _temp_folder():
        paths.ensure_private_dir(folder)
    if not _is_private_dir(folder):
        raise IpcError(
            f"Respite won't listen for commands in {folder}: the folder must belong to you "
            f"and be closed to others (chmod 700 {folder})."
        )


# ----- server --------------------------------------------------------------------------


def _encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _failure(error: str) -> bytes:
    return _encode({"ok": False, "error": error})


class Server(QObject):
    """Answers requests from `respite` commands; one handler call per request line."""

    def __init__(
        self,
        handler: Handler,
        *,
        data_dir: Path | None = None,
        name: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._handler = handler
        self._data_dir = data_dir if data_dir is not None else paths.data_dir()
        self.name = name if name is not None else server_name(self._data_dir)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._clients: set[QLocalSocket] = set()

    def listen(self) -> None:
        """Start listening, replacing a stale socket. Hold the `InstanceLock` first: the
        lock is what makes removing the old socket safe."""
        _prepare_folder(self.name, self._data_dir)
        QLocalServer.removeServer(self.name)
        if not self._server.listen(self.name):
            raise IpcError(
                f"Respite could not listen for commands on {self.name} "
                f"({self._server.errorString()})."
            )
        log.debug("listening for commands on %s", self._server.fullServerName())

    @property
    def full_name(self) -> str:
        return str(self._server.fullServerName())

    def is_listening(self) -> bool:
        return bool(self._server.isListening())

    def close(self) -> None:
        for client in list(self._clients):
            client.abort()
        self._clients.clear()
        if self._server.isListening():
            self._server.close()
            if sys.platform != "win32":
                # Qt removes the socket file on close; make sure of it.
                with contextlib.suppress(OSError):
                    os.unlink(self.name)

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            self._clients.add(client)
            client.readyRead.connect(lambda c=client: self._read(c))
            client.disconnected.connect(lambda c=client: self._drop(c))
            if client.bytesAvailable():
                self._read(client)

    def _drop(self, client: QLocalSocket) -> None:
        self._clients.discard(client)
        client.deleteLater()

    def _read(self, client: QLocalSocket) -> None:
        while client.canReadLine():
            line = bytes(client.readLine().data())
            if len(line) > MAX_REQUEST_BYTES:
                self._refuse(client, "The request is too long.")
                return
            client.write(QByteArray(self._answer(line)))
        if client.bytesAvailable() > MAX_REQUEST_BYTES:
            self._refuse(client, "The request is too long.")
            return
        client.flush()

    def _refuse(self, client: QLocalSocket, error: str) -> None:
        client.write(QByteArray(_failure(error)))
        client.flush()
        client.disconnectFromServer()

    def _answer(self, line: bytes) -> bytes:
        try:
            message = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _failure("The request was not a line of JSON.")
        if not isinstance(message, dict):
            return _failure('The request must be a JSON object like {"command": "status"}.')
        command, args = message.get("command"), message.get("args", {})
        if not isinstance(command, str) or not command:
            return _failure('The request needs a "command", such as "status".')
        if args is None:
            args = {}
        if not isinstance(args, dict):
            return _failure('The request\'s "args" must be a JSON object.')
        try:
            result = self._handler(command, args)
            answer = _encode({"ok": True, "result": result})
        except ValueError as error:  # CommandError, ActionError and friends
            log.debug("command %r refused: %s", command, error)
            return _failure(str(error) or "That command could not be carried out.")
        except Exception:
            log.exception("command %r failed", command)
            return _failure("Respite ran into an unexpected problem; the details are in its log.")
        return answer


# ----- client --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    result: Any = None
    error: str = ""


def _read_line(socket: QLocalSocket, deadline: float) -> bytes:
    """Read until a newline, the peer closing, or `deadline` (monotonic seconds)."""
    buffer = b""
    while b"\n" not in buffer:
        # WORKAROUND: PySide6 keeps the GIL inside QLocalSocket.waitForReadyRead, so one
        # long wait would freeze every other Python thread, an in-process server
        # included. Wait in short slices and let go of the GIL in between.
        if socket.waitForReadyRead(POLL_MS):
            buffer += bytes(socket.readAll().data())
        elif socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
            return buffer + bytes(socket.readAll().data())
        elif time.monotonic() > deadline:
            raise IpcError("Respite is running but did not answer in time.")
        else:
            time.sleep(0.001)
        if len(buffer) > MAX_REPLY_BYTES:
            raise IpcError("Respite's answer was far too long.")
    return buffer


def request(
    command: str,
    args: dict[str, Any] | None = None,
    *,
    name: str | None = None,
    timeout: float = REPLY_TIMEOUT_SECONDS,
) -> Reply | None:
    """Send one command to the running instance and wait for its answer.

    Returns None when no instance is running. Raises IpcError when one is there but
    does not answer properly. Blocking; needs no QCoreApplication or event loop.
    """
    target = name if name is not None else server_name()
    if sys.platform != "win32" and not _is_private_dir(Path(target).parent):
        return None  # nothing of ours can be listening there
    socket = QLocalSocket()
    socket.connectToServer(target)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        log.debug("no instance at %s: %s", target, socket.errorString())
        socket.abort()
        return None
    try:
        socket.write(QByteArray(_encode({"command": command, "args": args or {}})))
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        buffer = _read_line(socket, time.monotonic() + timeout)
    finally:
        socket.abort()
    line = buffer.split(b"\n", 1)[0]
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise IpcError("Respite's answer could not be read.") from error
    if not isinstance(message, dict) or not isinstance(message.get("ok"), bool):
        raise IpcError("Respite's answer could not be read.")
    if message["ok"]:
        return Reply(True, message.get("result"))
    return Reply(False, error=str(message.get("error") or "Respite could not do that."))


# ----- single instance -----------------------------------------------------------------


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return True  # Qt's own check covers Windows; don't guess
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class InstanceLock:
    """A `QLockFile` in the data folder held for as long as the app runs."""

    def __init__(self, data_dir: Path | None = None) -> None:
        folder = data_dir if data_dir is not None else paths.data_dir()
        self.path = folder / LOCK_FILE_NAME
        self._lock = QLockFile(str(self.path))
        # 0: only a dead owner makes the lock stale. Qt's default (30 s) would let a
        # second instance take the lock from one that has simply run for a while.
        self._lock.setStaleLockTime(0)

    def acquire(self) -> bool:
        """Take the lock without waiting; False when a live instance holds it."""
        paths.ensure_private_dir(self.path.parent)
        if self._lock.tryLock(0):
            self._make_private()
            return True
        if self._lock.error() != QLockFile.LockError.LockFailedError:
            raise IpcError(
                f"Respite can't create its lock file {self.path}; check that the folder "
                "belongs to you and is writable."
            )
        # Belt and braces: Qt removes a dead owner's lock itself (staleLockTime 0 still
        # checks the owner's process), but if it ever leaves one, don't block every start.
        owner = self.owner_pid()
        if owner is not None and self._owner_is_local() and not _process_alive(owner):
            log.info("removing the stale lock file %s (process %d is gone)", self.path, owner)
            self._lock.removeStaleLockFile()
            if self._lock.tryLock(0):
                self._make_private()
                return True
        return False

    def _make_private(self) -> None:
        # QLockFile creates the file with the umask's mode; it names our pid and host.
        with contextlib.suppress(OSError):
            self.path.chmod(paths.private_file_mode)

    def owner_pid(self) -> int | None:
        pid = self._lock.getLockInfo()[0]  # (0, "", "") when there is no readable lock
        return int(pid) if pid > 0 else None

    def _owner_is_local(self) -> bool:
        host = self._lock.getLockInfo()[1]
        return not host or host == QSysInfo.machineHostName()

    def release(self) -> None:
        if self._lock.isLocked():
            self._lock.unlock()
