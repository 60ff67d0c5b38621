"""The villages table: one wide row per assessed village, a column per population and year."""

from __future__ import annotations

from django.db.models import Case, Count, F, Max, Q, Value, When
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from bma.assessments import models as am
from bma.core.errors import message_lazy
from bma.exports.dataset.columns import DEFINED, RECORD_MEANING, SQL, Column, as_number
from bma.exports.report_language import LABEL_INDEX
from bma.xforms import codelists as cl


def _in_language(labels: tuple[str, ...]) -> str:
    return labels[LABEL_INDEX.get(translation.get_language() or "en", 0)]


# A code list's (English, Russian, Tajik) label in the language active when the codebook is written.
label_lazy = lazy(_in_language, str)
# The codebook's word on totals, with the older forms' different question said plainly.
TOTAL_MEANING = message_lazy(
    _("%(definition)s (Shared form versions used before per-round forms asked the number now.)"),
    definition=_(DEFINED["total"]),
)
HOUSING_FIELDS = ("houses_empty", "houses_looked_after", "elderly_alone")


def wide_columns(years=cl.YEARS) -> list[Column]:
    columns = [
        Column("record_id", RECORD_MEANING, "#meta+id"),
        Column("round", _("Round number"), "#round+num", plain=True),
        Column("province_code", _("Province code (ISO 3166-2)"), "#adm1+code"),
        Column("province", _("Province name"), "#adm1+name"),
        Column("district_code", _("District or city code"), "#adm2+code"),
        Column("district", _("District or city name"), "#adm2+name"),
        Column("jamoat_code", _("Jamoat or town code, when the village is placed in one"), "#adm3+code"),
        Column("village_code", _("Village code in the gazetteer (empty when typed in)"), "#loc+code"),
        Column("village", _("Village name (English)"), "#loc+name"),
        Column("village_tg", _("Village name (Tajik)"), "#loc+name+i_tg"),
        Column("village_typed", _("Village name as typed, when not on the list"), "#loc+name+typed"),
        Column("latitude", _("GPS latitude recorded at the interview"), "#geo+lat"),
        Column("longitude", _("GPS longitude recorded at the interview"), "#geo+lon"),
        Column("visit_date", _("Date of the interview"), "#date+survey"),
        Column("review_state", _("Review state (received, has_issues, approved, rejected, edited)"), "#status"),
        Column("informants", _("Number of key informants"), "#contact+count"),
        Column("informants_female", _("Female key informants"), "#contact+count+f"),
        Column("informants_male", _("Male key informants"), "#contact+count+m"),
        Column(
            "households",
            message_lazy(_("Households in the village. %(definition)s"), definition=_(DEFINED["households"])),
            "#households+num",
        ),
    ]
    for pop in cl.POPULATION_CODES:
        label = label_lazy(cl.POPULATIONS[pop])
        columns += [
            Column(
                f"{pop}_present",
                message_lazy(_("%(population)s: present (1/0, empty if not asked)"), population=label),
                f"#indicator+{pop}+present",
            ),
            Column(
                f"{pop}_total",
                message_lazy(_("%(population)s: total. %(definition)s"), population=label, definition=TOTAL_MEANING),
                f"#affected+{pop}+ind",
            ),
            *[
                Column(
                    f"{pop}_{year}",
                    message_lazy(
                        _("%(population)s: number in %(year)s. %(definition)s"),
                        population=label,
                        year=year,
                        definition=_(DEFINED["yearly"]),
                    ),
                    f"#affected+{pop}+ind+y{year}",
                )
                for year in years
            ],
        ]
        if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
            columns.append(
                Column(
                    f"{pop}_migration_type",
                    message_lazy(_("%(population)s: main type of migration (code)"), population=label),
                    f"#affected+{pop}+type",
                )
            )
    columns += [
        *[
            Column(
                f"households_left_{year}",
                message_lazy(
                    _("Households that left in %(year)s. %(definition)s"),
                    year=year,
                    definition=_(DEFINED["departures"]),
                ),
                f"#households+departed+y{year}",
            )
            for year in years
        ],
        Column("houses_empty", _(DEFINED["houses_empty"]), "#shelter+empty+num"),
        Column("houses_looked_after", _(DEFINED["houses_looked_after"]), "#shelter+empty+looked_after"),
        Column("elderly_alone", _("Elderly people stay behind alone (yes, no, unknown)"), "#indicator+elderly+alone"),
    ]
    return columns


