from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from bma.core.admin import run_service_action
from bma.core.errors import BmaError
from bma.core.numbers import grouped
from bma.geo.names import place_name
from bma.referrals.entities import matches_tablet_notes
from bma.referrals.entity_conflicts import EntityConflictsAdminMixin
from bma.referrals.models import MatchState, ReferralMatch, VisitPlanEntry
from bma.referrals.services import (
    VillageChoice,
    match_candidate_names,
    match_create_village,
    match_link,
    match_not_village,
    match_outcome_now,
    match_reject,
    match_village_search,
    matches_choices,
    plan_carry_over,
    plan_coverage,
)
from bma.rounds.round_filter import round_in_filter
from bma.rounds.scoping import AreaScopedAdminMixin


def choice_label(choice: VillageChoice) -> str:
    """One candidate as a button reads: name, what tells apart villages of that name (the jamoat, the
    code), district, score and distance (when known)."""
    parts = [choice.name, *([choice.jamoat] if choice.jamoat else []), choice.code, choice.district]
    if choice.score is not None:
        parts.append(gettext("score %(score)d") % {"score": round(choice.score)})
    if choice.distance_km is not None:
        parts.append(gettext("%(km)s km away") % {"km": grouped(choice.distance_km, 1)})
    return " · ".join(parts)


class LinkForm(ActionForm):
    village_code = forms.CharField(required=False, label=_("Village code (to link)"))


