"""Comparing a spot-check visit with the village assessment, field by field (pure).

Each checked figure has a tolerance: absolute and relative. Within the tolerance the figure is
confirmed; within twice the tolerance it is a minor discrepancy; beyond, a major one. A presence that
the visit contradicts is always major. The worst field decides the village's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass


class Outcome:
    CONFIRMED = "confirmed"
    MINOR = "minor_discrepancy"
    MAJOR = "major_discrepancy"


ORDER = {Outcome.CONFIRMED: 0, Outcome.MINOR: 1, Outcome.MAJOR: 2}


@dataclass(frozen=True)
class Tolerance:
    absolute: int = 10
    relative: float = 0.20

    def allowed(self, reference: int) -> float:
        # Whichever is more generous: small villages need the absolute slack, large ones the relative.
        return max(self.absolute, self.relative * abs(reference))


DEFAULT_TOLERANCES = {
    "households": Tolerance(absolute=10, relative=0.10),
    "total": Tolerance(absolute=10, relative=0.25),
}


def tolerances_from_mapping(values: dict | None) -> dict[str, Tolerance]:
    """A round's tolerance overrides from JSON; ValueError names the wrong key or value in words."""
    tolerances = dict(DEFAULT_TOLERANCES)
    if values is None:
        values = {}
    example = '{"total": {"absolute": 10, "relative": 0.25}}'
    if not isinstance(values, dict):
        raise ValueError(f"Spot-check tolerances must be a JSON object such as {example}.")
    problems = []
    for name, tolerance in values.items():
        if name not in DEFAULT_TOLERANCES:
            problems.append(f"'{name}' is not a compared figure (the figures are {', '.join(DEFAULT_TOLERANCES)}).")
            continue
        if not isinstance(tolerance, dict):
            problems.append(f'\'{name}\' must be an object such as {{"absolute": 10, "relative": 0.25}}.')
            continue
        for key, value in tolerance.items():
            if key not in ("absolute", "relative"):
                problems.append(f"'{name}': '{key}' is not a tolerance (use 'absolute' and 'relative').")
            elif isinstance(value, bool) or not isinstance(value, int if key == "absolute" else (int, float)):
                problems.append(f"'{name}': '{key}' must be {'a whole number' if key == 'absolute' else 'a number'}.")
            elif value < 0:
                problems.append(f"'{name}': '{key}' must not be negative.")
        if not problems:
            tolerances[name] = Tolerance(**tolerance)
    if problems:
        raise ValueError(" ".join(problems))
    return tolerances


@dataclass(frozen=True)
class FieldComparison:
    field: str
    assessed: int | bool | None
    observed: int | bool | None
    outcome: str
    difference: float | None = None
    # The difference a count may have and still be confirmed (its tolerance applied to the assessed
    # figure), kept with the row so the supervisor sees the tolerance that decided it.
    allowed: float | None = None


def compare_count(field: str, assessed: int | None, observed: int | None, tolerance: Tolerance) -> FieldComparison:
    if assessed is None or observed is None:
        # Nothing to compare: the visit did not check this figure, or the assessment had none.
        return FieldComparison(field, assessed, observed, Outcome.CONFIRMED, None, tolerance.allowed(assessed or 0))
    difference = abs(observed - assessed)
    allowed = tolerance.allowed(assessed)
    if difference <= allowed:
        outcome = Outcome.CONFIRMED
    elif difference <= 2 * allowed:
        outcome = Outcome.MINOR
    else:
        outcome = Outcome.MAJOR
    return FieldComparison(field, assessed, observed, outcome, difference, allowed)


def compare_presence(field: str, assessed: bool | None, observed: bool | None) -> FieldComparison:
    if assessed is None or observed is None or assessed == observed:
        return FieldComparison(field, assessed, observed, Outcome.CONFIRMED)
    return FieldComparison(field, assessed, observed, Outcome.MAJOR)


def compare_service(field: str, assessed: bool | None, observed: bool | None) -> FieldComparison:
    """Whether a service is in the village, as the informants said and as the visit saw it. A
    contradiction is a minor discrepancy, not a major one: services are context for the report, while
    the population figures are what it publishes (and a re-assessment is for those)."""
    if assessed is None or observed is None or assessed == observed:
        return FieldComparison(field, assessed, observed, Outcome.CONFIRMED)
    return FieldComparison(field, assessed, observed, Outcome.MINOR)


def compare_round(received: int, typed: int | None) -> FieldComparison | None:
    """The round typed on the tablet against the round the visit was received for. A disagreement is a
    minor discrepancy: the visit still counts for its round, but it is not endorsed until a supervisor
    has looked (the figures may belong to another round's visit)."""
    if typed is None or typed == received:
        return None
    return FieldComparison("round", received, typed, Outcome.MINOR, abs(typed - received))


def overall_outcome(comparisons: list[FieldComparison]) -> str:
    return max((c.outcome for c in comparisons), key=ORDER.__getitem__, default=Outcome.CONFIRMED)
