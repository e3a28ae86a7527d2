"""The break window: a small countdown with one kind idea, Done and Skip.

It stays on top but is not full screen; the opt-in strict style covers every screen
(a calm backdrop on each, the same small countdown centred on the primary one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from respite.core.break_ideas import BreakIdea
from respite.paths import resource_file
from respite.platform.sound import SoundPlayer, sound_player
from respite.qt import emit

log = logging.getLogger(__name__)

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum" for a widget's size
WELCOME_BACK_MS = 4000
REAP_AGAIN_MS = 5000  # while a chime's player is still to be collected
BACKDROP_COLOUR = "#1e2428"  # the strict style's calm background, on every screen
BACKDROP_TEXT_COLOUR = "#e6eaed"  # 13:1 on the backdrop (WCAG AA asks 4.5:1)
STRICT_CONTENT_WIDTH = 520  # at most: the strict style keeps the small window's size


def countdown_text(seconds: float) -> str:
    whole = max(0, round(seconds))
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02}"


class BreakWindow(QWidget):
    done_clicked = Signal()
    skip_clicked = Signal()

    def __init__(
        self,
        *,
        strict: bool = False,
        sound: bool = True,
        clock: Callable[[], datetime] | None = None,
        player: SoundPlayer | None = None,
    ) -> None:
        super().__init__(None)
        self.strict = strict
        self.sound = sound
        self._now = clock or (lambda: datetime.now(UTC))
        self.setWindowTitle("Respite — break")
        self.setAccessibleName("Break")
        self.setWindowFlags(Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
        self.heading = QLabel()
        heading_font = self.heading.font()
        heading_font.setPointSizeF(heading_font.pointSizeF() * 1.3)
        heading_font.setBold(True)
        self.heading.setFont(heading_font)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idea = QLabel()
        self.idea.setWordWrap(True)
        self.idea.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.idea.setAccessibleName("Break idea")
        self.countdown = QLabel()
        count_font = self.countdown.font()
        count_font.setPointSizeF(count_font.pointSizeF() * 2.4)
        self.countdown.setFont(count_font)
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setAccessibleName("Time left")
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Break progress")
        self.done_button = QPushButton("Done")
        self.done_button.setAccessibleName("Done: end the break")
        self.done_button.setDefault(True)
        self.skip_button = QPushButton("Skip")
        self.skip_button.setAccessibleName("Skip this break")
        self.done_button.clicked.connect(self._done_pressed)
        self.skip_button.clicked.connect(self.skip_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.done_button)
        # The break's own content; the window around it is this size, or the whole
        # primary screen in the strict style, with the content centred on the backdrop.
        self.content = QWidget(self)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(28, 22, 28, 20)
        layout.setSpacing(12)
        layout.addWidget(self.heading)
        layout.addWidget(self.idea)
        layout.addWidget(self.countdown)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self.content.setMinimumWidth(380)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(self.content)
        self._ends_at: datetime | None = None
        self._total = 1.0
        self._tick = QTimer(self)
        self._tick.setInterval(1000)  # only while a break is on screen
        self._tick.timeout.connect(self._update)
        # After the countdown the break is over (the engine ends it on time by itself):
        # "Welcome back" closes on its own, or by Close or Escape, and asks nothing more.
        self._welcome = QTimer(self)
        self._welcome.setSingleShot(True)
        self._welcome.setInterval(WELCOME_BACK_MS)
        self._welcome.timeout.connect(self.finish)
        self._reaper = QTimer(self)
        self._reaper.setSingleShot(True)
        self._reaper.setInterval(REAP_AGAIN_MS)
        self._reaper.timeout.connect(self._reap_players)
        self._backdrops: list[QWidget] = []
        self._player = player  # None: this platform's player, chosen at the first chime
        self._chime: Path | None = None

    def start(self, kind: str, ends_at: datetime, idea: BreakIdea) -> None:
        self._welcome.stop()  # the last break's "welcome back" must not hide this one
        self._ends_at = ends_at
        self._total = max(1.0, (ends_at - self._now()).total_seconds())
        self.heading.setText("A long break" if kind == "long" else "A short break")
        self.idea.setText(idea.text)
        self.done_button.setText("Done")
        self.skip_button.setVisible(True)
        self.progress.setMaximum(int(self._total))
        self._update()
        self._tick.start()
        self._style_for(strict=self.strict)
        if self.strict:
            self._cover_screens()
        else:
            self.adjustSize()
            screen = QGuiApplication.primaryScreen().availableGeometry()
            self.move(screen.center() - self.rect().center())
            self.show()
        self.raise_()

    def seconds_left(self) -> float:
        if self._ends_at is None:
            return 0.0
        return max(0.0, (self._ends_at - self._now()).total_seconds())

    def _update(self) -> None:
        left = self.seconds_left()
        self.countdown.setText(countdown_text(left))
        self.progress.setValue(int(self._total - left))
        if left <= 0:
            self._tick.stop()
            self.welcome_back()

    def welcome_back(self) -> None:
        self.heading.setText("Welcome back")
        self.idea.setText("Nicely done. Ease back in gently.")
        self.skip_button.setVisible(False)
        self.done_button.setText("Close")
        self._play_chime()
        self._welcome.start()

    def welcoming_back(self) -> bool:
        return self._welcome.isActive()

    def finish(self) -> None:
        self._tick.stop()
        self._welcome.stop()
        self._ends_at = None
        for backdrop in self._backdrops:
            backdrop.close()
        self._backdrops.clear()
        self.hide()
        self._reap_players()

    def _reap_players(self) -> None:
        """Collect the chime's player once it has ended (1.2 s); ask again while one plays."""
        if self._player is not None and self._player.reap():
            self._reaper.start()

    def _done_pressed(self) -> None:
        if self.welcoming_back():
            self.finish()  # "Close"
        else:
            emit(self.done_clicked)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() != Qt.Key.Key_Escape:
            super().keyPressEvent(event)
        elif self.welcoming_back():
            self.finish()
        else:
            emit(self.skip_clicked)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed from the title bar (Alt+F4) during the countdown: a skip, as Escape is.
        Only hiding would leave the break running with no window to end it, and a strict
        break's other screens covered."""
        if self.seconds_left() > 0 and not self.welcoming_back():
            emit(self.skip_clicked)
        self.finish()
        super().closeEvent(event)

    def _style_for(self, *, strict: bool) -> None:
        """Strict: the backdrop's colours, light text, the content at most
        `STRICT_CONTENT_WIDTH` wide in the middle of the screen. Else the window's own."""
        if strict:
            palette = QPalette(self.palette())
            palette.setColor(QPalette.ColorRole.Window, QColor(BACKDROP_COLOUR))
            palette.setColor(QPalette.ColorRole.WindowText, QColor(BACKDROP_TEXT_COLOUR))
            self.setPalette(palette)
            self.content.setMaximumWidth(STRICT_CONTENT_WIDTH)
            self._outer.setAlignment(self.content, Qt.AlignmentFlag.AlignCenter)
        else:
            self.setPalette(QPalette())  # nothing of its own: the application's colours
            self.content.setMaximumWidth(QWIDGETSIZE_MAX)
            self._outer.setAlignment(self.content, Qt.AlignmentFlag(0))
        self.setAutoFillBackground(strict)

    def _cover_screens(self) -> None:
        primary = QGuiApplication.primaryScreen()
        for screen in QGuiApplication.screens():
            if screen is primary:
                continue
            backdrop = QWidget(None, Qt.WindowType.Window | Qt.WindowType.WindowStaysOnTopHint)
            backdrop.setAccessibleName("Break backdrop")
            backdrop.setStyleSheet(f"background: {BACKDROP_COLOUR};")
            backdrop.setGeometry(screen.geometry())
            backdrop.showFullScreen()
            self._backdrops.append(backdrop)
        self.setGeometry(primary.geometry())
        self.showFullScreen()

    def _play_chime(self) -> None:
        """The chime, by a player outside the app (it loads no audio library); else the
        system beep. The file is resolved once and kept: the player reads it after
        `play()` returns."""
        if not self.sound:
            return
        if self._player is None:
            self._player = sound_player()
        try:
            if self._chime is None or not self._chime.is_file():
                self._chime = resource_file(files("respite.resources") / "sounds" / "chime.wav")
        except OSError as error:
            log.info("no chime file (%s); using the system beep", error)
            QApplication.beep()
            return
        if not self._player.play(self._chime):
            QApplication.beep()
