"""Villages whose entity is in conflict, on the referral queue (issue 32.3), as Central shows entity
conflicts: which properties, from which submissions and versions, soft or hard, and a Resolve button.

Two tablets that updated one village from the same version end as one village (the updates are both
applied, bma/entities/updates.py); the supervisor reads what each sent and accepts the result. Entity
updates the server refused (an unknown or deleted village) are entity problems of their submissions, with
the refused creations in one list (validation's EntityProblem): the queue links to it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext

from bma.core.errors import BmaError
from bma.entities.models import Conflict, Entity
from bma.entities.updates import conflict_versions, entity_conflict_resolve
from bma.geo.names import place_name
from bma.rounds.scoping import area_scope_q
from bma.submissions.models import Submission


def _conflict_in_words(conflict: str) -> str:
    if conflict == Conflict.HARD:
        return gettext("Hard: a tablet changed a property that had been changed since its version; one value was lost.")
    return gettext("Soft: two tablets updated the same version; no property they sent had changed meanwhile.")


def _submission_links(instance_ids: set[str]) -> dict[str, str]:
    found = Submission.objects.filter(root_instance_id__in=instance_ids, is_current=True).values_list(
        "root_instance_id", "pk"
    )
    return {root: reverse("admin:submissions_submission_change", args=[pk]) for root, pk in found}


def entities_in_conflict(user):
    return (
        Entity.objects.exclude(conflict="")
        .filter(deleted_at__isnull=True)
        .filter(area_scope_q(user, "settlement__district"))
        .select_related("settlement", "settlement__district")
        .order_by("-updated_at", "-pk")
    )


def entity_conflict_rows(user) -> list[dict]:
    """One row per village in conflict, with the versions a supervisor reads to resolve it."""
    rows = []
    for entity in entities_in_conflict(user):
        versions = conflict_versions(entity)
        links = _submission_links({v.source_instance_id for v in versions if v.source_instance_id})
        rows.append(
            {
                "entity": entity,
                "village": place_name(entity.settlement, entity.label),
                "code": entity.settlement.code if entity.settlement else "",
                "conflict": entity.get_conflict_display(),
                "in_words": _conflict_in_words(entity.conflict),
                "visited": entity.properties.get("visited", ""),
                "last_visit": entity.properties.get("last_visit", ""),
                "versions": [
                    {
                        "version": v.version,
                        "base_version": v.base_version,
                        "branch": v.branch_id[:8],
                        "received": ", ".join(f"{k} = {val}" for k, val in sorted(v.data_received.items())),
                        "conflict": v.get_conflict_display() if v.conflict else "",
                        "conflicting": ", ".join(v.conflicting_properties or []),
                        "source": v.source_instance_id or gettext("server"),
                        "source_url": links.get(v.source_instance_id),
                    }
                    for v in versions
                ],
                "resolve_url": reverse("admin:referrals_referralmatch_entity_resolve", args=[entity.pk]),
            }
        )
    return rows


class EntityConflictsAdminMixin:
    """For the referral queue's ModelAdmin: the conflicts above the queue, and their Resolve action.
    The queue's template (admin/referrals/referralmatch/change_list.html) shows them."""

    def get_urls(self):
        own = [
            path(
                "entity-conflicts/<int:entity_id>/resolve/",
                self.admin_site.admin_view(self.entity_resolve_view),
                name="referrals_referralmatch_entity_resolve",
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        context = {
            **(extra_context or {}),
            "entity_conflicts": entity_conflict_rows(request.user),
            "entity_problems_url": reverse("admin:validation_entityproblem_changelist") + "?action__exact=update"
            if request.user.has_perm("validation.view_entityproblem")
            else "",
            "may_resolve": self.has_change_permission(request),
        }
        return super().changelist_view(request, context)

    def entity_resolve_view(self, request, entity_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        # A village outside the supervisor's areas, or no longer in conflict, is not found.
        entity = get_object_or_404(entities_in_conflict(request.user), pk=entity_id)
        try:
            seen = int(request.POST.get("version", ""))
        except ValueError:
            seen = None
        try:
            entity_conflict_resolve(entity, seen_version=seen)
        except BmaError as exc:
            self.message_user(request, f"{entity.label}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, gettext("The conflict of %(village)s is resolved.") % {"village": entity.label})
        return HttpResponseRedirect(reverse("admin:referrals_referralmatch_changelist"))
