"""Compile the project's translation catalogues (locale/<lang>/LC_MESSAGES/*.po, and the supplement to
Django's own catalogues in locale/django/<lang>/LC_MESSAGES/*.po) into the .mo files
Django reads, in Python (polib): a fresh install, `make demo` and the Docker build need no GNU gettext.

Run as ``python -m bma.core.translations`` (no Django settings needed). A .mo newer than its .po is
left alone, so running it on every start costs nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent.parent / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each stale .mo; the ones written. Fuzzy entries are left out, as msgfmt leaves them."""
    written = []
    # "**" so the supplement to Django's own catalogues (locale/django/<lang>/...) is compiled too.
    for po_path in sorted(locale_dir.glob("**/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"compiled {path.relative_to(LOCALE_DIR.parent)}")
    sys.exit(0)
