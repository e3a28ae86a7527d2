"""Tray and window icons from the bundled SVGs, following the system palette.

Qt's SVG icon engine (a plugin) draws each file at whatever size the tray or window asks
for; nothing is rendered in Python, so neither PySide6.QtSvg nor QPainter's Python types
load at start-up.
"""

from __future__ import annotations

import logging
import sys
from functools import cache
from importlib.resources import files

from PySide6.QtGui import QGuiApplication, QIcon, QPalette

from respite.core.engine import Phase
from respite.paths import resource_file

log = logging.getLogger(__name__)

STATE_NAMES = {
    Phase.WORKING: "working",
    Phase.BREAK_DUE: "break_due",
    Phase.ON_BREAK: "on_break",
    Phase.PAUSED: "paused",
    Phase.OFF_HOURS: "off_hours",
}


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


@cache
def icon_from_svg(name: str) -> QIcon:
    try:
        path = resource_file(files("respite.resources").joinpath("icons", name))
    except OSError as error:  # a damaged installation: no icon rather than no app
        log.warning("icon %s cannot be read (%s); reinstalling Respite restores it", name, error)
        return QIcon()
    icon = QIcon(str(path))
    if icon.pixmap(16, 16).isNull():  # drawn here, and kept in the engine's cache
        log.warning(
            "Qt cannot draw the icon %s: its SVG plugin (Qt Svg) seems to be missing, so "
            "the tray icon stays blank. Installing PySide6 from its wheel brings it; on "
            "Debian or Ubuntu with the system's Qt, install qt6-svg-plugins.",
            name,
        )
    return icon


def state_icon(phase: Phase, variant: str | None = None) -> QIcon:
    chosen = variant or palette_variant()
    icon = icon_from_svg(f"{STATE_NAMES[phase]}-{chosen}.svg")
    if chosen == "mono":
        icon.setIsMask(True)
    return icon


def app_icon() -> QIcon:
    return icon_from_svg("respite.svg")
