"""The local socket on Windows: a named pipe through QtNetwork's `QLocalServer` and
`QLocalSocket`, behind the same small interface as `respite.ipc.UnixListener`.

Imported only on Windows, where the app and the CLI use it. Qt offers the same classes
on Linux over a Unix socket, which is how the tests run this code there.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QByteArray, QObject, QTimer, QTimerEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from respite.ipc_protocol import (
    CONNECT_TIMEOUT_SECONDS,
    CONNECTION_DEADLINE_SECONDS,
    MAX_REPLY_BYTES,
    NOT_YOUR_SERVER,
    READ_CHUNK,
    Handler,
    IpcError,
    Session,
)

__all__ = ["PipeListener", "pipe_exchange"]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = int(CONNECT_TIMEOUT_SECONDS * 1000)
POLL_MS = 20


@dataclass(slots=True)
class _Client:
    """What `PipeListener` keeps for one client besides its socket."""

    session: Session
    deadline: int  # the id of the timer that ends the connection


class PipeListener(QObject):
    """The server's end on Windows. Its slots find their client through `sender()`: no
    per-client lambda holds a client after it has gone; a client's deadline is a timer
    of this object's (`startTimer`). As on Linux and macOS, requests are answered one at
    a time, the next once the last answer has been written; meanwhile Qt reads ahead no
    more than the socket's read buffer (READ_CHUNK).

    A pipe has no half-close: a client that stops sending has gone, so a last request
    without its newline has no one to answer."""

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
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._clients: dict[QLocalSocket, _Client] = {}
        self._deadlines: dict[int, QLocalSocket] = {}  # by timer id
        # Clients gone, kept until the loop turns (see `_forget`).
        self._gone: list[QLocalSocket] = []
        self._sweep = QTimer(self)
        self._sweep.setSingleShot(True)
        self._sweep.setInterval(0)
        self._sweep.timeout.connect(self._let_go)

    def listen(self) -> None:
        QLocalServer.removeServer(self._name)
        if not self._server.listen(self._name):
            raise IpcError(
                f"Respite could not listen for commands on {self._name} "
                f"({self._server.errorString()})."
            )
        log.debug("listening for commands on %s", self._server.fullServerName())

    def close(self) -> None:
        for client in list(self._clients):
            client.abort()
            self._forget(client)
        self._let_go()
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            client = self._server.nextPendingConnection()
            # Qt reads no further ahead than this while a request waits for its turn.
            client.setReadBufferSize(READ_CHUNK)
            deadline = self.startTimer(self._deadline_ms)
            self._clients[client] = _Client(Session(self._handler), deadline)
            self._deadlines[deadline] = client
            client.readyRead.connect(self._ready)
            client.bytesWritten.connect(self._ready)
            client.disconnected.connect(self._disconnected)
            if client.bytesAvailable():
                self._serve(client)

    def timerEvent(self, event: QTimerEvent) -> None:
        client = self._deadlines.get(event.timerId())
        if client is None:
            super().timerEvent(event)
            return
        log.debug("dropped a command connection not done within %d ms", self._deadline_ms)
        client.abort()
        self._forget(client)

    def _ready(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket):
            self._serve(client)

    def _disconnected(self) -> None:
        client = self.sender()
        if isinstance(client, QLocalSocket):
            self._forget(client)

    def _serve(self, client: QLocalSocket) -> None:
        """Answer the next request once the last answer has been written, reading more
        only when no whole request is left; Qt writes in the event loop and signals
        bytesWritten, which comes back here."""
        state = self._clients.get(client)
        if state is None:
            return
        session = state.session
        while not client.bytesToWrite():
            reply = session.next_reply()
            if reply:
                client.write(QByteArray(reply))
            elif session.finished:
                client.disconnectFromServer()  # once the refusal is written
                return
            elif client.bytesAvailable():
                session.receive(bytes(client.read(READ_CHUNK).data()))
            else:
                return

    def _forget(self, client: QLocalSocket) -> None:
        state = self._clients.pop(client, None)
        if state is None:
            return
        self.killTimer(state.deadline)
        del self._deadlines[state.deadline]
        # WORKAROUND: PySide6 is never told when Qt deletes a socket that came from
        # nextPendingConnection(), so after deleteLater() its wrapper stayed listed under
        # the server's wrapper for good (≈1 KiB a connection, with what hangs off it).
        # Taken from the server, the wrapper owns the socket and deletes it when let go:
        # on the loop's next turn, not inside the socket's own signal.
        client.setParent(None)
        self._gone.append(client)
        self._sweep.start()

    def _let_go(self) -> None:
        self._gone.clear()


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


class Win32Accounts(Protocol):
    """Who runs the process at the other end of a pipe, as Windows tells it."""

    def server_process_id(self, pipe: int) -> int: ...

    def user_of(self, process_id: int | None) -> bytes:
        """The SID of the account a process runs as (None: this process); OSError when
        Windows won't tell."""
        ...


