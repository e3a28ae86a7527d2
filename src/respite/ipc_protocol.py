"""The Qt-free half of `respite.ipc`: where the socket lives, the line protocol both ends
speak, and the blocking client the `respite` commands use.

Nothing here imports Qt, so `respite win` and friends reach the running app without
loading it (on Windows the client's named pipe still goes through QtNetwork).

The protocol is one JSON object per line each way:

    request:  {"command": "pause", "args": {"minutes": 30}}
    response: {"ok": true, "result": ...}  or  {"ok": false, "error": "One clear sentence."}

A client that stops sending ends its last line, newline or not: `printf '{"command":
"status"}' | nc -U respite.sock` is answered.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from respite import paths
from respite.core.errors import UNEXPECTED, UserFacingError

__all__ = [
    "MAX_REQUEST_BYTES",
    "CommandError",
    "Handler",
    "IpcError",
    "Reply",
    "Session",
    "request",
    "server_name",
]

log = logging.getLogger(__name__)

SOCKET_FILE_NAME = "respite.sock"
# A request line longer than this is refused (commands are tiny).
MAX_REQUEST_BYTES = 64 * 1024
# What a server reads from a connection at a time.
READ_CHUNK = 64 * 1024
# sun_path holds 108 bytes on Linux and 104 on macOS, with the terminating NUL.
MAX_SOCKET_PATH = 100
CONNECT_TIMEOUT_SECONDS = 1.0
# How long the client waits for its answer. A command may write to the event log, and a
# write may wait storage.db.BUSY_TIMEOUT_SECONDS (5 s) for SQLite's lock: `respite
# history` and `export` ask the app to flush first. Longer than that, so a slow answer is
# still taken; shorter than the server's deadline below.
REPLY_TIMEOUT_SECONDS = 15.0
# A server drops a connection this long after taking it, done or not: one that sends
# nothing, half a line or never reads would otherwise keep its descriptor for good. The
# CLI takes milliseconds and gives up sooner (REPLY_TIMEOUT_SECONDS), so the server never
# cuts an exchange its client still waits for; `nc -U` typed by hand gets half a minute.
CONNECTION_DEADLINE_SECONDS = 30.0
MAX_REPLY_BYTES = 16 * 1024 * 1024

# What a handler gets: the command name and its arguments; it returns a JSON-able result
# or raises a UserFacingError (CommandError, ActionError) with a sentence for the user;
# anything else it raises is a bug, answered with UNEXPECTED.
Handler = Callable[[str, dict[str, Any]], Any]


class IpcError(Exception):
    """The socket can't be used; the message is one sentence for the user."""


class CommandError(UserFacingError):
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


def is_private_dir(folder: Path) -> bool:
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


def temp_folder() -> Path:
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
        if _fits(candidate) and is_private_dir(Path(runtime)):
            return str(candidate)
    return str(temp_folder() / f"respite-{digest}.sock")


# ----- peer credentials -----------------------------------------------------------------

# Linux, <sys/socket.h>: getsockopt(SOL_SOCKET, SO_PEERCRED) gives the peer's
# struct ucred { pid_t pid; uid_t uid; gid_t gid; } as it was at connect().
_UCRED = struct.Struct("=iII")

# macOS, <sys/un.h> and <sys/ucred.h> in Apple's xnu (FreeBSD's start the same way):
# getsockopt(SOL_LOCAL = 0, LOCAL_PEERCRED = 0x001) gives the peer's
#     struct xucred { u_int cr_version; uid_t cr_uid; short cr_ngroups;
#                     gid_t cr_groups[NGROUPS]; }   (NGROUPS 16: 76 bytes)
# as it was at connect(), cr_uid being the effective uid; cr_version is XUCRED_VERSION, 0.
# The kernel copies at most the length asked for. Only the first two fields are read.
_SOL_LOCAL = 0
_LOCAL_PEERCRED = 0x001
_XUCRED_VERSION = 0
_XUCRED_SIZE = 76
_XUCRED_HEAD = struct.Struct("=II")  # cr_version, cr_uid


def xucred_uid(data: bytes) -> int:
    """The effective uid in a struct xucred from LOCAL_PEERCRED."""
    if len(data) < _XUCRED_HEAD.size:
        raise ValueError(f"a struct xucred of {len(data)} bytes is too short")
    version, uid = _XUCRED_HEAD.unpack_from(data)
    if version != _XUCRED_VERSION:
        raise ValueError(f"struct xucred version {version}, not {_XUCRED_VERSION}")
    return int(uid)


def peer_uid(sock: socket.socket) -> int:
    """The effective uid of the process at the other end of a connected Unix socket."""
    if sys.platform == "linux":
        data = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
        uid = _UCRED.unpack(data)[1]
    else:
        uid = xucred_uid(sock.getsockopt(_SOL_LOCAL, _LOCAL_PEERCRED, _XUCRED_SIZE))
    return int(uid)


def known_peer_uid(sock: socket.socket) -> int | None:
    """`peer_uid`, or None where the system won't say (which is no one to trust)."""
    try:
        return peer_uid(sock)
    except (OSError, ValueError) as error:
        log.debug("no peer credentials: %s", error)
        return None


