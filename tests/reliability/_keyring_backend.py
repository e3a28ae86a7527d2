"""A keyring backend for tests: secrets in one JSON file outside Respite's folders.

Selected in a child process with
PYTHON_KEYRING_BACKEND=tests.reliability._keyring_backend.FileKeyring and
RESPITE_TEST_KEYRING=<file>.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def _file(self) -> Path:
        return Path(os.environ["RESPITE_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        return json.loads(self._file.read_text()) if self._file.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\0{username}"] = password
        self._file.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        data.pop(f"{service}\0{username}", None)
        self._file.write_text(json.dumps(data))
