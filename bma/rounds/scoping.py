"""The rounds app's half of area scoping (bma/core/scoping.py): the areas a user's assignments cover."""

from __future__ import annotations

from bma.core.scoping import area_scope_q
from bma.geo.models import AdminArea
from bma.rounds.models import Assignment


def assignment_area_paths(user, round=None, role: str | None = None) -> list[str]:
    """Named by settings.BMA_ASSIGNED_AREA_PATHS; read it through core.scoping.assigned_area_paths."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    assignments = Assignment.objects.filter(user=user)
    if round is not None:
        assignments = assignments.filter(round=round)
    if role is not None:
        assignments = assignments.filter(role=role)
    return sorted(set(assignments.values_list("area__path", flat=True)))


def scoped_areas(user, round=None):
    return AdminArea.objects.filter(area_scope_q(user, round=round))
