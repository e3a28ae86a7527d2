"""Give memory back to the system after a big window has been closed.

glibc's malloc keeps what is freed in the middle of its heap for later use: closing the
Settings window frees ≈2 MiB of widgets, yet the process keeps every page.
`malloc_trim(0)` (glibc ≥ 2.8) hands whole free pages anywhere in the heap back to the
kernel. Other C libraries and systems return freed memory in their own way (and musl
has no `malloc_trim`), so elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)

Trim = Callable[[int], int]


def glibc_malloc_trim(platform: str = sys.platform) -> Trim | None:
    """glibc's `malloc_trim`, or None where there is none (not Linux, or not glibc)."""
    if not platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process already uses
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]  # ctypes function pointers are untyped


class MemoryGiver:
    """After a window is gone: collect its Python cycles, then trim the C heap."""

    def __init__(
        self, trim: Trim | None = None, collect: Callable[[], object] = gc.collect
    ) -> None:
        self._trim = trim if trim is not None else glibc_malloc_trim()
        self._collect = collect

    def give_back(self) -> bool:
        """True if the C library was asked to return free pages."""
        if self._trim is None:
            return False
        self._collect()  # the window's Python side may hold reference cycles
        returned = self._trim(0)  # 1: some memory went back; 0: none could
        log.debug("malloc_trim: %s", "memory returned" if returned else "nothing to return")
        return True
