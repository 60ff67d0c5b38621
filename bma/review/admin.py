"""The supervisors' review desk: assessment lists with the filters that matter, and an assessment page
that reads like the interview (labels, the five populations side by side), with its raw submission,
photos, quality issues, spot-check comparison and review history."""

from __future__ import annotations

import copy
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from bma.assessments import models as m
from bma.assessments.review import (
    COUNT,
    assessment_decide,
    assessments_review_many,
    review_selection_summary,
)
from bma.core.admin_titles import DeclinedTitlesMixin
from bma.core.errors import BmaError
from bma.geo.names import place_name
from bma.review.desk import LIST_QUERY_ONLY, Section, changelist_neighbours, query_only_changelist
from bma.review.pages import (
    DECISIONS,
    assessment_heading,
    assessment_page,
    counts_line,
    district_assessment_heading,
    district_assessment_page,
    spot_check_visit_heading,
    spot_check_visit_page,
)
from bma.review.referrals_desk import referrals_section
from bma.review.validation_desk import LIST_EXTENSION as VALIDATION_LIST_EXTENSION
from bma.review.validation_desk import entity_problems_section, issues_section, spot_check_section
from bma.rounds.scoping import AreaScopedAdminMixin, area_scope_q
from bma.submissions.attachment_serving import attachment_response
from bma.submissions.models import SubmissionAttachment

# The assessment page's sections after the decision, in order (each shows nothing for a model it has
# nothing to say about), and what validation adds to the village assessment list.
PAGE_SECTIONS = (issues_section, entity_problems_section, spot_check_section, referrals_section)
LIST_EXTENSIONS = (VALIDATION_LIST_EXTENSION,)


def page_sections(request, assessment) -> list[Section]:
    return [s for s in (build(request, assessment) for build in PAGE_SECTIONS) if s is not None]


class ReviewActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        label=gettext_lazy("Comment"),
        widget=forms.TextInput(attrs={"size": 60, "placeholder": gettext_lazy("required to reject or flag")}),
    )


