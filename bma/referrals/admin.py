from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import get_language

from bma.core.admin import AreaScopedAdminMixin, run_service_action
from bma.referrals.models import MatchState, ReferralMatch, VisitPlanEntry
from bma.referrals.services import (
    match_candidate_names,
    match_create_village,
    match_link,
    match_outcome_now,
    match_reject,
    plan_carry_over,
    plan_coverage,
)
from bma.rounds.round_filter import round_in_filter


class LinkForm(ActionForm):
    village_code = forms.CharField(required=False, label="Village code (to link)")


@admin.register(ReferralMatch)
class ReferralMatchAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """The supervisors' queue of unclear names: link to a candidate, create a new village, or reject."""

    scope_field = "district"
    list_display = ("name", "district_code", "candidate_list", "state", "outcome_now", "reason", "score", "village")
    list_filter = ("state", "outcome", "reason", "round", ("district", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("village", "decided_by")
    search_fields = ("name", "village__name_en", "village__code")
    readonly_fields = [f.name for f in ReferralMatch._meta.fields]
    action_form = LinkForm
    actions = ["link", "create_village", "reject"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Candidates (name, code, score)")
    def candidate_list(self, obj):
        return ", ".join(match_candidate_names(obj, get_language() or "en"))

    @admin.display(description="Outcome", ordering="outcome")
    def outcome_now(self, obj):
        return match_outcome_now(obj)

    @admin.action(description="Link to the village code given", permissions=["change"])
    def link(self, request, queryset):
        code = request.POST.get("village_code", "")
        run_service_action(self, request, queryset, lambda m: match_link(m, code, request.user), "names linked")

    @admin.action(description="Create a new provisional village for each", permissions=["change"])
    def create_village(self, request, queryset):
        run_service_action(self, request, queryset, lambda m: match_create_village(m, request.user), "villages created")

    @admin.action(description="Reject (not a village, or not in this district)", permissions=["change"])
    def reject(self, request, queryset):
        run_service_action(self, request, queryset, lambda m: match_reject(m, request.user), "names rejected")

    def get_changelist(self, request, **kwargs):
        if "state__exact" not in request.GET and not request.GET.get("q"):
            request.GET = request.GET.copy()
            request.GET["state__exact"] = MatchState.PENDING  # the queue first
        return super().get_changelist(request, **kwargs)


@admin.register(VisitPlanEntry)
class VisitPlanEntryAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    scope_field = "district"
    list_display = ("village", "district", "round", "reason", "status", "referral_count")
    list_filter = ("round", "status", "reason", ("district", admin.RelatedOnlyFieldListFilter))
    search_fields = ("village__name_en", "village__name_tg", "village__name_ru", "village__code")
    list_editable = ("status",)
    readonly_fields = ("round", "village", "district", "reason", "referral_count", "first_referred_by")
    change_list_template = "admin/referrals/visitplanentry/change_list.html"

    actions = ["carry_over"]

    def has_add_permission(self, request):
        return False

    @admin.action(
        description="Carry the previous round's unvisited villages into these entries' round", permissions=["change"]
    )
    def carry_over(self, request, queryset):
        rounds = {entry.round for entry in queryset.select_related("round")}
        run_service_action(self, request, rounds, plan_carry_over, "rounds' plans extended")

    def changelist_view(self, request, extra_context=None):
        round_ = round_in_filter(request)
        coverage = plan_coverage(round_) if round_ else []
        from bma.rounds.scoping import scoped_areas

        visible = set(scoped_areas(request.user).values_list("code", flat=True))
        coverage = [row for row in coverage if row["code"] in visible]
        return super().changelist_view(
            request, {**(extra_context or {}), "coverage": coverage, "coverage_round": round_}
        )
