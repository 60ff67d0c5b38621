"""The villages' entities stay in step with the gazetteer however it is written (issue 32): one village
saved (signals), a bulk import (one catch-up at its end), a queryset update that sends no signal (found by
the cheap check the list-file refresh runs), and a database upgraded from before the entities app."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bma.entities.blocks import EntityBlock
from bma.entities.models import VILLAGES, Entity
from bma.entities.services import provisional_entities_create, village_entities_stale
from bma.geo.models import Settlement
from bma.geo.services import gazetteer_import
from bma.xforms.services import list_files_refresh


@pytest.mark.django_db
def test_a_bulk_queryset_update_of_names_reaches_the_entities_at_the_next_list_refresh(personas, geo):
    assert not village_entities_stale()
    with mock.patch("bma.entities.services.village_entities_sync") as full:
        list_files_refresh(personas.round)
    assert not full.called  # nothing changed behind the signals' back: no full scan
    entity = Entity.objects.get(settlement=geo.shaydon)
    Settlement.objects.filter(district=geo.asht).update(name_tg="Нав")  # no signal sent
    assert village_entities_stale()
    list_files_refresh(personas.round)
    entity.refresh_from_db()
    assert (entity.version, entity.label, entity.properties["name_tg"]) == (2, "Shaydon (Нав)", "Нав")
    assert not village_entities_stale()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"status": "provisional"},
        {"name_en": "Oshoba Bolo"},
        {"name_ru": ""},
        {"code": "V-ASH-0999"},
    ],
)
def test_each_property_a_form_reads_is_checked(geo, change):
    Settlement.objects.filter(pk=geo.oshoba_village.pk).update(**change)
    assert village_entities_stale()


@pytest.mark.django_db
def test_a_bulk_insert_and_a_tablets_provisional_entity(geo, personas):
    """A village inserted without a signal gets its entity; a tablet's provisional entity (no village
    yet) is neither stale nor deleted by the full sync."""
    block = EntityBlock(VILLAGES, "0b7a4f4e-2c1d-4c52-8d0e-2f7f0d3a1b11", True, False, "Navobod", row=1)
    (provisional,), _ = provisional_entities_create([block], "uuid:tablet")
    assert not village_entities_stale()
    Settlement.objects.bulk_create(
        [Settlement(code="V-ASH-0777", area=geo.asht, district=geo.asht, name_en="Bulk", status="official")]
    )
    assert village_entities_stale()
    list_files_refresh(personas.round)
    assert Entity.objects.get(settlement__code="V-ASH-0777").label == "Bulk"
    provisional.refresh_from_db()
    assert provisional.deleted_at is None and provisional.provisional


@pytest.mark.django_db
def test_a_gazetteer_import_catches_the_entities_up_once_not_per_village(geo):
    rows = "\n".join(f"V-ASH-1{n:03d},TJ-SU-ASH,Village {n},Деҳа {n},Село {n}" for n in range(30))
    data = f"code,area_code,name_en,name_tg,name_ru\n{rows}\n".encode()
    with mock.patch("bma.entities.signals.village_entity_sync") as per_village:
        report = gazetteer_import("villages.csv", data)
    assert report.created == 30 and not per_village.called
    entity = Entity.objects.get(settlement__code="V-ASH-1007")
    assert (entity.label, entity.properties["name_ru"], entity.version) == ("Village 7 (Деҳа 7)", "Село 7", 1)
    assert not village_entities_stale()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_villages_their_entities(geo):
    """A database from before the entities app: villages, no entities. Migrating makes one per village,
    labelled as the signals would; the villages saved since keep theirs."""
    executor = MigrationExecutor(connection)
    executor.migrate([("entities", "0001_initial")])
    with connection.cursor() as cursor:  # the table as 0001 made it: no model of a later state
        cursor.execute("DELETE FROM entities_entity")
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("entities"))
    entities = Entity.objects.filter(dataset=VILLAGES)
    assert {e.settlement.code for e in entities} == set(Settlement.objects.values_list("code", flat=True))
    assert entities.get(settlement=geo.oshoba_village).label == "Oshoba (Ошоба)"
    assert not village_entities_stale()


@pytest.mark.django_db
def test_the_admins_village_import_catches_the_entities_up_once(geo):
    import tablib

    from bma.geo.resources import SettlementResource

    exported = SettlementResource().export()
    data = tablib.Dataset(headers=exported.headers)
    for n in range(5):
        data.append([f"V-ASH-08{n:02d}", "TJ-SU-ASH", f"Imported {n}", "", "", "", "", "official", "gazetteer"])
    with mock.patch("bma.entities.signals.village_entity_sync") as per_village:
        result = SettlementResource().import_data(data, raise_errors=True)
    assert not result.has_errors() and not per_village.called
    assert Entity.objects.get(settlement__code="V-ASH-0803").label == "Imported 3"
    assert not village_entities_stale()
