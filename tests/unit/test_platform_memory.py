"""Giving freed heap memory back after a window closes (glibc's malloc_trim)."""

from __future__ import annotations

import sys

import pytest

from respite.platform.memory import MemoryGiver, glibc_malloc_trim


@pytest.mark.parametrize("platform", ["win32", "darwin", "freebsd14"])
def test_only_linux_has_a_malloc_trim_to_call(platform: str) -> None:
    assert glibc_malloc_trim(platform) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_glibc_malloc_trim_is_found_and_runs() -> None:
    trim = glibc_malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)


def test_the_python_side_is_collected_before_the_heap_is_trimmed() -> None:
    calls: list[object] = []
    giver = MemoryGiver(trim=lambda pad: calls.append(("trim", pad)) or 1,
                        collect=lambda: calls.append("collect"))  # fmt: skip
    assert giver.give_back()
    assert calls == ["collect", ("trim", 0)]


def test_without_a_malloc_trim_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("respite.platform.memory.glibc_malloc_trim", lambda: None)
    collected: list[bool] = []
    giver = MemoryGiver(collect=lambda: collected.append(True))
    assert not giver.give_back()
    assert collected == []
