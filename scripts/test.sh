#!/usr/bin/env bash
# Install everything the test suite needs, then run all checks and tests.
#
#   bash scripts/test.sh                 # lint, format check, type check, whole test suite
#   bash scripts/test.sh -m "not e2e"    # extra arguments go to pytest
#
# On a fresh Debian/Ubuntu machine with Python >= 3.11. As root (or with passwordless
# sudo) it installs the Debian packages the end-to-end tests need; a repeat run skips apt
# and pip when nothing changed. With CI=true a missing end-to-end prerequisite fails the
# run instead of skipping those tests (RESPITE_E2E_REQUIRED=1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT="$(pwd)"
VENV="$REPO_ROOT/.venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

CURRENT="start"
section() { CURRENT="$*"; printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }
trap 'printf "\n==> FAILED during: %s (after %ss)\n" "$CURRENT" "$SECONDS" >&2' ERR
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

if [[ "${CI:-}" == "true" ]]; then
    export RESPITE_E2E_REQUIRED=1
fi

# Debian packages for the test suite. "a|b" means either package will do.
APT_PACKAGES=(
    # end-to-end desktop: X server, tray host, notification server, input, screenshots
    xvfb x11-utils x11-xserver-utils xdotool xprintidle trayer dunst dbus dbus-x11 libglib2.0-bin
    libxss1 imagemagick faketime libfaketime gnome-keyring libsecret-tools
    # packaging checks (desktop entry, AppStream metadata)
    desktop-file-utils appstream
    # Qt's xcb platform plugin
    libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1 libxcb-shape0
    libx11-xcb1 libxcb-sync1 libxcb-xfixes0 libxcb-shm0 libxcb-render0 libxcb-util1
    libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
)

# ---------------------------------------------------------------- privileges & apt
# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# ---------------------------------------------------------------- Python >= 3.11
section "Python"
find_python
echo "$("$PYTHON" -V) at $(command -v "$PYTHON")"

# ---------------------------------------------------------------- Debian packages
section "Debian packages"
if command -v dpkg-query >/dev/null 2>&1; then
    missing_packages
    if [[ "${#missing[@]}" == 0 ]]; then
        echo "all ${#APT_PACKAGES[@]} packages already installed"
    elif [[ "$CAN_APT" == 1 ]]; then
        apt_install "${missing[@]}"
    else
        echo "WARNING: not root and no passwordless sudo; missing Debian packages:" >&2
        echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
        echo "End-to-end tests that need them will be skipped (or fail, with CI=true)." >&2
    fi
else
    echo "not a Debian/Ubuntu system: skipping apt; end-to-end tests need the tools listed in scripts/test.sh"
fi

# ---------------------------------------------------------------- virtualenv
section "virtualenv (.venv)"
if ensure_venv; then
    echo "created $VENV"
else
    echo "reusing $VENV"
fi
PY="$VENV/bin/python"

# Reinstall only when pyproject.toml changed or the venv does not point at this checkout.
STAMP="$VENV/.respite-test-deps"
want_stamp="$(sha256sum <pyproject.toml | cut -d' ' -f1) $REPO_ROOT"
installed_here() {
    "$PY" - "$REPO_ROOT" <<'EOF' >/dev/null 2>&1
import pathlib, sys
import respite, pytest, ruff, mypy  # noqa: F401
src = pathlib.Path(sys.argv[1], "src", "respite").resolve()
sys.exit(pathlib.Path(respite.__file__).resolve().parent != src)
EOF
}
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]] && installed_here; then
    echo "test dependencies up to date"
else
    echo "pip install -e '.[test]'"
    pip_install_editable '.[test]'
    echo "$want_stamp" >"$STAMP"
fi

# ---------------------------------------------------------------- end-to-end prerequisites
section "end-to-end prerequisites"
e2e_missing=()
for bin in Xvfb xdpyinfo xset xdotool xprintidle trayer dunst dunstctl dbus-daemon gdbus import \
    faketime gnome-keyring-daemon secret-tool; do
    command -v "$bin" >/dev/null 2>&1 || e2e_missing+=("$bin")
done
if [[ "${#e2e_missing[@]}" == 0 ]]; then
    echo "all present"
elif [[ "${RESPITE_E2E_REQUIRED:-}" == 1 ]]; then
    die "CI=true but end-to-end tools are missing: ${e2e_missing[*]} (see APT_PACKAGES in scripts/test.sh)"
else
    echo "missing: ${e2e_missing[*]} -- end-to-end tests will be skipped"
fi

# ---------------------------------------------------------------- checks
lint_paths=()
for dir in src tests bench; do
    if [[ -d "$dir" ]]; then lint_paths+=("$dir"); fi
done

section "ruff check ${lint_paths[*]}"
"$VENV/bin/ruff" check "${lint_paths[@]}"

section "ruff format --check ${lint_paths[*]}"
"$VENV/bin/ruff" format --check "${lint_paths[@]}" ||
    die "formatting differs; run: .venv/bin/ruff format ${lint_paths[*]}"

section "mypy (strict: respite.core, respite.storage)"
"$VENV/bin/mypy"

section "pytest $*"
export QT_QPA_PLATFORM=offscreen
trap - ERR
set +e
"$PY" -m pytest "$@"
rc=$?
set -e
if [[ "$rc" == 5 ]]; then
    die "pytest collected no tests (exit code 5)"
elif [[ "$rc" != 0 ]]; then
    printf '\n==> FAILED: pytest exited with code %s after %ss\n' "$rc" "$SECONDS" >&2
    exit "$rc"
fi
printf '\n==> all checks passed in %ss\n' "$SECONDS"