class _Win32(Win32Accounts):
    """kernel32 and advapi32 through ctypes (GetNamedPipeServerProcessId, OpenProcess,
    OpenProcessToken, GetTokenInformation(TokenUser), GetLengthSid)."""

    QUERY_LIMITED_INFORMATION = 0x1000  # PROCESS_QUERY_LIMITED_INFORMATION
    TOKEN_QUERY = 0x0008
    TOKEN_USER = 1  # the TOKEN_INFORMATION_CLASS value

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes, self._wintypes = ctypes, wintypes
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)  # type: ignore[attr-defined]
        handle, dword, ok = wintypes.HANDLE, wintypes.DWORD, wintypes.BOOL
        for function, arguments, result in (
            (kernel32.GetNamedPipeServerProcessId, [handle, ctypes.POINTER(wintypes.ULONG)], ok),
            (kernel32.OpenProcess, [dword, ok, dword], handle),
            (kernel32.GetCurrentProcess, [], handle),
            (kernel32.CloseHandle, [handle], ok),
            (advapi32.OpenProcessToken, [handle, dword, ctypes.POINTER(handle)], ok),
            (
                advapi32.GetTokenInformation,
                [handle, ctypes.c_int, ctypes.c_void_p, dword, ctypes.POINTER(dword)],
                ok,
            ),
            (advapi32.GetLengthSid, [ctypes.c_void_p], dword),
        ):
            function.argtypes, function.restype = arguments, result
        self._kernel32, self._advapi32 = kernel32, advapi32

    def _fail(self) -> OSError:
        return self._ctypes.WinError(self._ctypes.get_last_error())  # type: ignore[attr-defined,no-any-return]

    def server_process_id(self, pipe: int) -> int:
        process_id = self._wintypes.ULONG()
        pointer = self._ctypes.byref(process_id)
        if not self._kernel32.GetNamedPipeServerProcessId(pipe, pointer):
            raise self._fail()
        return int(process_id.value)

    def user_of(self, process_id: int | None) -> bytes:
        ctypes, kernel32 = self._ctypes, self._kernel32
        if process_id is None:
            process = kernel32.GetCurrentProcess()  # a pseudo-handle: nothing to close
        else:
            process = kernel32.OpenProcess(self.QUERY_LIMITED_INFORMATION, False, process_id)
            if not process:
                raise self._fail()
        try:
            token = self._wintypes.HANDLE()
            if not self._advapi32.OpenProcessToken(process, self.TOKEN_QUERY, ctypes.byref(token)):
                raise self._fail()
            try:
                return self._token_user(token)
            finally:
                kernel32.CloseHandle(token)
        finally:
            if process_id is not None:
                kernel32.CloseHandle(process)

    def _token_user(self, token: object) -> bytes:
        ctypes, query = self._ctypes, self._advapi32.GetTokenInformation
        needed = self._wintypes.DWORD()
        query(token, self.TOKEN_USER, None, 0, ctypes.byref(needed))  # asks for the size
        buffer = ctypes.create_string_buffer(max(needed.value, 1))
        if not query(token, self.TOKEN_USER, buffer, needed, ctypes.byref(needed)):
            raise self._fail()
        sid = ctypes.cast(buffer, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_USER.User.Sid
        return ctypes.string_at(sid, self._advapi32.GetLengthSid(sid))


def foreign_owner(pipe: int, accounts: Win32Accounts) -> str | None:
    """Why the process serving `pipe` must not be sent anything, or None when it runs as
    this user. The pipe's name is predictable, so another account could have created it
    first (to read what is sent, or to act as the user): what runs as someone else, or
    won't say who it runs as, is not Respite."""
    try:
        if accounts.user_of(accounts.server_process_id(pipe)) == accounts.user_of(None):
            return None
    except OSError as error:
        log.warning("could not tell who listens on Respite's command pipe: %s", error)
    return NOT_YOUR_SERVER


def _check_with_windows(pipe: int) -> str | None:
    return foreign_owner(pipe, _Win32())


# Who serves the pipe is checked on Windows; the tests run this client on Linux, where Qt
# serves it from a Unix socket in the user's private folder.
OwnerCheck = Callable[[int], "str | None"]
DEFAULT_OWNER_CHECK: OwnerCheck | None = _check_with_windows if sys.platform == "win32" else None


def pipe_exchange(
    name: str, payload: bytes, timeout: float, owner_check: OwnerCheck | None = DEFAULT_OWNER_CHECK
) -> bytes | None:
    """Send `payload` and read one answer line; None when nothing listens on `name`.
    IpcError when `owner_check` finds the pipe's server is not this user's."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        log.debug("no instance at %s: %s", name, socket.errorString())
        socket.abort()
        return None
    try:
        if owner_check is not None and (refusal := owner_check(int(socket.socketDescriptor()))):
            raise IpcError(refusal)
        socket.write(QByteArray(payload))
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        return _read_line(socket, time.monotonic() + timeout)
    finally:
        socket.abort()
