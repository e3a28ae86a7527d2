"""The D-Bus connection on its own, against a socket standing in for the bus."""

from __future__ import annotations

import gc
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from respite.platform._dbus import Connection
from respite.platform.idle import IdleSourceUnavailable, MutterIdleSource


def test_hello_has_a_time_limit() -> None:
    # A "bus" that takes the connection and never answers Hello.
    ours, bus_end = socket.socketpair()
    # Should the Hello wait without a limit, closing the bus end after 5 s ends the
    # wait with ConnectionResetError: the test then fails instead of hanging.
    backstop = threading.Timer(5, lambda: bus_end.shutdown(socket.SHUT_RDWR))
    backstop.start()
    calls: list[str] = []
    try:
        with pytest.raises(TimeoutError):
            Connection(ours, 0.2, lambda: calls.append("after call"))
        assert calls == ["after call"]  # told after the Hello as after every call
    finally:
        backstop.cancel()
        ours.close()
        bus_end.close()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="/proc/self/fd")
def test_a_failed_hello_leaves_no_descriptor_open() -> None:
    # The idle source reconnects at every sample while the bus is away, and the app
    # collects garbage only now and then: a failed Hello must close what it opened.
    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    gc.disable()
    try:
        before = open_descriptors()
        for _ in range(5):
            ours, bus_end = socket.socketpair()
            bus_end.close()  # the bus hangs up before answering Hello
            with pytest.raises(OSError):
                Connection(ours, 0.2, lambda: None)
        assert open_descriptors() == before
    finally:
        gc.enable()


def test_an_idle_source_reconnecting_to_a_silent_bus_has_a_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The idle source is asked on the GUI thread and reconnects there when the bus went
    # away; a bus that takes the login and then never answers Hello must not hang it.
    path = tmp_path / "bus"
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(str(path))
    listening.listen(1)
    taken: list[socket.socket] = []
    backstops: list[threading.Timer] = []

    def silent_bus() -> None:
        conn, _ = listening.accept()
        taken.append(conn)
        received = b""
        while b"BEGIN\r\n" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                return
            received += chunk
            if b"AUTH" in chunk:
                conn.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")
        # Logged in; Hello is never answered. After 5 s the bus hangs up, so that a wait
        # without a limit fails the test instead of hanging it.
        backstop = threading.Timer(5, lambda: conn.shutdown(socket.SHUT_RDWR))
        backstop.daemon = True
        backstops.append(backstop)
        backstop.start()

    bus = threading.Thread(target=silent_bus, daemon=True)
    bus.start()
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={path}")
    started = time.monotonic()
    try:
        with pytest.raises(IdleSourceUnavailable):
            MutterIdleSource(timeout=0.2)
        assert time.monotonic() - started < 2
    finally:
        bus.join(timeout=10)
        for backstop in backstops:
            backstop.cancel()
        for conn in taken:
            conn.close()
        listening.close()
