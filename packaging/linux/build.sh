#!/usr/bin/env bash
# Build Respite for Linux: a PyInstaller one-folder bundle plus the desktop integration
# files, staged as an installable prefix tree.
#
#   bash packaging/linux/build.sh            # from anywhere in the checkout
#
# Needs: Python >= 3.11 with venv (PYTHON=... to choose one), the Qt xcb libraries to
# render icons offscreen (scripts/test.sh installs them), optionally desktop-file-utils
# and appstream for validation (skipped with a note when missing).
#
# Outputs (under dist/, or $RESPITE_DIST_DIR; dist/respite and dist/linux are replaced):
#   dist/respite/                    the PyInstaller one-folder bundle (dist/respite/respite)
#   dist/linux/                      a prefix tree: copy it to /usr/local or /opt/respite
#     bin/respite -> ../lib/respite/respite
#     lib/respite/                   the bundle
#     share/applications/org.respite.Respite.desktop
#     share/metainfo/org.respite.Respite.metainfo.xml
#     share/icons/hicolor/{scalable,16x16,...,256x256}/apps/org.respite.Respite.{svg,png}
#     etc/xdg/autostart/respite.desktop   (optional: starts Respite at login for everyone)
#
# The build uses its own virtualenv (build/venv-linux, or $RESPITE_BUILD_VENV; build/ is
# $RESPITE_BUILD_DIR when set) holding a
# regular (non-editable) install of this checkout and PyInstaller, so the bundle reads
# its resources from the installed package and carries no test tools.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO_ROOT="$(pwd)"
HERE="$REPO_ROOT/packaging/linux"
PYTHON="${PYTHON:-python3}"
BUILD="${RESPITE_BUILD_DIR:-$REPO_ROOT/build}"
VENV="${RESPITE_BUILD_VENV:-$BUILD/venv-linux}"
DIST="${RESPITE_DIST_DIR:-$REPO_ROOT/dist}"
STAGE="$DIST/linux"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }

step "build virtualenv ($VENV)"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q "$REPO_ROOT" "pyinstaller>=6.10"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$REPO_ROOT" # this checkout
VERSION="$("$VENV/bin/python" -c 'import respite; print(respite.__version__)')"
echo "respite $VERSION, $("$VENV/bin/pyinstaller" --version | sed 's/^/PyInstaller /')"

step "PyInstaller one-folder bundle"
rm -rf "$DIST/respite" "$STAGE"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$DIST" \
    --workpath "$BUILD/pyinstaller-linux" "$REPO_ROOT/packaging/pyinstaller/respite.spec"
"$DIST/respite/respite" --version

step "stage $STAGE"
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/share/applications" "$STAGE/share/metainfo" \
    "$STAGE/share/icons" "$STAGE/etc/xdg/autostart"
cp -a "$DIST/respite" "$STAGE/lib/respite"
ln -s ../lib/respite/respite "$STAGE/bin/respite"
install -m 0644 "$HERE/org.respite.Respite.desktop" "$STAGE/share/applications/"
install -m 0644 "$HERE/org.respite.Respite.metainfo.xml" "$STAGE/share/metainfo/"
install -m 0644 "$HERE/respite-autostart.desktop" "$STAGE/etc/xdg/autostart/respite.desktop"
QT_QPA_PLATFORM=offscreen "$VENV/bin/python" "$REPO_ROOT/packaging/render_icons.py" \
    hicolor "$STAGE/share/icons" >/dev/null
find "$STAGE/share" "$STAGE/etc" -type f | sed "s|^$STAGE/|  |" | sort

step "validate"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$STAGE/share/applications/org.respite.Respite.desktop"
    desktop-file-validate "$STAGE/etc/xdg/autostart/respite.desktop"
    echo "desktop-file-validate: ok"
else
    echo "desktop-file-validate not found (Debian: desktop-file-utils): not validated"
fi
if command -v appstreamcli >/dev/null 2>&1; then
    appstreamcli validate --no-net "$STAGE/share/metainfo/org.respite.Respite.metainfo.xml"
else
    echo "appstreamcli not found (Debian: appstream): not validated"
fi

step "done: $(du -sh "$DIST/respite" | cut -f1) bundle in dist/respite, prefix tree in dist/linux"
