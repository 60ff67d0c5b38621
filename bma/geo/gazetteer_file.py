"""Reading gazetteer files (CSV or XLSX) into checked rows. Pure: no database access.

Two layouts, told apart by their header:
- areas: code, parent_code, kind, name_en, name_tg, name_ru, pcode, aliases
- villages: code, area_code, name_en, name_tg, name_ru, latitude, longitude, aliases

Aliases are separated by ';'. Every problem is reported with its row number (as a spreadsheet shows
it: the header is row 1), so a coordinator can fix the file in one pass.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.core.errors import lower_lazy, message_lazy
from bma.geo.models import KIND_LEVEL, AreaKind

AREA_COLUMNS = ("code", "parent_code", "kind", "name_en", "name_tg", "name_ru", "pcode", "aliases")
VILLAGE_COLUMNS = ("code", "area_code", "name_en", "name_tg", "name_ru", "latitude", "longitude", "aliases")
AREA_REQUIRED = ("code", "kind", "name_en")
VILLAGE_REQUIRED = ("code", "area_code", "name_en")


class GazetteerFileError(Exception):
    """The file as a whole cannot be read (wrong type, missing columns, empty)."""


@dataclass(frozen=True)
class RowError:
    row: int
    message: str

    def __str__(self) -> str:
        return gettext("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass(frozen=True)
class AreaRow:
    row: int
    code: str
    parent_code: str
    kind: AreaKind
    name_en: str
    name_tg: str = ""
    name_ru: str = ""
    pcode: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def level(self) -> int:
        return KIND_LEVEL[self.kind]


@dataclass(frozen=True)
class VillageRow:
    row: int
    code: str
    area_code: str
    name_en: str
    name_tg: str = ""
    name_ru: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    aliases: tuple[str, ...] = ()


@dataclass
class Parsed:
    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def clean_text(value) -> str:
    """Cells as text: NFC (Tajik letters typed as base + combining mark become one letter), trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file as dicts keyed by lower-case header."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GazetteerFileError(
                message_lazy(
                    _("%(file)s is not UTF-8 text (byte %(byte)s). Save it as 'CSV UTF-8' and upload it again."),
                    file=filename,
                    byte=exc.start,
                )
            ) from exc
        raw_rows = list(csv.reader(io.StringIO(text)))
    else:
        raise GazetteerFileError(message_lazy(_("%(file)s: upload a .csv or .xlsx file."), file=filename))
    raw_rows = [r for r in raw_rows if any(clean_text(c) for c in r)]
    if not raw_rows:
        raise GazetteerFileError(message_lazy(_("%(file)s is empty."), file=filename))
    header = [clean_text(h).lower() for h in raw_rows[0]]
    table = []
    for cells in raw_rows[1:]:
        cells = list(cells) + [""] * (len(header) - len(cells))
        table.append({h: clean_text(c) for h, c in zip(header, cells, strict=False) if h})
    return table


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise GazetteerFileError(
            message_lazy(_("The file is not a readable Excel workbook (%(error)s)."), error=exc.__class__.__name__)
        ) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def detect_layout(table_header: set[str]) -> str:
    if {"code", "parent_code", "kind"} <= table_header:
        return "areas"
    if {"code", "area_code"} <= table_header:
        return "villages"
    areas = ", ".join(AREA_COLUMNS)
    villages = ", ".join(VILLAGE_COLUMNS)
    raise GazetteerFileError(
        message_lazy(
            _(
                "The header matches neither layout. An areas file has the columns %(areas)s; a villages file has %(villages)s."
            ),
            areas=areas,
            villages=villages,
        )
    )


def _aliases(value: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in value.split(";"):
        part = clean_text(part)
        if part:
            seen.setdefault(part, None)
    return tuple(seen)


def _code_used(code: str, first_row: int):
    return message_lazy(_("code %(code)s is already used on row %(row)s"), code=code, row=first_row)


def _required(values: dict[str, str], names, row: int, errors: list[RowError]) -> bool:
    missing = [n for n in names if not values.get(n)]
    if missing:
        errors.append(RowError(row, message_lazy(_("missing %(columns)s"), columns=", ".join(missing))))
    return not missing


def parse_areas(table: list[dict[str, str]]) -> Parsed:
    parsed = Parsed()
    seen: dict[str, int] = {}
    kinds = ", ".join(k.value for k in AreaKind)
    for index, values in enumerate(table, start=2):
        if not _required(values, AREA_REQUIRED, index, parsed.errors):
            continue
        code = values["code"]
        if code in seen:
            parsed.errors.append(RowError(index, _code_used(code, seen[code])))
            continue
        seen[code] = index
        try:
            kind = AreaKind(values["kind"].lower())
        except ValueError:
            parsed.errors.append(
                RowError(
                    index, message_lazy(_("kind '%(kind)s' is not one of: %(kinds)s"), kind=values["kind"], kinds=kinds)
                )
            )
            continue
        parent_code = values.get("parent_code", "")
        if kind == AreaKind.COUNTRY and parent_code:
            parsed.errors.append(RowError(index, _("a country has no parent_code")))
            continue
        if kind != AreaKind.COUNTRY and not parent_code:
            parsed.errors.append(
                RowError(index, message_lazy(_("a %(kind)s needs a parent_code"), kind=lower_lazy(kind.label)))
            )
            continue
        parsed.rows.append(
            AreaRow(
                row=index,
                code=code,
                parent_code=parent_code,
                kind=kind,
                name_en=values["name_en"],
                name_tg=values.get("name_tg", ""),
                name_ru=values.get("name_ru", ""),
                pcode=values.get("pcode", ""),
                aliases=_aliases(values.get("aliases", "")),
            )
        )
    return parsed


def _coordinate(value: str, low: int, high: int, label: str, row: int, errors: list[RowError]) -> Decimal | None:
    if not value:
        return None
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        errors.append(
            RowError(row, message_lazy(_("%(column)s '%(value)s' is not a number"), column=label, value=value))
        )
        return None
    if not low <= number <= high:
        errors.append(
            RowError(
                row,
                message_lazy(
                    _("%(column)s %(value)s is outside %(low)s..%(high)s"),
                    column=label,
                    value=value,
                    low=low,
                    high=high,
                ),
            )
        )
        return None
    return number.quantize(Decimal("0.000001"))


def parse_villages(table: list[dict[str, str]]) -> Parsed:
    parsed = Parsed()
    seen: dict[str, int] = {}
    for index, values in enumerate(table, start=2):
        if not _required(values, VILLAGE_REQUIRED, index, parsed.errors):
            continue
        code = values["code"]
        if code in seen:
            parsed.errors.append(RowError(index, _code_used(code, seen[code])))
            continue
        seen[code] = index
        before = len(parsed.errors)
        latitude = _coordinate(values.get("latitude", ""), -90, 90, "latitude", index, parsed.errors)
        longitude = _coordinate(values.get("longitude", ""), -180, 180, "longitude", index, parsed.errors)
        if len(parsed.errors) > before:
            continue
        parsed.rows.append(
            VillageRow(
                row=index,
                code=code,
                area_code=values["area_code"],
                name_en=values["name_en"],
                name_tg=values.get("name_tg", ""),
                name_ru=values.get("name_ru", ""),
                latitude=latitude,
                longitude=longitude,
                aliases=_aliases(values.get("aliases", "")),
            )
        )
    return parsed
