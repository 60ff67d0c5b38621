"""The round dataset: one wide row per village plus long tables, as XLSX or a zip of CSV files.

Tables are defined once (name, columns with their codebook text and HXL tag, one values_list query
over the round's counted assessments), and written by either writer. Rows stream from a database
cursor: into our streaming XLSX writer, or on PostgreSQL as COPY's own CSV straight into the zip, so
memory stays flat and a 100,000-village round exports within the benchmark's targets.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from django.db import DatabaseError, connection
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from psycopg import pq

from bma.assessments import models as am
from bma.core.errors import message_lazy
from bma.core.spreadsheet_text import spreadsheet_text, spreadsheet_text_sql
from bma.exports.report import counted_assessments, roomy_read_transaction, round_years
from bma.exports.report_language import LABEL_INDEX
from bma.exports.xlsx_stream import StreamingWorkbook
from bma.xforms import codelists as cl
from bma.xforms import definitions


@dataclass(frozen=True)
class Column:
    """``name`` is the variable name: the same in every language, so scripts read any export alike.
    ``meaning`` is the codebook's text, worded (lazily) in the export's language."""

    name: str
    meaning: str
    hxl: str = ""
    plain: bool = False  # a year or a round number: written without a thousands separator


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's name and the table's code
    description: str
    columns: list[Column]
    query: Callable[[QuerySet], SQL]  # the round's counted assessments -> the table's SQL and parameters
    personal: bool = False

    @property
    def sheet_title(self) -> str:
        """The XLSX sheet's name, in the export's language."""
        return str(SHEET_TITLES.get(self.name, self.name))


# The sheets' names as a reader sees them; the CSV files keep the table codes.
SHEET_TITLES = {
    "villages": pgettext_lazy("export sheet", "villages"),
    "countries": pgettext_lazy("export sheet", "countries"),
    "reasons": pgettext_lazy("export sheet", "reasons"),
    "yearly": pgettext_lazy("export sheet", "yearly"),
    "departures": pgettext_lazy("export sheet", "departures"),
    "internal_areas": pgettext_lazy("export sheet", "internal_areas"),
    "services": pgettext_lazy("export sheet", "services"),
    "informants": pgettext_lazy("export sheet", "informants"),
    "referrals": pgettext_lazy("export sheet", "referrals"),
    "quality_issues": pgettext_lazy("export sheet", "quality_issues"),
    "spot_checks": pgettext_lazy("export sheet", "spot_checks"),
    "informant_contacts": pgettext_lazy("export sheet", "informant_contacts"),
}


def _in_language(labels: tuple[str, ...]) -> str:
    return labels[LABEL_INDEX.get(translation.get_language() or "en", 0)]


# A code list's (English, Russian, Tajik) label in the language active when the codebook is written.
label_lazy = lazy(_in_language, str)
# Headings of the codebook and the names of its two pseudo-tables.
CODEBOOK_TITLE = pgettext_lazy("export sheet", "codebook")
CODEBOOK_HEADER = [
    pgettext_lazy("codebook heading", "table"),
    pgettext_lazy("codebook heading", "column"),
    pgettext_lazy("codebook heading", "meaning"),
    pgettext_lazy("codebook heading", "hxl"),
]
DEFINITIONS_TABLE = pgettext_lazy("codebook table", "definitions")
CODES_TABLE = pgettext_lazy("codebook table", "codes")


CHUNK = 2000
SQL = tuple[str, tuple]
CSV_COMPRESSION = 1  # deflate level: CSV still shrinks ~5x, several times faster than the default 6


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


DEFINED = definitions.FIGURE_DEFINITIONS
# The codebook's word on totals, with the older forms' different question said plainly.
TOTAL_MEANING = message_lazy(
    _("%(definition)s (Shared form versions used before per-round forms asked the number now.)"),
    definition=_(DEFINED["total"]),
)


RECORD_MEANING = _("The assessment's record: the instanceID of its first submission, the same in every table")
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
        pivoted[f"{pop}_present"] = Max(_as_number("present"), filter=in_population)
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


HOUSING_FIELDS = ("houses_empty", "houses_looked_after", "elderly_alone")


def _as_number(field: str):
    """Booleans leave the database as 1/0, as the codebook says, in CSV and XLSX alike."""
    return Cast(field, IntegerField())


def _long(queryset, fields: list) -> SQL:
    """A long table's rows in a stable order; expressions among the fields become annotations."""
    expressions = {f"column_{i}": field for i, field in enumerate(fields) if not isinstance(field, str)}
    names = [field if isinstance(field, str) else f"column_{i}" for i, field in enumerate(fields)]
    return queryset.annotate(**expressions).values_list(*names).order_by("pk").query.sql_with_params()


