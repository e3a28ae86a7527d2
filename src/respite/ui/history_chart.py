"""The week chart: one painted row per day, a time axis and a legend.

Each day row draws, left to right: the day's name; a 00:00–24:00 timeline with the
planned windows as a light band, the first-to-last activity as a line and the break
marks (taken and natural above the line, snoozed, skipped and missed below); a bar of
active time split into inside and outside work hours with the planned length marked;
and a ✓ or "late" for the ended-on-time verdict.

Everything is painted with QPainter in logical pixels from the widget's palette and
font metrics, so it follows light and dark palettes and scales on HiDPI screens. Every
number drawn is also in the row's accessible description (and tooltip), and each row
takes keyboard focus, so a screen reader can walk the week day by day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from respite.core.history import BreakMark, DaySummary
from respite.core.history_format import day_description, day_label, duration_text, week_title
from respite.core.schedule import Interval
from respite.ui.history_data import WeekView

__all__ = ["ChartColors", "DayRow", "Legend", "WeekChart", "chart_colors", "hours_scale"]

_DAY = timedelta(days=1)
# The smallest scale of the active-time bars, in hours (a longer day widens it).
MIN_SCALE_HOURS = 10
MARKS_ABOVE = frozenset({BreakMark.TAKEN, BreakMark.NATURAL})
MARK_NAMES = {
    BreakMark.TAKEN: "Break taken",
    BreakMark.NATURAL: "Natural break",
    BreakMark.SNOOZED: "Snoozed",
    BreakMark.SKIPPED: "Skipped",
    BreakMark.MISSED: "Missed",
}
# Semantic hues (light palette, dark palette). Greys and text come from the palette.
_HUES = {
    "taken": ("#2e7d32", "#81c784"),
    "natural": ("#00838f", "#4dd0e1"),
    "snoozed": ("#a05a00", "#ffb74d"),
    "skipped": ("#c62828", "#ef9a9a"),
    "missed": ("#7b1fa2", "#ce93d8"),
    "outside": ("#e07b00", "#f0a040"),
}


@dataclass(frozen=True, slots=True)
class ChartColors:
    dark: bool
    background: QColor
    alternate: QColor
    text: QColor
    muted: QColor
    grid: QColor
    band: QColor
    in_hours: QColor
    outside: QColor
    ok: QColor
    late: QColor
    focus: QColor
    marks: dict[BreakMark, QColor]


def chart_colors(palette: QPalette) -> ChartColors:
    role = QPalette.ColorRole
    background = palette.color(role.Base)
    dark = background.lightness() < 128

    def hue(name: str) -> QColor:
        return QColor(_HUES[name][1 if dark else 0])

    highlight = palette.color(role.Highlight)
    band = QColor(highlight)
    band.setAlphaF(0.28 if dark else 0.18)
    grid = QColor(palette.color(role.Text))
    grid.setAlphaF(0.14)
    return ChartColors(
        dark=dark,
        background=background,
        alternate=palette.color(role.AlternateBase),
        text=palette.color(role.Text),
        muted=palette.color(role.PlaceholderText),
        grid=grid,
        band=band,
        in_hours=highlight,
        outside=hue("outside"),
        ok=hue("taken"),
        late=hue("snoozed"),
        focus=highlight,
        marks={
            BreakMark.TAKEN: hue("taken"),
            BreakMark.NATURAL: hue("natural"),
            BreakMark.SNOOZED: hue("snoozed"),
            BreakMark.SKIPPED: hue("skipped"),
            BreakMark.MISSED: hue("missed"),
        },
    )


def hours_scale(days: list[DaySummary]) -> int:
    """Whole hours the active-time bars span: at least MIN_SCALE_HOURS, and enough for
    the longest day's activity or plan."""
    longest = max((max(d.active_seconds, d.planned_seconds) for d in days), default=0.0)
    return max(MIN_SCALE_HOURS, math.ceil(longest / 3600))


# ----- geometry ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Columns:
    label: tuple[float, float]
    timeline: tuple[float, float]
    bar: tuple[float, float]  # the bar itself; its text follows
    bar_text: tuple[float, float]
    verdict: tuple[float, float]


