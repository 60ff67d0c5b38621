"""The round's tables: the wide villages table, then one long table per repeated answer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from bma.assessments import models as am
from bma.exports.dataset.columns import DEFINED, RECORD_MEANING, SQL, Column, Table, as_number
from bma.exports.dataset.wide import wide_columns, wide_query
from bma.xforms import codelists as cl


def _long(queryset, fields: list) -> SQL:
    """A long table's rows in a stable order; expressions among the fields become annotations."""
    expressions = {f"column_{i}": field for i, field in enumerate(fields) if not isinstance(field, str)}
    names = [field if isinstance(field, str) else f"column_{i}" for i, field in enumerate(fields)]
    return queryset.annotate(**expressions).values_list(*names).order_by("pk").query.sql_with_params()


# Every table starts with the record and the village: a typed-in village has no code, so the record
# (the submission chain's first instanceID) is what joins its rows across tables.
record_key = Column("record_id", RECORD_MEANING, "#meta+id")
village_key = Column("village_code", _("Village code (empty when typed in)"), "#loc+code")


def tables(include_personal: bool, years=cl.YEARS) -> list[Table]:
    """The round's tables in their order; ``years``: the round's years (report.round_years), one column
    per population and year in the villages table."""
    years = tuple(years)
    villages = Table(
        "villages",
        "One row per assessed village (its current assessment).",
        wide_columns(years),
        lambda assessments: wide_query(assessments, years),
    )
    return [villages, *LONG_TABLES, *(PERSONAL_TABLES if include_personal else [])]


def _issues(qs):
    from bma.validation.models import QualityIssue

    return QualityIssue.objects.filter(village_assessment__in=qs)


def _checks(qs):
    from bma.validation.models import SpotCheckAssignment

    return SpotCheckAssignment.objects.filter(assessment__in=qs)


# One row per repeated answer, keyed by the record and the village; the queries take the round's
# counted assessments. Column meanings are lazy: worded in the export's language when written.
LONG_TABLES = [
    Table(
        "countries",
        "Nationalities (imw), countries of return (ret) and destinations (emi), with counts.",
        [
            record_key,
            village_key,
            Column("population", _("Population code")),
            Column("country", _("ISO 3166-1 alpha-2"), "#country+code"),
            Column("count", _("Number")),
        ],
        lambda qs: _long(
            am.CountryFigure.objects.filter(assessment__in=qs),
            ["assessment__root_instance_id", "assessment__village__code", "population", "country", "count"],
        ),
    ),
    Table(
        "reasons",
        "Reasons given for each population present.",
        [
            record_key,
            village_key,
            Column("population", _("Population code")),
            Column("reason", _("Reason code (see codebook)")),
        ],
        lambda qs: _long(
            am.PopulationReason.objects.filter(assessment__in=qs),
            ["assessment__root_instance_id", "assessment__village__code", "population", "reason"],
        ),
    ),
    Table(
        "yearly",
        "Yearly figures per population.",
        [
            record_key,
            village_key,
            Column("population", _("Population code")),
            Column("year", _("Year"), plain=True),
            Column("count", _("Number")),
        ],
        lambda qs: _long(
            am.YearlyFigure.objects.filter(assessment__in=qs),
            ["assessment__root_instance_id", "assessment__village__code", "population", "year", "count"],
        ),
    ),
    Table(
        "departures",
        f"Households that left the village entirely, by year, and where most went. {DEFINED['departures']}",
        [
            record_key,
            village_key,
            Column("year", _("Year"), plain=True),
            Column("households", _("Households that left entirely"), "#households+departed"),
            Column("destination", _("Where most went (abroad, another_district, unknown; see codebook)")),
        ],
        lambda qs: _long(
            am.HouseholdDeparture.objects.filter(assessment__in=qs),
            ["assessment__root_instance_id", "assessment__village__code", "year", "households", "destination"],
        ),
    ),
    Table(
        "internal_areas",
        "Districts of origin (imi) or destination (ioi) for internal moves.",
        [
            record_key,
            village_key,
            Column("population", _("Population code")),
            Column("district_code", _("District code")),
            Column("count", _("Number")),
        ],
        lambda qs: _long(
            am.AreaFlow.objects.filter(figure__assessment__in=qs),
            [
                "figure__assessment__root_instance_id",
                "figure__assessment__village__code",
                "figure__population",
                "area_code",
                "count",
            ],
        ),
    ),
    Table(
        "services",
        "Access to services: available in the village, else distance band and households affected.",
        [
            record_key,
            village_key,
            Column("service", _("Service code")),
            Column("available", _("1 available, 0 not")),
            Column("distance_band", _("Distance band")),
            Column("households_affected", _("Households without it nearby")),
        ],
        lambda qs: _long(
            am.ServiceAccess.objects.filter(assessment__in=qs),
            [
                "assessment__root_instance_id",
                "assessment__village__code",
                "service",
                as_number("available"),
                "distance_band",
                "households_affected",
            ],
        ),
    ),
    Table(
        "informants",
        "Key informants (no personal data).",
        [
            record_key,
            village_key,
            Column("position", _("Order in the interview")),
            Column("sex", _("Sex")),
            Column("type", _("Informant type")),
            Column("type_other", _("Other type as described")),
        ],
        lambda qs: _long(
            am.Informant.objects.filter(village_assessment__in=qs),
            [
                "village_assessment__root_instance_id",
                "village_assessment__village__code",
                "position",
                "sex",
                "informant_type",
                "informant_type_other",
            ],
        ),
    ),
    Table(
        "referrals",
        "Villages the informants referred, as entered.",
        [
            record_key,
            village_key,
            Column("district_code", _("Referred district")),
            Column("referred_code", _("Referred village code")),
            Column("referred_typed", _("Referred village as typed")),
            Column("estimate", _("Rough number")),
        ],
        lambda qs: _long(
            am.ReferredVillage.objects.filter(assessment__in=qs),
            [
                "assessment__root_instance_id",
                "assessment__village__code",
                "district_code",
                "village_code",
                "name_typed",
                "estimate",
            ],
        ),
    ),
    Table(
        "quality_issues",
        "Quality issues found by the rules and their state.",
        [
            record_key,
            village_key,
            Column("code", _("Rule code")),
            Column("severity", _("Severity")),
            Column("state", _("open, resolved or waived")),
            Column("message", _("Message")),
        ],
        lambda qs: _long(
            _issues(qs),
            [
                "village_assessment__root_instance_id",
                "village_assessment__village__code",
                "code",
                "severity",
                "state",
                "message",
            ],
        ),
    ),
    Table(
        "spot_checks",
        "Spot-check outcomes of sampled villages.",
        [
            record_key,
            village_key,
            Column("outcome", _("pending, confirmed, minor_discrepancy or major_discrepancy")),
            Column("endorsed_at", _("When the village was endorsed")),
        ],
        lambda qs: _long(
            _checks(qs), ["assessment__root_instance_id", "assessment__village__code", "outcome", "endorsed_at"]
        ),
    ),
]
# Only with view_personal_data.
PERSONAL_TABLES = [
    Table(
        "informant_contacts",
        "PERSONAL DATA: informants' names and phones. Handle under the data protection rules.",
        [
            record_key,
            village_key,
            Column("position", _("Order")),
            Column("name", _("Name")),
            Column("phone", _("Phone")),
        ],
        lambda qs: _long(
            am.InformantContact.objects.filter(informant__village_assessment__in=qs),
            [
                "informant__village_assessment__root_instance_id",
                "informant__village_assessment__village__code",
                "informant__position",
                "name",
                "phone",
            ],
        ),
        personal=True,
    )
]
