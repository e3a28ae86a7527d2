"""Render Respite's SVG app icon to PNGs with PySide6 (QSvgRenderer), for packaging.

    python packaging/render_icons.py hicolor DIR   # DIR/hicolor/{scalable,NxN}/apps/...
    python packaging/render_icons.py iconset DIR   # DIR/Respite.iconset (macOS iconutil)
    python packaging/render_icons.py ico FILE      # a multi-size Windows .ico

The SVG is read from the installed package (importlib.resources), the same file the app
uses. Runs without a display (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.resources import files
from pathlib import Path

ICON_NAME = "org.respite.Respite"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)
# iconutil's names: icon_<N>x<N>[@2x].png
ICONSET = {
    "icon_16x16.png": 16,
    "icon_16x16@2x.png": 32,
    "icon_32x32.png": 32,
    "icon_32x32@2x.png": 64,
    "icon_128x128.png": 128,
    "icon_128x128@2x.png": 256,
    "icon_256x256.png": 256,
    "icon_256x256@2x.png": 512,
    "icon_512x512.png": 512,
    "icon_512x512@2x.png": 1024,
}
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def svg_bytes() -> bytes:
    return files("respite.resources").joinpath("icons", "respite.svg").read_bytes()


def _app():  # type: ignore[no-untyped-def]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    return QGuiApplication.instance() or QGuiApplication(sys.argv[:1])


def render(svg: bytes, size: int):  # type: ignore[no-untyped-def]
    """The SVG drawn into a transparent size x size QImage."""
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit("respite.svg is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def _save(image, path: Path) -> None:  # type: ignore[no-untyped-def]
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path)):
        raise SystemExit(f"could not write {path}")


def hicolor(out: Path) -> list[Path]:
    """out/hicolor/scalable/apps/ICON_NAME.svg and out/hicolor/NxN/apps/ICON_NAME.png."""
    _app()
    svg = svg_bytes()
    written = [out / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"]
    written[0].parent.mkdir(parents=True, exist_ok=True)
    written[0].write_bytes(svg)
    for size in HICOLOR_SIZES:
        path = out / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        _save(render(svg, size), path)
        written.append(path)
    return written


def iconset(out: Path) -> list[Path]:
    """out/Respite.iconset/icon_*.png, for `iconutil -c icns`."""
    _app()
    svg = svg_bytes()
    written = []
    for name, size in ICONSET.items():
        path = out / "Respite.iconset" / name
        _save(render(svg, size), path)
        written.append(path)
    return written


def ico(path: Path) -> list[Path]:
    """A Windows .ico with several sizes, written from PNG frames (PNG-in-ICO, Vista+)."""
    import struct

    from PySide6.QtCore import QBuffer, QIODevice

    _app()
    svg = svg_bytes()
    frames = []
    for size in ICO_SIZES:
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        render(svg, size).save(buffer, "PNG")
        frames.append((size, bytes(buffer.data())))
    header = struct.pack("<HHH", 0, 1, len(frames))
    offset = len(header) + 16 * len(frames)
    entries, blobs = b"", b""
    for size, data in frames:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + entries + blobs)
    return [path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["hicolor", "iconset", "ico"])
    parser.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    written = {"hicolor": hicolor, "iconset": iconset, "ico": ico}[args.kind](args.target)
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
