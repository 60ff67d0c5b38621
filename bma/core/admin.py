"""Admin building blocks shared by every app's admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models.constants import LOOKUP_SEP

from bma.core.errors import BmaError
from bma.core.scoping import area_scope_q


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody adds, edits or deletes in the admin: raw submissions (lossless), refusals, logs."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def lookup_crosses_many(model, lookup: str) -> bool:
    """Whether following ``lookup`` ("district", "village__district"...) from ``model`` passes a
    many-valued relation (many-to-many or a reverse foreign key), which gives a row once per related row."""
    for name in filter(None, lookup.split(LOOKUP_SEP)):
        field = model._meta.get_field(name)
        if not field.is_relation:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


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


def run_service_action(modeladmin, request, queryset, service, done) -> None:
    """Call ``service(obj)`` for each selected object; report successes and each refusal in plain words.

    ``done`` is a plural message with a ``%(count)d`` placeholder, from ngettext_lazy(singular, plural,
    "count"): "1 round opened" / "3 rounds opened", each language with its own plural forms."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except BmaError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done % {"count": succeeded}, messages.SUCCESS)
