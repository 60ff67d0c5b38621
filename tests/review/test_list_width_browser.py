"""The review list at 1024×768 in Tajik and Russian: district and visit date are on screen, with no
horizontal scroll box around the results (a supervisor's laptop, issue 31)."""

import pytest

from bma.core.languages import user_language_set
from tests.support import ARTIFACTS, chromium_page, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["tg", "ru"])
def test_review_list_shows_district_and_visit_date_without_scrolling_at_1024(live_server, receive, personas, language):
    receive("b2_2026112202.xml")
    user_language_set(personas.supervisor, language)
    with chromium_page(viewport={"width": 1024, "height": 768}) as (page, _console):
        desk_log_in(page, f"{live_server.url}/admin/assessments/villageassessment/", "supervisor")
        page.wait_for_selector("#result_list")
        boxes = {c: page.locator(f"td.field-{c}").first.bounding_box() for c in ("district", "visit_date")}
        # Django wraps the table in div.results (overflow-x: auto): a scroll box that hides the right columns.
        scroll = page.evaluate(
            """() => {
                const box = document.querySelector('#changelist .results') || document.querySelector('#result_list');
                return {inner: box.scrollWidth - box.clientWidth,
                        page: document.documentElement.scrollWidth - document.documentElement.clientWidth};
            }"""
        )
        page.screenshot(path=str(ARTIFACTS / f"review-list-{language}-1024x768.png"))
    assert scroll == {"inner": 0, "page": 0}, scroll
    for column, box in boxes.items():
        assert box is not None, column
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024, (column, box)
        assert box["y"] + box["height"] <= 768, (column, box)
