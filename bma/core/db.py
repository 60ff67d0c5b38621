"""Integer parameters that do not fit their column are refused, never wrapped.

With server-side binding (settings.py) Django wraps integer parameters in psycopg's Int2/Int4/Int8
and psycopg's C dumpers write them modulo 2**16/2**32/2**64: households = 4294967396 reached the
database as 100. These dumpers check the range first and raise psycopg.DataError, so the statement
fails and nothing stored changes. Registered once, globally, from CoreConfig.ready().
"""

from __future__ import annotations

import psycopg
from psycopg.adapt import Dumper
from psycopg.types import numeric

_RANGES = {
    numeric.Int2: (-(2**15), 2**15 - 1),
    numeric.Int4: (-(2**31), 2**31 - 1),
    numeric.Int8: (-(2**63), 2**63 - 1),
}


def _checked(base: type[Dumper], kind: type) -> type[Dumper]:
    low, high = _RANGES[kind]

    class Checked(base):  # type: ignore[misc, valid-type]
        def dump(self, obj):
            if not low <= int(obj) <= high:
                raise psycopg.DataError(
                    f"{int(obj)} is out of range for a {kind.__name__.lower()} column "
                    f"(allowed {low} to {high}); nothing was stored"
                )
            return super().dump(obj)

    Checked.__name__ = f"Checked{base.__name__}"
    return Checked


def register_checked_integers() -> None:
    adapters = psycopg.adapters
    for kind, text, binary in (
        (numeric.Int2, numeric.Int2Dumper, numeric.Int2BinaryDumper),
        (numeric.Int4, numeric.Int4Dumper, numeric.Int4BinaryDumper),
        (numeric.Int8, numeric.Int8Dumper, numeric.Int8BinaryDumper),
    ):
        adapters.register_dumper(kind, _checked(text, kind))
        adapters.register_dumper(kind, _checked(binary, kind))
