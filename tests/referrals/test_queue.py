"""The referral queue: each unclear name with its candidates, linked or made a new village in one click."""

import json

import pytest
from django.urls import reverse

from bma.geo.models import SettlementStatus
from bma.referrals.models import MatchState, PlanReason, VisitPlanEntry
from bma.referrals.services import match_village_search, matches_choices

pytestmark = pytest.mark.django_db
QUEUE = "admin:referrals_referralmatch_changelist"


def decide(client, match, **data):
    return client.post(
        reverse("admin:referrals_referralmatch_decide", args=[match.pk]),
        data,
        HTTP_REFERER="http://testserver" + reverse(QUEUE),
        follow=True,
    )


def test_candidates_carry_the_readers_name_district_score_and_distance(unclear):
    choices = matches_choices([unclear], "ru")[unclear.pk]
    assert [(c.code, c.name, c.district, round(c.score)) for c in choices] == [
        ("V-PAN-0101", "Янгиабад", "Пянджский район", 100),
        ("V-PAN-0102", "Янгиобод", "Пянджский район", 100),
    ]
    assert choices[0].distance_km == pytest.approx(11.1, abs=0.1)
    assert choices[1].distance_km is None  # no coordinates in the gazetteer: no distance, not a guess


def test_the_queue_shows_one_button_per_candidate_and_a_new_village_button(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    page = client.get(reverse(QUEUE), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    decide_url = reverse("admin:referrals_referralmatch_decide", args=[unclear.pk])
    # Two candidates, a new village, not a village; the code tells apart the two of one name.
    assert page.count(f'formaction="{decide_url}"') == 4
    assert 'value="V-PAN-0101"' in page and "Yangiobod · V-PAN-0101 · Panj · score 100 · 11.1 km away" in page
    assert "New village “Yangiobod”" in page
    assert "referrals/queue.js" in page


def test_the_supervisor_of_the_area_links_in_one_post_and_the_row_leaves_the_queue(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    answer = decide(client, unclear, village="V-PAN-0101")
    assert answer.status_code == 200
    assert "“Yangiobod” is linked to Yangiobod (V-PAN-0101)." in [str(m) for m in answer.context["messages"]]
    unclear.refresh_from_db()
    assert (unclear.state, unclear.village.code, unclear.decided_by) == (
        MatchState.LINKED,
        "V-PAN-0101",
        khatlon_supervisor,
    )
    assert VisitPlanEntry.objects.get(village__code="V-PAN-0101").reason == PlanReason.REFERRAL
    assert answer.context["cl"].result_count == 0  # back on the queue, which no longer lists it


def test_the_supervisor_creates_a_new_village_in_one_post(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    answer = decide(client, unclear, create="1")
    unclear.refresh_from_db()
    village = unclear.village
    assert (unclear.state, village.status, village.district.code) == (
        MatchState.LINKED,
        SettlementStatus.PROVISIONAL,
        "TJ-KT-PAN",
    )
    assert f"“Yangiobod” is now a new village: Yangiobod ({village.code})." in [
        str(m) for m in answer.context["messages"]
    ]


def test_a_village_of_another_district_is_refused_with_a_message(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    answer = decide(client, unclear, village="V-ASH-0002")
    assert any("No village with the code 'V-ASH-0002'" in str(m) for m in answer.context["messages"])
    unclear.refresh_from_db()
    assert unclear.state == MatchState.PENDING


def test_a_supervisor_of_another_province_can_neither_decide_nor_search(client, unclear, personas):
    client.force_login(personas.supervisor)  # Sughd; the name was referred to Panj, in Khatlon
    answer = client.post(reverse("admin:referrals_referralmatch_decide", args=[unclear.pk]), {"village": "V-PAN-0101"})
    assert answer.status_code == 404
    search = client.get(reverse("admin:referrals_referralmatch_villages", args=[unclear.pk]), {"q": "Yang"})
    assert search.status_code == 404
    unclear.refresh_from_db()
    assert unclear.state == MatchState.PENDING


def test_an_enumerator_is_sent_to_the_login_and_nothing_changes(client, unclear, personas):
    client.force_login(personas.enumerator)
    answer = client.post(reverse("admin:referrals_referralmatch_decide", args=[unclear.pk]), {"village": "V-PAN-0101"})
    assert answer.status_code == 302 and reverse("admin:login") in answer["Location"]
    search = client.get(reverse("admin:referrals_referralmatch_villages", args=[unclear.pk]), {"q": "Yang"})
    assert search.status_code == 302
    unclear.refresh_from_db()
    assert unclear.state == MatchState.PENDING


def test_deciding_needs_a_post(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    assert client.get(reverse("admin:referrals_referralmatch_decide", args=[unclear.pk])).status_code == 405


def test_the_search_box_finds_the_districts_villages_in_any_script(client, unclear, khatlon_supervisor):
    client.force_login(khatlon_supervisor)
    url = reverse("admin:referrals_referralmatch_villages", args=[unclear.pk])
    found = json.loads(client.get(url, {"q": "Навоб"}, HTTP_ACCEPT_LANGUAGE="ru").content)["villages"]
    assert [v["code"] for v in found] == ["V-PAN-0103"]
    # The distance in Russian: a decimal comma (55,6 км), as the reader writes it.
    assert found[0]["label"].startswith("Навобод · V-PAN-0103 · Пянджский район · ") and "55,6" in found[0]["label"]
    # Only the name's district: Shaydon is in Asht.
    assert json.loads(client.get(url, {"q": "Shaydon"}).content)["villages"] == []


def test_search_finds_a_village_spelt_another_way_as_the_matcher_would(unclear, personas):
    """The gazetteer has Navobod / Навобод; a supervisor types the Russian-era spelling, in either script."""
    for typed in ("Navabad", "Навабад", "navobod"):
        assert [c.code for c in match_village_search(unclear, typed, "en", personas.coordinator)] == ["V-PAN-0103"]
    # Still only the name's district, and nothing for a spelling of no village there.
    assert match_village_search(unclear, "Shajdon", "en", personas.coordinator) == []


def test_search_keeps_to_the_district_and_scores_known_candidates(unclear, personas):
    found = match_village_search(unclear, "yangi", "en", personas.coordinator)
    assert [(c.code, c.score is not None) for c in found] == [("V-PAN-0101", True), ("V-PAN-0102", True)]
    assert match_village_search(unclear, "Oshoba", "en", personas.coordinator) == []
