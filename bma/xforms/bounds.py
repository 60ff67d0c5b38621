"""The allowed range of every integer question, defined once.

The XLSForm constraint (workbooks.py) and the mapper's check (assessments/mappers.py) both read these,
so what Collect stops on the tablet is exactly what intake refuses from Kobo, Web Forms edits, the API
or a script.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int

    @property
    def constraint(self) -> str:
        return f". >= {self.low} and . <= {self.high}"

    def __contains__(self, value: int) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low} to {self.high}"


COUNT = Bounds(0, 100_000)  # people or households in one village or district
ROUND = Bounds(1, 50)  # the round number the enumerator types in
