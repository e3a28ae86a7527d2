"""Tray and window icons rendered from the bundled SVGs, following the system palette."""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRectF
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from respite.core.engine import Phase

STATE_NAMES = {
    Phase.WORKING: "working",
    Phase.BREAK_DUE: "break_due",
    Phase.ON_BREAK: "on_break",
    Phase.PAUSED: "paused",
    Phase.OFF_HOURS: "off_hours",
}
SIZES = (16, 20, 22, 24, 32, 48, 64)
_ARGB = QImage.Format.Format_ARGB32_Premultiplied


def palette_variant() -> str:
    """'mono' on macOS (a template image the menu bar tints), else 'dark' or 'light'."""
    if sys.platform == "darwin":
        return "mono"
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        # The palette, not styleHints().colorScheme(): that returns a `Qt` enum, which
        # costs the running app ≈1 MiB (see respite.qt). Styles that follow a dark
        # scheme give a dark palette; a theme reporting "dark" with a light palette
        # gets the light icons, as Qt's own widgets there are light too.
        window = app.palette().color(QPalette.ColorRole.Window)
        return "dark" if window.lightness() < 128 else "light"
    return "light"


def _svg(name: str) -> bytes:
    return files("respite.resources").joinpath("icons", name).read_bytes()


@cache
def icon_from_svg(name: str) -> QIcon:
    renderer = QSvgRenderer(QByteArray(_svg(name)))
    icon = QIcon()
    for size in SIZES:
        # Transparent from zeroed bytes: QImage.fill() resolves its overloads through
        # the `Qt` namespace (see respite.qt).
        image = QImage(bytes(size * size * 4), size, size, _ARGB).copy()
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(QPixmap.fromImage(image))
    return icon


def state_icon(phase: Phase, variant: str | None = None) -> QIcon:
    chosen = variant or palette_variant()
    icon = icon_from_svg(f"{STATE_NAMES[phase]}-{chosen}.svg")
    if chosen == "mono":
        icon.setIsMask(True)
    return icon


def app_icon() -> QIcon:
    return icon_from_svg("respite.svg")