WIDE_BASE = {
    "record_id": "root_instance_id",
    "round_number": "round__number",
    "province_code": "province__code",
    "province_name": "province__name_en",
    "district_code": "district__code",
    "district_name": "district__name_en",
    "jamoat_code": None,  # computed below: the village's area, when it is a jamoat (level 3)
    "village_code": "village__code",
    "village_name": "village__name_en",
    "village_name_tg": "village__name_tg",
    "village_typed": "village_name_typed",
    "lat": "latitude",
    "lon": "longitude",
    "date": "visit_date",
    "state": "review_state",
}


def wide_query(assessments, years=cl.YEARS) -> SQL:
    """One row per village: three grouped queries built by the ORM, joined once on the assessment.

    Pivoting in the same GROUP BY as the names made PostgreSQL evaluate the informant counts once per
    joined figure row (21 s for 100,000 villages); grouping each part on its own keeps it a few seconds.
    """
    base = (
        assessments.order_by()
        .annotate(
            **{alias: F(path) for alias, path in WIDE_BASE.items() if path},
            jamoat_code=Case(When(village__area__level=3, then=F("village__area__code")), default=Value("")),
            row_key=F("pk"),
        )
        .values_list("row_key", *WIDE_BASE, "households", *HOUSING_FIELDS)
    )
    informants = (
        am.Informant.objects.filter(village_assessment__in=assessments)
        .order_by()
        .values(row_key=F("village_assessment"))
        .annotate(
            informant_total=Count("pk"),
            informant_female=Count("pk", filter=Q(sex="female")),
            informant_male=Count("pk", filter=Q(sex="male")),
        )
        .values_list("row_key", "informant_total", "informant_female", "informant_male")
    )
    pivoted = {}
    for pop in cl.POPULATION_CODES:
        in_population = Q(population=pop)
        pivoted[f"{pop}_present"] = Max(as_number("present"), filter=in_population)
        pivoted[f"{pop}_total"] = Max("total", filter=in_population)
        for year in years:
            pivoted[f"{pop}_{year}"] = Max("yearly__count", filter=in_population & Q(yearly__year=year))
        if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
            pivoted[f"{pop}_migration_type"] = Max("migration_type", filter=in_population)
    figures = (
        am.PopulationFigure.objects.filter(assessment__in=assessments)
        .order_by()
        .values(row_key=F("assessment"))
        .annotate(**pivoted)
        .values_list("row_key", *pivoted)
    )
    left_by_year = {f"households_left_{year}": Max("households", filter=Q(year=year)) for year in years}
    departures = (
        am.HouseholdDeparture.objects.filter(assessment__in=assessments)
        .order_by()
        .values(row_key=F("assessment"))
        .annotate(**left_by_year)
        .values_list("row_key", *left_by_year)
    )
    parts = [q.query.sql_with_params() for q in (base, informants, figures, departures)]
    (base_sql, _), (informants_sql, _), (figures_sql, _), (departures_sql, _) = parts
    columns = ", ".join(
        [f'b."{name}"' for name in [*WIDE_BASE]]
        + [f'COALESCE(i."{name}", 0)' for name in ("informant_total", "informant_female", "informant_male")]
        + ['b."households"']
        + [f'f."{name}"' for name in pivoted]
        + [f'd."{name}"' for name in left_by_year]
        + [f'b."{name}"' for name in HOUSING_FIELDS]
    )
    sql = (
        f"SELECT {columns} FROM ({base_sql}) b "
        f'LEFT JOIN ({informants_sql}) i ON i."row_key" = b."row_key" '
        f'LEFT JOIN ({figures_sql}) f ON f."row_key" = b."row_key" '
        f'LEFT JOIN ({departures_sql}) d ON d."row_key" = b."row_key" '
        'ORDER BY b."district_code", b."village_code", b."row_key"'
    )
    return sql, tuple(param for _, params in parts for param in params)
