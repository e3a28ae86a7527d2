"""Respite's own gentle popup: the nudge with its buttons, near the tray.

Used on Windows and macOS, on Linux when the notification server has no action
buttons, and when a plain balloon is clicked. It never steals focus, can be reached
with the keyboard once clicked, and fades away when left alone (counted as ignored).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEasingCurve,
    QPoint,
    QPropertyAnimation,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from respite.core.nudges import Nudge
from respite.qt import emit

# Seconds a popup stays before it fades; a nudge that came back stays longer.
STAY_SECONDS = (20, 40, 60)
FADE_MS = 800
MARGIN = 16


class NudgePopup(QFrame):
    choice_made = Signal(str)
    dismissed = Signal()

    def __init__(self, nudge: Nudge, stay_seconds: float | None = None) -> None:
        super().__init__(None)
        self.nudge = nudge
        self.setWindowFlags(
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setObjectName("nudgePopup")
        self.setAccessibleName(nudge.title)
        self.setAccessibleDescription(nudge.body)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # A nudge that came back is a little more visible: a warm border, bolder title.
        border = "#d9822b" if nudge.level else "palette(mid)"
        self.setStyleSheet(
            f"#nudgePopup {{ border: {1 + min(nudge.level, 2)}px solid {border};"
            " border-radius: 10px; background: palette(window); }"
        )
        title = QLabel(nudge.title)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * (1.15 if nudge.level else 1.08))
        font.setBold(True)
        title.setFont(font)
        body = QLabel(nudge.body)
        body.setWordWrap(True)
        body.setMaximumWidth(340)
        close = QToolButton()
        close.setText("×")
        close.setAccessibleName("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self._dismiss)
        header = QHBoxLayout()
        header.addWidget(title, 1)
        header.addWidget(close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for choice in nudge.choices:
            button = QPushButton(choice.label)
            button.setAccessibleName(choice.label)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _checked=False, key=choice.key: self._choose(key))
            buttons.addWidget(button)
            self.buttons[choice.key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.addLayout(header)
        layout.addWidget(body)
        if nudge.choices:
            layout.addLayout(buttons)
        if stay_seconds is None:
            stay_seconds = STAY_SECONDS[min(nudge.level, len(STAY_SECONDS) - 1)]
        self._stay = QTimer(self)
        self._stay.setSingleShot(True)
        self._stay.setInterval(int(stay_seconds * 1000))
        self._stay.timeout.connect(self.fade_away)
        self._fade = QPropertyAnimation(self, b"windowOpacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InOutQuad)
        self._fade.finished.connect(self._dismiss)
        self._answered = False

    def show_near(self, tray_area: QRect | None) -> None:
        self.adjustSize()
        self.move(popup_position(self.size().width(), self.size().height(), tray_area))
        self.show()
        self._stay.start()

    def fade_away(self) -> None:
        self._fade.start()

    def enterEvent(self, event: object) -> None:
        # Someone is reading: don't fade under their pointer.
        self._stay.stop()
        self._fade.stop()
        self.setWindowOpacity(1.0)

    def leaveEvent(self, event: object) -> None:
        if not self._answered:
            self._stay.start()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._dismiss()
        else:
            super().keyPressEvent(event)

    def _choose(self, key: str) -> None:
        if not self._answered:
            self._answered = True
            emit(self.choice_made, key)
            self.close()

    def _dismiss(self) -> None:
        if not self._answered:
            self._answered = True
            emit(self.dismissed)
            self.close()


def popup_position(width: int, height: int, tray_area: QRect | None) -> QPoint:
    """Next to the tray icon when its place is known, else the bottom-right corner."""
    screen = QGuiApplication.primaryScreen()
    if tray_area is not None and tray_area.isValid() and not tray_area.isEmpty():
        found = QGuiApplication.screenAt(tray_area.center())
        screen = found or screen
    available = screen.availableGeometry()
    if tray_area is not None and tray_area.isValid() and not tray_area.isEmpty():
        x = min(
            max(available.left() + MARGIN, tray_area.center().x() - width // 2),
            available.right() - width - MARGIN,
        )
        if tray_area.center().y() < available.center().y():
            y = max(available.top(), tray_area.bottom()) + MARGIN
        else:
            y = min(available.bottom(), tray_area.top()) - height - MARGIN
        return QPoint(x, y)
    return QPoint(available.right() - width - MARGIN, available.bottom() - height - MARGIN)
