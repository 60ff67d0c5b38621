"""Villages created offline on tablets (ODK entities, issue 32) follow the referral queue's decisions, as
the tablets see them through the OpenRosa manifest, the entity list's CSV and the integrity URL."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from bma.entities.blocks import EntityBlock
from bma.entities.models import VILLAGES, Entity
from bma.entities.services import provisional_entities_create
from bma.geo.models import Settlement
from bma.referrals.models import MatchState, ReferralMatch
from bma.submissions.auth import collect_token_issue
from tests.entities.test_villages_entity_list import MANIFEST_NS, RECORDED, _publish

pytestmark = pytest.mark.django_db
QUEUE = "admin:referrals_referralmatch_changelist"
TABLET_1 = "7d8a1c52-0d1e-4a57-9a3a-0a6f2b7c5e01"
TABLET_2 = "7d8a1c52-0d1e-4a57-9a3a-0a6f2b7c5e02"


@pytest.fixture
def device(personas, client):
    _publish((RECORDED / "forms" / "village_visit.xml").read_text(), "village_visit", ["villages.csv"])
    token = collect_token_issue(personas.enumerator, "tablet")

    def get(path: str):
        return client.get(f"/collect/key/{token.token}/{path}", headers={"X-OpenRosa-Version": "1.0"})

    return get


def tablet_creates(match: ReferralMatch, entity_id: str, label: str | None = None) -> Entity:
    """The entity the B2's referral row created on the tablet, as processing stores it from its block."""
    block = EntityBlock(VILLAGES, entity_id, True, False, label or match.name, {"district": match.district_code}, row=1)
    (entity,), errors = provisional_entities_create([block], match.village_assessment.root_instance_id)
    assert errors == []
    return entity


def served(device) -> dict[str, dict]:
    """The entity list as the tablet downloads it: from the manifest's downloadUrl."""
    manifest = ET.fromstring(device("forms/village_visit/manifest").content)
    (entry,) = manifest.findall(f"{MANIFEST_NS}mediaFile")
    path = entry.findtext(f"{MANIFEST_NS}downloadUrl").split("/collect/key/", 1)[1].split("/", 1)[1]
    return {row["name"]: row for row in csv.DictReader(io.StringIO(device(path).content.decode()))}


def deleted(device, *ids) -> dict[str, bool]:
    answer = ET.fromstring(device(f"datasets/villages/integrity?id={','.join(ids)}").content)
    return {e.get("id"): e.findtext("deleted") == "true" for e in answer.iter("entity")}


def decide(client, match, **data):
    return client.post(
        reverse("admin:referrals_referralmatch_decide", args=[match.pk]),
        data,
        HTTP_REFERER="http://testserver" + reverse(QUEUE),
        follow=True,
    )


def test_a_queue_link_updates_the_tablets_entity_and_integrity_retires_the_duplicate(
    client, unclear, khatlon_supervisor, device
):
    """Linked to a known village: the tablet's entity takes the gazetteer's label at version 2 and is
    deleted as merged into the village's own entity, which tablets keep; integrity says so."""
    Settlement.objects.filter(code="V-PAN-0101").update(name_tg="Янгиобод")
    village = Settlement.objects.get(code="V-PAN-0101")
    village.save()  # the village's entity takes its Tajik name too (version 2 of its own)
    own = Entity.objects.get(settlement=village)
    entity = tablet_creates(unclear, TABLET_1)
    assert served(device)[TABLET_1]["__version"] == "1"

    client.force_login(khatlon_supervisor)
    decide(client, unclear, village="V-PAN-0101")

    entity.refresh_from_db()
    assert (entity.version, entity.label, entity.merged_into) == (2, "Yangiobod (Янгиобод)", village)
    rows = served(device)
    assert TABLET_1 not in rows and rows[str(own.uuid)]["label"] == "Yangiobod (Янгиобод)"
    assert deleted(device, TABLET_1, str(own.uuid)) == {TABLET_1: True, str(own.uuid): False}


def test_a_new_village_from_the_queue_keeps_the_tablets_entity_at_version_2(
    client, unclear, khatlon_supervisor, device
):
    """Confirmed as new: the tablet's id stays (its forms hold it), now at version 2 with the gazetteer's
    label and code; the entity the new village got a moment ago is the retired duplicate."""
    entity = tablet_creates(unclear, TABLET_1, label="yangiobod")  # typed in lower case: said alike
    client.force_login(khatlon_supervisor)
    decide(client, unclear, create="1")
    unclear.refresh_from_db()
    village = unclear.village
    row = served(device)[TABLET_1]
    assert (row["__version"], row["label"], row["code"], row["status"]) == (
        "2",
        "Yangiobod",
        village.code,
        "provisional",
    )
    duplicate = Entity.objects.get(merged_into=village, deleted_at__isnull=False)
    assert deleted(device, TABLET_1, str(duplicate.uuid)) == {TABLET_1: False, str(duplicate.uuid): True}
    assert [r["name"] for r in served(device).values() if r["code"] == village.code] == [TABLET_1]
    entity.refresh_from_db()
    assert not entity.provisional and entity.settlement == village


