"""`make lint`: no module in bma/ grows past LIMIT lines, outside migrations and the allowed few below.

A module that long usually holds several rooms; split it by room and re-export what callers use (as
bma/exports/dataset/ and bma/referrals/services.py do). The allowed modules are tables or flat
registries that read best whole; each says why. Run: python tools/module_sizes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

LIMIT = 600
ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    # The XLSForm tables of B1, B2 and the spot check, row by row as pyxform reads them.
    "bma/xforms/workbooks.py": "form tables",
    # A flat registry of quality rules, one small function each.
    "bma/validation/rules.py": "rule registry",
}


def oversized(root: Path = ROOT) -> list[tuple[str, int]]:
    found = []
    for path in sorted((root / "bma").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative in ALLOWED:
            continue
        with path.open(encoding="utf-8") as source:
            lines = sum(1 for _ in source)
        if lines > LIMIT:
            found.append((relative, lines))
    return found


def main() -> int:
    found = oversized()
    for relative, lines in found:
        print(f"{relative}: {lines} lines (limit {LIMIT}): split it by room, or say in tools/module_sizes.py why not")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
