from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from bma.assessments.models import VillageAssessment
from bma.core.admin import ReadOnlyAdmin, run_service_action
from bma.core.admin_titles import DeclinedTitlesMixin
from bma.core.errors import BmaError
from bma.rounds.round_filter import round_in_filter
from bma.rounds.scoping import AreaScopedAdminMixin, area_scope_q
from bma.validation.comparison import tolerances_from_mapping
from bma.validation.entity_problems import assessment_urls
from bma.validation.models import (
    EntityProblem,
    QualityIssue,
    RoundQualitySettings,
    SpotCheckAssignment,
    SpotCheckSample,
)
from bma.validation.rules import Thresholds, rule_title
from bma.validation.sampling import SamplingPlan
from bma.validation.services import (
    issue_decide,
    issue_resolve,
    issue_waive,
    round_quality_settings_save,
    spot_check_sample_create,
    spot_check_summary,
)


class DecisionForm(ActionForm):
    note = forms.CharField(
        required=False, label=gettext_lazy("Note (required)"), widget=forms.TextInput(attrs={"size": 60})
    )


class RuleFilter(admin.SimpleListFilter):
    """The rule that raised the issue, by its title in the reader's language."""

    title = gettext_lazy("rule")
    parameter_name = "code"  # the address a list filtered by the code field had

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list("code", flat=True).distinct()
        return sorted(((code, rule_title(code)) for code in codes), key=lambda choice: choice[1])

    def queryset(self, request, queryset):
        return queryset.filter(code=self.value()) if self.value() else queryset