@pytest.mark.parametrize("decision", ["not_village", "reject"])
def test_rejected_or_not_a_village_removes_the_tablets_entity(unclear, khatlon_supervisor, device, decision):
    from bma.referrals.services import match_not_village, match_reject

    tablet_creates(unclear, TABLET_1)
    (match_not_village if decision == "not_village" else match_reject)(unclear, khatlon_supervisor)
    assert TABLET_1 not in served(device)
    assert deleted(device, TABLET_1) == {TABLET_1: True}
    assert Settlement.objects.filter(name_en="Yangiobod").count() == 2  # nothing added to the gazetteer


def test_two_offline_creations_of_one_village_end_as_one_village_with_the_conflict_shown(
    client, receive, unclear, khatlon_supervisor, device
):
    """Two tablets created "Yangiobod" offline in Panj, each its own entity. The queue shows both came
    from tablets as one village; made a new village from the first and the second linked to it, the
    tablets end with one entity (the first's) and the second deleted as merged into it."""
    receive("b2_2026112202.xml", {"uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second-tablet"})
    first, second = ReferralMatch.objects.filter(name="Yangiobod").order_by("pk")
    assert second.state == MatchState.PENDING and first.pk == unclear.pk
    tablet_creates(first, TABLET_1)
    tablet_creates(second, TABLET_2)
    assert {TABLET_1, TABLET_2} <= set(served(device))

    client.force_login(khatlon_supervisor)
    page = client.get(reverse(QUEUE), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("Created on a tablet, waiting for this decision; also created offline on 1 other tablet") == 2

    decide(client, first, create="1")
    first.refresh_from_db()
    decide(client, second, village=first.village.code)

    live = Entity.objects.filter(deleted_at__isnull=True, settlement=first.village)
    assert [str(e.uuid) for e in live] == [TABLET_1]
    assert Entity.objects.get(uuid=TABLET_2).merged_into == first.village
    rows = served(device)
    assert TABLET_2 not in rows and rows[TABLET_1]["code"] == first.village.code
    assert deleted(device, TABLET_1, TABLET_2) == {TABLET_1: False, TABLET_2: True}
    # The queue's linked names say the same: two tablets, one village.
    page = client.get(reverse(QUEUE) + "?state__exact=linked", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Created on a tablet; now the village&#x27;s entry on the tablets; also created offline on 1 other" in page
    assert "Created on a tablet; merged into the village&#x27;s entry on the tablets; also created offline" in page


def test_names_matching_decides_at_once_make_the_tablets_entities_one_village(receive, personas, device):
    """No supervisor needed for one entry on the tablets: a name nothing matches becomes a new provisional
    village at processing, and takes the first tablet's entity (still provisional, at version 1, until a
    supervisor confirms it); the second tablet's same name then matches that village exactly, and its
    entity is deleted as merged into it (bma/referrals/entities.py: referral_entities_follow)."""
    from bma.referrals.entities import referral_entities_follow

    first_b2 = receive("b2_2026112202.xml")
    (first,) = ReferralMatch.objects.filter(name="Yangiobod")
    assert first.outcome == "new"
    tablet_creates(first, TABLET_1)
    referral_entities_follow([first_b2.root_instance_id])
    second_b2 = receive("b2_2026112202.xml", {"uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second-tablet"})
    second = ReferralMatch.objects.get(name="Yangiobod", source_key__startswith=second_b2.root_instance_id)
    assert (second.outcome, second.village) == ("exact", first.village)
    tablet_creates(second, TABLET_2)
    referral_entities_follow([second_b2.root_instance_id])
    referral_entities_follow([first_b2.root_instance_id, second_b2.root_instance_id])  # again: no change

    assert [str(e.uuid) for e in Entity.objects.filter(settlement=first.village, deleted_at__isnull=True)] == [TABLET_1]
    assert deleted(device, TABLET_1, TABLET_2) == {TABLET_1: False, TABLET_2: True}
    assert served(device)[TABLET_1]["__version"] == "1"
    assert Entity.objects.get(uuid=TABLET_1).provisional
    # Confirmed in the gazetteer: the entry becomes the village's, named as the gazetteer names it.
    first.village.status = "official"
    first.village.save()
    assert served(device)[TABLET_1]["__version"] == "2"
    assert not Entity.objects.get(uuid=TABLET_1).provisional


def test_the_assessment_page_says_what_became_of_the_village_its_tablet_created(
    client, unclear, khatlon_supervisor, personas
):
    tablet_creates(unclear, TABLET_1)
    client.force_login(personas.coordinator)
    url = reverse("admin:assessments_villageassessment_change", args=[unclear.village_assessment_id])
    assert (
        "Created on a tablet, waiting for this decision" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Создано на планшете, ждёт этого решения" in page
