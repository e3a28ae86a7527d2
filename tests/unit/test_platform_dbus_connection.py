"""The D-Bus connection on its own, against a socket standing in for the bus."""

from __future__ import annotations

import socket
import threading

import pytest

from respite.platform._dbus import Connection


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
