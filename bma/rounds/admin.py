from django.contrib import admin

from bma.core.admin import AreaScopedAdminMixin, run_service_action
from bma.rounds.models import Assignment, Round
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

    @admin.action(description="Open the selected rounds for data collection", permissions=["change"])
    def open_rounds(self, request, queryset):
        run_service_action(self, request, queryset, lambda r: round_open(round=r), "rounds opened")

    @admin.action(description="Close the selected rounds (devices stop submitting)", permissions=["change"])
    def close_rounds(self, request, queryset):
        run_service_action(self, request, queryset, lambda r: round_close(round=r), "rounds closed")


@admin.register(Assignment)
class AssignmentAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    scope_field = "area"
    list_display = ("user", "role", "area", "round")
    list_filter = ("round", "role")
    search_fields = ("user__username", "area__name_en", "area__code")
    autocomplete_fields = ("user", "area")
