"""The round dataset: one wide row per village plus long tables, as XLSX or a zip of CSV files.

Tables are defined once (name, columns with their codebook text and HXL tag, one values_list query
over the round's counted assessments), and written by either writer. Rows stream from a database
cursor: into our streaming XLSX writer, or on PostgreSQL as COPY's own CSV straight into the zip, so
memory stays flat and a 100,000-village round exports within the benchmark's targets.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce

from bma.assessments import models as am
from bma.exports.report import counted_assessments
from bma.exports.xlsx_stream import StreamingWorkbook
from bma.xforms import codelists as cl


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    hxl: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: list[Column]
    query: Callable[[QuerySet], QuerySet]  # the round's counted assessments -> a values_list queryset
    personal: bool = False


CHUNK = 2000
CSV_COMPRESSION = 1  # deflate level: CSV still shrinks ~5x, several times faster than the default 6


def wide_columns() -> list[Column]:
    columns = [
        Column("round", "Round number", "#round+num"),
        Column("province_code", "Province code (ISO 3166-2)", "#adm1+code"),
        Column("province", "Province name", "#adm1+name"),
        Column("district_code", "District or city code", "#adm2+code"),
        Column("district", "District or city name", "#adm2+name"),
        Column("jamoat_code", "Jamoat or town code, when the village is placed in one", "#adm3+code"),
        Column("village_code", "Village code in the gazetteer (empty when typed in)", "#loc+code"),
        Column("village", "Village name (English)", "#loc+name"),
        Column("village_tg", "Village name (Tajik)", "#loc+name+i_tg"),
        Column("village_typed", "Village name as typed, when not on the list", "#loc+name+typed"),
        Column("latitude", "GPS latitude recorded at the interview", "#geo+lat"),
        Column("longitude", "GPS longitude recorded at the interview", "#geo+lon"),
        Column("visit_date", "Date of the interview", "#date+survey"),
        Column("review_state", "Review state (received, has_issues, approved, rejected, edited)", "#status"),
        Column("informants", "Number of key informants", "#contact+count"),
        Column("informants_female", "Female key informants", "#contact+count+f"),
        Column("informants_male", "Male key informants", "#contact+count+m"),
        Column("households", "Households in the village", "#households+num"),
    ]
    for pop in cl.POPULATION_CODES:
        label = cl.POPULATIONS[pop][0]
        columns += [
            Column(f"{pop}_present", f"{label}: present (1/0, empty if not asked)", f"#indicator+{pop}+present"),
            Column(f"{pop}_total", f"{label}: number now", f"#affected+{pop}+ind"),
            *[
                Column(f"{pop}_{year}", f"{label}: number in {year}", f"#affected+{pop}+ind+y{year}")
                for year in cl.YEARS
            ],
        ]
    return columns


def _informant_count(sex: str | None = None):
    informants = am.Informant.objects.filter(village_assessment=OuterRef("pk"))
    if sex:
        informants = informants.filter(sex=sex)
    counted = informants.order_by().values("village_assessment").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def wide_query(assessments) -> QuerySet:
    """One row per village, its populations pivoted into columns by conditional aggregates: one query."""
    pivoted = {}
    for pop in cl.POPULATION_CODES:
        in_population = Q(populations__population=pop)
        pivoted[f"{pop}_present"] = Max(_as_number("populations__present"), filter=in_population)
        pivoted[f"{pop}_total"] = Max("populations__total", filter=in_population)
        for year in cl.YEARS:
            pivoted[f"{pop}_{year}"] = Max(
                "populations__yearly__count", filter=in_population & Q(populations__yearly__year=year)
            )
    return (
        assessments.order_by("district__code", "village__code", "pk")
        .annotate(
            jamoat_code=Case(When(village__area__level=3, then=F("village__area__code")), default=Value("")),
            informant_total=_informant_count(),
            informant_female=_informant_count("female"),
            informant_male=_informant_count("male"),
            **pivoted,
        )
        .values_list(
            "round__number",
            "province__code",
            "province__name_en",
            "district__code",
            "district__name_en",
            "jamoat_code",
            "village__code",
            "village__name_en",
            "village__name_tg",
            "village_name_typed",
            "latitude",
            "longitude",
            "visit_date",
            "review_state",
            "informant_total",
            "informant_female",
            "informant_male",
            "households",
            *pivoted,
        )
    )


def _as_number(field: str):
    """Booleans leave the database as 1/0, as the codebook says, in CSV and XLSX alike."""
    return Cast(field, IntegerField())


def _long(queryset, fields: list) -> QuerySet:
    """A long table's rows in a stable order; expressions among the fields become annotations."""
    expressions = {f"column_{i}": field for i, field in enumerate(fields) if not isinstance(field, str)}
    names = [field if isinstance(field, str) else f"column_{i}" for i, field in enumerate(fields)]
    return queryset.annotate(**expressions).values_list(*names).order_by("pk")