# ----- the server's side of the protocol ------------------------------------------------


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def failure(error: str) -> bytes:
    return encode({"ok": False, "error": error})


NOT_YOUR_SERVER = (
    "Something not running as you is listening where Respite takes commands, so Respite "
    "sent it nothing. Restarting the computer clears it; if it comes back, tell whoever "
    "looks after this computer: another account may be imitating Respite."
)


def answer(handler: Handler, line: bytes) -> bytes:
    """The response line to one request line; the handler's errors become error replies."""
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return failure("The request was not a line of JSON.")
    if not isinstance(message, dict):
        return failure('The request must be a JSON object like {"command": "status"}.')
    command, args = message.get("command"), message.get("args", {})
    if not isinstance(command, str) or not command:
        return failure('The request needs a "command", such as "status".')
    if args is None:
        args = {}
    if not isinstance(args, dict):
        return failure('The request\'s "args" must be a JSON object.')
    try:
        result = handler(command, args)
    except UserFacingError as error:  # CommandError, ActionError and friends
        log.debug("command %r refused: %s", command, error)
        return failure(str(error) or "That command could not be carried out.")
    except Exception:
        log.exception("command %r failed", command)
        return failure(UNEXPECTED)
    try:
        return encode({"ok": True, "result": result})
    except (TypeError, ValueError):  # a result JSON can't hold (NaN, an object): a bug
        log.exception("command %r gave a result that can't be sent", command)
        return failure(UNEXPECTED)


class Session:
    """One connection's requests, whatever the transport: bytes in as they arrive
    (`receive`), one response line out per request line, each carried out only when the
    transport asks for its answer (`next_reply`). A transport asks for the next answer
    once the last has gone out, and reads no more while one is going out: a client that
    sends without reading makes the server wait, not its memory grow.

    A request longer than MAX_REQUEST_BYTES gets one error line and ends the session
    (`finished`): the transport sends what it has and hangs up. When the client sends no
    more (`end`), a last line left without its newline is a request all the same."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._pending = bytearray()
        self._scanned = 0  # bytes at the start of _pending known to hold no newline
        self.finished = False

    def receive(self, data: bytes) -> None:
        """Take `data`, the next bytes read from the client."""
        if not self.finished:
            self._pending += data

    def end(self) -> None:
        """The client sends no more: its last line ends here, newline or not."""
        if self._pending and not self._pending.endswith(b"\n"):
            self._pending += b"\n"

    def next_reply(self) -> bytes:
        """The answer to the oldest request not yet answered; b"" while no line is whole."""
        if self.finished:
            return b""
        # Search only what is new: a slow sender costs no rescans.
        newline = self._pending.find(b"\n", self._scanned)
        if newline < 0:
            self._scanned = len(self._pending)
            return self._refuse() if len(self._pending) > MAX_REQUEST_BYTES else b""
        line = bytes(self._pending[: newline + 1])
        del self._pending[: newline + 1]
        self._scanned = 0
        if len(line) > MAX_REQUEST_BYTES:
            return self._refuse()
        return answer(self._handler, line)

    def _refuse(self) -> bytes:
        self.finished = True
        self._pending.clear()
        return failure("The request is too long.")


# ----- client --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reply:
    ok: bool
    result: Any = None
    error: str = ""


def _unix_exchange(target: str, payload: bytes, timeout: float) -> bytes | None:
    """Send `payload` and read one answer line; None when nothing listens at `target`."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_TIMEOUT_SECONDS)
        try:
            sock.connect(target)
        except (TimeoutError, BlockingIOError) as error:  # its queue of callers is full
            raise IpcError("Respite is running but busy; try again in a moment.") from error
        except OSError as error:  # no file, nobody listening (a stale file), not ours
            log.debug("no instance at %s: %s", target, error)
            return None
        # The folder was private when looked at; what answers must be ours all the same
        # (a fallback folder in /tmp could have been swapped since).
        if known_peer_uid(sock) != os.geteuid():
            raise IpcError(NOT_YOUR_SERVER)
        deadline = time.monotonic() + timeout
        buffer = b""
        try:
            try:
                sock.sendall(payload)
            except (BrokenPipeError, ConnectionResetError) as error:
                # The app hung up before taking it all (a request too long): its
                # reason waits to be read below.
                log.debug("the app stopped reading: %s", error)
            while b"\n" not in buffer:
                sock.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = sock.recv(64 * 1024)
                if not chunk:
                    break  # the app hung up; whatever came is the answer
                buffer += chunk
                if len(buffer) > MAX_REPLY_BYTES:
                    raise IpcError("Respite's answer was far too long.")
        except TimeoutError as error:
            raise IpcError("Respite is running but did not answer in time.") from error
        except OSError as error:
            raise IpcError(f"Respite is running but the connection broke ({error}).") from error
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
    payload = encode({"command": command, "args": args or {}})
    if sys.platform == "win32":
        from respite.ipc_windows import pipe_exchange

        buffer = pipe_exchange(target, payload, timeout)
    elif is_private_dir(Path(target).parent):
        buffer = _unix_exchange(target, payload, timeout)
    else:
        return None  # nothing of ours can be listening there
    if buffer is None:
        return None
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
