"""The site's Content-Security-Policy in a real browser: a coordinator goes through the admin, the round
report, a district profile and the API docs, and Chromium refuses nothing on any of them."""

import pytest

from bma.assessments.models import VillageAssessment
from bma.submissions.models import Submission
from tests.support import chromium_page, csp_refusals, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_report_and_docs_run_under_the_policy(live_server, two_villages, personas):
    assessment = VillageAssessment.objects.first()
    submission = Submission.objects.first()
    pages = [
        ("/admin/", "#content"),
        ("/admin/assessments/villageassessment/", "#result_list"),
        (f"/admin/assessments/villageassessment/{assessment.pk}/change/", "#raw"),
        (f"/admin/submissions/submission/{submission.pk}/change/", "#content"),
        ("/admin/rounds/round/add/", "#round_form"),  # date widgets, calendar and the related-object popups
        ("/admin/geo/adminarea/", "#result_list"),
        ("/reports/rounds/2/", "svg"),
        ("/reports/rounds/2/districts/TJ-SU-ASH/", "svg"),
        ("/api/docs/", ".swagger-ui .info"),  # Swagger UI drew the schema: its scripts ran
    ]
    with chromium_page() as (page, console):
        page.on("pageerror", lambda exc: console.append(f"page error: {exc}"))
        desk_log_in(page, f"{live_server.url}/admin/login/", "administrator")
        page.wait_for_selector("#content")
        seen = {}
        for url, selector in pages:
            page.goto(f"{live_server.url}{url}")
            page.wait_for_selector(selector, timeout=20_000)
            page.wait_for_load_state("networkidle")
            seen[url] = csp_refusals(console)
            console.clear()
        # The report's printable look comes from its nonced style block: the heading is IOM blue.
        page.goto(f"{live_server.url}/reports/rounds/2/")
        colour = page.eval_on_selector("h1", "el => getComputedStyle(el).color")

    assert {url: lines for url, lines in seen.items() if lines} == {}
    assert colour == "rgb(0, 51, 160)"
