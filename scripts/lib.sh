# Shared by scripts/test.sh and scripts/install-and-run.sh: can we use apt, and a quiet
# apt-get install that takes "a|b" alternatives. Expects `die` to be defined.

SUDO=()
CAN_APT=0
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    if [[ "$(id -u)" == "0" ]]; then
        CAN_APT=1
    elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO=(sudo -n --preserve-env=DEBIAN_FRONTEND)
        CAN_APT=1
    fi
fi

pkg_installed() {
    local alt
    local -a alts
    IFS='|' read -r -a alts <<<"$1"
    for alt in "${alts[@]}"; do
        if [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$alt" 2>/dev/null)" == ii* ]]; then
            return 0
        fi
    done
    return 1
}

APT_UPDATED=0
apt_install() { # apt_install PKG... (each may be "a|b": the first one apt knows is used)
    local spec alt chosen log
    local -a alts pkgs=()
    log="$(mktemp)"
    if [[ "$APT_UPDATED" == 0 ]]; then
        printf 'apt-get update\n' >&2
        if ! "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q >"$log" 2>&1; then
            cat "$log" >&2
            rm -f "$log"
            die "apt-get update failed"
        fi
        APT_UPDATED=1
    fi
    for spec in "$@"; do
        IFS='|' read -r -a alts <<<"$spec"
        chosen="${alts[0]}"
        for alt in "${alts[@]}"; do
            if apt-cache policy "$alt" 2>/dev/null | grep -q 'Candidate: [^(]'; then
                chosen="$alt"
                break
            fi
        done
        pkgs+=("$chosen")
    done
    printf 'apt-get install %s\n' "${pkgs[*]}" >&2
    if ! "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        --no-install-recommends "${pkgs[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get install failed"
    fi
    rm -f "$log"
}

# ---------------------------------------------------------------- Python >= 3.11
python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

find_python() { # sets PYTHON (honouring a PYTHON=... the user gave) or dies
    PYTHON="${PYTHON:-}"
    local candidate found
    if [[ -z "$PYTHON" ]]; then
        for candidate in python3 python3.13 python3.12 python3.11; do
            if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
                PYTHON="$candidate"
                break
            fi
        done
    fi
    if [[ -z "$PYTHON" ]] || ! python_ok "$PYTHON"; then
        found="$(command -v python3 >/dev/null 2>&1 && python3 -V 2>&1 || echo 'no python3')"
        die "Respite needs Python >= 3.11 (found: $found). Install python3.11 or newer, or point PYTHON=/path/to/python3.11 at one."
    fi
}

missing_packages() { # sets missing=(the APT_PACKAGES entries not installed)
    missing=()
    local pkg
    for pkg in "${APT_PACKAGES[@]}"; do
        pkg_installed "$pkg" || missing+=("$pkg")
    done
}

# ---------------------------------------------------------------- virtualenv
venv_usable() { [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1 && python_ok "$VENV/bin/python"; }

ensure_venv() { # creates $VENV with $PYTHON unless usable; returns 1 when it reused one
    venv_usable && return 1
    rm -rf "$VENV"
    if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        # Debian/Ubuntu ship venv/ensurepip separately (python3-venv / python3.X-venv).
        local pyver
        pyver="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        if [[ "$CAN_APT" == 1 ]]; then
            apt_install "python${pyver}-venv|python3-venv"
            "$PYTHON" -m venv "$VENV" || die "could not create $VENV"
        else
            die "'$PYTHON -m venv' failed; install it first: sudo apt-get install python${pyver}-venv"
        fi
    fi
    return 0
}

pip_install_editable() { # pip_install_editable SPEC: this checkout into $VENV, editable
    local pip_major
    pip_major="$("$VENV/bin/python" -m pip --version | awk '{split($2, v, "."); print v[1]}')"
    if [[ "$pip_major" -lt 22 ]]; then # editable installs from pyproject need pip >= 21.3
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    "$VENV/bin/python" -m pip install -q -e "$1"
}
