"""The round report: the published report's tables, computed from approved assessments."""

import io

import pytest
from openpyxl import load_workbook

from bma.assessments import models as am
from bma.assessments.review import assessment_review
from bma.exports.report import round_figures

pytestmark = pytest.mark.django_db


def population(figures, code):
    return next(p for p in figures["populations"] if p["code"] == code)


def test_figures_match_the_report_tables(two_villages):
    f = round_figures(two_villages)
    assert f["communities"] == 2
    assert f["informants"] == {
        "total": 4,
        "share_by_sex": {"Female": 75.0, "Male": 25.0},
        "by_type": [
            {"type": "Local authority (jamoat, mahalla)", "code": "local_authority", "total": 2, "share": 50.0},
            {"type": "Other", "code": "other", "total": 2, "share": 50.0},
        ],
    }
    imw = population(f, "imw")
    assert (imw["total"], imw["communities_reporting"], imw["share_of_communities"]) == (12, 1, 50.0)
    assert imw["top_countries"] == [
        {"country": "Afghanistan", "code": "AF", "total": 9, "share": 75.0},
        {"country": "China", "code": "CN", "total": 3, "share": 25.0},
    ]
    assert imw["countries_count"] == 2 and imw["top_districts_share"] == 100.0
    # Most given first; a tie reads in the codes' order, so the report's rows never swap between runs.
    assert [(r["code"], r["share"]) for r in imw["reasons"]] == [("employment", 50.0), ("family", 50.0)]
    assert imw["migration_types"] == [{"type": "Long-term", "code": "long_term", "share": 100.0}]
    assert imw["yearly"][-2:] == [
        {"year": 2022, "total": 8, "change": None},
        {"year": 2023, "total": 12, "change": 50.0},
    ]
    ret = population(f, "ret")
    assert ret["total"] == 280 and ret["by_province"] == [
        {"code": "TJ-SU", "province": "Sughd", "total": 280, "share": 100.0}
    ]
    ioi = population(f, "ioi")
    assert ioi["within_same_district_share"] == 0.0 and ioi["other_area_by_province"] == [
        {"code": "TJ-SU", "province": "Sughd", "share": 100.0}
    ]
    services = {s["code"]: s for s in f["services"]["availability"]}
    assert (services["clinic"]["yes"], services["clinic"]["no"]) == (50.0, 50.0)
    assert (services["hospital"]["yes"], services["hospital"]["no"]) == (0.0, 100.0)
    distance = {r["code"]: r for r in f["services"]["distance_households"]}
    assert distance["11_15"]["hospital"] == 840 and distance["6_10"]["clinic"] == 300
    assert distance["total"]["hospital"] == 840


def test_only_approved_assessments_count_unless_asked(two_villages, personas):
    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(review_state=am.ReviewState.RECEIVED)
    assert round_figures(two_villages)["communities"] == 1
    assert round_figures(two_villages, include_unapproved=True)["communities"] == 2
    assessment_review(
        am.VillageAssessment.objects.get(village__code="V-ASH-0002"), am.ReviewState.REJECTED, personas.supervisor, "No"
    )
    assert round_figures(two_villages, include_unapproved=True)["communities"] == 1