def _columns(width: float, font: QFont) -> _Columns:
    """The x ranges of the columns, the same in every row for one width and font."""
    bold = QFont(font)
    bold.setBold(True)
    metrics, bold_metrics = QFontMetricsF(font), QFontMetricsF(bold)
    em = metrics.height()
    pad = em * 0.6
    label_w = bold_metrics.horizontalAdvance("Wed 30 Sep") + 2 * pad
    verdict_w = max(metrics.horizontalAdvance("late"), em) + 2 * pad
    bar_w = em * 7
    text_w = metrics.horizontalAdvance("00 h 00 min") + pad
    timeline_w = max(em * 16, width - label_w - bar_w - text_w - verdict_w - 2 * pad)
    x = label_w
    timeline = (x + pad * 0.5, x + timeline_w - pad * 0.5)
    x += timeline_w + pad
    bar = (x, x + bar_w)
    x += bar_w
    bar_text = (x + pad * 0.5, x + text_w)
    x += text_w
    return _Columns((pad, label_w - pad * 0.5), timeline, bar, bar_text, (x, x + verdict_w))


def _min_width(font: QFont) -> int:
    columns = _columns(0, font)
    return math.ceil(columns.verdict[1] + QFontMetricsF(font).height() * 0.6)


def _hour_of(moment: datetime, day: date, zone: tzinfo) -> float:
    """Local wall-clock hours since `day`'s midnight, clamped to 0..24 (on a DST day the
    repeated or skipped hour simply overlaps or leaves a gap)."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0.0
    if local.date() > day:
        return 24.0
    return local.hour + local.minute / 60 + local.second / 3600


# ----- marks -------------------------------------------------------------------------


def paint_mark(
    painter: QPainter, mark: BreakMark, center: QPointF, size: float, color: QColor
) -> None:
    """One break mark, its shape telling the kind apart without colour."""
    r = size / 2
    painter.save()
    pen = QPen(color, max(1.5, size / 5))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    x, y = center.x(), center.y()
    match mark:
        case BreakMark.TAKEN:  # a filled dot
            painter.setBrush(color)
            painter.drawEllipse(center, r, r)
        case BreakMark.NATURAL:  # a ring
            painter.drawEllipse(center, r * 0.85, r * 0.85)
        case BreakMark.SNOOZED:  # a filled triangle
            painter.setBrush(color)
            painter.drawPolygon(
                QPolygonF(
                    [QPointF(x, y - r), QPointF(x + r, y + r * 0.8), QPointF(x - r, y + r * 0.8)]
                )
            )
        case BreakMark.SKIPPED:  # a cross
            d = r * 0.8
            painter.drawLine(QPointF(x - d, y - d), QPointF(x + d, y + d))
            painter.drawLine(QPointF(x - d, y + d), QPointF(x + d, y - d))
        case BreakMark.MISSED:  # a hollow diamond
            painter.drawPolygon(
                QPolygonF(
                    [QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)]
                )
            )
    painter.restore()


def paint_tick(painter: QPainter, rect: QRectF, color: QColor) -> None:
    """A check mark (drawn, so it never depends on a font having ✓)."""
    path = QPainterPath()
    path.moveTo(rect.left() + rect.width() * 0.12, rect.top() + rect.height() * 0.55)
    path.lineTo(rect.left() + rect.width() * 0.4, rect.top() + rect.height() * 0.82)
    path.lineTo(rect.left() + rect.width() * 0.9, rect.top() + rect.height() * 0.2)
    pen = QPen(color, max(2.0, rect.height() / 6))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.save()
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.restore()


# ----- rows --------------------------------------------------------------------------


class DayRow(QWidget):
    """One day. Focusable; its accessible description holds every number it draws."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.day: DaySummary | None = None
        self.zone: tzinfo | None = None
        self.carry_in: tuple[Interval, ...] = ()  # yesterday's windows that run into today
        self.scale_hours = MIN_SCALE_HOURS
        self.is_today = False
        self.alternate = False
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumWidth(_min_width(self.font()))

    def set_day(
        self,
        day: DaySummary,
        zone: tzinfo,
        *,
        carry_in: tuple[Interval, ...] = (),
        scale_hours: int = MIN_SCALE_HOURS,
        is_today: bool = False,
    ) -> None:
        self.day, self.zone, self.carry_in = day, zone, carry_in
        self.scale_hours, self.is_today = scale_hours, is_today
        name = day_label(day.day) + (", today" if is_today else "")
        description = day_description(day, zone)
        self.setAccessibleName(name)
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.update()

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(self.font())
        return QSize(_min_width(self.font()), math.ceil(metrics.height() * 2.1))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up:
            self.focusPreviousChild()
        elif event.key() == Qt.Key.Key_Down:
            self.focusNextChild()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = chart_colors(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        painter.fillRect(rect, colors.alternate if self.alternate else colors.background)
        if self.hasFocus():
            painter.setPen(QPen(colors.focus, 1.5))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        day, zone = self.day, self.zone
        if day is None or zone is None:
            painter.end()
            return
        metrics = QFontMetricsF(self.font())
        em = metrics.height()
        cols = _columns(rect.width(), self.font())
        cy = rect.center().y()
        self._paint_label(painter, cols, rect, colors)
        self._paint_timeline(painter, cols, rect, cy, em, day, zone, colors)
        self._paint_bar(painter, cols, rect, cy, em, day, colors)
        self._paint_verdict(painter, cols, rect, cy, em, day, colors)
        painter.end()

    def _paint_label(
        self, painter: QPainter, cols: _Columns, rect: QRectF, colors: ChartColors
    ) -> None:
        assert self.day is not None
        font = QFont(self.font())
        font.setBold(self.is_today)
        painter.setFont(font)
        painter.setPen(
            colors.text if self.day.is_workday or self.day.has_activity else colors.muted
        )
        label_rect = QRectF(cols.label[0], rect.top(), cols.label[1] - cols.label[0], rect.height())
        painter.drawText(
            label_rect,
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            day_label(self.day.day),
        )
        painter.setFont(self.font())

    def _paint_timeline(
        self,
        painter: QPainter,
        cols: _Columns,
        rect: QRectF,
        cy: float,
        em: float,
        day: DaySummary,
        zone: tzinfo,
        colors: ChartColors,
    ) -> None:
        left, right = cols.timeline
        width = right - left

        def x_of(moment: datetime) -> float:
            return left + width * _hour_of(moment, day.day, zone) / 24

        top, bottom = rect.top() + em * 0.2, rect.bottom() - em * 0.2
        painter.setPen(Qt.PenStyle.NoPen)
        for window in (*self.carry_in, *day.windows):
            x0, x1 = x_of(window.start), x_of(window.end)
            if x1 > x0:
                painter.fillRect(QRectF(x0, top, x1 - x0, bottom - top), colors.band)
        painter.setPen(QPen(colors.grid, 1))
        for hour in range(0, 25, 3):
            x = left + width * hour / 24
            painter.drawLine(QPointF(x, top), QPointF(x, bottom))
        if day.first_activity is not None and day.last_activity is not None:
            x0, x1 = x_of(day.first_activity), x_of(day.last_activity)
            pen = QPen(colors.text, max(2.0, em / 8))
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawLine(QPointF(x0, cy), QPointF(max(x1, x0 + 1), cy))
            cap = em * 0.3
            painter.drawLine(QPointF(x0, cy - cap), QPointF(x0, cy + cap))
            painter.drawLine(QPointF(x1, cy - cap), QPointF(x1, cy + cap))
        size = em * 0.55
        offset = em * 0.5
        for moment, mark in day.break_marks:
            y = cy - offset if mark in MARKS_ABOVE else cy + offset
            paint_mark(painter, mark, QPointF(x_of(moment), y), size, colors.marks[mark])

    def _paint_bar(
        self,
        painter: QPainter,
        cols: _Columns,
        rect: QRectF,
        cy: float,
        em: float,
        day: DaySummary,
        colors: ChartColors,
    ) -> None:
        left, right = cols.bar
        per_second = (right - left) / (self.scale_hours * 3600)
        height = em * 0.7
        top = cy - height / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.fillRect(QRectF(left, top, right - left, height), colors.grid)
        inside = day.active_in_hours * per_second
        outside = day.active_outside_hours * per_second
        painter.fillRect(QRectF(left, top, inside, height), colors.in_hours)
        painter.fillRect(QRectF(left + inside, top, outside, height), colors.outside)
        if day.planned_seconds:
            x = left + day.planned_seconds * per_second
            painter.setPen(QPen(colors.text, 2))
            painter.drawLine(QPointF(x, top - em * 0.15), QPointF(x, top + height + em * 0.15))
        if day.has_activity:
            painter.setPen(colors.text)
            text_rect = QRectF(
                cols.bar_text[0], rect.top(), cols.bar_text[1] - cols.bar_text[0], rect.height()
            )
            painter.drawText(
                text_rect,
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                duration_text(day.active_seconds),
            )

    def _paint_verdict(
        self,
        painter: QPainter,
        cols: _Columns,
        rect: QRectF,
        cy: float,
        em: float,
        day: DaySummary,
        colors: ChartColors,
    ) -> None:
        left, right = cols.verdict
        if day.ended_on_time is True:
            size = em * 0.8
            x = left + (right - left - size) / 2
            paint_tick(painter, QRectF(x, cy - size / 2, size, size), colors.ok)
        elif day.ended_on_time is False:
            painter.setPen(colors.late)
            painter.drawText(
                QRectF(left, rect.top(), right - left, rect.height()),
                int(Qt.AlignmentFlag.AlignCenter),
                "late",
            )


class _Axis(QWidget):
    """The hour labels over the timelines and the column headings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale_hours = MIN_SCALE_HOURS
        self.setAccessibleName("Time of day, 00:00 to 24:00; active time")

    def sizeHint(self) -> QSize:
        return QSize(_min_width(self.font()), math.ceil(QFontMetricsF(self.font()).height() * 1.4))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = chart_colors(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        painter.fillRect(rect, colors.background)
        cols = _columns(rect.width(), self.font())
        metrics = QFontMetricsF(self.font())
        left, right = cols.timeline
        painter.setPen(colors.muted)
        for hour in range(0, 25, 6):
            x = left + (right - left) * hour / 24
            text = f"{hour:02d}:00"
            w = metrics.horizontalAdvance(text)
            x0 = min(max(x - w / 2, left - w / 4), right - w)
            painter.drawText(
                QRectF(x0, rect.top(), w + 1, rect.height()),
                int(Qt.AlignmentFlag.AlignVCenter),
                text,
            )
        bar_left = cols.bar[0]
        painter.drawText(
            QRectF(bar_left, rect.top(), cols.bar_text[1] - bar_left, rect.height()),
            int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
            f"Active time (0–{self.scale_hours} h)",
        )
        painter.end()


# ----- legend ------------------------------------------------------------------------


class _Swatch(QWidget):
    """A small sample of one chart element, painted like the chart paints it."""

    def __init__(self, kind: str | BreakMark, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        em = QFontMetricsF(self.font()).height()
        self.setFixedSize(math.ceil(em * 1.4), math.ceil(em))

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = chart_colors(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect())
        em = rect.height()
        center = rect.center()
        match self.kind:
            case "band":
                painter.fillRect(rect.adjusted(0, em * 0.1, 0, -em * 0.1), colors.band)
            case "line":
                pen = QPen(colors.text, max(2.0, em / 8))
                painter.setPen(pen)
                y = center.y()
                painter.drawLine(QPointF(rect.left() + 2, y), QPointF(rect.right() - 2, y))
                painter.drawLine(
                    QPointF(rect.left() + 2, y - em * 0.3), QPointF(rect.left() + 2, y + em * 0.3)
                )
                painter.drawLine(
                    QPointF(rect.right() - 2, y - em * 0.3), QPointF(rect.right() - 2, y + em * 0.3)
                )
            case "in":
                painter.fillRect(rect.adjusted(0, em * 0.15, 0, -em * 0.15), colors.in_hours)
            case "out":
                painter.fillRect(rect.adjusted(0, em * 0.15, 0, -em * 0.15), colors.outside)
            case "planned":
                painter.setPen(QPen(colors.text, 2))
                painter.drawLine(
                    QPointF(center.x(), rect.top()), QPointF(center.x(), rect.bottom())
                )
            case "tick":
                size = em * 0.8
                paint_tick(
                    painter,
                    QRectF(center.x() - size / 2, center.y() - size / 2, size, size),
                    colors.ok,
                )
            case BreakMark() as mark:
                paint_mark(painter, mark, center, em * 0.6, colors.marks[mark])
        painter.end()


LEGEND_ITEMS: tuple[tuple[str | BreakMark, str], ...] = (
    ("band", "Planned hours"),
    ("line", "First to last activity"),
    ("in", "Active in work hours"),
    ("out", "Active outside work hours"),
    ("planned", "Planned length"),
    ("tick", "Ended on time"),
    (BreakMark.TAKEN, MARK_NAMES[BreakMark.TAKEN]),
    (BreakMark.NATURAL, MARK_NAMES[BreakMark.NATURAL]),
    (BreakMark.SNOOZED, "Break snoozed"),
    (BreakMark.SKIPPED, "Break skipped"),
    (BreakMark.MISSED, "Break missed"),
    ("late", "Ended late"),
)


class Legend(QWidget):
    COLUMNS = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Legend")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.labels: list[QLabel] = []
        for index, (kind, text) in enumerate(LEGEND_ITEMS):
            row, column = divmod(index, self.COLUMNS)
            if kind == "late":
                swatch: QWidget = _LateSwatch()
            else:
                swatch = _Swatch(kind)
            label = QLabel(text)
            label.setForegroundRole(QPalette.ColorRole.Text)
            self.labels.append(label)
            cell = QHBoxLayout()
            cell.setSpacing(4)
            cell.addWidget(swatch)
            cell.addWidget(label)
            cell.addStretch(1)
            grid.addLayout(cell, row, column)
        description = "; ".join(text for _, text in LEGEND_ITEMS)
        self.setAccessibleDescription(description)


class _LateSwatch(QLabel):
    def __init__(self) -> None:
        super().__init__("late")
        self.setAccessibleName("late")

    def paintEvent(self, event: QPaintEvent) -> None:
        colors = chart_colors(self.palette())
        painter = QPainter(self)
        painter.setPen(colors.late)
        painter.drawText(QRectF(self.rect()), int(Qt.AlignmentFlag.AlignCenter), "late")
        painter.end()


# ----- the chart ---------------------------------------------------------------------


class WeekChart(QFrame):
    """The title, axis, seven day rows and the legend: what "Save as PNG" saves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekChart")
        self.setBackgroundRole(QPalette.ColorRole.Base)
        self.setAutoFillBackground(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Week chart")
        self.setAccessibleDescription(
            "One row per day: planned hours, first to last activity and break marks on a "
            "00:00 to 24:00 timeline, active time inside and outside work hours, and "
            "whether the day ended on time. Each row describes its numbers."
        )
        self.title = QLabel()
        self.title.setForegroundRole(QPalette.ColorRole.Text)
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)
        self.axis = _Axis()
        self.rows = [DayRow() for _ in range(7)]
        self.legend = Legend()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addSpacing(4)
        layout.addWidget(self.axis)
        for index, row in enumerate(self.rows):
            row.alternate = index % 2 == 1
            layout.addWidget(row)
        layout.addSpacing(8)
        layout.addWidget(self.legend)
        for before, after in zip(self.rows, self.rows[1:], strict=False):
            QWidget.setTabOrder(before, after)

    def set_view(self, view: WeekView) -> None:
        week = view.week
        self.title.setText(week_title(week))
        scale = hours_scale(list(week.days))
        self.axis.scale_hours = scale
        self.axis.update()
        before = view.day_before
        for row, day in zip(self.rows, week.days, strict=True):
            row.set_day(
                day,
                view.zone,
                carry_in=_carry_in(before, view.zone),
                scale_hours=scale,
                is_today=day.day == view.today,
            )
            before = day


def _carry_in(before: DaySummary | None, zone: tzinfo) -> tuple[Interval, ...]:
    """The windows of the day `before` that run on past its midnight (a night shift),
    drawn on the next day's timeline too."""
    if before is None:
        return ()
    following = before.day + _DAY
    midnight = datetime(following.year, following.month, following.day, tzinfo=zone)
    return tuple(window for window in before.windows if window.end > midnight)
