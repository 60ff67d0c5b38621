"""Admin building blocks shared by every app's admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models.constants import LOOKUP_SEP

from bma.core.errors import BmaError


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
