"""The round report: the published report's tables, computed from approved assessments."""

import io

import pytest
from openpyxl import load_workbook

from bma.assessments import models as am
from bma.exports.report import round_figures

pytestmark = pytest.mark.django_db


def population(figures, code):
    return next(p for p in figures["populations"] if p["code"] == code)


def test_figures_match_the_report_tables(two_villages):
    f = round_figures(two_villages)
    assert f["communities"] == 2
    assert f["informants"] == {"total": 4, "share_by_sex": {"Female": 75.0, "Male": 25.0}}
    imw = population(f, "imw")
    assert (imw["total"], imw["communities_reporting"], imw["share_of_communities"]) == (12, 1, 50.0)
    assert imw["top_countries"] == [
        {"country": "Afghanistan", "code": "AF", "total": 9},
        {"country": "China", "code": "CN", "total": 3},
    ]
    assert [r["code"] for r in imw["reasons"]] == ["employment", "family"] or {r["code"] for r in imw["reasons"]} == {
        "employment",
        "family",
    }
    assert sum(r["share"] for r in imw["reasons"]) in (99, 100, 101)  # each share rounded on its own
    assert imw["migration_types"] == [{"type": "Long-term", "code": "long_term", "share": 100.0}]
    assert imw["yearly"][-2:] == [
        {"year": 2022, "total": 8, "change": None},
        {"year": 2023, "total": 12, "change": 50.0},
    ]
    ret = population(f, "ret")
    assert ret["total"] == 280 and ret["by_province"] == [{"province": "Sughd", "total": 280, "share": 100.0}]
    ioi = population(f, "ioi")
    assert ioi["within_same_district_share"] == 0.0 and ioi["other_area_by_province"] == [
        {"province": "Sughd", "share": 100.0}
    ]
    services = {s["code"]: s for s in f["services"]["availability"]}
    assert (services["clinic"]["yes"], services["clinic"]["no"]) == (50.0, 50.0)
    assert (services["hospital"]["yes"], services["hospital"]["no"]) == (0.0, 100.0)
    distance = {r["code"]: r for r in f["services"]["distance_households"]}
    assert distance["11_15"]["hospital"] == 840 and distance["6_10"]["clinic"] == 300
    assert distance["total"]["hospital"] == 840


def test_only_approved_assessments_count_unless_asked(two_villages):
    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(review_state=am.ReviewState.RECEIVED)
    assert round_figures(two_villages)["communities"] == 1
    assert round_figures(two_villages, include_unapproved=True)["communities"] == 2
    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(review_state=am.ReviewState.REJECTED)
    assert round_figures(two_villages, include_unapproved=True)["communities"] == 1


def test_report_page_xlsx_and_api_are_for_coordinators(client, two_villages, personas):
    client.force_login(personas.coordinator)
    page = client.get(f"/reports/rounds/{two_villages.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Return migrants" in html and "<svg" in html and "Distance to nearest facility" in html
    assert "cdn" not in html.lower() and "https://" not in html
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{two_villages.number}/xlsx/").content))
    assert {"summary", "services", "distance households", "imw countries"} <= set(workbook.sheetnames)
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
    assert figures["comparison"]["communities"] == {"before": 2, "now": 0}


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
