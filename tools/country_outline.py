"""Write a country's outline for the report's map, once, from Natural Earth's TopoJSON (npm world-atlas).

    npm install                       # world-atlas is pinned in package.json / package-lock.json
    .venv/bin/python tools/country_outline.py 762 > bma/exports/data/country_outline.json

The map (bma/exports/svg.py) reads the small file this writes, shipped in the repository: nothing is
fetched at run time, and the server needs no Node. 762 is Tajikistan's ISO 3166-1 numeric code, the id
world-atlas gives each country. Rings are [longitude, latitude] pairs rounded to 0.001° (about 100 m,
finer than the 1:50m source).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "node_modules" / "world-atlas" / "countries-50m.json"


def decoded_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs as absolute coordinates: quantized positions are deltas, scaled then translated."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(arcs: list, indices: list[int]) -> list[list[float]]:
    """One ring from its arcs; a negative index ~i is arc i reversed; each arc repeats the last point."""
    points: list = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc[1:] if points else arc)
    return [[round(lon, 3), round(lat, 3)] for lon, lat in points]


def country_rings(topology: dict, country_id: str) -> list[list[list[float]]]:
    arcs = decoded_arcs(topology)
    for geometry in topology["objects"]["countries"]["geometries"]:
        if str(geometry.get("id")) == country_id:
            polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
            return [ring(arcs, indices) for polygon in polygons for indices in polygon]
    raise SystemExit(f"no country {country_id} in {SOURCE}")


if __name__ == "__main__":
    country = sys.argv[1] if len(sys.argv) > 1 else "762"
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else SOURCE
    topology = json.loads(source.read_text())
    names = {
        str(g.get("id")): g.get("properties", {}).get("name") for g in topology["objects"]["countries"]["geometries"]
    }
    out = {
        "source": "Natural Earth 1:50m via npm world-atlas 2.0.2",
        "id": country,
        "name": names.get(country),
        "rings": country_rings(topology, country),
    }
    json.dump(out, sys.stdout, separators=(",", ":"))
