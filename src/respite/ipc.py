"""Commands from the `respite` CLI to the running instance, over a local socket.

On Linux and macOS the running app listens on a Unix socket of its own: Python's
`socket`, non-blocking, watched by `QSocketNotifier`s on the GUI thread, so no thread is
started and nothing waits. On Windows it listens on a named pipe through QtNetwork
(`respite.ipc_windows`, imported only there: QtNetwork costs ≈2.5 MiB resident).

Only the same user gets in. On Linux and macOS the socket is a full path inside a
private (0700) folder — Respite's data folder when the path is short enough, else
$XDG_RUNTIME_DIR, else a private folder in the temp dir — with user-only permissions,
and the server checks each client's peer credentials; on Windows the pipe gets
user-only access. Its name is derived from the data folder, so two Respites with
different RESPITE_DATA_DIR (tests) never meet.

The line protocol, the naming and the blocking client live in `respite.ipc_protocol`,
which needs no Qt; they are re-exported here. `InstanceLock` (a `QLockFile` in the data
folder) keeps two instances from starting at once.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QLockFile, QObject, QSocketNotifier, QSysInfo, QTimer, QTimerEvent

from respite import paths
from respite.ipc_protocol import (
    CONNECT_TIMEOUT_SECONDS,
    CONNECTION_DEADLINE_SECONDS,
    MAX_REQUEST_BYTES,
    MAX_SOCKET_PATH,
    READ_CHUNK,
    CommandError,
    Handler,
    IpcError,
    Reply,
    Session,
    failure,
    is_private_dir,
    known_peer_uid,
    request,
    server_name,
    temp_folder,
)

__all__ = [
    "MAX_REQUEST_BYTES",
    "MAX_SOCKET_PATH",
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

LOCK_FILE_NAME = "respite.lock"
# Connections waiting to be accepted; the CLI opens one at a time.
BACKLOG = 16
# How long to stop accepting when accept() fails for want of descriptors or memory.
ACCEPT_REST_MS = 1000
NOT_YOURS = "This Respite answers only the user it runs for."


def _prepare_folder(name: str, data_dir: Path) -> None:
    """Make sure the socket's folder exists and only we can enter it."""
    if sys.platform == "win32":
        return
    folder = Path(name).parent
    if folder == data_dir.expanduser().resolve() or folder == temp_folder():
        try:
            paths.ensure_private_dir(folder)
        except OSError as error:
            raise IpcError(
                f"Respite can't make the folder for its command socket, {folder} "
                f"({error.strerror or error})."
            ) from error
    if not is_private_dir(folder):
        raise IpcError(
            f"Respite won't listen for commands in {folder}: the folder must belong to you "
            f"and be closed to others (chmod 700 {folder})."
        )


# ----- server --------------------------------------------------------------------------


class _Listener(Protocol):
    def listen(self) -> None: ...

    def close(self) -> None: ...


