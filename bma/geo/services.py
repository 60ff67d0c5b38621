"""Writing the gazetteer. Every area and settlement is created or updated through these functions."""

from __future__ import annotations

from django.db import transaction

from bma.core.errors import BmaError, codes
from bma.geo.models import KIND_LEVEL, AdminArea, AreaKind, AreaLevel, Settlement


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
            raise BmaError(codes.INVALID_INPUT, f"Area {code}: a country has no parent area.")
    elif parent is None or parent.level != expected_parent_level:
        raise BmaError(
            codes.INVALID_INPUT,
            f"Area {code}: a {kind.label.lower()} must sit under a level-{expected_parent_level} area "
            f"({AreaLevel(expected_parent_level).label.lower()}).",
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
        for k, v in values.items():
            setattr(area, k, v)
        area.save()
    return area, changed


def district_of(area: AdminArea) -> AdminArea:
    """The district-level (admin 2) area at or above ``area``."""
    node = area
    while node.level > AreaLevel.DISTRICT:
        node = node.parent
    if node.level != AreaLevel.DISTRICT:
        raise BmaError(codes.INVALID_INPUT, f"{area} is above district level; villages sit in a district or jamoat.")
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
