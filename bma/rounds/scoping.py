"""Area scoping: which part of the country a user may see and act on.

Coordinators and administrators see everything. Supervisors and enumerators see the areas they are
assigned (in any round, or in one round when given) and everything below them. Everyone else sees
nothing. Every list, page, action and API endpoint filters through ``area_scope_q``.

Here, next to the assignments it reads: everything that scopes (the gazetteer's admin and API too) sits
in rounds or above it and imports this module.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q

from bma.core.admin import lookup_crosses_many
from bma.core.roles import user_sees_everything
from bma.geo.models import AdminArea
from bma.rounds.models import Assignment

NOTHING = Q(pk__in=[])


def assigned_area_paths(user, round=None, role: str | None = None) -> list[str]:
    """The materialised paths of the areas the user is assigned (sorted, no repeats)."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    assignments = Assignment.objects.filter(user=user)
    if round is not None:
        assignments = assignments.filter(round=round)
    if role is not None:
        assignments = assignments.filter(role=role)
    return sorted(set(assignments.values_list("area__path", flat=True)))


def area_scope_q(user, area_field: str = "", round=None, role: str | None = None) -> Q:
    """A Q that keeps rows whose area (reached through ``area_field``) lies in the user's scope.

    ``area_field`` is the lookup from the filtered model to an AdminArea ("" when filtering
    AdminArea itself, "district" for a Settlement, "village__district" further away...).
    """
    if user_sees_everything(user):
        return Q()
    paths = assigned_area_paths(user, round=round, role=role)
    if not paths:
        return NOTHING
    lookup = f"{area_field}__path__startswith" if area_field else "path__startswith"
    return reduce(or_, (Q(**{lookup: p}) for p in paths))


def path_within(path: str, assigned_paths) -> bool:
    """An area lies in an assignment when its materialised path starts with the assigned area's path."""
    return any(path.startswith(p) for p in assigned_paths)


def user_may_act_in(user, area, round=None, role: str | None = None) -> bool:
    """``area`` is an AdminArea (anything with a materialised ``path``)."""
    if user_sees_everything(user):
        return True
    return path_within(area.path, assigned_area_paths(user, round=round, role=role))


def scoped_areas(user, round=None):
    return AdminArea.objects.filter(area_scope_q(user, round=round))


class AreaScopedAdminMixin:
    """Supervisors see only rows in their assigned areas; coordinators and administrators see all.

    ``scope_field`` is the lookup from the model to its AdminArea ("" for AdminArea itself).
    """

    scope_field = ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(area_scope_q(request.user, self.scope_field))
        # Only a scope reached through a many-valued relation can repeat a row. Along foreign keys
        # (every desk list) DISTINCT would change nothing but cost a sort of the whole list, a
        # coordinator's round of a hundred thousand rows, on every page and in its counts.
        return queryset.distinct() if lookup_crosses_many(self.model, self.scope_field) else queryset
