"""The floor for Respite's start-up and idle costs: the least a PySide6 tray app can be.

A QApplication, one QSystemTrayIcon with a plain icon and a three-item menu, nothing
else. `bench/bench_app.py` starts it the same way as `respite` and measures both.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon


def main() -> int:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("floor_tray")
    app.setQuitOnLastWindowClosed(False)
    pixmap = QPixmap(22, 22)
    pixmap.fill(QColor("#4a8"))
    tray = QSystemTrayIcon(QIcon(pixmap))
    menu = QMenu()
    menu.addAction("Take a break now")
    menu.addAction("Pause")
    menu.addAction("Quit", app.quit)
    tray.setContextMenu(menu)
    tray.setToolTip("floor")
    tray.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
