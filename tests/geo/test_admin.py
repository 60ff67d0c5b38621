"""The gazetteer in the admin: coordinators import files, supervisors see their own areas only."""

import pytest
from django.urls import reverse

from bma.geo.models import AdminArea, Settlement

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_supervisor_sees_only_villages_in_assigned_province(client, personas):
    response = login(client, personas.supervisor).get(reverse("admin:geo_settlement_changelist"))
    assert response.status_code == 200
    shown = {s.code for s in response.context["cl"].queryset}
    assert shown == {"V-ASH-0001", "V-ASH-0002", "V-ASH-0003"}  # Panj (Khatlon) is not theirs


def test_supervisor_cannot_edit_or_import_the_gazetteer(client, personas):
    login(client, personas.supervisor)
    village = Settlement.objects.get(code="V-ASH-0001")
    assert client.post(reverse("admin:geo_settlement_change", args=[village.pk]), {}).status_code == 403
    assert client.get(reverse("admin:geo_gazetteer_import")).status_code == 403


def test_enumerator_has_no_admin_access(client, personas):
    response = login(client, personas.enumerator).get(reverse("admin:geo_settlement_changelist"))
    assert response.status_code == 302  # sent to the login page: enumerators are not staff


def test_coordinator_import_lists_bad_rows_and_keeps_everything(client, personas):
    login(client, personas.coordinator)
    before = AdminArea.objects.count()
    upload = b"code,parent_code,kind,name_en,name_tg,name_ru,pcode,aliases\nTJ-SU-ZZ,TJ-SU,hamlet,Zz,,,,\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("admin:geo_gazetteer_import"), {"file": SimpleUploadedFile("areas.csv", upload)}, follow=True
    )
    assert response.status_code == 200
    assert response.context["row_errors"][0]["row"] == 2
    assert "hamlet" in response.content.decode() and "is not one of" in response.content.decode()
    assert AdminArea.objects.count() == before


def test_coordinator_import_adds_villages(client, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, personas.coordinator)
    upload = "code,area_code,name_en,name_tg,name_ru,latitude,longitude,aliases\nV-ASH-0200,TJ-SU-ASH,Гулистон,Гулистон,,,,\n"
    response = client.post(
        reverse("admin:geo_gazetteer_import"),
        {"file": SimpleUploadedFile("villages.csv", upload.encode())},
        follow=True,
    )
    assert "villages.csv imported: 1 created" in [str(m) for m in response.context["messages"]][0]
    assert Settlement.objects.get(code="V-ASH-0200").district.code == "TJ-SU-ASH"


def test_village_cannot_be_placed_directly_under_a_province(client, personas):
    login(client, personas.coordinator)
    response = client.post(
        reverse("admin:geo_settlement_add"),
        {
            "code": "V-NEW",
            "area": personas.geo.sughd.pk,
            "name_en": "Nowhere",
            "status": "official",
            "source": "admin",
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "villages sit below province level" in response.content.decode()
    assert not Settlement.objects.filter(code="V-NEW").exists()
