"""Small Qt helpers shared by every module that talks to Qt."""

from __future__ import annotations

import ctypes
import gc
import inspect
import linecache
import sys
from types import ModuleType
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance

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


# ----- WORKAROUND for a PySide6 reference-count bug on None -------------------------

# References given to None up front: more than any process makes Qt calls.
NONE_RESERVE = 1 << 40


def _void_calls_drop_none() -> bool:
    """Whether a PySide6 method that returns nothing takes a reference from None.

    PySide6 6.12 does (seen with Python 3.11): each `QTimer.start()`, `QTimer.stop()`,
    `setObjectName()`... releases None once. The runtime arms its timer at every idle
    sample, so once None's few tens of thousands of references are used up (a week or
    so of running; sooner in a long test session) the process dies with "none_dealloc:
    deallocating None". From Python 3.12 on, None is immortal. Probed once.
    """
    if sys.version_info >= (3, 12):
        return False
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - 8


def _make_none_immortal() -> bool:
    """Give None NONE_RESERVE references, as Python 3.12 makes it immortal: the calls
    that drop one are everywhere, so they can't be given back one by one as `emit` does
    for True. Only where the count is where CPython keeps it (not a debug build)."""
    if hasattr(sys, "gettotalrefcount"):
        return False  # a debug build lays objects out differently
    count = ctypes.c_ssize_t.from_address(id(None))
    if not 0 < sys.getrefcount(None) - count.value <= 2:
        return False
    count.value += NONE_RESERVE
    return True


_NONE_MADE_IMMORTAL = _void_calls_drop_none() and _make_none_immortal()


# ----- WORKAROUND for PySide6 keeping every module's source in memory ---------------


def _mentions_pyside(module: ModuleType) -> bool:
    """PySide6's own test (does the module's source mention "PySide6"?), reading the file
    once instead of through `inspect.getsource`, which keeps it in linecache."""
    try:
        path = inspect.getsourcefile(module)  # as getsource finds it, without reading it
    except TypeError:  # a built-in module
        return False
    if path is None or not path.endswith(".py"):
        # No source to read: getsource would fail, which PySide6 reads as False. (In a
        # PyInstaller bundle with its inspect hook, getsourcefile names an extension
        # module's .so, which must not be read whole: see packaging/pyinstaller.)
        return False
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def stop_keeping_module_sources() -> bool:
    """Whether PySide6's per-import check could be replaced by `_mentions_pyside`.

    PySide6 6.12 hooks `__import__` for its `__feature__` switches: the first time any
    module is imported (or merely named in an import statement) after PySide6, it calls
    `inspect.getsource` on it, and linecache keeps every line of every such module for
    good: ≈5.5 MiB for Respite, a third of its own memory, which clearing linecache later
    only half returns (freed small strings leave the allocator's arenas fragmented).
    Respite uses no `__feature__` switch; the replacement gives the same answers. Call
    it before importing the rest of the app: the sources PySide6 kept while it was
    imported itself (enum.py and its own packages, ≈0.2 MiB) are dropped too, and freed
    that early their space goes to the app's next imports instead of staying a hole.
    """
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    feature._mod_uses_pyside = _mentions_pyside
    linecache.clearcache()  # a traceback reads what it needs again
    return True


class GuiThreadGarbageCollector(QObject):
    """Runs Python's cycle collector on the GUI thread only.

    WORKAROUND: automatic collection runs on whichever thread happens to allocate, and a
    collection on another thread can destroy QObjects there, off their thread (seen as
    crashes in the test suite while D-Bus had reader threads; Respite starts none now,
    but a library may). Automatic collection is turned off and this timer collects,
    youngest generation first, when the counts say it is time.
    """

    def __init__(self, interval_ms: int = 30_000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtCore import QTimer

        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)

    def start(self) -> None:
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()

    def finish(self) -> None:
        """Stop for the process's exit: one last full collection here, and automatic
        collection left off. WORKAROUND: turned back on, a collection that an allocation
        inside a Qt destructor sets off can destroy another QObject there, which waits
        for the lock the outer destructor holds (seen as a hang at exit)."""
        self._timer.stop()
        gc.collect()

    def collect(self) -> int:
        counts = gc.get_count()
        generation = -1
        for index, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if count > threshold:
                generation = index
        return gc.collect(generation) if generation >= 0 else 0


# ----- Keeping clear of the `Qt` namespace at start-up ------------------------------
#
# The first use of `PySide6.QtCore.Qt` (even `from PySide6.QtCore import Qt`) makes
# PySide6 6.12 build all 94 enums of that namespace as Python enums — about 1 MiB that
# stays for good. What runs at start-up therefore never names it; windows built on first
# use (break window, popup, settings, history) do, once they are needed.

PRECISE_TIMER = 0  # Qt::PreciseTimer


def make_precise(timer: QTimer) -> None:
    """`timer.setTimerType(Qt.TimerType.PreciseTimer)` without naming `Qt`: through the
    `timerType` property, which Qt converts from the plain number."""
    timer.setProperty("timerType", PRECISE_TIMER)
