"""Writing the gazetteer. Every area and settlement is created or updated through these functions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, lower_lazy, message_lazy
from bma.geo.bulk import gazetteer_bulk_write
from bma.geo.gazetteer_file import (
    GazetteerFileError,
    Parsed,
    RowError,
    detect_layout,
    parse_areas,
    parse_villages,
    read_table,
)
from bma.geo.models import (
    KIND_LEVEL,
    AdminArea,
    AliasKind,
    AreaAlias,
    AreaKind,
    AreaLevel,
    Settlement,
    SettlementAlias,
    SettlementSource,
    SettlementStatus,
)


def area_path(parent: AdminArea | None, code: str) -> str:
    """Materialised path: ancestors' codes and the area's own, each followed by '/'.

    The trailing '/' makes prefix matching exact: "TJ/TJ-SU/" never matches "TJ/TJ-SUX/".
    """
    return f"{parent.path if parent else ''}{code}/"


@transaction.atomic
def area_upsert(
    *,
    code: str,
    kind: str,
    name_en: str,
    parent: AdminArea | None = None,
    name_tg: str = "",
    name_ru: str = "",
    pcode: str = "",
    valid_from=None,
    valid_to=None,
) -> tuple[AdminArea, bool]:
    """Create or update the area with this code. Returns (area, changed)."""
    kind = AreaKind(kind)
    level = KIND_LEVEL[kind]
    expected_parent_level = level - 1
    if level == AreaLevel.COUNTRY:
        if parent is not None:
            raise BmaError(
                codes.INVALID_INPUT, message_lazy(_("Area %(code)s: a country has no parent area."), code=code)
            )
    elif parent is None or parent.level != expected_parent_level:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("Area %(code)s: a %(kind)s must sit under a level-%(level)s area (%(parent_kind)s)."),
                code=code,
                kind=lower_lazy(kind.label),
                level=expected_parent_level,
                parent_kind=lower_lazy(AreaLevel(expected_parent_level).label),
            ),
        )
    values = dict(
        kind=kind,
        level=level,
        parent=parent,
        path=area_path(parent, code),
        name_en=name_en,
        name_tg=name_tg,
        name_ru=name_ru,
        pcode=pcode,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    area = AdminArea.objects.filter(code=code).first()
    if area is None:
        return AdminArea.objects.create(code=code, **values), True
    changed = any(getattr(area, k) != v for k, v in values.items())
    if changed:
        old_path = area.path
        for k, v in values.items():
            setattr(area, k, v)
        area.save()
        if old_path != area.path:
            _move_descendants(old_path, area.path)
    return area, changed


def _move_descendants(old_path: str, new_path: str) -> None:
    """Keep materialised paths true when an area moves to another parent."""
    for child in AdminArea.objects.filter(path__startswith=old_path).exclude(path=new_path):
        child.path = new_path + child.path[len(old_path) :]
        child.save(update_fields=["path", "updated_at"])


def district_of(area: AdminArea) -> AdminArea:
    """The district-level (admin 2) area at or above ``area``."""
    node = area
    while node.level > AreaLevel.DISTRICT:
        node = node.parent
    if node.level != AreaLevel.DISTRICT:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(_("%(area)s is above district level; villages sit in a district or jamoat."), area=area),
        )
    return node


def settlement_upsert(*, code: str, area: AdminArea, name_en: str, **fields) -> tuple[Settlement, bool]:
    values = dict(area=area, district=district_of(area), name_en=name_en, **fields)
    settlement = Settlement.objects.filter(code=code).first()
    if settlement is None:
        return Settlement.objects.create(code=code, **values), True
    changed = any(getattr(settlement, k) != v for k, v in values.items())
    if changed:
        for k, v in values.items():
            setattr(settlement, k, v)
        settlement.save()
    return settlement, changed


# --- Importing gazetteer files ------------------------------------------------------------------

DEFAULT_AREAS_FILE = Path(__file__).resolve().parent / "data" / "tajikistan_admin.csv"
DEMO_VILLAGES_FILE = Path(__file__).resolve().parent / "data" / "demo_villages.csv"
MAX_LISTED_ERRORS = 20


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    aliases_added: int = 0
    kept: int = 0  # rows already stored, left as they are (missing_only)

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def __str__(self) -> str:
        counts = {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "aliases": self.aliases_added,
            "kept": self.kept,
        }
        if self.kept:
            template = gettext(
                "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(aliases)s aliases added, "
                "%(kept)s already stored and kept as they are"
            )
        else:
            template = gettext(
                "%(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(aliases)s aliases added"
            )
        return template % counts


def _rows_in_words(errors: list[RowError]) -> str:
    return "; ".join(str(e) for e in errors)


# Lazy, like the message around it: the rows are worded in the language of whoever reads the refusal.
_rows_in_words_lazy = lazy(_rows_in_words, str)


def _refuse(filename: str, errors: list[RowError]) -> BmaError:
    listed = _rows_in_words_lazy(errors[:MAX_LISTED_ERRORS])
    if len(errors) > MAX_LISTED_ERRORS:
        template = _(
            "%(file)s was not imported; nothing was changed. Fix these rows and upload it again: "
            "%(rows)s (and %(more)s more)."
        )
    else:
        template = _("%(file)s was not imported; nothing was changed. Fix these rows and upload it again: %(rows)s.")
    return BmaError(
        codes.GAZETTEER_INVALID_FILE,
        message_lazy(template, file=filename, rows=listed, more=len(errors) - MAX_LISTED_ERRORS),
        {"errors": [{"row": e.row, "message": e.message} for e in errors]},
    )


def gazetteer_import(
    filename: str, data: bytes, *, source: str = SettlementSource.GAZETTEER, missing_only: bool = False
) -> ImportReport:
    """Import an areas or villages file, all or nothing. Importing the same file again changes nothing.

    Rows are matched on ``code``; names and parents are updated in place, so codes must stay stable.
    Aliases are only ever added: an alias removed from the file stays, since old spellings keep
    turning up in informants' answers.

    ``missing_only``: only rows whose code is not stored yet are added; stored ones, and their aliases,
    stay as they are. The shipped file is loaded so at every start of the server (docker-compose.yml),
    where it must not undo what an administrator has since corrected in the admin.
    """
    try:
        table = read_table(filename, data)
        layout = detect_layout(set(table[0]) if table else set())
    except GazetteerFileError as exc:
        raise BmaError(codes.GAZETTEER_INVALID_FILE, exc.args[0]) from exc
    if layout == "areas":
        return _import_areas(filename, parse_areas(table), missing_only)
    return _import_villages(filename, parse_villages(table), source, missing_only)


def _import_areas(filename: str, parsed: Parsed, missing_only: bool = False) -> ImportReport:
    errors = list(parsed.errors)
    in_file = {row.code: row for row in parsed.rows}
    kept = {a.code: a for a in AdminArea.objects.filter(code__in=in_file)} if missing_only else {}
    existing = {a.code: a for a in AdminArea.objects.filter(code__in={r.parent_code for r in parsed.rows})}
    for row in parsed.rows:
        if not row.parent_code:
            continue
        parent_level = in_file[row.parent_code].level if row.parent_code in in_file else None
        if parent_level is None and row.parent_code in existing:
            parent_level = existing[row.parent_code].level
        if parent_level is None:
            errors.append(
                RowError(
                    row.row,
                    message_lazy(_("parent_code %(parent)s is neither in the file nor stored"), parent=row.parent_code),
                )
            )
        elif parent_level != row.level - 1:
            errors.append(
                RowError(
                    row.row,
                    message_lazy(
                        _("a %(kind)s cannot sit under %(parent)s (level %(level)s)"),
                        kind=lower_lazy(row.kind.label),
                        parent=row.parent_code,
                        level=parent_level,
                    ),
                )
            )
    if errors:
        raise _refuse(filename, sorted(errors, key=lambda e: e.row))
    report = ImportReport()
    with transaction.atomic():
        areas = dict(existing)
        for row in sorted(parsed.rows, key=lambda r: r.level):
            if row.code in kept:
                areas[row.code] = kept[row.code]
                report.kept += 1
                continue
            before = AdminArea.objects.filter(code=row.code).exists()
            area, changed = area_upsert(
                code=row.code,
                kind=row.kind,
                name_en=row.name_en,
                parent=areas.get(row.parent_code),
                name_tg=row.name_tg,
                name_ru=row.name_ru,
                pcode=row.pcode,
            )
            areas[row.code] = area
            report.count(created=not before, changed=changed)
            for alias in row.aliases:
                _alias, added = AreaAlias.objects.get_or_create(
                    area=area, name=alias, defaults={"kind": AliasKind.OTHER}
                )
                report.aliases_added += added
    return report


def _import_villages(filename: str, parsed: Parsed, source: str, missing_only: bool = False) -> ImportReport:
    errors = list(parsed.errors)
    areas = {a.code: a for a in AdminArea.objects.filter(code__in={r.area_code for r in parsed.rows})}
    for row in parsed.rows:
        area = areas.get(row.area_code)
        if area is None:
            errors.append(
                RowError(row.row, message_lazy(_("area_code %(area)s is not in the gazetteer"), area=row.area_code))
            )
        elif area.level < AreaLevel.DISTRICT:
            errors.append(
                RowError(row.row, message_lazy(_("area_code %(area)s is above district level"), area=row.area_code))
            )
    if errors:
        raise _refuse(filename, sorted(errors, key=lambda e: e.row))
    report = ImportReport()
    stored = set()
    if missing_only:
        stored = set(Settlement.objects.filter(code__in={r.code for r in parsed.rows}).values_list("code", flat=True))
    # One catch-up of the villages' followers (their entities) for the whole file, not one per row.
    with transaction.atomic(), gazetteer_bulk_write():
        for row in parsed.rows:
            if row.code in stored:
                report.kept += 1
                continue
            before = Settlement.objects.filter(code=row.code).exists()
            settlement, changed = settlement_upsert(
                code=row.code,
                area=areas[row.area_code],
                name_en=row.name_en,
                name_tg=row.name_tg,
                name_ru=row.name_ru,
                latitude=row.latitude,
                longitude=row.longitude,
                **({} if before else {"source": source, "status": SettlementStatus.OFFICIAL}),
            )
            report.count(created=not before, changed=changed)
            for alias in row.aliases:
                _alias, added = SettlementAlias.objects.get_or_create(
                    settlement=settlement, name=alias, defaults={"kind": AliasKind.OTHER}
                )
                report.aliases_added += added
    return report


def gazetteer_import_path(path: Path | str, *, missing_only: bool = False) -> ImportReport:
    path = Path(path)
    return gazetteer_import(path.name, path.read_bytes(), missing_only=missing_only)