def _answers(name: str) -> bool:
    """Whether something accepts connections on the socket file `name`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(CONNECT_TIMEOUT_SECONDS)
        try:
            probe.connect(name)
        except (ConnectionRefusedError, FileNotFoundError):
            return False
        except OSError:  # a full backlog times out: someone is there
            return True
    return True


@dataclass(slots=True)
class _Connection:
    """One client of `UnixListener`: its socket, its requests and what is left to send."""

    sock: socket.socket
    session: Session
    reader: QSocketNotifier
    deadline: int  # the id of the timer that ends the connection
    writer: QSocketNotifier | None = None
    outbox: bytearray = field(default_factory=bytearray)  # one answer at most
    hung_up: bool = False  # the client sends no more: hang up once the outbox is sent


class UnixListener(QObject):
    """The server's end on Linux and macOS: a non-blocking listening socket, and per
    client a non-blocking socket, each with a `QSocketNotifier` (a second one for
    writing only while an answer doesn't fit the socket's buffer). Requests are answered
    one at a time: while an answer is going out the client's socket isn't read.

    A connection holds nothing but its entries in `_connections` and `_deadlines`: its
    notifiers signal this object's methods, which find it by file descriptor, and its
    deadline is a timer of this object's (`startTimer`), so once dropped it is gone.
    """

    def __init__(
        self,
        name: str,
        handler: Handler,
        parent: QObject | None = None,
        *,
        deadline: float = CONNECTION_DEADLINE_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._name = name
        self._handler = handler
        self._deadline_ms = round(deadline * 1000)
        self._socket: socket.socket | None = None
        self._file: tuple[int, int] | None = None  # device and inode of our socket file
        self._notifier: QSocketNotifier | None = None
        self._connections: dict[int, _Connection] = {}
        self._deadlines: dict[int, _Connection] = {}  # by timer id
        # While accept() fails for want of resources, the connection stays queued and the
        # socket readable: the notifier rests, and this timer wakes it.
        self._rest = QTimer(self)
        self._rest.setSingleShot(True)
        self._rest.setInterval(ACCEPT_REST_MS)
        self._rest.timeout.connect(self._end_rest)

    def listen(self) -> None:
        listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._bind(listening)
            os.chmod(self._name, 0o600)
            listening.listen(BACKLOG)
            listening.setblocking(False)
            info = os.stat(self._name)
        except OSError as error:
            listening.close()
            raise IpcError(
                f"Respite could not listen for commands on {self._name} "
                f"({error.strerror or error})."
            ) from error
        except IpcError:
            listening.close()
            raise
        self._socket, self._file = listening, (info.st_dev, info.st_ino)
        self._notifier = QSocketNotifier(listening.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._accept)
        log.debug("listening for commands on %s", self._name)

    def _bind(self, listening: socket.socket) -> None:
        """Bind to the name, replacing a socket file that nobody listens on (a crashed
        Respite's). Another Respite listening there is an error, not replaced."""
        try:
            listening.bind(self._name)
            return
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
        if _answers(self._name):
            raise IpcError(
                f"Another Respite is already answering commands on {self._name}; "
                "only one can run at a time."
            )
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISSOCK(os.lstat(self._name).st_mode):
                raise IpcError(
                    f"Respite can't listen for commands: {self._name} is in the way "
                    "(it is not a socket); move it elsewhere."
                )
            log.info("removing the stale socket %s (nothing listens on it)", self._name)
            os.unlink(self._name)
        listening.bind(self._name)

    def close(self) -> None:
        self._rest.stop()
        for connection in list(self._connections.values()):
            self._drop(connection)
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
            with contextlib.suppress(OSError):
                info = os.lstat(self._name)
                if (info.st_dev, info.st_ino) == self._file:  # not a newer Respite's
                    os.unlink(self._name)

    def _accept(self) -> None:
        while self._socket is not None:
            try:
                client, _ = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue  # the client gave up while queued
            except OSError as error:
                # EMFILE, ENFILE, ENOBUFS, ENOMEM: retrying now would spin the GUI thread.
                log.warning("can't accept a command connection now (%s); retrying soon", error)
                if self._notifier is not None:
                    self._notifier.setEnabled(False)
                self._rest.start()
                return
            self._welcome(client)

    def _end_rest(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(True)

    def _welcome(self, client: socket.socket) -> None:
        client.setblocking(False)
        uid = known_peer_uid(client)
        if uid != os.geteuid():
            log.warning("refused a command connection from user %s", uid)
            with contextlib.suppress(OSError):
                client.send(failure(NOT_YOURS))
            client.close()
            return
        reader = QSocketNotifier(client.fileno(), QSocketNotifier.Type.Read, self)
        reader.activated.connect(self._readable)
        deadline = self.startTimer(self._deadline_ms)
        connection = _Connection(client, Session(self._handler), reader, deadline)
        self._connections[client.fileno()] = connection
        self._deadlines[deadline] = connection

    def timerEvent(self, event: QTimerEvent) -> None:
        connection = self._deadlines.get(event.timerId())
        if connection is None:
            super().timerEvent(event)
            return
        log.debug("dropped a command connection not done within %d ms", self._deadline_ms)
        self._drop(connection)

    def _sender_connection(self) -> _Connection | None:
        notifier = self.sender()
        if not isinstance(notifier, QSocketNotifier):
            return None
        return self._connections.get(int(notifier.socket()))

    def _readable(self) -> None:
        connection = self._sender_connection()
        if connection is None:
            return
        try:
            data = connection.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # reset by the client: it is gone all the same
        if data:
            connection.session.receive(data)
        else:
            # The client hung up, or only stopped sending (shutdown(SHUT_WR)) and still
            # reads: what it asked for goes out first, then the connection closes.
            connection.hung_up = True
            connection.session.end()
        self._serve(connection)

    def _writable(self) -> None:
        connection = self._sender_connection()
        if connection is not None:
            self._serve(connection)

    def _serve(self, connection: _Connection) -> None:
        """Send what the socket takes, answering the next request each time the last
        answer has all gone; then wait to write more, or to read more."""
        while True:
            if not connection.outbox:
                connection.outbox += connection.session.next_reply()
                if not connection.outbox:
                    break
            try:
                sent = connection.sock.send(connection.outbox)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._drop(connection)  # the client went away without its answer
                return
            del connection.outbox[:sent]
            if connection.outbox:
                break
        sending = bool(connection.outbox)
        if not sending and (connection.session.finished or connection.hung_up):
            self._drop(connection)  # after a refusal, or once the client sends no more
            return
        connection.reader.setEnabled(not sending)
        if sending and connection.writer is None:
            connection.writer = QSocketNotifier(
                connection.sock.fileno(), QSocketNotifier.Type.Write, self
            )
            connection.writer.activated.connect(self._writable)
        if connection.writer is not None:
            connection.writer.setEnabled(sending)

    def _drop(self, connection: _Connection) -> None:
        self._connections.pop(connection.sock.fileno(), None)
        self.killTimer(connection.deadline)
        self._deadlines.pop(connection.deadline, None)
        for notifier in (connection.reader, connection.writer):
            if notifier is not None:
                # Off before the descriptor closes; deleted later, as this may be running
                # in its own signal.
                notifier.setEnabled(False)
                notifier.deleteLater()
        connection.sock.close()


class Server(QObject):
    """Answers requests from `respite` commands; one handler call per request line."""

    def __init__(
        self,
        handler: Handler,
        *,
        data_dir: Path | None = None,
        name: str | None = None,
        deadline: float = CONNECTION_DEADLINE_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        """`deadline`: seconds a client has from connecting to send its requests and
        take its answers, after which it is dropped."""
        super().__init__(parent)
        self._data_dir = data_dir if data_dir is not None else paths.data_dir()
        self.name = name if name is not None else server_name(self._data_dir)
        self._listener: _Listener
        if sys.platform == "win32":
            from respite.ipc_windows import PipeListener

            self._listener = PipeListener(self.name, handler, self, deadline=deadline)
        else:
            self._listener = UnixListener(self.name, handler, self, deadline=deadline)

    def listen(self) -> None:
        """Start listening, replacing a stale socket. Hold the `InstanceLock` first: the
        lock is what keeps two starting instances from both taking the socket."""
        _prepare_folder(self.name, self._data_dir)
        self._listener.listen()

    def close(self) -> None:
        """Stop listening and hang up on every client; the socket file goes too."""
        self._listener.close()


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
