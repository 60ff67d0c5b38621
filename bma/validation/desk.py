"""Validation's parts of the review desk: the open-issues column and filters of the assessment list,
and the quality-issues and spot-check sections of the assessment page.

Named in settings (BMA_ASSESSMENT_LIST_EXTENSIONS, BMA_ASSESSMENT_PAGE_SECTIONS; see
bma/assessments/desk.py) because assessments, a lower layer, may not import this app.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.assessments.desk import ListExtension, Section
from bma.validation.models import CheckOutcome, IssueState, QualityIssue, SpotCheckAssignment
from bma.validation.services import spot_check_rows

# --- The list --------------------------------------------------------------------------------------


def with_open_issue_count(queryset):
    # A subquery, not a join: the list stays one query even with filters on other relations.
    open_issues = (
        QualityIssue.objects.filter(village_assessment=OuterRef("pk"), state=IssueState.OPEN)
        .order_by()
        .values("village_assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(open_issue_count=Coalesce(Subquery(open_issues), 0))


@admin.display(description=_("Open issues"), ordering="open_issue_count")
def open_issues(obj):
    return obj.open_issue_count


class HasOpenIssuesFilter(admin.SimpleListFilter):
    title = _("open quality issues")
    parameter_name = "open_issues"

    def lookups(self, request, model_admin):
        return [("yes", _("With open issues")), ("no", _("Without"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_issue_count__gt=0)
        if self.value() == "no":
            return queryset.filter(open_issue_count=0)
        return queryset


class SpotCheckOutcomeFilter(admin.SimpleListFilter):
    title = _("spot-check outcome")
    parameter_name = "spot_check"

    def lookups(self, request, model_admin):
        return list(CheckOutcome.choices)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(spot_check_assignments__outcome=self.value()).distinct()
        return queryset


LIST_EXTENSION = ListExtension(
    annotate=with_open_issue_count,
    columns=(open_issues,),
    filters=(HasOpenIssuesFilter, SpotCheckOutcomeFilter),
)


# --- The page --------------------------------------------------------------------------------------


def issues_section(request, assessment) -> Section:
    issues = list(
        QualityIssue.objects.filter(village_assessment=assessment).select_related(
            "decided_by", "district", "village_assessment__village"
        )
    )
    may_decide = request.user.has_perm("validation.change_qualityissue")
    open_issues = [i for i in issues if i.state == IssueState.OPEN]
    return Section(
        key="issues",
        title=gettext("Quality issues (%(open)d open)") % {"open": len(open_issues)},
        template="admin/validation/desk/issues.html",
        context={
            "open_issues": [
                (i, reverse("admin:validation_qualityissue_decide", args=[i.pk]) if may_decide else None)
                for i in open_issues
            ],
            "decided_issues": [i for i in issues if i.state != IssueState.OPEN],
        },
    )


def spot_check_section(request, assessment) -> Section | None:
    checks = list(
        SpotCheckAssignment.objects.filter(assessment=assessment)
        .exclude(outcome=CheckOutcome.PENDING)
        .select_related("sample", "visit")
    )
    if not checks:
        return None
    return Section(
        key="spot-check",
        title=gettext("Spot check"),
        template="admin/validation/desk/spot_check.html",
        context={"checks": [(c, spot_check_rows(c)) for c in checks]},
    )
