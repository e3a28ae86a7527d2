"""Tray and window icons rendered from the bundled SVGs, following the system palette."""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files

from PySide6.QtCore import QByteArray, QRectF, Qt
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


def palette_variant() -> str:
    """'mono' on macOS (a template image the menu bar tints), else 'dark' or 'light'."""
    if sys.platform == "darwin":
        return "mono"
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        scheme = app.styleHints().colorScheme()
        if scheme == Qt.ColorScheme.Dark:
            return "dark"
        if scheme == Qt.ColorScheme.Light:
            return "light"
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
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
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
