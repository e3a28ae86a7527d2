"""Fixtures for end-to-end tests: a private desktop (``desktop``) and a fake clock.

A missing tool skips these tests, unless RESPITE_E2E_REQUIRED=1 (set by scripts/test.sh
when CI=true): then it fails them, naming the Debian package to install.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

if __package__:  # tests/e2e is a package
    from .desktop import Desktop, FakeClock, MissingPrerequisite, skip_or_fail
else:  # rootdir-style import: pytest put this directory on sys.path
    from desktop import (  # type: ignore[no-redef]
        Desktop,
        FakeClock,
        MissingPrerequisite,
        skip_or_fail,
    )

E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test, so ``-m "not e2e"`` leaves it out."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def desktop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desktop]:
    """Xvfb + private session bus + trayer + dunst, shared by the whole session."""
    try:
        running = Desktop.start(tmp_path_factory.mktemp("desktop"))
    except MissingPrerequisite as exc:
        skip_or_fail(exc)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def fake_clock(tmp_path: Path) -> FakeClock:
    """libfaketime for child processes: ``desktop.run(cmd, env=fake_clock.env)``."""
    try:
        return FakeClock(tmp_path / "faketime")
    except MissingPrerequisite as exc:
        skip_or_fail(exc)
