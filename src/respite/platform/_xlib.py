"""The little of Xlib (libX11.so.6) and XScreenSaver (libXss.so.1) Respite uses, via ctypes.

Loaded lazily, only where an X11 adapter is built. Xlib's default error handler prints
and *exits the process* on any protocol error (e.g. BadWindow when the active window
vanishes between two calls), so `load_xlib()` installs a handler that records errors on
Respite's own displays and passes everything else to the previous handler.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Sequence
from typing import Any

SUCCESS = 0  # Xlib's Success
ANY_PROPERTY_TYPE = 0  # AnyPropertyType
PROP_MODE_REPLACE = 0  # PropModeReplace
XA_ATOM = 4
XA_WINDOW = 33


class XlibUnavailable(OSError):
    """libX11/libXss is missing, or the display cannot be opened."""


class XError(OSError):
    """An X request failed (e.g. BadWindow: the window is gone)."""


class XErrorEvent(ctypes.Structure):
    # Xlib.h: typedef struct { int type; Display *display; XID resourceid;
    #   unsigned long serial; unsigned char error_code, request_code, minor_code; }
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


class XScreenSaverInfo(ctypes.Structure):
    # scrnsaver.h: Window window; int state; int kind; unsigned long til_or_since;
    #   unsigned long idle (milliseconds); unsigned long eventMask;
    _fields_ = [
        ("window", ctypes.c_ulong),
        ("state", ctypes.c_int),
        ("kind", ctypes.c_int),
        ("til_or_since", ctypes.c_ulong),
        ("idle", ctypes.c_ulong),
        ("event_mask", ctypes.c_ulong),
    ]


ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(XErrorEvent))

_lock = threading.Lock()
_xlib: Any = None
_xss: Any = None
_previous_handler: Any = None
_handler: Any = None  # keep the ctypes callback alive for the life of the process
_our_displays: set[int] = set()
_errors: dict[int, int] = {}  # display address -> last error code


def _load(soname: str, short: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        # Imported only then: ctypes.util brings subprocess and friends (≈0.4 MiB).
        from ctypes.util import find_library

        found = find_library(short)
        if found is None:
            raise XlibUnavailable(f"{soname} not found") from None
        try:
            return ctypes.CDLL(found)
        except OSError as exc:
            raise XlibUnavailable(f"{soname} cannot be loaded: {exc}") from None


def _on_error(display: int | None, event: Any) -> int:
    if display in _our_displays:
        _errors[display] = int(event.contents.error_code)
        return 0
    if _previous_handler:
        return int(_previous_handler(display, event))
    return 0


def load_xlib() -> Any:
    """libX11 with the prototypes used here declared; installs the error handler once."""
    global _xlib, _previous_handler, _handler
    with _lock:
        if _xlib is not None:
            return _xlib
        xlib = _load("libX11.so.6", "X11")
        c = ctypes
        xlib.XOpenDisplay.restype = c.c_void_p
        xlib.XOpenDisplay.argtypes = [c.c_char_p]
        xlib.XCloseDisplay.argtypes = [c.c_void_p]
        xlib.XDefaultRootWindow.restype = c.c_ulong
        xlib.XDefaultRootWindow.argtypes = [c.c_void_p]
        xlib.XFree.argtypes = [c.c_void_p]
        xlib.XSync.argtypes = [c.c_void_p, c.c_int]
        xlib.XFlush.argtypes = [c.c_void_p]
        xlib.XInternAtom.restype = c.c_ulong
        xlib.XInternAtom.argtypes = [c.c_void_p, c.c_char_p, c.c_int]
        xlib.XGetWindowProperty.restype = c.c_int
        xlib.XGetWindowProperty.argtypes = [
            c.c_void_p,  # display
            c.c_ulong,  # window
            c.c_ulong,  # property
            c.c_long,  # long_offset
            c.c_long,  # long_length
            c.c_int,  # delete
            c.c_ulong,  # req_type
            c.POINTER(c.c_ulong),  # actual_type_return
            c.POINTER(c.c_int),  # actual_format_return
            c.POINTER(c.c_ulong),  # nitems_return
            c.POINTER(c.c_ulong),  # bytes_after_return
            c.POINTER(c.c_void_p),  # prop_return
        ]
        xlib.XSetErrorHandler.restype = c.c_void_p
        xlib.XSetErrorHandler.argtypes = [ERROR_HANDLER]
        handler = ERROR_HANDLER(_on_error)
        previous = xlib.XSetErrorHandler(handler)
        _previous_handler = ERROR_HANDLER(previous) if previous else None
        _handler = handler
        _xlib = xlib
        return xlib


def load_xss() -> Any:
    """libXss (the MIT-SCREEN-SAVER extension's client library) with its prototypes."""
    global _xss
    with _lock:
        if _xss is not None:
            return _xss
        xss = _load("libXss.so.1", "Xss")
        c = ctypes
        xss.XScreenSaverQueryExtension.restype = c.c_int
        xss.XScreenSaverQueryExtension.argtypes = [
            c.c_void_p,
            c.POINTER(c.c_int),
            c.POINTER(c.c_int),
        ]
        xss.XScreenSaverAllocInfo.restype = c.POINTER(XScreenSaverInfo)
        xss.XScreenSaverAllocInfo.argtypes = []
        xss.XScreenSaverQueryInfo.restype = c.c_int
        xss.XScreenSaverQueryInfo.argtypes = [
            c.c_void_p,
            c.c_ulong,
            c.POINTER(XScreenSaverInfo),
        ]
        _xss = xss
        return xss


def open_display(name: str | None) -> tuple[Any, int]:
    """(libX11, Display*) for `name` (None: $DISPLAY); raise XlibUnavailable."""
    xlib = load_xlib()
    display = xlib.XOpenDisplay(name.encode() if name else None)
    if not display:
        raise XlibUnavailable(f"cannot open X display {name or '$DISPLAY'!r}")
    _our_displays.add(display)
    return xlib, display


def close_display(xlib: Any, display: int) -> None:
    xlib.XCloseDisplay(display)
    _our_displays.discard(display)
    _errors.pop(display, None)


def take_error(display: int) -> int | None:
    """The last X error code seen on `display` since the previous call, if any."""
    return _errors.pop(display, None)


def decode_format32(data: bytes, count: int) -> list[int]:
    """Values of a format-32 property as XGetWindowProperty returns them.

    Xlib hands format-32 data back as an array of C `long` (8 bytes on LP64 systems),
    not of 32-bit integers; only the low 32 bits carry the value.
    """
    size = ctypes.sizeof(ctypes.c_long)
    if len(data) < size * count:
        raise ValueError(f"{len(data)} bytes cannot hold {count} format-32 items")
    array = (ctypes.c_ulong * count).from_buffer_copy(data[: size * count])
    return [int(value) & 0xFFFFFFFF for value in array]


def get_property32(xlib: Any, display: int, window: int, atom: int) -> list[int] | None:
    """A format-32 property's values; None if unset or of another format.

    Raises XError when the request fails (e.g. BadWindow)."""
    c = ctypes
    actual_type = c.c_ulong()
    actual_format = c.c_int()
    nitems = c.c_ulong()
    bytes_after = c.c_ulong()
    data = c.c_void_p()
    take_error(display)
    status = xlib.XGetWindowProperty(
        display,
        window,
        atom,
        0,
        1024,
        0,
        ANY_PROPERTY_TYPE,
        c.byref(actual_type),
        c.byref(actual_format),
        c.byref(nitems),
        c.byref(bytes_after),
        c.byref(data),
    )
    try:
        error = take_error(display)
        if status != SUCCESS or error is not None:
            raise XError(f"XGetWindowProperty failed (status {status}, X error {error})")
        if actual_type.value == 0 or actual_format.value != 32:
            return None
        count = int(nitems.value)
        address = data.value or 0
        raw = c.string_at(address, c.sizeof(c.c_long) * count) if count and address else b""
        return decode_format32(raw, count)
    finally:
        if data.value:
            xlib.XFree(data)


def intern_atoms(xlib: Any, display: int, names: Sequence[str]) -> dict[str, int]:
    return {name: int(xlib.XInternAtom(display, name.encode(), 0)) for name in names}
