"""A small window for desktops without a tray: the status line and the menu's actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from respite.qt import emit
from respite.ui.icons import app_icon
from respite.ui.tray import TrayMenu


class StatusWindow(QWidget):
    def __init__(self, menu: TrayMenu) -> None:
        super().__init__(None)
        self.setWindowTitle("Respite")
        self.setWindowIcon(app_icon())
        self.setAccessibleName("Respite status")
        self.status = QLabel("Respite")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Status")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint.setVisible(False)
        self.hint.setAccessibleName("How to get the tray icon")
        self.take_break = QPushButton("Take a break now")
        self.take_break.setAccessibleName("Take a break now")
        self.take_break.clicked.connect(lambda: emit(menu.action_requested, "start_break"))
        self.more_button = QToolButton()
        self.more_button.setText("More…")
        self.more_button.setAccessibleName("More actions")
        self.more_button.setMenu(menu.menu)
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.hint)
        layout.addWidget(self.take_break)
        layout.addWidget(self.more_button)
        self.setMinimumWidth(320)

    def show_status(self, line: str) -> None:
        self.status.setText(line)

    def show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setVisible(True)
        # Tall enough for the wrapped hint at the window's width, even when already shown.
        self.resize(self.width(), max(self.heightForWidth(self.width()), self.height()))
