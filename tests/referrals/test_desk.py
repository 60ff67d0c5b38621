"""Referrals' section of the assessment page: each named village, its district and what became of it,
in the supervisor's language (the gazetteer's names included)."""

import pytest
from django.urls import reverse

from bma.core.languages import user_language_set
from bma.referrals.services import match_link

pytestmark = pytest.mark.django_db


def _section(client, user, assessment) -> str:
    client.force_login(user)
    page = client.get(reverse("admin:assessments_villageassessment_change", args=[assessment.pk])).content.decode()
    return page[page.index('<table id="referral-states">') :].split("</table>", 1)[0]


def test_a_tajik_supervisor_reads_the_named_villages_district_and_link_in_tajik(client, unclear, personas):
    match_link(unclear, "V-PAN-0001", personas.coordinator)
    user_language_set(personas.supervisor, "tg")
    section = _section(client, personas.supervisor, unclear.village_assessment)
    assert "<td>Yangiobod</td><td>Ноҳияи Панҷ</td>" in section  # the name as the informant said it
    assert "Ба Панҷ пайваст шуд" in section and "Panj" not in section and "TJ-KT-PAN" not in section


def test_a_waiting_name_reads_as_waiting_in_english(client, unclear, personas):
    section = _section(client, personas.coordinator, unclear.village_assessment)
    assert "<td>Yangiobod</td><td>Panj</td>" in section
    assert "Waiting for a supervisor to say which village this is." in section


def test_a_decided_unclear_name_no_longer_reads_as_waiting_in_how_it_was_matched(client, unclear, personas):
    match_link(unclear, "V-PAN-0001", personas.coordinator)
    section = _section(client, personas.coordinator, unclear.village_assessment)
    assert "Unclear name, linked to a village by coordinator" in section
    assert "Unclear: waiting for a supervisor" not in section
    user_language_set(personas.supervisor, "ru")
    section = _section(client, personas.supervisor, unclear.village_assessment)
    assert "Неясное название, связано с селом (решение: coordinator)" in section