def tables(include_personal: bool) -> list[Table]:
    village_key = Column("village_code", "Village code", "#loc+code")
    result = [
        Table("villages", "One row per assessed village (its current assessment).", wide_columns(), wide_query),
        Table(
            "countries",
            "Nationalities (imw), countries of return (ret) and destinations (emi), with counts.",
            [
                village_key,
                Column("population", "Population code"),
                Column("country", "ISO 3166-1 alpha-2", "#country+code"),
                Column("count", "Number"),
            ],
            lambda qs: _long(
                am.CountryFigure.objects.filter(figure__assessment__in=qs),
                ["figure__assessment__village__code", "figure__population", "country", "count"],
            ),
        ),
        Table(
            "reasons",
            "Reasons given for each population present.",
            [village_key, Column("population", "Population code"), Column("reason", "Reason code (see codebook)")],
            lambda qs: _long(
                am.PopulationReason.objects.filter(figure__assessment__in=qs),
                ["figure__assessment__village__code", "figure__population", "reason"],
            ),
        ),
        Table(
            "yearly",
            "Yearly figures per population.",
            [village_key, Column("population", "Population code"), Column("year", "Year"), Column("count", "Number")],
            lambda qs: _long(
                am.YearlyFigure.objects.filter(figure__assessment__in=qs),
                ["figure__assessment__village__code", "figure__population", "year", "count"],
            ),
        ),
        Table(
            "internal_areas",
            "Districts of origin (imi) or destination (ioi) for internal moves.",
            [
                village_key,
                Column("population", "Population code"),
                Column("district_code", "District code"),
                Column("count", "Number"),
            ],
            lambda qs: _long(
                am.AreaFlow.objects.filter(figure__assessment__in=qs),
                ["figure__assessment__village__code", "figure__population", "area_code", "count"],
            ),
        ),
        Table(
            "services",
            "Access to services: available in the village, else distance band and households affected.",
            [
                village_key,
                Column("service", "Service code"),
                Column("available", "1 available, 0 not"),
                Column("distance_band", "Distance band"),
                Column("households_affected", "Households without it nearby"),
            ],
            lambda qs: _long(
                am.ServiceAccess.objects.filter(assessment__in=qs),
                [
                    "assessment__village__code",
                    "service",
                    _as_number("available"),
                    "distance_band",
                    "households_affected",
                ],
            ),
        ),
        Table(
            "informants",
            "Key informants (no personal data).",
            [
                village_key,
                Column("position", "Order in the interview"),
                Column("sex", "Sex"),
                Column("type", "Informant type"),
                Column("type_other", "Other type as described"),
            ],
            lambda qs: _long(
                am.Informant.objects.filter(village_assessment__in=qs),
                ["village_assessment__village__code", "position", "sex", "informant_type", "informant_type_other"],
            ),
        ),
        Table(
            "referrals",
            "Villages the informants referred, as entered.",
            [
                village_key,
                Column("district_code", "Referred district"),
                Column("referred_code", "Referred village code"),
                Column("referred_typed", "Referred village as typed"),
                Column("estimate", "Rough number"),
            ],
            lambda qs: _long(
                am.ReferredVillage.objects.filter(assessment__in=qs),
                ["assessment__village__code", "district_code", "village_code", "name_typed", "estimate"],
            ),
        ),
        Table(
            "quality_issues",
            "Quality issues found by the rules and their state.",
            [
                village_key,
                Column("code", "Rule code"),
                Column("severity", "Severity"),
                Column("state", "open, resolved or waived"),
                Column("message", "Message"),
            ],
            lambda qs: _long(
                _issues(qs), ["village_assessment__village__code", "code", "severity", "state", "message"]
            ),
        ),
        Table(
            "spot_checks",
            "Spot-check outcomes of sampled villages.",
            [
                village_key,
                Column("outcome", "pending, confirmed, minor_discrepancy or major_discrepancy"),
                Column("endorsed_at", "When the village was endorsed"),
            ],
            lambda qs: _long(_checks(qs), ["assessment__village__code", "outcome", "endorsed_at"]),
        ),
    ]
    if include_personal:
        result.append(
            Table(
                "informant_contacts",
                "PERSONAL DATA: informants' names and phones. Handle under the data protection rules.",
                [village_key, Column("position", "Order"), Column("name", "Name"), Column("phone", "Phone")],
                lambda qs: _long(
                    am.InformantContact.objects.filter(informant__village_assessment__in=qs),
                    ["informant__village_assessment__village__code", "informant__position", "name", "phone"],
                ),
                personal=True,
            )
        )
    return result