def test_report_page_xlsx_and_api_are_for_coordinators(client, two_villages, personas):
    client.force_login(personas.coordinator)
    page = client.get(f"/reports/rounds/{two_villages.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Return migrants" in html and "<svg" in html and "Distance to nearest facility" in html
    assert "cdn" not in html.lower() and "https://" not in html
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    assert {"Summary", "Services", "Travel distance", "Migrant workers – countries"} <= set(workbook.sheetnames)
    api = client.get(f"/api/rounds/{two_villages.number}/report/")
    assert api.status_code == 200 and api.json()["communities"] == 2
    client.force_login(personas.supervisor)
    assert client.get(f"/reports/rounds/{two_villages.number}/").status_code == 403
    assert client.get(f"/api/rounds/{two_villages.number}/report/").status_code == 403


def test_round_over_round_comparison(two_villages, personas):
    from tests import factories

    later = factories.make_round(number=3)
    figures = round_figures(later, previous_round=two_villages)
    assert figures["comparison"]["previous_round"] == 2
    assert figures["comparison"]["before_published"] is False  # round 2 was never published: live figures
    assert figures["comparison"]["communities"] == {"before": 2, "now": 0}
    ret = next(p for p in figures["comparison"]["populations"] if p["code"] == "ret")
    assert ret["by_province"] == [{"code": "TJ-SU", "province": "Sughd", "before": 280, "now": 0, "change": -100.0}]


def test_yearly_trends_follow_the_rounds_reference_period(two_villages):
    assert [y["year"] for y in population(round_figures(two_villages), "imw")["yearly"]] == [2020, 2021, 2022, 2023]
    two_villages.reference_start = two_villages.reference_start.replace(year=2022)
    two_villages.reference_end = two_villages.reference_end.replace(year=2025)
    two_villages.save()
    yearly = population(round_figures(two_villages), "imw")["yearly"]
    assert [(y["year"], y["total"]) for y in yearly] == [(2022, 8), (2023, 12), (2024, 0), (2025, 0)]


def test_a_year_held_outside_the_reference_period_is_still_shown(two_villages):
    two_villages.reference_start = two_villages.reference_start.replace(year=2023)
    two_villages.save()
    yearly = population(round_figures(two_villages), "imw")["yearly"]
    assert [(y["year"], y["total"]) for y in yearly] == [(2022, 8), (2023, 12)]


def test_the_report_says_what_its_figures_mean(client, two_villages, personas):
    import html

    from bma.xforms.definitions import FIGURE_DEFINITIONS

    notes = round_figures(two_villages)["notes"]
    wanted = ["total", "yearly", "households", "departures", "houses_empty", "houses_looked_after", "other_country"]
    wanted.append("shares")  # each share rounded on its own: a table may add up to 99 or 101
    assert [n["figure"] for n in notes] == wanted
    assert all(n["definition"] == FIGURE_DEFINITIONS[n["figure"]] for n in notes)

    client.force_login(personas.coordinator)
    page = html.unescape(client.get(f"/reports/rounds/{two_villages.number}/").content.decode())
    notes_section = page[page.index('<section id="notes">') :]
    for key in wanted:
        assert FIGURE_DEFINITIONS[key] in notes_section, key
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    definitions = [row[1] for row in book["Notes"].iter_rows(min_row=2, values_only=True)]
    assert definitions == [FIGURE_DEFINITIONS[key] for key in wanted]


def test_households_farther_than_each_threshold_the_report_quotes(two_villages):
    beyond = {r["more_than_km"]: r for r in round_figures(two_villages)["services"]["households_beyond"]}
    assert list(beyond) == [5, 10, 15, 20, 25]
    # Shaydon's 300 households are 6-10 km from a clinic; Oshoba and Shaydon's 840, 11-15 km from a hospital.
    assert (beyond[5]["clinic"], beyond[10]["clinic"]) == (300, 0)
    assert (beyond[10]["hospital"], beyond[15]["hospital"]) == (840, 0)


def test_each_distance_threshold_is_a_bands_upper_edge():
    from bma.exports.report import DISTANCE_ORDER, DISTANCE_THRESHOLDS_KM
    from bma.xforms import codelists as cl

    edges = [int(cl.DISTANCE_BANDS[band][0].split("-")[1].split()[0]) for band in DISTANCE_ORDER[:-1]]
    assert list(DISTANCE_THRESHOLDS_KM) == edges


def test_the_concentration_in_the_top_five_districts_is_one_share_of_the_total():
    from bma.exports.report import PopulationAggregates, population_figures

    districts = {"Rudaki": 455, "Bokhtar": 165, "Khujand": 165, "Khorugh": 65, "Panj": 65, "Vahdat": 45, "Sino": 40}
    empty = {name: {} for name in PopulationAggregates.__dataclass_fields__}
    agg = PopulationAggregates(**{**empty, "totals": {"imw": 1000}, "by_district": {"imw": districts}})
    block = population_figures(agg, "imw", communities=10)
    assert [d["district"] for d in block["top_districts"]] == ["Rudaki", "Bokhtar", "Khujand", "Khorugh", "Panj"]
    assert [d["share"] for d in block["top_districts"]] == [46.0, 17.0, 17.0, 7.0, 7.0]
    # 915 of 1,000 is 92% (91.5 half up), not the 94 that adding the rounded shares would print.
    assert block["top_districts_share"] == 92.0


def test_the_workbook_shows_counts_with_a_thousands_separator_and_years_as_they_are(client, two_villages, personas):
    client.force_login(personas.coordinator)
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    yearly = book["Returnees – by year"]
    year, total = yearly["A2"], yearly["B2"]
    assert year.value == 2020 and year.number_format == "General"
    assert isinstance(total.value, int) and total.number_format == "#,##0"


def test_the_workbooks_summary_holds_numbers_not_text(client, two_villages, personas):
    client.force_login(personas.coordinator)
    client.post("/language/", {"language": "ru", "next": "/"})  # the cells do not depend on the language
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    summary = {row[0].value: row[1] for row in book["Сводка"].iter_rows(min_row=2)}
    communities = summary["Обследовано населённых пунктов"]
    assert (communities.value, communities.data_type, communities.number_format) == (2, "n", "#,##0")
    informants = summary["Интервью с ключевыми информаторами"]
    assert informants.data_type == "n" and informants.number_format == "#,##0"


def test_a_share_below_one_per_cent_reads_less_than_one_and_changes_their_sign_in_every_output(
    client, two_villages, receive, personas
):
    """One return migrant in Panj (Khatlon) beside Asht's 280: Khatlon's share, 0.36%, reads "<1%" in the
    page, its chart, the PDF and the workbook (whose cell keeps the number); imw's +50% carries its sign."""
    import html

    from pypdf import PdfReader

    from bma.exports.report_document import report_pdf
    from bma.exports.report_workbook import CHANGE_FORMAT, SHARE_FORMAT
    from tests import factories

    factories.assign(personas.enumerator, personas.geo.panj, two_villages, "enumerator")
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:panj",
            "<province>TJ-SU</province><district>TJ-SU-ASH</district>": "<province>TJ-KT</province>"
            "<district>TJ-KT-PAN</district>",
            "<village>V-ASH-0001</village>": "<village>V-PAN-0001</village>",
            "<ret_total>140": "<ret_total>1",
            "<ret_country_count>140": "<ret_country_count>1",
        },
    )
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    figures = round_figures(two_villages)
    khatlon = next(r for r in population(figures, "ret")["by_province"] if r["code"] == "TJ-KT")
    assert 0 < khatlon["share"] < 1  # the stored figure stays the number

    client.force_login(personas.coordinator)
    page = html.unescape(client.get(f"/reports/rounds/{two_villages.number}/").content.decode())
    ret = page[page.index('<section id="pop-ret">') :]
    assert "<td>Khatlon</td><td>1</td><td><1%</td>" in ret and "<td>Khatlon</td><td>1</td><td>0%</td>" not in ret
    assert ">Khatlon</text>" in ret and "><1%</text>" in ret  # the chart
    imw = page[page.index('<section id="pop-imw">') :]
    assert "<td>2023</td><td>24</td><td>+50%</td>" in imw
    pdf = PdfReader(io.BytesIO(report_pdf(figures)))
    assert "Khatlon 1 <1%" in " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    cells = {row[0].value: row[2] for row in book["Returnees – provinces"].iter_rows(min_row=2)}
    assert 0 < cells["Khatlon"].value < 1 and cells["Khatlon"].number_format == SHARE_FORMAT
    change = book["Migrant workers – by year"]["C5"]
    assert (change.value, change.number_format) == (50, CHANGE_FORMAT)


def test_two_districts_of_one_english_name_stay_two_rows_labelled_in_the_readers_language(departures, personas):
    from bma.exports.report_language import figures_in_language
    from bma.geo.models import AreaKind
    from tests import factories

    # Panj renamed "Asht": two districts, in two provinces, of one English name.
    factories.make_area("TJ-KT-PAN", AreaKind.DISTRICT, "Asht", personas.geo.khatlon, name_ru="Пянджский район")
    figures = round_figures(departures)
    imw = population(figures, "imw")
    assert [(d["code"], d["district"], d["total"]) for d in imw["top_districts"]] == [
        ("TJ-SU-ASH", "Asht", 24),
        ("TJ-KT-PAN", "Asht", 12),
    ]
    russian = population(figures_in_language(figures, "ru"), "imw")
    assert [d["district"] for d in russian["top_districts"]] == ["Аштский район", "Пянджский район"]
