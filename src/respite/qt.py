"""Small Qt helpers shared by every module that talks to Qt."""

from __future__ import annotations

import ctypes
import gc
import linecache
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

# ----- WORKAROUND for a PySide6 reference-count bug --------------------------------


def _incref(value: object) -> None:
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(value))


def _emit_drops_a_reference() -> bool:
    """Whether `SignalInstance.emit()` hands back a bool it holds no reference to.

    PySide6 6.12 does (seen with Python 3.11): every `.emit()` from Python takes one
    reference from `True`, and the process dies with "bool_dealloc: deallocating True or
    False" after a few hundred emits. From Python 3.12 on, True is immortal and the extra
    release is harmless. Probed once, so a fixed PySide6 needs no change here.
    """
    if sys.version_info >= (3, 12):
        return False

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    probe.ping.emit()
    dropped = sys.getrefcount(True) < before
    if dropped:
        _incref(True)  # give back what the probe took
    return dropped


_EMIT_DROPS_A_REFERENCE = _emit_drops_a_reference()


def emit(signal: SignalInstance, *args: Any) -> None:
    """`signal.emit(*args)`, keeping Python's bools alive (see `_emit_drops_a_reference`).

    Use this for every emit from Python in a long-running process.
    """
    # The stubs say emit() returns None; PySide6 returns a bool.
    result: object = signal.emit(*args)  # type: ignore[func-returns-value]
    if _EMIT_DROPS_A_REFERENCE and isinstance(result, bool):
        _incref(result)


def forget_module_sources() -> None:
    """Drop the module sources PySide6 made linecache hold.

    WORKAROUND: PySide6 6.12 reads the whole source of every module imported after it
    (its `__feature__` check, `shibokensupport.feature._mod_uses_pyside`, calls
    `inspect.getsource`), and linecache keeps all of it: ≈5.5 MiB for Respite's imports,
    a third of its own memory. Nothing needs those lines until a traceback is printed,
    and linecache reads the file again then.
    """
    linecache.clearcache()


class GuiThreadGarbageCollector(QObject):
    """Runs Python's cycle collector on the GUI thread only, and forgets module sources.

    WORKAROUND: automatic collection runs on whichever thread happens to allocate, and a
    collection on the D-Bus reader thread can destroy QObjects there, off their thread
    (seen as crashes in the test suite). Automatic collection is turned off and this
    timer collects, youngest generation first, when the counts say it is time. Each
    round also drops the sources PySide6 read for modules imported since (see
    `forget_module_sources`); the first round runs as soon as the event loop does.
    """

    def __init__(self, interval_ms: int = 30_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCore import QTimer

        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        from PySide6.QtCore import QTimer

        gc.disable()
        self._timer.start()
        QTimer.singleShot(0, self, self.collect)

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    def collect(self) -> int:
        forget_module_sources()
        counts = gc.get_count()
        generation = -1
        for index, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if count > threshold:
                generation = index
        return gc.collect(generation) if generation >= 0 else 0
