"""Secrets in the keyring: the wrapper, `respite secret set/delete`, and no plain-text
fallback when no usable keyring exists."""

from __future__ import annotations

import io
from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null
from keyring.errors import KeyringLocked, PasswordDeleteError

from respite import cli
from respite.storage import secrets


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError("no such password")
        del self.store[(service, username)]


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"refused {password}")  # a backend echoing the value


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)


class Terminal(io.StringIO):
    """stdin at a terminal: the secret is asked for without echo."""

    def isatty(self) -> bool:
        return True


def piped(data: bytes) -> io.TextIOWrapper:
    """stdin fed by a pipe (the locale's encoding is UTF-8 here)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_set_get_delete(memory_keyring: MemoryKeyring) -> None:
    secrets.set_secret("calendar-work", "https://example.org/private/abc.ics")
    assert memory_keyring.store == {
        ("respite", "calendar-work"): "https://example.org/private/abc.ics"
    }
    assert secrets.get_secret("calendar-work") == "https://example.org/private/abc.ics"
    assert secrets.delete_secret("calendar-work") is True
    assert secrets.delete_secret("calendar-work") is False
    assert secrets.get_secret("calendar-work") is None


@pytest.mark.parametrize("name", ["", "has space", "-lead", "a" * 65, "ünï"])
def test_bad_names_are_refused(name: str, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(secrets.SecretError, match="can't name a secret"):
        secrets.set_secret(name, "x")
    assert memory_keyring.store == {}


def test_no_keyring_means_a_clear_message_and_nothing_stored(
    no_keyring: None, tmp_path: object
) -> None:
    with pytest.raises(secrets.SecretsUnavailable, match="gnome-keyring"):
        secrets.set_secret("token", "s3cret-value")
    with pytest.raises(secrets.SecretsUnavailable, match="never in a file"):
        secrets.get_secret("token")


@pytest.mark.parametrize("setting", ["nonexistent.Backend", "foo", "keyring.backends.fail.Nope"])
def test_a_backend_setting_that_cant_be_loaded_says_which_setting(
    setting: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", setting)
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)  # detect it again
    monkeypatch.setattr("sys.stdin", piped(b"s3cret-value\n"))

    with pytest.raises(secrets.SecretsUnavailable, match="PYTHON_KEYRING_BACKEND"):
        secrets.check_available()
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_FAILED
    [line] = capsys.readouterr().err.splitlines()
    assert "keyringrc.cfg" in line and "gnome-keyring" in line


def test_a_file_based_backend_is_not_accepted() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    previous = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(secrets.SecretsUnavailable):
            secrets.set_secret("token", "s3cret-value")
    finally:
        keyring.set_keyring(previous)


def test_a_locked_keyring_is_reported_without_the_value() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        with pytest.raises(secrets.SecretsUnavailable) as caught:
            secrets.set_secret("token", "s3cret-value")
        assert "s3cret-value" not in str(caught.value)
        assert "unlock" in str(caught.value)
        with pytest.raises(secrets.SecretsUnavailable, match="KeyringLocked"):
            secrets.get_secret("token")
    finally:
        keyring.set_keyring(previous)


def test_cli_secret_set_reads_stdin_and_delete_forgets(
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", piped(b"https://example.org/cal/xyz.ics\n"))
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_OK
    assert memory_keyring.store[("respite", "calendar-work")] == "https://example.org/cal/xyz.ics"
    out = capsys.readouterr()
    assert "Stored the secret 'calendar-work'" in out.out
    assert "xyz" not in out.out + out.err
    assert cli.main(["secret", "delete", "calendar-work"]) == cli.EXIT_OK
    assert memory_keyring.store == {}
    assert cli.main(["secret", "delete", "calendar-work"]) == cli.EXIT_OK
    assert "no secret called" in capsys.readouterr().out


def test_cli_secret_prompts_without_echo_on_a_terminal(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return "tok-123"

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert cli.main(["secret", "set", "hook-token"]) == cli.EXIT_OK
    assert prompts and "not shown" in prompts[0]
    assert memory_keyring.store[("respite", "hook-token")] == "tok-123"


def test_cli_secret_without_a_keyring_fails_clearly(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", piped(b"s3cret-value\n"))
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "No usable system keyring" in err
    assert "s3cret-value" not in err


def test_cli_secret_empty_input_stores_nothing(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", piped(b"\n"))
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_FAILED
    assert memory_keyring.store == {}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("cal", b"\xff\xfehttps://x\n", "respite secret: the secret must be UTF-8 text; nothing"),
        ("cal", b"x" * 20_000, "respite secret: a secret can be at most 4096 characters;"),
        ("bad name", b"s3cret-value\n", "respite secret: 'bad name' can't name a secret: use"),
    ],
)
def test_cli_secret_mistakes_are_usage_errors_and_store_nothing(
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    data: bytes,
    message: str,
) -> None:
    monkeypatch.setattr("sys.stdin", piped(data))
    assert cli.main(["secret", "set", name]) == cli.EXIT_USAGE
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(message)
    assert memory_keyring.store == {}


def test_cli_secret_in_another_script_is_stored_as_written(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    longest = "ü" * secrets.SECRET_MAX  # 2 bytes each: more bytes than characters
    monkeypatch.setattr("sys.stdin", piped(f"\ufeff{longest}\r\n".encode()))
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_OK
    assert memory_keyring.store == {("respite", "calendar-work"): longest}


def test_cli_secret_without_a_keyring_asks_for_nothing(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_prompt(prompt: str) -> str:
        raise AssertionError("asked for a secret that can't be kept")

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", no_prompt)
    assert cli.main(["secret", "set", "calendar-work"]) == cli.EXIT_FAILED
    assert "No usable system keyring" in capsys.readouterr().err
