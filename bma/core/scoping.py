"""Area scoping: which part of the country a user may see and act on.

Coordinators and administrators see everything. Supervisors and enumerators see the areas they are
assigned (in any round, or in one round when given) and everything below them. Everyone else sees
nothing. Every list, page, action and API endpoint filters through ``area_scope_q``.

Assignments live in the rounds app, above this one and above the gazetteer that scopes its own API;
so the look-up of a user's assigned areas is named by the ``BMA_ASSIGNED_AREA_PATHS`` setting rather
than imported (ARCHITECTURE.md: a lower layer reaches a higher one through a setting).
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from bma.core.roles import user_sees_everything

NOTHING = Q(pk__in=[])


def assigned_area_paths(user, round=None, role: str | None = None) -> list[str]:
    """The materialised paths of the areas the user is assigned (sorted, no repeats)."""
    return import_string(settings.BMA_ASSIGNED_AREA_PATHS)(user, round=round, role=role)


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
