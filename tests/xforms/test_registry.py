"""Publishing forms and keeping list files: what coordinators and devices rely on."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bma.core.errors import BmaError
from bma.geo.models import SettlementSource, SettlementStatus
from bma.xforms.build import BuiltForm
from bma.xforms.models import Form, FormVersion, ListFile
from bma.xforms.services import form_publish, list_files_refresh
from bma.xforms.workbooks import FORMS_DIR
from tests import factories

pytestmark = pytest.mark.django_db


def test_publishing_the_same_form_again_changes_nothing(built_forms):
    b2 = built_forms["b2_village.xlsx"]
    first, created = form_publish(b2, b"xlsx")
    again, created_again = form_publish(b2, b"xlsx")
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and FormVersion.objects.count() == 1
    assert Form.objects.get().kind == "b2"


def test_changed_form_under_the_same_version_is_refused(built_forms):
    b2 = built_forms["b2_village.xlsx"]
    form_publish(b2, b"xlsx")
    changed = BuiltForm(**{**b2.__dict__, "xml": b2.xml + " ", "xml_md5": "0" * 32})
    with pytest.raises(BmaError, match="already published with different content. Raise the version"):
        form_publish(changed, b"xlsx2")
    assert FormVersion.objects.get().xml == b2.xml


def test_publish_forms_command_publishes_three_forms_and_list_files(built_forms, open_round, geo, capsys):
    call_command("publish_forms")
    assert set(Form.objects.values_list("xml_form_id", flat=True)) == {"bma_b1", "bma_b2", "bma_spot_check"}
    assert ListFile.objects.filter(round=open_round, filename="villages.csv").exists()
    call_command("publish_forms")
    assert "unchanged" in capsys.readouterr().out
    assert FormVersion.objects.count() == 3


def test_village_list_includes_provisional_villages_and_its_hash_moves(open_round, geo):
    list_files_refresh(open_round)
    before = ListFile.objects.get(round=open_round, filename="villages.csv")
    assert list_files_refresh(open_round)["villages.csv"] is False  # nothing new: same MD5
    factories.make_village(
        "V-ASH-0900", geo.asht, "Yangiobod", status=SettlementStatus.PROVISIONAL, source=SettlementSource.REFERRAL
    )
    assert list_files_refresh(open_round)["villages.csv"] is True
    after = ListFile.objects.get(round=open_round, filename="villages.csv")
    text = bytes(after.content).decode()
    # No Russian or Tajik name yet: those label columns fall back to the English name.
    assert "V-ASH-0900,Yangiobod,Yangiobod,Yangiobod,TJ-SU-ASH,provisional" in text
    assert text.startswith("name,label,label_ru,label_tg,district,status\n") and "\nother," in text
    assert after.md5 != before.md5 == hashlib.md5(bytes(before.content)).hexdigest()


def test_coordinator_uploads_any_valid_xlsform_and_sees_problems_in_plain_words(client, personas, built_forms):
    client.force_login(personas.coordinator)
    url = reverse("admin:xforms_form_upload")
    good = SimpleUploadedFile("spot_check.xlsx", (FORMS_DIR / "spot_check.xlsx").read_bytes())
    response = client.post(url, {"xlsform": good}, follow=True)
    assert "bma_spot_check version" in str(list(response.context["messages"])[0])
    bad = SimpleUploadedFile("broken.xlsx", b"not a workbook")
    response = client.post(url, {"xlsform": bad}, follow=True)
    problems = [str(m) for m in response.context["messages"]]
    assert any("broken.xlsx" in m for m in problems), problems
    assert FormVersion.objects.count() == 1


def test_supervisor_cannot_upload_forms(client, personas):
    client.force_login(personas.supervisor)
    assert client.get(reverse("admin:xforms_form_upload")).status_code == 403


def test_the_version_in_the_field_keeps_asking_2020_to_2023_and_the_round(published_forms):
    from bma.xforms.build import form_years

    legacy = published_forms["bma_b2"]
    assert legacy.version == "2026112202"
    assert form_years(legacy.xml) == (2020, 2021, 2022, 2023)
    assert "<round/>" in legacy.xml
