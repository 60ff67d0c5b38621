"""Unclear referral names: candidates of one name told apart (jamoat, code), the village whose informants
named it, and a "not a village" decision that closes the name without adding it (issue 31)."""

import pytest

from bma.core.languages import user_language_set
from bma.geo.models import AreaKind, Settlement
from bma.referrals.models import MatchState, ReferralMatch, VisitPlanEntry
from tests import factories


@pytest.mark.django_db
def test_candidates_of_one_name_show_jamoat_code_and_who_named_them(client, unclear, personas):
    panj = personas.geo.panj
    for code, jamoat in (("V-PAN-0101", "Kabodiyon"), ("V-PAN-0102", "Nuri Vahdat")):
        area = factories.make_area(f"J-{code}", AreaKind.JAMOAT, jamoat, parent=panj)
        Settlement.objects.filter(code=code).update(area=area)
    client.force_login(personas.coordinator)
    user_language_set(personas.coordinator, "ru")

    page = client.get("/admin/referrals/referralmatch/").content.decode()

    assert "V-PAN-0101" in page and "V-PAN-0102" in page  # the codes on the buttons of the two Yangiobod
    assert "Kabodiyon" in page and "Nuri Vahdat" in page
    assert "Кто назвал" in page and "Ошоба" in page  # Oshoba's informants named it


@pytest.mark.django_db
def test_not_a_village_closes_the_name_without_adding_it_and_records_who_and_when(client, unclear, personas):
    villages, plan = Settlement.objects.count(), VisitPlanEntry.objects.count()
    client.force_login(personas.coordinator)
    user_language_set(personas.coordinator, "tg")
    queue = client.get("/admin/referrals/referralmatch/").content.decode()
    assert 'name="not_village"' in queue and "Деҳа нест" in queue

    response = client.post(f"/admin/referrals/referralmatch/{unclear.pk}/decide/", {"not_village": "1"})

    assert response.status_code == 302
    unclear.refresh_from_db()
    assert unclear.state == MatchState.NOT_VILLAGE and unclear.village is None
    assert unclear.decided_by == personas.coordinator and unclear.decided_at is not None
    assert Settlement.objects.count() == villages and VisitPlanEntry.objects.count() == plan
    # No longer waiting in the queue; the assessment page says what became of it, by whom.
    assert not ReferralMatch.objects.filter(state=MatchState.PENDING, pk=unclear.pk).exists()
    page = client.get(f"/admin/assessments/villageassessment/{unclear.village_assessment_id}/change/").content.decode()
    assert "Деҳа нест: бе илова баста шуд, coordinator" in page