def tables(include_personal: bool, years=cl.YEARS) -> list[Table]:
    """``years``: the round's years (report.round_years), one column per population and year."""
    # Every table starts with the record and the village: a typed-in village has no code, so the record
    # (the submission chain's first instanceID) is what joins its rows across tables.
    record_key = Column("record_id", RECORD_MEANING, "#meta+id")
    village_key = Column("village_code", _("Village code (empty when typed in)"), "#loc+code")
    years = tuple(years)
    result = [
        Table(
            "villages",
            "One row per assessed village (its current assessment).",
            wide_columns(years),
            lambda assessments: wide_query(assessments, years),
        ),
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
    if include_personal:
        result.append(
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
        )
    return result


def _issues(qs):
    from bma.validation.models import QualityIssue

    return QualityIssue.objects.filter(village_assessment__in=qs)


def _checks(qs):
    from bma.validation.models import SpotCheckAssignment

    return SpotCheckAssignment.objects.filter(assessment__in=qs)


def codebook_rows(selected: list[Table], sheet_titles: bool = False) -> Iterator[list]:
    """The codebook in the active language: variable names and codes as they are, the text translated.
    ``sheet_titles``: name each table as its XLSX sheet is named (the CSV files keep the table code)."""
    for table in selected:
        for column in table.columns:
            yield [table.sheet_title if sheet_titles else table.name, column.name, str(column.meaning), column.hxl]
    definitions_table = str(DEFINITIONS_TABLE)
    for term, meaning in DEFINED.items():
        yield [definitions_table, term, translation.gettext(meaning), ""]
    codes_table = str(CODES_TABLE)
    for name, codes in (
        ("population", cl.POPULATIONS),
        ("reason", cl.REASONS),
        ("service", cl.SERVICES),
        ("distance_band", cl.DISTANCE_BANDS),
        ("informant_type", cl.INFORMANT_TYPES),
        ("migration_type", cl.MIGRATION_TYPES),
        ("destination", cl.DEPARTURE_DESTINATIONS),
        ("elderly_alone", cl.YES_NO_UNKNOWN),
        ("country", cl.COUNTRIES),
    ):
        for code, labels in codes.items():
            meaning = " / ".join(labels)  # the forms' labels, in all three languages
            if name == "country" and code == cl.OTHER_COUNTRY:
                meaning = f"{meaning}. {translation.gettext(DEFINED['other_country'])}"
            yield [codes_table, f"{name}={code}", meaning, ""]


def query_rows(query: SQL) -> Iterator[tuple]:
    """Stream a table's rows as plain tuples, straight from the database cursor.

    The ORM's per-row machinery costs more than writing the cell; on PostgreSQL this is a server-side
    cursor, so memory stays flat however large the round.
    """
    sql, params = query
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def write_xlsx(
    out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None, language="en"
) -> None:
    """Write the dataset workbook to a file object; progress(done_tables, all_tables) is called as it goes.

    Sheet names and the codebook are in ``language`` (the export job's); the header row holds the
    variable names, the same in every language."""
    with translation.override(language):
        _write_xlsx(out, round_, include_unapproved, include_personal, hxl, progress)


def _write_xlsx(out, round_, include_unapproved, include_personal, hxl, progress) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal, round_years(round_, assessments))
    with roomy_read_transaction(), StreamingWorkbook(out) as book:
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            plain = [i for i, c in enumerate(table.columns) if c.plain]
            book.add_sheet(table.sheet_title, header, query_rows(table.query(assessments)), len(table.columns), plain)
            if progress:
                progress(index + 1, len(selected) + 1)
        codebook_header = [[str(h) for h in CODEBOOK_HEADER]]
        book.add_sheet(str(CODEBOOK_TITLE), codebook_header, codebook_rows(selected, sheet_titles=True), 4)
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def write_csv_zip(
    out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None, language="en"
) -> None:
    """The same tables as CSV files named by their codes; the codebook's text in ``language``."""
    with translation.override(language):
        _write_csv_zip(out, round_, include_unapproved, include_personal, hxl, progress)