@admin.register(QualityIssue)
class QualityIssueAdmin(DeclinedTitlesMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    scope_field = "district"
    # The rule by its title in the reader's language, never its code (the code stays on the issue's page).
    list_display = ("issue", "severity", "rule", "state", "district", "village_assessment", "decided_by")
    list_filter = ("state", "severity", RuleFilter, "round", ("district", admin.RelatedOnlyFieldListFilter))
    # The issue's text names its village and district in the reader's language: fetched with the page.
    list_select_related = ("district", "village_assessment__village", "decided_by")
    search_fields = ("message", "village_assessment__village__name_en", "village_assessment__village__name_tg")
    # The issue in the reader's language first; the English record (message, its parts) stays in the
    # list's search and the exports, not on a page a Tajik or Russian supervisor reads.
    readonly_fields = ["issue"] + [f.name for f in QualityIssue._meta.fields if f.name not in ("message", "text_parts")]
    action_form = DecisionForm
    actions = ["resolve", "waive"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("rule"), ordering="code")
    def rule(self, obj):
        return rule_title(obj.code)

    @admin.display(description=gettext_lazy("issue"), ordering="message")
    def issue(self, obj):
        return obj.text

    def _decide(self, request, queryset, service, done):
        note = request.POST.get("note", "")
        run_service_action(self, request, queryset, lambda issue: service(issue, request.user, note), done)

    @admin.action(description=gettext_lazy("Resolve the selected issues (with the note)"), permissions=["change"])
    def resolve(self, request, queryset):
        self._decide(
            request,
            queryset,
            issue_resolve,
            ngettext_lazy("%(count)d issue resolved.", "%(count)d issues resolved.", "count"),
        )

    @admin.action(description=gettext_lazy("Waive the selected issues (with the note)"), permissions=["change"])
    def waive(self, request, queryset):
        self._decide(
            request,
            queryset,
            issue_waive,
            ngettext_lazy("%(count)d issue waived.", "%(count)d issues waived.", "count"),
        )

    def get_urls(self):
        return [
            path(
                "<int:issue_id>/decide/",
                self.admin_site.admin_view(require_POST(self.decide_view)),
                name="validation_qualityissue_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, issue_id: int):
        """Resolve or waive one issue from the assessment page (one click, an optional note), then go
        back to where the supervisor was. Outside their areas the issue does not exist for them."""
        issue = self.get_object(request, str(issue_id))
        if issue is None:
            raise Http404(_("No such quality issue in your areas."))
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        decision = request.POST.get("decision", "")
        try:
            issue_decide(issue, decision, request.user, request.POST.get("note", ""))
        except BmaError as exc:
            self.message_user(request, f"{issue}: {exc.message}", messages.ERROR)
        else:
            done = _("Issue resolved: %(issue)s") if decision == "resolve" else _("Issue waived: %(issue)s")
            self.message_user(request, done % {"issue": issue}, messages.SUCCESS)
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:validation_qualityissue_changelist")
        return redirect(back)


class AssignmentInline(admin.TabularInline):
    model = SpotCheckAssignment
    fields = ("village", "district", "had_open_issues", "outcome", "endorsed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # A sample spans the round; a supervisor sees only the drawn villages of their areas.
        return super().get_queryset(request).filter(area_scope_q(request.user, "district"))


class SampleForm(forms.ModelForm):
    class Meta:
        model = SpotCheckSample
        fields = ("round", "share", "min_per_district", "seed")

    def clean(self):
        cleaned = super().clean()
        try:
            SamplingPlan(share=cleaned.get("share") or 0, min_per_district=cleaned.get("min_per_district") or 0)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        round_ = cleaned.get("round")
        if round_ and not VillageAssessment.objects.filter(round=round_, is_current=True).exists():
            raise forms.ValidationError(_("%(round)s has no assessed villages to sample yet.") % {"round": round_})
        return cleaned


@admin.register(SpotCheckSample)
class SpotCheckSampleAdmin(admin.ModelAdmin):
    """Adding a sample draws it: villages per district, weighted towards open issues, from the seed."""

    list_display = ("round", "seed", "share", "min_per_district", "drawn_by", "created_at", "drawn_at")
    form = SampleForm
    change_list_template = "admin/validation/spotchecksample/change_list.html"
    fields = ("round", "share", "min_per_district", "seed")
    inlines = [AssignmentInline]

    def get_changeform_initial_data(self, request):
        return {"share": 0.10, "min_per_district": 2}

    def get_readonly_fields(self, request, obj=None):
        return ("round", "share", "min_per_district", "seed") if obj else ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            form.base_fields["seed"].required = False
            form.base_fields["seed"].help_text = _(
                "Leave empty for a new random seed; reuse one to redraw the same sample."
            )
        return form

    def save_model(self, request, obj, form, change):
        """The sample's row is made here, with its seed; the worker draws its villages, once."""
        if change:
            return
        sample = spot_check_sample_create(
            obj.round, share=obj.share, min_per_district=obj.min_per_district, seed=obj.seed, user=request.user
        )
        obj.pk, obj.seed = sample.pk, sample.seed
        fill = import_string("bma.validation.tasks.spot_check_sample_fill")
        transaction.on_commit(lambda: fill.delay(sample.pk))

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # the villages are drawn after adding

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("Drawing the spot-check sample of %(round)s; it appears here when done.") % {"round": obj.round},
            messages.INFO,
        )
        return redirect(reverse("admin:validation_spotchecksample_changelist"))

    def changelist_view(self, request, extra_context=None):
        round_ = round_in_filter(request)
        summary = spot_check_summary(round_, area_scope_q(request.user, "district")) if round_ else []
        return super().changelist_view(request, {**(extra_context or {}), "summary": summary, "summary_round": round_})


class RoundQualitySettingsForm(forms.ModelForm):
    """Checks the JSON before it is saved: a typo is refused here, naming the wrong key or value,
    instead of stopping the round's processing later."""

    class Meta:
        model = RoundQualitySettings
        fields = ("round", "thresholds", "tolerances")

    def clean_thresholds(self):
        value = self.cleaned_data.get("thresholds")
        try:
            Thresholds.from_mapping(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value or {}

    def clean_tolerances(self):
        value = self.cleaned_data.get("tolerances")
        try:
            tolerances_from_mapping(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return value or {}


@admin.register(RoundQualitySettings)
class RoundQualitySettingsAdmin(admin.ModelAdmin):
    form = RoundQualitySettingsForm
    list_display = ("round", "thresholds", "tolerances")

    def save_model(self, request, obj, form, change):
        saved = round_quality_settings_save(obj.round, thresholds=obj.thresholds, tolerances=obj.tolerances)
        obj.pk = saved.pk


@admin.register(EntityProblem)
class EntityProblemAdmin(DeclinedTitlesMixin, AreaScopedAdminMixin, ReadOnlyAdmin):
    """Entities the server refused, created or updated, newest first: what Central hides in its audit log,
    in one list the supervisors of the submission's district read, each with a link to its assessment's page."""

    scope_field = "district"
    list_display = ("problem", "action", "assessment_page", "district", "round", "created_at")
    list_filter = ("action", "round", ("district", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("submission", "district", "round")
    search_fields = ("label", "entity_id", "submission__instance_id")
    readonly_fields = (
        "problem",
        "action",
        "submission",
        "round",
        "district",
        "row",
        "dataset",
        "entity_id",
        "label",
        "code",
    )
    fields = readonly_fields

    def get_changelist_instance(self, request):
        # The assessment pages of the whole page at once (assessment_urls), kept for `assessment_page`.
        changelist = super().get_changelist_instance(request)
        urls = assessment_urls(changelist.result_list)
        for problem in changelist.result_list:
            problem.assessment_url = urls.get(problem.submission_id)
        return changelist

    @admin.display(description=gettext_lazy("problem"))
    def problem(self, obj):
        return obj.text

    @admin.display(description=gettext_lazy("assessment"))
    def assessment_page(self, obj):
        url = getattr(obj, "assessment_url", None)
        if url is None:
            return obj.submission.instance_id
        return format_html('<a href="{}">{}</a>', url, gettext_lazy("Open the assessment"))
