"""Every figure of the round report's JSON is printed in its HTML page and written in its XLSX."""

import html
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

# "<1" is how a share above 0 and below 1 is printed (report_math.share_shown); it is read as one token.
NUMBER = re.compile(r"<1(?!\d)|(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")


def numeric_leaves(value, path=""):
    """(path, number) for every number in the figures; years and round numbers included."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from numeric_leaves(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from numeric_leaves(inner, f"{path}[{index}]")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        yield path, value


def as_shown(number) -> str:
    """Shares and changes are printed as whole percentages rounded half up, "<1" above 0 and below 1;
    counts as they are."""
    if not isinstance(number, float):
        return str(number)
    if 0 < abs(number) < 1:
        return "<1"
    return str(int(Decimal(str(number)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def numbers_in_text(text: str) -> set[str]:
    return {n if n == "<1" else as_shown(float(n.replace(",", ""))) for n in NUMBER.findall(text)}


def html_sections(page: str) -> dict[str, str]:
    sections = {}
    for match in re.finditer(r'<section id="([^"]+)">(.*?)</section>', page, re.S):
        sections[match.group(1)] = match.group(2)
    return sections


def section_of(path: str, figures: dict) -> str:
    """Which part of the page must print the figure at ``path``."""
    top = path.split(".")[1].split("[")[0]
    if top == "populations":
        index = int(path.split("[")[1].split("]")[0])
        return f"pop-{figures['populations'][index]['code']}"
    return {
        "round": "head",
        "communities": "summary",
        "districts": "summary",
        "informants": "summary",
        "services": "services",
        "departures": "departures",
        "comparison": "comparison",
    }[top]


@pytest.fixture
def report(client, departures, personas):
    """The round's own B2 in four villages (every section of the report has figures), and a round before."""
    from tests import factories

    factories.make_round(number=1)  # a previous round: the comparison is part of the figures
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/"
    figures = client.get(f"/api/rounds/{departures.number}/report/").json()
    page = html.unescape(client.get(base).content.decode())
    book = load_workbook(io.BytesIO(client.get(f"{base}xlsx/").content))
    return figures, page, book


def test_every_figure_of_the_json_is_in_the_page_section_it_belongs_to(report):
    figures, page, _ = report
    sections = {name: numbers_in_text(text) for name, text in html_sections(page).items()}
    sections["head"] = numbers_in_text(page[: page.index("<section")])
    missing = [
        path
        for path, number in numeric_leaves(figures)
        if as_shown(number) not in sections.get(section_of(path, figures), set())
    ]
    assert missing == [], "\n".join(missing)


def test_every_figure_of_the_json_is_in_the_workbook(report):
    figures, _, book = report
    cells = {
        as_shown(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if isinstance(value, int | float)
    }
    missing = [path for path, number in numeric_leaves(figures) if as_shown(number) not in cells]
    assert missing == [], "\n".join(missing)


def test_the_workbook_of_the_view_with_unapproved_assessments_holds_them(client, two_villages, personas):
    from bma.assessments import models as am

    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(review_state=am.ReviewState.RECEIVED)
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{two_villages.number}/"
    page = client.get(f"{base}?include=unapproved").content.decode()
    link = re.search(r'href="(xlsx/[^"]*)"', page).group(1)
    book = load_workbook(io.BytesIO(client.get(base + html.unescape(link)).content))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Communities assessed"] == 2
    assert summary["Figures from"].startswith("approved and other non-rejected")
