"""The round dataset: one wide row per village plus long tables, as XLSX or a zip of CSV files.

Tables are defined once (name, columns with their codebook text and HXL tag, a row generator over
a queryset iterator), and written by either writer. Rows stream: XlsxWriter in constant-memory mode
and CSV straight into the zip, so memory stays flat however large the round.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import xlsxwriter
from django.db.models import Count, Q

from bma.assessments import models as am
from bma.exports.report import counted_assessments
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
    rows: Callable[[object], Iterator[list]]
    personal: bool = False


CHUNK = 2000


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


BASE_FIELDS = (
    "pk",
    "round__number",
    "province__code",
    "province__name_en",
    "district__code",
    "district__name_en",
    "village__area__code",
    "village__area__level",
    "village__code",
    "village__name_en",
    "village__name_tg",
    "village_name_typed",
    "latitude",
    "longitude",
    "visit_date",
    "review_state",
    "households",
)


def wide_rows(assessments) -> Iterator[list]:
    """Plain values in chunks (three queries per chunk, no model instances): the export's hot loop."""
    base = (
        assessments.order_by("district__code", "village__code", "pk")
        .annotate(
            informant_total=Count("informants"),
            informant_female=Count("informants", filter=Q(informants__sex="female")),
            informant_male=Count("informants", filter=Q(informants__sex="male")),
        )
        .values_list(*BASE_FIELDS, "informant_total", "informant_female", "informant_male")
    )
    chunk: list[tuple] = []
    for row in base.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _wide_chunk(chunk)
            chunk = []
    if chunk:
        yield from _wide_chunk(chunk)


def _wide_chunk(chunk: list[tuple]) -> Iterator[list]:
    ids = [row[0] for row in chunk]
    figures: dict[int, dict[str, tuple]] = {}
    for assessment_id, population, present, total in am.PopulationFigure.objects.filter(
        assessment_id__in=ids
    ).values_list("assessment_id", "population", "present", "total"):
        figures.setdefault(assessment_id, {})[population] = (present, total)
    yearly: dict[tuple[int, str], dict[int, int]] = {}
    for assessment_id, population, year, count in am.YearlyFigure.objects.filter(
        figure__assessment_id__in=ids
    ).values_list("figure__assessment_id", "figure__population", "year", "count"):
        yearly.setdefault((assessment_id, population), {})[year] = count
    for row in chunk:
        (
            pk,
            round_number,
            province_code,
            province,
            district_code,
            district,
            area_code,
            area_level,
            village_code,
            village,
            village_tg,
            typed,
            lat,
            lon,
            visit_date,
            state,
            households,
            informants,
            female,
            male,
        ) = row
        out = [
            round_number,
            province_code or "",
            province or "",
            district_code or "",
            district or "",
            area_code if area_level == 3 else "",
            village_code or "",
            village or "",
            village_tg or "",
            typed,
            float(lat) if lat is not None else "",
            float(lon) if lon is not None else "",
            visit_date.isoformat() if visit_date else "",
            state,
            informants,
            female,
            male,
            households if households is not None else "",
        ]
        own = figures.get(pk, {})
        for pop in cl.POPULATION_CODES:
            present, total = own.get(pop, (None, None))
            years = yearly.get((pk, pop), {})
            out += ["" if present is None else int(present), "" if total is None else total]
            out += [years.get(year, "") for year in cl.YEARS]
        yield out


def _long(queryset, fields: list[str]) -> Iterator[list]:
    for values in queryset.values_list(*fields).order_by("pk").iterator(chunk_size=CHUNK):
        yield ["" if v is None else v for v in values]


def tables(include_personal: bool) -> list[Table]:
    village_key = Column("village_code", "Village code", "#loc+code")
    result = [
        Table("villages", "One row per assessed village (its current assessment).", wide_columns(), wide_rows),
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
                ["assessment__village__code", "service", "available", "distance_band", "households_affected"],
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


def write_xlsx(out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None) -> None:
    """Write the dataset workbook to a file object; progress(done_tables, all_tables) is called as it goes."""
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal)
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    for index, table in enumerate(selected):
        sheet = book.add_worksheet(table.name)
        sheet.write_row(0, 0, [c.name for c in table.columns], bold)
        start = 1
        if hxl:
            sheet.write_row(1, 0, [c.hxl for c in table.columns])
            start = 2
        for number, row in enumerate(table.rows(assessments), start=start):
            sheet.write_row(number, 0, row)
        if progress:
            progress(index + 1, len(selected) + 1)
    codebook = book.add_worksheet("codebook")
    codebook.write_row(0, 0, ["table", "column", "meaning", "hxl"], bold)
    for number, row in enumerate(codebook_rows(selected), start=1):
        codebook.write_row(number, 0, row)
    book.close()
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def write_csv_zip(out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, table in enumerate(selected):
            with archive.open(f"{table.name}.csv", "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow([c.name for c in table.columns])
                if hxl:
                    writer.writerow([c.hxl for c in table.columns])
                writer.writerows(table.rows(assessments))
                text.flush()
                text.detach()
            if progress:
                progress(index + 1, len(selected) + 1)
        with archive.open("codebook.csv", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(["table", "column", "meaning", "hxl"])
            writer.writerows(codebook_rows(selected))
            text.flush()
            text.detach()
    if progress:
        progress(len(selected) + 1, len(selected) + 1)
