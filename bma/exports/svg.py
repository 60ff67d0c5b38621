"""Inline SVG charts for the round report (pure; no JavaScript, no CDN, prints as it shows)."""

from __future__ import annotations

from xml.sax.saxutils import escape

BAR_COLOUR = "#0033a0"  # IOM blue
# Average advance of a 12 px sans-serif glyph, generous so that wide Cyrillic labels are not clipped
# either: the label column is sized from the longest label instead of a fixed width.
CHAR_WIDTH = 7.2


def bar_chart(items: list[tuple[str, float]], *, unit: str = "", width: int = 520, bar_height: int = 18) -> str:
    """Horizontal bars, one per (label, value), labelled with the value."""
    if not items:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" role="img" aria-label="no data"></svg>'
    label_width = max(60, round(max(len(str(label)) for label, _ in items) * CHAR_WIDTH) + 10)
    value_width = 70
    scale_width = max(120, width - label_width - value_width)
    width = label_width + scale_width + value_width
    largest = max((value for _, value in items), default=0) or 1
    height = len(items) * (bar_height + 6) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'font-family="sans-serif" font-size="12">'
    ]
    for index, (label, value) in enumerate(items):
        y = 2 + index * (bar_height + 6)
        length = max(1, round(scale_width * (value or 0) / largest))
        shown = f"{value:,.0f}{unit}" if float(value).is_integer() else f"{value:,.1f}{unit}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
