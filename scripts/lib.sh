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
