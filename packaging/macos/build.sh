#!/usr/bin/env bash
# Build Respite.app for macOS (reviewed, not run in this project's Linux CI).
#
#   bash packaging/macos/build.sh
#
# Needs: macOS 11+, Python >= 3.11 (python.org or Homebrew; PYTHON=... to choose), the
# Xcode command line tools (iconutil, codesign). Optional: CODESIGN_IDENTITY="Developer
# ID Application: ..." to sign (see packaging/README.md for notarisation).
#
# Outputs:
#   build/macos/Respite.icns           built from resources/icons/respite.svg
#   dist/Respite.app                   LSUIElement (menu-bar only, no Dock icon),
#                                      CFBundleIdentifier org.respite.Respite
#   dist/respite-<version>-macos.zip   the app, zipped with ditto (for notarytool)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO_ROOT="$(pwd)"
PYTHON="${PYTHON:-python3}"
BUILD="${RESPITE_BUILD_DIR:-$REPO_ROOT/build}"
VENV="${RESPITE_BUILD_VENV:-$BUILD/venv-macos}"
DIST="${RESPITE_DIST_DIR:-$REPO_ROOT/dist}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }

[[ "$(uname -s)" == "Darwin" ]] || { echo "packaging/macos/build.sh runs on macOS only" >&2; exit 1; }

step "build virtualenv ($VENV)"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q "$REPO_ROOT" "pyinstaller>=6.10"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$REPO_ROOT"
VERSION="$("$VENV/bin/python" -c 'import respite; print(respite.__version__)')"

step "icon: Respite.iconset -> Respite.icns"
rm -rf "$BUILD/macos" && mkdir -p "$BUILD/macos"
QT_QPA_PLATFORM=offscreen "$VENV/bin/python" "$REPO_ROOT/packaging/render_icons.py" \
    iconset "$BUILD/macos" >/dev/null
iconutil -c icns -o "$BUILD/macos/Respite.icns" "$BUILD/macos/Respite.iconset"

step "PyInstaller: Respite.app"
rm -rf "$DIST/respite" "$DIST/Respite.app"
RESPITE_ICON="$BUILD/macos/Respite.icns" "$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller-macos" \
    "$REPO_ROOT/packaging/pyinstaller/respite.spec"
"$DIST/Respite.app/Contents/MacOS/respite" --version
/usr/libexec/PlistBuddy -c "Print :LSUIElement" "$DIST/Respite.app/Contents/Info.plist"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    step "codesign ($CODESIGN_IDENTITY)"
    codesign --force --deep --options runtime --timestamp \
        --sign "$CODESIGN_IDENTITY" "$DIST/Respite.app"
    codesign --verify --deep --strict --verbose=2 "$DIST/Respite.app"
fi

step "zip"
ditto -c -k --keepParent "$DIST/Respite.app" "$DIST/respite-$VERSION-macos.zip"
echo "dist/Respite.app and dist/respite-$VERSION-macos.zip"