def _write_csv_zip(out, round_, include_unapproved, include_personal, hxl, progress) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal, round_years(round_, assessments))
    with (
        roomy_read_transaction(),
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=CSV_COMPRESSION) as archive,
    ):
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw:
                _write_csv(raw, header, table.query(assessments))
            if progress:
                progress(index + 1, len(selected) + 1)
        with archive.open("codebook.csv", "w") as raw:
            _write_csv_rows(raw, [[str(h) for h in CODEBOOK_HEADER], *codebook_rows(selected)])
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def _write_csv_rows(raw, rows) -> None:
    # A byte-order mark, so Excel opens the UTF-8 (Cyrillic names) correctly.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    csv.writer(text).writerows([spreadsheet_text(value) for value in row] for row in rows)
    text.flush()
    text.detach()


def _write_csv(raw, header: list[list], query: SQL) -> None:
    if connection.vendor != "postgresql":
        _write_csv_rows(raw, itertools.chain(header, query_rows(query)))
        return
    _write_csv_rows(raw, header)
    # PostgreSQL writes the CSV itself (COPY), an order of magnitude faster than formatting rows here.
    sql, params = query
    with connection.cursor() as cursor:
        statement = _neutralised_text_sql(cursor, psycopg.ClientCursor(cursor.connection).mogrify(sql, params))
        _copy_out(cursor.connection.pgconn, f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", raw.write)


# PostgreSQL's text types (text, varchar, char, name): the columns COPY writes as typed text.
TEXT_TYPE_OIDS = frozenset({25, 1043, 1042, 19})


def _neutralised_text_sql(cursor, statement: str) -> str:
    """The query with each text column passed through spreadsheet_text_sql, so COPY's CSV carries no
    formula; number columns are left as the database writes them (a negative count stays a number).
    The column types come from running the query with no rows (planning only, no table read)."""
    cursor.execute(f"SELECT * FROM ({statement}) AS query LIMIT 0")
    types = [column.type_code for column in cursor.description]
    names = [f"c{index}" for index in range(len(types))]
    columns = ", ".join(
        spreadsheet_text_sql(name) if type_code in TEXT_TYPE_OIDS else name
        for name, type_code in zip(names, types, strict=True)
    )
    return f"SELECT {columns} FROM ({statement}) AS query({', '.join(names)})"


def _copy_out(pgconn, statement: str, write) -> None:
    """Run a COPY ... TO STDOUT and hand its output to write() in blocks of about a megabyte.

    libpq hands COPY data over one row at a time. psycopg's Copy iterator costs ~1.3 µs a row on top
    of that (2 s of the 100,000-village benchmark's yearly table alone), so this reads at the libpq
    level (psycopg.pq, its documented wrapper) and gathers rows so the compressor sees large blocks.
    """
    pgconn.send_query(statement.encode())
    result = pgconn.get_result()
    if result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise DatabaseError(result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"COPY failed")
    buffer = bytearray()
    while True:
        size, data = pgconn.get_copy_data(0)  # 0: wait for the next row
        if size < 0:  # -1: done; -2: the connection failed
            break
        buffer += data
        if len(buffer) > 1 << 20:
            write(buffer)
            buffer.clear()
    result = pgconn.get_result()
    _drain(pgconn)
    if size == -2 or result is None or result.status != pq.ExecStatus.COMMAND_OK:
        message = result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY) if result else None
        raise DatabaseError((message or pgconn.error_message or b"COPY failed").decode(errors="replace"))
    write(buffer)


def _drain(pgconn) -> None:
    while pgconn.get_result() is not None:
        pass
