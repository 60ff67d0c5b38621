"""Place names in the reader's language: the gazetteer's Russian or Tajik name wherever a person reads a
place (lists, filters, select widgets, messages, desk pages), English where the gazetteer has none; the
datasets keep their explicit columns, the same whichever language the coordinator reads."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from bma.core.languages import user_language_set
from bma.geo.names import name_in_language, place_name
from bma.validation.models import QualityIssue
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_area_and_a_village_read_in_the_active_language_with_their_code(geo):
    with translation.override("tg"):
        assert str(geo.asht) == "Ноҳияи Ашт (TJ-SU-ASH)"
        assert str(geo.shaydon) == "Шайдон (V-ASH-0002)"
    with translation.override("ru"):
        assert str(geo.asht) == "Аштский район (TJ-SU-ASH)"
        assert str(geo.shaydon) == "Шайдан (V-ASH-0002)"
    with translation.override("en"):
        assert str(geo.asht) == "Asht (TJ-SU-ASH)" and str(geo.shaydon) == "Shaydon (V-ASH-0002)"


def test_a_place_without_a_name_in_the_readers_language_reads_in_english(geo):
    # Oshoba jamoat has a Tajik name only.
    with translation.override("ru"):
        assert str(geo.oshoba) == "Oshoba (TJ-SU-ASH-OSH)" and geo.oshoba.display_name == "Oshoba"
    with translation.override("tg"):
        assert geo.oshoba.display_name == "Ҷамоати деҳоти Ошоба"
        assert geo.oshoba.name_in("en") == "Oshoba"


def test_a_missing_place_reads_as_what_was_typed_and_values_pick_the_readers_name():
    assert place_name(None, "Qaroqum (typed)") == "Qaroqum (typed)"
    with translation.override("tg"):
        assert name_in_language("Asht", "Аштский район", "Ноҳияи Ашт") == "Ноҳияи Ашт"
        assert name_in_language("Asht", "Аштский район", "") == "Asht"
    with translation.override("ru"):
        assert name_in_language("Asht", "Аштский район", "Ноҳияи Ашт") == "Аштский район"


def _changelist(client, user, name: str, language: str, **params) -> str:
    user_language_set(user, language)
    client.force_login(user)
    response = client.get(reverse(f"admin:{name}_changelist"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("language", "district"), [("tg", "Ноҳияи Ашт"), ("ru", "Аштский район")])
def test_the_assessment_list_names_its_villages_and_district_filter_in_the_readers_language(
    client, receive, personas, language, district
):
    from bma.assessments.models import VillageAssessment

    receive("b2_2026112202.xml")
    VillageAssessment.objects.update(village_id=personas.geo.shaydon.pk)
    page = _changelist(client, personas.coordinator, "assessments_villageassessment", language)
    shaydon = personas.geo.shaydon.name_in(language)
    assert '<th class="field-village_name"><a href="/admin/assessments/villageassessment/' in page
    assert f">{shaydon}</a></th>" in page
    assert district in page  # the district column and its list filter
    assert "Shaydon" not in page and "Asht (TJ-SU-ASH)" not in page


@pytest.mark.parametrize(("language", "district"), [("tg", "Ноҳияи Ашт"), ("ru", "Аштский район")])
def test_the_quality_issue_list_names_districts_in_the_readers_language(client, receive, personas, language, district):
    from bma.assessments.models import VillageAssessment

    receive("b2_2026112202.xml")
    assessment = VillageAssessment.objects.get()
    QualityIssue.objects.create(
        village_assessment=assessment,
        round=personas.round,
        district=personas.geo.asht,
        code="test_rule",
        severity="warning",
        message="A test issue.",
    )
    page = _changelist(client, personas.coordinator, "validation_qualityissue", language)
    assert f"{district} (TJ-SU-ASH)" in page  # the district column and the district filter
    assert "Asht (TJ-SU-ASH)" not in page


@pytest.mark.parametrize(("language", "village"), [("tg", "Панҷ"), ("ru", "Пяндж")])
def test_the_referral_queue_names_districts_and_linked_villages_in_the_readers_language(
    client, unclear, personas, language, village
):
    from bma.referrals.services import match_link

    match_link(unclear, "V-PAN-0001", personas.coordinator)
    page = _changelist(client, personas.coordinator, "referrals_referralmatch", language, state__exact="linked")
    assert f"{village} (V-PAN-0001)" in page  # the linked village column
    assert personas.geo.panj.name_in(language) in page  # the district filter
    assert "Panj (V-PAN-0001)" not in page


def test_linking_from_the_queue_says_the_village_in_the_readers_language(client, unclear, personas):
    user_language_set(personas.coordinator, "tg")
    client.force_login(personas.coordinator)
    response = client.post(
        reverse("admin:referrals_referralmatch_decide", args=[unclear.pk]), {"village": "V-PAN-0103"}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("V-PAN-0103" in m and "Navobod" in m for m in shown), shown  # no Tajik name: English
    factories.make_village("V-PAN-0104", personas.geo.panj, "Yangiobod", name_tg="Янгиобод")
    from bma.referrals.models import ReferralMatch

    ReferralMatch.objects.filter(pk=unclear.pk).update(state="pending", village=None)
    response = client.post(
        reverse("admin:referrals_referralmatch_decide", args=[unclear.pk]), {"village": "V-PAN-0104"}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("Янгиобод (V-PAN-0104)" in m for m in shown), shown


def _csv_tables(round_, user, language) -> dict[str, bytes]:
    from bma.exports.services import export_job_run
    from bma.exports.tasks import export_job_start

    user_language_set(user, language)
    job = export_job_run(export_job_start(round=round_, user=user, format="csv").pk)
    assert job.language == language
    with job.file.open("rb") as raw, zipfile.ZipFile(io.BytesIO(raw.read())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_dataset_holds_the_same_bytes_whichever_language_the_coordinator_reads(two_villages, personas):
    english = _csv_tables(two_villages, personas.coordinator, "en")
    for language in ("ru", "tg"):
        with translation.override(language):
            other = _csv_tables(two_villages, personas.coordinator, language)
        assert set(other) == set(english)
        # Only the codebook speaks the reader's language; every data table is byte for byte the same.
        assert other["codebook.csv"] != english["codebook.csv"]
        for name in set(english) - {"codebook.csv"}:
            assert other[name] == english[name], (language, name)
    villages = english["villages.csv"].decode("utf-8-sig")
    assert "Asht" in villages and "Oshoba" in villages and "Ноҳияи Ашт" not in villages