@admin.register(ReferralMatch)
class ReferralMatchAdmin(EntityConflictsAdminMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    """The supervisors' queue of unclear names: link to a candidate, create a new village, or reject."""

    scope_field = "district"
    # The decision column right after the name, so its buttons stay on screen at 1024 px; the district,
    # each candidate's score and distance are on its button, the state reads in "outcome".
    list_display = ("name", "decide", "named_by", "outcome_now", "reason", "district_code", "village", "from_tablets")
    list_filter = ("state", "outcome", "reason", "round", ("district", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("village", "decided_by", "village_assessment__village", "district_assessment__district")
    search_fields = ("name", "village__name_en", "village__code")
    readonly_fields = [f.name for f in ReferralMatch._meta.fields]
    action_form = LinkForm
    actions = ["link", "create_village", "not_village", "reject"]

    def has_add_permission(self, request):
        return False

    class Media:
        # Files of our own, not inline: the admin runs under the site's Content-Security-Policy.
        js = ["referrals/queue.js"]
        css = {"all": ["referrals/queue.css"]}

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="referrals_referralmatch_decide",
            ),
            path(
                "<path:object_id>/villages/",
                self.admin_site.admin_view(self.villages_view),
                name="referrals_referralmatch_villages",
            ),
        ]
        return own + super().get_urls()

    def get_changelist_instance(self, request):
        # The candidates of the whole page at once (see matches_choices), kept on each row for `decide`.
        cl = super().get_changelist_instance(request)
        choices = matches_choices(cl.result_list, get_language() or "en")
        notes = matches_tablet_notes(cl.result_list)
        for match in cl.result_list:
            match.choices = choices.get(match.pk)
            match.tablet_note = notes.get(match.pk, "")
        return cl

    @admin.display(description=_("Candidates"))
    def decide(self, obj):
        choices = getattr(obj, "choices", None)
        if choices is None:  # decided, or a page that did not gather them: the candidates as text
            return ", ".join(match_candidate_names(obj, get_language() or "en"))
        return render_to_string(
            "admin/referrals/referralmatch/decide_cell.html",
            {
                "match": obj,
                "choices": [(c, choice_label(c)) for c in choices],
                "decide_url": reverse("admin:referrals_referralmatch_decide", args=[obj.pk]),
                "search_url": reverse("admin:referrals_referralmatch_villages", args=[obj.pk]),
                "district": place_name(obj.district),
            },
        )

    def _scoped_match(self, request, object_id) -> ReferralMatch:
        # get_object looks in get_queryset: a match outside the supervisor's areas does not exist for them.
        match = self.get_object(request, object_id)
        if match is None:
            raise Http404(gettext("No such referral in your areas."))
        return match

    def decide_view(self, request, object_id):
        """One click from the queue: link the name to the village given, or make it a new village."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        match = self._scoped_match(request, object_id)
        if not self.has_change_permission(request, match):
            raise PermissionDenied
        try:
            if request.POST.get("not_village"):
                match_not_village(match, request.user)
                done = gettext("“%(name)s” is closed as not a village; nothing was added.")
            elif request.POST.get("create"):
                match_create_village(match, request.user)
                done = gettext("“%(name)s” is now a new village: %(village)s (%(code)s).")
            else:
                match_link(match, request.POST.get("village", ""), request.user)
                done = gettext("“%(name)s” is linked to %(village)s (%(code)s).")
        except BmaError as exc:
            self.message_user(request, f"{match.name}: {exc.message}", messages.ERROR)
        else:
            village = match.village
            shown = {"name": match.name}
            if village is not None:
                shown |= {"village": village.display_name, "code": village.code}
            self.message_user(request, done % shown)
        back = request.headers.get("referer", "")
        queue = reverse("admin:referrals_referralmatch_changelist")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}) or queue not in back:
            back = queue
        return HttpResponseRedirect(back)

    def villages_view(self, request, object_id):
        """The villages of the name's district matching ?q=, for the queue's search box (JSON)."""
        match = self._scoped_match(request, object_id)
        if not self.has_view_permission(request, match):
            raise PermissionDenied
        found = match_village_search(match, request.GET.get("q", ""), get_language() or "en", request.user)
        return JsonResponse(
            {"villages": [{"code": c.code, "label": choice_label(c)} for c in found]},
            json_dumps_params={"ensure_ascii": False},
        )

    @admin.display(description=_("Named by"))
    def named_by(self, obj):
        """Whose informants named it: the referring village (B2), or the district's assessment (B1)."""
        if obj.village_assessment_id:
            a = obj.village_assessment
            return place_name(a.village, a.village_name_typed)
        if obj.district_assessment_id:
            return "B1 " + place_name(obj.district_assessment.district)
        return ""

    @admin.display(description=_("Created on tablets"))
    def from_tablets(self, obj):
        """The village a tablet created offline for this name (an ODK entity) and what became of it, with
        the other tablets that created the same village: the decision makes them one village."""
        return getattr(obj, "tablet_note", "")

    @admin.display(description=_("Outcome"), ordering="outcome")
    def outcome_now(self, obj):
        return match_outcome_now(obj)

    @admin.action(description=_("Link to the village code given"), permissions=["change"])
    def link(self, request, queryset):
        code = request.POST.get("village_code", "")
        run_service_action(
            self,
            request,
            queryset,
            lambda m: match_link(m, code, request.user),
            ngettext_lazy("%(count)d name linked.", "%(count)d names linked.", "count"),
        )

    @admin.action(description=_("Create a new provisional village for each"), permissions=["change"])
    def create_village(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda m: match_create_village(m, request.user),
            ngettext_lazy("%(count)d village created.", "%(count)d villages created.", "count"),
        )

    @admin.action(description=_("Not a village: close without adding it"), permissions=["change"])
    def not_village(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda m: match_not_village(m, request.user),
            ngettext_lazy(
                "%(count)d name closed as not a village.", "%(count)d names closed as not a village.", "count"
            ),
        )

    @admin.action(description=_("Reject (a village, but not in this district or not to visit)"), permissions=["change"])
    def reject(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda m: match_reject(m, request.user),
            ngettext_lazy("%(count)d name rejected.", "%(count)d names rejected.", "count"),
        )

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
        description=_("Carry the previous round's unvisited villages into these entries' round"), permissions=["change"]
    )
    def carry_over(self, request, queryset):
        rounds = {entry.round for entry in queryset.select_related("round")}
        run_service_action(
            self,
            request,
            rounds,
            plan_carry_over,
            ngettext_lazy("%(count)d round's plan extended.", "%(count)d rounds' plans extended.", "count"),
        )

    def changelist_view(self, request, extra_context=None):
        round_ = round_in_filter(request)
        coverage = plan_coverage(round_) if round_ else []
        from bma.rounds.scoping import scoped_areas

        visible = set(scoped_areas(request.user).values_list("code", flat=True))
        coverage = [row for row in coverage if row["code"] in visible]
        return super().changelist_view(
            request, {**(extra_context or {}), "coverage": coverage, "coverage_round": round_}
        )
