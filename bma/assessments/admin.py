"""The supervisors' review desk: assessment lists with the filters that matter, and an assessment page
that reads like the interview (labels, the five populations side by side), with its raw submission,
photos, quality issues, spot-check comparison and review history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from bma.assessments import models as m
from bma.assessments.review import assessment_review
from bma.core.admin import AreaScopedAdminMixin, ReadOnlyAdmin, run_service_action
from bma.core.scoping import area_scope_q
from bma.submissions.attachment_serving import attachment_response
from bma.submissions.models import SubmissionAttachment
from bma.submissions.payload_view import payload_for_reader
from bma.xforms import codelists as cl


class ReviewActionForm(ActionForm):
    comment = forms.CharField(
        required=False,
        label="Comment",
        widget=forms.TextInput(attrs={"size": 60, "placeholder": "required to reject or flag"}),
    )


class HasOpenIssuesFilter(admin.SimpleListFilter):
    title = "open quality issues"
    parameter_name = "open_issues"

    def lookups(self, request, model_admin):
        return [("yes", "With open issues"), ("no", "Without")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_issue_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_issue_count=0)
        return queryset


class ReceivedOnFilter(admin.DateFieldListFilter):
    """When the server received the submission (today, last 7 days, this month, this year)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "received on"


RECEIVED_ON = ("submission__created_at", ReceivedOnFilter)


class SpotCheckOutcomeFilter(admin.SimpleListFilter):
    title = "spot-check outcome"
    parameter_name = "spot_check"

    def lookups(self, request, model_admin):
        from bma.validation.models import CheckOutcome

        return list(CheckOutcome.choices)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(spot_check_assignments__outcome=self.value()).distinct()
        return queryset


class ReviewDeskAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
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

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def _review(self, request, queryset, state, done):
        comment = request.POST.get("comment", "")
        run_service_action(self, request, queryset, lambda a: assessment_review(a, state, request.user, comment), done)

    @admin.action(description="Approve the selected assessments", permissions=["change"])
    def approve(self, request, queryset):
        self._review(request, queryset, m.ReviewState.APPROVED, "assessments approved")

    @admin.action(description="Mark the selected as having issues (comment required)", permissions=["change"])
    def mark_has_issues(self, request, queryset):
        self._review(request, queryset, m.ReviewState.HAS_ISSUES, "assessments marked as having issues")

    @admin.action(description="Reject the selected assessments (comment required)", permissions=["change"])
    def reject(self, request, queryset):
        self._review(request, queryset, m.ReviewState.REJECTED, "assessments rejected")

    def changelist_view(self, request, extra_context=None):
        queryset = self.get_queryset(request)
        counts = dict(queryset.order_by().values_list("review_state").annotate(n=Count("pk")))
        extra_context = {
            **(extra_context or {}),
            "state_counts": [(label, counts.get(value, 0)) for value, label in m.ReviewState.choices],
        }
        return super().changelist_view(request, extra_context)