def _issues(qs):
    from bma.validation.models import QualityIssue

    return QualityIssue.objects.filter(village_assessment__in=qs)


def _checks(qs):
    from bma.validation.models import SpotCheckAssignment

    return SpotCheckAssignment.objects.filter(assessment__in=qs)


def codebook_rows(selected: list[Table]) -> Iterator[list]:
    for table in selected:
        for column in table.columns:
            yield [table.name, column.name, column.meaning, column.hxl]
    for name, codes in (
        ("population", cl.POPULATIONS),
        ("reason", cl.REASONS),
        ("service", cl.SERVICES),
        ("distance_band", cl.DISTANCE_BANDS),
        ("informant_type", cl.INFORMANT_TYPES),
        ("migration_type", cl.MIGRATION_TYPES),
    ):
        for code, labels in codes.items():
            yield ["codes", f"{name}={code}", " / ".join(labels), ""]


def query_rows(queryset) -> Iterator[tuple]:
    """Stream a values_list queryset's rows as plain tuples, straight from the database cursor.

    The ORM's per-row machinery costs more than writing the cell; on PostgreSQL this is a server-side
    cursor, so memory stays flat however large the round.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def write_xlsx(out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None) -> None:
    """Write the dataset workbook to a file object; progress(done_tables, all_tables) is called as it goes."""
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal)
    with StreamingWorkbook(out) as book:
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            book.add_sheet(table.name, header, query_rows(table.query(assessments)), len(table.columns))
            if progress:
                progress(index + 1, len(selected) + 1)
        book.add_sheet("codebook", [["table", "column", "meaning", "hxl"]], codebook_rows(selected), 4)
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def write_csv_zip(out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=CSV_COMPRESSION) as archive:
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw:
                _write_csv(raw, header, table.query(assessments))
            if progress:
                progress(index + 1, len(selected) + 1)
        with archive.open("codebook.csv", "w") as raw:
            _write_csv_rows(raw, [["table", "column", "meaning", "hxl"], *codebook_rows(selected)])
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def _write_csv_rows(raw, rows) -> None:
    # A byte-order mark, so Excel opens the UTF-8 (Cyrillic names) correctly.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    csv.writer(text).writerows(rows)
    text.flush()
    text.detach()


def _write_csv(raw, header: list[list], queryset) -> None:
    _write_csv_rows(raw, header)
    if connection.vendor != "postgresql":
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        csv.writer(text).writerows(query_rows(queryset))
        text.flush()
        text.detach()
        return
    # PostgreSQL writes the CSV itself (COPY), an order of magnitude faster than formatting rows here.
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        statement = psycopg.ClientCursor(cursor.connection).mogrify(sql, params)
        with cursor.cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                raw.write(block)
