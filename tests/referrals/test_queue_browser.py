"""A supervisor clears unclear referrals from the queue page in a real browser at 1024x768."""

import pytest

from bma.referrals.models import MatchState, PlanReason, ReferralMatch
from tests.support import ARTIFACTS, chromium_page, csp_refusals, desk_log_in


def on_screen(box) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_links_a_referral_in_one_click_and_another_by_searching(
    live_server, receive, unclear, khatlon_supervisor
):
    # A second informant group refers the same unclear name.
    receive("b2_2026112202.xml", {"uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second-referral"})
    second = ReferralMatch.objects.exclude(pk=unclear.pk).get(reason=PlanReason.REFERRAL)
    with chromium_page(viewport={"width": 1024, "height": 768}, locale="en-GB") as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/referrals/referralmatch/", "supervisor-kt")
        # The queue page: every candidate a button with its name, district, score and distance.
        candidate = page.get_by_role(
            "button", name="Link: Yangiobod · V-PAN-0101 · Panj · score 100 · 11.1 km away"
        ).first
        candidate_box = candidate.bounding_box()
        page.screenshot(path=str(ARTIFACTS / "referral-queue-1024x768.png"))
        candidate.click()  # click 1 of at most 2
        page.wait_for_selector("text=“Yangiobod” is linked to Yangiobod (V-PAN-0101).")
        rows_after_first = page.locator("#result_list tbody tr").count()
        page.screenshot(path=str(ARTIFACTS / "referral-queue-linked-1024x768.png"))
        # The other referral: neither twin, but a village found with the search box.
        page.get_by_placeholder("Find another village…").fill("Navob")
        found = page.get_by_role("button", name="Navobod · V-PAN-0103 · Panj · 55.6 km away")
        found.wait_for()
        page.screenshot(path=str(ARTIFACTS / "referral-queue-search-1024x768.png"))
        found.click()
        page.wait_for_selector("text=“Yangiobod” is linked to Navobod (V-PAN-0103).")
        rows_at_end = page.locator("#result_list tbody tr").count()

    assert csp_refusals(console) == []  # script and styles are our own files, under the site's CSP
    assert on_screen(candidate_box)
    assert rows_after_first == 1 and rows_at_end == 0  # each decided name leaves the unclear list
    unclear.refresh_from_db()
    second.refresh_from_db()
    linked = {unclear.village.code, second.village.code}
    assert (unclear.state, second.state, linked) == (MatchState.LINKED, MatchState.LINKED, {"V-PAN-0101", "V-PAN-0103"})
