"""Shows nudges in Respite's own popup (`respite.ui.nudge_popup`), one at a time.

The popup's widgets load with the first popup: with a notification server that has
buttons, most sessions never show one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Signal

from respite.core.nudges import Nudge
from respite.qt import emit

if TYPE_CHECKING:
    from respite.ui.nudge_popup import NudgePopup


class PopupNotifier(QObject):
    """Shows nudges as popups, one at a time: a newer nudge replaces the older one."""

    choice_made = Signal(object, str)
    dismissed = Signal(object)
    supports_actions = True

    def __init__(self, tray_area: Callable[[], QRect | None] = lambda: None) -> None:
        super().__init__()
        # Asked at each popup: the panel places the icon some time after it is shown,
        # and may move it later.
        self.tray_area = tray_area
        self.current: NudgePopup | None = None

    def show(self, nudge: Nudge) -> None:
        if self.current is not None:
            self.close(self.current.nudge.id)
        from respite.ui.nudge_popup import NudgePopup

        popup = NudgePopup(nudge)
        popup.choice_made.connect(lambda key: self._answered(popup, key))
        popup.dismissed.connect(lambda: self._ignored(popup))
        self.current = popup
        popup.show_near(self.tray_area())

    def close(self, nudge_id: str) -> None:
        """Withdraw the popup of a nudge that no longer applies (not counted as ignored)."""
        popup = self.current
        if popup is not None and popup.nudge.id == nudge_id:
            self.current = None
            popup.dismissed.disconnect()
            popup.choice_made.disconnect()
            popup.close()

    def _answered(self, popup: NudgePopup, key: str) -> None:
        self._forget(popup)
        emit(self.choice_made, popup.nudge, key)

    def _ignored(self, popup: NudgePopup) -> None:
        self._forget(popup)
        emit(self.dismissed, popup.nudge)

    def _forget(self, popup: NudgePopup) -> None:
        # Now, not on `destroyed`: Qt deletes a closed popup later, and a newer nudge may
        # arrive in between.
        if self.current is popup:
            self.current = None
