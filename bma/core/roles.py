"""Roles as Django groups, and what each may see.

The permissions of each role are declared once here. ``roles_sync`` (run by ``manage.py sync_roles``,
``make demo`` and the tests) makes the groups match this table; later apps add their permissions here.
An entry is ``"app_label.codename"`` or ``"app_label.*"`` / ``"app_label.view_*"`` for a whole app.
"""

from __future__ import annotations

from fnmatch import fnmatch

from django.contrib.auth.models import Group, Permission
from django.db import models, transaction


class Role(models.TextChoices):
    ENUMERATOR = "enumerator", "Enumerator"
    SUPERVISOR = "supervisor", "Supervisor"
    COORDINATOR = "coordinator", "Coordinator"
    ADMINISTRATOR = "administrator", "Administrator"


GROUP_NAMES = {
    Role.ENUMERATOR: "Enumerator",
    Role.SUPERVISOR: "Supervisor",
    Role.COORDINATOR: "Coordinator",
    Role.ADMINISTRATOR: "Administrator",
}

# Enumerators work only through ODK Collect / Web Forms: no admin permissions at all.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ENUMERATOR: [],
    Role.SUPERVISOR: [
        "geo.view_*",
        "rounds.view_round",
        "rounds.view_assignment",
        "xforms.view_form",
        "xforms.view_formversion",
        "assessments.view_*",
        "assessments.change_villageassessment",
        "assessments.change_districtassessment",
        "assessments.change_spotcheckvisit",
        "validation.view_*",
        "validation.change_qualityissue",
        "referrals.view_*",
        "referrals.change_*",
        "exports.view_referencefigure",
        # The raw submissions of their areas: failed and waiting ones, with the reason, to process again.
        "submissions.view_submission",
        "submissions.reprocess_submission",
    ],
    Role.COORDINATOR: [
        "geo.*",
        "rounds.*",
        "xforms.*",
        "submissions.*",
        "assessments.*",
        "validation.*",
        "referrals.*",
        "exports.*_referencefigure",
        "exports.view_exportjob",
        "exports.add_exportjob",
        "exports.view_exportdownload",
        "exports.view_publishedreport",
        "exports.add_publishedreport",
        "auth.view_user",
    ],
    Role.ADMINISTRATOR: ["*"],
}

# Never granted through a role, only to named people: informants' names and phones.
PERSONAL_DATA_PERMISSION = "assessments.view_personal_data"
PERSONAL_DATA_PERMISSIONS = {PERSONAL_DATA_PERMISSION}

# Roles whose holders see every area; the others see only what their assignments cover.
UNSCOPED_ROLES = {Role.COORDINATOR, Role.ADMINISTRATOR}


def _matching_permissions(patterns: list[str]) -> list[Permission]:
    perms = Permission.objects.select_related("content_type")
    chosen = []
    for perm in perms:
        full = f"{perm.content_type.app_label}.{perm.codename}"
        if full not in PERSONAL_DATA_PERMISSIONS and any(fnmatch(full, p) for p in patterns):
            chosen.append(perm)
    return chosen


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create the role groups and set their permissions to exactly what ROLE_PERMISSIONS says."""
    counts = {}
    for role, group_name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = _matching_permissions(ROLE_PERMISSIONS[role])
        group.permissions.set(perms)
        counts[group_name] = len(perms)
    return counts


def user_roles(user) -> set[str]:
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    names = set(user.groups.values_list("name", flat=True))
    roles = {role for role, name in GROUP_NAMES.items() if name in names}
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR)
    return roles


def user_has_role(user, role: str) -> bool:
    return role in user_roles(user)


def user_sees_everything(user) -> bool:
    return bool(user_roles(user) & UNSCOPED_ROLES)


def role_assign(user, role: str) -> None:
    """Put a user in a role's group (the group must exist: run roles_sync first)."""
    user.groups.add(Group.objects.get(name=GROUP_NAMES[Role(role)]))
