"""The assessment page in the supervisor's language: a Tajik-speaking supervisor reads the populations,
countries, reasons, services and places of a received B2 in Tajik, not in English."""

import pytest
from django.urls import reverse

from bma.assessments import models as m
from bma.core.languages import user_language_set
from bma.xforms import codelists as cl

pytestmark = pytest.mark.django_db


def page_of(client, user):
    client.force_login(user)
    assessment = m.VillageAssessment.objects.get()
    response = client.get(reverse("admin:assessments_villageassessment_change", args=[assessment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_tajik_supervisor_reads_the_assessment_page_in_tajik(client, receive, personas):
    receive("b2_2026112202.xml")
    user_language_set(personas.supervisor, "tg")
    page = page_of(client, personas.supervisor)
    assert cl.POPULATIONS["ret"][2] in page and cl.POPULATIONS["imw"][2] in page
    assert cl.REASONS["employment"][2] in page and cl.REASONS["work_permit"][2] in page
    assert cl.COUNTRIES["RU"][2] in page and cl.SERVICES["hospital"][2] in page
    assert cl.DISTANCE_BANDS["11_15"][2] in page and cl.MIGRATION_TYPES["long_term"][2] in page
    assert "Ҳастанд" in page and "Кишварҳо" in page
    # Places by the gazetteer's Tajik names: the village in the heading, the district among the fields.
    assert "B2 Ошоба (V-ASH-0001)" in page and "Ноҳияи Ашт" in page
    # What the raw submission hides, said in Tajik too (the answers themselves stay as received).
    assert "ҷавоби шахсӣ" in page and "personal answer" not in page
    for english in ("Return migrants", "Employment", "Russian Federation", "Hospital", "Countries"):
        assert english not in page, english


def test_an_english_supervisor_still_reads_english_labels(client, receive, personas):
    receive("b2_2026112202.xml")
    user_language_set(personas.supervisor, "en")
    page = page_of(client, personas.supervisor)
    assert "Return migrants" in page and "Employment opportunities" in page and "Hospital" in page
    assert "Countries" in page and "Present" in page
    assert cl.POPULATIONS["ret"][2] not in page