class ReceivedOnFilter(admin.DateFieldListFilter):
    """When the server received the submission (today, last 7 days, this month, this year)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = gettext_lazy("received on")


RECEIVED_ON = ("submission__created_at", ReceivedOnFilter)


class CentralFactFilter(admin.SimpleListFilter):
    """What ODK Central says of the submission (read by the pull): rejected or deleted there."""

    title = gettext_lazy("in ODK Central")
    parameter_name = "central"

    def lookups(self, request, model_admin):
        return [("rejected", gettext_lazy("rejected in Central")), ("deleted", gettext_lazy("deleted in Central"))]

    def queryset(self, request, queryset):
        if self.value() == "rejected":
            return queryset.filter(submission__central_review_state="rejected")
        if self.value() == "deleted":
            return queryset.filter(submission__central_deleted_at__isnull=False)
        return queryset


class ReviewDeskAdmin(DeclinedTitlesMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    """Shared by B1, B2 and spot-check lists: review actions, read-only data, history."""

    scope_field = "district"
    action_form = ReviewActionForm
    actions = ["approve", "mark_has_issues", "reject"]
    date_hierarchy = "visit_date"
    change_list_template = "admin/assessments/change_list.html"
    list_per_page = 50
    list_select_related = ("district", "round", "enumerator")

    def has_add_permission(self, request):
        return False  # assessments come from submissions only

    def has_delete_permission(self, request, obj=None):
        return False

    # Places read in the reader's language (the gazetteer's names); Django's read-only foreign key would
    # show the English name whatever the reader's language.
    PLACE_FIELDS = {"province": "province_name", "district": "district_name", "village": "village_place"}

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in self.model._meta.fields]
        return [*fields, *(self.PLACE_FIELDS[f] for f in fields if f in self.PLACE_FIELDS)]

    def get_fields(self, request, obj=None):
        return [self.PLACE_FIELDS.get(f.name, f.name) for f in self.model._meta.fields]

    @admin.display(description=gettext_lazy("province"))
    def province_name(self, obj):
        return place_name(obj.province)

    @admin.display(description=gettext_lazy("district"))
    def district_name(self, obj):
        return place_name(obj.district)

    @admin.display(description=gettext_lazy("village"))
    def village_place(self, obj):
        return place_name(obj.village, getattr(obj, "village_name_typed", ""))

    def _review(self, request, queryset, state, done):
        """A decision on the selected assessments: only those it changes are changed, recorded and
        counted in the message; those already in the state are said apart, not counted as done."""
        try:
            result = assessments_review_many(queryset, state, request.user, request.POST.get("comment", ""))
        except BmaError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        if result.changed or not result.unchanged:
            self.message_user(request, done % {"count": result.changed}, messages.SUCCESS)
        if result.unchanged:
            already = ngettext(
                "%(count)d selected assessment was already '%(state)s': left as it was.",
                "%(count)d selected assessments were already '%(state)s': left as they were.",
                result.unchanged,
            )
            self.message_user(
                request, already % {"count": result.unchanged, "state": m.ReviewState(state).label}, messages.INFO
            )

    @admin.action(description=gettext_lazy("Approve the selected assessments"), permissions=["change"])
    def approve(self, request, queryset):
        """Approving many at once is asked again with what it covers: how many, and where."""
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/assessments/approve_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Approve these assessments?"),
                    "opts": self.model._meta,
                    "summary": review_selection_summary(queryset, m.ReviewState.APPROVED),
                    "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                    "select_across": request.POST.get("select_across", "0"),
                    "comment": request.POST.get("comment", ""),
                    "back_url": request.get_full_path(),
                },
            )
        self._review(
            request,
            queryset,
            m.ReviewState.APPROVED,
            ngettext_lazy("%(count)d assessment approved.", "%(count)d assessments approved.", "count"),
        )
        return None

    @admin.action(
        description=gettext_lazy("Mark the selected as having issues (comment required)"), permissions=["change"]
    )
    def mark_has_issues(self, request, queryset):
        self._review(
            request,
            queryset,
            m.ReviewState.HAS_ISSUES,
            ngettext_lazy(
                "%(count)d assessment marked as having issues.",
                "%(count)d assessments marked as having issues.",
                "count",
            ),
        )

    @admin.action(
        description=gettext_lazy("Reject the selected assessments (comment required)"), permissions=["change"]
    )
    def reject(self, request, queryset):
        self._review(
            request,
            queryset,
            m.ReviewState.REJECTED,
            ngettext_lazy("%(count)d assessment rejected.", "%(count)d assessments rejected.", "count"),
        )

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        # The assessment page's previous/next rebuild the list for its queryset only (desk.py).
        return query_only_changelist(changelist) if getattr(request, LIST_QUERY_ONLY, False) else changelist

    def changelist_view(self, request, extra_context=None):
        queryset = self.get_queryset(request)
        counts = dict(queryset.order_by().values_list("review_state").annotate(n=Count("pk")))
        extra_context = {
            **(extra_context or {}),
            "state_counts": [(label, counts.get(value, 0)) for value, label in m.ReviewState.choices],
        }
        return super().changelist_view(request, extra_context)

    # --- The one-screen page: what a supervisor checks, and the decision (shared by B1, B2, spot check).

    def desk_page(self, obj, reader) -> dict:
        """What this model's page shows besides the decision and the sections (PAGE_SECTIONS)."""
        return {}

    def desk_heading(self, obj) -> str:
        return str(obj)

    def _desk_url_name(self, view: str) -> str:
        return f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_{view}"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(require_POST(self.review_view)),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(self._desk_context(request, obj) if obj else {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def _with_list_filters(self, url: str, list_query: str) -> str:
        preserved = urlencode({"_changelist_filters": list_query}) if list_query else ""
        return add_preserved_filters({"preserved_filters": preserved, "opts": self.model._meta}, url)

    def _desk_context(self, request, obj) -> dict:
        list_query = request.GET.get("_changelist_filters", "")
        previous_pk, next_pk = changelist_neighbours(self, request, obj, list_query)
        change = self._desk_url_name("change")
        may_review = self.has_change_permission(request, obj)
        return {
            **self.desk_page(obj, request.user),
            # The page's heading names the place as the reader reads it (str() gives the English name).
            "subtitle": self.desk_heading(obj),
            "desk_sections": page_sections(request, obj),
            "desk_here": request.get_full_path(),
            "list_query": list_query,
            "review_url": reverse(self._desk_url_name("review"), args=[obj.pk]) if may_review else "",
            "decisions": DECISIONS,
            "previous_url": self._with_list_filters(reverse(change, args=[previous_pk]), list_query)
            if previous_pk
            else "",
            "next_url": self._with_list_filters(reverse(change, args=[next_pk]), list_query) if next_pk else "",
            "list_url": self._with_list_filters(reverse(self._desk_url_name("changelist")), list_query),
            # Every field is read-only: Django's Save would save nothing. The decisions replace it.
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete_link": False,
        }

    def review_view(self, request, object_id):
        """One decision from the assessment page, then on to the next assessment of the same list.

        The next one is found before deciding: a decision may take this assessment out of the filter
        (approving in a list of received ones). A refused decision (a missing comment) shows the page
        again with the reason and the comment as typed."""
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("No such assessment in your areas."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        list_query = request.POST.get("_changelist_filters", "")
        comment = request.POST.get("comment", "")
        _previous, next_pk = changelist_neighbours(self, request, obj, list_query)
        try:
            decided = assessment_decide(obj, request.POST.get("decision", ""), request.user, comment)
        except BmaError as exc:
            page_request = copy.copy(request)
            page_request.method = "GET"
            page_request.GET = QueryDict(urlencode({"_changelist_filters": list_query}) if list_query else "")
            response = self.change_view(
                page_request,
                str(obj.pk),
                extra_context={"decision_error": exc.message, "decision_comment": comment},
            )
            response.status_code = 400
            return response
        if request.POST.get("decision") == COUNT:
            # The supervisor stays on the page, to see the visit now counting for its village.
            self.message_user(
                request, _("%(assessment)s: this visit now counts for its village.") % {"assessment": obj}
            )
            return redirect(self._with_list_filters(reverse(self._desk_url_name("change"), args=[obj.pk]), list_query))
        self.message_user(
            request, _("%(assessment)s: %(state)s.") % {"assessment": obj, "state": decided.get_review_state_display()}
        )
        if next_pk:
            url = reverse(self._desk_url_name("change"), args=[next_pk])
        else:
            url = reverse(self._desk_url_name("changelist"))
        return redirect(self._with_list_filters(url, list_query))


@admin.register(m.VillageAssessment)
class VillageAssessmentAdmin(ReviewDeskAdmin):
    # The decision columns first, so they stay on screen at 1024 pixels wide: the review state, then
    # the columns validation adds (open issues), then the rest.
    list_display = (
        "review_state",
        "village_name",
        "district",
        "visit_date",
        "enumerator",
        "round",
        "is_current",
    )
    list_display_links = ("village_name",)
    list_filter = (
        RECEIVED_ON,
        "round",
        ("province", admin.RelatedOnlyFieldListFilter),
        ("district", admin.RelatedOnlyFieldListFilter),
        ("enumerator", admin.RelatedOnlyFieldListFilter),
        "review_state",
        CentralFactFilter,
        # here: the filters validation adds (open issues, spot-check outcome)
        "visit_date",
    )
    # Any script: official names in English, Tajik and Russian, aliases, and typed-in names.
    search_fields = (
        "village__name_en",
        "village__name_tg",
        "village__name_ru",
        "village__aliases__name",
        "village__code",
        "village_name_typed",
    )
    list_select_related = ("district", "round", "enumerator", "village")
    change_form_template = "admin/assessments/villageassessment/change_form.html"

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        # Validation's columns and filters (open issues, spot-check outcome), placed among the desk's own.
        extensions = LIST_EXTENSIONS
        columns = [column for extension in extensions for column in extension.columns]
        for column in columns:
            setattr(self, column.__name__, column)
        self.list_display = (self.list_display[0], *(c.__name__ for c in columns), *self.list_display[1:])
        added_filters = [f for extension in extensions for f in extension.filters]
        self.list_filter = (*self.list_filter[:-1], *added_filters, self.list_filter[-1])
        self.list_annotations = [extension.annotate for extension in extensions if extension.annotate]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for annotate in self.list_annotations:
            queryset = annotate(queryset)
        return queryset

    @admin.display(description=gettext_lazy("Village"), ordering="village__name_en")
    def village_name(self, obj):
        return place_name(obj.village, f"{obj.village_name_typed} (typed)")

    def get_urls(self):
        return [
            path(
                "attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="assessments_attachment",
            ),
            *super().get_urls(),
        ]

    def desk_page(self, obj, reader) -> dict:
        return {
            **assessment_page(obj, reader),
            # "Count this visit": for a listed village's visit that is not rejected and not already chosen.
            "may_count": obj.village_id is not None
            and obj.review_state != m.ReviewState.REJECTED
            and obj.counted_at is None,
            "counts_line": counts_line(obj),
        }

    def desk_heading(self, obj) -> str:
        return assessment_heading(obj)

    def attachment_view(self, request, attachment_id: int):
        """A photo or file of a submission, for someone who may see the assessment it belongs to."""
        attachment = get_object_or_404(SubmissionAttachment.objects.select_related("submission"), pk=attachment_id)
        # Every assessment page (B2, B1, spot-check visit) shows its submission's attachments.
        visible = any(
            model.objects.filter(
                area_scope_q(request.user, "district"),
                submission__root_instance_id=attachment.submission.root_instance_id,
            ).exists()
            for model in (m.VillageAssessment, m.SpotCheckVisit, m.DistrictAssessment)
        )
        if not visible or not request.user.has_perm("assessments.view_villageassessment"):
            raise PermissionDenied
        return attachment_response(bytes(attachment.content), attachment.filename, attachment.content_type)


@admin.register(m.DistrictAssessment)
class DistrictAssessmentAdmin(ReviewDeskAdmin):
    list_display = ("review_state", "district", "visit_date", "enumerator", "round")
    list_display_links = ("district",)
    list_filter = (RECEIVED_ON, "round", ("district", admin.RelatedOnlyFieldListFilter), "review_state", "visit_date")
    search_fields = ("district__name_en", "district__name_tg", "district__name_ru", "district__code")
    change_form_template = "admin/assessments/districtassessment/change_form.html"

    def desk_page(self, obj, reader) -> dict:
        return district_assessment_page(obj, reader)

    def desk_heading(self, obj) -> str:
        return district_assessment_heading(obj)


@admin.register(m.SpotCheckVisit)
class SpotCheckVisitAdmin(ReviewDeskAdmin):
    list_display = ("review_state", "village", "district", "method", "visit_date", "enumerator", "round")
    list_display_links = ("village",)
    list_filter = (RECEIVED_ON, "round", ("district", admin.RelatedOnlyFieldListFilter), "method", "review_state")
    search_fields = ("village__name_en", "village__name_tg", "village__name_ru", "village__code")
    change_form_template = "admin/assessments/spotcheckvisit/change_form.html"

    def desk_page(self, obj, reader) -> dict:
        return spot_check_visit_page(obj, reader)

    def desk_heading(self, obj) -> str:
        return spot_check_visit_heading(obj)
