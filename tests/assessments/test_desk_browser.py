"""A supervisor's morning in a real browser: log in, filter, approve with a comment, read the history."""

import pytest

from bma.assessments import models as m
from tests.support import ARTIFACTS, chromium_page, csp_refusals, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_filters_approves_with_a_comment_and_sees_the_history(live_server, receive, personas):
    receive("b2_2026112202.xml")
    assessment = m.VillageAssessment.objects.get()

    with chromium_page() as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/assessments/villageassessment/", "supervisor")
        page.get_by_role("link", name="With open issues").click()
        page.check("input.action-select")
        page.select_option("select[name=action]", "approve")
        page.fill("input[name=comment]", "Checked by phone with the jamoat.")
        page.click("button[name=index]")
        page.wait_for_selector("#approve-count")  # asked first: how many, and where
        assert "Sughd" in page.inner_text("#approve-areas")
        page.screenshot(path=str(ARTIFACTS / "bulk-approve-confirmation.png"))
        page.click("#approve-confirm")
        page.wait_for_selector("text=1 assessment approved.")
        page.goto(f"{live_server.url}/admin/assessments/villageassessment/{assessment.pk}/change/")
        history = page.inner_text("#history")

    assert csp_refusals(console) == []  # the admin runs under the site's Content-Security-Policy
    assert "Received → Approved" in history and "Checked by phone with the jamoat." in history
    assessment.refresh_from_db()
    assert assessment.review_state == m.ReviewState.APPROVED


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_decision_columns_are_on_screen_at_1024_by_768(live_server, receive, personas):
    receive("b2_2026112202.xml")
    with chromium_page(viewport={"width": 1024, "height": 768}) as (page, _console):
        desk_log_in(page, f"{live_server.url}/admin/assessments/villageassessment/", "supervisor")
        boxes = {
            column: page.locator(f"th.column-{column}").bounding_box() for column in ("review_state", "open_issues")
        }
        page.screenshot(path=str(ARTIFACTS / "village-assessments-1024x768.png"))
    for column, box in boxes.items():
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024, column
        assert box["y"] + box["height"] <= 768, column


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_approve_flag_and_resolve_each_within_two_clicks_at_1024_by_768(live_server, receive, personas):
    """From the assessment page: approve (1 click), flag with a comment (2: the box, the button), resolve
    an issue (1). Each decision opens the next assessment of the list, filtered as it was."""

    oshoba = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
    receive("b2_2026112202.xml")
    for uuid, code in (("uuid:shaydon", "V-ASH-0002"), ("uuid:buston", "V-ASH-0003")):
        receive("b2_2026112202.xml", {oshoba: uuid, "<village>V-ASH-0001</village>": f"<village>{code}</village>"})
    first, second, third = m.VillageAssessment.objects.order_by("-pk")  # the list's order
    clicks = {"approve": 0, "flag": 0, "resolve": 0}

    def click(page, task, selector):
        clicks[task] += 1
        page.click(selector)

    def in_view(page, selector):
        box = page.locator(selector).first.bounding_box()
        return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768

    with chromium_page(viewport={"width": 1024, "height": 768}) as (page, console):
        desk_log_in(
            page, f"{live_server.url}/admin/assessments/villageassessment/?review_state__exact=received", "supervisor"
        )
        columns_in_view = {c: in_view(page, f"th.column-{c}") for c in ("review_state", "open_issues")}
        page.screenshot(path=str(ARTIFACTS / "desk-list-1024x768.png"))
        page.click(f"a[href*='/villageassessment/{first.pk}/change/']")  # opening the page, not a decision
        page.wait_for_selector("#decide-approve")
        buttons_in_view = all(in_view(page, f"#decide-{d}") for d in ("approve", "flag", "reject"))
        comment_in_view = in_view(page, "#decision-comment")
        page.screenshot(path=str(ARTIFACTS / "desk-assessment-page-1024x768.png"))

        click(page, "approve", "#decide-approve")
        page.wait_for_url(f"**/villageassessment/{second.pk}/change/**")
        click(page, "flag", "#decision-comment")
        page.keyboard.type("Returnee totals look doubled; call the jamoat.")
        click(page, "flag", "#decide-flag")
        page.wait_for_url(f"**/villageassessment/{third.pk}/change/**")
        page.screenshot(path=str(ARTIFACTS / "desk-after-flag-1024x768.png"))

        click(page, "resolve", "#section-issues button[value=resolve]")
        page.wait_for_selector("text=Issue resolved")
        issues_text = page.inner_text("#section-issues")
        page.screenshot(path=str(ARTIFACTS / "desk-after-resolve-1024x768.png"))

    assert csp_refusals(console) == []
    assert columns_in_view == {"review_state": True, "open_issues": True}
    assert buttons_in_view and comment_in_view
    assert all(n <= 2 for n in clicks.values()), clicks
    for a in (first, second, third):
        a.refresh_from_db()
    assert first.review_state == m.ReviewState.APPROVED
    assert second.review_state == m.ReviewState.HAS_ISSUES
    assert second.review_events.get().comment == "Returnee totals look doubled; call the jamoat."
    assert third.review_state == m.ReviewState.RECEIVED
    assert not third.issues.filter(state="open").exists() and "(0 open)" in issues_text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_spot_check_visit_approved_and_b1_flagged_each_within_two_clicks_at_1024_by_768(live_server, receive, personas):
    """The visit page shows the comparison with the B2 under decision buttons that are on screen:
    approving is one click. Flagging a B1 is two: the comment box, the button."""

    from bma.validation.services import spot_check_sample_draw

    receive("b2_2026112202.xml")
    spot_check_sample_draw(personas.round, share=1.0, min_per_district=1, seed=1)
    receive("spot_check_2026112202.xml", {"<sc_ret_count>150</sc_ret_count>": "<sc_ret_count>600</sc_ret_count>"})
    receive("b1_2026112202.xml")
    visit, b1 = m.SpotCheckVisit.objects.get(), m.DistrictAssessment.objects.get()
    clicks = {"approve visit": 0, "flag b1": 0}

    def click(page, task, selector):
        clicks[task] += 1
        page.click(selector)

    def in_view(page, selector):
        box = page.locator(selector).first.bounding_box()
        return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024 and box["y"] + box["height"] <= 768

    with chromium_page(viewport={"width": 1024, "height": 768}) as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/assessments/spotcheckvisit/{visit.pk}/change/", "supervisor")
        page.wait_for_selector("#decide-approve")
        visit_buttons_in_view = all(in_view(page, f"#decide-{d}") for d in ("approve", "flag", "reject"))
        table_top = page.locator("table.spot-check-comparison").bounding_box()
        comparison = page.inner_text("table.spot-check-comparison")
        page.screenshot(path=str(ARTIFACTS / "desk-spot-check-visit-1024x768.png"))
        click(page, "approve visit", "#decide-approve")
        page.wait_for_url("**/spotcheckvisit/")  # the only visit: back to the list

        page.goto(f"{live_server.url}/admin/assessments/districtassessment/{b1.pk}/change/")
        page.wait_for_selector("#decide-flag")
        b1_buttons_in_view = all(in_view(page, f"#decide-{d}") for d in ("approve", "flag", "reject"))
        page.screenshot(path=str(ARTIFACTS / "desk-b1-1024x768.png"))
        click(page, "flag b1", "#decision-comment")
        page.keyboard.type("Emigrant estimate far above the villages' sum; call the hukumat.")
        click(page, "flag b1", "#decide-flag")
        page.wait_for_url("**/districtassessment/")

    assert csp_refusals(console) == []
    assert visit_buttons_in_view and b1_buttons_in_view
    assert table_top is not None and table_top["y"] < 768  # the comparison starts on the first screen
    assert "Major discrepancy" in comparison and "tolerance" in comparison.lower()  # headings in capitals
    assert all(n <= 2 for n in clicks.values()), clicks
    visit.refresh_from_db()
    b1.refresh_from_db()
    assert visit.review_state == m.ReviewState.APPROVED
    assert b1.review_state == m.ReviewState.HAS_ISSUES
    assert b1.review_events.get().comment == "Emigrant estimate far above the villages' sum; call the hukumat."
