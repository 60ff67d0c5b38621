"""Validation's parts of the review desk: the open-issues column and filters of the assessment list,
and the quality-issues and spot-check sections of the assessment page.
Placed on the page and in the list by bma/review/admin.py (PAGE_SECTIONS, LIST_EXTENSIONS).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.assessments.models import DistrictAssessment, SpotCheckVisit, VillageAssessment
from bma.core.numbers import grouped
from bma.review.desk import ListExtension, Section
from bma.validation.models import CheckOutcome, EntityProblem, IssueState, QualityIssue, SpotCheckAssignment
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
    return grouped(obj.open_issue_count)


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


# Each section gets the page's assessment, whichever model it is (B2, B1 or spot-check visit), and
# shows nothing where it has nothing to say about that model.

# Which QualityIssue field points at an assessment of each model; spot-check visits have no issues.
ISSUE_FIELD = {VillageAssessment: "village_assessment", DistrictAssessment: "district_assessment"}


def issues_section(request, assessment) -> Section | None:
    field = ISSUE_FIELD.get(type(assessment))
    if field is None:
        return None
    issues = list(
        QualityIssue.objects.filter(**{field: assessment}).select_related(
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
    if isinstance(assessment, SpotCheckVisit):
        return visit_comparison_section(request, assessment)
    if not isinstance(assessment, VillageAssessment):
        return None
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


def visit_comparison_section(request, visit: SpotCheckVisit) -> Section:
    """A spot-check visit's page: the comparison with the B2 of the village it checks, and a way there.
    Said in words when no sampled village is matched to this visit (yet)."""
    checks = list(
        SpotCheckAssignment.objects.filter(visit=visit).select_related("sample", "visit", "assessment__village")
    )
    return Section(
        key="spot-check",
        title=gettext("Comparison with the village assessment"),
        template="admin/validation/desk/visit_comparison.html",
        context={
            "checks": [(c, spot_check_rows(c)) for c in checks],
            "assessment_links": [
                (reverse("admin:assessments_villageassessment_change", args=[c.assessment_id]), c.assessment)
                for c in checks
            ],
        },
    )


def entity_problems_section(request, assessment) -> Section | None:
    """The villages the assessment's form created or updated on the tablet that the server refused (an
    empty name, an entity ID already used, a village deleted meanwhile...): ODK Central only logs these;
    here they are on the page. Nothing when there are none."""
    if ISSUE_FIELD.get(type(assessment)) is None:
        return None
    problems = list(
        EntityProblem.objects.filter(
            submission__root_instance_id=assessment.root_instance_id, submission__is_current=True
        ).order_by("row")
    )
    if not problems:
        return None
    return Section(
        key="entity-problems",
        title=gettext("Villages the tablet created or updated that the server refused (%(count)d)")
        % {"count": len(problems)},
        template="admin/validation/desk/entity_problems.html",
        context={
            "problems": problems,
            "list_url": reverse("admin:validation_entityproblem_changelist")
            if request.user.has_perm("validation.view_entityproblem")
            else "",
        },
    )
