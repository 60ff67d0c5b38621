"""A supervisor's morning in a real browser: log in, filter, approve with a comment, read the history."""

import shutil
from pathlib import Path

import pytest

from bma.assessments import models as m
from tests.support import csp_refusals, require

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_filters_approves_with_a_comment_and_sees_the_history(live_server, receive, personas):
    require(shutil.which(CHROMIUM) is not None, "Debian's chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    receive("b2_2026112202.xml")
    assessment = m.VillageAssessment.objects.get()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        console = []
        page.on("console", lambda msg: console.append(msg.text))
        page.goto(f"{live_server.url}/admin/assessments/villageassessment/")
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "pass-for-tests-1")
        page.click("input[type=submit]")
        page.get_by_role("link", name="With open issues").click()
        page.check("input.action-select")
        page.select_option("select[name=action]", "approve")
        page.fill("input[name=comment]", "Checked by phone with the jamoat.")
        page.click("button[name=index]")
        page.wait_for_selector("text=1 assessments approved")
        page.goto(f"{live_server.url}/admin/assessments/villageassessment/{assessment.pk}/change/")
        history = page.inner_text("#history")
        browser.close()

    assert csp_refusals(console) == []  # the admin runs under the site's Content-Security-Policy
    assert "Received → Approved" in history and "Checked by phone with the jamoat." in history
    assessment.refresh_from_db()
    assert assessment.review_state == m.ReviewState.APPROVED


ARTIFACTS = Path(__file__).resolve().parents[2] / ".test-artifacts"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_decision_columns_are_on_screen_at_1024_by_768(live_server, receive, personas):
    require(shutil.which(CHROMIUM) is not None, "Debian's chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    receive("b2_2026112202.xml")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(f"{live_server.url}/admin/assessments/villageassessment/")
        page.fill("#id_username", "supervisor")
        page.fill("#id_password", "pass-for-tests-1")
        page.click("input[type=submit]")
        boxes = {
            column: page.locator(f"th.column-{column}").bounding_box() for column in ("review_state", "open_issues")
        }
        page.screenshot(path=str(ARTIFACTS / "village-assessments-1024x768.png"))
        browser.close()
    for column, box in boxes.items():
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1024, column
        assert box["y"] + box["height"] <= 768, column
