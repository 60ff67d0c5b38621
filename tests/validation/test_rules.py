"""Every quality rule fires on the case it is for and stays quiet on a clean assessment."""

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from bma.validation.rules import (
    ASSESSMENT_RULES,
    DISTRICT_RULES,
    AssessmentFacts,
    BoundingBox,
    DistrictFacts,
    HousingFacts,
    Point,
    PopulationFacts,
    Thresholds,
    run_assessment_rules,
    run_district_rules,
)

T = Thresholds()
START = datetime(2023, 8, 10, 9, 0)


def clean(**overrides) -> AssessmentFacts:
    facts = AssessmentFacts(
        village_name="Oshoba",
        households=400,
        informants=3,
        populations={
            "ret": PopulationFacts(True, 120, {2020: 20, 2021: 30, 2022: 30, 2023: 40}, {"RUS": 110, "KAZ": 10}),
            "emi": PopulationFacts(True, 300, {2020: 50, 2021: 70, 2022: 80, 2023: 100}, {"RUS": 290}),
            "imw": PopulationFacts(False, 0),
        },
        gps=Point(40.6701, 70.3502),
        village_location=Point(40.6712, 70.3490),
        district_bounds=BoundingBox(40.4, 70.0, 41.1, 71.0),
        started_at=START,
        ended_at=START + timedelta(minutes=42),
        previous_totals={"ret": 100, "emi": 280},
        other_assessments_in_round=0,
    )
    return replace(facts, **overrides)


def codes(findings):
    return sorted(f.code for f in findings)


def with_population(code, **kw):
    base = clean().populations[code]
    return clean(populations={**clean().populations, code: replace(base, **kw)})


def test_a_clean_assessment_raises_nothing():
    assert run_assessment_rules(clean(), T) == []


def test_country_counts_above_the_total_are_an_error_naming_both_figures():
    [finding] = run_assessment_rules(with_population("ret", countries={"RU": 100, "KZ": 50}), T)
    assert finding.code == "countries_exceed_total" and finding.severity == "error"
    assert finding.message == "Return migrants: the countries add up to 150 but the total is 120."


def test_years_may_add_up_to_more_than_the_total_for_the_period():
    # The total counts everyone over the period once; one person is counted in every year they were there.
    assert run_assessment_rules(with_population("emi", total=300, yearly={2020: 200, 2021: 250, 2022: 300}), T) == []


def test_a_single_year_above_the_total_is_an_error_naming_the_year():
    [finding] = run_assessment_rules(with_population("emi", total=300, yearly={2020: 200, 2021: 310}), T)
    assert finding.code == "year_exceeds_total" and finding.severity == "error"
    assert finding.message == "Emigrants: 2021: 310 — more than the total of 300 for the whole period."
    assert finding.details == {"years": {"2021": 310}, "total": 300}


def test_impossible_housing_answers_are_one_error_naming_each_problem():
    housing = HousingFacts(departures={2022: 300, 2023: 200}, houses_empty=450, houses_looked_after=500)
    [finding] = run_assessment_rules(clean(households=400, housing=housing), T)
    assert finding.code == "impossible_housing" and finding.severity == "error"
    assert "450 houses stand empty in a village of 400 households." in finding.message
    assert "500 households left entirely in 2022-2023, more than the village's 400." in finding.message
    assert "500 empty houses are looked after, but only 450 stand empty." in finding.message


def test_plausible_housing_answers_raise_nothing():
    housing = HousingFacts(departures={2022: 30, 2023: 0}, houses_empty=60, houses_looked_after=20)
    assert run_assessment_rules(clean(households=400, housing=housing), T) == []


def test_present_with_zero_total_and_absent_with_a_total_are_both_flagged():
    present_zero = run_assessment_rules(with_population("imw", present=True, total=0), T)
    absent_counted = run_assessment_rules(with_population("imw", present=False, total=15), T)
    assert codes(present_zero) == ["presence_total_mismatch"]
    assert "marked present but the total is 0" in present_zero[0].message
    assert codes(absent_counted) == ["presence_total_mismatch"]
    assert "marked absent but the total is 15" in absent_counted[0].message


def test_counts_implausible_for_the_households():
    found = run_assessment_rules(clean(households=10), T)
    assert set(codes(found)) == {"implausible_for_households"}
    assert any("for a village of 10 households" in f.message for f in found)


