"""Small builders for test data. Plain functions, no magic: each returns what it made."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from bma.core.roles import role_assign
from bma.geo.models import AreaKind
from bma.geo.services import area_upsert, settlement_upsert
from bma.rounds.models import Assignment, Round, RoundState

User = get_user_model()


def make_area(code, kind, name_en, parent=None, **kw):
    area, _ = area_upsert(code=code, kind=kind, name_en=name_en, parent=parent, **kw)
    return area


def make_village(code, area, name_en, **kw):
    village, _ = settlement_upsert(code=code, area=area, name_en=name_en, **kw)
    return village


def make_round(number=2, state=RoundState.OPEN, **kw):
    defaults = dict(
        name=f"Round {number}",
        collection_start=dt.date(2023, 8, 1),
        collection_end=dt.date(2023, 8, 31),
        reference_start=dt.date(2020, 1, 1),
        reference_end=dt.date(2023, 12, 31),
        state=state,
    )
    defaults.update(kw)
    return Round.objects.create(number=number, **defaults)


def make_user(username, role=None, password="pass-for-tests-1", **kw):
    # The role first, then set_password (not create_user, which hashes directly): an enumerator's
    # Digest credential is written when the password is set on an account that already collects.
    user = User.objects.create(username=username, **kw)
    if role:
        role_assign(user, role)
        if role in ("supervisor", "coordinator", "administrator"):
            user.is_staff = True
    user.set_password(password)
    user.save()
    return user


def assign(user, area, round, role):
    return Assignment.objects.create(user=user, area=area, round=round, role=role)


def small_gazetteer():
    """Two provinces, three districts, a jamoat and four villages: enough for scoping and matching."""
    tj = make_area("TJ", AreaKind.COUNTRY, "Tajikistan", name_tg="Тоҷикистон", name_ru="Таджикистан")
    sughd = make_area("TJ-SU", AreaKind.PROVINCE, "Sughd", tj, name_tg="Вилояти Суғд", name_ru="Согдийская область")
    khatlon = make_area(
        "TJ-KT", AreaKind.PROVINCE, "Khatlon", tj, name_tg="Вилояти Хатлон", name_ru="Хатлонская область"
    )
    asht = make_area("TJ-SU-ASH", AreaKind.DISTRICT, "Asht", sughd, name_tg="Ноҳияи Ашт", name_ru="Аштский район")
    khujand = make_area("TJ-SU-KHU", AreaKind.CITY, "Khujand", sughd, name_tg="Шаҳри Хуҷанд", name_ru="г. Худжанд")
    panj = make_area("TJ-KT-PAN", AreaKind.DISTRICT, "Panj", khatlon, name_tg="Ноҳияи Панҷ", name_ru="Пянджский район")
    oshoba = make_area("TJ-SU-ASH-OSH", AreaKind.JAMOAT, "Oshoba", asht, name_tg="Ҷамоати деҳоти Ошоба")
    villages = {
        "oshoba_village": make_village("V-ASH-0001", oshoba, "Oshoba", name_tg="Ошоба", name_ru="Ошоба"),
        "shaydon": make_village("V-ASH-0002", asht, "Shaydon", name_tg="Шайдон", name_ru="Шайдан"),
        "buston_asht": make_village("V-ASH-0003", asht, "Buston", name_tg="Бӯстон", name_ru="Бустон"),
        "panj_centre": make_village("V-PAN-0001", panj, "Panj", name_tg="Панҷ", name_ru="Пяндж"),
    }
    return dict(tj=tj, sughd=sughd, khatlon=khatlon, asht=asht, khujand=khujand, panj=panj, oshoba=oshoba, **villages)
