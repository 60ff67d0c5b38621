"""Who may use the API: staff roles only. Scoping to areas is done by each endpoint's queryset."""

from rest_framework.permissions import BasePermission

from bma.core.roles import Role, user_roles

API_ROLES = {Role.SUPERVISOR, Role.COORDINATOR, Role.ADMINISTRATOR}


class HasReviewRole(BasePermission):
    """Supervisors, coordinators and administrators. Enumerators work through ODK, not the API."""

    message = "The API is for supervisors and coordinators; ask a coordinator for access."

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user) & API_ROLES)


class IsCoordinator(BasePermission):
    message = "Only coordinators may do this."

    def has_permission(self, request, view) -> bool:
        return bool(user_roles(request.user) & {Role.COORDINATOR, Role.ADMINISTRATOR})