def test_emigrants_and_out_migrants_are_not_held_to_the_households_limit():
    # They have left the village, so the village's households do not bound their number.
    facts = clean(
        households=10,
        populations={
            "emi": PopulationFacts(True, 300, {2023: 100}),
            "ioi": PopulationFacts(True, 200, {2023: 50}),
        },
    )
    found = run_assessment_rules(facts, T)
    assert "implausible_for_households" not in codes(found)


def test_fewer_than_two_informants():
    assert codes(run_assessment_rules(clean(informants=1), T)) == ["too_few_informants"]


def test_gps_far_from_the_known_village_location():
    found = run_assessment_rules(clean(gps=Point(40.75, 70.35)), T)
    assert codes(found) == ["gps_far_from_village"]
    assert "km from the known location of Oshoba" in found[0].message


def test_gps_outside_the_district():
    far = Point(38.56, 68.78)  # Dushanbe, far south of the Asht box
    found = run_assessment_rules(clean(gps=far, village_location=None), T)
    assert codes(found) == ["gps_outside_district"]


def test_no_gps_raises_no_gps_finding():
    assert run_assessment_rules(clean(gps=None), T) == []


def test_a_large_change_since_the_previous_round_in_either_direction():
    grown = run_assessment_rules(clean(previous_totals={"ret": 20, "emi": 280}), T)
    shrunk = run_assessment_rules(clean(previous_totals={"ret": 100, "emi": 2000}), T)
    assert codes(grown) == ["large_change_since_previous_round"]
    assert codes(shrunk) == ["large_change_since_previous_round"]
    assert shrunk[0].message == "Emigrants: 300 now against 2,000 in the previous round."


def test_small_numbers_changing_are_not_flagged():
    facts = clean(populations={"imw": PopulationFacts(True, 9)}, previous_totals={"imw": 2})
    assert "large_change_since_previous_round" not in codes(run_assessment_rules(facts, T))


def test_the_same_village_assessed_twice_in_a_round():
    assert codes(run_assessment_rules(clean(other_assessments_in_round=1), T)) == ["assessed_twice_in_round"]


def test_a_form_filled_implausibly_fast():
    found = run_assessment_rules(clean(ended_at=START + timedelta(minutes=3)), T)
    assert codes(found) == ["filled_too_fast"]
    assert "3.0 minutes" in found[0].message


def test_district_b2_totals_far_above_or_below_the_b1_estimate():
    facts = DistrictFacts("Asht", {"ret": 1000, "emi": 5000, "imw": 0}, {"ret": 300, "emi": 5200, "imw": 0})
    [finding] = run_district_rules(facts, T)
    assert finding.code == "b2_far_from_b1" and finding.population == "ret"
    assert finding.message == "Asht, return migrants: the villages add up to 300 against a district estimate of 1,000."
    assert run_district_rules(DistrictFacts("Asht", {"ret": 1000}, {"ret": 900}), T) == []


def test_thresholds_come_from_a_mapping_and_unknown_names_are_refused():
    assert Thresholds.from_mapping({"min_informants": 3}).min_informants == 3
    with pytest.raises(ValueError, match="'min_informant' is not a quality threshold"):
        Thresholds.from_mapping({"min_informant": 3})
    assert codes(run_assessment_rules(clean(), Thresholds(min_informants=4))) == ["too_few_informants"]


def test_every_rule_has_a_unique_code_and_a_title():
    all_rules = ASSESSMENT_RULES + DISTRICT_RULES
    assert len({r.code for r in all_rules}) == len(all_rules) == 15
    assert all(r.title and r.severity in {"error", "warning", "info"} for r in all_rules)


def test_a_district_outside_the_assignment_is_an_error_naming_it():
    findings = run_assessment_rules(clean(district_outside_assignment="TJ-KT-PAN"), Thresholds())
    assert codes(findings) == ["outside_assignment"]
    assert "TJ-KT-PAN" in findings[0].message and findings[0].severity == "error"


def test_a_round_typed_on_the_tablet_that_differs_from_the_submissions_round_is_shown():
    assert run_assessment_rules(clean(round_number=3, round_answered=3), T) == []
    assert run_assessment_rules(clean(round_number=3, round_answered=None), T) == []  # per-round versions
    [finding] = run_assessment_rules(clean(round_number=3, round_answered=2), T)
    assert finding.code == "round_answer_differs" and finding.severity == "warning"
    assert "typed round 2" in finding.message and "counted in round 3" in finding.message
