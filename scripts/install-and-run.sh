#!/usr/bin/env bash
# Install Respite from this checkout and start it:
#
#   bash scripts/install-and-run.sh [respite arguments...]
#
# On Debian/Ubuntu with Python >= 3.11. As root (or with passwordless sudo) it installs
# the system libraries Qt needs; otherwise it names the ones missing and carries on.
# The app goes into .venv in this checkout (shared with scripts/test.sh) as an editable
# install, so a `git pull` is picked up on the next start. A repeat run skips apt and pip
# when nothing changed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT="$(pwd)"
VENV="$REPO_ROOT/.venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# What the PySide6 wheels need at run time on X11 (and, through Qt, on Wayland's XWayland
# fallback); libxss1 is for the X11 idle-time query. "a|b" means either package will do.
APT_PACKAGES=(
    libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1 libxcb-shape0
    libx11-xcb1 libxcb-sync1 libxcb-xfixes0 libxcb-shm0 libxcb-render0 libxcb-util1
    libegl1 libgl1 libfontconfig1 libdbus-1-3 "libglib2.0-0t64|libglib2.0-0"
    libxss1 fonts-dejavu-core
    # A player for the soft chime at the end of a break (paplay also plays through
    # PipeWire's PulseAudio server; without any, Respite beeps instead)
    "pulseaudio-utils|pipewire-bin|alsa-utils"
)

# shellcheck source=scripts/lib.sh
source "$REPO_ROOT/scripts/lib.sh"

# ---------------------------------------------------------------- Python >= 3.11
find_python

# ---------------------------------------------------------------- system libraries
if command -v dpkg-query >/dev/null 2>&1; then
    missing_packages
    if [[ "${#missing[@]}" -gt 0 ]]; then
        if [[ "$CAN_APT" == 1 ]]; then
            apt_install "${missing[@]}"
        else
            say "WARNING: these Debian packages seem to be missing; if Respite fails to start, run:"
            say "  sudo apt-get install --no-install-recommends ${missing[*]//|/ or }"
        fi
    fi
fi

# ---------------------------------------------------------------- virtualenv + app
if ensure_venv; then
    say "created $VENV"
fi
PY="$VENV/bin/python"

STAMP="$VENV/.respite-app-deps"
want_stamp="$(sha256sum <pyproject.toml | cut -d' ' -f1) $REPO_ROOT"
installed_here() {
    [[ -x "$VENV/bin/respite" ]] || return 1
    "$PY" - "$REPO_ROOT" <<'EOF' >/dev/null 2>&1
import pathlib, sys
import respite
src = pathlib.Path(sys.argv[1], "src", "respite").resolve()
sys.exit(pathlib.Path(respite.__file__).resolve().parent != src)
EOF
}
if ! { [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]] && installed_here; }; then
    say "installing Respite into $VENV"
    pip_install_editable .
    echo "$want_stamp" >"$STAMP"
fi

if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    say "WARNING: no DISPLAY or WAYLAND_DISPLAY: Respite needs a graphical session"
fi
say "starting Respite"
exec "$VENV/bin/respite" "$@"
