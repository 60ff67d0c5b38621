"""Inline SVG charts for the round report (pure; no JavaScript, no CDN, prints as it shows)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils.translation import gettext, ngettext

from bma.core.numbers import grouped
from bma.exports.report_math import share_shown

BAR_COLOUR = "#0033a0"  # IOM blue
# Average advance of a 12 px sans-serif glyph, generous so that wide Cyrillic labels are not clipped
# either: the label column is sized from the longest label instead of a fixed width.
CHAR_WIDTH = 7.2


def bar_chart(items: list[tuple[str, float]], *, unit: str = "", width: int = 520, bar_height: int = 18) -> str:
    """Horizontal bars, one per (label, value), labelled with the value as the tables print it: a share
    (``unit="%"``) by share_shown ("<1%"), a count grouped in the reader's locale."""
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
        shown = f"{share_shown(value)}%" if unit == "%" else f"{grouped(value)}{unit}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR_COLOUR}"/>'
            f'<text x="{label_width + length + 4}" y="{y + bar_height - 5}">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


# Province colours of the map (distinct in print and for the common colour blindnesses).
MAP_COLOURS = ("#0033a0", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999")
# Communities closer than this (degrees, about 5 km) share one dot, sized by how many; over a wide
# extent the cell grows so that a side holds at most MAP_CELLS_PER_SIDE: a 100,000-village round draws
# a few thousand dots, not 100,000.
MAP_CELL_DEGREES = 0.05
MAP_CELLS_PER_SIDE = 100


COUNTRY_OUTLINE = Path(__file__).resolve().parent / "data" / "country_outline.json"
LEGEND_CHAR_WIDTH = 6.2  # average advance of a 10 px sans-serif glyph, generous for Cyrillic


@lru_cache(maxsize=1)
def country_rings() -> tuple:
    """The country's outline as rings of (longitude, latitude): Natural Earth 1:50m from npm world-atlas,
    converted once by tools/country_outline.py into the small file shipped beside this module (read from
    disk, never fetched). No file, no outline: the map still draws its dots."""
    try:
        data = json.loads(COUNTRY_OUTLINE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    return tuple(tuple((lon, lat) for lon, lat in ring) for ring in data.get("rings", []))


def points_map(
    points: list[tuple[float, float, str]], *, labels: dict | None = None, width: int = 640, height: int = 400
) -> str:
    """The assessed communities as dots on the country's outline, coloured by province.

    ``points``: (latitude, longitude, province code); ``labels``: the legend's name for each code, in the
    reader's language (the code itself where none is given). No tiles, nothing fetched: the outline is the
    shipped boundary file (country_rings), the frame holds the country and every point, with a degree grid
    labelled inside the frame; the legend is as wide as its longest name, so no name is clipped.
    """
    if not points:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1" role="img" aria-label="no data"></svg>'
    provinces = sorted({province for _, _, province in points})
    colour = {p: MAP_COLOURS[i % len(MAP_COLOURS)] for i, p in enumerate(provinces)}
    lats = [lat for lat, _, _ in points]
    lons = [lon for _, lon, _ in points]
    cell = max(
        MAP_CELL_DEGREES, (max(lats) - min(lats)) / MAP_CELLS_PER_SIDE, (max(lons) - min(lons)) / MAP_CELLS_PER_SIDE
    )
    cells: dict[tuple[int, int, str], int] = {}
    for lat, lon, province in points:
        key = (round(lat / cell), round(lon / cell), province)
        cells[key] = cells.get(key, 0) + 1
    rings = country_rings()
    outline = [point for ring in rings for point in ring]
    # The frame holds the country and every point (a point outside the country still shows), a little
    # room around, and at least a degree each way.
    all_lons = lons + [lon for lon, _ in outline]
    all_lats = lats + [lat for _, lat in outline]
    mid_lat, mid_lon = (min(all_lats) + max(all_lats)) / 2, (min(all_lons) + max(all_lons)) / 2
    half_lat = max(0.5, (max(all_lats) - min(all_lats)) / 2 + 0.2)
    half_lon = max(0.5, (max(all_lons) - min(all_lons)) / 2 + 0.2)
    south, north, west, east = mid_lat - half_lat, mid_lat + half_lat, mid_lon - half_lon, mid_lon + half_lon
    # Equirectangular, with longitude shrunk by cos(latitude) so the country keeps its shape.
    shrink = math.cos(math.radians((south + north) / 2))
    names = [(labels or {}).get(province, province) for province in provinces]
    counted = ngettext("%(count)s community", "%(count)s communities", len(points)) % {"count": grouped(len(points))}
    legend_width = round(max(len(str(text)) for text in [*names, counted]) * LEGEND_CHAR_WIDTH) + 24
    margin = 10
    plot_w, plot_h = max(200, width - legend_width - 2 * margin), height - 2 * margin
    scale = min(plot_w / ((east - west) * shrink), plot_h / (north - south))
    frame_w, frame_h = (east - west) * shrink * scale, (north - south) * scale
    width = round(margin + frame_w + margin + legend_width)
    # As tall as the frame (or the legend, if longer): no empty band under a wide country.
    height = round(max(frame_h + 2 * margin, margin + 14 * len(provinces) + 24))

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return margin + (lon - west) * shrink * scale, margin + (north - lat) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(gettext("Map of the assessed communities"))}" font-family="sans-serif" font-size="10">',
        f'<rect x="{margin}" y="{margin}" width="{frame_w:.1f}" height="{frame_h:.1f}" fill="#f4f6fa" stroke="#bbb"/>',
    ]
    for ring in rings:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lat, lon) for lon, lat in ring))
        parts.append(f'<polygon class="outline" points="{path}" fill="#fff" stroke="#888" stroke-width="0.8"/>')
    # Grid lines, each labelled inside the frame: longitudes along the bottom edge, latitudes along the left.
    for degree in range(math.ceil(west), math.floor(east) + 1):
        x, _ = xy(north, degree)
        parts.append(f'<line x1="{x:.1f}" y1="{margin}" x2="{x:.1f}" y2="{margin + frame_h:.1f}" stroke="#ddd"/>')
        label = f"{degree}°E"
        if x + 2 + len(label) * LEGEND_CHAR_WIDTH <= margin + frame_w:  # a label that would leave the frame is left out
            parts.append(f'<text x="{x + 2:.1f}" y="{margin + frame_h - 3:.1f}" fill="#777">{label}</text>')
    for degree in range(math.ceil(south), math.floor(north) + 1):
        _, y = xy(degree, west)
        parts.append(
            f'<line x1="{margin}" y1="{y:.1f}" x2="{margin + frame_w:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{margin + 3}" y="{y - 2:.1f}" fill="#777">{degree}°N</text>'
        )
    for (lat_cell, lon_cell, province), count in sorted(cells.items()):
        x, y = xy(lat_cell * cell, lon_cell * cell)
        radius = 2.5 + 1.5 * math.log2(count)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colour[province]}" fill-opacity="0.75"/>'
        )
    legend_x = margin + frame_w + margin + 6
    for index, (province, name) in enumerate(zip(provinces, names, strict=True)):
        y = margin + 14 * index
        parts.append(
            f'<circle cx="{legend_x:.1f}" cy="{y + 6}" r="4" fill="{colour[province]}"/>'
            f'<text x="{legend_x + 8:.1f}" y="{y + 10}">{escape(str(name))}</text>'
        )
    parts.append(
        f'<text x="{legend_x:.1f}" y="{margin + 14 * len(provinces) + 14}" fill="#555">{escape(counted)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
