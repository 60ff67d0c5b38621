"""The publish page's "changed since" list in a real browser at 1024x768, in Tajik and Russian."""

import pytest

from bma.assessments import models as am
from bma.core.languages import user_language_set
from bma.exports.publishing import report_publish
from tests.support import ARTIFACTS, chromium_page, csp_refusals, desk_log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "language, population, total",
    [("tg", "Муҳоҷирони баргашта", "Ҳамагӣ"), ("ru", "Вернувшиеся мигранты", "Всего")],
)
def test_the_publish_diff_shows_labelled_figures_in_the_readers_language(
    live_server, departures, personas, language, population, total
):
    report_publish(departures, personas.coordinator)
    am.PopulationFigure.objects.filter(population="ret").update(total=0)
    am.PopulationFigure.objects.filter(assessment__village__code="V-ASH-0001", population="ret").update(total=17500)
    user_language_set(personas.coordinator, language)
    with chromium_page(viewport={"width": 1024, "height": 768}, locale=language) as (page, console):
        desk_log_in(page, f"{live_server.url}/admin/", "coordinator")
        page.wait_for_selector("#round-outputs")  # the desk's home, with the round's links
        page.goto(f"{live_server.url}/reports/rounds/{departures.number}/published/")
        heading = page.locator("h3", has_text=population)
        heading.scroll_into_view_if_needed()
        table = heading.locator("xpath=following-sibling::table[1]")
        rows = [[cell.strip() for cell in row.split("\t")] for row in table.inner_text().splitlines()]
        box = table.bounding_box()
        page.screenshot(path=str(ARTIFACTS / f"publish-diff-{language}-1024x768.png"), full_page=True)
        text = page.inner_text("body")
    assert csp_refusals(console) == []
    assert "populations[" not in text and "top_districts" not in text
    # The population's total as a labelled figure, the live value grouped in the locale (17 500).
    assert any(total in row and any("17\xa0500" in cell or "17 500" in cell for cell in row) for row in rows), rows
    assert box is not None and box["x"] + box["width"] <= 1024  # no horizontal scroll at 1024 px
