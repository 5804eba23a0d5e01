"""Widgets that adapt to the dock's width: rows of buttons that wrap like words
(:class:`FlowBox`, after Qt's "Flow Layout" example) and word-wrapped labels that are
always as high as their text (:class:`WrapLabel`).

Both set their minimum height from their width when resized, rather than relying on
height-for-width, which form layouts did not always honour after a row-wrap change (a
three-line summary was shown two lines high at 280 px).
"""

from __future__ import annotations

from qgis.PyQt.QtCore import QPoint, QRect, QSize, Qt
from qgis.PyQt.QtWidgets import QLabel, QLayout, QSizePolicy, QStyle, QWidget

__all__ = ["FlowLayout", "FlowBox", "WrapLabel"]


class FlowLayout(QLayout):
    """Left-to-right rows that wrap; each row's items share its spare width when
    ``stretch`` is true (buttons of a row end up equally wide)."""

    def __init__(self, parent=None, spacing: int = -1, stretch: bool = False) -> None:
        super().__init__(parent)
        self._items = []
        self._spacing = spacing
        self._stretch = stretch
        self.setContentsMargins(0, 0, 0, 0)

    # ---------------------------------------------------------------- QLayout API
    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        # not relied on: form layouts did not always honour it after a row-wrap change;
        # FlowBox sets its minimum height from heightForWidth instead
        return False

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:
        """All items on one row."""
        margins = self.contentsMargins()
        width = sum(i.sizeHint().width() for i in self._items) + \
            self._gap(Qt.Orientation.Horizontal) * max(0, len(self._items) - 1)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width + margins.left() + margins.right(),
                     height + margins.top() + margins.bottom())

    def minimumSize(self) -> QSize:
        """The widest item (one item per row)."""
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    # ---------------------------------------------------------------- placing
    def _gap(self, orientation) -> int:
        if self._spacing >= 0:
            return self._spacing
        parent = self.parentWidget() if self.parent() is not None else None
        style = parent.style() if parent is not None else None
        if style is None:
            return 6
        metric = QStyle.PixelMetric.PM_LayoutHorizontalSpacing \
            if orientation == Qt.Orientation.Horizontal \
            else QStyle.PixelMetric.PM_LayoutVerticalSpacing
        value = style.pixelMetric(metric, None, parent)
        return value if value >= 0 else 6

    def _rows(self, width: int) -> list[list]:
        rows, row, used = [], [], 0
        gap = self._gap(Qt.Orientation.Horizontal)
        for item in self._items:
            if item.isEmpty():
                continue
            w = item.sizeHint().width()
            if row and used + gap + w > width:
                rows.append(row)
                row, used = [], 0
            used += (gap if row else 0) + w
            row.append(item)
        if row:
            rows.append(row)
        return rows

    def _place(self, rect: QRect, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        hgap, vgap = self._gap(Qt.Orientation.Horizontal), self._gap(Qt.Orientation.Vertical)
        y = area.y()
        rows = self._rows(area.width())
        if not rows:
            return 0
        for row in rows:
            height = max(i.sizeHint().height() for i in row)
            hints = [min(i.sizeHint().width(), area.width()) for i in row]
            spare = area.width() - sum(hints) - hgap * (len(row) - 1)
            x = area.x()
            for n, (item, w) in enumerate(zip(row, hints, strict=True)):
                if self._stretch and spare > 0 and self._grows(item):
                    extra = spare // len(row) + (1 if n < spare % len(row) else 0)
                    w += extra
                if move:
                    item.setGeometry(QRect(QPoint(x, y), QSize(w, height)))
                x += w + hgap
            y += height + vgap
        return y - vgap - rect.y() + margins.bottom()

    @staticmethod
    def _grows(item) -> bool:
        widget = item.widget()
        if widget is None:
            return True
        return widget.sizePolicy().horizontalPolicy() != QSizePolicy.Policy.Fixed


class FlowBox(QWidget):
    """A widget holding a :class:`FlowLayout` that is always as high as its rows need
    at its current width (its minimum height follows its width)."""

    def __init__(self, widgets=(), stretch: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self, stretch=stretch)
        for widget in widgets:
            self.flow.addWidget(widget)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt
        self._fit(event.size().width())
        super().resizeEvent(event)

    def _fit(self, width: int) -> None:
        height = self.flow.heightForWidth(width)
        if height != self.minimumHeight():
            self.setMinimumHeight(height)


class WrapLabel(QLabel):
    """A word-wrapped label whose minimum height follows its width."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt
        super().setText(text)
        self._fit(self.width())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt
        self._fit(event.size().width())
        super().resizeEvent(event)

    def _fit(self, width: int) -> None:
        # measured as QLabel lays out plain text (its own heightForWidth would include
        # the minimum height set here, so it could never shrink again)
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right() - 2 * max(self.margin(), 0)
        height = 0
        if self.text() and inner > 0:
            flags = int(self.alignment()) | int(Qt.TextFlag.TextWordWrap)
            height = self.fontMetrics().boundingRect(QRect(0, 0, inner, 100000), flags,
                                                     self.text()).height()
            height += margins.top() + margins.bottom() + 2 * max(self.margin(), 0)
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
