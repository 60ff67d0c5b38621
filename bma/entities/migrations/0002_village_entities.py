"""Entities for the villages of a database upgraded from before the entities app.

The signals (bma/entities/signals.py) make an entity for each village saved from now on; the villages
already in the gazetteer get theirs here, labelled as bma.entities.services.village_data labels them
(copied, as a migration must not follow the code's later changes). Running it again adds nothing.
"""

import uuid

from django.db import migrations

VILLAGES = "villages"


def _label(settlement) -> str:
    en, tg = settlement.name_en, (settlement.name_tg or "").strip()
    return f"{en} ({tg})" if tg and tg != en else en


def village_entities_create(apps, schema_editor):
    Settlement = apps.get_model("geo", "Settlement")
    Entity = apps.get_model("entities", "Entity")
    have = set(Entity.objects.filter(dataset=VILLAGES, settlement__isnull=False).values_list("settlement_id", flat=True))
    new = []
    for settlement in Settlement.objects.select_related("area", "district").order_by("pk").iterator(chunk_size=2000):
        if settlement.pk in have:
            continue
        new.append(
            Entity(
                dataset=VILLAGES,
                uuid=uuid.uuid4(),
                version=1,
                settlement=settlement,
                label=_label(settlement),
                properties={
                    "code": settlement.code,
                    "district": settlement.district.code,
                    "jamoat": settlement.area.code if settlement.area.kind == "jamoat" else "",
                    "name_ru": settlement.name_ru or "",
                    "name_tg": settlement.name_tg or "",
                    "status": settlement.status,
                },
            )
        )
    Entity.objects.bulk_create(new, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("entities", "0001_initial"),
        ("geo", "0001_squashed_0002_translatable_names"),
    ]

    operations = [migrations.RunPython(village_entities_create, migrations.RunPython.noop)]
