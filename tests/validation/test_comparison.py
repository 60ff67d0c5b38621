from bma.validation.comparison import (
    FieldComparison,
    Outcome,
    Tolerance,
    compare_count,
    compare_presence,
    compare_service,
    overall_outcome,
)

TOL = Tolerance(absolute=10, relative=0.20)


def test_a_figure_within_tolerance_is_confirmed():
    assert compare_count("ret.total", 100, 115, TOL).outcome == Outcome.CONFIRMED
    assert compare_count("ret.total", 5, 14, TOL).outcome == Outcome.CONFIRMED  # absolute slack for small numbers


def test_a_figure_within_twice_the_tolerance_is_a_minor_discrepancy():
    result = compare_count("ret.total", 100, 135, TOL)
    assert result.outcome == Outcome.MINOR and result.difference == 35


def test_a_figure_beyond_twice_the_tolerance_is_a_major_discrepancy():
    assert compare_count("ret.total", 100, 200, TOL).outcome == Outcome.MAJOR


def test_an_unchecked_figure_does_not_count_against_the_village():
    assert compare_count("imw.total", 100, None, TOL).outcome == Outcome.CONFIRMED


def test_a_contradicted_presence_is_always_major():
    assert compare_presence("imw.present", True, False).outcome == Outcome.MAJOR
    assert compare_presence("imw.present", False, False).outcome == Outcome.CONFIRMED


def test_the_worst_field_decides_the_village():
    fields = [
        FieldComparison("a", 1, 1, Outcome.CONFIRMED),
        FieldComparison("b", 1, 2, Outcome.MINOR),
    ]
    assert overall_outcome(fields) == Outcome.MINOR
    assert overall_outcome(fields + [FieldComparison("c", 1, 9, Outcome.MAJOR)]) == Outcome.MAJOR
    assert overall_outcome([]) == Outcome.CONFIRMED


def test_each_count_keeps_the_difference_its_tolerance_allowed():
    assert compare_count("ret.total", 100, 200, TOL).allowed == 20
    assert compare_count("ret.total", 5, 14, TOL).allowed == 10


def test_a_service_the_visit_contradicts_is_a_minor_discrepancy():
    assert compare_service("svc_market", True, False).outcome == Outcome.MINOR
    assert compare_service("svc_market", True, True).outcome == Outcome.CONFIRMED
    assert compare_service("svc_internet", True, None).outcome == Outcome.CONFIRMED  # "unknown": not checked
