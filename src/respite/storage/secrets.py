"""Secrets (a calendar's private URL, a webhook's bearer token) in the system keyring.

The settings file only *names* a secret (`secret = "calendar-work"`); the value lives in
the keyring under the service `SERVICE`. There is no plain-text fallback: with no usable
keyring backend every call raises `SecretsUnavailable`, whose message says what to
install or unlock, and the feature that needs the secret stays off.
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = [
    "NAME_PATTERN",
    "SERVICE",
    "SecretError",
    "SecretsUnavailable",
    "check_available",
    "check_name",
    "delete_secret",
    "get_secret",
    "set_secret",
]

log = logging.getLogger(__name__)

SERVICE: Final = "respite"
NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
NAME_ALLOWED: Final = (
    "a name of 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit, "
    'e.g. "calendar-work"'
)
SECRET_MAX: Final = 4096

_HELP: Final = (
    "Respite keeps secrets only in the system keyring and never in a file. "
    "On Linux, run a Secret Service such as GNOME Keyring (package gnome-keyring) or "
    "KWallet and unlock it (logging in to the desktop usually does); on Windows and "
    "macOS the built-in credential store is used."
)


class SecretError(ValueError):
    """A secret could not be read, stored or deleted; the message is for the user."""


class SecretsUnavailable(SecretError):
    """No usable keyring backend (none installed, locked, or the user said no)."""


def check_name(name: str) -> str:
    """`name` if it can name a secret; raises SecretError otherwise."""
    if not NAME_PATTERN.fullmatch(name):
        raise SecretError(f"{name!r} can't name a secret: use {NAME_ALLOWED}.")
    return name


def _backend() -> object:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError as error:  # pragma: no cover - keyring is a dependency
        raise SecretsUnavailable(f"The keyring module is missing ({error}). {_HELP}") from None
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a backend named in the settings that can't be loaded
        raise SecretsUnavailable(
            f"The keyring backend that PYTHON_KEYRING_BACKEND or keyringrc.cfg names can't "
            f"be loaded ({type(error).__name__}); correct or remove that setting. {_HELP}"
        ) from None
    if isinstance(backend, fail.Keyring) or type(backend).__module__.startswith("keyrings.alt"):
        # keyrings.alt stores secrets in files: that is the plain-text fallback we refuse.
        raise SecretsUnavailable(f"No usable system keyring was found. {_HELP}")
    priority = getattr(backend, "priority", 1)
    if isinstance(priority, int | float) and priority <= 0:
        raise SecretsUnavailable(f"No usable system keyring was found. {_HELP}")
    return backend


def check_available() -> None:
    """Raise SecretsUnavailable (saying what to install or unlock) when there is no usable
    keyring backend. Reads and stores nothing, so it never asks to unlock a keyring."""
    _backend()


def _wrap(error: Exception, doing: str) -> SecretError:
    name = type(error).__name__
    if name in ("NoKeyringError", "InitError", "KeyringLocked"):
        return SecretsUnavailable(
            f"Could not {doing}: the keyring is unavailable ({name}). {_HELP}"
        )
    # Never include str(error): a backend's message could echo what it was given.
    return SecretsUnavailable(f"Could not {doing}: the keyring failed ({name}). {_HELP}")


def get_secret(name: str) -> str | None:
    """The secret called `name`, or None when none is stored. Raises SecretError."""
    check_name(name)
    backend = _backend()
    try:
        value = backend.get_password(SERVICE, name)  # type: ignore[attr-defined]
    except Exception as error:
        raise _wrap(error, f"read the secret {name!r}") from None
    return value if isinstance(value, str) else None


def set_secret(name: str, value: str) -> None:
    """Store `value` as the secret `name` (replacing any old one). Raises SecretError."""
    check_name(name)
    if not value or len(value) > SECRET_MAX or "\n" in value or "\r" in value:
        raise SecretError(f"A secret must be 1 to {SECRET_MAX} characters on one line.")
    backend = _backend()
    try:
        backend.set_password(SERVICE, name, value)  # type: ignore[attr-defined]
    except Exception as error:
        raise _wrap(error, f"store the secret {name!r}") from None
    log.info("stored the secret %r in the keyring", name)


def delete_secret(name: str) -> bool:
    """Forget the secret `name`; False when there was none. Raises SecretError."""
    check_name(name)
    backend = _backend()
    from keyring.errors import PasswordDeleteError

    try:
        backend.delete_password(SERVICE, name)  # type: ignore[attr-defined]
    except PasswordDeleteError:
        return False
    except Exception as error:
        raise _wrap(error, f"delete the secret {name!r}") from None
    log.info("deleted the secret %r from the keyring", name)
    return True
