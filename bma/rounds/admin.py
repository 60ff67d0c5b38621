from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from bma.core.admin import AreaScopedAdminMixin, run_service_action
from bma.rounds.models import Assignment, Enumerator, Round
from bma.rounds.resources import EnumeratorResource
from bma.rounds.services import round_close, round_open


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("user", "area")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "state", "collection_start", "collection_end", "opened_at", "closed_at")
    list_filter = ("state",)
    readonly_fields = ("state", "opened_at", "closed_at")
    inlines = [AssignmentInline]
    actions = ["open_rounds", "close_rounds"]

    @admin.action(description=_("Open the selected rounds for data collection"), permissions=["change"])
    def open_rounds(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda r: round_open(round=r),
            ngettext_lazy("%(count)d round opened.", "%(count)d rounds opened.", "count"),
        )

    @admin.action(description=_("Close the selected rounds (devices stop submitting)"), permissions=["change"])
    def close_rounds(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda r: round_close(round=r),
            ngettext_lazy("%(count)d round closed.", "%(count)d rounds closed.", "count"),
        )


@admin.register(Assignment)
class AssignmentAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    scope_field = "area"
    list_display = ("user", "role", "area", "round")
    list_filter = ("round", "role")
    search_fields = ("user__username", "area__name_en", "area__code")
    autocomplete_fields = ("user", "area")


@admin.register(Enumerator)
class EnumeratorAdmin(ImportMixin, admin.ModelAdmin):
    """Enumerators: imported in bulk with their assignments (Import), each with a printable set-up sheet.

    Accounts are added by the import only and never deleted here (their submissions keep pointing at
    them); deactivate one instead. Coordinators and administrators see this list, supervisors do not.
    """

    resource_classes = [EnumeratorResource]
    list_display = ("username", "full_name", "language", "areas", "is_active", "setup_sheet")
    list_filter = ("is_active", "assignments__round")
    search_fields = ("username", "first_name", "last_name", "assignments__area__code")
    fields = ("username", "first_name", "last_name", "is_active")
    readonly_fields = ("username",)

    def process_result(self, result, request):
        # The sheet is read again on confirm; a row that went bad since the preview (a round deleted)
        # rolls the whole file back (EnumeratorResource.import_data), and must not be reported as done.
        if result.has_errors() or result.has_validation_errors():
            problems = [
                f"{row.number}: {'; '.join(m for messages_ in row.error_dict.values() for m in messages_)}"
                for row in result.invalid_rows
            ] + [str(error.error) for row in result.row_errors() for error in row[1]]
            self.message_user(
                request,
                gettext("Nothing was imported. Fix these rows and import the file again: %(problems)s")
                % {"problems": " | ".join(problems)},
                messages.ERROR,
            )
            return redirect(reverse("admin:rounds_enumerator_import"))
        return super().process_result(result, request)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("language_choice")
            .prefetch_related("assignments__area", "assignments__round")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("full name"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("language"))
    def language(self, obj):
        choice = getattr(obj, "language_choice", None)
        return choice.get_language_display() if choice else ""

    @admin.display(description=_("assigned areas"))
    def areas(self, obj):
        return ", ".join(f"{a.area.code} (R{a.round.number})" for a in obj.assignments.all())

    @admin.display(description=_("ODK Collect"))
    def setup_sheet(self, obj):
        # The set-up sheet belongs to the submissions app (device tokens live there), above this one:
        # reached by its URL name, not an import.
        try:
            url = reverse("admin:submissions_collecttoken_setup", args=[obj.pk])
        except NoReverseMatch:
            return ""
        return format_html('<a href="{}">{}</a>', url, _("Set-up sheet (QR code)"))