@admin.register(m.VillageAssessment)
class VillageAssessmentAdmin(ReviewDeskAdmin):
    # The decision columns first, so they stay on screen at 1024 pixels wide.
    list_display = (
        "review_state",
        "open_issues",
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
        HasOpenIssuesFilter,
        SpotCheckOutcomeFilter,
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

    def get_queryset(self, request):
        from bma.validation.models import IssueState, QualityIssue

        # A subquery, not a join: the list stays one query even with filters on other relations.
        open_issues = (
            QualityIssue.objects.filter(village_assessment=OuterRef("pk"), state=IssueState.OPEN)
            .order_by()
            .values("village_assessment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(open_issue_count=Coalesce(Subquery(open_issues), 0))

    @admin.display(description="Village", ordering="village__name_en")
    def village_name(self, obj):
        return str(obj.village.name_en if obj.village else f"{obj.village_name_typed} (typed)")

    @admin.display(description="Open issues", ordering="open_issue_count")
    def open_issues(self, obj):
        return obj.open_issue_count

    def get_urls(self):
        return [
            path(
                "attachment/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="assessments_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, attachment_id: int):
        """A photo or file of a submission, for someone who may see the assessment it belongs to."""
        attachment = get_object_or_404(SubmissionAttachment.objects.select_related("submission"), pk=attachment_id)
        visible = (
            m.VillageAssessment.objects.filter(
                area_scope_q(request.user, "district"),
                submission__root_instance_id=attachment.submission.root_instance_id,
            ).exists()
            or m.SpotCheckVisit.objects.filter(
                area_scope_q(request.user, "district"),
                submission__root_instance_id=attachment.submission.root_instance_id,
            ).exists()
        )
        if not visible or not request.user.has_perm("assessments.view_villageassessment"):
            raise PermissionDenied
        return attachment_response(bytes(attachment.content), attachment.filename, attachment.content_type)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **(assessment_page(obj, request.user) if obj else {})}
        return super().change_view(request, object_id, form_url, extra_context)


def _labels(codes: dict, values) -> str:
    return ", ".join(codes.get(v, (v,))[0] for v in values)


def assessment_page(a: m.VillageAssessment, reader) -> dict:
    """What the assessment page shows, as a supervisor reads it."""
    figures = {f.population: f for f in a.populations.prefetch_related("yearly", "countries", "reasons", "areas")}
    rows = [("Present", lambda f: "yes" if f.present else "no"), ("Total now", lambda f: f.total)]
    # The round's years and any year this assessment holds (an older form version may hold others).
    held = {y.year for f in figures.values() for y in f.yearly.all()}
    for year in sorted(set(a.round.reference_years) | held):
        rows.append((str(year), lambda f, y=year: next((x.count for x in f.yearly.all() if x.year == y), "")))
    rows += [
        (
            "Countries",
            lambda f: ", ".join(f"{cl.COUNTRIES.get(c.country, (c.country,))[0]} {c.count}" for c in f.countries.all()),
        ),
        ("Districts", lambda f: ", ".join(f"{x.area_code} {x.count}" for x in f.areas.all())),
        ("Reasons", lambda f: _labels(cl.REASONS, [r.reason for r in f.reasons.all()])),
        ("Type of migration", lambda f: f.get_migration_type_display() if f.migration_type else ""),
    ]
    table = [
        (label, [getter(figures[p]) if p in figures else "not asked" for p in cl.POPULATION_CODES])
        for label, getter in rows
    ]
    from bma.validation.models import SpotCheckAssignment

    return {
        "population_headers": [cl.POPULATIONS[p][0] for p in cl.POPULATION_CODES],
        "population_table": table,
        "services": a.services.all(),
        "informants": a.informants.all(),
        "referrals": a.referrals.all(),
        "issues": a.issues.all(),
        "history": a.review_events.select_related("actor"),
        "raw_payload": payload_for_reader(a.submission, reader),
        "attachments": [
            (att, reverse("admin:assessments_attachment", args=[att.pk]))
            for att in SubmissionAttachment.objects.filter(submission=a.submission)
        ],
        "spot_checks": SpotCheckAssignment.objects.filter(assessment=a).exclude(outcome="pending"),
    }


@admin.register(m.DistrictAssessment)
class DistrictAssessmentAdmin(ReviewDeskAdmin):
    list_display = ("review_state", "district", "visit_date", "enumerator", "round")
    list_display_links = ("district",)
    list_filter = (RECEIVED_ON, "round", ("district", admin.RelatedOnlyFieldListFilter), "review_state", "visit_date")
    search_fields = ("district__name_en", "district__name_tg", "district__name_ru", "district__code")


@admin.register(m.SpotCheckVisit)
class SpotCheckVisitAdmin(ReviewDeskAdmin):
    list_display = ("review_state", "village", "district", "method", "visit_date", "enumerator", "round")
    list_display_links = ("village",)
    list_filter = (RECEIVED_ON, "round", ("district", admin.RelatedOnlyFieldListFilter), "method", "review_state")
    search_fields = ("village__name_en", "village__name_tg", "village__name_ru", "village__code")


@admin.register(m.ContactPurge)
class ContactPurgeAdmin(ReadOnlyAdmin):
    """The retention job's record: what was removed from which round, when, and by what. Read-only."""

    list_display = ("created_at", "round", "informants", "payloads", "answers", "unreadable", "job", "requested_by")
    list_filter = ("round", "job")
    list_select_related = ("round", "requested_by")
